// Self-pipe signal handling.
#include "daemon/signals.hpp"

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace notify::daemon {

namespace {

SignalFlags* g_flags = nullptr;
int g_pipe[2] = {-1, -1};

void on_signal(int signo) {
    int saved = errno;
    if (g_flags != nullptr) {
        if (signo == SIGHUP) {
            g_flags->reload.store(true);
        } else {
            g_flags->stop.store(true);
        }
    }
    char byte = 1;
    [[maybe_unused]] auto n = ::write(g_pipe[1], &byte, 1);
    errno = saved;
}

} // namespace

void install_signal_handlers(SignalFlags& flags) {
    g_flags = &flags;
    if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        g_pipe[0] = g_pipe[1] = -1;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

void wait_for_signal(int timeout_ms, const std::vector<int>& extra) {
    std::vector<pollfd> fds;
    fds.push_back({g_pipe[0], POLLIN, 0});
    for (int fd : extra) {
        fds.push_back({fd, POLLIN, 0}); // poll ignores negative fds
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (g_pipe[0] < 0) {
        return;
    }
    char buffer[64];
    while (::read(g_pipe[0], buffer, sizeof buffer) > 0) {
    }
}

} // namespace notify::daemon
