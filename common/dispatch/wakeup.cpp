// Abstract Unix datagram socket for wake-up pokes.
#include "common/dispatch/wakeup.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace notify::dispatch {

namespace {

// sockaddr for "\0notify-<fnv1a64 of the canonical store path>".
socklen_t address_for(const std::string& store_path, sockaddr_un& addr) {
    std::error_code ec;
    std::string canonical = std::filesystem::weakly_canonical(store_path, ec).string();
    if (ec) {
        canonical = store_path;
    }
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : canonical) {
        hash = (hash ^ c) * 1099511628211ULL;
    }
    char name[64];
    int len =
        std::snprintf(name, sizeof name, "notify-%016llx", static_cast<unsigned long long>(hash));
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name, static_cast<std::size_t>(len));
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
}

} // namespace

void poke(const std::string& store_path) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_un addr{};
    socklen_t len = address_for(store_path, addr);
    char byte = 1;
    [[maybe_unused]] auto n =
        ::sendto(fd, &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&addr), len);
    ::close(fd);
}

bool wakeup_bound(const std::string& store_path) {
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un addr{};
    socklen_t len = address_for(store_path, addr);
    const bool bound = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
    ::close(fd);
    return bound;
}

WakeupListener::WakeupListener(const std::string& store_path) {
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_fd < 0) {
        return;
    }
    sockaddr_un addr{};
    socklen_t len = address_for(store_path, addr);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

WakeupListener::~WakeupListener() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void WakeupListener::drain() {
    if (m_fd < 0) {
        return;
    }
    char buffer[64];
    while (::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
}

} // namespace notify::dispatch
