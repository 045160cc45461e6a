// Alerts for operators: a notification went dead, a provider was paused. Always logged; also
// sent through the configured route (a command and/or a notification to an operator address),
// at most once per kind per alerts.min_interval, the rest counted into the next alert.
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

} // namespace notify::dispatch
