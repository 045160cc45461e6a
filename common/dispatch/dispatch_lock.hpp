// The lock that makes one process at a time the dispatcher of a store (notifyd or
// `notify dispatch --once`), so rows left `sending` by a dead predecessor can be rescued at once.
#pragma once

#include <optional>
#include <string>

namespace notify::dispatch {

class DispatchLock {
  public:
    // Takes an exclusive flock on "<store_path>.lock" (created 0600) and writes our pid in it.
    // Throws notify::Error{tempfail} naming the holder's pid if another process holds it,
    // notify::Error{io} if the file cannot be opened.
    explicit DispatchLock(const std::string& store_path);
    ~DispatchLock();
    DispatchLock(const DispatchLock&) = delete;
    DispatchLock& operator=(const DispatchLock&) = delete;

  private:
    int m_fd = -1;
};

// Whether a dispatcher holds the lock of `store_path` now, without creating it: nullopt when
// none does, else the holder's pid as written in the lock file ("" if unknown). Probes with a
// non-blocking shared flock held for an instant: a dispatcher starting in that instant fails
// to take the lock (exit 75).
std::optional<std::string> dispatch_lock_holder(const std::string& store_path);

// The pid the last holder wrote in the lock file of `store_path` ("" if none), without locking.
std::string dispatch_lock_pid(const std::string& store_path);

} // namespace notify::dispatch
