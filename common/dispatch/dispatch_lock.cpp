// flock-based single-dispatcher lock.
#include "common/dispatch/dispatch_lock.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.hpp"

namespace notify::dispatch {

DispatchLock::DispatchLock(const std::string& store_path) {
    std::string path = store_path + ".lock";
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0) {
        throw Error(Exit::io, "cannot open lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buffer[32] = {};
        [[maybe_unused]] auto n = ::pread(m_fd, buffer, sizeof buffer - 1, 0);
        ::close(m_fd);
        m_fd = -1;
        if (err == EWOULDBLOCK) {
            std::string pid(buffer);
            while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
                pid.pop_back();
            }
            throw Error(Exit::tempfail,
                        "another dispatcher" + (pid.empty() ? "" : " (pid " + pid + ")") +
                            " is running on " + store_path,
                        "only one notifyd or 'notify dispatch --once' runs per store");
        }
        throw Error(Exit::io, "cannot lock " + path + ": " + std::strerror(err));
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) == 0) {
        [[maybe_unused]] auto n = ::pwrite(m_fd, pid.data(), pid.size(), 0);
    }
}

DispatchLock::~DispatchLock() {
    if (m_fd >= 0) {
        ::close(m_fd); // releases the flock
    }
}

} // namespace notify::dispatch
