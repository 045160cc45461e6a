// Unit tests of common/store/portable_tables.cpp and the SQLite store's export_rows and
// begin_import (notify migrate): a SQLite to SQLite copy of every table, row by row.
#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {

// gtest prints a Cell holding bytes through this.
void PrintTo(const Blob& blob, std::ostream* out) {
    *out << "Blob(" << blob.bytes.size() << " bytes)";
}

namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::HasSubstr;

// 2025-06-15T12:00:00Z.
const TimePoint k_t0 = from_unix_ms(1'749'988'800'000);

using Dump = std::map<std::string, std::vector<Row>>;

std::unique_ptr<JobStore> open_store(const std::string& path) {
    SqliteOptions options;
    options.path = path;
    return open_sqlite_store(options);
}

// Every portable table of `store`, as export_rows gives it.
Dump dump(JobStore& store) {
    Dump out;
    for (const PortableTable& table : portable_tables()) {
        auto& rows = out[table.name];
        store.export_rows(table, [&](const Row& row) { rows.push_back(row); });
    }
    return out;
}

// Copies every portable table of `from` into `to` and commits. Returns the rows copied.
std::int64_t copy(JobStore& from, JobStore& to) {
    auto import = to.begin_import();
    std::int64_t rows = 0;
    for (const PortableTable& table : portable_tables()) {
        from.export_rows(table, [&](const Row& row) {
            import->add(table, row);
            ++rows;
        });
    }
    import->commit();
    return rows;
}

// The names of the tables of a store file that hold data, from sqlite_schema.
std::set<std::string> sqlite_tables(const std::string& path) {
    sqlite3* db = nullptr;
    std::set<std::string> names;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT "
                           "LIKE 'sqlite_%'",
                           -1, &q, nullptr);
        while (sqlite3_step(q) == SQLITE_ROW) {
            names.insert(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return names;
}

// The columns of `table` in a store file, in schema order.
std::vector<std::string> sqlite_columns(const std::string& path, const std::string& table) {
    sqlite3* db = nullptr;
    std::vector<std::string> names;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* q = nullptr;
        sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", -1, &q,
                           nullptr);
        sqlite3_bind_text(q, 1, table.c_str(), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(q) == SQLITE_ROW) {
            names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return names;
}

NewNotification row(std::string to = "ann@example.com", TimePoint due = k_t0) {
    NewNotification n;
    n.channel = "email";
    n.to = std::move(to);
    n.due_at = due;
    n.subject = "Hi";
    n.body = "hello";
    return n;
}

EnqueueRequest request_of(NewNotification n, std::optional<std::string> event_id = {}) {
    EnqueueRequest r;
    r.rows.push_back(std::move(n));
    r.event_id = std::move(event_id);
    return r;
}

Completion completion_for(const Claim& c, Outcome outcome, TimePoint at) {
    Completion done;
    done.id = c.notification.id;
    done.owner = c.owner;
    done.attempt = c.notification.attempts;
    done.outcome = outcome;
    done.provider = "file";
    done.attempt_class = outcome == Outcome::sent ? "sent" : "transient";
    done.detail = outcome == Outcome::sent ? "appended" : "connection refused";
    done.started_at = at;
    done.finished_at = at + milliseconds(250);
    done.next_due = at + minutes(1);
    return done;
}

class PortableRowsTest : public testing::Test {
  protected:
    PortableRowsTest()
        : m_a_path(m_dir.file("a.db")), m_b_path(m_dir.file("b.db")), m_a(open_store(m_a_path)),
          m_b(open_store(m_b_path)) {}

    // Fills store A with a row of every kind: notifications in several statuses (one still
    // leased), attempts, events, attachment bytes kept and dropped, a schedule and its fired
    // slot, rate buckets, users with devices, preferences and quiet hours.
    void fill_a() {
        JobStore& a = *m_a;
        AudienceStore& audience = a.audience();
        model::User alice;
        alice.id = "alice";
        alice.name = "Alice Liddell";
        alice.email = "alice@example.com";
        alice.phone = "+14155550123";
        alice.locale = "en-GB";
        alice.tz = "Europe/London";
        ASSERT_TRUE(audience.add_user(alice, k_t0));
        model::User bob;
        bob.id = "bob";
        ASSERT_TRUE(audience.add_user(bob, k_t0 + seconds(1)));
        ASSERT_TRUE(audience.set_quiet_hours("alice", model::QuietHours{22 * 60, 7 * 60}, k_t0));
        model::Device phone;
        phone.user_id = "alice";
        phone.platform = "ios";
        phone.token = std::string(64, 'a');
        phone.app = "com.example.app";
        ASSERT_TRUE(audience.add_device(phone, k_t0));
        model::Device old = phone;
        old.user_id = "bob";
        old.platform = "android";
        old.token = "fcm-token-1";
        old.app.reset();
        ASSERT_TRUE(audience.add_device(old, k_t0));
        ASSERT_EQ(audience.invalidate_token("fcm-token-1", "unregistered", k_t0 + seconds(2)), 1);
        ASSERT_TRUE(audience.set_preference("alice", {"sms", "marketing", false, k_t0}, k_t0));
        ASSERT_TRUE(
            audience.set_preference("alice", {model::k_any, model::k_any, true, k_t0}, k_t0));

        // 1: with two attachments (bytes with a NUL and high bytes), then sent: bytes dropped.
        NewNotification with_files = row();
        with_files.user = "alice";
        with_files.category = "orders";
        with_files.template_name = "receipt";
        with_files.data_json = R"({"order":42,"name":"Ålice"})";
        with_files.expires_at = k_t0 + minutes(30);
        with_files.priority = model::Priority::high;
        with_files.attachments.push_back(
            {"q3.pdf", "application/pdf", 6, std::string("%PDF\0\xff", 6), true});
        with_files.attachments.push_back({"empty.txt", "text/plain", 0, std::string(), true});
        m_sent = a.enqueue(request_of(with_files, "order-42"), k_t0).ids.at(0);
        // 2: attachment kept (not sent yet), retrying after a failed attempt.
        NewNotification kept = row("bob@example.com");
        kept.attachments.push_back({"a.csv", "text/csv", 3, std::string("a,b"), true});
        m_retrying = a.enqueue(request_of(kept), k_t0).ids.at(0);
        // 3: claimed and not completed: sending, with lease owner and expiry.
        m_sending = a.enqueue(request_of(row("carol@example.com")), k_t0).ids.at(0);
        // 4: scheduled; 5: held; 6: suppressed.
        m_scheduled =
            a.enqueue(request_of(row("dave@example.com", k_t0 + minutes(90))), k_t0).ids.at(0);
        auto held = a.enqueue(request_of(row("erin@example.com", k_t0 + minutes(5))), k_t0);
        ASSERT_TRUE(a.apply(Verb::hold, held.ids, k_t0 + seconds(1)).refused.empty());
        NewNotification opted_out = row("+14155550123");
        opted_out.channel = "sms";
        opted_out.suppressed = "opted out: user alice opted out of marketing on sms";
        a.enqueue(request_of(opted_out), k_t0);

        auto claims = a.claim("worker-1", 2, minutes(5), k_t0);
        ASSERT_EQ(claims.size(), 2u);
        for (const Claim& c : claims) {
            Outcome outcome = c.notification.id == m_sent ? Outcome::sent : Outcome::retry;
            ASSERT_TRUE(a.complete(completion_for(c, outcome, k_t0 + seconds(1))));
        }
        ASSERT_EQ(a.claim("worker-1", 1, minutes(5), k_t0 + seconds(2)).size(), 1u);
        ASSERT_TRUE(a.record_event(m_sent, "opened", "ua=test", k_t0 + minutes(2)));

        Schedule daily;
        daily.name = "daily";
        daily.cron = "0 9 * * *";
        daily.tz = "Europe/Berlin";
        daily.content_json = R"({"channel":"email","to":"ops@example.com","body":"x"})";
        daily.catch_up = "all";
        daily.created_at = k_t0;
        daily.updated_at = k_t0;
        daily.next_at = k_t0 + minutes(1);
        ASSERT_TRUE(a.add_schedule(daily));
        Schedule paused = daily;
        paused.name = "paused";
        paused.paused = true;
        paused.next_at.reset();
        ASSERT_TRUE(a.add_schedule(paused));
        auto fired = a.fire_schedule("daily", k_t0 + minutes(1), {row("ops@example.com")},
                                     k_t0 + minutes(1) + std::chrono::hours(24), k_t0 + minutes(1));
        ASSERT_EQ(fired.size(), 1u);

        // Buckets whose tokens are not whole numbers (REAL).
        TokenRequest request;
        request.buckets.emplace_back("provider:file", policy::RateLimit{3, seconds(10)});
        request.buckets.emplace_back("user:alice:email", policy::RateLimit{10, minutes(1)});
        a.take_tokens({request}, k_t0);
        a.take_tokens({request}, k_t0 + milliseconds(1234));
    }

    test::TempDir m_dir{"portable"};
    std::string m_a_path;
    std::string m_b_path;
    std::unique_ptr<JobStore> m_a;
    std::unique_ptr<JobStore> m_b;
    std::int64_t m_sent = 0;
    std::int64_t m_retrying = 0;
    std::int64_t m_sending = 0;
    std::int64_t m_scheduled = 0;
};

TEST(PortableRowsTables, NameEveryDataTableOfTheSqliteSchemaWithItsColumns) {
    test::TempDir dir{"portable"};
    const std::string path = dir.file("notify.db");
    open_store(path);
    std::set<std::string> portable;
    for (const PortableTable& table : portable_tables()) {
        portable.insert(table.name);
        EXPECT_EQ(table.columns, sqlite_columns(path, table.name)) << table.name;
    }
    std::set<std::string> expected = sqlite_tables(path);
    expected.erase("status_counts"); // derived, kept by triggers
    EXPECT_EQ(portable, expected);
}

TEST(PortableRowsTables, ListParentsBeforeChildren) {
    std::map<std::string, std::size_t> at;
    for (const PortableTable& table : portable_tables()) {
        at[table.name] = at.size();
    }
    for (const char* child : {"attempts", "events", "attachments"}) {
        EXPECT_LT(at.at("notifications"), at.at(child)) << child;
    }
    EXPECT_LT(at.at("schedules"), at.at("schedule_fires"));
    EXPECT_LT(at.at("users"), at.at("devices"));
    EXPECT_LT(at.at("users"), at.at("preferences"));
}

TEST_F(PortableRowsTest, CopiesEveryTableRowByRow) {
    fill_a();
    Dump before = dump(*m_a);
    for (const PortableTable& table : portable_tables()) {
        EXPECT_FALSE(before[table.name].empty()) << "the test leaves " << table.name << " empty";
    }
    std::int64_t copied = copy(*m_a, *m_b);
    Dump after = dump(*m_b);
    std::int64_t total = 0;
    for (const PortableTable& table : portable_tables()) {
        EXPECT_EQ(after[table.name], before[table.name]) << table.name;
        total += static_cast<std::int64_t>(before[table.name].size());
    }
    EXPECT_EQ(copied, total);
    EXPECT_EQ(dump(*m_a), before) << "the source changed";
}

TEST_F(PortableRowsTest, KeepsTypesNullsAndBytes) {
    fill_a();
    copy(*m_a, *m_b);
    Dump b = dump(*m_b);
    const auto& attachments = b["attachments"];
    ASSERT_EQ(attachments.size(), 3u);
    // Sent: both contents dropped (NULL); the kept one still holds its bytes.
    EXPECT_TRUE(std::holds_alternative<std::monostate>(attachments[0].back()));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(attachments[1].back()));
    EXPECT_EQ(attachments[2].back(), Cell(Blob{"a,b"}));
    EXPECT_EQ(m_b->attachments(m_retrying).at(0).bytes, std::optional<std::string>("a,b"));
    for (const Row& bucket : b["rate_buckets"]) {
        EXPECT_TRUE(std::holds_alternative<double>(bucket[1]));
    }
    const auto& buckets = b["rate_buckets"];
    ASSERT_FALSE(buckets.empty());
    const double tokens = std::get<double>(buckets[0][1]);
    EXPECT_NE(tokens, static_cast<double>(static_cast<long long>(tokens))) << "not fractional";
}

TEST_F(PortableRowsTest, GivesTheDestinationTheSameNotificationsCountsAndSchedules) {
    fill_a();
    copy(*m_a, *m_b);
    const TimePoint now = k_t0 + minutes(3);
    for (std::int64_t id : {m_sent, m_retrying, m_sending, m_scheduled}) {
        auto in_a = m_a->find(id, now);
        auto in_b = m_b->find(id, now);
        ASSERT_TRUE(in_a && in_b) << id;
        EXPECT_EQ(in_b->notification.status, in_a->notification.status) << id;
        EXPECT_EQ(in_b->notification.to, in_a->notification.to) << id;
        EXPECT_EQ(in_b->notification.attempts, in_a->notification.attempts) << id;
        EXPECT_EQ(in_b->attempts.size(), in_a->attempts.size()) << id;
        EXPECT_EQ(in_b->events.size(), in_a->events.size()) << id;
    }
    EXPECT_EQ(m_b->find(m_sending, now)->notification.status, model::Status::sending);
    Stats sa = m_a->stats(now);
    Stats sb = m_b->stats(now);
    EXPECT_EQ(sb.by_status, sa.by_status);
    EXPECT_EQ(sb.by_channel, sa.by_channel);
    EXPECT_EQ(sb.total, sa.total);
    ASSERT_EQ(m_b->list_schedules().size(), 2u);
    EXPECT_EQ(m_b->find_schedule("daily")->last_slot, k_t0 + minutes(1));
    EXPECT_TRUE(m_b->fire_schedule("daily", k_t0 + minutes(1), {row()}, std::nullopt, now).empty())
        << "the fired slot was not copied";
    auto profile = m_b->audience().profile("alice");
    ASSERT_TRUE(profile);
    EXPECT_EQ(profile->devices.size(), 1u);
    EXPECT_EQ(profile->preferences.size(), 2u);
    ASSERT_TRUE(profile->quiet_hours);
    EXPECT_EQ(profile->quiet_hours->start_minute, 22 * 60);
    // The leased row is rescued by the destination once its lease expires.
    EXPECT_EQ(m_b->rescue(k_t0 + minutes(10), std::nullopt), 1);
}

TEST_F(PortableRowsTest, NewIdsInTheDestinationFollowTheCopiedOnes) {
    fill_a();
    copy(*m_a, *m_b);
    std::int64_t largest = 0;
    Dump b = dump(*m_b);
    for (const Row& r : b["notifications"]) {
        largest = std::max(largest, std::get<std::int64_t>(r[0]));
    }
    auto next = m_b->enqueue(request_of(row()), k_t0 + minutes(3));
    EXPECT_EQ(next.ids.at(0), largest + 1);
    // The copied event id still deduplicates.
    EXPECT_TRUE(m_b->enqueue(request_of(row(), "order-42"), k_t0 + minutes(3)).duplicate);
}

TEST_F(PortableRowsTest, ExportsInPrimaryKeyOrder) {
    fill_a();
    Dump a = dump(*m_a);
    for (const PortableTable& table : portable_tables()) {
        const auto& rows = a[table.name];
        // Every key leads with an integer id or a text name.
        EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
            if (std::holds_alternative<std::int64_t>(x.front())) {
                return std::get<std::int64_t>(x.front()) < std::get<std::int64_t>(y.front());
            }
            return std::get<std::string>(x.front()) < std::get<std::string>(y.front());
        })) << table.name;
    }
}

TEST_F(PortableRowsTest, RefusesANonEmptyDestinationAndLeavesItUnchanged) {
    fill_a();
    copy(*m_a, *m_b);
    Dump before = dump(*m_b);
    try {
        m_b->begin_import();
        FAIL() << "imported into a store holding rows";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::data);
        EXPECT_THAT(e.what(), HasSubstr("is not empty: it holds 7 notification(s), 2 "
                                        "schedule(s), 2 user(s)"));
    }
    EXPECT_EQ(dump(*m_b), before);
}

TEST_F(PortableRowsTest, RefusesAStoreHoldingOnlyAUser) {
    model::User u;
    u.id = "zed";
    ASSERT_TRUE(m_b->audience().add_user(u, k_t0));
    try {
        m_b->begin_import();
        FAIL() << "imported into a store holding a user";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::data);
        EXPECT_THAT(e.what(), HasSubstr("it holds 1 user(s)"));
    }
    EXPECT_TRUE(m_b->audience().find_user("zed"));
}

TEST_F(PortableRowsTest, KeepsNothingWithoutCommit) {
    fill_a();
    {
        auto import = m_b->begin_import();
        for (const PortableTable& table : portable_tables()) {
            m_a->export_rows(table, [&](const Row& r) { import->add(table, r); });
        }
    }
    for (const auto& [table, rows] : dump(*m_b)) {
        EXPECT_TRUE(rows.empty()) << table;
    }
    EXPECT_EQ(m_b->stats(k_t0).total, 0);
    copy(*m_a, *m_b); // still empty, so a second try is accepted
    EXPECT_EQ(dump(*m_b), dump(*m_a));
}

TEST_F(PortableRowsTest, ReplacesLeftoverRateBucketsOfAnEmptyDestination) {
    TokenRequest request;
    request.buckets.emplace_back("provider:file", policy::RateLimit{3, seconds(10)});
    m_b->take_tokens({request}, k_t0 - minutes(1));
    fill_a();
    copy(*m_a, *m_b);
    EXPECT_EQ(dump(*m_b)["rate_buckets"], dump(*m_a)["rate_buckets"]);
}

TEST_F(PortableRowsTest, AnImportThatFailsMidwayKeepsNothing) {
    fill_a();
    const PortableTable& notifications = portable_tables().front();
    {
        auto import = m_b->begin_import();
        m_a->export_rows(notifications, [&](const Row& r) { import->add(notifications, r); });
        Row duplicate;
        m_a->export_rows(notifications, [&](const Row& r) {
            if (duplicate.empty()) {
                duplicate = r;
            }
        });
        EXPECT_THROW(import->add(notifications, duplicate), Error);
    }
    EXPECT_TRUE(dump(*m_b)["notifications"].empty());
}

} // namespace
} // namespace notify::store
