// Serialises provider messages as JSON.
#include "common/providers/message_json.hpp"

#include <nlohmann/json.hpp>

namespace notify::providers {

namespace {

nlohmann::ordered_json optional_string(const std::optional<std::string>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

} // namespace

std::string message_json(const Message& m) {
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
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace notify::providers
