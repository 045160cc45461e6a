// One libpqxx connection to the PostgreSQL store: connects and reconnects with backoff,
// runs transactions with retries on serialization failures and deadlocks, maps errors to the
// contract's exit codes, and measures the server clock against this host's.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <pqxx/pqxx>

#include "common/error.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::store::pg {

// One statement parameter in text form; nullopt is SQL NULL.
struct Param {
    std::optional<std::string> text;
};

// The parameters of one statement, $1 first.
class Params {
  public:
    Params& add(std::int64_t v);
    Params& add(int v) { return add(static_cast<std::int64_t>(v)); }
    Params& add(double v);
    Params& add(std::string_view v);
    Params& add(const std::string& v) { return add(std::string_view(v)); }
    Params& add(const char* v) { return add(std::string_view(v)); }
    Params& add(const std::optional<std::string>& v);
    Params& add(TimePoint t) { return add(static_cast<std::int64_t>(to_unix_ms(t))); }
    Params& add(const std::optional<TimePoint>& t);
    Params& add_null();
    // bytea, sent in PostgreSQL's hex input form.
    Params& add_bytes(std::string_view bytes);
    // text[], sent as an array literal.
    Params& add_array(const std::vector<std::string>& values);
    std::size_t size() const { return m_values.size(); }
    const std::vector<Param>& values() const { return m_values; }

  private:
    std::vector<Param> m_values;
};

// A transaction: exec() with parameters. Only valid inside Connection::run().
class Tx {
  public:
    explicit Tx(pqxx::transaction_base& work, bool nested = false)
        : m_work(work), m_nested(nested) {}
    pqxx::result exec(const std::string& sql, const Params& params = {});
    pqxx::transaction_base& work() { return m_work; }
    // Inside a bulk enqueue's transaction (a savepoint of it).
    bool nested() const { return m_nested; }
    // One snapshot from the first statement on (REPEATABLE READ), as SQLite's transactions
    // have; a nested transaction already runs inside its outer one's and keeps it.
    void snapshot(bool read_only);
    // Ends the transaction with a rollback instead of a commit.
    void rollback_only() { m_rollback = true; }
    bool rolled_back() const { return m_rollback; }

  private:
    pqxx::transaction_base& m_work;
    bool m_nested = false;
    bool m_rollback = false;
};

class Connection {
  public:
    explicit Connection(PostgresOptions options);

    // Runs `body(Tx&)` in one READ COMMITTED transaction and commits. A serialization failure
    // or deadlock runs it again (a few times, then Error tempfail); a broken connection drops
    // it (the next call reconnects) and throws Error io. `doing` names the work in messages.
    template <class F>
    auto run(std::string_view doing, F&& body) {
        return with_retries<pqxx::work>(doing, body);
    }

    // As run(), for a body of one statement: no BEGIN and COMMIT around it (autocommit, which
    // makes one statement atomic all the same), two round trips fewer.
    template <class F>
    auto once(std::string_view doing, F&& body) {
        return with_retries<pqxx::nontransaction>(doing, body);
    }

    // While set, run() works in a savepoint of `outer` (a bulk enqueue's or a migration's open
    // transaction) instead of a transaction of its own, and a failure keeps the connection
    // object (the transaction still refers to it) until nullptr ends that.
    void set_outer(pqxx::work* outer) { m_outer = outer; }

    // When the connection was last (re)established after a failure; the epoch if never lost.
    std::chrono::steady_clock::time_point reconnected_at() const { return m_reconnected_at; }

    // Runs `body(pqxx::connection&)` outside any transaction (LISTEN, DDL under a lock).
    template <class F>
    auto raw([[maybe_unused]] std::string_view doing, F&& body) {
        try {
            return body(connected());
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            fail(doing, e);
        }
    }

    // A transaction that outlives one call (a bulk enqueue); the caller commits it. Errors of
    // its statements go through fail().
    std::unique_ptr<pqxx::work> begin(std::string_view doing);

    // The server clock minus this host's, measured now (a round trip).
    Millis measure_clock_offset();

    // Throws the notify::Error for `e`, a failure while `doing`; drops a broken connection.
    [[noreturn]] void fail(std::string_view doing, const std::exception& e);

    const PostgresOptions& options() const { return m_options; }
    // The URL without its password.
    const std::string& display() const { return m_display; }
    // Drops the connection; the next call reconnects.
    void drop();

  private:
    static constexpr int k_max_attempts = 8;

    pqxx::connection& connected();
    static bool retryable(const pqxx::transaction_rollback& e);
    // run() and once(): `body` in a `Work` (pqxx::work, or pqxx::nontransaction for
    // autocommit), again on a retryable failure; in a savepoint of the outer transaction while
    // one is set.
    template <class Work, class F>
    auto with_retries(std::string_view doing, F& body) {
        if (m_outer != nullptr) {
            return run_nested(doing, body);
        }
        for (int attempt = 1;; ++attempt) {
            try {
                Work work(connected(), "notify");
                Tx tx(work);
                if constexpr (std::is_void_v<decltype(body(tx))>) {
                    body(tx);
                    finish(work, tx);
                    return;
                } else {
                    auto result = body(tx);
                    finish(work, tx);
                    return result;
                }
            } catch (const pqxx::transaction_rollback& e) {
                if (attempt >= k_max_attempts || !retryable(e)) {
                    fail(doing, e);
                }
            } catch (const Error&) {
                throw;
            } catch (const std::exception& e) {
                fail(doing, e);
            }
        }
    }

    template <class F>
    auto run_nested(std::string_view doing, F& body) {
        try {
            pqxx::subtransaction sub(*m_outer, "nested");
            Tx tx(sub, true);
            if constexpr (std::is_void_v<decltype(body(tx))>) {
                body(tx);
                finish(sub, tx);
                return;
            } else {
                auto result = body(tx);
                finish(sub, tx);
                return result;
            }
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            fail(doing, e);
        }
    }

    // Commits or rolls back (for a nontransaction, both only end it: each statement committed).
    static void finish(pqxx::transaction_base& work, const Tx& tx) {
        if (tx.rolled_back()) {
            work.abort();
        } else {
            work.commit();
        }
    }

    PostgresOptions m_options;
    std::string m_display;
    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_conn;
    pqxx::work* m_outer = nullptr;
    bool m_broken = false; // failed while an outer transaction held it: replace when released
    std::chrono::steady_clock::time_point m_reconnected_at{};
    std::chrono::steady_clock::time_point m_next_try{};
    Millis m_backoff{0};
    std::string m_last_failure;
};

// libpq's connection string for `url`: the URL plus timeouts, TCP keepalives and an
// application name, unless the URL sets them.
std::string connection_string(const PostgresOptions& options, std::string_view application);

} // namespace notify::store::pg
