// Per-provider circuit breaker: after N consecutive transient failures (or one auth/config
// failure) a provider is paused with doubling backoff; its notifications wait without
// burning attempts.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::dispatch {

struct BreakerPolicy {
    int failures = 5;
    Millis base{30'000};
    Millis cap{3'600'000};
};

// Thread-safe: lanes send in parallel.
class CircuitBreaker {
  public:
    // The time `provider` reopens, or nullopt if it may be used at `now`. Once the pause is
    // over the next send is a trial: success closes the breaker, failure pauses it again for
    // twice as long (up to the cap).
    std::optional<TimePoint> paused_until(const std::string& provider, TimePoint now) const;

    void record_success(const std::string& provider);

    // Counts a failure of `kind`. Transient and rate-limited failures open the breaker after
    // `policy.failures` in a row; auth failures open it at once; permanent and
    // invalid-recipient failures say nothing about the provider and are ignored.
    // Returns true if this failure opened (or reopened) the breaker.
    bool record_failure(const std::string& provider, providers::FailureKind kind,
                        const std::string& detail, TimePoint now, const BreakerPolicy& policy);

    // Why `provider` was paused ("" if it never was).
    std::string reason(const std::string& provider) const;

  private:
    struct State {
        int consecutive = 0;
        int trips = 0;
        TimePoint open_until{};
        std::string reason;
    };
    mutable std::mutex m_mutex;
    std::map<std::string, State> m_states;
};

} // namespace notify::dispatch
