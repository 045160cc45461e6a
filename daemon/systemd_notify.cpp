// sd_notify(3) wrapper.
#include "daemon/systemd_notify.hpp"

#include <cstdint>

#include <systemd/sd-daemon.h>

namespace notify::daemon {

SystemdNotifier::SystemdNotifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        m_interval = Millis{static_cast<long long>(usec / 2000)};
    }
}

void SystemdNotifier::ready(const std::string& text) {
    sd_notify(0, ("READY=1\nSTATUS=" + text).c_str());
}

void SystemdNotifier::status(const std::string& text) {
    sd_notify(0, ("STATUS=" + text).c_str());
}

void SystemdNotifier::stopping() {
    sd_notify(0, "STOPPING=1");
}

void SystemdNotifier::keep_alive(TimePoint now) {
    if (m_interval && now - m_last_ping >= *m_interval) {
        sd_notify(0, "WATCHDOG=1");
        m_last_ping = now;
    }
}

std::optional<Millis> SystemdNotifier::max_sleep() const {
    return m_interval;
}

} // namespace notify::daemon
