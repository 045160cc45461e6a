// notifyd's HTTP endpoint (daemon.listen): /healthz, /metrics (Prometheus), delivery-status
// callbacks from Twilio and SendGrid, and the tracking links of messages (click redirects and
// the open pixel). It runs on its own threads with its own store connection; the dispatch
// loop only reports its heartbeat.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "common/config/config.hpp"
#include "common/dispatch/metrics.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
} // namespace httplib

namespace notify::daemon {

class HttpEndpoint {
  public:
    // Binds config.daemon_listen; throws notify::Error{unavailable} naming the address when it
    // cannot. `metrics` and `clock` must outlive the endpoint.
    HttpEndpoint(const config::Config& config, const dispatch::DispatchMetrics& metrics,
                 const schedule::Clock& clock);
    ~HttpEndpoint();

    // The dispatch loop is alive at `now`.
    void beat(TimePoint now) { m_last_beat.store(to_unix_ms(now)); }

    // After a reload: tracking keys, provider keys and the token of the new config. (The
    // listen address itself changes only with a restart.)
    void reconfigure(const config::Config& config);

    int port() const { return m_port; }

  private:
    void route();
    bool authorized(const httplib::Request& request, httplib::Response& response);
    void healthz(const httplib::Request& request, httplib::Response& response);
    void metrics(const httplib::Request& request, httplib::Response& response);
    void click(const httplib::Request& request, httplib::Response& response);
    void open(const httplib::Request& request, httplib::Response& response);
    void twilio(const httplib::Request& request, httplib::Response& response);
    void sendgrid(const httplib::Request& request, httplib::Response& response);
    // Records `type` on notification `id` now; false if there is no such notification.
    bool record(std::int64_t id, const std::string& type, const std::string& detail);
    std::shared_ptr<const config::Config> config() const;

    const dispatch::DispatchMetrics& m_metrics;
    const schedule::Clock& m_clock;
    mutable std::mutex m_config_mutex;
    std::shared_ptr<const config::Config> m_config;
    std::mutex m_store_mutex; // one connection, used by one handler at a time
    std::unique_ptr<store::JobStore> m_store;
    std::atomic<long long> m_last_beat;
    int m_port = 0;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
};

} // namespace notify::daemon
