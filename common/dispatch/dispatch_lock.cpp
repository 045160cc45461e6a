// flock-based single-dispatcher lock.
#include "common/dispatch/dispatch_lock.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/store/shared_store.hpp"

namespace notify::dispatch {

namespace {

// The pid text at the start of the lock file, without trailing space.
std::string read_pid(int fd) {
    char buffer[32] = {};
    [[maybe_unused]] auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    std::string pid(buffer);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
        pid.pop_back();
    }
    return pid;
}

} // namespace

DispatchLock::DispatchLock(const std::string& store_path) {
    std::string path = store_path + ".lock";
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                  store::file_mode_in(std::filesystem::path(path).parent_path().string()));
    if (m_fd < 0) {
        throw Error(Exit::io, "cannot open lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        std::string pid = read_pid(m_fd);
        ::close(m_fd);
        m_fd = -1;
        if (err == EWOULDBLOCK) {
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

std::optional<std::string> dispatch_lock_holder(const std::string& store_path) {
    const std::string path = store_path + ".lock";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt; // never locked (or unreadable: nothing to tell)
    }
    std::optional<std::string> holder;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            holder = read_pid(fd);
        }
    } else {
        ::flock(fd, LOCK_UN);
    }
    ::close(fd);
    return holder;
}

std::string dispatch_lock_pid(const std::string& store_path) {
    const std::string path = store_path + ".lock";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::string pid = read_pid(fd);
    ::close(fd);
    return pid;
}

} // namespace notify::dispatch
