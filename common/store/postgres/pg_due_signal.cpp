// The dispatcher's wake-up from PostgreSQL: a connection of its own that LISTENs on the
// due-rows channel (the trigger of pg_schema.cpp NOTIFYs it). The daemon polls the store
// anyway, so losing this connection only delays. Its health check never blocks: every
// dispatcher's heartbeat also NOTIFYs the channel (at least every 5 s), so a listener that hears
// nothing for k_silence_limit is taken for dead, even one whose backend froze with its TCP
// connection up, and replaced.
#include <algorithm>
#include <chrono>

#include "common/store/postgres/pg_connection.hpp"
#include "common/store/postgres/pg_job_store.hpp"
#include "common/store/postgres/pg_schema.hpp"
#include "common/text/store_url.hpp"

namespace notify::store::pg {

namespace {

// Four heartbeats' worth of silence (a heartbeat is at most 5 s apart).
constexpr Millis k_silence_limit{20'000};

class Receiver final : public pqxx::notification_receiver {
  public:
    Receiver(pqxx::connection_base& conn, bool& pending)
        : pqxx::notification_receiver(conn, k_due_channel), m_pending(pending) {}
    void operator()(const std::string& payload, int /*backend_pid*/) override {
        if (payload != k_heartbeat_payload) {
            m_pending = true;
        }
        heard = true;
    }
    bool heard = false; // anything arrived, a heartbeat included

  private:
    bool& m_pending;
};

class PgDueSignal final : public DueSignal {
  public:
    explicit PgDueSignal(PostgresOptions options)
        : m_options(std::move(options)), m_conninfo(connection_string(m_options, "notifyd-listen")),
          m_display(text::mask_url_password(m_options.url)) {
        connect();
    }

    ~PgDueSignal() override { disconnect(); }

    int fd() const override { return m_conn ? m_conn->sock() : -1; }

    bool drain() override {
        if (m_conn) {
            drain_pending();
        }
        const bool pending = m_pending;
        m_pending = false;
        return pending;
    }

    void check(TimePoint /*now*/) override {
        const auto now = std::chrono::steady_clock::now();
        if (!m_conn) {
            if (now >= m_next_try) {
                connect();
            }
            return;
        }
        drain_pending();
        if (now - m_last_traffic > k_silence_limit) {
            lost("nothing heard for " + std::to_string(k_silence_limit.count() / 1000) +
                 "s, not even the dispatchers' heartbeats");
        }
    }

  private:
    // Reads what arrived; anything at all proves the connection alive.
    void drain_pending() {
        try {
            m_conn->get_notifs();
            if (m_receiver->heard) {
                m_receiver->heard = false;
                m_last_traffic = std::chrono::steady_clock::now();
            }
        } catch (const std::exception& e) {
            lost(e.what());
        }
    }

    void connect() {
        try {
            auto conn = std::make_unique<pqxx::connection>(m_conninfo);
            m_receiver = std::make_unique<Receiver>(*conn, m_pending);
            m_conn = std::move(conn);
            m_conn->get_notifs(); // the LISTEN is sent when the receiver registers
            m_backoff = Millis{0};
            m_last_traffic = std::chrono::steady_clock::now();
            // Rows may have become due while nobody listened.
            m_pending = true;
            if (m_lost && m_options.warn) {
                m_options.warn("wake-up listener reconnected to " + m_display);
            }
            m_lost = false;
        } catch (const std::exception& e) {
            m_receiver.reset();
            m_conn.reset();
            schedule_retry(e.what());
        }
    }

    void lost(const std::string& why) {
        disconnect();
        schedule_retry(why);
    }

    void schedule_retry(std::string why) {
        if (auto nl = why.find('\n'); nl != std::string::npos) {
            why = why.substr(0, nl);
        }
        m_backoff = std::clamp(m_backoff * 2, Millis{500}, Millis{30'000});
        m_next_try = std::chrono::steady_clock::now() + m_backoff;
        if (!m_lost && m_options.warn) {
            m_options.warn("wake-up listener lost its connection to " + m_display + " (" + why +
                           "); polling until it reconnects");
        }
        m_lost = true;
    }

    // Closes the socket first, so that the receiver's removal sends no UNLISTEN to a backend
    // that may not answer.
    void disconnect() {
        if (m_conn) {
            m_conn->disconnect();
        }
        m_receiver.reset();
        m_conn.reset();
    }

    PostgresOptions m_options;
    std::string m_conninfo;
    std::string m_display;
    std::unique_ptr<pqxx::connection> m_conn;
    std::unique_ptr<Receiver> m_receiver;
    bool m_pending = false;
    bool m_lost = false;
    Millis m_backoff{0};
    std::chrono::steady_clock::time_point m_next_try{};
    std::chrono::steady_clock::time_point m_last_traffic{};
};

} // namespace

std::unique_ptr<DueSignal> make_due_signal(const PostgresOptions& options) {
    return std::make_unique<PgDueSignal>(options);
}

} // namespace notify::store::pg
