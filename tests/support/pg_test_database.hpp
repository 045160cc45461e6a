// A PostgreSQL database of its own for one test process, on the throw-away server of the CTest
// fixture `pg` (tests/e2e/pg_cluster.py), whose base URL is in the file NOTIFY_TEST_PG_URL_FILE
// names; and a plain libpq session to look at it the way another program would.
#pragma once

#include <optional>
#include <string>

struct pg_conn;

namespace notify::test {

// One libpq connection (application_name "notify-test"). Not copyable.
class PgSession {
  public:
    // Connects to `url`. Throws std::runtime_error with libpq's reason if it cannot.
    explicit PgSession(const std::string& url);
    ~PgSession();
    PgSession(const PgSession&) = delete;
    PgSession& operator=(const PgSession&) = delete;

    // Runs `sql` (one or more statements). Throws std::runtime_error with the server's message
    // if it fails.
    void exec(const std::string& sql);
    // Runs `sql`; returns the first column of its first row as text ("" when there is no row or
    // the value is NULL). Throws std::runtime_error if it fails.
    std::string text(const std::string& sql);
    // text() as a number (0 for "").
    long long number(const std::string& sql);

  private:
    pg_conn* m_conn = nullptr;
};

// Creates a uniquely named database on the test server and drops it (WITH (FORCE), so
// connections left open do not keep it) when destroyed.
class PgTestDatabase {
  public:
    // Why PostgreSQL cases are skipped, and how to run them.
    static const char* const k_skip_reason;

    // The server's base URL (database `postgres`) from NOTIFY_TEST_PG_URL_FILE; nullopt when the
    // variable is unset (PostgreSQL cases are then skipped). Throws std::runtime_error when it
    // is set but the file cannot be read or is empty: CI always sets it, so that must fail.
    static std::optional<std::string> base_url();

    // Creates the database on the server at `base_url`, with `create_options` appended to its
    // CREATE DATABASE (e.g. a collation). Throws std::runtime_error (with the server's reason)
    // when the server cannot be reached or refuses.
    explicit PgTestDatabase(const std::string& base_url, const std::string& create_options = "");
    ~PgTestDatabase();
    PgTestDatabase(const PgTestDatabase&) = delete;
    PgTestDatabase& operator=(const PgTestDatabase&) = delete;

    // The database's name, e.g. notify_t_4711_3_9f2c01ab.
    const std::string& name() const { return m_name; }
    // A URL of the database: the base URL with its database replaced.
    const std::string& url() const { return m_url; }

  private:
    std::string m_base_url;
    std::string m_name;
    std::string m_url;
};

// `url` (postgresql://user@host:port/db?query) with its database replaced by `database`.
std::string with_database(const std::string& url, const std::string& database);

} // namespace notify::test
