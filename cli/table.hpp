// A table of columns and cells that prints as stable TAB-separated lines when piped, and as an
// aligned, optionally coloured table with relative times on a terminal.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/config/config.hpp"
#include "common/schedule/clock.hpp"

namespace notify::cli {

// A status word (sent, dead, paused, ...): printed as is, coloured by its meaning on a terminal.
struct StatusWord {
    std::string word;
};

// One cell: plain text (printed verbatim when piped), a time (RFC 3339 when piped, relative on a
// terminal; `-` when absent), or a status.
using Cell = std::variant<std::string, std::optional<TimePoint>, StatusWord>;
using Row = std::vector<Cell>;

struct Column {
    std::string header;
    bool terminal_only = false; // shown on a terminal only, never in the plain lines
};

struct Table {
    std::vector<Column> columns;
    std::vector<Row> rows;
};

struct TableStyle {
    bool terminal = false; // header, alignment and relative times
    bool colour = false;   // ANSI SGR on status cells (only with terminal)
    bool header = true;    // the header line (terminal only)
    TimePoint now{};
};

// The style for output to a terminal (`tty`) under the environment `env`: colour unless
// NO_COLOR is set and non-empty or TERM is "dumb"; never any of it when not a terminal.
TableStyle table_style(bool tty, const config::EnvLookup& env, TimePoint now);

// Prints `table` in `style`. Plain: each row's cells joined by TABs, one row a line, no header.
// Terminal: a header, columns aligned on visible width, control characters shown as spaces.
void print(std::ostream& out, const Table& table, const TableStyle& style);

// `t` relative to `now`: "just now", "in 5m", "3h ago", "2d ago"; RFC 3339 beyond 7 days.
std::string relative_time(TimePoint t, TimePoint now);

// The characters a terminal shows for `text`: UTF-8 code points, ANSI escape sequences excluded.
std::size_t visible_width(std::string_view text);

} // namespace notify::cli
