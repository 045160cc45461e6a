// JSON and plain output of audience records.
#include "cli/audience_output.hpp"

#include <ostream>

#include "common/audience/preferences.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::cli {

namespace {

using nlohmann::ordered_json;

ordered_json optional_json(const std::optional<std::string>& v) {
    return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json time_json(const std::optional<TimePoint>& t) {
    return t ? ordered_json(schedule::format_rfc3339(*t)) : ordered_json(nullptr);
}

std::string shorten(const std::string& token, bool tty) {
    if (!tty || token.size() <= 40) {
        return token;
    }
    return token.substr(0, 20) + "..." + token.substr(token.size() - 12);
}

} // namespace

ordered_json user_json(const model::User& u) {
    ordered_json j;
    j["id"] = u.id;
    j["name"] = optional_json(u.name);
    j["email"] = optional_json(u.email);
    j["phone"] = optional_json(u.phone);
    j["locale"] = optional_json(u.locale);
    j["tz"] = optional_json(u.tz);
    j["created_at"] = schedule::format_rfc3339(u.created_at);
    j["updated_at"] = schedule::format_rfc3339(u.updated_at);
    return j;
}

ordered_json device_json(const model::Device& d) {
    ordered_json j;
    j["id"] = d.id;
    j["user"] = d.user_id;
    j["platform"] = d.platform;
    j["token"] = d.token;
    j["app"] = optional_json(d.app);
    j["registered_at"] = schedule::format_rfc3339(d.registered_at);
    j["invalidated_at"] = time_json(d.invalidated_at);
    j["invalid_reason"] = optional_json(d.invalid_reason);
    return j;
}

ordered_json preference_json(const model::Preference& p) {
    ordered_json j;
    j["channel"] = p.channel;
    j["category"] = p.category;
    j["opted_in"] = p.opted_in;
    j["updated_at"] = schedule::format_rfc3339(p.updated_at);
    return j;
}

ordered_json profile_json(const model::UserProfile& p) {
    ordered_json j = user_json(p.user);
    j["quiet_hours"] = p.quiet_hours ? ordered_json(audience::format_quiet_hours(*p.quiet_hours))
                                     : ordered_json(nullptr);
    j["devices"] = ordered_json::array();
    for (const auto& d : p.devices) {
        j["devices"].push_back(device_json(d));
    }
    j["preferences"] = ordered_json::array();
    for (const auto& pref : p.preferences) {
        j["preferences"].push_back(preference_json(pref));
    }
    return j;
}

Table devices_table(const std::vector<model::Device>& devices, bool tty) {
    Table table;
    table.columns = {{"ID"}, {"USER"}, {"PLATFORM"}, {"STATE"}, {"APP"}, {"TOKEN"}};
    for (const auto& d : devices) {
        table.rows.push_back({std::to_string(d.id), d.user_id, d.platform,
                              StatusWord{d.invalidated_at ? "invalid" : "valid"},
                              d.app.value_or("-"), shorten(d.token, tty)});
    }
    return table;
}

} // namespace notify::cli
