// Rendering a template for one channel into a notification's content, with the data check
// and the length rules (SMS segments, push payload size).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/expected.hpp"
#include "common/render/mustache_tags.hpp"
#include "common/render/template_file.hpp"

namespace notify::render {

// The most bytes of a push's title, body and data as JSON (APNs and FCM allow 4 KB).
inline constexpr std::size_t k_max_push_bytes = 4096;

// What a notification row stores from a rendered template.
struct RenderedMessage {
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::optional<std::string> body;
    // email: {"html": ...} when the part has html; push: the data map, plus
    // "aps": {"badge": N, "sound": "..."} when given; webhook: the rendered JSON object;
    // otherwise {}. The template's input data is not kept.
    std::string data_json = "{}";
};

// Renders `part` of `tmpl` with `data` for a notification on `channel` (its name decides the
// length rules: "sms" counts segments, "push" sizes the payload). Field mapping: subject,
// title and body as such; email text -> body, html -> data.html; push data.* -> data, badge
// (a whole number) and sound -> data.aps. Escaping: html is HTML-escaped, a webhook body
// JSON-string-escaped, everything else plain. Fails with one sentence that names the
// template (and locale) and the part, e.g.
//   template "welcome" email.subject: missing variable "name"
//   template "welcome" (de) sms.body: 12 SMS segments (GSM-7, 1800 septets); at most 10
//   template "alert" push: payload of 5000 bytes (title, body and data as JSON); at most 4096
Expected<RenderedMessage> render_part(const TemplateFile& tmpl, const ChannelPart& part,
                                      std::string_view channel, const nlohmann::json& data,
                                      const PartialLookup& partials);

// render_part() with tmpl.part_for(channel); fails when the template has neither a part for
// `channel` nor a default part.
Expected<RenderedMessage> render_for_channel(const TemplateFile& tmpl, std::string_view channel,
                                             const nlohmann::json& data,
                                             const PartialLookup& partials);

} // namespace notify::render
