// Exponential backoff with jitter and the give-up rules.
#include "common/policy/retry_policy.hpp"

#include <algorithm>
#include <cmath>

#include "common/schedule/duration.hpp"

namespace notify::policy {

Millis backoff(const RetryPolicy& policy, int attempt, double unit_random) {
    int exponent = std::clamp(attempt - 1, 0, 40);
    double raw = static_cast<double>(policy.base.count()) * std::ldexp(1.0, exponent);
    double capped = std::min(raw, static_cast<double>(policy.cap.count()));
    double factor = 1.0 + policy.jitter * (2.0 * unit_random - 1.0);
    return Millis{static_cast<long long>(std::llround(capped * factor))};
}

Decision decide(const RetryPolicy& policy, const model::Notification& n,
                const providers::SendResult& failure, TimePoint now, double unit_random) {
    using providers::FailureKind;
    if (failure.kind == FailureKind::permanent || failure.kind == FailureKind::invalid_recipient ||
        failure.kind == FailureKind::opted_out) {
        return {Verdict::dead,
                {},
                std::string(providers::to_string(failure.kind)) + ": " + failure.detail};
    }
    if (n.attempts >= policy.max_attempts) {
        return {Verdict::dead,
                {},
                "gave up after " + std::to_string(n.attempts) + " attempts: " + failure.detail};
    }
    Millis delay = backoff(policy, n.attempts, unit_random);
    if (failure.retry_after && *failure.retry_after > delay) {
        delay = *failure.retry_after;
    }
    TimePoint next = now + delay;
    if (next > n.created_at + policy.max_age) {
        return {Verdict::dead,
                {},
                "gave up: next attempt would be more than " +
                    schedule::format_duration(policy.max_age) +
                    " after creation: " + failure.detail};
    }
    return {Verdict::retry, next, {}};
}

} // namespace notify::policy
