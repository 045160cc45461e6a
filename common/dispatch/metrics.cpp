#include "common/dispatch/metrics.hpp"

#include <algorithm>

namespace notify::dispatch {

const std::vector<double>& duration_buckets_seconds() {
    // From a fast local provider (tens of ms) to a row due an hour ago.
    static const std::vector<double> k_buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                  2.5,   5,    10,    30,   60,  300,  900, 3600};
    return k_buckets;
}

void Histogram::observe(Millis value) {
    const auto& bounds = duration_buckets_seconds();
    if (counts.empty()) {
        counts.assign(bounds.size() + 1, 0);
    }
    double seconds = std::max<double>(0, static_cast<double>(value.count()) / 1000.0);
    auto at = std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin();
    ++counts[static_cast<std::size_t>(at)];
    sum_seconds += seconds;
    ++count;
}

DispatchMetrics::DispatchMetrics(TimePoint started_at) {
    m_data.started_at = started_at;
}

void DispatchMetrics::attempt(const std::string& provider, const std::string& attempt_class) {
    std::lock_guard lock(m_mutex);
    ++m_data.attempts[{provider, attempt_class}];
}

void DispatchMetrics::finished(const std::string& channel, Millis duration,
                               std::optional<Millis> delay) {
    std::lock_guard lock(m_mutex);
    m_data.send_duration[channel].observe(duration);
    if (delay) {
        m_data.dispatch_delay[channel].observe(*delay);
    }
}

void DispatchMetrics::rate_limited(const std::string& bucket) {
    std::lock_guard lock(m_mutex);
    ++m_data.rate_limited[bucket];
}

void DispatchMetrics::breaker(const std::string& provider, std::optional<TimePoint> until) {
    std::lock_guard lock(m_mutex);
    if (until) {
        m_data.breaker_open_until[provider] = *until;
    } else if (auto it = m_data.breaker_open_until.find(provider);
               it != m_data.breaker_open_until.end()) {
        it->second = TimePoint{};
    }
}

DispatchMetrics::Snapshot DispatchMetrics::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_data;
}

} // namespace notify::dispatch
