// The AudienceStore contract (users, devices, preferences, and their bond with notifications
// and enqueue batches), run on both backends: SQLite (sqlite_audience_store.cpp) and PostgreSQL
// (postgres/pg_audience_store.cpp).
#include <gtest/gtest.h>

#include "common/store/job_store.hpp"
#include "tests/support/store_backend.hpp"

namespace notify::store {
namespace {

using test::Backend;

const TimePoint k_t0 = from_unix_ms(1'749'988'800'000); // 2025-06-15T12:00:00Z

class AudienceStoreTest : public test::StoreBackendTest {
  protected:
    AudienceStore& audience() { return m_store->audience(); }

    model::User user(const std::string& id) {
        model::User u;
        u.id = id;
        u.email = id + "@example.com";
        u.phone = "+14155550123";
        u.tz = "Europe/Berlin";
        return u;
    }

    std::int64_t enqueue_for(const std::string& id, TimePoint due = k_t0) {
        NewNotification n;
        n.channel = "email";
        n.to = id + "@example.com";
        n.user = id;
        n.body = "hi";
        n.due_at = due;
        EnqueueRequest r;
        r.rows = {n};
        return m_store->enqueue(r, k_t0).ids.front();
    }
};

INSTANTIATE_TEST_SUITE_P(StoreContract, AudienceStoreTest,
                         testing::Values(Backend::sqlite, Backend::postgres), test::backend_name);

TEST_P(AudienceStoreTest, AddFindUpdateList) {
    EXPECT_TRUE(audience().add_user(user("alice"), k_t0));
    EXPECT_FALSE(audience().add_user(user("alice"), k_t0)) << "the id is taken";
    auto found = audience().find_user("alice");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->email, "alice@example.com");
    EXPECT_EQ(found->created_at, k_t0);
    found->email.reset();
    found->locale = "de";
    EXPECT_TRUE(audience().update_user(*found, k_t0 + Millis{1000}));
    found = audience().find_user("alice");
    EXPECT_FALSE(found->email);
    EXPECT_EQ(found->locale, "de");
    EXPECT_EQ(found->updated_at, k_t0 + Millis{1000});
    EXPECT_FALSE(audience().update_user(user("nobody"), k_t0));
    EXPECT_TRUE(audience().add_user(user("bob"), k_t0));
    EXPECT_EQ(audience().list_users(0).size(), 2u);
    EXPECT_EQ(audience().list_users(1).front().id, "alice");
}

TEST_P(AudienceStoreTest, DevicesRegisterMoveAndInvalidate) {
    audience().add_user(user("alice"), k_t0);
    audience().add_user(user("bob"), k_t0);
    model::Device d;
    d.user_id = "alice";
    d.platform = "ios";
    d.token = "abc";
    auto id = audience().add_device(d, k_t0);
    ASSERT_TRUE(id);
    d.user_id = "nobody";
    EXPECT_FALSE(audience().add_device(d, k_t0)) << "unknown user";

    EXPECT_EQ(audience().invalidate_token("abc", "410 Unregistered", k_t0), 1);
    EXPECT_EQ(audience().invalidate_token("abc", "again", k_t0), 0) << "already invalid";
    auto devices = audience().list_devices(std::string("alice"));
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].invalid_reason, "410 Unregistered");

    // Registered again (by bob's app): same device id, moved, valid again.
    d.user_id = "bob";
    EXPECT_EQ(audience().add_device(d, k_t0 + Millis{5}), id);
    EXPECT_TRUE(audience().list_devices(std::string("alice")).empty());
    devices = audience().list_devices(std::string("bob"));
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_FALSE(devices[0].invalidated_at);
    EXPECT_TRUE(audience().remove_device(*id));
    EXPECT_FALSE(audience().remove_device(*id));
}

TEST_P(AudienceStoreTest, PreferencesAndQuietHoursInTheProfile) {
    audience().add_user(user("alice"), k_t0);
    model::Preference p;
    p.category = "marketing";
    p.opted_in = false;
    EXPECT_TRUE(audience().set_preference("alice", p, k_t0));
    p.opted_in = true; // replaces
    EXPECT_TRUE(audience().set_preference("alice", p, k_t0));
    EXPECT_FALSE(audience().set_preference("nobody", p, k_t0));
    EXPECT_TRUE(audience().set_quiet_hours("alice", model::QuietHours{1320, 420}, k_t0));
    auto profile = audience().profile("alice");
    ASSERT_TRUE(profile);
    ASSERT_EQ(profile->preferences.size(), 1u);
    EXPECT_TRUE(profile->preferences[0].opted_in);
    ASSERT_TRUE(profile->quiet_hours);
    EXPECT_EQ(profile->quiet_hours->start_minute, 1320);
    EXPECT_TRUE(audience().clear_preference("alice", "*", "marketing"));
    EXPECT_FALSE(audience().clear_preference("alice", "*", "marketing"));
    EXPECT_TRUE(audience().set_quiet_hours("alice", std::nullopt, k_t0));
    EXPECT_FALSE(audience().profile("alice")->quiet_hours);
    EXPECT_FALSE(audience().profile("nobody"));
}

TEST_P(AudienceStoreTest, OptOutByAddressReachesEveryUserWithIt) {
    audience().add_user(user("alice"), k_t0);
    audience().add_user(user("bob"), k_t0); // same phone
    EXPECT_EQ(audience().opt_out_address("+14155550123", "sms", k_t0), 2);
    auto profile = audience().profile("bob");
    ASSERT_EQ(profile->preferences.size(), 1u);
    EXPECT_EQ(profile->preferences[0].channel, "sms");
    EXPECT_FALSE(profile->preferences[0].opted_in);
    EXPECT_EQ(audience().opt_out_address("+10000000000", "sms", k_t0), 0);
}

TEST_P(AudienceStoreTest, RemovingAUserSuppressesPendingAndAnonymisesHistory) {
    audience().add_user(user("alice"), k_t0);
    model::Device d;
    d.user_id = "alice";
    d.platform = "android";
    d.token = "tok";
    audience().add_device(d, k_t0);
    const auto done = enqueue_for("alice");
    const auto later = enqueue_for("alice", k_t0 + std::chrono::hours(1));
    const auto other = enqueue_for("bob");
    auto claims = m_store->claim("me", 10, Millis{60000}, k_t0);
    for (const auto& c : claims) {
        Completion completion;
        completion.id = c.notification.id;
        completion.owner = "me";
        completion.attempt = 1;
        completion.provider = "file";
        completion.attempt_class = "sent";
        completion.started_at = k_t0;
        completion.finished_at = k_t0;
        m_store->complete(completion);
    }

    auto removed = audience().remove_user("alice", k_t0 + Millis{10});
    ASSERT_TRUE(removed);
    EXPECT_EQ(removed->devices, 1);
    EXPECT_EQ(removed->suppressed, 1);
    EXPECT_EQ(removed->anonymised, 2);
    EXPECT_FALSE(audience().remove_user("alice", k_t0));
    EXPECT_TRUE(audience().list_devices(std::nullopt).empty());

    auto sent = m_store->find(done, k_t0)->notification;
    EXPECT_EQ(sent.status, model::Status::sent);
    EXPECT_EQ(sent.to, "(removed)");
    EXPECT_FALSE(sent.user);
    auto pending = m_store->find(later, k_t0)->notification;
    EXPECT_EQ(pending.status, model::Status::suppressed);
    EXPECT_EQ(pending.last_error, "user removed");
    EXPECT_EQ(m_store->find(other, k_t0)->notification.user, "bob");
}

TEST_P(AudienceStoreTest, EnqueuedSuppressedRowsAreNeverClaimed) {
    NewNotification n;
    n.channel = "email";
    n.to = "a@example.com";
    n.body = "x";
    n.due_at = k_t0;
    n.category = "marketing";
    n.suppressed = "opted out: user a opted out of marketing on every channel";
    EnqueueRequest r;
    r.rows = {n};
    auto id = m_store->enqueue(r, k_t0).ids.front();
    auto detail = m_store->find(id, k_t0);
    EXPECT_EQ(detail->notification.status, model::Status::suppressed);
    EXPECT_EQ(detail->notification.category, "marketing");
    EXPECT_EQ(detail->notification.last_error, n.suppressed);
    ASSERT_EQ(detail->events.size(), 1u);
    EXPECT_EQ(detail->events[0].type, "suppressed");
    EXPECT_TRUE(m_store->claim("me", 10, Millis{1000}, k_t0).empty());
}

// One e-mail row due at k_t0, with the dedup key `event_id` (none when empty).
EnqueueRequest email_request(const std::string& event_id, int rows = 1) {
    NewNotification n;
    n.channel = "email";
    n.to = "a@example.com";
    n.body = "x";
    n.due_at = k_t0;
    EnqueueRequest r;
    r.rows.assign(static_cast<std::size_t>(rows), n);
    if (!event_id.empty()) {
        r.event_id = event_id;
    }
    return r;
}

TEST_P(AudienceStoreTest, ABatchIsOneTransactionWithDedupAcrossRequests) {
    EnqueueRequest a = email_request("k1");
    EnqueueRequest b = a; // same key: a duplicate of the first
    EnqueueRequest c = email_request("", 2);
    auto batch = m_store->begin_enqueue(k_t0);
    std::vector<EnqueueResult> results;
    for (const EnqueueRequest& r : {a, b, c}) {
        results.push_back(batch->add(r));
    }
    batch->commit();
    ASSERT_EQ(results.size(), 3u);
    EXPECT_FALSE(results[0].duplicate);
    EXPECT_TRUE(results[1].duplicate);
    EXPECT_EQ(results[1].ids, results[0].ids);
    EXPECT_EQ(results[2].ids.size(), 2u);
    EXPECT_EQ(m_store->stats(k_t0).total, 3);
}

TEST_P(AudienceStoreTest, ABatchReadsAndWritesTheAudienceInsideItsTransaction) {
    const EnqueueRequest request = email_request("k1");
    {
        auto batch = m_store->begin_enqueue(k_t0);
        EXPECT_FALSE(batch->add(request).duplicate);
        // Reads and writes that open transactions of their own nest inside the batch's.
        EXPECT_TRUE(audience().add_user(user("alice"), k_t0));
        EXPECT_TRUE(audience().profile("alice"));
        EXPECT_TRUE(batch->add(request).duplicate) << "the batch sees its own rows";
        // Destroyed without commit(): the rows and the user are rolled back together.
    }
    EXPECT_EQ(m_store->stats(k_t0).total, 0);
    EXPECT_FALSE(audience().find_user("alice"));

    auto batch = m_store->begin_enqueue(k_t0);
    batch->add(request);
    EXPECT_FALSE(audience().profile("nobody")) << "a nested read leaves the batch open";
    batch->add(request);
    batch->commit();
    EXPECT_EQ(m_store->stats(k_t0).total, 1);
}

TEST_P(AudienceStoreTest, AFailedWriteInsideABatchRollsBackOnlyItself) {
    auto batch = m_store->begin_enqueue(k_t0);
    ASSERT_TRUE(audience().add_user(user("alice"), k_t0));
    model::Device bad;
    bad.user_id = "nobody"; // no such user: the device is refused
    bad.platform = "ios";
    bad.token = std::string(64, 'a');
    EXPECT_FALSE(audience().add_device(bad, k_t0));
    batch->commit();
    EXPECT_TRUE(audience().find_user("alice")) << "the batch survived the refused write";
}

} // namespace
} // namespace notify::store
