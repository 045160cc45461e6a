// JSON and plain renderings of notifications for the CLI.
#include "cli/output.hpp"

#include <algorithm>
#include <ostream>

#include "common/schedule/time_text.hpp"

namespace notify::cli {

namespace {

using nlohmann::ordered_json;

ordered_json optional_string(const std::optional<std::string>& v) {
    return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json optional_time(const std::optional<TimePoint>& t) {
    return t ? ordered_json(schedule::format_rfc3339(*t)) : ordered_json(nullptr);
}

std::string flat(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return s;
}

} // namespace

ordered_json notification_json(const model::Notification& n) {
    ordered_json j;
    j["id"] = n.id;
    j["status"] = std::string(model::to_string(n.status));
    j["channel"] = n.channel;
    j["to"] = n.to;
    j["user"] = optional_string(n.user);
    j["provider"] = optional_string(n.provider);
    j["template"] = optional_string(n.template_name);
    j["event_id"] = optional_string(n.event_id);
    j["priority"] = std::string(model::to_string(n.priority));
    j["due_at"] = schedule::format_rfc3339(n.due_at);
    j["created_at"] = schedule::format_rfc3339(n.created_at);
    j["updated_at"] = schedule::format_rfc3339(n.updated_at);
    j["attempts"] = n.attempts;
    j["last_error"] = optional_string(n.last_error);
    j["sent_at"] = optional_time(n.sent_at);
    j["category"] =
        n.category ? nlohmann::ordered_json(*n.category) : nlohmann::ordered_json(nullptr);
    j["expires_at"] = optional_time(n.expires_at);
    j["subject"] = optional_string(n.subject);
    j["title"] = optional_string(n.title);
    j["body"] = optional_string(n.body);
    j["data"] = ordered_json::parse(n.data_json, nullptr, false);
    if (j["data"].is_discarded()) {
        j["data"] = ordered_json::object();
    }
    return j;
}

ordered_json detail_json(const model::NotificationDetail& d) {
    ordered_json j = notification_json(d.notification);
    ordered_json attempts = ordered_json::array();
    for (const auto& a : d.attempts) {
        attempts.push_back({{"n", a.n},
                            {"provider", a.provider},
                            {"started_at", schedule::format_rfc3339(a.started_at)},
                            {"finished_at", optional_time(a.finished_at)},
                            {"outcome", a.outcome},
                            {"detail", a.detail}});
    }
    ordered_json events = ordered_json::array();
    for (const auto& e : d.events) {
        events.push_back(
            {{"type", e.type}, {"at", schedule::format_rfc3339(e.at)}, {"detail", e.detail}});
    }
    j["attempts_log"] = std::move(attempts);
    j["events"] = std::move(events);
    ordered_json files = ordered_json::array();
    for (const auto& a : d.attachments) {
        files.push_back({{"filename", a.filename},
                         {"content_type", a.content_type},
                         {"size", a.size},
                         {"stored", a.stored}});
    }
    j["attachments"] = std::move(files);
    return j;
}

Table notifications_table(const std::vector<model::Notification>& rows) {
    Table table;
    table.columns = {{"ID"},  {"STATUS"},   {"CHANNEL"},   {"TO"},
                     {"DUE"}, {"ATTEMPTS"}, {"LAST_ERROR"}};
    for (const auto& n : rows) {
        table.rows.push_back(
            {std::to_string(n.id), StatusWord{std::string(model::to_string(n.status))},
             flat(n.channel), flat(n.to), std::optional<TimePoint>(n.due_at),
             std::to_string(n.attempts), n.last_error ? flat(*n.last_error) : std::string("-")});
    }
    return table;
}

void print_json(std::ostream& out, const nlohmann::ordered_json& j) {
    out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

void print_json_records(std::ostream& out, const nlohmann::ordered_json& array, bool lines) {
    if (!lines) {
        print_json(out, array);
        return;
    }
    for (const auto& record : array) {
        out << record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
            << '\n';
    }
}

} // namespace notify::cli
