// When to try a failed notification again, and when to give up.
#pragma once

#include <string>

#include "common/model/notification.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::policy {

// Defaults and their reasons: ../shared/reference/queue-anchors.md section 4.
struct RetryPolicy {
    Millis base{30'000};              // first retry delay
    Millis cap{3'600'000};            // longest delay
    double jitter = 0.2;              // +-20 % uniform
    int max_attempts = 12;            // then dead
    Millis max_age{24 * 3'600'000LL}; // since created_at, then dead
};

// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
// min(cap, base * 2^(attempt-1)) scaled by (1 + jitter * (2 * unit_random - 1)).
// `unit_random` is in [0, 1).
Millis backoff(const RetryPolicy& policy, int attempt, double unit_random);

enum class Verdict { retry, dead };

struct Decision {
    Verdict verdict = Verdict::retry;
    TimePoint next_due{}; // for retry
    std::string reason;   // for dead: why we gave up
};

// Decides what follows a failed attempt of `n` (n.attempts counts it) that failed with
// `failure` at `now`: permanent and invalid-recipient failures are dead at once; otherwise
// dead when attempts reach max_attempts or the next try would be past created_at + max_age;
// else retry at now + max(backoff, retry_after). (TTL expiry is the store's expire() step.)
Decision decide(const RetryPolicy& policy, const model::Notification& n,
                const providers::SendResult& failure, TimePoint now, double unit_random);

} // namespace notify::policy
