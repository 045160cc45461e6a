// Signal handling for notifyd: handlers only set flags and wake the main loop through a pipe.
#pragma once

#include <atomic>
#include <vector>

namespace notify::daemon {

struct SignalFlags {
    std::atomic<bool> stop{false};
    std::atomic<bool> reload{false};
};

// Installs handlers for SIGTERM, SIGINT (stop) and SIGHUP (reload) that set `flags` and
// write a byte to an internal self-pipe; ignores SIGPIPE. Call once per process.
void install_signal_handlers(SignalFlags& flags);

// Sleeps up to `timeout_ms`, returning early when a signal arrives or one of `fds` (negative
// ones are ignored) becomes readable.
void wait_for_signal(int timeout_ms, const std::vector<int>& fds = {});

} // namespace notify::daemon
