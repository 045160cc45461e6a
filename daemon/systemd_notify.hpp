// The systemd service manager protocol for notifyd (Type=notify): READY, STATUS, STOPPING and
// WATCHDOG keep-alives. Without $NOTIFY_SOCKET every call does nothing.
#pragma once

#include <optional>
#include <string>

#include "common/schedule/clock.hpp"

namespace notify::daemon {

class SystemdNotifier {
  public:
    SystemdNotifier();

    void ready(const std::string& status);
    void status(const std::string& status);
    void stopping();

    // Sends WATCHDOG=1 if half the watchdog interval passed since the last one.
    void keep_alive(TimePoint now);

    // The longest the main loop may sleep so keep-alives are on time; nullopt without
    // a watchdog.
    std::optional<Millis> max_sleep() const;

  private:
    std::optional<Millis> m_interval; // half of WATCHDOG_USEC
    TimePoint m_last_ping{};
};

} // namespace notify::daemon
