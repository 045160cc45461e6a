// The wake-up hint from writers to the dispatcher: `notify send` pokes after its commit, so a
// notification due now goes out at once instead of at the next safety poll.
// A Linux abstract-namespace datagram socket named after the store path; no file is left behind.
#pragma once

#include <string>

namespace notify::dispatch {

// Sends one datagram to the dispatcher of `store_path`. Errors (no daemon) are ignored:
// the poke is only a hint.
void poke(const std::string& store_path);

// True when a dispatcher has bound the wake-up socket of `store_path`.
bool wakeup_bound(const std::string& store_path);

// The receiving end, bound by the dispatcher.
class WakeupListener {
  public:
    // Binds the socket for `store_path`. If binding fails the listener is inert (fd() == -1)
    // and the daemon relies on its safety poll.
    explicit WakeupListener(const std::string& store_path);
    ~WakeupListener();
    WakeupListener(const WakeupListener&) = delete;
    WakeupListener& operator=(const WakeupListener&) = delete;

    int fd() const { return m_fd; }
    // Reads and discards queued pokes.
    void drain();

  private:
    int m_fd = -1;
};

} // namespace notify::dispatch
