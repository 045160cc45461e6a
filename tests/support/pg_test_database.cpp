// A database of its own per test process on the test PostgreSQL: see pg_test_database.hpp.
#include "tests/support/pg_test_database.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <libpq-fe.h>
#include <unistd.h>

namespace notify::test {

namespace {

// libpq's last error on `conn`, on one line.
std::string error_of(const PGconn* conn) {
    std::string what = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) {
        what.pop_back();
    }
    for (char& c : what) {
        if (c == '\n') {
            c = ' ';
        }
    }
    return what;
}

// `url` plus a connect timeout and an application name, as query parameters.
std::string conninfo_of(const std::string& url) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=10&application_name=notify-test";
}

// A result that is freed at scope end.
class Result {
  public:
    Result(PGconn* conn, const std::string& sql) : m_result(PQexec(conn, sql.c_str())) {
        const auto status = m_result != nullptr ? PQresultStatus(m_result) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            const std::string why = m_result != nullptr ? PQresultErrorMessage(m_result) : "";
            PQclear(m_result);
            std::string message = why.empty() ? error_of(conn) : why;
            while (!message.empty() && message.back() == '\n') {
                message.pop_back();
            }
            throw std::runtime_error(sql + ": " + message);
        }
    }
    ~Result() { PQclear(m_result); }
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;

    std::string first() const {
        if (PQntuples(m_result) == 0 || PQnfields(m_result) == 0 ||
            PQgetisnull(m_result, 0, 0) != 0) {
            return "";
        }
        return PQgetvalue(m_result, 0, 0);
    }

  private:
    PGresult* m_result;
};

} // namespace

PgSession::PgSession(const std::string& url) : m_conn(PQconnectdb(conninfo_of(url).c_str())) {
    if (m_conn == nullptr || PQstatus(m_conn) != CONNECTION_OK) {
        const std::string why = error_of(m_conn);
        PQfinish(m_conn);
        throw std::runtime_error("cannot connect to the test PostgreSQL at " + url + ": " + why);
    }
}

PgSession::~PgSession() {
    PQfinish(m_conn);
}

void PgSession::exec(const std::string& sql) {
    Result r(m_conn, sql);
}

std::string PgSession::text(const std::string& sql) {
    Result r(m_conn, sql);
    return r.first();
}

long long PgSession::number(const std::string& sql) {
    return std::stoll("0" + text(sql));
}

const char* const PgTestDatabase::k_skip_reason =
    "PostgreSQL cases need a server: run them through ctest (fixture pg), or start one with "
    "`/usr/bin/python3 tests/e2e/pg_cluster.py start /tmp/pgunit` and set "
    "NOTIFY_TEST_PG_URL_FILE=/tmp/pgunit/url";

std::optional<std::string> PgTestDatabase::base_url() {
    const char* file = std::getenv("NOTIFY_TEST_PG_URL_FILE");
    if (file == nullptr) {
        return std::nullopt;
    }
    std::ifstream in(file);
    std::string url(std::istreambuf_iterator<char>(in), {});
    while (!url.empty() && (url.back() == '\n' || url.back() == ' ' || url.back() == '\r')) {
        url.pop_back();
    }
    if (url.empty()) {
        throw std::runtime_error(std::string("NOTIFY_TEST_PG_URL_FILE=") + file +
                                 " is missing or empty: did the CTest fixture pg (or "
                                 "tests/e2e/pg_cluster.py start) run?");
    }
    return url;
}

PgTestDatabase::PgTestDatabase(const std::string& base_url, const std::string& create_options)
    : m_base_url(base_url) {
    static std::atomic<int> counter{0};
    std::random_device random;
    char tag[9];
    std::snprintf(tag, sizeof tag, "%08x", static_cast<unsigned>(random()));
    m_name = "notify_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + tag;
    m_url = with_database(m_base_url, m_name);
    PgSession admin(m_base_url);
    admin.exec("CREATE DATABASE " + m_name + (create_options.empty() ? "" : " ") + create_options);
}

PgTestDatabase::~PgTestDatabase() {
    try {
        PgSession admin(m_base_url);
        admin.exec("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
    } catch (const std::exception& e) {
        // A destructor must not throw; the fixture wipes the whole cluster at the end anyway.
        std::fprintf(stderr, "warning: test database %s not dropped: %s\n", m_name.c_str(),
                     e.what());
    }
}

std::string with_database(const std::string& url, const std::string& database) {
    const auto scheme = url.find("://");
    const auto authority = scheme == std::string::npos ? 0 : scheme + 3;
    const auto query = url.find('?', authority);
    const auto slash = url.find('/', authority);
    const std::string head =
        slash == std::string::npos || slash > query ? url.substr(0, query) : url.substr(0, slash);
    const std::string tail = query == std::string::npos ? "" : url.substr(query);
    return head + "/" + database + tail;
}

} // namespace notify::test
