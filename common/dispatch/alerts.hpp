// Alerts for operators: a notification went dead, a provider was paused, the queue is over a
// threshold. Always logged; also sent through the configured route (a command and/or a
// notification to an operator address), at most once per kind per alerts.min_interval, the
// rest counted into the next alert.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::dispatch {

// Event ids of alert notifications start with this; their own failures raise no alert.
inline constexpr std::string_view k_alert_event_prefix = "alert:";

class AlertSink {
  public:
    // `store` receives alert notifications; it must outlive the sink.
    AlertSink(const config::Config& config, store::JobStore& store);
    ~AlertSink();

    // Raises an alert of `kind` ("dead", "breaker") now, or counts it if one of that kind went
    // out less than min_interval ago.
    void raise(const std::string& kind, const std::string& subject, const std::string& detail,
               TimePoint now);

  private:
    struct KindState {
        TimePoint last_sent{};
        bool ever_sent = false;
        int held_back = 0;
    };
    config::AlertRoute m_route;
    store::JobStore& m_store;
    std::unique_ptr<providers::Provider> m_command;
    std::map<std::string, KindState> m_kinds;
};

// Queue thresholds (alerts.backlog, alerts.oldest_due) checked against the store's stats:
// raises "backlog" / "oldest_due" when a threshold is crossed, again at most once per
// alerts.min_interval while it stays crossed, and logs once when it recovers.
class ThresholdWatch {
  public:
    // `sink` must outlive the watch.
    ThresholdWatch(const config::AlertRoute& route, AlertSink& sink);

    // True when at least one threshold is configured.
    bool enabled() const { return m_route.backlog.has_value() || m_route.oldest_due.has_value(); }

    // Compares `stats` (due_now, oldest_due_age) with the thresholds at `now`.
    void check(const store::Stats& stats, TimePoint now);

  private:
    struct Crossed {
        bool active = false;
        TimePoint last_raised{};
    };
    void update(const std::string& kind, bool over, const std::string& subject,
                const std::string& detail, TimePoint now);

    config::AlertRoute m_route;
    AlertSink& m_sink;
    std::map<std::string, Crossed> m_state;
};

} // namespace notify::dispatch
