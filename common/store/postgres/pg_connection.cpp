// The PostgreSQL store's connection: see pg_connection.hpp.
#include "common/store/postgres/pg_connection.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/error.hpp"
#include "common/text/store_url.hpp"

namespace pqxx {
// Lets a pg::Param go through libpqxx's dynamic parameters: text or NULL.
template <>
struct string_traits<notify::store::pg::Param> {
    static constexpr const char* name() noexcept { return "notify::store::pg::Param"; }
    static constexpr bool has_null() noexcept { return true; }
    static bool is_null(const notify::store::pg::Param& p) { return !p.text.has_value(); }
    static notify::store::pg::Param null() { return {}; }
    static std::string to_string(const notify::store::pg::Param& p) { return p.text.value(); }
    static void from_string(const char* text, notify::store::pg::Param& p) { p.text = text; }
};
} // namespace pqxx

namespace notify::store::pg {

namespace {

bool has_param(std::string_view url, std::string_view key) {
    const auto query = url.find('?');
    if (query == std::string_view::npos) {
        return false;
    }
    std::string_view rest = url.substr(query + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        if (pair.substr(0, pair.find('=')) == key) {
            return true;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        rest = rest.substr(amp + 1);
    }
    return false;
}

} // namespace

Params& Params::add(std::int64_t v) {
    m_values.push_back({std::to_string(v)});
    return *this;
}

Params& Params::add(double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", v);
    m_values.push_back({std::string(text)});
    return *this;
}

Params& Params::add(std::string_view v) {
    m_values.push_back({std::string(v)});
    return *this;
}

Params& Params::add(const std::optional<std::string>& v) {
    m_values.push_back({v});
    return *this;
}

Params& Params::add(const std::optional<TimePoint>& t) {
    if (t) {
        return add(*t);
    }
    return add_null();
}

Params& Params::add_null() {
    m_values.push_back({std::nullopt});
    return *this;
}

Params& Params::add_bytes(std::string_view bytes) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string text = "\\x";
    text.reserve(2 + 2 * bytes.size());
    for (unsigned char c : bytes) {
        text += k_hex[c >> 4];
        text += k_hex[c & 0xf];
    }
    m_values.push_back({std::move(text)});
    return *this;
}

Params& Params::add_array(const std::vector<std::string>& values) {
    std::string text = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        text += i > 0 ? ",\"" : "\"";
        for (char c : values[i]) {
            if (c == '"' || c == '\\') {
                text += '\\';
            }
            text += c;
        }
        text += '"';
    }
    text += '}';
    m_values.push_back({std::move(text)});
    return *this;
}

pqxx::result Tx::exec(const std::string& sql, const Params& params) {
    if (params.size() == 0) {
        return m_work.exec(sql);
    }
    return m_work.exec_params(sql, pqxx::prepare::make_dynamic_params(params.values()));
}

void Tx::snapshot(bool read_only) {
    if (!m_nested) {
        m_work.exec(read_only ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                              : "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    }
}

std::string connection_string(const PostgresOptions& options, std::string_view application) {
    std::string url = options.url;
    auto append = [&](std::string_view key, const std::string& value) {
        if (has_param(url, key)) {
            return;
        }
        url += url.find('?') == std::string::npos ? '?' : '&';
        url += std::string(key) + "=" + value;
    };
    const auto seconds = std::max<long long>(
        2, std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count());
    append("connect_timeout", std::to_string(seconds));
    append("application_name", std::string(application));
    // A peer that vanished (host down, network cut) is noticed in about a minute, not hours.
    append("keepalives", "1");
    append("keepalives_idle", "15");
    append("keepalives_interval", "5");
    append("keepalives_count", "4");
    append("tcp_user_timeout", "60000");
    return url;
}

Connection::Connection(PostgresOptions options)
    : m_options(std::move(options)), m_display(text::mask_url_password(m_options.url)),
      m_conninfo(connection_string(m_options, "notify")) {}

pqxx::connection& Connection::connected() {
    if (m_conn && m_conn->is_open() && !m_broken) {
        return *m_conn;
    }
    if (m_outer != nullptr) {
        // The open bulk transaction died with its connection; it can only be rolled back.
        throw Error(Exit::io,
                    "lost connection to PostgreSQL store " + m_display + ": " + m_last_failure);
    }
    m_conn.reset();
    m_broken = false;
    const auto now = std::chrono::steady_clock::now();
    if (now < m_next_try) {
        // The same text at every try, so that a log says it once.
        throw Error(Exit::io, "PostgreSQL store " + m_display + " unreachable: " + m_last_failure +
                                  " (reconnecting with backoff)");
    }
    try {
        auto conn = std::make_unique<pqxx::connection>(m_conninfo);
        // Statements never wait long on a row lock held by a stuck peer.
        pqxx::nontransaction setup(*conn);
        setup.exec("SET lock_timeout = '30s'; SET idle_in_transaction_session_timeout = '5min'");
        setup.commit();
        m_conn = std::move(conn);
        m_backoff = Millis{0};
        if (!m_last_failure.empty()) {
            m_reconnected_at = std::chrono::steady_clock::now();
            if (m_options.warn) {
                m_options.warn("reconnected to PostgreSQL store " + m_display);
            }
        }
        m_last_failure.clear();
        return *m_conn;
    } catch (const std::exception& e) {
        std::string what = e.what();
        while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) {
            what.pop_back();
        }
        if (auto nl = what.find('\n'); nl != std::string::npos) {
            what = what.substr(0, nl);
        }
        m_last_failure = what;
        // At most 5 s apart: dispatchers back from an outage heartbeat again well within
        // store.instance_timeout.
        m_backoff = std::clamp(m_backoff * 2, Millis{500}, Millis{5'000});
        m_next_try = std::chrono::steady_clock::now() + m_backoff;
        throw Error(Exit::io, "cannot connect to PostgreSQL store " + m_display + ": " + what,
                    "check store.url, that the server runs, and that it accepts this host");
    }
}

// A connection an outer transaction still refers to is only marked; connected() replaces it
// once that transaction is gone.
void Connection::drop() {
    if (m_outer != nullptr) {
        m_broken = true;
    } else {
        m_conn.reset();
    }
}

bool Connection::retryable(const pqxx::transaction_rollback& e) {
    return dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr ||
           dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr;
}

void Connection::fail(std::string_view doing, const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) {
        what.pop_back();
    }
    if (auto nl = what.find('\n'); nl != std::string::npos) {
        what = what.substr(0, nl);
    }
    const std::string where = " (PostgreSQL store " + m_display + ")";
    if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
        dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr || !m_conn || !m_conn->is_open()) {
        drop();
        m_last_failure = what;
        throw Error(Exit::io, "lost connection while " + std::string(doing) + where + ": " + what);
    }
    if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
        throw Error(Exit::tempfail, std::string(doing) + ": " + what + where,
                    "other dispatchers hold the rows; safe to retry");
    }
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
        const std::string state = sql->sqlstate();
        if (state == "55P03" || state == "57014") { // lock_not_available, query_canceled
            throw Error(Exit::tempfail, std::string(doing) + ": " + what + where,
                        "the store is busy; safe to retry");
        }
        if (state.rfind("53", 0) == 0 || state.rfind("58", 0) == 0 || state.rfind("57", 0) == 0 ||
            state.rfind("08", 0) == 0) {
            // insufficient resources (disk full), system errors, operator intervention
            // (shutdown), connection exceptions
            drop();
            m_last_failure = what;
            throw Error(Exit::io, std::string(doing) + ": " + what + where);
        }
        if (state.rfind("42", 0) == 0 && state != "42501") {
            throw Error(Exit::software, "internal error while " + std::string(doing) + ": " + what);
        }
        throw Error(Exit::io, std::string(doing) + ": " + what + where);
    }
    throw Error(Exit::io, std::string(doing) + ": " + what + where);
}

std::unique_ptr<pqxx::work> Connection::begin(std::string_view doing) {
    try {
        return std::make_unique<pqxx::work>(connected(), "notify");
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        fail(doing, e);
    }
}

Millis Connection::measure_clock_offset() {
    return raw("reading the server clock", [&](pqxx::connection& conn) {
        const auto before = std::chrono::system_clock::now();
        pqxx::nontransaction q(conn);
        auto r = q.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
        const auto after = std::chrono::system_clock::now();
        const auto server = r[0][0].as<std::int64_t>();
        const auto middle = std::chrono::time_point_cast<Millis>(before + (after - before) / 2);
        return Millis{server - middle.time_since_epoch().count()};
    });
}

} // namespace notify::store::pg
