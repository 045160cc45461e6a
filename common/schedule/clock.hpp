// Time types and the injectable Clock that cron, backoff, TTL and rate limits read.
#pragma once

#include <chrono>

namespace notify {

// Every instant in notify: UTC milliseconds since the Unix epoch.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

// Returns `ms` milliseconds since the epoch as a TimePoint.
inline TimePoint from_unix_ms(long long ms) {
    return TimePoint{Millis{ms}};
}
// Returns milliseconds since the epoch.
inline long long to_unix_ms(TimePoint t) {
    return t.time_since_epoch().count();
}

namespace schedule {

// Source of "now". Tests pass a FixedClock; production code a SystemClock.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
  public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    }
};

// A clock that stays where it is put. Not thread-safe.
class FixedClock final : public Clock {
  public:
    explicit FixedClock(TimePoint at) : m_at(at) {}
    TimePoint now() const override { return m_at; }
    void set(TimePoint at) { m_at = at; }
    void advance(Millis by) { m_at += by; }

  private:
    TimePoint m_at;
};

} // namespace schedule
} // namespace notify
