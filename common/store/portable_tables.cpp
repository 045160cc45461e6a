// The tables `notify migrate` copies between backends, with the columns of schema.cpp.
#include "common/store/job_store.hpp"

namespace notify::store {

const std::vector<PortableTable>& portable_tables() {
    // Each table's primary key leads its columns. status_counts is left out: the destination's
    // triggers (SQLite) or its own bookkeeping derive it from the notifications copied.
    static const std::vector<PortableTable> k_tables = {
        {"notifications",
         {"id",         "status",   "channel",     "recipient",   "user_id",    "provider",
          "template",   "event_id", "priority",    "subject",     "title",      "body",
          "data",       "due_at",   "created_at",  "updated_at",  "expires_at", "attempts",
          "last_error", "sent_at",  "lease_owner", "lease_until", "category"}},
        {"attempts",
         {"id", "notification_id", "n", "provider", "started_at", "finished_at", "outcome",
          "detail"}},
        {"events", {"id", "notification_id", "type", "at", "detail"}},
        {"attachments", {"id", "notification_id", "filename", "content_type", "size", "content"}},
        {"schedules",
         {"name", "cron", "tz", "paused", "content", "catch_up", "created_at", "updated_at",
          "next_at", "last_slot"}},
        {"schedule_fires", {"schedule", "slot_at", "fired_at", "ids"}},
        {"rate_buckets", {"key", "tokens", "updated_at"}},
        {"users",
         {"id", "name", "email", "phone", "locale", "tz", "quiet_start", "quiet_end", "created_at",
          "updated_at"}},
        {"devices",
         {"id", "user_id", "platform", "token", "app", "registered_at", "invalidated_at",
          "invalid_reason"}},
        {"preferences", {"user_id", "channel", "category", "opted_in", "updated_at"}},
    };
    return k_tables;
}

} // namespace notify::store
