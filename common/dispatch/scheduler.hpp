// Cron schedules at dispatch time: which slots are due, the catch-up policy after downtime,
// and the send request a schedule stores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::dispatch {

// What a schedule enqueues at each slot: a notification without its due time.
struct ScheduleContent {
    store::NewNotification row; // due_at and expires_at are set at each slot
    std::optional<Millis> ttl;
};

// Serialises content as the JSON object stored in schedules.content.
std::string content_to_json(const ScheduleContent& content);
// Parses stored content; an Unexpected for text that is not such an object.
Expected<ScheduleContent> content_from_json(const std::string& json);

// A slot fired this late or less counts as on time under every catch-up policy.
inline constexpr Millis k_on_time_tolerance{60'000};
// Slots older than this are never replayed (catch_up one/all).
inline constexpr Millis k_catch_up_window{24LL * 3'600'000};

struct SchedulerReport {
    int fired = 0;                   // slots that enqueued notifications
    int skipped = 0;                 // missed slots dropped by the catch-up policy
    int enqueued = 0;                // notifications enqueued
    std::vector<std::string> errors; // "schedule NAME: ..." for broken schedules (left paused)
};

// Fires every unpaused schedule whose next_at <= now, following its catch_up policy:
//  - one (default): if slots were missed, fire once for the latest missed slot if it is
//    younger than min(24 h, the schedule's period); drop the others;
//  - none: fire only a slot late by at most k_on_time_tolerance (cron's behaviour);
//  - all: fire every missed slot younger than k_catch_up_window, oldest first.
// Each slot is recorded under a unique key before its notifications are enqueued, so a
// restart or a second dispatcher never fires a slot twice. Then moves next_at past now.
SchedulerReport fire_due_schedules(store::JobStore& store, TimePoint now);

} // namespace notify::dispatch
