// Serialises provider messages as JSON.
#include "common/providers/message_json.hpp"

#include <nlohmann/json.hpp>

#include "common/providers/mime_message.hpp"

namespace notify::providers {

namespace {

nlohmann::ordered_json optional_string(const std::optional<std::string>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

} // namespace

std::string message_json(const Message& m, AttachmentBytes bytes) {
    nlohmann::ordered_json j;
    j["id"] = m.id;
    j["channel"] = m.channel;
    j["to"] = m.to;
    j["user"] = optional_string(m.user);
    j["template"] = optional_string(m.template_name);
    j["event_id"] = optional_string(m.event_id);
    j["priority"] = std::string(model::to_string(m.priority));
    j["subject"] = optional_string(m.subject);
    j["title"] = optional_string(m.title);
    j["body"] = optional_string(m.body);
    j["data"] = nlohmann::ordered_json::parse(m.data_json, nullptr, false);
    if (j["data"].is_discarded()) {
        j["data"] = nlohmann::ordered_json::object();
    }
    j["attempt"] = m.attempt;
    if (!m.attachments.empty()) {
        auto files = nlohmann::ordered_json::array();
        for (const auto& file : m.attachments) {
            nlohmann::ordered_json f;
            f["filename"] = file.filename;
            f["content_type"] = file.content_type;
            f["size"] = file.size;
            if (bytes == AttachmentBytes::base64) {
                f["content"] = base64_encode(file.bytes.value_or(std::string()));
            }
            files.push_back(std::move(f));
        }
        j["attachments"] = std::move(files);
    }
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace notify::providers
