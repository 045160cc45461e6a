// Unit tests of common/store/sqlite_job_store.cpp against a real SQLite file in a temp dir.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "common/store/schema.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {
namespace {

using model::Priority;
using model::Status;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ElementsAre;
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

// A raw sqlite3 connection, for looking at the file the way another program would.
class RawDb {
  public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "cannot open " << path;
        }
    }
    ~RawDb() { sqlite3_close(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    int exec(const std::string& sql) {
        return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
    }

    // The first column of the first row of `sql` as text ("" when no row).
    std::string text(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(m_db);
            return out;
        }
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return out;
    }

    long long number(const std::string& sql) { return std::stoll("0" + text(sql)); }

  private:
    sqlite3* m_db = nullptr;
};

// Opens a store in a fresh temp dir; most tests need nothing more.
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

    model::NotificationDetail detail(std::int64_t id, TimePoint now = k_t0) {
        auto d = store().find(id, now);
        EXPECT_TRUE(d.has_value()) << "no row " << id;
        return d ? *d : model::NotificationDetail{};
    }

    // Claims exactly one row as `owner` and returns it.
    Claim claim_one(const std::string& owner = "me", TimePoint now = k_t0,
                    Millis lease = minutes(5)) {
        auto claims = store().claim(owner, 1, lease, now);
        EXPECT_EQ(claims.size(), 1u);
        return claims.empty() ? Claim{} : claims.front();
    }

    static Completion completion_for(const Claim& c, Outcome outcome, TimePoint at) {
        Completion done;
        done.id = c.notification.id;
        done.owner = c.owner;
        done.attempt = c.notification.attempts;
        done.outcome = outcome;
        done.provider = "file";
        done.attempt_class = outcome == Outcome::sent ? "sent" : "transient";
        done.detail = outcome == Outcome::sent ? "appended" : "connection refused";
        done.started_at = at;
        done.finished_at = at;
        done.next_due = at + minutes(1);
        return done;
    }

    // Moves a fresh row to `status` through the public interface.
    std::int64_t row_in(Status status) {
        switch (status) {
        case Status::scheduled:
            return enqueue_one(row(k_t0 + hours(1)));
        case Status::queued:
            return enqueue_one();
        case Status::held: {
            auto id = enqueue_one();
            EXPECT_THAT(store().apply(Verb::hold, {id}, k_t0).changed, ElementsAre(id));
            return id;
        }
        case Status::cancelled: {
            auto id = enqueue_one();
            EXPECT_THAT(store().apply(Verb::cancel, {id}, k_t0).changed, ElementsAre(id));
            return id;
        }
        case Status::suppressed: {
            auto n = row();
            n.expires_at = k_t0;
            auto id = enqueue_one(n);
            EXPECT_EQ(store().expire(k_t0), 1);
            return id;
        }
        case Status::sending:
        case Status::retrying:
        case Status::sent:
        case Status::dead: {
            // High priority and overdue: claimed ahead of any queued row of the test.
            auto id = enqueue_one(row(k_t0 - hours(1), Priority::high));
            auto c = claim_one();
            EXPECT_EQ(c.notification.id, id);
            if (status == Status::sending) {
                return id;
            }
            Outcome outcome = status == Status::retrying ? Outcome::retry
                              : status == Status::sent   ? Outcome::sent
                                                         : Outcome::dead;
            EXPECT_TRUE(store().complete(completion_for(c, outcome, k_t0)));
            return id;
        }
        }
        return 0;
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

std::vector<std::int64_t> ids_of(const std::vector<Claim>& claims) {
    std::vector<std::int64_t> ids;
    for (const auto& c : claims) {
        ids.push_back(c.notification.id);
    }
    return ids;
}

std::vector<std::string> event_types(const model::NotificationDetail& d) {
    std::vector<std::string> types;
    for (const auto& e : d.events) {
        types.push_back(e.type);
    }
    return types;
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

// ---- enqueue, list, find ----------------------------------------------------------------

TEST_F(SqliteJobStoreTest, EnqueueStoresEveryField) {
    NewNotification n = row(k_t0, Priority::high, "sms", "+14155550123");
    n.user = "u1";
    n.template_name = "welcome";
    n.subject = "s";
    n.title = "t";
    n.body = "b";
    n.data_json = R"({"k":1})";
    n.expires_at = k_t0 + hours(2);
    auto result = store().enqueue(request_of({n}, "ev-1"), k_t0);
    EXPECT_FALSE(result.duplicate);
    ASSERT_EQ(result.ids.size(), 1u);
    auto d = detail(result.ids[0]);
    const auto& got = d.notification;
    EXPECT_EQ(got.status, Status::queued);
    EXPECT_EQ(got.channel, "sms");
    EXPECT_EQ(got.to, "+14155550123");
    EXPECT_EQ(got.user, "u1");
    EXPECT_EQ(got.template_name, "welcome");
    EXPECT_EQ(got.event_id, "ev-1");
    EXPECT_EQ(got.priority, Priority::high);
    EXPECT_EQ(got.subject, "s");
    EXPECT_EQ(got.title, "t");
    EXPECT_EQ(got.body, "b");
    EXPECT_EQ(got.data_json, R"({"k":1})");
    EXPECT_EQ(got.due_at, k_t0);
    EXPECT_EQ(got.created_at, k_t0);
    EXPECT_EQ(got.updated_at, k_t0);
    EXPECT_EQ(got.expires_at, k_t0 + hours(2));
    EXPECT_EQ(got.attempts, 0);
    EXPECT_EQ(got.provider, std::nullopt);
    EXPECT_EQ(got.last_error, std::nullopt);
    EXPECT_EQ(got.sent_at, std::nullopt);
    EXPECT_TRUE(d.attempts.empty());
    ASSERT_EQ(d.events.size(), 1u);
    EXPECT_EQ(d.events[0].type, "created");
    EXPECT_EQ(d.events[0].detail, "queued");
    EXPECT_EQ(d.events[0].at, k_t0);
}

TEST_F(SqliteJobStoreTest, StatusIsScheduledUntilDueThenQueued) {
    auto later = enqueue_one(row(k_t0 + hours(1)));
    auto now = enqueue_one(row(k_t0));
    auto past = enqueue_one(row(k_t0 - hours(1)));
    EXPECT_EQ(get(later).status, Status::scheduled);
    EXPECT_EQ(get(now).status, Status::queued);
    EXPECT_EQ(get(past).status, Status::queued);
    EXPECT_EQ(detail(later).events.at(0).detail, "scheduled for 2025-06-15T13:00:00Z");
    // Time passing alone turns scheduled into queued.
    EXPECT_EQ(get(later, k_t0 + hours(1)).status, Status::queued);

    ListFilter scheduled;
    scheduled.status = Status::scheduled;
    ASSERT_EQ(store().list(scheduled, k_t0).size(), 1u);
    EXPECT_EQ(store().list(scheduled, k_t0)[0].id, later);
    EXPECT_TRUE(store().list(scheduled, k_t0 + hours(1)).empty());
    ListFilter queued;
    queued.status = Status::queued;
    EXPECT_EQ(store().list(queued, k_t0).size(), 2u);
    EXPECT_EQ(store().list(queued, k_t0 + hours(1)).size(), 3u);
}

TEST_F(SqliteJobStoreTest, OneRequestInsertsAllRowsInOrder) {
    auto result = store().enqueue(request_of({row(k_t0, Priority::normal, "email", "a@example.com"),
                                              row(k_t0, Priority::normal, "email", "b@example.com"),
                                              row(k_t0, Priority::normal, "sms", "+14155550123")}),
                                  k_t0);
    ASSERT_EQ(result.ids.size(), 3u);
    EXPECT_LT(result.ids[0], result.ids[1]);
    EXPECT_LT(result.ids[1], result.ids[2]);
    auto all = store().list({}, k_t0);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].to, "a@example.com");
    EXPECT_EQ(all[2].to, "+14155550123");
}

TEST_F(SqliteJobStoreTest, ListFiltersByChannelUserStatusAndLimit) {
    auto a = row(k_t0, Priority::normal, "email", "a@example.com");
    a.user = "u1";
    auto b = row(k_t0, Priority::normal, "sms", "+14155550123");
    b.user = "u1";
    auto c = row(k_t0, Priority::normal, "email", "c@example.com");
    c.user = "u2";
    auto ids = store().enqueue(request_of({a, b, c}), k_t0).ids;
    ASSERT_EQ(ids.size(), 3u);
    ASSERT_THAT(store().apply(Verb::hold, {ids[2]}, k_t0).changed, ElementsAre(ids[2]));

    auto to_ids = [](const std::vector<model::Notification>& rows) {
        std::vector<std::int64_t> out;
        for (const auto& r : rows) {
            out.push_back(r.id);
        }
        return out;
    };
    ListFilter f;
    f.channel = "email";
    EXPECT_THAT(to_ids(store().list(f, k_t0)), ElementsAre(ids[0], ids[2]));
    f = {};
    f.user = "u1";
    EXPECT_THAT(to_ids(store().list(f, k_t0)), ElementsAre(ids[0], ids[1]));
    f = {};
    f.status = Status::held;
    EXPECT_THAT(to_ids(store().list(f, k_t0)), ElementsAre(ids[2]));
    f = {};
    f.limit = 2;
    EXPECT_THAT(to_ids(store().list(f, k_t0)), ElementsAre(ids[0], ids[1]));
    f = {};
    f.channel = "email";
    f.user = "u1";
    f.status = Status::queued;
    EXPECT_THAT(to_ids(store().list(f, k_t0)), ElementsAre(ids[0]));
}

TEST_F(SqliteJobStoreTest, FindOfAMissingIdIsNullopt) {
    EXPECT_EQ(store().find(42, k_t0), std::nullopt);
}

// ---- dedup ------------------------------------------------------------------------------

TEST_F(SqliteJobStoreTest, DedupLiveRowMakesADuplicate) {
    auto first = store().enqueue(request_of({row(), row()}, "order-1"), k_t0);
    ASSERT_EQ(first.ids.size(), 2u);
    auto again = store().enqueue(request_of({row()}, "order-1"), k_t0 + minutes(1));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.ids, first.ids);
    EXPECT_EQ(store().list({}, k_t0).size(), 2u);
    auto other = store().enqueue(request_of({row()}, "order-2"), k_t0);
    EXPECT_FALSE(other.duplicate);
}

TEST_F(SqliteJobStoreTest, DedupLiveRowOlderThanTheWindowStillBlocks) {
    auto first = store().enqueue(request_of({row()}, "e"), k_t0);
    auto again = store().enqueue(request_of({row()}, "e"), k_t0 + hours(48));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.ids, first.ids);
}

TEST_F(SqliteJobStoreTest, DedupSentWithinTheWindowBlocksOutsideItDoesNot) {
    auto first = store().enqueue(request_of({row()}, "e"), k_t0);
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0)));
    auto within = store().enqueue(request_of({row()}, "e"), k_t0 + hours(23));
    EXPECT_TRUE(within.duplicate);
    EXPECT_EQ(within.ids, first.ids);
    auto outside = store().enqueue(request_of({row()}, "e"), k_t0 + hours(25));
    EXPECT_FALSE(outside.duplicate);
    ASSERT_EQ(outside.ids.size(), 1u);
    EXPECT_NE(outside.ids[0], first.ids[0]);
}

TEST_F(SqliteJobStoreTest, DedupHonoursACustomWindow) {
    store().enqueue(request_of({row()}, "e"), k_t0);
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0)));
    auto req = request_of({row()}, "e");
    req.dedup_window = minutes(10);
    EXPECT_FALSE(store().enqueue(req, k_t0 + minutes(11)).duplicate);
}

TEST_F(SqliteJobStoreTest, DedupDeadAndCancelledRowsDoNotBlock) {
    store().enqueue(request_of({row()}, "dead-one"), k_t0);
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::dead, k_t0)));
    EXPECT_FALSE(store().enqueue(request_of({row()}, "dead-one"), k_t0).duplicate);

    auto cancelled = store().enqueue(request_of({row()}, "cancelled-one"), k_t0).ids;
    ASSERT_FALSE(store().apply(Verb::cancel, cancelled, k_t0).changed.empty());
    EXPECT_FALSE(store().enqueue(request_of({row()}, "cancelled-one"), k_t0).duplicate);
}

// ---- claim ------------------------------------------------------------------------------

TEST_F(SqliteJobStoreTest, ClaimOrdersByPriorityThenDueAtThenId) {
    auto low_old = enqueue_one(row(k_t0 - minutes(30), Priority::low));
    auto normal_b = enqueue_one(row(k_t0 - minutes(5)));
    auto high_new = enqueue_one(row(k_t0, Priority::high));
    auto normal_a = enqueue_one(row(k_t0 - minutes(10)));
    auto high_old = enqueue_one(row(k_t0 - minutes(1), Priority::high));
    auto normal_a2 = enqueue_one(row(k_t0 - minutes(10)));
    auto claims = store().claim("me", 10, minutes(5), k_t0);
    EXPECT_THAT(ids_of(claims),
                ElementsAre(high_old, high_new, normal_a, normal_a2, normal_b, low_old));
}

TEST_F(SqliteJobStoreTest, ClaimOneAtATimeFollowsTheSameOrder) {
    auto low = enqueue_one(row(k_t0 - minutes(30), Priority::low));
    auto normal = enqueue_one(row(k_t0 - minutes(5)));
    auto high = enqueue_one(row(k_t0, Priority::high));
    std::vector<std::int64_t> order;
    for (int i = 0; i < 4; ++i) {
        for (auto id : ids_of(store().claim("me", 1, minutes(5), k_t0))) {
            order.push_back(id);
        }
    }
    EXPECT_THAT(order, ElementsAre(high, normal, low));
}

TEST_F(SqliteJobStoreTest, ClaimRespectsTheLimit) {
    for (int i = 0; i < 5; ++i) {
        enqueue_one();
    }
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 2u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 2u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 1u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 0u);
}

TEST_F(SqliteJobStoreTest, ClaimLeasesTheRowAndCountsTheAttempt) {
    auto id = enqueue_one();
    auto c = claim_one("owner-1", k_t0 + seconds(1), minutes(5));
    EXPECT_EQ(c.notification.id, id);
    EXPECT_EQ(c.notification.status, Status::sending);
    EXPECT_EQ(c.notification.attempts, 1);
    EXPECT_EQ(c.owner, "owner-1");
    EXPECT_EQ(c.lease_until, k_t0 + seconds(1) + minutes(5));
    auto d = detail(id);
    EXPECT_EQ(d.notification.status, Status::sending);
    EXPECT_EQ(d.notification.attempts, 1);
    ASSERT_EQ(d.events.size(), 2u);
    EXPECT_EQ(d.events[1].type, "claimed");
    EXPECT_EQ(d.events[1].detail, "attempt 1 by owner-1");
    RawDb raw(path());
    EXPECT_EQ(raw.text("SELECT lease_owner FROM notifications"), "owner-1");
}

TEST_F(SqliteJobStoreTest, ClaimSkipsRowsNotDueHeldOrPastTheirTtl) {
    enqueue_one(row(k_t0 + seconds(1)));
    row_in(Status::held);
    auto expiring = row();
    expiring.expires_at = k_t0;
    enqueue_one(expiring);
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0).empty());
}

TEST_F(SqliteJobStoreTest, ClaimAcrossTwoConnectionsNeverClaimsTwice) {
    for (int i = 0; i < 3; ++i) {
        enqueue_one();
    }
    auto other = open_store(path());
    EXPECT_EQ(store().claim("a", 2, minutes(5), k_t0).size(), 2u);
    auto b = other->claim("b", 10, minutes(5), k_t0);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_TRUE(store().claim("a", 10, minutes(5), k_t0).empty());
    EXPECT_TRUE(other->claim("b", 10, minutes(5), k_t0).empty());
}

TEST(SqliteJobStoreRace, ThreadsWithTheirOwnConnectionsClaimEveryRowExactlyOnce) {
    test::TempDir dir("store");
    const std::string db = dir.file("notify.db");
    constexpr int k_rows = 300;
    {
        auto s = open_store(db);
        std::vector<NewNotification> rows(k_rows, row());
        ASSERT_EQ(s->enqueue(request_of(rows), k_t0).ids.size(), static_cast<size_t>(k_rows));
    }
    constexpr int k_threads = 4;
    std::vector<std::vector<std::int64_t>> claimed(k_threads);
    std::vector<std::string> errors(k_threads);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto s = open_store(db, Millis{30'000});
                ++ready;
                while (ready.load() < k_threads) {
                    std::this_thread::yield();
                }
                const std::string owner = "worker-" + std::to_string(t);
                for (;;) {
                    auto claims = s->claim(owner, 3, minutes(5), k_t0);
                    if (claims.empty()) {
                        break;
                    }
                    for (const auto& c : claims) {
                        claimed[t].push_back(c.notification.id);
                        Completion done;
                        done.id = c.notification.id;
                        done.owner = owner;
                        done.attempt = c.notification.attempts;
                        done.provider = "file";
                        done.attempt_class = "sent";
                        done.started_at = k_t0;
                        done.finished_at = k_t0;
                        if (!s->complete(done)) {
                            errors[t] += "completion refused for " +
                                         std::to_string(c.notification.id) + "; ";
                        }
                    }
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
                ++ready;
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::multiset<std::int64_t> all;
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[t], "") << "thread " << t;
        all.insert(claimed[t].begin(), claimed[t].end());
    }
    EXPECT_EQ(all.size(), static_cast<size_t>(k_rows));
    for (auto id : std::set<std::int64_t>(all.begin(), all.end())) {
        EXPECT_EQ(all.count(id), 1u) << "id " << id << " claimed more than once";
    }
    auto s = open_store(db);
    for (const auto& n : s->list({}, k_t0)) {
        EXPECT_EQ(n.status, Status::sent) << n.id;
        EXPECT_EQ(n.attempts, 1) << n.id;
    }
}

// ---- complete (fencing) -----------------------------------------------------------------

TEST_F(SqliteJobStoreTest, CompleteSentRecordsTheAttempt) {
    auto id = enqueue_one();
    auto c = claim_one();
    auto done = completion_for(c, Outcome::sent, k_t0 + seconds(2));
    done.started_at = k_t0 + seconds(1);
    ASSERT_TRUE(store().complete(done));
    auto d = detail(id, k_t0 + seconds(3));
    EXPECT_EQ(d.notification.status, Status::sent);
    EXPECT_EQ(d.notification.provider, "file");
    EXPECT_EQ(d.notification.sent_at, k_t0 + seconds(2));
    EXPECT_EQ(d.notification.updated_at, k_t0 + seconds(2));
    EXPECT_EQ(d.notification.last_error, std::nullopt);
    ASSERT_EQ(d.attempts.size(), 1u);
    EXPECT_EQ(d.attempts[0].n, 1);
    EXPECT_EQ(d.attempts[0].provider, "file");
    EXPECT_EQ(d.attempts[0].outcome, "sent");
    EXPECT_EQ(d.attempts[0].detail, "appended");
    EXPECT_EQ(d.attempts[0].started_at, k_t0 + seconds(1));
    EXPECT_EQ(d.attempts[0].finished_at, k_t0 + seconds(2));
    EXPECT_THAT(event_types(d), ElementsAre("created", "claimed", "sent"));
    EXPECT_EQ(d.events[2].detail, "file: appended");
    RawDb raw(path());
    EXPECT_EQ(raw.text("SELECT coalesce(lease_owner, 'null') FROM notifications"), "null");
}

TEST_F(SqliteJobStoreTest, CompleteRetryReschedulesWithTheError) {
    auto id = enqueue_one();
    auto c = claim_one();
    auto done = completion_for(c, Outcome::retry, k_t0);
    done.next_due = k_t0 + seconds(30);
    done.failed_tries.push_back({"primary", "auth", "401 from primary"});
    ASSERT_TRUE(store().complete(done));
    auto d = detail(id);
    EXPECT_EQ(d.notification.status, Status::retrying);
    EXPECT_EQ(d.notification.due_at, k_t0 + seconds(30));
    EXPECT_EQ(d.notification.last_error, "connection refused");
    EXPECT_EQ(d.notification.sent_at, std::nullopt);
    ASSERT_EQ(d.attempts.size(), 2u);
    EXPECT_EQ(d.attempts[0].provider, "primary");
    EXPECT_EQ(d.attempts[0].outcome, "auth");
    EXPECT_EQ(d.attempts[0].n, 1);
    EXPECT_EQ(d.attempts[1].provider, "file");
    EXPECT_EQ(d.attempts[1].outcome, "transient");
    EXPECT_EQ(d.attempts[1].n, 1);
    EXPECT_THAT(event_types(d), ElementsAre("created", "claimed", "failed", "failed", "retried"));
    EXPECT_EQ(d.events.back().detail, "next attempt at 2025-06-15T12:00:30Z");
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0 + seconds(29)).empty());
    auto again = store().claim("me", 10, minutes(5), k_t0 + seconds(30));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].notification.attempts, 2);
}

TEST_F(SqliteJobStoreTest, CompleteDeadKeepsTheReason) {
    auto id = enqueue_one();
    auto c = claim_one();
    auto done = completion_for(c, Outcome::dead, k_t0);
    done.attempt_class = "permanent";
    done.detail = "permanent: 550 no such user";
    ASSERT_TRUE(store().complete(done));
    auto d = detail(id);
    EXPECT_EQ(d.notification.status, Status::dead);
    EXPECT_EQ(d.notification.last_error, "permanent: 550 no such user");
    EXPECT_THAT(event_types(d), ElementsAre("created", "claimed", "failed", "dead"));
}

TEST_F(SqliteJobStoreTest, CompleteWithTheWrongOwnerOrAttemptWritesNothing) {
    auto id = enqueue_one();
    auto c = claim_one("me");
    auto wrong_owner = completion_for(c, Outcome::sent, k_t0);
    wrong_owner.owner = "someone-else";
    EXPECT_FALSE(store().complete(wrong_owner));
    auto wrong_attempt = completion_for(c, Outcome::sent, k_t0);
    wrong_attempt.attempt = 2;
    EXPECT_FALSE(store().complete(wrong_attempt));
    auto d = detail(id);
    EXPECT_EQ(d.notification.status, Status::sending);
    EXPECT_TRUE(d.attempts.empty());
    EXPECT_EQ(d.events.size(), 2u);

    EXPECT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0)));
    EXPECT_FALSE(store().complete(completion_for(c, Outcome::sent, k_t0))); // only once
    EXPECT_EQ(detail(id).attempts.size(), 1u);
}

TEST_F(SqliteJobStoreTest, RescueReturnsExpiredLeasesAndFencesTheLateCompletion) {
    auto id = enqueue_one();
    auto c = claim_one("gone", k_t0, minutes(1));
    EXPECT_EQ(store().rescue(k_t0 + seconds(59), std::nullopt), 0);
    EXPECT_EQ(store().rescue(k_t0 + minutes(1), std::nullopt), 1);
    auto d = detail(id, k_t0 + minutes(1));
    EXPECT_EQ(d.notification.status, Status::retrying);
    EXPECT_EQ(d.notification.attempts, 1); // the lost attempt still counts
    EXPECT_EQ(d.notification.due_at, k_t0 + minutes(1));
    const std::string why = "attempt 1 by gone did not finish (lease expired or dispatcher gone)";
    EXPECT_EQ(d.notification.last_error, why);
    ASSERT_EQ(d.attempts.size(), 1u);
    EXPECT_EQ(d.attempts[0].outcome, "rescued");
    EXPECT_EQ(d.attempts[0].n, 1);
    EXPECT_EQ(d.attempts[0].detail, why);
    EXPECT_EQ(d.events.back().type, "rescued");

    EXPECT_FALSE(store().complete(completion_for(c, Outcome::sent, k_t0 + minutes(2))));
    EXPECT_EQ(get(id).status, Status::retrying);

    auto again = claim_one("new", k_t0 + minutes(2));
    EXPECT_EQ(again.notification.attempts, 2);
    EXPECT_FALSE(store().complete(completion_for(c, Outcome::sent, k_t0 + minutes(2))));
    EXPECT_TRUE(store().complete(completion_for(again, Outcome::sent, k_t0 + minutes(2))));
}

TEST_F(SqliteJobStoreTest, RescueWithACurrentOwnerTakesBackEveryOtherOwnersRows) {
    enqueue_one();
    enqueue_one();
    auto theirs = claim_one("previous-instance");
    auto mine = claim_one("current");
    EXPECT_EQ(store().rescue(k_t0, std::string("current")), 1);
    EXPECT_EQ(get(theirs.notification.id).status, Status::retrying);
    EXPECT_EQ(get(mine.notification.id).status, Status::sending);
}

// ---- expire -----------------------------------------------------------------------------

TEST_F(SqliteJobStoreTest, ExpireSuppressesRowsPastTheirTtl) {
    auto ttl = [](TimePoint at) {
        auto n = row();
        n.expires_at = at;
        return n;
    };
    auto expired = enqueue_one(ttl(k_t0 + minutes(1)));
    auto fresh = enqueue_one(ttl(k_t0 + minutes(2)));
    auto forever = enqueue_one();
    EXPECT_EQ(store().expire(k_t0 + seconds(59)), 0);
    EXPECT_EQ(store().expire(k_t0 + minutes(1)), 1);
    auto d = detail(expired);
    EXPECT_EQ(d.notification.status, Status::suppressed);
    EXPECT_EQ(d.notification.last_error, "expired: not sent before its TTL ran out");
    EXPECT_EQ(d.notification.updated_at, k_t0 + minutes(1));
    EXPECT_EQ(d.events.back().type, "suppressed");
    EXPECT_EQ(d.events.back().detail, "expired: not sent before its TTL ran out");
    EXPECT_EQ(get(fresh).status, Status::queued);
    EXPECT_EQ(get(forever).status, Status::queued);
    EXPECT_EQ(store().expire(k_t0 + minutes(1)), 0);
}

TEST_F(SqliteJobStoreTest, ExpireLeavesSendingAndHeldRowsAlone) {
    auto n = row();
    n.expires_at = k_t0 + minutes(1);
    auto sending = enqueue_one(n);
    claim_one();
    auto held = enqueue_one(n);
    ASSERT_FALSE(store().apply(Verb::hold, {held}, k_t0).changed.empty());
    EXPECT_EQ(store().expire(k_t0 + hours(1)), 0);
    EXPECT_EQ(get(sending).status, Status::sending);
    EXPECT_EQ(get(held).status, Status::held);
}

// ---- operator verbs ---------------------------------------------------------------------

struct VerbCase {
    Verb verb;
    Status from;
    std::optional<Status> to; // nullopt: refused
};

TEST_F(SqliteJobStoreTest, VerbsAllowAndRefuseByStatus) {
    const std::vector<VerbCase> cases = {
        {Verb::cancel, Status::scheduled, Status::cancelled},
        {Verb::cancel, Status::queued, Status::cancelled},
        {Verb::cancel, Status::retrying, Status::cancelled},
        {Verb::cancel, Status::held, Status::cancelled},
        {Verb::cancel, Status::sending, std::nullopt},
        {Verb::cancel, Status::sent, std::nullopt},
        {Verb::cancel, Status::dead, std::nullopt},
        {Verb::cancel, Status::cancelled, std::nullopt},
        {Verb::cancel, Status::suppressed, std::nullopt},
        {Verb::hold, Status::scheduled, Status::held},
        {Verb::hold, Status::queued, Status::held},
        {Verb::hold, Status::retrying, Status::held},
        {Verb::hold, Status::held, std::nullopt},
        {Verb::hold, Status::sending, std::nullopt},
        {Verb::hold, Status::sent, std::nullopt},
        {Verb::release, Status::held, Status::queued},
        {Verb::release, Status::queued, std::nullopt},
        {Verb::release, Status::dead, std::nullopt},
        {Verb::retry, Status::dead, Status::queued},
        {Verb::retry, Status::cancelled, Status::queued},
        {Verb::retry, Status::suppressed, Status::queued},
        {Verb::retry, Status::retrying, Status::queued},
        {Verb::retry, Status::scheduled, Status::queued},
        {Verb::retry, Status::sent, std::nullopt},
        {Verb::retry, Status::sending, std::nullopt},
        {Verb::retry, Status::held, std::nullopt},
    };
    for (const auto& c : cases) {
        auto id = row_in(c.from);
        ASSERT_EQ(get(id).status, c.from) << "setup of " << model::to_string(c.from);
        auto before = detail(id).events.size();
        auto result = store().apply(c.verb, {id}, k_t0);
        std::string what = "verb " + std::to_string(static_cast<int>(c.verb)) + " on " +
                           std::string(model::to_string(c.from));
        EXPECT_TRUE(result.missing.empty()) << what;
        if (c.to) {
            EXPECT_THAT(result.changed, ElementsAre(id)) << what;
            EXPECT_TRUE(result.refused.empty()) << what;
            EXPECT_EQ(get(id).status, *c.to) << what;
            EXPECT_EQ(detail(id).events.size(), before + 1) << what;
        } else {
            EXPECT_TRUE(result.changed.empty()) << what;
            EXPECT_EQ(result.refused.size(), 1u) << what;
            EXPECT_EQ(get(id).status, c.from) << what;
            EXPECT_EQ(detail(id).events.size(), before) << what;
        }
    }
}

TEST_F(SqliteJobStoreTest, VerbRefusalMessagesArePinned) {
    auto sent = row_in(Status::sent);
    auto held = row_in(Status::held);
    auto queued = row_in(Status::queued);
    auto dead = row_in(Status::dead);
    auto s = std::to_string(sent);
    EXPECT_THAT(store().apply(Verb::cancel, {sent}, k_t0).refused,
                ElementsAre(s + " is sent; cancel applies to scheduled, queued, retrying or "
                                "held notifications"));
    EXPECT_THAT(store().apply(Verb::hold, {sent}, k_t0).refused,
                ElementsAre(s + " is sent; hold applies to scheduled, queued or retrying "
                                "notifications"));
    EXPECT_THAT(
        store().apply(Verb::release, {queued}, k_t0).refused,
        ElementsAre(std::to_string(queued) + " is queued; release applies to held notifications"));
    EXPECT_THAT(store().apply(Verb::retry, {held}, k_t0).refused,
                ElementsAre(std::to_string(held) +
                            " is held; retry applies to scheduled, queued, retrying, dead, "
                            "cancelled or suppressed notifications (use release)"));
    EXPECT_THAT(store().apply(Verb::retry, {sent}, k_t0).refused,
                ElementsAre(s + " is sent; retry applies to scheduled, queued, retrying, dead, "
                                "cancelled or suppressed notifications"));
    EXPECT_TRUE(store().apply(Verb::retry, {dead}, k_t0).refused.empty());
}

TEST_F(SqliteJobStoreTest, ReleaseRestoresScheduledQueuedOrRetrying) {
    auto later = enqueue_one(row(k_t0 + hours(1)));
    auto retrying = row_in(Status::retrying);
    ASSERT_EQ(store().apply(Verb::hold, {later, retrying}, k_t0).changed.size(), 2u);
    ASSERT_EQ(store().apply(Verb::release, {later, retrying}, k_t0).changed.size(), 2u);
    EXPECT_EQ(get(later).status, Status::scheduled);
    EXPECT_EQ(get(later).due_at, k_t0 + hours(1));
    EXPECT_EQ(get(retrying).status, Status::retrying);
    EXPECT_EQ(detail(later).events.back().type, "released");
}

TEST_F(SqliteJobStoreTest, RetryMakesATerminalRowDueNowWithoutItsTtl) {
    auto n = row();
    n.expires_at = k_t0;
    auto id = enqueue_one(n);
    ASSERT_EQ(store().expire(k_t0), 1);
    auto later = k_t0 + hours(3);
    ASSERT_THAT(store().apply(Verb::retry, {id}, later).changed, ElementsAre(id));
    auto got = get(id, later);
    EXPECT_EQ(got.status, Status::queued);
    EXPECT_EQ(got.due_at, later);
    EXPECT_EQ(got.expires_at, std::nullopt);
    EXPECT_EQ(detail(id, later).events.back().detail, "operator asked for an attempt now");
    EXPECT_EQ(store().claim("me", 10, minutes(5), later).size(), 1u);
}

TEST_F(SqliteJobStoreTest, VerbWithAMissingIdChangesNothing) {
    auto a = enqueue_one();
    auto b = enqueue_one();
    auto result = store().apply(Verb::cancel, {a, 999, b}, k_t0);
    EXPECT_TRUE(result.changed.empty());
    EXPECT_THAT(result.missing, ElementsAre(999));
    EXPECT_EQ(get(a).status, Status::queued);
    EXPECT_EQ(get(b).status, Status::queued);
    EXPECT_EQ(detail(a).events.size(), 1u);
}

TEST_F(SqliteJobStoreTest, VerbWithOneRefusedIdChangesNothing) {
    auto a = enqueue_one();
    auto sent = row_in(Status::sent);
    auto result = store().apply(Verb::cancel, {a, sent}, k_t0);
    EXPECT_TRUE(result.changed.empty());
    EXPECT_EQ(result.refused.size(), 1u);
    EXPECT_EQ(get(a).status, Status::queued);
}

TEST_F(SqliteJobStoreTest, VerbWithADuplicateIdActsOnce) {
    auto a = enqueue_one();
    auto result = store().apply(Verb::cancel, {a, a}, k_t0);
    EXPECT_THAT(result.changed, ElementsAre(a));
    EXPECT_EQ(get(a).status, Status::cancelled);
    EXPECT_THAT(event_types(detail(a)), ElementsAre("created", "cancelled"));
}

// Regression: a missing (or refused) id given twice is reported twice, although the same id twice
// "acts once": apply() only skips ids already accepted into its work list. Repro:
// apply(Verb::cancel, {999, 999}, now).missing == {999, 999}; likewise a sent id given
// twice yields two identical `refused` lines, so `notify cancel 7 7` prints the error twice.
TEST_F(SqliteJobStoreTest, VerbWithADuplicateMissingOrRefusedIdReportsItOnce) {
    EXPECT_THAT(store().apply(Verb::cancel, {999, 999}, k_t0).missing, ElementsAre(999));
    auto sent = row_in(Status::sent);
    EXPECT_EQ(store().apply(Verb::cancel, {sent, sent}, k_t0).refused.size(), 1u);
}

// ---- attachments ------------------------------------------------------------------------

NewNotification with_files(NewNotification n = row()) {
    std::string binary("%PDF\0\xff\x01", 7);
    n.attachments = {{"report.pdf", "application/pdf", 7, binary, true},
                     {"notes.txt", "text/plain", 0, std::string(), true}};
    return n;
}

TEST_F(SqliteJobStoreTest, AttachmentsAreStoredWithTheirBytesInOrder) {
    auto id = enqueue_one(with_files());
    auto files = store().attachments(id);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].filename, "report.pdf");
    EXPECT_EQ(files[0].content_type, "application/pdf");
    EXPECT_EQ(files[0].size, 7);
    EXPECT_EQ(files[0].bytes, std::string("%PDF\0\xff\x01", 7));
    EXPECT_TRUE(files[0].stored);
    EXPECT_EQ(files[1].bytes, std::string()); // empty, not dropped
    auto d = detail(id);
    ASSERT_EQ(d.attachments.size(), 2u);
    EXPECT_EQ(d.attachments[0].filename, "report.pdf");
    EXPECT_EQ(d.attachments[0].size, 7);
    EXPECT_EQ(d.attachments[0].bytes, std::nullopt); // show never loads the bytes
    EXPECT_TRUE(d.attachments[0].stored);
    EXPECT_TRUE(store().attachments(enqueue_one()).empty());
}

TEST_F(SqliteJobStoreTest, SentDropsAttachmentBytesAndKeepsNameTypeAndSize) {
    auto id = enqueue_one(with_files());
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0)));
    auto files = store().attachments(id);
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].filename, "report.pdf");
    EXPECT_EQ(files[0].size, 7);
    EXPECT_EQ(files[0].bytes, std::nullopt);
    EXPECT_FALSE(files[0].stored);
    EXPECT_FALSE(detail(id).attachments[1].stored);
    RawDb raw(path());
    EXPECT_EQ(raw.number("SELECT count(*) FROM attachments WHERE content IS NOT NULL"), 0);
}

TEST_F(SqliteJobStoreTest, FailedAttemptsKeepAttachmentBytes) {
    auto id = enqueue_one(with_files());
    ASSERT_TRUE(store().complete(completion_for(claim_one(), Outcome::retry, k_t0)));
    EXPECT_EQ(store().attachments(id)[0].bytes, std::string("%PDF\0\xff\x01", 7));
    ASSERT_TRUE(store().complete(
        completion_for(claim_one("me", k_t0 + minutes(2)), Outcome::dead, k_t0 + minutes(2))));
    EXPECT_TRUE(store().attachments(id)[0].stored); // `notify retry` may send it again
}

TEST_F(SqliteJobStoreTest, DuplicateEventIdStoresNoAttachments) {
    ASSERT_FALSE(store().enqueue(request_of({with_files()}, "once"), k_t0).duplicate);
    ASSERT_TRUE(store().enqueue(request_of({with_files()}, "once"), k_t0).duplicate);
    RawDb raw(path());
    EXPECT_EQ(raw.number("SELECT count(*) FROM attachments"), 2);
}

TEST_F(SqliteJobStoreTest, PurgeDeletesAttachments) {
    auto id = enqueue_one(with_files());
    ASSERT_TRUE(store().complete(completion_for(claim_one(), Outcome::sent, k_t0)));
    EXPECT_EQ(store().purge(k_t0 + seconds(1), std::nullopt), 1);
    EXPECT_TRUE(store().attachments(id).empty());
    RawDb raw(path());
    EXPECT_EQ(raw.number("SELECT count(*) FROM attachments"), 0);
}

// ---- purge ------------------------------------------------------------------------------

TEST_F(SqliteJobStoreTest, PurgeDeletesOldTerminalRowsWithTheirHistory) {
    auto sent = row_in(Status::sent);
    auto dead = row_in(Status::dead);
    auto cancelled = row_in(Status::cancelled);
    auto suppressed = row_in(Status::suppressed);
    auto queued = row_in(Status::queued);
    auto retrying = row_in(Status::retrying);
    auto held = row_in(Status::held);
    {
        RawDb raw(path());
        ASSERT_GT(raw.number("SELECT count(*) FROM attempts WHERE notification_id = " +
                             std::to_string(sent)),
                  0);
    }
    // Nothing was last updated before k_t0.
    EXPECT_EQ(store().purge(k_t0, std::nullopt), 0);
    EXPECT_EQ(store().purge(k_t0 + seconds(1), std::nullopt), 4);
    for (auto id : {sent, dead, cancelled, suppressed}) {
        EXPECT_EQ(store().find(id, k_t0), std::nullopt) << id;
    }
    for (auto id : {queued, retrying, held}) {
        EXPECT_NE(store().find(id, k_t0), std::nullopt) << id;
    }
    RawDb raw(path());
    EXPECT_EQ(raw.number("SELECT count(*) FROM attempts WHERE notification_id NOT IN (SELECT id "
                         "FROM notifications)"),
              0);
    EXPECT_EQ(raw.number("SELECT count(*) FROM events WHERE notification_id NOT IN (SELECT id "
                         "FROM notifications)"),
              0);
    // queued: created; retrying: created, claimed, failed, retried; held: created, held.
    EXPECT_EQ(raw.number("SELECT count(*) FROM events"), 1 + 4 + 2);
}

TEST_F(SqliteJobStoreTest, PurgeByStatusDeletesOnlyThatStatus) {
    auto sent = row_in(Status::sent);
    auto dead = row_in(Status::dead);
    EXPECT_EQ(store().purge(k_t0 + seconds(1), Status::dead), 1);
    EXPECT_EQ(store().find(dead, k_t0), std::nullopt);
    EXPECT_NE(store().find(sent, k_t0), std::nullopt);
}

TEST_F(SqliteJobStoreTest, PurgeGoesByLastUpdateNotCreation) {
    auto id = enqueue_one();
    auto c = claim_one("me", k_t0 + hours(2));
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0 + hours(2))));
    EXPECT_EQ(store().purge(k_t0 + hours(1), std::nullopt), 0);
    EXPECT_EQ(store().purge(k_t0 + hours(3), std::nullopt), 1);
    EXPECT_EQ(store().find(id, k_t0), std::nullopt);
}

// ---- stats and wake-up ------------------------------------------------------------------

TEST_F(SqliteJobStoreTest, StatsOfAnEmptyStore) {
    Stats s = store().stats(k_t0);
    EXPECT_EQ(s.total, 0);
    EXPECT_EQ(s.due_now, 0);
    EXPECT_EQ(s.oldest_due_age, std::nullopt);
    EXPECT_TRUE(s.by_status.empty());
}

TEST_F(SqliteJobStoreTest, StatsCountsByStatusAndChannel) {
    enqueue_one(row(k_t0 - minutes(10)));                            // queued, due 10 min ago
    enqueue_one(row(k_t0 + hours(1)));                               // scheduled
    enqueue_one(row(k_t0, Priority::normal, "sms", "+14155550123")); // queued
    row_in(Status::held);
    Stats s = store().stats(k_t0);
    EXPECT_EQ(s.total, 4);
    EXPECT_EQ(s.by_status[Status::queued], 2);
    EXPECT_EQ(s.by_status[Status::scheduled], 1);
    EXPECT_EQ(s.by_status[Status::held], 1);
    EXPECT_EQ(s.by_channel["email"][Status::queued], 1);
    EXPECT_EQ(s.by_channel["email"][Status::scheduled], 1);
    EXPECT_EQ(s.by_channel["sms"][Status::queued], 1);
    EXPECT_EQ(s.due_now, 2);
    EXPECT_EQ(s.oldest_due_age, minutes(10));

    Stats later = store().stats(k_t0 + hours(1));
    EXPECT_EQ(later.by_status[Status::queued], 3);
    EXPECT_EQ(later.by_status.count(Status::scheduled), 0u);
    EXPECT_EQ(later.due_now, 3);
    EXPECT_EQ(later.oldest_due_age, hours(1) + minutes(10));
}

// The dispatcher's lane for channels without a route claims "every channel but these".
TEST_F(SqliteJobStoreTest, ClaimExcludingChannelsTakesOnlyTheOthersInPriorityOrder) {
    enqueue_one(row(k_t0 - minutes(5))); // email
    auto pager = enqueue_one(row(k_t0 - minutes(2), Priority::normal, "pager", "ops"));
    auto fax = enqueue_one(row(k_t0 - minutes(1), Priority::high, "fax", "+14155550123"));
    enqueue_one(row(k_t0 + hours(1), Priority::normal, "telex", "ops")); // not due yet
    ClaimFilter unrouted;
    unrouted.exclude_channels = {"email", "sms"};
    unrouted.high_only = true;
    auto high = store().claim("me", 10, minutes(5), k_t0, unrouted);
    ASSERT_EQ(high.size(), 1u);
    EXPECT_EQ(high[0].notification.id, fax);
    unrouted.high_only = false;
    auto rest = store().claim("me", 10, minutes(5), k_t0, unrouted);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].notification.id, pager);
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0, unrouted).empty());
    EXPECT_EQ(store().claim("me", 10, minutes(5), k_t0 + hours(1), unrouted).size(), 1u);
    unrouted.exclude_channels.push_back("telex");
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0 + hours(2), unrouted).empty());
}

TEST_F(SqliteJobStoreTest, ClaimWithoutAChannelOrdersAcrossEveryChannel) {
    auto email = enqueue_one(row(k_t0 - minutes(5)));
    auto pager_low = enqueue_one(row(k_t0 - minutes(30), Priority::low, "pager", "ops"));
    auto sms_high = enqueue_one(row(k_t0, Priority::high, "sms", "+14155550123"));
    auto fax = enqueue_one(row(k_t0 - minutes(10), Priority::normal, "fax", "+14155550124"));
    std::vector<std::int64_t> order;
    for (int i = 0; i < 5; ++i) {
        for (auto id : ids_of(store().claim("me", 1, minutes(5), k_t0))) {
            order.push_back(id);
        }
    }
    EXPECT_THAT(order, ElementsAre(sms_high, fax, email, pager_low));
}

TEST_F(SqliteJobStoreTest, NextWakeupLooksAtEveryChannelAndPriority) {
    enqueue_one(row(k_t0 + hours(3)));
    enqueue_one(row(k_t0 + hours(2), Priority::low, "sms", "+14155550123"));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(2));
    enqueue_one(row(k_t0 + hours(1), Priority::high, "webhook", "https://hooks.example.com/in"));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(1));
    auto claimed = store().claim("me", 10, minutes(5), k_t0 + hours(1));
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(1) + minutes(5)) << "the lease runs out first";
}

// stats() reads status_counts, kept by triggers; this counts the rows themselves.
std::map<std::string, long long> counted_by_status_and_channel(RawDb& raw, TimePoint now) {
    std::map<std::string, long long> out;
    for (const char* status : {"scheduled", "queued", "sending", "retrying", "sent", "dead",
                               "cancelled", "held", "suppressed"}) {
        for (const char* channel : {"email", "sms"}) {
            const std::string ms = std::to_string(to_unix_ms(now));
            long long n = raw.number(
                std::string("SELECT count(*) FROM notifications WHERE channel = '") + channel +
                "' AND (CASE WHEN status IN ('scheduled', 'queued') THEN CASE WHEN due_at > " + ms +
                " THEN 'scheduled' ELSE 'queued' END ELSE status END) = '" + status + "'");
            if (n > 0) {
                out[std::string(status) + "/" + channel] = n;
            }
        }
    }
    return out;
}

std::map<std::string, long long> reported_by_status_and_channel(const Stats& s) {
    std::map<std::string, long long> out;
    for (const auto& [channel, counts] : s.by_channel) {
        for (const auto& [status, n] : counts) {
            if (n > 0) {
                out[std::string(model::to_string(status)) + "/" + channel] = n;
            }
        }
    }
    return out;
}

TEST_F(SqliteJobStoreTest, StatusCountsFollowEveryKindOfChange) {
    RawDb raw(path());
    auto check = [&](const char* step, TimePoint now = k_t0) {
        Stats s = store().stats(now);
        EXPECT_EQ(reported_by_status_and_channel(s), counted_by_status_and_channel(raw, now))
            << step;
        EXPECT_EQ(s.total, raw.number("SELECT count(*) FROM notifications")) << step;
    };
    for (Status status :
         {Status::scheduled, Status::queued, Status::held, Status::cancelled, Status::suppressed,
          Status::sending, Status::retrying, Status::sent, Status::dead}) {
        row_in(status);
    }
    enqueue_one(row(k_t0, Priority::normal, "sms", "+14155550123"));
    enqueue_one(row(k_t0 + hours(2), Priority::low, "sms", "+14155550124"));
    check("after enqueue and every verb");
    check("an hour later: scheduled rows are due", k_t0 + hours(1) + minutes(1));
    auto c = store().claim("me", 10, minutes(5), k_t0);
    check("after a claim");
    std::vector<Completion> done;
    for (const Claim& claim : c) {
        done.push_back(completion_for(claim, Outcome::sent, k_t0));
    }
    store().complete_all(done);
    check("after completions");
    store().purge(k_t0 + hours(1), std::nullopt);
    check("after purge");
    // Another program's edits go through the triggers too.
    ASSERT_EQ(raw.exec("UPDATE notifications SET channel = 'sms' WHERE channel = 'email' AND "
                       "status = 'scheduled'"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("UPDATE notifications SET status = 'held', channel = 'email' WHERE "
                       "status = 'queued' OR status = 'scheduled'"),
              SQLITE_OK);
    ASSERT_EQ(raw.exec("DELETE FROM notifications WHERE status = 'held'"), SQLITE_OK);
    check("after raw updates and deletes");
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

TEST_F(SqliteJobStoreTest, QueueShapeCountsDueAndSendingRowsByAge) {
    enqueue_one(row(k_t0 - minutes(30))); // due 30 min ago
    enqueue_one(row(k_t0 - seconds(10))); // due 10 s ago
    enqueue_one(row(k_t0 + hours(1)));    // not due: not waiting
    enqueue_one(row(k_t0 - hours(3), Priority::high, "sms", "+14155550123")); // being sent
    claim_one();
    Stats s = store().stats(k_t0);
    EXPECT_EQ(s.due_now, 2);
    EXPECT_EQ(s.oldest_due_age, minutes(30));
    const auto& edges = age_bucket_edges();
    auto bucket_of = [&](Millis age) {
        return static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), age) -
                                        edges.begin());
    };
    ASSERT_EQ(s.waiting_by_age.count("email"), 1u);
    ASSERT_EQ(s.waiting_by_age.count("sms"), 1u);
    std::vector<std::int64_t> email(edges.size() + 1, 0);
    email[bucket_of(minutes(30))] += 1;
    email[bucket_of(seconds(10))] += 1;
    std::vector<std::int64_t> sms(edges.size() + 1, 0);
    sms[bucket_of(hours(3))] = 1;
    EXPECT_EQ(s.waiting_by_age["email"], email);
    EXPECT_EQ(s.waiting_by_age["sms"], sms);
}

// Regression: stats() leaves its second statement ("SELECT count(*), min(due_at) ...") stepped but
// not reset, so the connection keeps an implicit read transaction on the old WAL snapshot
// after stats() returns: later reads on that connection miss rows other connections commit,
// and its next write fails at once with Error{tempfail} "is locked by another process"
// (SQLITE_BUSY_SNAPSHOT) although nothing holds a lock. Repro: a = open(db); b = open(db);
// a->stats(now); b->enqueue(one row); a->list({}, now) misses b's row and
// a->claim("a", 10, 1s, now) throws tempfail.
TEST_F(SqliteJobStoreTest, StatsDoesNotPinAStaleSnapshot) {
    enqueue_one();
    auto other = open_store(path());
    store().stats(k_t0);
    other->enqueue(request_of({row()}), k_t0);
    EXPECT_EQ(store().list({}, k_t0).size(), 2u);
    EXPECT_EQ(store().stats(k_t0).total, 2);
    EXPECT_NO_THROW(store().claim("me", 10, minutes(5), k_t0));
}

TEST_F(SqliteJobStoreTest, NextWakeupIsTheEarliestDueAtOrLeaseExpiry) {
    EXPECT_EQ(store().next_wakeup(), std::nullopt);
    enqueue_one(row(k_t0 + hours(2), Priority::low));
    enqueue_one(row(k_t0 + hours(1), Priority::high));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(1));
    enqueue_one(row(k_t0 + minutes(30)));
    EXPECT_EQ(store().next_wakeup(), k_t0 + minutes(30));
    auto held = enqueue_one(row(k_t0 + minutes(1)));
    ASSERT_FALSE(store().apply(Verb::hold, {held}, k_t0).changed.empty());
    EXPECT_EQ(store().next_wakeup(), k_t0 + minutes(30)); // held rows do not wake anyone
    enqueue_one(row(k_t0 - hours(1)));
    claim_one("me", k_t0, minutes(5)); // the overdue row, leased until k_t0 + 5 min
    EXPECT_EQ(store().next_wakeup(), k_t0 + minutes(5));
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

// Digests: the claim of a user's group and the merge transaction.
NewNotification digest_item(std::string to = "ann@example.com", std::string category = "orders",
                            std::string channel = "email") {
    NewNotification n = row(k_t0, Priority::normal, std::move(channel), std::move(to));
    n.user = "u1";
    n.category = std::move(category);
    return n;
}

TEST_F(SqliteJobStoreTest, ClaimDigestItemsTakesTheDueRowsOfOneGroupOnly) {
    auto a = enqueue_one(digest_item());
    auto b = enqueue_one(digest_item());
    enqueue_one(digest_item("bob@example.com"));             // other address
    enqueue_one(digest_item("ann@example.com", "security")); // other category
    enqueue_one(digest_item("+15550100", "orders", "sms"));  // other channel
    auto later = digest_item();
    later.due_at = k_t0 + hours(1);
    enqueue_one(later); // not due
    auto made = store().enqueue(request_of({digest_item()}, "digest:u1:email:orders:x"), k_t0);
    DigestKey key{"u1", "email", "orders", "ann@example.com"};
    auto claims = store().claim_digest_items("me", minutes(5), k_t0, key);
    std::vector<std::int64_t> ids;
    for (const auto& c : claims) {
        ids.push_back(c.notification.id);
        EXPECT_EQ(c.notification.status, Status::sending);
        EXPECT_EQ(c.notification.attempts, 1);
    }
    EXPECT_THAT(ids, ElementsAre(a, b));
    EXPECT_EQ(get(made.ids.front()).status, Status::queued); // a digest is never an item
    EXPECT_TRUE(store().claim_digest_items("other", minutes(5), k_t0, key).empty());
}

TEST_F(SqliteJobStoreTest, MergeDigestInsertsTheDigestAndSuppressesEveryItem) {
    enqueue_one(digest_item());
    enqueue_one(digest_item());
    auto claims = store().claim_digest_items("me", minutes(5), k_t0,
                                             {"u1", "email", "orders", "ann@example.com"});
    ASSERT_EQ(claims.size(), 2u);
    DigestMerge merge;
    merge.digest = digest_item();
    merge.digest.subject = "2 updates";
    merge.event_id = "digest:u1:email:orders:2025-06-15T12:00:00Z";
    merge.now = k_t0;
    for (const auto& c : claims) {
        merge.items.push_back(completion_for(c, Outcome::suppressed, k_t0));
    }
    DigestResult result = store().merge_digest(merge);
    ASSERT_TRUE(result.id.has_value());
    EXPECT_TRUE(result.fenced.empty());
    auto digest = get(*result.id);
    EXPECT_EQ(digest.status, Status::queued);
    EXPECT_EQ(digest.event_id, merge.event_id);
    EXPECT_EQ(digest.subject, "2 updates");
    for (const auto& c : claims) {
        auto d = detail(c.notification.id);
        EXPECT_EQ(d.notification.status, Status::suppressed);
        EXPECT_EQ(d.notification.last_error, "merged into digest " + std::to_string(*result.id));
        EXPECT_EQ(d.events.back().type, "suppressed");
    }
}

TEST_F(SqliteJobStoreTest, MergeDigestIsFencedAndWritesNothingWhenAnItemIsNoLongerOurs) {
    enqueue_one(digest_item());
    auto kept = enqueue_one(digest_item());
    auto claims = store().claim_digest_items("me", minutes(5), k_t0,
                                             {"u1", "email", "orders", "ann@example.com"});
    ASSERT_EQ(claims.size(), 2u);
    // The first item's lease expires and another dispatcher rescues it.
    ASSERT_EQ(store().rescue(k_t0 + minutes(10), std::nullopt), 2);
    auto again = claim_one("other", k_t0 + minutes(10));
    DigestMerge merge;
    merge.digest = digest_item();
    merge.event_id = "digest:u1:email:orders:x";
    merge.now = k_t0;
    for (const auto& c : claims) {
        merge.items.push_back(completion_for(c, Outcome::suppressed, k_t0));
    }
    auto before = store().list({}, k_t0).size();
    DigestResult result = store().merge_digest(merge);
    EXPECT_FALSE(result.id.has_value());
    EXPECT_EQ(result.fenced.size(), 2u);
    EXPECT_EQ(store().list({}, k_t0).size(), before); // no digest row
    EXPECT_EQ(get(again.notification.id).status, Status::sending);
    EXPECT_EQ(get(kept).status, again.notification.id == kept ? Status::sending : Status::retrying);
}

TEST_F(SqliteJobStoreTest, NoteIsAppendedToTheCreatedEvent) {
    auto n = digest_item();
    n.note = "digest of category orders on email";
    auto id = enqueue_one(n);
    EXPECT_THAT(detail(id).events.front().detail,
                HasSubstr("(digest of category orders on email)"));
}

} // namespace
} // namespace notify::store
