// What recording an attempt's result writes, shared by every store: the row's new status, and
// the attempt rows and events of the completion, in order.
#pragma once

#include <string>
#include <vector>

#include "common/store/job_store.hpp"

namespace notify::store {

// The status a completion with `outcome` leaves (not for Outcome::deferred).
const char* completed_status(Outcome outcome);

struct CompletionRows {
    struct Attempt {
        std::string provider;
        std::string outcome; // the attempt class
        std::string detail;
    };
    struct Event {
        std::string type;
        std::string detail;
    };
    std::vector<Attempt> attempts;
    std::vector<Event> events;
};

// The attempts (failover tries, then the deciding one unless decided before any provider) and
// the events (failed tries, then the outcome's) of `c` (not for Outcome::deferred).
CompletionRows completion_rows(const Completion& c);

} // namespace notify::store
