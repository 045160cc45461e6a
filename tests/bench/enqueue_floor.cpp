// The floor of benchmark 1: the least a process can do to enqueue one notification durably.
// Opens an existing notify store, sets the pragmas notify sets (WAL, synchronous=FULL, busy
// timeout, foreign keys), and inserts one row into `notifications` in a BEGIN IMMEDIATE
// transaction. Usage: enqueue_floor STORE_PATH
#include <cstdio>
#include <ctime>

#include <sqlite3.h>

namespace {

int fail(sqlite3* db, const char* what) {
    std::fprintf(stderr, "enqueue_floor: %s: %s\n", what, sqlite3_errmsg(db));
    sqlite3_close(db);
    return 74;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: enqueue_floor STORE_PATH\n");
        return 64;
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        return fail(db, "open");
    }
    const char* setup = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;"
                        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
    if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return fail(db, "pragmas");
    }
    sqlite3_stmt* insert = nullptr;
    const char* sql = "INSERT INTO notifications (status, channel, recipient, body, due_at, "
                      "created_at, updated_at) VALUES ('queued', 'email', ?1, ?2, ?3, ?3, ?3)";
    if (sqlite3_prepare_v2(db, sql, -1, &insert, nullptr) != SQLITE_OK) {
        return fail(db, "prepare");
    }
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const sqlite3_int64 ms = sqlite3_int64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
    sqlite3_bind_text(insert, 1, "ops@example.com", -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, "nightly backup done", -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 3, ms);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_step(insert) != SQLITE_DONE ||
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        return fail(db, "insert");
    }
    sqlite3_finalize(insert);
    std::printf("%lld\n", static_cast<long long>(sqlite3_last_insert_rowid(db)));
    sqlite3_close(db);
    return 0;
}
