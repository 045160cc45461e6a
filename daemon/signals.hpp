// Signal handling for notifyd: handlers only set flags and wake the main loop through a pipe.
#pragma once

#include <atomic>

namespace notify::daemon {

struct SignalFlags {
    std::atomic<bool> stop{false};
    std::atomic<bool> reload{false};
};

// Installs handlers for SIGTERM, SIGINT (stop) and SIGHUP (reload) that set `flags` and
// write a byte to an internal self-pipe; ignores SIGPIPE. Call once per process.
void install_signal_handlers(SignalFlags& flags);

// Sleeps up to `timeout_ms`, returning early when a signal arrives or `extra_fd` (if >= 0)
// becomes readable.
void wait_for_signal(int timeout_ms, int extra_fd = -1);

} // namespace notify::daemon
