// A template's channel part rendered into subject/title/body/data, with length rules.
#include "common/render/message_render.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "common/render/mustache_render.hpp"
#include "common/render/sms_segments.hpp"

namespace notify::render {

namespace {

std::string template_label(const TemplateFile& tmpl) {
    return "template \"" + tmpl.name + "\"" + (tmpl.locale.empty() ? "" : " (" + tmpl.locale + ")");
}

Unexpected failure(const TemplateFile& tmpl, const std::string& where, const std::string& what) {
    return Unexpected{template_label(tmpl) + " " + where + ": " + what};
}

Escape escape_for(const ChannelPart& part, const Field& field) {
    if (field.name == "html") {
        return Escape::html;
    }
    if (part_kind(part.channel) == PartKind::webhook && field.name == "body") {
        return Escape::json;
    }
    return Escape::none;
}

std::optional<long long> whole_number(const std::string& text) {
    long long value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr != last || text.empty()) {
        return std::nullopt;
    }
    return value;
}

} // namespace

Expected<RenderedMessage> render_part(const TemplateFile& tmpl, const ChannelPart& part,
                                      std::string_view channel, const nlohmann::json& data,
                                      const PartialLookup& partials) {
    // Check every field first, so nothing renders blank.
    for (const Field& field : part.fields) {
        const std::string where = part.channel + "." + field.name;
        DataCheck check = check_data(field.text, data, partials);
        if (!check.problems.empty()) {
            return failure(tmpl, where, check.problems.front());
        }
        if (!check.missing.empty()) {
            return failure(tmpl, where, "missing " + describe_missing(check.missing));
        }
    }
    RenderedMessage out;
    nlohmann::ordered_json out_data = nlohmann::ordered_json::object();
    for (const Field& field : part.fields) {
        const std::string where = part.channel + "." + field.name;
        auto text = render_text(field.text, data, escape_for(part, field), partials);
        if (!text) {
            return failure(tmpl, where, text.error());
        }
        if (field.name == "subject") {
            out.subject = *text;
        } else if (field.name == "title") {
            out.title = *text;
        } else if (field.name == "body" || field.name == "text") {
            out.body = *text;
        } else if (field.name == "html") {
            out_data["html"] = *text;
        } else if (field.name.starts_with("data.")) {
            out_data[field.name.substr(5)] = *text;
        } else if (field.name == "badge") {
            auto n = whole_number(*text);
            if (!n || *n < 0) {
                return failure(tmpl, where, "\"" + *text + "\" is not a whole number");
            }
            out_data["aps"]["badge"] = *n;
        } else if (field.name == "sound") {
            out_data["aps"]["sound"] = *text;
        }
    }
    if (part_kind(part.channel) == PartKind::webhook && out.body) {
        auto parsed = nlohmann::ordered_json::parse(*out.body, nullptr, false);
        if (parsed.is_discarded()) {
            return failure(tmpl, part.channel + ".body", "does not render to valid JSON");
        }
        if (!parsed.is_object()) {
            return failure(tmpl, part.channel + ".body", "must render to a JSON object");
        }
        out_data = std::move(parsed);
    }
    out.data_json = out_data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);

    if (channel == "sms") {
        const SmsCount count = count_sms(out.body.value_or(""));
        if (count.segments > k_max_sms_segments) {
            return failure(
                tmpl, part.channel + ".body",
                std::to_string(count.segments) + " SMS segments (" + to_string(count.encoding) +
                    ", " + std::to_string(count.units) +
                    (count.encoding == SmsEncoding::gsm7 ? " septets" : " UTF-16 units") +
                    "); at most " + std::to_string(k_max_sms_segments));
        }
    } else if (channel == "push") {
        nlohmann::json payload = {
            {"title", out.title.value_or("")}, {"body", out.body.value_or("")}, {"data", out_data}};
        const std::size_t size =
            payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
        if (size > k_max_push_bytes) {
            return failure(tmpl, part.channel,
                           "payload of " + std::to_string(size) +
                               " bytes (title, body and data as JSON); at most " +
                               std::to_string(k_max_push_bytes));
        }
    }
    return out;
}

Expected<RenderedMessage> render_for_channel(const TemplateFile& tmpl, std::string_view channel,
                                             const nlohmann::json& data,
                                             const PartialLookup& partials) {
    const ChannelPart* part = tmpl.part_for(channel);
    if (part == nullptr) {
        std::string parts;
        for (const auto& p : tmpl.channels) {
            parts += (parts.empty() ? "" : ", ") + p.channel;
        }
        return Unexpected{template_label(tmpl) + " has no part for channel \"" +
                          std::string(channel) + "\" and no default part (it has: " + parts + ")"};
    }
    return render_part(tmpl, *part, channel, data, partials);
}

} // namespace notify::render
