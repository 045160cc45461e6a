// Unit tests of common/store/postgres/ against a real PostgreSQL (the CTest fixture pg): what only
// a store shared by several hosts has. Instances and the rescue of silent ones, several stores
// claiming, firing, enqueueing and taking tokens at once, the LISTEN/NOTIFY wake-up, foreign and
// newer databases, the server clock, and lost connections. The JobStore contract both backends
// keep is test_store_job_store_contract.cpp.
#include <algorithm>
#include <barrier>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "tests/support/pg_test_database.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {
namespace {

using model::Status;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::StartsWith;

// 2025-06-15T12:00:00Z.
const TimePoint k_t0 = from_unix_ms(1'749'988'800'000);

TimePoint wall_now() {
    return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

NewNotification row(TimePoint due = k_t0) {
    NewNotification n;
    n.channel = "email";
    n.to = "ann@example.com";
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

Completion sent(const Claim& c) {
    Completion done;
    done.id = c.notification.id;
    done.owner = c.owner;
    done.attempt = c.notification.attempts;
    done.provider = "file";
    done.attempt_class = "sent";
    done.detail = "appended";
    done.started_at = k_t0;
    done.finished_at = k_t0;
    return done;
}

// The warnings a store passes to PostgresOptions::warn, from any thread.
class Warnings {
  public:
    std::function<void(const std::string&)> sink() {
        return [this](const std::string& line) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_lines.push_back(line);
        };
    }
    bool any_containing(const std::string& text) const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return std::any_of(m_lines.begin(), m_lines.end(), [&](const std::string& line) {
            return line.find(text) != std::string::npos;
        });
    }
    std::string all() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::string out;
        for (const auto& line : m_lines) {
            out += line + "\n";
        }
        return out;
    }

  private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_lines;
};

// A PostgreSQL database of its own; stores are opened by the tests.
class PostgresJobStoreTest : public testing::Test {
  protected:
    void SetUp() override {
        std::optional<std::string> base;
        try {
            base = test::PgTestDatabase::base_url();
        } catch (const std::exception& e) {
            FAIL() << e.what();
        }
        if (!base) {
            GTEST_SKIP() << test::PgTestDatabase::k_skip_reason;
        }
        try {
            m_db = std::make_unique<test::PgTestDatabase>(*base);
            m_sql = std::make_unique<test::PgSession>(m_db->url());
        } catch (const std::exception& e) {
            FAIL() << e.what();
        }
    }

    const std::string& url() const { return m_db->url(); }

    PostgresOptions options(Millis instance_timeout = seconds(30)) {
        PostgresOptions o;
        o.url = url();
        o.instance_timeout = instance_timeout;
        o.warn = m_warnings.sink();
        return o;
    }

    std::unique_ptr<JobStore> open(Millis instance_timeout = seconds(30)) {
        return open_postgres_store(options(instance_timeout));
    }

    // The error opening a store on `o` throws (a test failure if it opens).
    static Error open_error(const PostgresOptions& o) {
        try {
            open_postgres_store(o);
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "opening " << o.url << " did not fail";
        return Error{Exit::ok, ""};
    }

    // A session of its own on the test database, for looking and meddling like another program.
    test::PgSession& sql() { return *m_sql; }

    // Terminates this database's backends named `application`; returns how many. Waits until
    // they are gone, so the next statement of their client finds the connection closed.
    long long terminate(const std::string& application) {
        const std::string which = "FROM pg_stat_activity WHERE application_name = '" + application +
                                  "' AND datname = current_database()";
        const long long killed = sql().number(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS t " + which + ") s WHERE t");
        const auto deadline = std::chrono::steady_clock::now() + seconds(10);
        while (sql().number("SELECT count(*) " + which) > 0 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(milliseconds(20));
        }
        return killed;
    }

    Warnings m_warnings;
    std::unique_ptr<test::PgTestDatabase> m_db;
    std::unique_ptr<test::PgSession> m_sql;
};

// ---- a shared store ---------------------------------------------------------------------

TEST_F(PostgresJobStoreTest, IsSharedAndDescribedByItsUrl) {
    auto s = open();
    EXPECT_TRUE(s->shared());
    EXPECT_EQ(s->describe(), url());
    EXPECT_TRUE(s->open_due_signal()) << "a shared store wakes its dispatchers itself";
}

TEST_F(PostgresJobStoreTest, ReopeningKeepsTheRowsAndTheSchema) {
    std::int64_t id = 0;
    std::string version;
    {
        auto s = open();
        id = s->enqueue(request_of({row()}), k_t0).ids.at(0);
        version = sql().text("SELECT value FROM notify_meta WHERE key = 'schema_version'");
    }
    const std::string tables = sql().text(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname "
        "= current_schema()");
    for (int i = 0; i < 2; ++i) {
        auto s = open();
        auto found = s->find(id, k_t0);
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->notification.to, "ann@example.com");
    }
    EXPECT_EQ(sql().text("SELECT value FROM notify_meta WHERE key = 'schema_version'"), version);
    EXPECT_EQ(sql().text("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
                         "WHERE schemaname = current_schema()"),
              tables);
    EXPECT_THAT(tables, HasSubstr("notifications"));
}

TEST_F(PostgresJobStoreTest, HeartbeatsRegisterInstancesOldestFirstAndLeaveUnregisters) {
    auto s = open();
    EXPECT_TRUE(s->instances().empty());
    const TimePoint before = wall_now();
    s->heartbeat("host-a:1", k_t0);
    std::this_thread::sleep_for(milliseconds(20));
    s->heartbeat("host-b:2", k_t0);
    auto list = s->instances();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].owner, "host-a:1");
    EXPECT_EQ(list[1].owner, "host-b:2");
    EXPECT_LT(list[0].started_at, list[1].started_at);
    // The server's clock, not the `now` passed in: on one host that is this host's clock.
    EXPECT_GE(list[0].seen_at, before - seconds(2));
    EXPECT_LE(list[1].seen_at, wall_now() + seconds(2));
    EXPECT_EQ(list[0].sending, 0);

    // A claim is a heartbeat too, and instances() counts what each owner is sending.
    s->enqueue(request_of({row(), row(), row()}), k_t0);
    ASSERT_EQ(s->claim("host-b:2", 2, minutes(5), k_t0).size(), 2u);
    ASSERT_EQ(s->claim("host-c:3", 5, minutes(5), k_t0).size(), 1u);
    list = s->instances();
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[1].sending, 2);
    EXPECT_EQ(list[2].owner, "host-c:3");
    EXPECT_EQ(list[2].sending, 1);

    const TimePoint first_start = list[0].started_at;
    const TimePoint first_seen = list[0].seen_at;
    std::this_thread::sleep_for(milliseconds(20));
    s->heartbeat("host-a:1", k_t0);
    list = s->instances();
    EXPECT_EQ(list[0].started_at, first_start) << "a heartbeat keeps the start";
    EXPECT_GT(list[0].seen_at, first_seen);

    s->leave("host-a:1");
    list = s->instances();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].owner, "host-b:2");
    s->leave("nobody"); // unknown: nothing to do
    EXPECT_EQ(s->instances().size(), 2u);
}

TEST_F(PostgresJobStoreTest, RescueTakesTheLeasesOfASilentInstanceButNotOfALiveOneNorItsOwn) {
    // Short, but long enough that a heartbeat a few round trips old is never taken for silence
    // on a loaded (sanitized, parallel) test machine.
    const Millis timeout = milliseconds(1000);
    auto dead = open(timeout);
    auto live = open(timeout);
    auto me = open(timeout);
    me->enqueue(request_of({row(), row(), row()}), k_t0);
    // Leases of 5 minutes from k_t0: none of them expires in this test.
    auto lost = dead->claim("dead", 1, minutes(5), k_t0);
    auto running = live->claim("live", 1, minutes(5), k_t0);
    auto mine = me->claim("me", 1, minutes(5), k_t0);
    ASSERT_EQ(lost.size(), 1u);
    ASSERT_EQ(running.size(), 1u);
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(me->rescue(k_t0, std::string("me")), 0) << "every owner heartbeated just now";

    std::this_thread::sleep_for(timeout + milliseconds(500));
    live->heartbeat("live", k_t0); // "me" stays silent too, but its own rows are its own
    EXPECT_EQ(me->rescue(k_t0, std::string("me")), 1);

    auto d = me->find(lost[0].notification.id, k_t0);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->notification.status, Status::retrying);
    EXPECT_EQ(d->notification.attempts, 1);
    EXPECT_EQ(d->notification.last_error,
              "attempt 1 by dead did not finish (lease expired or dispatcher gone)");
    ASSERT_FALSE(d->attempts.empty());
    EXPECT_EQ(d->attempts.back().outcome, "rescued");
    EXPECT_EQ(me->find(running[0].notification.id, k_t0)->notification.status, Status::sending);
    EXPECT_EQ(me->find(mine[0].notification.id, k_t0)->notification.status, Status::sending);

    // The silent instance comes back and finishes late: fenced out.
    EXPECT_FALSE(dead->complete(sent(lost[0])));
    EXPECT_TRUE(live->complete(sent(running[0])));
    EXPECT_TRUE(me->complete(sent(mine[0])));
    EXPECT_EQ(me->rescue(k_t0, std::string("me")), 0);
}

// ---- several stores at once -------------------------------------------------------------

TEST_F(PostgresJobStoreTest, TwoStoresClaimingAtOnceNeverTakeTheSameRowAndTogetherTakeAll) {
    constexpr int k_rows = 400;
    auto setup = open();
    ASSERT_EQ(
        setup->enqueue(request_of(std::vector<NewNotification>(k_rows, row())), k_t0).ids.size(),
        static_cast<std::size_t>(k_rows));
    constexpr int k_threads = 2;
    std::vector<std::unique_ptr<JobStore>> stores;
    for (int t = 0; t < k_threads; ++t) {
        stores.push_back(open());
    }
    std::vector<std::vector<std::int64_t>> claimed(k_threads);
    std::vector<std::string> errors(k_threads);
    std::barrier start(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            try {
                const std::string owner = "host-" + std::to_string(t);
                for (;;) {
                    // Leases are not completed: only SKIP LOCKED and the status keep them apart.
                    auto claims = stores[t]->claim(owner, 7, minutes(5), k_t0);
                    if (claims.empty()) {
                        break;
                    }
                    for (const auto& c : claims) {
                        claimed[t].push_back(c.notification.id);
                        if (c.owner != owner || c.notification.attempts != 1) {
                            errors[t] += "bad claim of " + std::to_string(c.notification.id);
                        }
                    }
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    std::multiset<std::int64_t> all;
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[t], "") << "thread " << t;
        EXPECT_FALSE(claimed[t].empty()) << "thread " << t << " claimed nothing";
        all.insert(claimed[t].begin(), claimed[t].end());
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(k_rows));
    EXPECT_EQ(std::set<std::int64_t>(all.begin(), all.end()).size(),
              static_cast<std::size_t>(k_rows))
        << "some row was claimed twice";
    ListFilter sending;
    sending.status = Status::sending;
    EXPECT_EQ(setup->list(sending, k_t0).size(), static_cast<std::size_t>(k_rows));
    EXPECT_EQ(sql().number("SELECT max(attempts) FROM notifications"), 1);
}

TEST_F(PostgresJobStoreTest, FiringTheSameSlotFromTwoStoresAtOnceEnqueuesItOnce) {
    auto a = open();
    auto b = open();
    Schedule daily;
    daily.name = "daily";
    daily.cron = "0 9 * * *";
    daily.tz = "UTC";
    daily.content_json = "{}";
    daily.created_at = k_t0;
    daily.updated_at = k_t0;
    daily.next_at = k_t0;
    ASSERT_TRUE(a->add_schedule(daily));
    constexpr int k_slots = 25;
    std::vector<std::vector<std::int64_t>> fired_a(k_slots);
    std::vector<std::vector<std::int64_t>> fired_b(k_slots);
    std::string error_a;
    std::string error_b;
    std::barrier each_slot(2);
    auto fire_all = [&](JobStore& s, std::vector<std::vector<std::int64_t>>& fired,
                        std::string& error) {
        for (int i = 0; i < k_slots; ++i) {
            each_slot.arrive_and_wait();
            try {
                const TimePoint slot = k_t0 + hours(24 * i);
                fired[static_cast<std::size_t>(i)] =
                    s.fire_schedule("daily", slot, {row(slot), row(slot)}, slot + hours(24), slot);
            } catch (const std::exception& e) {
                error += e.what();
            }
        }
    };
    std::thread ta([&] { fire_all(*a, fired_a, error_a); });
    std::thread tb([&] { fire_all(*b, fired_b, error_b); });
    ta.join();
    tb.join();
    EXPECT_EQ(error_a, "");
    EXPECT_EQ(error_b, "");
    for (std::size_t i = 0; i < k_slots; ++i) {
        const int fired = (fired_a[i].empty() ? 0 : 1) + (fired_b[i].empty() ? 0 : 1);
        EXPECT_EQ(fired, 1) << "slot " << i << " fired " << fired << " times";
        EXPECT_EQ(fired_a[i].size() + fired_b[i].size(), 2u) << "slot " << i;
    }
    EXPECT_EQ(a->list({}, k_t0).size(), 2u * k_slots);
    auto after = a->find_schedule("daily");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->last_slot, k_t0 + hours(24 * (k_slots - 1)));
    EXPECT_EQ(after->next_at, k_t0 + hours(24 * k_slots));
}

TEST_F(PostgresJobStoreTest, EnqueueingOneEventIdFromTwoStoresAtOnceCreatesOneSetOfRows) {
    auto a = open();
    auto b = open();
    constexpr int k_keys = 25;
    std::vector<EnqueueResult> got_a(k_keys);
    std::vector<EnqueueResult> got_b(k_keys);
    std::string error_a;
    std::string error_b;
    std::barrier each_key(2);
    auto enqueue_all = [&](JobStore& s, std::vector<EnqueueResult>& got, std::string& error) {
        for (int i = 0; i < k_keys; ++i) {
            each_key.arrive_and_wait();
            try {
                got[static_cast<std::size_t>(i)] =
                    s.enqueue(request_of({row(), row()}, "order-" + std::to_string(i)), k_t0);
            } catch (const std::exception& e) {
                error += e.what();
            }
        }
    };
    std::thread ta([&] { enqueue_all(*a, got_a, error_a); });
    std::thread tb([&] { enqueue_all(*b, got_b, error_b); });
    ta.join();
    tb.join();
    EXPECT_EQ(error_a, "");
    EXPECT_EQ(error_b, "");
    for (std::size_t i = 0; i < k_keys; ++i) {
        EXPECT_NE(got_a[i].duplicate, got_b[i].duplicate) << "key " << i;
        EXPECT_EQ(got_a[i].ids.size(), 2u) << "key " << i;
        EXPECT_EQ(got_a[i].ids, got_b[i].ids) << "the duplicate names the first one's rows";
    }
    EXPECT_EQ(a->list({}, k_t0).size(), 2u * k_keys);
    EXPECT_EQ(sql().number("SELECT count(DISTINCT event_id) FROM notifications"), k_keys);
}

TEST_F(PostgresJobStoreTest, TakingTokensFromTwoStoresAtOnceNeverOverGrantsABucket) {
    auto a = open();
    auto b = open();
    // No time passes (now is fixed), so nothing refills: the smaller bucket grants 6, and the
    // larger gives one token with each of those and none with a refusal.
    TokenRequest request;
    request.buckets = {{"sms", policy::RateLimit{10, hours(1)}},
                       {"sms:+14155550123", policy::RateLimit{6, hours(1)}}};
    constexpr int k_tries = 12;
    int granted_a = 0;
    int granted_b = 0;
    std::string error_a;
    std::string error_b;
    std::barrier each_try(2);
    auto take_all = [&](JobStore& s, int& granted, std::string& error) {
        for (int i = 0; i < k_tries; ++i) {
            each_try.arrive_and_wait();
            try {
                auto r = s.take_tokens({request}, k_t0);
                if (r.size() == 1 && !r[0].wait) {
                    ++granted;
                } else if (r.size() == 1 && r[0].limiting != 1) {
                    error += "limited by bucket " + std::to_string(r[0].limiting) + "; ";
                }
            } catch (const std::exception& e) {
                error += e.what();
            }
        }
    };
    std::thread ta([&] { take_all(*a, granted_a, error_a); });
    std::thread tb([&] { take_all(*b, granted_b, error_b); });
    ta.join();
    tb.join();
    EXPECT_EQ(error_a, "");
    EXPECT_EQ(error_b, "");
    EXPECT_EQ(granted_a + granted_b, 6) << granted_a << " + " << granted_b;
    EXPECT_EQ(sql().text("SELECT tokens FROM rate_buckets WHERE key = 'sms'"), "4");
    EXPECT_EQ(sql().text("SELECT tokens FROM rate_buckets WHERE key = 'sms:+14155550123'"), "0");
}

// ---- the wake-up signal -----------------------------------------------------------------

// Polls `signal` (checking it as the daemon does) until drain() reports due rows; false if that
// does not happen within `timeout`.
bool woken(DueSignal& signal, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        signal.check(wall_now());
        if (signal.fd() < 0) {
            std::this_thread::sleep_for(milliseconds(50));
            continue;
        }
        pollfd p{signal.fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        if (signal.drain()) {
            return true;
        }
    }
    return false;
}

TEST_F(PostgresJobStoreTest, TheDueSignalWakesOnAnotherStoresRowsAndSurvivesItsBackendsDeath) {
    auto listener = open();
    auto other = open();
    auto signal = listener->open_due_signal();
    ASSERT_TRUE(signal);
    ASSERT_GE(signal->fd(), 0);
    signal->drain(); // "rows may have become due while nobody listened", from connecting
    EXPECT_FALSE(signal->drain()) << "nothing happened since";

    other->enqueue(request_of({row(wall_now() + hours(1))}), wall_now());
    pollfd p{signal->fd(), POLLIN, 0};
    ::poll(&p, 1, 300);
    EXPECT_FALSE(signal->drain()) << "a row due in an hour wakes nobody";

    other->enqueue(request_of({row(wall_now())}), wall_now());
    EXPECT_TRUE(woken(*signal, seconds(5))) << "a row due now wakes the listener";

    ASSERT_EQ(terminate("notifyd-listen"), 1);
    // The daemon's loop: poll, drain, check. The listener notices, reconnects with backoff, and
    // says so.
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (!m_warnings.any_containing("wake-up listener reconnected") &&
           std::chrono::steady_clock::now() < deadline) {
        woken(*signal, milliseconds(200));
    }
    ASSERT_TRUE(m_warnings.any_containing("wake-up listener reconnected")) << m_warnings.all();
    EXPECT_TRUE(m_warnings.any_containing("wake-up listener lost its connection"))
        << m_warnings.all();
    EXPECT_GE(signal->fd(), 0);
    EXPECT_EQ(sql().number("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                           "'notifyd-listen' AND datname = current_database()"),
              1);
    signal->drain(); // the reconnect's own wake-up
    other->enqueue(request_of({row(wall_now())}), wall_now());
    EXPECT_TRUE(woken(*signal, seconds(5))) << "notifications arrive again";
}

// ---- refusing databases -----------------------------------------------------------------

TEST_F(PostgresJobStoreTest, ADatabaseHoldingAForeignTableIsRefusedAndLeftAlone) {
    sql().exec("CREATE TABLE songs (title text); INSERT INTO songs VALUES ('a')");
    Error e = open_error(options());
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_EQ(std::string(e.what()),
              url() + " is not a notify store (its schema holds other tables)");
    EXPECT_EQ(e.hint(), "point store.url at an empty database (or one notify created)");
    EXPECT_EQ(sql().number("SELECT count(*) FROM songs"), 1);
    EXPECT_EQ(sql().text("SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = "
                         "current_schema()"),
              "songs");
    EXPECT_EQ(sql().number("SELECT count(*) FROM pg_proc WHERE proname LIKE 'notify%'"), 0);
}

TEST_F(PostgresJobStoreTest, AStoreWithANewerSchemaVersionIsRefused) {
    open();
    sql().exec("UPDATE notify_meta SET value = '999' WHERE key = 'schema_version'");
    Error e = open_error(options());
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_THAT(e.what(), StartsWith("store " + url() +
                                     " has schema version 999, newer than "
                                     "this notify understands ("));
    EXPECT_EQ(e.hint(), "upgrade notify on this host");
    EXPECT_EQ(sql().text("SELECT value FROM notify_meta WHERE key = 'schema_version'"), "999");
}

// ---- following the event log ----------------------------------------------------------------

// Regression: transactions take event numbers from a sequence but commit in any order, so a
// follower that had read up to a higher number skipped a lower one committed after it. Repro: a
// transaction inserts an event and stays open; the store records a later one; `events --follow`
// printed the later one and never the earlier.
TEST_F(PostgresJobStoreTest, ASettledReadWaitsForATransactionThatMayStillCommitALowerSeq) {
    auto s = open();
    const std::int64_t id = s->enqueue(request_of({row()}), k_t0).ids.at(0);
    const std::int64_t start = s->events({}).back().seq;
    const std::string insert = "INSERT INTO events (notification_id, type, at) VALUES (" +
                               std::to_string(id) + ", 'opened', 0)";

    test::PgSession writer(url());
    writer.exec("BEGIN; " + insert);
    const long long lower = writer.number("SELECT currval('events_id_seq')");
    ASSERT_TRUE(s->record_event(id, "clicked", "", k_t0));

    EventFilter plain;
    plain.after_seq = start;
    auto seen = s->events(plain);
    ASSERT_EQ(seen.size(), 1u) << "the later event is visible before the earlier";
    EXPECT_GT(seen[0].seq, lower);
    EventFilter follow = plain;
    follow.settled = true;
    EXPECT_TRUE(s->events(follow).empty()) << "a follower would pass the open transaction's seq";

    // The read waits for the writer: it commits 300 ms into it.
    std::thread committer([&] {
        std::this_thread::sleep_for(milliseconds(300));
        writer.exec("COMMIT");
    });
    auto settled = s->events(follow);
    committer.join();
    ASSERT_EQ(settled.size(), 2u);
    EXPECT_EQ(settled[0].seq, lower);
    EXPECT_EQ(settled[0].type, "opened");
    EXPECT_EQ(settled[1].type, "clicked");

    // A writer that rolls back leaves a hole in the numbers, which the follower passes.
    follow.after_seq = settled[1].seq;
    writer.exec("BEGIN; " + insert);
    ASSERT_TRUE(s->record_event(id, "delivered", "", k_t0));
    std::thread rollback([&] {
        std::this_thread::sleep_for(milliseconds(300));
        writer.exec("ROLLBACK");
    });
    auto after_hole = s->events(follow);
    rollback.join();
    ASSERT_EQ(after_hole.size(), 1u);
    EXPECT_EQ(after_hole[0].type, "delivered");
}

TEST_F(PostgresJobStoreTest, AStoreOfSchemaVersion1IsUpgradedInPlace) {
    std::int64_t id = 0;
    {
        auto s = open();
        id = s->enqueue(request_of({row()}), k_t0).ids.at(0);
    }
    // Version 1: events numbered by their column's plain sequence default.
    sql().exec("ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq'); "
               "DROP FUNCTION notify_event_seq(); "
               "UPDATE notify_meta SET value = '1' WHERE key = 'schema_version'");
    auto s = open();
    EXPECT_EQ(sql().text("SELECT value FROM notify_meta WHERE key = 'schema_version'"),
              std::to_string(s->schema_version().current));
    EXPECT_GE(s->schema_version().current, 2);
    EXPECT_THAT(sql().text("SELECT column_default FROM information_schema.columns WHERE "
                           "table_schema = current_schema() AND table_name = 'events' AND "
                           "column_name = 'id'"),
                HasSubstr("notify_event_seq()"));
    ASSERT_TRUE(s->record_event(id, "opened", "", k_t0));
    auto events = s->events({});
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, "created");
    EXPECT_EQ(events[1].type, "opened");
    EXPECT_GT(events[1].seq, events[0].seq);
}

// ---- collation ----------------------------------------------------------------------------

// Regression: names come back in byte order on SQLite (BINARY), but PostgreSQL sorts text by the
// database's collation, and a distribution's initdb makes databases en_US.UTF-8 (the test cluster
// is C, which hides it). list_schedules() says COLLATE "C"; list_users(), profile()'s
// preferences and engagement() do not. Repro: a database created with ICU locale en-US, users
// "alice" and "Bob": list_users() gives alice, Bob; the SQLite store gives Bob, alice.
TEST_F(PostgresJobStoreTest, NamesAreInByteOrderWhateverTheDatabaseCollation) {
    test::PgTestDatabase english(
        *test::PgTestDatabase::base_url(),
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'");
    PostgresOptions o;
    o.url = english.url();
    auto s = open_postgres_store(o);
    for (const char* id : {"alice", "Bob"}) {
        model::User u;
        u.id = id;
        ASSERT_TRUE(s->audience().add_user(u, k_t0));
    }
    std::vector<std::string> users;
    for (const auto& u : s->audience().list_users(0)) {
        users.push_back(u.id);
    }
    EXPECT_THAT(users, testing::ElementsAre("Bob", "alice"));

    for (const char* category : {"alerts", "News"}) {
        model::Preference p;
        p.category = category;
        ASSERT_TRUE(s->audience().set_preference("Bob", p, k_t0));
    }
    const auto bob = s->audience().profile("Bob");
    ASSERT_TRUE(bob);
    std::vector<std::string> categories;
    for (const auto& p : bob->preferences) {
        categories.push_back(p.category);
    }
    EXPECT_THAT(categories, testing::ElementsAre("News", "alerts"));

    for (const char* name : {"alpha", "Daily"}) {
        Schedule sc;
        sc.name = name;
        sc.cron = "0 9 * * *";
        sc.tz = "UTC";
        sc.content_json = "{}";
        ASSERT_TRUE(s->add_schedule(sc));
    }
    std::vector<std::string> schedules;
    for (const auto& sc : s->list_schedules()) {
        schedules.push_back(sc.name);
    }
    EXPECT_THAT(schedules, testing::ElementsAre("Daily", "alpha"));

    for (const char* name : {"alert", "Receipt"}) {
        NewNotification n = row();
        n.template_name = name;
        s->enqueue(request_of({n}), k_t0);
    }
    for (const Claim& c : s->claim("me", 10, minutes(5), k_t0)) {
        ASSERT_TRUE(s->complete(sent(c)));
    }
    std::vector<std::string> templates;
    for (const auto& e : s->engagement(k_t0)) {
        templates.push_back(e.template_name.value_or("-"));
    }
    EXPECT_THAT(templates, testing::ElementsAre("Receipt", "alert"));
}

// ---- clocks and connections -------------------------------------------------------------

TEST_F(PostgresJobStoreTest, TheClockOffsetIsSmallOnTheSameHost) {
    auto s = open();
    ASSERT_TRUE(s->clock_offset().has_value()) << "measured when the store opens";
    EXPECT_LT(std::chrono::abs(*s->clock_offset()), seconds(1));
    s->heartbeat("me", k_t0);
    ASSERT_TRUE(s->clock_offset().has_value());
    EXPECT_LT(std::chrono::abs(*s->clock_offset()), seconds(1));
    EXPECT_FALSE(m_warnings.any_containing("clock skew")) << m_warnings.all();
}

// A TCP port on 127.0.0.1 that nothing listens on (it was bound and closed again).
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ADD_FAILURE() << "no free port";
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

TEST_F(PostgresJobStoreTest, AServerThatIsNotThereIsAnIoError) {
    PostgresOptions o;
    o.url = "postgresql://notify@127.0.0.1:" + std::to_string(closed_port()) + "/notify";
    o.connect_timeout = seconds(2);
    Error e = open_error(o);
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_THAT(e.what(), StartsWith("cannot connect to PostgreSQL store " + o.url + ": "));
    EXPECT_EQ(e.hint(), "check store.url, that the server runs, and that it accepts this host");
}

TEST_F(PostgresJobStoreTest, AStoreWhoseConnectionIsKilledThrowsIoOnceAndThenWorksAgain) {
    auto s = open();
    s->enqueue(request_of({row()}), k_t0);
    ASSERT_EQ(terminate("notify"), 1);
    try {
        s->stats(k_t0);
        ADD_FAILURE() << "the call after the connection died did not fail";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::io) << e.what();
        EXPECT_THAT(e.what(), HasSubstr("(PostgreSQL store " + url() + ")"));
    }
    EXPECT_EQ(s->stats(k_t0).total, 1) << "the next call reconnects";
    EXPECT_EQ(s->enqueue(request_of({row()}), k_t0).ids.size(), 1u);
    EXPECT_TRUE(m_warnings.any_containing("reconnected to PostgreSQL store " + url()))
        << m_warnings.all();

    // Killed while idle between two claims of a dispatcher: the same, and no row is lost.
    ASSERT_EQ(terminate("notify"), 1);
    EXPECT_THROW(s->claim("me", 10, minutes(5), k_t0), Error);
    EXPECT_EQ(s->claim("me", 10, minutes(5), k_t0).size(), 2u);
}

// ---- notify migrate ---------------------------------------------------------------------

using Dump = std::map<std::string, std::vector<Row>>;

Dump dump(JobStore& store) {
    Dump out;
    for (const PortableTable& table : portable_tables()) {
        auto& rows = out[table.name];
        store.export_rows(table, [&](const Row& r) { rows.push_back(r); });
    }
    return out;
}

void copy(JobStore& from, JobStore& to) {
    auto import = to.begin_import();
    for (const PortableTable& table : portable_tables()) {
        from.export_rows(table, [&](const Row& r) { import->add(table, r); });
    }
    import->commit();
}

TEST_F(PostgresJobStoreTest, AStoreCopiedToPostgresAndBackIsTheSameRowForRow) {
    test::TempDir dir("pg-migrate");
    SqliteOptions from_options;
    from_options.path = dir.file("from.db");
    auto from = open_sqlite_store(from_options);
    NewNotification with_file = row();
    with_file.attachments = {
        {"a.bin", "application/octet-stream", 3, std::string("\0\xff\x01", 3), true}};
    auto ids = from->enqueue(request_of({with_file, row(k_t0 + hours(1))}, "ev-1"), k_t0).ids;
    auto claims = from->claim("me", 1, minutes(5), k_t0);
    ASSERT_EQ(claims.size(), 1u);
    ASSERT_TRUE(from->complete(sent(claims[0])));
    model::User ann;
    ann.id = "ann";
    ann.email = "ann@example.com";
    ASSERT_TRUE(from->audience().add_user(ann, k_t0));
    model::Device phone;
    phone.user_id = "ann";
    phone.platform = "ios";
    phone.token = "tok";
    ASSERT_TRUE(from->audience().add_device(phone, k_t0));
    Schedule daily;
    daily.name = "daily";
    daily.cron = "0 9 * * *";
    daily.tz = "UTC";
    daily.content_json = "{}";
    daily.created_at = k_t0;
    daily.next_at = k_t0;
    ASSERT_TRUE(from->add_schedule(daily));
    TokenRequest tokens;
    tokens.buckets = {{"sms", policy::RateLimit{10, hours(1)}}};
    from->take_tokens({tokens}, k_t0);

    auto pg = open();
    copy(*from, *pg);
    SqliteOptions back_options;
    back_options.path = dir.file("back.db");
    auto back = open_sqlite_store(back_options);
    copy(*pg, *back);
    const Dump original = dump(*from);
    EXPECT_EQ(dump(*pg), original);
    EXPECT_EQ(dump(*back), original);
    // The copy goes on where the original left off.
    auto next = pg->enqueue(request_of({row()}), k_t0).ids;
    ASSERT_EQ(next.size(), 1u);
    EXPECT_GT(next[0], ids.back());
}

} // namespace
} // namespace notify::store
