// One template file (templates/<name>[.<locale>].yaml): its YAML shape, read and checked
// with file:line problems.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace notify::render {

// What a channel part may contain, by the channel it is named after.
enum class PartKind {
    email,   // subject, text, html
    sms,     // body
    push,    // title, body, data (a map), badge, sound
    webhook, // body: a JSON template
    generic, // `default:` and other configured channels: subject, title, body
};

// email, sms, push and webhook by name; everything else is generic.
PartKind part_kind(std::string_view channel);

// The fields a part of `kind` may have, in the order templates usually give them.
const std::vector<std::string>& part_fields(PartKind kind);

// One mustache text of a part and where it is in the file.
struct Field {
    std::string name; // "subject", "text", "html", "title", "body", "badge", "sound", "data.<key>"
    std::string text;
    int line = 0;      // 1-based line of the value in the file
    int text_line = 0; // line of the text's first line (the one after `|` for block scalars)
};

// The part of one channel (`channels.<channel>`).
struct ChannelPart {
    std::string channel; // "email", "sms", "push", "webhook", "default", or a configured channel
    int line = 0;
    std::vector<Field> fields; // in file order

    // The field called `name`, or nullptr.
    const Field* find(std::string_view name) const;
};

struct TemplateFile {
    std::string name;   // "welcome"
    std::string locale; // "" for the default file, else "de", "de-AT", ...
    std::string path;
    std::string description;
    std::optional<std::string> category;
    bool has_sample = false;
    nlohmann::json sample = nlohmann::json::object(); // `sample:` as JSON
    std::vector<ChannelPart> channels;                // in file order

    // The part named `channel`, else the `default` part, else nullptr.
    const ChannelPart* part_for(std::string_view channel) const;
};

// A problem found in a template or partial file.
struct Problem {
    std::string file;
    int line = 0; // 0: the file as a whole
    std::string message;

    // "file:line: message" (or "file: message" without a line).
    std::string text() const;
};

struct LoadResult {
    std::optional<TemplateFile> file; // nullopt when the file cannot be read or parsed
    std::vector<Problem> problems;    // empty: the file is fine
};

// Parses `yaml` as the template file `path` (name and locale from its file name). Checks:
// YAML syntax; top-level keys (description, category, sample, channels; "did you mean");
// shapes (text where text is due, maps for sample/channels/parts/push data); channel names
// (email, sms, push, webhook, default, or one of `known_channels`); each part's fields and
// the ones it needs (email: subject and text or html; sms: body; push: title or body;
// webhook: body; others: subject, title or body). Mustache syntax and data are checked
// elsewhere. Sample scalars become strings, except unquoted true/false (booleans) and
// null/~ (null), so sections can be tried.
LoadResult parse_template(std::string_view yaml, const std::string& path, const std::string& name,
                          const std::string& locale,
                          const std::vector<std::string>& known_channels);

// Reads `path` and parses it; an unreadable file is one problem.
LoadResult load_template_file(const std::string& path, const std::string& name,
                              const std::string& locale,
                              const std::vector<std::string>& known_channels);

} // namespace notify::render
