// The rules of the operator verbs (cancel, retry, hold, release), shared by every store: which
// statuses each applies to, and what it makes of a row.
#pragma once

#include <optional>
#include <string>

#include "common/model/notification.hpp"
#include "common/store/job_store.hpp"

namespace notify::store {

// Why `verb` does not apply to a row in status `s` ("cancel applies to ..."); nullopt if it does.
std::optional<std::string> verb_refusal(Verb verb, model::Status s);

// What `verb` does to a row it applies to.
struct VerbEffect {
    std::string status;        // the new status
    std::string event;         // the event type written
    std::string detail;        // and its detail
    bool due_now = false;      // due_at becomes now
    bool clear_expiry = false; // the TTL is dropped (retry of a finished row)
};

// The effect on a row in `status` with `attempts` counted and due at `due_at`.
VerbEffect verb_effect(Verb verb, model::Status status, int attempts, TimePoint due_at,
                       TimePoint now);

} // namespace notify::store
