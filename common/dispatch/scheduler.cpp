// Firing of due cron schedules with catch-up.
#include "common/dispatch/scheduler.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/schedule/cron.hpp"
#include "common/schedule/time_text.hpp"
#include "common/schedule/zone.hpp"

namespace notify::dispatch {

namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& v) {
    return v ? json(*v) : json(nullptr);
}

std::optional<std::string> optional_string(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

constexpr int k_max_slots_scanned = 100'000;

} // namespace

std::string content_to_json(const ScheduleContent& c) {
    json j;
    j["channel"] = c.row.channel;
    j["to"] = c.row.to;
    j["user"] = optional_json(c.row.user);
    j["template"] = optional_json(c.row.template_name);
    j["priority"] = static_cast<int>(c.row.priority);
    j["subject"] = optional_json(c.row.subject);
    j["title"] = optional_json(c.row.title);
    j["body"] = optional_json(c.row.body);
    j["data"] = json::parse(c.row.data_json, nullptr, false);
    j["category"] = optional_json(c.row.category);
    if (j["data"].is_discarded()) {
        j["data"] = json::object();
    }
    j["ttl_ms"] = c.ttl ? json(c.ttl->count()) : json(nullptr);
    return j.dump();
}

Expected<ScheduleContent> content_from_json(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return Unexpected{"stored content is not a JSON object"};
    }
    try {
        ScheduleContent c;
        c.row.channel = j.at("channel").get<std::string>();
        c.row.to = j.at("to").get<std::string>();
        c.row.user = optional_string(j, "user");
        c.row.template_name = optional_string(j, "template");
        c.row.priority = static_cast<model::Priority>(std::clamp(j.value("priority", 1), 0, 2));
        c.row.subject = optional_string(j, "subject");
        c.row.title = optional_string(j, "title");
        c.row.body = optional_string(j, "body");
        c.row.data_json = j.contains("data") ? j["data"].dump() : "{}";
        c.row.category = optional_string(j, "category");
        if (j.contains("ttl_ms") && !j["ttl_ms"].is_null()) {
            c.ttl = Millis{j["ttl_ms"].get<long long>()};
        }
        return c;
    } catch (const json::exception& e) {
        return Unexpected{std::string("stored content is malformed: ") + e.what()};
    }
}

SchedulerReport fire_due_schedules(store::JobStore& store, TimePoint now) {
    SchedulerReport report;
    for (const store::Schedule& sc : store.list_schedules()) {
        if (sc.paused || !sc.next_at || *sc.next_at > now) {
            continue;
        }
        auto cron = schedule::parse_cron(sc.cron);
        auto zone = schedule::Zone::find(sc.tz);
        auto content = content_from_json(sc.content_json);
        if (!cron || !zone || !content) {
            std::string why = !cron ? cron.error() : !zone ? zone.error() : content.error();
            report.errors.push_back("schedule " + sc.name + ": " + why);
            store.set_schedule_paused(sc.name, true, std::nullopt, now);
            continue;
        }
        // Every slot from next_at up to now (bounded), and the first one after now.
        std::vector<TimePoint> missed;
        std::optional<TimePoint> slot = sc.next_at;
        while (slot && *slot <= now && static_cast<int>(missed.size()) < k_max_slots_scanned) {
            missed.push_back(*slot);
            slot = cron->next_after(*slot, *zone);
        }
        std::optional<TimePoint> next = cron->next_after(now, *zone);
        TimePoint latest = missed.back();
        Millis period = next ? *next - latest : k_catch_up_window;
        std::vector<TimePoint> fire;
        if (sc.catch_up == "all") {
            for (TimePoint t : missed) {
                if (now - t <= k_catch_up_window) {
                    fire.push_back(t);
                }
            }
        } else if (sc.catch_up == "none") {
            if (now - latest <= k_on_time_tolerance) {
                fire.push_back(latest);
            }
        } else { // one
            if (now - latest <=
                std::max(k_on_time_tolerance, std::min(k_catch_up_window, period))) {
                fire.push_back(latest);
            }
        }
        report.skipped += static_cast<int>(missed.size() - fire.size());
        if (fire.empty()) {
            store.set_schedule_next(sc.name, next, now);
            spdlog::warn("schedule {}: {} missed slot(s) dropped (catch_up {})", sc.name,
                         missed.size(), sc.catch_up);
            continue;
        }
        for (std::size_t i = 0; i < fire.size(); ++i) {
            store::NewNotification row = content->row;
            row.due_at = now;
            if (content->ttl) {
                row.expires_at = now + *content->ttl;
            }
            bool last = i + 1 == fire.size();
            // Earlier slots keep next_at on the following slot so a crash mid-way resumes.
            std::optional<TimePoint> after = last ? next : std::optional<TimePoint>(fire[i + 1]);
            auto ids = store.fire_schedule(sc.name, fire[i], {row}, after, now);
            if (!ids.empty()) {
                ++report.fired;
                report.enqueued += static_cast<int>(ids.size());
                spdlog::info("schedule {} fired for slot {}: notification {}", sc.name,
                             schedule::format_rfc3339(fire[i]), ids.front());
            }
        }
    }
    return report;
}

} // namespace notify::dispatch
