// Time types and the injectable Clock that cron, backoff, TTL and rate limits read.
#pragma once

#include <atomic>
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

// The system clock moved by an offset: a dispatcher sharing a PostgreSQL store runs on the
// server's clock (offset = server - host), so every host judges due times and cron slots alike.
class OffsetClock final : public Clock {
  public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()) +
               Millis{m_offset_ms.load(std::memory_order_relaxed)};
    }
    void set_offset(Millis offset) { m_offset_ms.store(offset.count(), std::memory_order_relaxed); }
    Millis offset() const { return Millis{m_offset_ms.load(std::memory_order_relaxed)}; }

  private:
    std::atomic<long long> m_offset_ms{0};
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
