// The notification record, its statuses, priorities, attempts and events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/model/attachment.hpp"
#include "common/schedule/clock.hpp"

namespace notify::model {

// Lifecycle states of CONTRACT.md. `scheduled` and `queued` differ only by due_at vs now.
enum class Status {
    scheduled,
    queued,
    sending,
    retrying,
    sent,
    dead,
    cancelled,
    held,
    suppressed,
};

// Returns the contract name of `s` ("scheduled", ...).
std::string_view to_string(Status s);
// Parses a status name; nullopt if unknown.
std::optional<Status> parse_status(std::string_view text);
// All statuses in lifecycle order.
const std::vector<Status>& all_statuses();
// True for sent, dead, cancelled and suppressed: nothing more will happen to the row.
bool is_terminal(Status s);

enum class Priority { high = 0, normal = 1, low = 2 };

std::string_view to_string(Priority p);
std::optional<Priority> parse_priority(std::string_view text);

// One row of the job store as scripts see it.
struct Notification {
    std::int64_t id = 0;
    Status status = Status::queued;
    std::string channel;
    std::string to;
    std::optional<std::string> user;
    std::optional<std::string> provider; // the provider of the last attempt
    std::optional<std::string> template_name;
    std::optional<std::string> event_id;
    Priority priority = Priority::normal;
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::optional<std::string> body;
    std::string data_json = "{}"; // a JSON object
    TimePoint due_at{};
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> expires_at; // from --ttl
    int attempts = 0;
    std::optional<std::string> last_error;
    std::optional<TimePoint> sent_at;
    std::optional<std::string> category; // preference category given at send
};

// One delivery attempt.
struct Attempt {
    int n = 0;
    std::string provider;
    TimePoint started_at{};
    std::optional<TimePoint> finished_at;
    std::string outcome; // sent, transient, permanent, invalid_recipient, opted_out, rate_limited,
                         // auth, rescued
    std::string detail;
};

// One state change or observation.
struct Event {
    std::string type; // created, claimed, sent, failed, retried, dead, cancelled, held, ...
    TimePoint at{};
    std::string detail;
};

// A notification with its history, for `notify show`.
struct NotificationDetail {
    Notification notification;
    std::vector<Attempt> attempts;
    std::vector<Event> events;
    std::vector<Attachment> attachments; // metadata only (bytes not loaded)
};

} // namespace notify::model
