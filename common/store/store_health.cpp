// Read-only store inspection through a SQLITE_OPEN_READONLY connection.
#include "common/store/store_health.hpp"

#include <cerrno>
#include <cstring>
#include <memory>

#include <sqlite3.h>
#include <sys/stat.h>

#include "common/store/schema.hpp"

namespace notify::store {

namespace {

constexpr std::int64_t k_application_id = 0x4e544659; // "NTFY", as sqlite_job_store.cpp

struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Connection = std::unique_ptr<sqlite3, Closer>;
using Query = std::unique_ptr<sqlite3_stmt, Finalizer>;

// Runs `sql` (binding ?1 to `now_ms` if present) and hands the first row to `row`.
// Returns SQLite's message on error.
template <class Row>
std::optional<std::string> first_row(sqlite3* db, const char* sql, long long now_ms, Row&& row) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    Query q(raw);
    if (rc != SQLITE_OK) {
        return std::string(sqlite3_errmsg(db));
    }
    if (sqlite3_bind_parameter_count(raw) > 0) {
        sqlite3_bind_int64(raw, 1, now_ms);
    }
    rc = sqlite3_step(raw);
    if (rc == SQLITE_ROW) {
        row(raw);
        return std::nullopt;
    }
    if (rc == SQLITE_DONE) {
        return std::nullopt;
    }
    return std::string(sqlite3_errmsg(db));
}

std::optional<TimePoint> optional_time(sqlite3_stmt* q, int column) {
    if (sqlite3_column_type(q, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return from_unix_ms(sqlite3_column_int64(q, column));
}

} // namespace

StoreHealth inspect_sqlite_store(const std::string& path, TimePoint now, Millis busy_timeout) {
    StoreHealth h;
    h.latest = static_cast<std::int64_t>(sqlite_migrations().size());
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) {
            h.exists = true;
            h.error = std::string("cannot stat: ") + std::strerror(errno);
        }
        return h;
    }
    h.exists = true;
    h.mode = st.st_mode & 07777;
    if (!S_ISREG(st.st_mode)) {
        h.error = "not a regular file";
        return h;
    }
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    Connection db(raw);
    if (rc != SQLITE_OK) {
        h.error = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
        return h;
    }
    sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
    const long long now_ms = to_unix_ms(now);
    std::int64_t application_id = 0;
    std::int64_t tables = 0;
    auto failed = first_row(raw, "PRAGMA user_version", now_ms,
                            [&](sqlite3_stmt* q) { h.version = sqlite3_column_int64(q, 0); });
    if (!failed) {
        failed = first_row(raw, "PRAGMA application_id", now_ms,
                           [&](sqlite3_stmt* q) { application_id = sqlite3_column_int64(q, 0); });
    }
    if (!failed) {
        failed = first_row(raw, "SELECT count(*) FROM sqlite_schema", now_ms,
                           [&](sqlite3_stmt* q) { tables = sqlite3_column_int64(q, 0); });
    }
    if (!failed) {
        failed = first_row(raw, "PRAGMA journal_mode", now_ms, [&](sqlite3_stmt* q) {
            const auto* text = sqlite3_column_text(q, 0);
            h.journal_mode = text != nullptr ? reinterpret_cast<const char*>(text) : "";
        });
    }
    if (failed) {
        h.error = *failed;
        return h;
    }
    if (h.version == 0) {
        if (tables != 0) {
            h.error = "not a notify store (it holds other tables)";
        }
        return h; // empty: created but never migrated
    }
    if (application_id != k_application_id) {
        h.error = "not a notify store (wrong application id)";
        return h;
    }
    failed = first_row(raw, "PRAGMA quick_check(1)", now_ms, [&](sqlite3_stmt* q) {
        const auto* text = sqlite3_column_text(q, 0);
        h.integrity = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    });
    // Every column below exists since schema version 1.
    if (!failed) {
        failed = first_row(raw,
                           "SELECT count(*), min(lease_until) FROM notifications WHERE status = "
                           "'sending' AND lease_until < ?1",
                           now_ms, [&](sqlite3_stmt* q) {
                               h.expired_leases = sqlite3_column_int64(q, 0);
                               h.oldest_lease_end = optional_time(q, 1);
                           });
    }
    if (!failed) {
        failed = first_row(raw,
                           "SELECT count(*), min(due_at) FROM notifications WHERE status IN "
                           "('scheduled', 'queued', 'retrying') AND due_at <= ?1",
                           now_ms, [&](sqlite3_stmt* q) {
                               h.due = sqlite3_column_int64(q, 0);
                               h.oldest_due = optional_time(q, 1);
                           });
    }
    if (!failed) {
        failed = first_row(raw, "SELECT max(at) FROM events", now_ms,
                           [&](sqlite3_stmt* q) { h.newest_event = optional_time(q, 0); });
    }
    if (failed) {
        h.error = *failed;
    }
    return h;
}

} // namespace notify::store
