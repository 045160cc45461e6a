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

void wait_for_signal(int timeout_ms, int fd1, int fd2) {
    pollfd fds[3] = {{g_pipe[0], POLLIN, 0}, {fd1, POLLIN, 0}, {fd2, POLLIN, 0}};
    ::poll(fds, 3, timeout_ms); // negative fds are ignored by poll
    if (g_pipe[0] < 0) {
        return;
    }
    char buffer[64];
    while (::read(g_pipe[0], buffer, sizeof buffer) > 0) {
    }
}

} // namespace notify::daemon
