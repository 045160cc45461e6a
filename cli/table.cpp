// Plain and terminal rendering of CLI tables.
#include "cli/table.hpp"

#include <algorithm>
#include <array>
#include <ostream>

#include "common/schedule/time_text.hpp"

namespace notify::cli {

namespace {

constexpr std::string_view k_reset = "\033[0m";

struct Tone {
    std::string_view word;
    std::string_view sgr;
};

// Status words and their colours: green done, red failed, yellow waiting on a person or a retry,
// dim set aside.
constexpr std::array k_tones = {
    Tone{"sent", "\033[32m"},     Tone{"delivered", "\033[32m"}, Tone{"opened", "\033[32m"},
    Tone{"clicked", "\033[32m"},  Tone{"valid", "\033[32m"},     Tone{"active", "\033[32m"},
    Tone{"dead", "\033[31m"},     Tone{"failed", "\033[31m"},    Tone{"invalid", "\033[31m"},
    Tone{"retrying", "\033[33m"}, Tone{"retried", "\033[33m"},   Tone{"retry", "\033[33m"},
    Tone{"deferred", "\033[33m"}, Tone{"held", "\033[33m"},      Tone{"paused", "\033[33m"},
    Tone{"sending", "\033[36m"},  Tone{"claimed", "\033[36m"},   Tone{"queued", "\033[36m"},
    Tone{"cancelled", "\033[2m"}, Tone{"suppressed", "\033[2m"},
};

std::string_view sgr_of(std::string_view word) {
    for (const auto& tone : k_tones) {
        if (tone.word == word) {
            return tone.sgr;
        }
    }
    return {};
}

std::string plain_text(const Cell& cell) {
    if (const auto* text = std::get_if<std::string>(&cell)) {
        return *text;
    }
    if (const auto* time = std::get_if<std::optional<TimePoint>>(&cell)) {
        return *time ? schedule::format_rfc3339(**time) : "-";
    }
    return std::get<StatusWord>(cell).word;
}

std::string terminal_text(const Cell& cell, TimePoint now) {
    std::string text;
    if (const auto* time = std::get_if<std::optional<TimePoint>>(&cell)) {
        text = *time ? relative_time(**time, now) : "-";
    } else {
        text = plain_text(cell);
    }
    std::replace_if(
        text.begin(), text.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, ' ');
    return text;
}

// `seconds` in `unit_seconds`, rounded to the nearest, as "in N<unit>" or "N<unit> ago".
std::string ago(long long seconds, long long unit_seconds, char unit, bool future) {
    std::string n = std::to_string((seconds + unit_seconds / 2) / unit_seconds) + unit;
    return future ? "in " + n : n + " ago";
}

} // namespace

TableStyle table_style(bool tty, const config::EnvLookup& env, TimePoint now) {
    TableStyle style;
    style.terminal = tty;
    style.now = now;
    auto no_color = env("NO_COLOR");
    auto term = env("TERM");
    style.colour = tty && !(no_color && !no_color->empty()) && !(term && *term == "dumb");
    return style;
}

std::string relative_time(TimePoint t, TimePoint now) {
    using std::chrono::duration_cast;
    const bool future = t > now;
    const auto seconds = duration_cast<std::chrono::seconds>(future ? t - now : now - t).count();
    if (seconds < 10) {
        return "just now";
    }
    if (seconds < 60) {
        return ago(seconds, 1, 's', future);
    }
    if (seconds < 3600) {
        return ago(seconds, 60, 'm', future);
    }
    if (seconds < 86400) {
        return ago(seconds, 3600, 'h', future);
    }
    if (seconds < 7 * 86400) {
        return ago(seconds, 86400, 'd', future);
    }
    return schedule::format_rfc3339(t);
}

std::size_t visible_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {
            i += 2;
            while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7e)) {
                ++i;
            }
            continue;
        }
        if ((c & 0xc0) != 0x80) {
            ++width;
        }
    }
    return width;
}

void print(std::ostream& out, const Table& table, const TableStyle& style) {
    if (!style.terminal) {
        for (const auto& row : table.rows) {
            bool first = true;
            for (std::size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
                if (table.columns[i].terminal_only) {
                    continue;
                }
                out << (first ? "" : "\t") << plain_text(row[i]);
                first = false;
            }
            out << '\n';
        }
        return;
    }
    std::vector<std::vector<std::string>> texts;
    std::vector<std::size_t> width(table.columns.size(), 0);
    for (std::size_t i = 0; i < table.columns.size() && style.header; ++i) {
        width[i] = visible_width(table.columns[i].header);
    }
    for (const auto& row : table.rows) {
        auto& line = texts.emplace_back();
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
            line.push_back(terminal_text(row[i], style.now));
            width[i] = std::max(width[i], visible_width(line.back()));
        }
    }
    auto emit = [&](const std::vector<std::string>& cells, const Row* row) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            std::string_view sgr;
            if (row != nullptr && style.colour) {
                if (const auto* status = std::get_if<StatusWord>(&(*row)[i])) {
                    sgr = sgr_of(status->word);
                }
            }
            out << (sgr.empty() ? "" : sgr) << cells[i] << (sgr.empty() ? "" : k_reset);
            if (i + 1 < cells.size()) {
                out << std::string(width[i] - visible_width(cells[i]) + 2, ' ');
            }
        }
        out << '\n';
    };
    if (style.header) {
        std::vector<std::string> headers;
        for (const auto& column : table.columns) {
            headers.push_back(column.header);
        }
        emit(headers, nullptr);
    }
    for (std::size_t r = 0; r < texts.size(); ++r) {
        emit(texts[r], &table.rows[r]);
    }
}

} // namespace notify::cli
