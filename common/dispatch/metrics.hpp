// What the dispatchers of one notifyd did since it started: attempts by provider and class,
// send durations and dispatch delays, rate-limit delays, breaker state. Written by the
// dispatch thread, read by the HTTP endpoint's /metrics from another: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/schedule/clock.hpp"

namespace notify::dispatch {

// Upper bounds in seconds of the duration histograms' buckets (the +Inf bucket is implied).
const std::vector<double>& duration_buckets_seconds();

struct Histogram {
    std::vector<std::uint64_t> counts; // per bucket of duration_buckets_seconds(), plus +Inf
    double sum_seconds = 0;
    std::uint64_t count = 0;

    void observe(Millis value);
};

class DispatchMetrics {
  public:
    struct Snapshot {
        // (provider, class) -> attempts; class as stored: sent, transient, permanent, ...
        std::map<std::pair<std::string, std::string>, std::uint64_t> attempts;
        std::map<std::string, Histogram> send_duration;      // by channel: claim to result
        std::map<std::string, Histogram> dispatch_delay;     // by channel: due to sent
        std::map<std::string, std::uint64_t> rate_limited;   // by limiting bucket key
        std::map<std::string, TimePoint> breaker_open_until; // providers ever paused
        TimePoint started_at{};
    };

    explicit DispatchMetrics(TimePoint started_at);

    void attempt(const std::string& provider, const std::string& attempt_class);
    // A send finished on `channel` after `duration`; `delay` (due to sent) when it was sent.
    void finished(const std::string& channel, Millis duration, std::optional<Millis> delay);
    void rate_limited(const std::string& bucket);
    // The provider's breaker opened until `until`, or (nullopt) closed after a success.
    void breaker(const std::string& provider, std::optional<TimePoint> until);

    Snapshot snapshot() const;

  private:
    mutable std::mutex m_mutex;
    Snapshot m_data;
};

} // namespace notify::dispatch
