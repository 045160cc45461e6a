// What recording an attempt's result writes; see completion_rows.hpp.
#include "common/store/completion_rows.hpp"

#include "common/schedule/time_text.hpp"

namespace notify::store {

const char* completed_status(Outcome outcome) {
    switch (outcome) {
    case Outcome::retry:
        return "retrying";
    case Outcome::dead:
        return "dead";
    case Outcome::suppressed:
        return "suppressed";
    case Outcome::sent:
    case Outcome::deferred:
        break;
    }
    return "sent";
}

CompletionRows completion_rows(const Completion& c) {
    CompletionRows rows;
    for (const auto& t : c.failed_tries) {
        rows.attempts.push_back({t.provider, t.attempt_class, t.detail});
        rows.events.push_back({"failed", t.provider + ": " + t.attempt_class + ": " + t.detail});
    }
    if (!c.attempt_class.empty()) { // empty: decided before any provider was tried
        rows.attempts.push_back({c.provider, c.attempt_class, c.detail});
    }
    switch (c.outcome) {
    case Outcome::sent:
        rows.events.push_back({"sent", c.provider + ": " + c.detail});
        break;
    case Outcome::retry:
        rows.events.push_back({"failed", c.provider + ": " + c.attempt_class + ": " + c.detail});
        rows.events.push_back(
            {"retried", "next attempt at " + schedule::format_rfc3339(c.next_due)});
        break;
    case Outcome::dead:
        rows.events.push_back({"failed", c.provider + ": " + c.attempt_class + ": " + c.detail});
        rows.events.push_back({"dead", c.detail});
        break;
    case Outcome::suppressed:
        rows.events.push_back({"suppressed", c.detail});
        break;
    case Outcome::deferred:
        break;
    }
    return rows;
}

} // namespace notify::store
