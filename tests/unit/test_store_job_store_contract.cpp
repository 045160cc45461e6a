// The JobStore contract, run on both backends (value-parameterised): a SQLite file
// (sqlite_job_store.cpp) and a PostgreSQL database of its own (postgres/pg_job_store.cpp).
// What only one backend has is tested beside it: test_store_sqlite_job_store.cpp (files, WAL,
// migrations, busy timeouts) and test_store_postgres_job_store.cpp (instances, wake-up signal,
// reconnects, concurrency between hosts).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "tests/support/store_backend.hpp"

namespace notify::store {
namespace {

using model::Priority;
using model::Status;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using test::Backend;
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

// A fresh store of the backend under test; most tests need nothing more.
class JobStoreTest : public test::StoreBackendTest {
  protected:
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
};

INSTANTIATE_TEST_SUITE_P(StoreContract, JobStoreTest,
                         testing::Values(Backend::sqlite, Backend::postgres), test::backend_name);

// ---- enqueue, list, find ----------------------------------------------------------------

TEST_P(JobStoreTest, EnqueueStoresEveryField) {
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

TEST_P(JobStoreTest, StatusIsScheduledUntilDueThenQueued) {
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

TEST_P(JobStoreTest, OneRequestInsertsAllRowsInOrder) {
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

TEST_P(JobStoreTest, ListFiltersByChannelUserStatusAndLimit) {
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

TEST_P(JobStoreTest, FindOfAMissingIdIsNullopt) {
    EXPECT_EQ(store().find(42, k_t0), std::nullopt);
}

// ---- dedup ------------------------------------------------------------------------------

TEST_P(JobStoreTest, DedupLiveRowMakesADuplicate) {
    auto first = store().enqueue(request_of({row(), row()}, "order-1"), k_t0);
    ASSERT_EQ(first.ids.size(), 2u);
    auto again = store().enqueue(request_of({row()}, "order-1"), k_t0 + minutes(1));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.ids, first.ids);
    EXPECT_EQ(store().list({}, k_t0).size(), 2u);
    auto other = store().enqueue(request_of({row()}, "order-2"), k_t0);
    EXPECT_FALSE(other.duplicate);
}

TEST_P(JobStoreTest, DedupLiveRowOlderThanTheWindowStillBlocks) {
    auto first = store().enqueue(request_of({row()}, "e"), k_t0);
    auto again = store().enqueue(request_of({row()}, "e"), k_t0 + hours(48));
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.ids, first.ids);
}

TEST_P(JobStoreTest, DedupSentWithinTheWindowBlocksOutsideItDoesNot) {
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

TEST_P(JobStoreTest, DedupHonoursACustomWindow) {
    store().enqueue(request_of({row()}, "e"), k_t0);
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0)));
    auto req = request_of({row()}, "e");
    req.dedup_window = minutes(10);
    EXPECT_FALSE(store().enqueue(req, k_t0 + minutes(11)).duplicate);
}

TEST_P(JobStoreTest, DedupDeadAndCancelledRowsDoNotBlock) {
    store().enqueue(request_of({row()}, "dead-one"), k_t0);
    auto c = claim_one();
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::dead, k_t0)));
    EXPECT_FALSE(store().enqueue(request_of({row()}, "dead-one"), k_t0).duplicate);

    auto cancelled = store().enqueue(request_of({row()}, "cancelled-one"), k_t0).ids;
    ASSERT_FALSE(store().apply(Verb::cancel, cancelled, k_t0).changed.empty());
    EXPECT_FALSE(store().enqueue(request_of({row()}, "cancelled-one"), k_t0).duplicate);
}

// ---- claim ------------------------------------------------------------------------------

TEST_P(JobStoreTest, ClaimOrdersByPriorityThenDueAtThenId) {
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

TEST_P(JobStoreTest, ClaimOneAtATimeFollowsTheSameOrder) {
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

TEST_P(JobStoreTest, ClaimRespectsTheLimit) {
    for (int i = 0; i < 5; ++i) {
        enqueue_one();
    }
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 2u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 2u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 1u);
    EXPECT_EQ(store().claim("me", 2, minutes(5), k_t0).size(), 0u);
}

TEST_P(JobStoreTest, ClaimLeasesTheRowAndCountsTheAttempt) {
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
    EXPECT_EQ(query_text("SELECT lease_owner FROM notifications"), "owner-1");
}

TEST_P(JobStoreTest, ClaimSkipsRowsNotDueHeldOrPastTheirTtl) {
    enqueue_one(row(k_t0 + seconds(1)));
    row_in(Status::held);
    auto expiring = row();
    expiring.expires_at = k_t0;
    enqueue_one(expiring);
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0).empty());
}

TEST_P(JobStoreTest, ClaimAcrossTwoConnectionsNeverClaimsTwice) {
    for (int i = 0; i < 3; ++i) {
        enqueue_one();
    }
    auto other = open_store();
    EXPECT_EQ(store().claim("a", 2, minutes(5), k_t0).size(), 2u);
    auto b = other->claim("b", 10, minutes(5), k_t0);
    EXPECT_EQ(b.size(), 1u);
    EXPECT_TRUE(store().claim("a", 10, minutes(5), k_t0).empty());
    EXPECT_TRUE(other->claim("b", 10, minutes(5), k_t0).empty());
}

TEST_P(JobStoreTest, ThreadsWithTheirOwnConnectionsClaimEveryRowExactlyOnce) {
    constexpr int k_rows = 300;
    {
        std::vector<NewNotification> rows(k_rows, row());
        ASSERT_EQ(store().enqueue(request_of(rows), k_t0).ids.size(), static_cast<size_t>(k_rows));
    }
    constexpr int k_threads = 4;
    std::vector<std::vector<std::int64_t>> claimed(k_threads);
    std::vector<std::string> errors(k_threads);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto s = open_store(Millis{30'000});
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
    for (const auto& n : store().list({}, k_t0)) {
        EXPECT_EQ(n.status, Status::sent) << n.id;
        EXPECT_EQ(n.attempts, 1) << n.id;
    }
}

// ---- complete (fencing) -----------------------------------------------------------------

TEST_P(JobStoreTest, CompleteSentRecordsTheAttempt) {
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
    EXPECT_EQ(query_text("SELECT coalesce(lease_owner, 'null') FROM notifications"), "null");
}

TEST_P(JobStoreTest, CompleteRetryReschedulesWithTheError) {
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

TEST_P(JobStoreTest, CompleteDeadKeepsTheReason) {
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

TEST_P(JobStoreTest, CompleteWithTheWrongOwnerOrAttemptWritesNothing) {
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

TEST_P(JobStoreTest, RescueReturnsExpiredLeasesAndFencesTheLateCompletion) {
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

// A store that is not shared is used under the dispatch lock, so every other owner is dead; a
// shared store leaves the leases of an owner that heartbeats alone (its claim is a heartbeat):
// test_store_postgres_job_store.cpp has the owner that went silent.
TEST_P(JobStoreTest, RescueWithACurrentOwnerTakesBackEveryOtherOwnersRows) {
    enqueue_one();
    enqueue_one();
    auto theirs = claim_one("previous-instance");
    auto mine = claim_one("current");
    if (store().shared()) {
        EXPECT_EQ(store().rescue(k_t0, std::string("current")), 0);
        EXPECT_EQ(get(theirs.notification.id).status, Status::sending);
    } else {
        EXPECT_EQ(store().rescue(k_t0, std::string("current")), 1);
        EXPECT_EQ(get(theirs.notification.id).status, Status::retrying);
    }
    EXPECT_EQ(get(mine.notification.id).status, Status::sending);
}

// ---- expire -----------------------------------------------------------------------------

TEST_P(JobStoreTest, ExpireSuppressesRowsPastTheirTtl) {
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

TEST_P(JobStoreTest, ExpireLeavesSendingAndHeldRowsAlone) {
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

TEST_P(JobStoreTest, VerbsAllowAndRefuseByStatus) {
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

TEST_P(JobStoreTest, VerbRefusalMessagesArePinned) {
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

TEST_P(JobStoreTest, ReleaseRestoresScheduledQueuedOrRetrying) {
    auto later = enqueue_one(row(k_t0 + hours(1)));
    auto retrying = row_in(Status::retrying);
    ASSERT_EQ(store().apply(Verb::hold, {later, retrying}, k_t0).changed.size(), 2u);
    ASSERT_EQ(store().apply(Verb::release, {later, retrying}, k_t0).changed.size(), 2u);
    EXPECT_EQ(get(later).status, Status::scheduled);
    EXPECT_EQ(get(later).due_at, k_t0 + hours(1));
    EXPECT_EQ(get(retrying).status, Status::retrying);
    EXPECT_EQ(detail(later).events.back().type, "released");
}

TEST_P(JobStoreTest, RetryMakesATerminalRowDueNowWithoutItsTtl) {
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

TEST_P(JobStoreTest, VerbWithAMissingIdChangesNothing) {
    auto a = enqueue_one();
    auto b = enqueue_one();
    auto result = store().apply(Verb::cancel, {a, 999, b}, k_t0);
    EXPECT_TRUE(result.changed.empty());
    EXPECT_THAT(result.missing, ElementsAre(999));
    EXPECT_EQ(get(a).status, Status::queued);
    EXPECT_EQ(get(b).status, Status::queued);
    EXPECT_EQ(detail(a).events.size(), 1u);
}

TEST_P(JobStoreTest, VerbWithOneRefusedIdChangesNothing) {
    auto a = enqueue_one();
    auto sent = row_in(Status::sent);
    auto result = store().apply(Verb::cancel, {a, sent}, k_t0);
    EXPECT_TRUE(result.changed.empty());
    EXPECT_EQ(result.refused.size(), 1u);
    EXPECT_EQ(get(a).status, Status::queued);
}

TEST_P(JobStoreTest, VerbWithADuplicateIdActsOnce) {
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
TEST_P(JobStoreTest, VerbWithADuplicateMissingOrRefusedIdReportsItOnce) {
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

TEST_P(JobStoreTest, AttachmentsAreStoredWithTheirBytesInOrder) {
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

TEST_P(JobStoreTest, SentDropsAttachmentBytesAndKeepsNameTypeAndSize) {
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
    EXPECT_EQ(query_number("SELECT count(*) FROM attachments WHERE content IS NOT NULL"), 0);
}

TEST_P(JobStoreTest, FailedAttemptsKeepAttachmentBytes) {
    auto id = enqueue_one(with_files());
    ASSERT_TRUE(store().complete(completion_for(claim_one(), Outcome::retry, k_t0)));
    EXPECT_EQ(store().attachments(id)[0].bytes, std::string("%PDF\0\xff\x01", 7));
    ASSERT_TRUE(store().complete(
        completion_for(claim_one("me", k_t0 + minutes(2)), Outcome::dead, k_t0 + minutes(2))));
    EXPECT_TRUE(store().attachments(id)[0].stored); // `notify retry` may send it again
}

TEST_P(JobStoreTest, DuplicateEventIdStoresNoAttachments) {
    ASSERT_FALSE(store().enqueue(request_of({with_files()}, "once"), k_t0).duplicate);
    ASSERT_TRUE(store().enqueue(request_of({with_files()}, "once"), k_t0).duplicate);
    EXPECT_EQ(query_number("SELECT count(*) FROM attachments"), 2);
}

TEST_P(JobStoreTest, PurgeDeletesAttachments) {
    auto id = enqueue_one(with_files());
    ASSERT_TRUE(store().complete(completion_for(claim_one(), Outcome::sent, k_t0)));
    EXPECT_EQ(store().purge(k_t0 + seconds(1), std::nullopt), 1);
    EXPECT_TRUE(store().attachments(id).empty());
    EXPECT_EQ(query_number("SELECT count(*) FROM attachments"), 0);
}

// ---- purge ------------------------------------------------------------------------------

TEST_P(JobStoreTest, PurgeDeletesOldTerminalRowsWithTheirHistory) {
    auto sent = row_in(Status::sent);
    auto dead = row_in(Status::dead);
    auto cancelled = row_in(Status::cancelled);
    auto suppressed = row_in(Status::suppressed);
    auto queued = row_in(Status::queued);
    auto retrying = row_in(Status::retrying);
    auto held = row_in(Status::held);
    ASSERT_GT(query_number("SELECT count(*) FROM attempts WHERE notification_id = " +
                           std::to_string(sent)),
              0);
    // Nothing was last updated before k_t0.
    EXPECT_EQ(store().purge(k_t0, std::nullopt), 0);
    EXPECT_EQ(store().purge(k_t0 + seconds(1), std::nullopt), 4);
    for (auto id : {sent, dead, cancelled, suppressed}) {
        EXPECT_EQ(store().find(id, k_t0), std::nullopt) << id;
    }
    for (auto id : {queued, retrying, held}) {
        EXPECT_NE(store().find(id, k_t0), std::nullopt) << id;
    }
    EXPECT_EQ(query_number("SELECT count(*) FROM attempts WHERE notification_id NOT IN (SELECT id "
                           "FROM notifications)"),
              0);
    EXPECT_EQ(query_number("SELECT count(*) FROM events WHERE notification_id NOT IN (SELECT id "
                           "FROM notifications)"),
              0);
    // queued: created; retrying: created, claimed, failed, retried; held: created, held.
    EXPECT_EQ(query_number("SELECT count(*) FROM events"), 1 + 4 + 2);
}

TEST_P(JobStoreTest, PurgeByStatusDeletesOnlyThatStatus) {
    auto sent = row_in(Status::sent);
    auto dead = row_in(Status::dead);
    EXPECT_EQ(store().purge(k_t0 + seconds(1), Status::dead), 1);
    EXPECT_EQ(store().find(dead, k_t0), std::nullopt);
    EXPECT_NE(store().find(sent, k_t0), std::nullopt);
}

TEST_P(JobStoreTest, PurgeGoesByLastUpdateNotCreation) {
    auto id = enqueue_one();
    auto c = claim_one("me", k_t0 + hours(2));
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0 + hours(2))));
    EXPECT_EQ(store().purge(k_t0 + hours(1), std::nullopt), 0);
    EXPECT_EQ(store().purge(k_t0 + hours(3), std::nullopt), 1);
    EXPECT_EQ(store().find(id, k_t0), std::nullopt);
}

// ---- stats and wake-up ------------------------------------------------------------------

TEST_P(JobStoreTest, StatsOfAnEmptyStore) {
    Stats s = store().stats(k_t0);
    EXPECT_EQ(s.total, 0);
    EXPECT_EQ(s.due_now, 0);
    EXPECT_EQ(s.oldest_due_age, std::nullopt);
    EXPECT_TRUE(s.by_status.empty());
}

TEST_P(JobStoreTest, StatsCountsByStatusAndChannel) {
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
TEST_P(JobStoreTest, ClaimExcludingChannelsTakesOnlyTheOthersInPriorityOrder) {
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

TEST_P(JobStoreTest, ClaimWithoutAChannelOrdersAcrossEveryChannel) {
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

TEST_P(JobStoreTest, NextWakeupLooksAtEveryChannelAndPriority) {
    enqueue_one(row(k_t0 + hours(3)));
    enqueue_one(row(k_t0 + hours(2), Priority::low, "sms", "+14155550123"));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(2));
    enqueue_one(row(k_t0 + hours(1), Priority::high, "webhook", "https://hooks.example.com/in"));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(1));
    auto claimed = store().claim("me", 10, minutes(5), k_t0 + hours(1));
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(1) + minutes(5)) << "the lease runs out first";
}

// SQLite's stats() reads status_counts, kept by triggers; PostgreSQL's counts through an index.
// This counts the rows themselves, with `number` running a query on the tables.
std::map<std::string, long long>
counted_by_status_and_channel(const std::function<long long(const std::string&)>& number,
                              TimePoint now) {
    std::map<std::string, long long> out;
    for (const char* status : {"scheduled", "queued", "sending", "retrying", "sent", "dead",
                               "cancelled", "held", "suppressed"}) {
        for (const char* channel : {"email", "sms"}) {
            const std::string ms = std::to_string(to_unix_ms(now));
            long long n = number(
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

TEST_P(JobStoreTest, StatusCountsFollowEveryKindOfChange) {
    auto number = [this](const std::string& sql) { return query_number(sql); };
    auto check = [&](const char* step, TimePoint now = k_t0) {
        Stats s = store().stats(now);
        EXPECT_EQ(reported_by_status_and_channel(s), counted_by_status_and_channel(number, now))
            << step;
        EXPECT_EQ(s.total, number("SELECT count(*) FROM notifications")) << step;
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
    // Another program's edits count too (SQLite: through the triggers).
    ASSERT_TRUE(execute("UPDATE notifications SET channel = 'sms' WHERE channel = 'email' AND "
                        "status = 'scheduled'"));
    ASSERT_TRUE(execute("UPDATE notifications SET status = 'held', channel = 'email' WHERE "
                        "status = 'queued' OR status = 'scheduled'"));
    ASSERT_TRUE(execute("DELETE FROM notifications WHERE status = 'held'"));
    check("after raw updates and deletes");
}

TEST_P(JobStoreTest, QueueShapeCountsDueAndSendingRowsByAge) {
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
TEST_P(JobStoreTest, StatsDoesNotPinAStaleSnapshot) {
    enqueue_one();
    auto other = open_store();
    store().stats(k_t0);
    other->enqueue(request_of({row()}), k_t0);
    EXPECT_EQ(store().list({}, k_t0).size(), 2u);
    EXPECT_EQ(store().stats(k_t0).total, 2);
    EXPECT_NO_THROW(store().claim("me", 10, minutes(5), k_t0));
}

TEST_P(JobStoreTest, NextWakeupIsTheEarliestDueAtOrLeaseExpiry) {
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

// ---- digests ----------------------------------------------------------------------------

// Digests: the claim of a user's group and the merge transaction.
NewNotification digest_item(std::string to = "ann@example.com", std::string category = "orders",
                            std::string channel = "email") {
    NewNotification n = row(k_t0, Priority::normal, std::move(channel), std::move(to));
    n.user = "u1";
    n.category = std::move(category);
    return n;
}

TEST_P(JobStoreTest, ClaimDigestItemsTakesTheDueRowsOfOneGroupOnly) {
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

TEST_P(JobStoreTest, MergeDigestInsertsTheDigestAndSuppressesEveryItem) {
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

TEST_P(JobStoreTest, MergeDigestIsFencedAndWritesNothingWhenAnItemIsNoLongerOurs) {
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

TEST_P(JobStoreTest, NoteIsAppendedToTheCreatedEvent) {
    auto n = digest_item();
    n.note = "digest of category orders on email";
    auto id = enqueue_one(n);
    EXPECT_THAT(detail(id).events.front().detail,
                HasSubstr("(digest of category orders on email)"));
}

// ---- completions in bulk, deferrals, receipts and events --------------------------------

TEST_P(JobStoreTest, CompleteAllAnswersForEachCompletion) {
    for (int i = 0; i < 3; ++i) {
        enqueue_one();
    }
    auto claims = store().claim("me", 3, minutes(5), k_t0);
    ASSERT_EQ(claims.size(), 3u);
    auto wrong_owner = completion_for(claims[1], Outcome::retry, k_t0);
    wrong_owner.owner = "someone-else";
    std::vector<Completion> done = {completion_for(claims[0], Outcome::sent, k_t0),
                                    completion_for(claims[0], Outcome::sent, k_t0), wrong_owner,
                                    completion_for(claims[2], Outcome::dead, k_t0)};
    EXPECT_THAT(store().complete_all(done), ElementsAre(true, false, false, true));
    EXPECT_EQ(get(claims[0].notification.id).status, Status::sent);
    EXPECT_EQ(get(claims[1].notification.id).status, Status::sending);
    EXPECT_EQ(get(claims[2].notification.id).status, Status::dead);
    EXPECT_EQ(detail(claims[0].notification.id).attempts.size(), 1u);
    EXPECT_TRUE(store().complete_all({}).empty());
}

TEST_P(JobStoreTest, DeferredGivesTheAttemptBackWithoutCountingIt) {
    auto id = enqueue_one();
    auto c = claim_one();
    auto deferred = completion_for(c, Outcome::deferred, k_t0 + seconds(1));
    deferred.attempt_class = "auth";
    deferred.detail = "provider file paused: 401";
    deferred.next_due = k_t0 + minutes(2);
    auto wrong_owner = deferred;
    wrong_owner.owner = "someone-else";
    EXPECT_FALSE(store().complete(wrong_owner));
    ASSERT_TRUE(store().complete(deferred));
    auto d = detail(id, k_t0 + minutes(2));
    EXPECT_EQ(d.notification.status, Status::queued);
    EXPECT_EQ(d.notification.attempts, 0);
    EXPECT_EQ(d.notification.due_at, k_t0 + minutes(2));
    EXPECT_EQ(d.notification.last_error, "provider file paused: 401");
    EXPECT_EQ(d.notification.updated_at, k_t0 + seconds(1));
    ASSERT_EQ(d.attempts.size(), 1u) << "the try is logged";
    EXPECT_EQ(d.attempts[0].n, 1);
    EXPECT_EQ(d.attempts[0].outcome, "auth");
    EXPECT_EQ(d.events.back().type, "deferred");
    EXPECT_EQ(d.events.back().detail,
              "provider file paused: 401; next try at 2025-06-15T12:02:00Z (attempt not counted)");
    EXPECT_EQ(get(id, k_t0).status, Status::scheduled) << "not due before next_due";
    EXPECT_TRUE(store().claim("me", 10, minutes(5), k_t0 + minutes(1)).empty());

    // A row already tried once goes back to retrying; a deferral before any provider was
    // tried (no class) logs no attempt.
    auto again = claim_one("me", k_t0 + minutes(2));
    EXPECT_EQ(again.notification.attempts, 1);
    ASSERT_TRUE(store().complete(completion_for(again, Outcome::retry, k_t0 + minutes(2))));
    auto third = claim_one("me", k_t0 + minutes(3));
    EXPECT_EQ(third.notification.attempts, 2);
    auto shutdown = completion_for(third, Outcome::deferred, k_t0 + minutes(3));
    shutdown.attempt_class.clear();
    shutdown.detail = "dispatcher stopping";
    ASSERT_TRUE(store().complete(shutdown));
    d = detail(id, k_t0 + hours(1));
    EXPECT_EQ(d.notification.status, Status::retrying);
    EXPECT_EQ(d.notification.attempts, 1);
    EXPECT_EQ(d.attempts.size(), 2u) << "auth, then the retry's transient; none for the shutdown";
}

TEST_P(JobStoreTest, FindByReceiptFindsTheNotificationSentWithIt) {
    auto sent_id = enqueue_one();
    auto c = claim_one();
    auto done = completion_for(c, Outcome::sent, k_t0);
    done.provider = "twilio";
    done.detail = "SM123";
    ASSERT_TRUE(store().complete(done));
    auto failed = enqueue_one();
    auto f = completion_for(claim_one(), Outcome::retry, k_t0);
    f.provider = "twilio";
    f.detail = "SM777";
    ASSERT_TRUE(store().complete(f));
    EXPECT_EQ(store().find_by_receipt("twilio", "SM123"), sent_id);
    EXPECT_EQ(store().find_by_receipt("twilio", "SM999"), std::nullopt);
    EXPECT_EQ(store().find_by_receipt("vonage", "SM123"), std::nullopt);
    EXPECT_EQ(store().find_by_receipt("twilio", "SM777"), std::nullopt)
        << "a failed attempt's detail is no receipt (row " << failed << ")";
}

TEST_P(JobStoreTest, EventsFollowTheirFilterInTheOrderWritten) {
    auto a = enqueue_one();
    auto b = enqueue_one(row(k_t0, Priority::normal, "sms", "+14155550123"));
    auto c = claim_one();
    ASSERT_EQ(c.notification.id, a);
    ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0 + seconds(1))));
    EXPECT_TRUE(store().record_event(a, "delivered", "handset", k_t0 + seconds(2)));
    EXPECT_FALSE(store().record_event(999, "delivered", "handset", k_t0 + seconds(2)));

    auto all = store().events({});
    ASSERT_EQ(all.size(), 5u);
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < all.size(); ++i) {
        seen.push_back(std::to_string(all[i].id) + " " + all[i].channel + " " + all[i].type);
        if (i > 0) {
            EXPECT_GT(all[i].seq, all[i - 1].seq);
        }
    }
    const std::string sa = std::to_string(a);
    const std::string sb = std::to_string(b);
    EXPECT_THAT(seen, ElementsAre(sa + " email created", sb + " sms created", sa + " email claimed",
                                  sa + " email sent", sa + " email delivered"));
    EXPECT_EQ(all[4].at, k_t0 + seconds(2));
    EXPECT_EQ(all[4].detail, "handset");

    EventFilter f;
    f.id = b;
    ASSERT_EQ(store().events(f).size(), 1u);
    EXPECT_EQ(store().events(f)[0].type, "created");
    f = {};
    f.types = {"sent", "delivered"};
    EXPECT_EQ(store().events(f).size(), 2u);
    f = {};
    f.since = k_t0 + seconds(1);
    EXPECT_EQ(store().events(f).size(), 2u);
    f = {};
    f.after_seq = all[2].seq;
    auto after = store().events(f);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0].seq, all[3].seq);
    f.settled = true; // nothing is being written: the same events
    ASSERT_EQ(store().events(f).size(), 2u);
    EXPECT_EQ(store().events(f)[1].seq, all[4].seq);
    f.limit = 1;
    EXPECT_EQ(store().events(f).size(), 1u);
    f = {};
    f.types = {"created"};
    f.id = a;
    f.since = k_t0;
    EXPECT_EQ(store().events(f).size(), 1u);
}

TEST_P(JobStoreTest, EngagementCountsSentOpenedAndClickedPerTemplate) {
    auto templated = [](std::optional<std::string> name, TimePoint due = k_t0) {
        auto n = row(due);
        n.template_name = std::move(name);
        return n;
    };
    // Sent before the window: not counted.
    enqueue_one(templated("welcome", k_t0 - hours(2)));
    auto old = claim_one("me", k_t0 - hours(1));
    ASSERT_TRUE(store().complete(completion_for(old, Outcome::sent, k_t0 - hours(1))));
    auto w1 = enqueue_one(templated("welcome"));
    enqueue_one(templated("welcome"));
    enqueue_one(templated(std::nullopt));
    enqueue_one(templated("receipt", k_t0 + hours(1))); // never sent
    for (const Claim& c : store().claim("me", 10, minutes(5), k_t0)) {
        ASSERT_TRUE(store().complete(completion_for(c, Outcome::sent, k_t0 + seconds(1))));
    }
    store().record_event(w1, "opened", "", k_t0 + minutes(1));
    store().record_event(w1, "opened", "", k_t0 + minutes(2)); // counted once
    store().record_event(w1, "clicked", "https://example.com", k_t0 + minutes(2));
    store().record_event(old.notification.id, "opened", "", k_t0 + minutes(3));
    auto rows = store().engagement(k_t0);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].template_name, std::nullopt);
    EXPECT_EQ(rows[0].sent, 1);
    EXPECT_EQ(rows[0].opened, 0);
    EXPECT_EQ(rows[1].template_name, "welcome");
    EXPECT_EQ(rows[1].sent, 2);
    EXPECT_EQ(rows[1].opened, 1);
    EXPECT_EQ(rows[1].clicked, 1);
    EXPECT_TRUE(store().engagement(k_t0 + hours(1)).empty());
}

// ---- rate limits ------------------------------------------------------------------------

TEST_P(JobStoreTest, TakeTokensTakesFromEveryBucketOrFromNone) {
    const policy::RateLimit two_a_minute{2, minutes(1)};
    const policy::RateLimit one_an_hour{1, hours(1)};
    auto empty_wait = [](const policy::RateLimit& limit) {
        return policy::take_token({0.0, k_t0}, limit, k_t0, false).wait;
    };
    TokenRequest ann;
    ann.buckets = {{"email", two_a_minute}, {"email:ann", one_an_hour}};
    TokenRequest any;
    any.buckets = {{"email", two_a_minute}};

    auto r = store().take_tokens({ann}, k_t0);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].wait, std::nullopt) << "new buckets start full";
    r = store().take_tokens({ann}, k_t0);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].wait, empty_wait(one_an_hour));
    EXPECT_EQ(r[0].limiting, 1u);
    // The refusal took nothing from "email": one token is left there.
    EXPECT_EQ(store().take_tokens({any}, k_t0)[0].wait, std::nullopt);
    r = store().take_tokens({any}, k_t0);
    EXPECT_EQ(r[0].wait, empty_wait(two_a_minute));
    EXPECT_EQ(r[0].limiting, 0u);

    // A minute refills "email"; requests of one call see each other's takes.
    r = store().take_tokens({any, any, any}, k_t0 + minutes(1));
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].wait, std::nullopt);
    EXPECT_EQ(r[1].wait, std::nullopt);
    EXPECT_EQ(r[2].wait, empty_wait(two_a_minute));
    EXPECT_EQ(store().take_tokens({ann}, k_t0 + hours(1) + minutes(1))[0].wait, std::nullopt);
}

// ---- schedules --------------------------------------------------------------------------

Schedule schedule_named(std::string name, TimePoint next_at = k_t0) {
    Schedule s;
    s.name = std::move(name);
    s.cron = "0 9 * * 1";
    s.tz = "Europe/Berlin";
    s.content_json = R"({"channel":"email","to":"ann@example.com"})";
    s.catch_up = "all";
    s.created_at = k_t0;
    s.updated_at = k_t0;
    s.next_at = next_at;
    return s;
}

TEST_P(JobStoreTest, SchedulesAreAddedListedByNameFoundPausedAndRemoved) {
    EXPECT_TRUE(store().add_schedule(schedule_named("weekly", k_t0 + hours(1))));
    auto taken = schedule_named("weekly");
    taken.cron = "* * * * *";
    EXPECT_FALSE(store().add_schedule(taken)) << "the name is taken";
    EXPECT_TRUE(store().add_schedule(schedule_named("alpha")));
    EXPECT_TRUE(store().add_schedule(schedule_named("Daily")));
    std::vector<std::string> names;
    for (const Schedule& s : store().list_schedules()) {
        names.push_back(s.name);
    }
    EXPECT_THAT(names, ElementsAre("Daily", "alpha", "weekly")) << "byte order";

    auto weekly = store().find_schedule("weekly");
    ASSERT_TRUE(weekly);
    EXPECT_EQ(weekly->cron, "0 9 * * 1");
    EXPECT_EQ(weekly->tz, "Europe/Berlin");
    EXPECT_FALSE(weekly->paused);
    EXPECT_EQ(weekly->content_json, R"({"channel":"email","to":"ann@example.com"})");
    EXPECT_EQ(weekly->catch_up, "all");
    EXPECT_EQ(weekly->created_at, k_t0);
    EXPECT_EQ(weekly->updated_at, k_t0);
    EXPECT_EQ(weekly->next_at, k_t0 + hours(1));
    EXPECT_EQ(weekly->last_slot, std::nullopt);
    EXPECT_EQ(store().find_schedule("nope"), std::nullopt);

    EXPECT_TRUE(store().set_schedule_paused("weekly", true, std::nullopt, k_t0 + minutes(1)));
    weekly = store().find_schedule("weekly");
    EXPECT_TRUE(weekly->paused);
    EXPECT_EQ(weekly->next_at, std::nullopt);
    EXPECT_EQ(weekly->updated_at, k_t0 + minutes(1));
    EXPECT_FALSE(store().set_schedule_paused("nope", true, std::nullopt, k_t0));
    EXPECT_TRUE(store().set_schedule_paused("weekly", false, k_t0 + hours(2), k_t0 + minutes(2)));
    EXPECT_FALSE(store().find_schedule("weekly")->paused);
    EXPECT_EQ(store().find_schedule("weekly")->next_at, k_t0 + hours(2));
    store().set_schedule_next("weekly", k_t0 + hours(3), k_t0 + minutes(3));
    EXPECT_EQ(store().find_schedule("weekly")->next_at, k_t0 + hours(3));
    EXPECT_EQ(store().find_schedule("weekly")->updated_at, k_t0 + minutes(3));

    EXPECT_TRUE(store().remove_schedule("weekly"));
    EXPECT_FALSE(store().remove_schedule("weekly"));
    EXPECT_EQ(store().find_schedule("weekly"), std::nullopt);
    EXPECT_EQ(store().list_schedules().size(), 2u);
}

TEST_P(JobStoreTest, FireScheduleEnqueuesEachSlotOnceAndMovesNextAt) {
    ASSERT_TRUE(store().add_schedule(schedule_named("daily")));
    const std::vector<NewNotification> rows = {row(),
                                               row(k_t0, Priority::normal, "sms", "+14155550123")};
    auto ids = store().fire_schedule("daily", k_t0, rows, k_t0 + hours(24), k_t0);
    ASSERT_EQ(ids.size(), 2u);
    for (auto id : ids) {
        auto d = detail(id);
        EXPECT_EQ(d.notification.event_id, "schedule:daily:2025-06-15T12:00:00Z");
        EXPECT_EQ(d.notification.status, Status::queued);
        EXPECT_EQ(d.events.at(0).detail, "from schedule daily, slot 2025-06-15T12:00:00Z");
    }
    auto daily = store().find_schedule("daily");
    EXPECT_EQ(daily->last_slot, k_t0);
    EXPECT_EQ(daily->next_at, k_t0 + hours(24));

    // The same slot again (another dispatcher, a restart): nothing, but next_at still moves.
    EXPECT_TRUE(
        store().fire_schedule("daily", k_t0, rows, k_t0 + hours(48), k_t0 + seconds(1)).empty());
    EXPECT_EQ(store().list({}, k_t0).size(), 2u);
    EXPECT_EQ(store().find_schedule("daily")->next_at, k_t0 + hours(48));

    // An older slot (catch-up) fires once; last_slot keeps the latest.
    EXPECT_EQ(store().fire_schedule("daily", k_t0 - hours(24), rows, k_t0 + hours(24), k_t0).size(),
              2u);
    EXPECT_EQ(store().find_schedule("daily")->last_slot, k_t0);

    // Removing a schedule forgets its fired slots.
    ASSERT_TRUE(store().remove_schedule("daily"));
    ASSERT_TRUE(store().add_schedule(schedule_named("daily")));
    EXPECT_EQ(store().fire_schedule("daily", k_t0, rows, k_t0 + hours(24), k_t0).size(), 2u);
    EXPECT_EQ(store().list({}, k_t0).size(), 6u);
}

TEST_P(JobStoreTest, NextWakeupIncludesTheNextSlotOfAnUnpausedSchedule) {
    ASSERT_TRUE(store().add_schedule(schedule_named("daily", k_t0 + hours(2))));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(2));
    enqueue_one(row(k_t0 + hours(3)));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(2));
    ASSERT_TRUE(store().set_schedule_paused("daily", true, k_t0 + hours(2), k_t0));
    EXPECT_EQ(store().next_wakeup(), k_t0 + hours(3)) << "a paused schedule wakes nobody";
}

} // namespace
} // namespace notify::store
