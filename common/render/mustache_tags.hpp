// The tags of a mustache text: a syntax check with line numbers, and the walk of its
// variables against data that finds what rendering would leave blank. No mustache library
// here: kainjow renders a missing variable as "", so notify checks before it renders.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/expected.hpp"

namespace notify::render {

enum class TagKind { variable, unescaped, section, inverted, end, partial, comment };

struct Tag {
    TagKind kind = TagKind::variable;
    std::string name; // trimmed, without the sigil
    int line = 1;     // 1-based line of the tag in the text
};

// Where a text's mustache syntax is wrong.
struct SyntaxError {
    int line = 1; // 1-based, within the text
    std::string what;
    int opened_line = 0; // for a section closed by the wrong name: where it was opened

    // `what`, plus " (line N)" for opened_line, both lines shifted by `line_offset`.
    std::string describe(int line_offset = 0) const;
};

// The tags of `text`, in order, for the default delimiters {{ }}. Fails with
// "line N: <what>" for an unclosed tag, an empty tag, a set-delimiter tag (not supported),
// and sections that are not closed, or closed by the wrong name.
Expected<std::vector<Tag>> scan_tags(std::string_view text);

// The first syntax error scan_tags() would report, or nullopt.
std::optional<SyntaxError> syntax_error(std::string_view text);

// A partial's text by name, or nullopt when there is none.
using PartialLookup = std::function<std::optional<std::string>(const std::string& name)>;

// What rendering a text with some data would get wrong.
struct DataCheck {
    // Variables that resolve to nothing (absent or null), unique, in order of first use.
    std::vector<std::string> missing;
    // Everything else, one sentence each: syntax errors, partials not found or nested too
    // deep, variables whose value is an object, a list or a boolean (they render blank).
    std::vector<std::string> problems;

    bool ok() const { return missing.empty() && problems.empty(); }
};

// Walks `text` against `data` (a JSON object) with mustache's rules: names resolve from the
// innermost section outwards, dotted names walk objects, a section over a list repeats per
// item, a section whose value is absent, null, false or [] is skipped (so its variables are
// not needed), an inverted section renders only then. Partials come from `partials` and are
// walked in place, at most 16 deep.
DataCheck check_data(std::string_view text, const nlohmann::json& data,
                     const PartialLookup& partials);

// Formats missing variables for a message: `variable "a"` or `variables "a", "b"`.
std::string describe_missing(const std::vector<std::string>& missing);

} // namespace notify::render
