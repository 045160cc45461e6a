// Thread pool for provider sends.
#include "common/dispatch/send_pool.hpp"

#include <cstdint>

#include <sys/eventfd.h>
#include <unistd.h>

namespace notify::dispatch {

SendPool::SendPool(int threads) {
    m_event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (int i = 0; i < std::max(threads, 1); ++i) {
        m_threads.emplace_back([this] { work(); });
    }
}

SendPool::~SendPool() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_ready.notify_all();
    for (auto& t : m_threads) {
        t.join();
    }
    if (m_event_fd >= 0) {
        ::close(m_event_fd);
    }
}

void SendPool::submit(std::function<void()> job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_ready.notify_one();
}

void SendPool::drain_signal() {
    std::uint64_t value = 0;
    [[maybe_unused]] auto n = ::read(m_event_fd, &value, sizeof value);
}

void SendPool::work() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_ready.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_jobs.empty()) {
                return; // stopping and nothing left
            }
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        job();
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(m_event_fd, &one, sizeof one);
    }
}

} // namespace notify::dispatch
