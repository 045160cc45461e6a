// Circuit breaker state per provider.
#include "common/dispatch/breaker.hpp"

#include <algorithm>

namespace notify::dispatch {

std::optional<TimePoint> CircuitBreaker::paused_until(const std::string& provider,
                                                      TimePoint now) const {
    std::lock_guard lock(m_mutex);
    auto it = m_states.find(provider);
    if (it == m_states.end() || it->second.open_until <= now) {
        return std::nullopt;
    }
    return it->second.open_until;
}

void CircuitBreaker::record_success(const std::string& provider) {
    std::lock_guard lock(m_mutex);
    auto it = m_states.find(provider);
    if (it != m_states.end()) {
        it->second.consecutive = 0;
        it->second.trips = 0;
    }
}

bool CircuitBreaker::record_failure(const std::string& provider, providers::FailureKind kind,
                                    const std::string& detail, TimePoint now,
                                    const BreakerPolicy& policy) {
    using providers::FailureKind;
    if (kind == FailureKind::permanent || kind == FailureKind::invalid_recipient ||
        kind == FailureKind::opted_out) {
        return false;
    }
    std::lock_guard lock(m_mutex);
    State& s = m_states[provider];
    ++s.consecutive;
    if (kind != FailureKind::auth && s.consecutive < policy.failures) {
        return false;
    }
    int exponent = std::min(s.trips, 30);
    long long pause = std::min<long long>(policy.cap.count(), policy.base.count() << exponent);
    s.open_until = now + Millis{pause};
    ++s.trips;
    s.reason = std::string(providers::to_string(kind)) + ": " + detail;
    return true;
}

std::string CircuitBreaker::reason(const std::string& provider) const {
    std::lock_guard lock(m_mutex);
    auto it = m_states.find(provider);
    return it == m_states.end() ? std::string() : it->second.reason;
}

} // namespace notify::dispatch
