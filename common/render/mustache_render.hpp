// Rendering one mustache text with the kainjow library, which only this file's .cpp includes
// (its header is slow to parse).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/expected.hpp"
#include "common/render/mustache_tags.hpp"

namespace notify::render {

// What {{name}} does to a value; {{{name}}} and {{&name}} never escape.
enum class Escape {
    none, // plain text: e-mail text part, SMS, push, subjects and titles
    html, // & < > " ' as entities: the e-mail HTML part
    json, // the inside of a JSON string: " \ and control characters: webhook bodies
};

// Renders `text` with `data` (a JSON object: strings and numbers print as text, null and
// false are falsy, lists repeat sections) and the partials `partials` finds. Call
// check_data() first: a missing variable renders as "" here. Fails with the library's
// message on a syntax error.
Expected<std::string> render_text(std::string_view text, const nlohmann::json& data, Escape escape,
                                  const PartialLookup& partials);

// `text` escaped as the inside of a JSON string (no surrounding quotes).
std::string json_escape(std::string_view text);

} // namespace notify::render
