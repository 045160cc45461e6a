// Unit tests of common/store/sqlite_job_store.cpp against a real SQLite file in a temp dir: what
// only the SQLite store has (the file and its modes, WAL, durability, migrations of older files,
// foreign files, busy timeouts). The JobStore contract both backends keep is
// test_store_job_store_contract.cpp.
#include <atomic>
#include <chrono>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "common/store/schema.hpp"
#include "tests/support/sqlite_raw_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {
namespace {

using model::Priority;
using model::Status;
using std::chrono::hours;
using std::chrono::minutes;
using test::RawDb;
using testing::HasSubstr;

// 2025-06-15T12:00:00Z.
const TimePoint k_t0 = from_unix_ms(1'749'988'800'000);

NewNotification row(TimePoint due = k_t0, Priority priority = Priority::normal,
                    std::string channel = "email", std::string to = "ann@example.com") {
    NewNotification n;
    n.channel = std::move(channel);
    n.to = std::move(to);
    n.priority = priority;
    n.due_at = due;
    n.body = "hello";
    return n;
}

EnqueueRequest request_of(std::vector<NewNotification> rows,
                          std::optional<std::string> event_id = std::nullopt) {
    EnqueueRequest r;
    r.rows = std::move(rows);
    r.event_id = std::move(event_id);
    return r;
}

std::unique_ptr<JobStore> open_store(const std::string& path, Millis busy = Millis{5000},
                                     Durability durability = Durability::full) {
    SqliteOptions options;
    options.path = path;
    options.busy_timeout = busy;
    options.durability = durability;
    return open_sqlite_store(options);
}

// The schema version a freshly migrated store carries.
long long latest_version() {
    return static_cast<long long>(sqlite_migrations().size());
}

// Opens a store in a fresh temp dir.
class SqliteJobStoreTest : public testing::Test {
  protected:
    SqliteJobStoreTest() : m_path(m_dir.file("notify.db")), m_store(open_store(m_path)) {}

    JobStore& store() { return *m_store; }
    const std::string& path() const { return m_path; }

    std::int64_t enqueue_one(NewNotification n = row()) {
        auto result = store().enqueue(request_of({std::move(n)}), k_t0);
        EXPECT_EQ(result.ids.size(), 1u);
        return result.ids.empty() ? 0 : result.ids.front();
    }

    model::Notification get(std::int64_t id, TimePoint now = k_t0) {
        auto detail = store().find(id, now);
        EXPECT_TRUE(detail.has_value()) << "no row " << id;
        return detail ? detail->notification : model::Notification{};
    }

    test::TempDir m_dir{"store"};
    std::string m_path;
    std::unique_ptr<JobStore> m_store;
};

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

Error open_error(const std::string& path, Millis busy = Millis{5000}) {
    try {
        open_store(path, busy);
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "opening " << path << " did not fail";
    return Error{Exit::ok, ""};
}

// ---- counting fsyncs: a pass-through VFS ------------------------------------------------

std::atomic<int> g_syncs{0};
sqlite3_vfs* g_real_vfs = nullptr;

struct CountingFile {
    sqlite3_file base;
    sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) {
    return reinterpret_cast<CountingFile*>(f)->real;
}

int c_close(sqlite3_file* f) {
    return real_of(f)->pMethods->xClose(real_of(f));
}
int c_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
    return real_of(f)->pMethods->xRead(real_of(f), b, n, o);
}
int c_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
}
int c_truncate(sqlite3_file* f, sqlite3_int64 size) {
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int c_sync(sqlite3_file* f, int flags) {
    ++g_syncs;
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int c_size(sqlite3_file* f, sqlite3_int64* size) {
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int c_lock(sqlite3_file* f, int l) {
    return real_of(f)->pMethods->xLock(real_of(f), l);
}
int c_unlock(sqlite3_file* f, int l) {
    return real_of(f)->pMethods->xUnlock(real_of(f), l);
}
int c_check(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int c_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int c_sector(sqlite3_file* f) {
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int c_device(sqlite3_file* f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int c_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** p) {
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, p);
}
int c_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void c_shm_barrier(sqlite3_file* f) {
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int c_shm_unmap(sqlite3_file* f, int del) {
    return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}
int c_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
    return real_of(f)->pMethods->xFetch(real_of(f), o, n, p);
}
int c_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
    return real_of(f)->pMethods->xUnfetch(real_of(f), o, p);
}

const sqlite3_io_methods k_counting_methods = {
    3,          c_close,       c_read,      c_write,   c_truncate, c_sync,   c_size,
    c_lock,     c_unlock,      c_check,     c_control, c_sector,   c_device, c_shm_map,
    c_shm_lock, c_shm_barrier, c_shm_unmap, c_fetch,   c_unfetch};

int c_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    auto* cf = reinterpret_cast<CountingFile*>(f);
    cf->real = reinterpret_cast<sqlite3_file*>(cf + 1);
    int rc = g_real_vfs->xOpen(g_real_vfs, name, cf->real, flags, out_flags);
    f->pMethods = cf->real->pMethods != nullptr ? &k_counting_methods : nullptr;
    return rc;
}

// Makes a VFS that counts xSync calls the default while it lives.
class CountingVfs {
  public:
    CountingVfs() {
        g_real_vfs = sqlite3_vfs_find(nullptr);
        m_vfs = *g_real_vfs;
        m_vfs.zName = "notify-test-counting";
        m_vfs.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
        m_vfs.xOpen = c_open;
        m_vfs.pNext = nullptr;
        sqlite3_vfs_register(&m_vfs, 1);
    }
    ~CountingVfs() {
        sqlite3_vfs_register(g_real_vfs, 1);
        sqlite3_vfs_unregister(&m_vfs);
    }
    CountingVfs(const CountingVfs&) = delete;
    CountingVfs& operator=(const CountingVfs&) = delete;

  private:
    sqlite3_vfs m_vfs{};
};

// ---- opening ----------------------------------------------------------------------------

TEST(SqliteJobStoreOpen, CreatesTheFile0600AndItsDirectory0700) {
    test::TempDir dir("store");
    const std::string db = dir.file("data/notify.db");
    open_store(db);
    EXPECT_EQ(mode_of(db), 0600u);
    EXPECT_EQ(mode_of(dir.file("data")), 0700u);
}

TEST(SqliteJobStoreOpen, UsesWalJournalMode) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    auto s = open_store(db);
    s->enqueue(request_of({row()}), k_t0);
    EXPECT_TRUE(std::filesystem::exists(db + "-wal"));
    RawDb raw(db);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal"); // persistent in the file header
    EXPECT_EQ(raw.number("PRAGMA user_version"), latest_version());
    EXPECT_EQ(raw.number("PRAGMA application_id"), 0x4e544659);
}

TEST(SqliteJobStoreOpen, FullDurabilitySyncsEveryCommitAndNormalDoesNot) {
    // synchronous is per connection, so it is observed through the fsyncs SQLite asks for.
    test::TempDir dir("store");
    CountingVfs vfs;
    auto full = open_store(dir.file("full.db"), Millis{5000}, Durability::full);
    g_syncs = 0;
    for (int i = 0; i < 3; ++i) {
        full->enqueue(request_of({row()}), k_t0);
    }
    EXPECT_GE(g_syncs.load(), 3);

    auto normal = open_store(dir.file("normal.db"), Millis{5000}, Durability::normal);
    g_syncs = 0;
    for (int i = 0; i < 3; ++i) {
        normal->enqueue(request_of({row()}), k_t0);
    }
    EXPECT_EQ(g_syncs.load(), 0);
}

TEST(SqliteJobStoreOpen, ReopeningKeepsDataAndSchema) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    const std::string schema_sql = "SELECT group_concat(sql, ';') FROM (SELECT sql FROM "
                                   "sqlite_schema ORDER BY name)";
    std::int64_t id = 0;
    std::string schema;
    {
        auto s = open_store(db);
        id = s->enqueue(request_of({row()}), k_t0).ids.at(0);
        RawDb raw(db);
        schema = raw.text(schema_sql);
    }
    for (int i = 0; i < 2; ++i) {
        auto s = open_store(db);
        auto found = s->find(id, k_t0);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->notification.to, "ann@example.com");
    }
    RawDb raw(db);
    EXPECT_EQ(raw.number("PRAGMA user_version"), latest_version());
    EXPECT_EQ(raw.text(schema_sql), schema);
    for (const char* table : {"notifications", "attempts", "events"}) {
        EXPECT_EQ(raw.number(std::string("SELECT count(*) FROM sqlite_schema WHERE type = "
                                         "'table' AND name = '") +
                             table + "'"),
                  1)
            << table;
    }
}

TEST(SqliteJobStoreOpen, AnOlderStoreIsMigratedKeepingItsRows) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    {
        RawDb raw(db);
        ASSERT_EQ(raw.exec("PRAGMA application_id = " + std::to_string(0x4e544659)), SQLITE_OK);
        ASSERT_EQ(raw.exec(std::string(sqlite_migrations().at(0))), SQLITE_OK);
        ASSERT_EQ(raw.exec("PRAGMA user_version = 1"), SQLITE_OK);
        ASSERT_EQ(raw.exec("INSERT INTO notifications (status, channel, recipient, due_at, "
                           "created_at, updated_at) VALUES ('queued', 'email', "
                           "'old@example.com', 0, 0, 0)"),
                  SQLITE_OK);
    }
    auto s = open_store(db);
    auto found = s->find(1, k_t0);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->notification.to, "old@example.com");
    EXPECT_EQ(s->claim("me", 10, minutes(5), k_t0).size(), 1u);
    RawDb raw(db);
    EXPECT_EQ(raw.number("PRAGMA user_version"), latest_version());
}

// Regression: only the innermost missing parent directory is chmod'ed to 0700; the ones above it
// are left at 0777 & ~umask (0755), against "parent directories 0700" in job_store.hpp.
// create_store_file() calls create_directories() then chmod()s parent_path() alone. Repro:
// umask 022, open_sqlite_store({"<tmp>/a/b/notify.db"}) -> <tmp>/a/b is 0700, <tmp>/a is 0755.
TEST(SqliteJobStoreOpen, CreatesEveryMissingParentDirectory0700) {
    test::TempDir dir("store");
    const mode_t old_mask = ::umask(022);
    const std::string db = dir.file("a/b/notify.db");
    open_store(db);
    ::umask(old_mask);
    EXPECT_EQ(mode_of(dir.file("a/b")), 0700u);
    EXPECT_EQ(mode_of(dir.file("a")), 0700u);
}

TEST(SqliteJobStoreOpen, NewerSchemaVersionIsRefused) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    open_store(db);
    {
        RawDb raw(db);
        ASSERT_EQ(raw.exec("PRAGMA user_version = 99"), SQLITE_OK);
    }
    Error e = open_error(db);
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_EQ(std::string(e.what()), "store " + db +
                                         " has schema version 99, newer than this notify "
                                         "understands (" +
                                         std::to_string(latest_version()) + ")");
    EXPECT_EQ(e.hint(), "upgrade notify, or point --db at another store");
    RawDb raw(db);
    EXPECT_EQ(raw.number("PRAGMA user_version"), 99);
}

TEST(SqliteJobStoreOpen, ForeignDatabaseWithOtherTablesIsRefused) {
    test::TempDir dir("store");
    const std::string db = dir.file("other.db");
    {
        RawDb raw(db);
        ASSERT_EQ(raw.exec("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('a')"),
                  SQLITE_OK);
    }
    Error e = open_error(db);
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_EQ(std::string(e.what()), db + " is not a notify store (it holds other tables)");
    RawDb raw(db);
    EXPECT_EQ(raw.number("SELECT count(*) FROM songs"), 1);
    EXPECT_EQ(raw.number("SELECT count(*) FROM sqlite_schema"), 1);
    EXPECT_EQ(raw.number("PRAGMA user_version"), 0);
}

// Regression: opening a foreign SQLite database switches it to WAL journal mode (a persistent
// change in its header) before migrate() finds it is not a notify store and refuses it: configure()
// runs `PRAGMA journal_mode = WAL` first. Repro: create other.db with one table (rollback
// journal), open_sqlite_store({other.db}) -> Error io, then `PRAGMA journal_mode` on other.db
// says "wal" instead of "delete".
TEST(SqliteJobStoreOpen, RefusingAForeignDatabaseLeavesItsJournalModeAlone) {
    test::TempDir dir("store");
    const std::string db = dir.file("other.db");
    {
        RawDb raw(db);
        ASSERT_EQ(raw.exec("CREATE TABLE songs (title TEXT)"), SQLITE_OK);
    }
    EXPECT_EQ(open_error(db).code(), Exit::io);
    RawDb raw(db);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "delete");
}

TEST(SqliteJobStoreOpen, WrongApplicationIdIsRefused) {
    test::TempDir dir("store");
    const std::string db = dir.file("other.db");
    {
        RawDb raw(db);
        ASSERT_EQ(raw.exec("PRAGMA user_version = 1"), SQLITE_OK);
    }
    Error e = open_error(db);
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_EQ(std::string(e.what()), db + " is not a notify store (wrong application id)");
}

TEST(SqliteJobStoreOpen, GarbageFileIsAnIoError) {
    test::TempDir dir("store");
    const std::string db = dir.write("notify.db", std::string(8192, 'x'));
    Error e = open_error(db);
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_THAT(e.what(), HasSubstr(db));
    EXPECT_THAT(e.what(), HasSubstr("is not a notify store"));
    EXPECT_EQ(test::TempDir::read_file(db), std::string(8192, 'x'));
}

TEST(SqliteJobStoreOpen, DirectoryIsAnIoError) {
    test::TempDir dir("store");
    std::filesystem::create_directories(dir.file("notify.db"));
    Error e = open_error(dir.file("notify.db"));
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_THAT(e.what(), HasSubstr(dir.file("notify.db")));
}

TEST(SqliteJobStoreOpen, EmptyExistingFileBecomesAStore) {
    test::TempDir dir("store");
    const std::string db = dir.write("notify.db", "");
    auto s = open_store(db);
    EXPECT_EQ(s->enqueue(request_of({row()}), k_t0).ids.size(), 1u);
}

TEST(SqliteJobStoreOpen, MigrationToStatusCountsCountsTheRowsAlreadyStored) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    {
        auto store = open_store(db);
        store->enqueue(request_of({row(), row(), row(k_t0 + hours(1))}), k_t0);
    }
    {
        // Back to schema 7, as a store written by the previous release.
        RawDb raw(db);
        ASSERT_EQ(raw.exec("DROP TRIGGER status_counts_insert; DROP TRIGGER status_counts_delete; "
                           "DROP TRIGGER status_counts_update; DROP TABLE status_counts; "
                           "DROP INDEX notifications_expiry; PRAGMA user_version = 7; "
                           "CREATE INDEX notifications_claimable ON notifications (priority, "
                           "due_at, id) WHERE status IN ('scheduled', 'queued', 'retrying')"),
                  SQLITE_OK);
    }
    auto store = open_store(db);
    Stats s = store->stats(k_t0);
    EXPECT_EQ(s.total, 3);
    EXPECT_EQ(s.by_status[Status::queued], 2);
    EXPECT_EQ(s.by_status[Status::scheduled], 1);
    RawDb raw(db);
    EXPECT_EQ(raw.number("PRAGMA user_version"), latest_version());
}

// ---- locking ----------------------------------------------------------------------------

// notifyd calls expire() every second: with nothing expired it must not need the write lock
// (which `notify send` and import take), and it finds expired rows through their own index.
TEST_F(SqliteJobStoreTest, ExpireWithNothingExpiredTakesNoWriteLock) {
    auto n = row(k_t0 + hours(1));
    n.expires_at = k_t0 + hours(2);
    auto id = enqueue_one(n);
    enqueue_one(row(k_t0 - hours(1))); // no TTL
    auto impatient = open_store(path(), Millis{100});
    {
        RawDb raw(path());
        ASSERT_EQ(raw.exec("BEGIN IMMEDIATE"), SQLITE_OK);
        EXPECT_EQ(impatient->expire(k_t0 + hours(1)), 0);
        ASSERT_EQ(raw.exec("ROLLBACK"), SQLITE_OK);
    }
    EXPECT_EQ(impatient->expire(k_t0 + hours(2)), 1);
    EXPECT_EQ(get(id).status, Status::suppressed);
    EXPECT_EQ(impatient->expire(k_t0 + hours(3)), 0);
}

TEST_F(SqliteJobStoreTest, BusyStoreIsATempfailAfterTheBusyTimeout) {
    enqueue_one(); // a claim with nothing to claim needs no lock
    auto impatient = open_store(path(), Millis{100});
    RawDb raw(path());
    ASSERT_EQ(raw.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    try {
        impatient->enqueue(request_of({row()}), k_t0);
        ADD_FAILURE() << "enqueue did not fail while the store was locked";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::tempfail);
        EXPECT_EQ(std::string(e.what()),
                  "store " + path() + " is locked by another process; try again");
        EXPECT_EQ(e.hint(), "the busy timeout (store.busy_timeout) passed while waiting for it");
    }
    try {
        impatient->claim("me", 1, minutes(5), k_t0);
        ADD_FAILURE() << "claim did not fail while the store was locked";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::tempfail);
    }
    ASSERT_EQ(raw.exec("ROLLBACK"), SQLITE_OK);
    EXPECT_EQ(impatient->enqueue(request_of({row()}), k_t0).ids.size(), 1u);
    EXPECT_EQ(impatient->claim("me", 1, minutes(5), k_t0).size(), 1u);
}

TEST(SqliteJobStoreOpen, OpeningAStoreThatNeedsMigrationWhileLockedIsATempfail) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    RawDb raw(db);
    ASSERT_EQ(raw.exec("PRAGMA journal_mode = WAL"), SQLITE_OK);
    ASSERT_EQ(raw.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    EXPECT_EQ(open_error(db, Millis{100}).code(), Exit::tempfail);
    ASSERT_EQ(raw.exec("ROLLBACK"), SQLITE_OK);
    EXPECT_NO_THROW(open_store(db));
}

} // namespace
} // namespace notify::store
