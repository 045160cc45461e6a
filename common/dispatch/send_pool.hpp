// A fixed pool of threads that run provider sends, so a slow provider holds a thread, not the
// dispatcher. Finished work is signalled through an eventfd the dispatcher can poll.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace notify::dispatch {

class SendPool {
  public:
    // Starts `threads` workers (at least 1).
    explicit SendPool(int threads);
    // Finishes queued jobs, then joins the workers.
    ~SendPool();
    SendPool(const SendPool&) = delete;
    SendPool& operator=(const SendPool&) = delete;

    // Queues `job`; after it returns, the completion fd becomes readable.
    void submit(std::function<void()> job);

    // Readable (eventfd) whenever a job finished since the last drain_signal().
    int completion_fd() const { return m_event_fd; }
    void drain_signal();

  private:
    void work();

    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
    int m_event_fd = -1;
};

} // namespace notify::dispatch
