// Unit tests of common/dispatch/dispatcher.cpp: a real store file, real file providers, a
// config from YAML text and a FixedClock.
#include <algorithm>
#include <chrono>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/config/config.hpp"
#include "common/dispatch/dispatcher.hpp"
#include "common/store/job_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::dispatch {
namespace {

using model::Priority;
using model::Status;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ElementsAre;

// 2025-06-15T12:00:00Z.
const TimePoint k_t0 = from_unix_ms(1'749'988'800'000);

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Providers: `out` writes <dir>/delivered.jsonl; `broken` and `broken2` point under a regular
// file, so every send fails as transient; `mail` has a type this build cannot create.
// Routes: email -> out, sms -> broken, push -> broken, out, slack -> broken, broken2,
// webhook -> mail. Channel `pager` has no route.
class DispatcherTest : public testing::Test {
  protected:
    DispatcherTest()
        : m_delivered(m_dir.file("delivered.jsonl")),
          m_broken(m_dir.file("blocker/sub/delivered.jsonl")), m_clock(k_t0) {
        m_dir.write("blocker", "a regular file\n");
        const std::string yaml = "providers:\n"
                                 "  out:\n    type: file\n    path: " +
                                 m_delivered +
                                 "\n"
                                 "  broken:\n    type: file\n    path: " +
                                 m_broken +
                                 "\n"
                                 "  broken2:\n    type: file\n    path: " +
                                 m_broken +
                                 "\n"
                                 "  mail:\n    type: smtp\n"
                                 "channels:\n"
                                 "  email: out\n"
                                 "  sms: [broken]\n"
                                 "  push: [broken, out]\n"
                                 "  slack: [broken, broken2]\n"
                                 "  webhook: [mail]\n";
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        m_config = config::load_text(yaml, home + "/config.yaml", options);
        store::SqliteOptions store_options;
        store_options.path = m_dir.file("notify.db");
        m_store = store::open_sqlite_store(store_options);
    }

    DispatchOptions options(int batch = 64) {
        DispatchOptions o;
        o.owner = "test-owner";
        o.batch = batch;
        o.seed = 42;
        return o;
    }

    std::int64_t enqueue(std::string channel, std::string to = "ann@example.com",
                         TimePoint due = k_t0, Priority priority = Priority::normal) {
        store::NewNotification n;
        n.channel = std::move(channel);
        n.to = std::move(to);
        n.priority = priority;
        n.due_at = due;
        n.body = "hello";
        store::EnqueueRequest r;
        r.rows.push_back(std::move(n));
        auto ids = m_store->enqueue(r, m_clock.now()).ids;
        EXPECT_EQ(ids.size(), 1u);
        return ids.empty() ? 0 : ids[0];
    }

    model::NotificationDetail detail(std::int64_t id) {
        auto d = m_store->find(id, m_clock.now());
        EXPECT_TRUE(d.has_value()) << id;
        return d ? *d : model::NotificationDetail{};
    }

    std::vector<nlohmann::json> delivered() {
        std::vector<nlohmann::json> out;
        for (const auto& line : lines_of(test::TempDir::read_file(m_delivered))) {
            out.push_back(nlohmann::json::parse(line));
        }
        return out;
    }

    std::string broken_error() const { return "cannot open " + m_broken + ": Not a directory"; }

    // Gives channel email a lane of two slots and enqueues `rows` normal e-mails due now.
    std::vector<std::int64_t> two_slot_email_lane(int rows) {
        m_config.channel_delivery["email"] = m_config.delivery;
        m_config.channel_delivery["email"].concurrency = 2;
        std::vector<std::int64_t> ids;
        for (int i = 0; i < rows; ++i) {
            ids.push_back(enqueue("email", "user" + std::to_string(i) + "@example.com"));
        }
        return ids;
    }

    test::TempDir m_dir{"dispatch"};
    std::string m_delivered;
    std::string m_broken;
    schedule::FixedClock m_clock;
    config::Config m_config;
    std::unique_ptr<store::JobStore> m_store;
};

TEST_F(DispatcherTest, DeliversDueRowsAsLinesInTheFile) {
    auto a = enqueue("email", "ann@example.com");
    auto b = enqueue("email", "bob@example.com");
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.claimed, 2);
    EXPECT_EQ(r.sent, 2);
    EXPECT_EQ(r.retrying, 0);
    EXPECT_EQ(r.fenced, 0);
    auto lines = delivered();
    ASSERT_EQ(lines.size(), 2u);
    // Sends in a lane run in parallel: the file's order is not the claim order.
    std::sort(lines.begin(), lines.end(),
              [](const auto& x, const auto& y) { return x["id"] < y["id"]; });
    EXPECT_EQ(lines[0]["id"], a);
    EXPECT_EQ(lines[0]["to"], "ann@example.com");
    EXPECT_EQ(lines[0]["body"], "hello");
    EXPECT_EQ(lines[0]["attempt"], 1);
    EXPECT_EQ(lines[1]["id"], b);
    auto got = detail(a);
    EXPECT_EQ(got.notification.status, Status::sent);
    EXPECT_EQ(got.notification.provider, "out");
    EXPECT_EQ(got.notification.sent_at, k_t0);
    EXPECT_EQ(got.notification.attempts, 1);
    ASSERT_EQ(got.attempts.size(), 1u);
    EXPECT_EQ(got.attempts[0].outcome, "sent");
    EXPECT_EQ(got.attempts[0].detail, "appended to " + m_delivered);
    EXPECT_TRUE(d.run_until_idle().claimed == 0);
    EXPECT_EQ(delivered().size(), 2u);
}

TEST_F(DispatcherTest, ScheduledRowWaitsForItsTime) {
    auto id = enqueue("email", "ann@example.com", k_t0 + hours(1));
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().claimed, 0);
    EXPECT_FALSE(std::filesystem::exists(m_delivered));
    m_clock.advance(hours(1));
    EXPECT_EQ(d.run_until_idle().sent, 1);
    EXPECT_EQ(detail(id).notification.status, Status::sent);
}

TEST_F(DispatcherTest, HigherPriorityIsDeliveredFirst) {
    auto low = enqueue("email", "low@example.com", k_t0 - minutes(5), Priority::low);
    auto normal = enqueue("email", "normal@example.com", k_t0 - minutes(1));
    auto high = enqueue("email", "high@example.com", k_t0, Priority::high);
    m_config.delivery.concurrency = 1; // one send at a time: delivery order is claim order
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().sent, 3);
    auto lines = delivered();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0]["id"], high);
    EXPECT_EQ(lines[1]["id"], normal);
    EXPECT_EQ(lines[2]["id"], low);
}

TEST_F(DispatcherTest, FailingProviderLeavesTheRowRetryingInTheBackoffWindow) {
    auto id = enqueue("sms", "+14155550123");
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.claimed, 1);
    EXPECT_EQ(r.sent, 0);
    EXPECT_EQ(r.retrying, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::retrying);
    EXPECT_EQ(got.notification.last_error, broken_error());
    EXPECT_EQ(got.notification.provider, "broken");
    EXPECT_GE(got.notification.due_at, k_t0 + seconds(24));
    EXPECT_LE(got.notification.due_at, k_t0 + seconds(36));
    ASSERT_EQ(got.attempts.size(), 1u);
    EXPECT_EQ(got.attempts[0].n, 1);
    EXPECT_EQ(got.attempts[0].provider, "broken");
    EXPECT_EQ(got.attempts[0].outcome, "transient");
    EXPECT_EQ(got.attempts[0].detail, broken_error());
    EXPECT_FALSE(std::filesystem::exists(m_delivered));

    // Not due again before the backoff has passed.
    m_clock.advance(seconds(23));
    EXPECT_EQ(d.run_until_idle().claimed, 0);
    m_clock.set(k_t0 + seconds(36));
    r = d.run_until_idle();
    EXPECT_EQ(r.claimed, 1);
    EXPECT_EQ(r.retrying, 1);
    got = detail(id);
    EXPECT_EQ(got.notification.attempts, 2);
    EXPECT_GE(got.notification.due_at, m_clock.now() + seconds(48));
    EXPECT_LE(got.notification.due_at, m_clock.now() + seconds(72));
    ASSERT_EQ(got.attempts.size(), 2u);
    EXPECT_EQ(got.attempts[1].n, 2);
}

TEST_F(DispatcherTest, GivesUpAfterMaxAttempts) {
    auto id = enqueue("sms", "+14155550123");
    m_config.delivery.max_attempts = 2;
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().retrying, 1);
    m_clock.advance(minutes(1));
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.dead, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::dead);
    EXPECT_EQ(got.notification.last_error, "gave up after 2 attempts: " + broken_error());
    EXPECT_EQ(got.events.back().type, "dead");
}

TEST_F(DispatcherTest, FailsOverToTheNextProvider) {
    auto id = enqueue("push", "device-token-1234");
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.sent, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::sent);
    EXPECT_EQ(got.notification.provider, "out");
    ASSERT_EQ(got.attempts.size(), 2u);
    EXPECT_EQ(got.attempts[0].provider, "broken");
    EXPECT_EQ(got.attempts[0].outcome, "transient");
    EXPECT_EQ(got.attempts[0].n, 1);
    EXPECT_EQ(got.attempts[1].provider, "out");
    EXPECT_EQ(got.attempts[1].outcome, "sent");
    EXPECT_EQ(got.attempts[1].n, 1);
    auto lines = delivered();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["to"], "device-token-1234");
}

TEST_F(DispatcherTest, AllProvidersFailingRecordsEveryTry) {
    auto id = enqueue("slack", "https://hooks.example.com/x");
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().retrying, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::retrying);
    EXPECT_EQ(got.notification.provider, "broken2");
    ASSERT_EQ(got.attempts.size(), 2u);
    EXPECT_EQ(got.attempts[0].provider, "broken");
    EXPECT_EQ(got.attempts[1].provider, "broken2");
}

TEST_F(DispatcherTest, ChannelWithoutARouteRetriesWithAClearError) {
    auto id = enqueue("pager", "ops");
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.retrying, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::retrying);
    EXPECT_EQ(got.notification.last_error, "no provider is configured for channel pager");
    ASSERT_EQ(got.attempts.size(), 1u);
    EXPECT_EQ(got.attempts[0].outcome, "transient");
}

// `mail` is an smtp provider without its required url: creating it fails, a configuration
// problem that pauses the provider instead of burning the notification's attempts.
TEST_F(DispatcherTest, ProviderThatCannotBeCreatedPausesItWithoutBurningAttempts) {
    auto id = enqueue("webhook", "https://hooks.example.com/x");
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().deferred, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::scheduled);
    EXPECT_EQ(got.notification.attempts, 0);
    EXPECT_GE(got.notification.due_at, k_t0 + seconds(30));
    EXPECT_EQ(got.events.back().type, "deferred");
    ASSERT_TRUE(got.notification.last_error.has_value());
    EXPECT_NE(got.notification.last_error->find("providers.mail"), std::string::npos)
        << *got.notification.last_error;
    ASSERT_EQ(got.attempts.size(), 1u);
    EXPECT_EQ(got.attempts[0].outcome, "auth");
}

TEST_F(DispatcherTest, RowClaimedByAnotherOwnerIsNeverSentByThisOne) {
    auto id = enqueue("email");
    store::SqliteOptions other_options;
    other_options.path = m_dir.file("notify.db");
    auto other = store::open_sqlite_store(other_options);
    auto theirs = other->claim("other-daemon", 10, minutes(5), k_t0);
    ASSERT_EQ(theirs.size(), 1u);

    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.claimed, 0);
    EXPECT_EQ(r.rescued, 0);
    m_clock.advance(minutes(4));
    EXPECT_EQ(d.run_until_idle().claimed, 0);
    EXPECT_FALSE(std::filesystem::exists(m_delivered));
    EXPECT_EQ(detail(id).notification.status, Status::sending);

    // Once the lease runs out the row is rescued and delivered here; the other owner's late
    // result is refused.
    m_clock.set(k_t0 + minutes(5));
    r = d.run_until_idle();
    EXPECT_EQ(r.rescued, 1);
    EXPECT_EQ(r.sent, 1);
    auto got = detail(id);
    EXPECT_EQ(got.notification.status, Status::sent);
    EXPECT_EQ(got.notification.attempts, 2);
    ASSERT_EQ(delivered().size(), 1u);
    EXPECT_EQ(delivered()[0]["attempt"], 2);

    store::Completion late;
    late.id = id;
    late.owner = "other-daemon";
    late.attempt = 1;
    late.provider = "out";
    late.attempt_class = "sent";
    late.started_at = k_t0;
    late.finished_at = k_t0 + minutes(6);
    EXPECT_FALSE(other->complete(late));
    EXPECT_EQ(detail(id).notification.sent_at, k_t0 + minutes(5));
}

TEST_F(DispatcherTest, ExpiredRowIsSuppressedNotSent) {
    store::NewNotification n;
    n.channel = "email";
    n.to = "ann@example.com";
    n.due_at = k_t0 + minutes(10);
    n.expires_at = k_t0 + minutes(5);
    store::EnqueueRequest req;
    req.rows.push_back(n);
    auto id = m_store->enqueue(req, k_t0).ids.at(0);
    m_clock.advance(minutes(10));
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.expired, 1);
    EXPECT_EQ(r.claimed, 0);
    EXPECT_EQ(detail(id).notification.status, Status::suppressed);
    EXPECT_FALSE(std::filesystem::exists(m_delivered));
}

TEST_F(DispatcherTest, ATurnClaimsAtMostOneBatchPerLane) {
    for (int i = 0; i < 5; ++i) {
        enqueue("email", "user" + std::to_string(i) + "@example.com");
    }
    Dispatcher d(*m_store, m_config, m_clock, options(2));
    PassReport one = d.turn();
    EXPECT_EQ(one.claimed, 2);
    EXPECT_EQ(d.in_flight(), 2);
    PassReport rest = d.run_until_idle();
    EXPECT_EQ(rest.claimed, 3);
    EXPECT_EQ(rest.sent, 5); // the first turn's two are recorded by later turns
    EXPECT_EQ(d.in_flight(), 0);
    EXPECT_EQ(delivered().size(), 5u);
}

TEST_F(DispatcherTest, LaneConcurrencyCapsClaimsAndKeepsTheLastSlotForHigh) {
    m_config.channel_delivery["email"] = m_config.delivery;
    m_config.channel_delivery["email"].concurrency = 2;
    for (int i = 0; i < 3; ++i) {
        enqueue("email", "user" + std::to_string(i) + "@example.com");
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    // Claimed ahead up to twice the concurrency; of the two slots one starts a normal send,
    // the last is kept for high priority.
    PassReport first = d.turn();
    EXPECT_EQ(first.claimed, 3);
    EXPECT_EQ(d.in_flight(), 1);
    PassReport rest = d.run_until_idle();
    EXPECT_EQ(rest.sent, 3);
}

TEST_F(DispatcherTest, LaneClaimsAheadUpToTwiceItsConcurrency) {
    two_slot_email_lane(10);
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.turn().claimed, 4);
    EXPECT_EQ(d.in_flight(), 1);
    EXPECT_EQ(m_store->stats(m_clock.now()).by_status.at(Status::sending), 4);
    PassReport rest = d.run_until_idle();
    EXPECT_EQ(rest.claimed, 6);
    EXPECT_EQ(rest.sent, 10);
    EXPECT_EQ(delivered().size(), 10u);
}

TEST_F(DispatcherTest, HighPriorityStartsBeforeTheRowsClaimedAhead) {
    auto normal = two_slot_email_lane(3);
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.turn().claimed, 3); // one normal sending, two waiting for a slot
    auto high = enqueue("email", "boss@example.com", k_t0, Priority::high);
    EXPECT_EQ(d.turn().claimed, 1); // into the kept slot, ahead of the waiting two
    EXPECT_EQ(d.run_until_idle().sent, 4);
    auto lines = delivered();
    ASSERT_EQ(lines.size(), 4u);
    std::vector<std::int64_t> order;
    for (const auto& line : lines) {
        order.push_back(line["id"].get<std::int64_t>());
    }
    // Whether the first normal send had finished by the second turn or not, the high one
    // starts before the last normal row, which was waiting for a slot when it came.
    auto at = [&](std::int64_t id) { return std::find(order.begin(), order.end(), id); };
    EXPECT_LT(at(high), at(normal[2]));
    EXPECT_LT(at(normal[1]), at(normal[2]));
}

TEST_F(DispatcherTest, RowsClaimedAheadAreGivenBackAfterHalfTheLease) {
    auto ids = two_slot_email_lane(4);
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.turn().claimed, 4);
    m_clock.advance(m_config.lease / 2);
    // The three that waited half the lease go back to the queue, attempt not counted, before
    // a slot could start them (and are claimed again, due now).
    PassReport back = d.turn();
    EXPECT_EQ(back.deferred, 3);
    for (int i = 1; i < 4; ++i) {
        auto events = detail(ids[i]).events;
        EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const auto& e) {
            return e.type == "deferred";
        })) << i;
    }
    PassReport rest = d.run_until_idle();
    EXPECT_EQ(back.sent + rest.sent, 4);
    EXPECT_EQ(delivered().size(), 4u);
    for (auto id : ids) {
        EXPECT_EQ(detail(id).notification.status, Status::sent);
        EXPECT_EQ(detail(id).notification.attempts, 1);
    }
}

TEST_F(DispatcherTest, DrainGivesTheRowsClaimedAheadBack) {
    auto ids = two_slot_email_lane(4);
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.turn().claimed, 4);
    PassReport r = d.drain(std::chrono::seconds(10));
    EXPECT_EQ(r.sent, 1);
    EXPECT_EQ(r.deferred, 3);
    EXPECT_EQ(d.in_flight(), 0);
    EXPECT_EQ(detail(ids[0]).notification.status, Status::sent);
    for (int i = 1; i < 4; ++i) {
        auto got = detail(ids[i]);
        EXPECT_EQ(got.notification.status, Status::queued) << i;
        EXPECT_EQ(got.notification.attempts, 0) << i;
    }
    EXPECT_EQ(delivered().size(), 1u);
}

TEST_F(DispatcherTest, BreakerPausesAProviderWithoutBurningAttempts) {
    m_config.delivery.breaker_failures = 2;
    m_config.delivery.breaker_base = std::chrono::minutes(5);
    auto a = enqueue("sms", "+14155550123");
    auto b = enqueue("sms", "+14155550124");
    auto c = enqueue("sms", "+14155550125");
    Dispatcher d(*m_store, m_config, m_clock, options(1));
    PassReport r = d.run_until_idle();
    // Two failures open the breaker; the third notification is deferred, not attempted.
    EXPECT_EQ(r.retrying, 2);
    EXPECT_EQ(r.deferred, 1);
    auto deferred = detail(c);
    EXPECT_EQ(deferred.notification.attempts, 0);
    EXPECT_EQ(deferred.events.back().type, "deferred");
    EXPECT_GE(deferred.notification.due_at, m_clock.now() + std::chrono::minutes(5));
    EXPECT_EQ(detail(a).notification.attempts, 1);
    EXPECT_EQ(detail(b).notification.attempts, 1);
}

TEST_F(DispatcherTest, ShouldStopEndsRunUntilIdleBetweenBatches) {
    for (int i = 0; i < 5; ++i) {
        enqueue("email");
    }
    auto o = options(2);
    o.should_stop = [] { return true; };
    Dispatcher d(*m_store, m_config, m_clock, o);
    EXPECT_EQ(d.run_until_idle().claimed, 2);
    EXPECT_EQ(delivered().size(), 2u);
}

TEST(DispatcherOwner, OwnerIdIsHostPidAndEightHexDigits) {
    const std::string owner = make_owner_id();
    const std::string pid = ":" + std::to_string(::getpid()) + ":";
    auto at = owner.find(pid);
    ASSERT_NE(at, std::string::npos) << owner;
    EXPECT_GT(at, 0u);
    const std::string suffix = owner.substr(at + pid.size());
    EXPECT_EQ(suffix.size(), 8u) << owner;
    EXPECT_EQ(suffix.find_first_not_of("0123456789abcdef"), std::string::npos) << owner;
}

} // namespace
} // namespace notify::dispatch

namespace notify::dispatch {
namespace {

TEST_F(DispatcherTest, UserLimitDelaysTheRestAndKeepsThemQueued) {
    m_config.delivery.user_limit = policy::RateLimit{2, std::chrono::hours(1)};
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) {
        store::NewNotification n;
        n.channel = "email";
        n.to = "alice@example.com";
        n.user = "alice";
        n.body = "hi";
        n.due_at = k_t0;
        store::EnqueueRequest req;
        req.rows.push_back(n);
        ids.push_back(m_store->enqueue(req, k_t0).ids.at(0));
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.sent, 2);
    EXPECT_EQ(r.deferred, 1);
    auto third = detail(ids[2]);
    EXPECT_EQ(third.notification.status, model::Status::scheduled);
    EXPECT_EQ(third.notification.attempts, 0);
    EXPECT_GE(third.notification.due_at, k_t0 + std::chrono::minutes(29));
    EXPECT_EQ(third.notification.last_error, "rate limited by user:alice:email");
    // The bucket is in the store: a second dispatcher (a restart) honours it too.
    m_clock.set(k_t0 + std::chrono::minutes(31));
    Dispatcher again(*m_store, m_config, m_clock, options());
    EXPECT_EQ(again.run_until_idle().sent, 1);
}

TEST_F(DispatcherTest, UserLimitThatDropsSuppressesWithTheReason) {
    m_config.delivery.user_limit = policy::RateLimit{1, std::chrono::hours(1)};
    m_config.delivery.user_limit_drops = true;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 2; ++i) {
        store::NewNotification n;
        n.channel = "email";
        n.to = "bob@example.com";
        n.user = "bob";
        n.body = "hi";
        n.due_at = k_t0;
        store::EnqueueRequest req;
        req.rows.push_back(n);
        ids.push_back(m_store->enqueue(req, k_t0).ids.at(0));
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    EXPECT_EQ(d.run_until_idle().sent, 1);
    auto second = detail(ids[1]);
    EXPECT_EQ(second.notification.status, model::Status::suppressed);
    EXPECT_EQ(second.notification.last_error,
              "rate limited: more than 1 per 1h to user bob on email");
}

TEST_F(DispatcherTest, ProviderRateLimitDelaysWithoutBurningAttempts) {
    m_config.providers["out"].options["rate_limit"] = config::Setting{"2/1m", "test", false};
    for (int i = 0; i < 5; ++i) {
        enqueue("email", "user" + std::to_string(i) + "@example.com");
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    PassReport r = d.run_until_idle();
    EXPECT_EQ(r.sent, 2);
    EXPECT_EQ(r.deferred, 3);
    EXPECT_EQ(delivered().size(), 2u);
    m_clock.advance(std::chrono::seconds(61));
    Dispatcher later(*m_store, m_config, m_clock, options());
    EXPECT_EQ(later.run_until_idle().sent, 2);
}

} // namespace
} // namespace notify::dispatch

namespace notify::dispatch {
namespace {

// Alert notifications of `kind` in the store (alerts.channel email -> out).
std::vector<model::Notification> alerts_of(store::JobStore& s, const std::string& kind) {
    std::vector<model::Notification> found;
    for (auto& n : s.list(store::ListFilter{}, k_t0)) {
        if (n.event_id && n.event_id->starts_with("alert:" + kind + ":")) {
            found.push_back(n);
        }
    }
    return found;
}

TEST_F(DispatcherTest, BacklogAndOldestDueRaiseAlertsOncePerCheck) {
    m_config.alerts.channel = "email";
    m_config.alerts.to = "ops@example.com";
    m_config.alerts.backlog = 2;
    m_config.alerts.oldest_due = minutes(10);
    for (int i = 0; i < 3; ++i) {
        enqueue("sms", "+1415555012" + std::to_string(i), k_t0 - minutes(20));
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    d.run_until_idle();
    auto backlog = alerts_of(*m_store, "backlog");
    ASSERT_EQ(backlog.size(), 1u);
    EXPECT_EQ(backlog[0].to, "ops@example.com");
    EXPECT_EQ(backlog[0].subject, "notify alert: 3 notifications due");
    EXPECT_EQ(backlog[0].status, Status::sent);
    auto oldest = alerts_of(*m_store, "oldest_due");
    ASSERT_EQ(oldest.size(), 1u);
    EXPECT_EQ(oldest[0].subject, "notify alert: oldest due notification waited 20m");
    // The failed sms rows wait for their retry: nothing is due, nothing more is raised.
    m_clock.advance(seconds(16));
    d.run_until_idle();
    EXPECT_EQ(alerts_of(*m_store, "backlog").size(), 1u);
    EXPECT_EQ(alerts_of(*m_store, "oldest_due").size(), 1u);
}

TEST_F(DispatcherTest, NoThresholdsNoQueueAlerts) {
    m_config.alerts.channel = "email";
    m_config.alerts.to = "ops@example.com";
    for (int i = 0; i < 3; ++i) {
        enqueue("sms", "+1415555012" + std::to_string(i), k_t0 - hours(2));
    }
    Dispatcher d(*m_store, m_config, m_clock, options());
    d.run_until_idle();
    EXPECT_TRUE(alerts_of(*m_store, "backlog").empty());
    EXPECT_TRUE(alerts_of(*m_store, "oldest_due").empty());
}

TEST_F(DispatcherTest, ThresholdWatchRepeatsAfterMinIntervalAndRearmsAfterRecovery) {
    config::AlertRoute route;
    route.channel = "email";
    route.to = "ops@example.com";
    route.min_interval = minutes(5);
    route.backlog = 10;
    m_config.alerts = route;
    AlertSink sink(m_config, *m_store);
    ThresholdWatch watch(route, sink);
    ASSERT_TRUE(watch.enabled());
    store::Stats over;
    over.due_now = 11;
    store::Stats under;
    under.due_now = 10;

    watch.check(over, k_t0); // crossed: raised
    watch.check(over, k_t0 + minutes(1));
    EXPECT_EQ(alerts_of(*m_store, "backlog").size(), 1u);
    watch.check(over, k_t0 + minutes(5)); // still over after min_interval: reminded
    EXPECT_EQ(alerts_of(*m_store, "backlog").size(), 2u);
    watch.check(under, k_t0 + minutes(6)); // recovered: logged only
    watch.check(under, k_t0 + minutes(20));
    EXPECT_EQ(alerts_of(*m_store, "backlog").size(), 2u);
    watch.check(over, k_t0 + minutes(21)); // crossed again
    auto raised = alerts_of(*m_store, "backlog");
    ASSERT_EQ(raised.size(), 3u);
    EXPECT_EQ(raised[2].body, "11 notifications are due and not yet claimed (alerts.backlog: 10)");
    EXPECT_TRUE(alerts_of(*m_store, "oldest_due").empty()) << "oldest_due is off";

    config::AlertRoute off;
    EXPECT_FALSE(ThresholdWatch(off, sink).enabled());
}

} // namespace
} // namespace notify::dispatch
