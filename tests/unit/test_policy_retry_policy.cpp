// Unit tests of common/policy/retry_policy.cpp: the backoff curve, jitter and give-up rules.
#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "common/policy/retry_policy.hpp"

namespace notify::policy {
namespace {

using providers::FailureKind;
using providers::SendResult;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2025-06-15T12:00:00Z.
const TimePoint k_now = from_unix_ms(1'749'988'800'000);
constexpr double k_no_jitter = 0.5; // factor 1 + 0.2 * (2 * 0.5 - 1) = 1
constexpr double k_almost_one = 0.999'999'999;

model::Notification after_attempts(int attempts, TimePoint created = k_now - minutes(1)) {
    model::Notification n;
    n.id = 7;
    n.attempts = attempts;
    n.created_at = created;
    n.due_at = created;
    return n;
}

SendResult transient(std::string detail = "connection refused") {
    return SendResult::failed(FailureKind::transient, std::move(detail));
}

TEST(RetryPolicyBackoff, FollowsTheDoublingCurveUpToTheCap) {
    const RetryPolicy policy;
    const std::vector<Millis> expected = {
        seconds(30), minutes(1),  minutes(2), minutes(4), minutes(8),
        minutes(16), minutes(32), hours(1),   hours(1),   hours(1),
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        int attempt = static_cast<int>(i) + 1;
        EXPECT_EQ(backoff(policy, attempt, k_no_jitter), expected[i]) << "attempt " << attempt;
    }
}

TEST(RetryPolicyBackoff, HugeAndZeroAttemptsStayInRange) {
    const RetryPolicy policy;
    EXPECT_EQ(backoff(policy, 40, k_no_jitter), hours(1));
    EXPECT_EQ(backoff(policy, 1'000'000, k_no_jitter), hours(1));
    EXPECT_EQ(backoff(policy, 0, k_no_jitter), seconds(30));
    EXPECT_EQ(backoff(policy, -3, k_no_jitter), seconds(30));
}

TEST(RetryPolicyBackoff, JitterIsPlusMinusTwentyPercent) {
    const RetryPolicy policy;
    EXPECT_EQ(backoff(policy, 1, 0.0), seconds(24));
    EXPECT_EQ(backoff(policy, 1, k_almost_one), seconds(36));
    EXPECT_LE(backoff(policy, 1, k_almost_one), seconds(36));
    EXPECT_EQ(backoff(policy, 12, 0.0), minutes(48));
    EXPECT_EQ(backoff(policy, 12, k_almost_one), minutes(72));
    for (double u = 0.0; u < 1.0; u += 0.05) {
        Millis d = backoff(policy, 3, u);
        EXPECT_GE(d, seconds(96)) << u;
        EXPECT_LE(d, seconds(144)) << u;
    }
}

TEST(RetryPolicyBackoff, HonoursACustomBaseCapAndJitter) {
    RetryPolicy policy;
    policy.base = seconds(1);
    policy.cap = seconds(10);
    policy.jitter = 0.0;
    EXPECT_EQ(backoff(policy, 1, 0.0), seconds(1));
    EXPECT_EQ(backoff(policy, 4, 0.9), seconds(8));
    EXPECT_EQ(backoff(policy, 5, 0.1), seconds(10));
}

TEST(RetryPolicyDecide, TransientFailureRetriesAfterTheBackoff) {
    const RetryPolicy policy;
    for (int attempts = 1; attempts <= 11; ++attempts) {
        Decision d = decide(policy, after_attempts(attempts), transient(), k_now, k_no_jitter);
        EXPECT_EQ(d.verdict, Verdict::retry) << attempts;
        EXPECT_EQ(d.next_due, k_now + backoff(policy, attempts, k_no_jitter)) << attempts;
        EXPECT_EQ(d.reason, "");
    }
}

TEST(RetryPolicyDecide, JitteredNextDueStaysInTheWindow) {
    const RetryPolicy policy;
    Decision low = decide(policy, after_attempts(2), transient(), k_now, 0.0);
    Decision high = decide(policy, after_attempts(2), transient(), k_now, k_almost_one);
    EXPECT_EQ(low.next_due, k_now + seconds(48));
    EXPECT_EQ(high.next_due, k_now + seconds(72));
}

TEST(RetryPolicyDecide, AuthAndRateLimitedFailuresAreRetried) {
    const RetryPolicy policy;
    Decision auth = decide(policy, after_attempts(1), SendResult::failed(FailureKind::auth, "401"),
                           k_now, k_no_jitter);
    EXPECT_EQ(auth.verdict, Verdict::retry);
    EXPECT_EQ(auth.next_due, k_now + seconds(30));
    Decision limited =
        decide(policy, after_attempts(1), SendResult::failed(FailureKind::rate_limited, "429"),
               k_now, k_no_jitter);
    EXPECT_EQ(limited.verdict, Verdict::retry);
    EXPECT_EQ(limited.next_due, k_now + seconds(30));
}

TEST(RetryPolicyDecide, PermanentAndInvalidRecipientAreDeadAtOnce) {
    const RetryPolicy policy;
    Decision permanent = decide(
        policy, after_attempts(1),
        SendResult::failed(FailureKind::permanent, "550 mailbox unavailable"), k_now, k_no_jitter);
    EXPECT_EQ(permanent.verdict, Verdict::dead);
    EXPECT_EQ(permanent.reason, "permanent: 550 mailbox unavailable");
    Decision invalid =
        decide(policy, after_attempts(1),
               SendResult::failed(FailureKind::invalid_recipient, "bad token"), k_now, k_no_jitter);
    EXPECT_EQ(invalid.verdict, Verdict::dead);
    EXPECT_EQ(invalid.reason, "invalid_recipient: bad token");
}

TEST(RetryPolicyDecide, MaxAttemptsMakesItDead) {
    const RetryPolicy policy;
    EXPECT_EQ(decide(policy, after_attempts(11), transient(), k_now, k_no_jitter).verdict,
              Verdict::retry);
    Decision d = decide(policy, after_attempts(12), transient("timeout"), k_now, k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::dead);
    EXPECT_EQ(d.reason, "gave up after 12 attempts: timeout");

    RetryPolicy three;
    three.max_attempts = 3;
    EXPECT_EQ(decide(three, after_attempts(3), transient(), k_now, k_no_jitter).verdict,
              Verdict::dead);
    EXPECT_EQ(decide(three, after_attempts(2), transient(), k_now, k_no_jitter).verdict,
              Verdict::retry);
}

TEST(RetryPolicyDecide, MaxAgeSinceCreationMakesItDead) {
    const RetryPolicy policy;
    // Created 23h59m40s ago: the next try (30 s) would land 10 s past the 24 h lifetime.
    auto old = after_attempts(1, k_now - hours(24) + seconds(20));
    Decision d = decide(policy, old, transient("timeout"), k_now, k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::dead);
    EXPECT_EQ(d.reason, "gave up: next attempt would be more than 1d after creation: timeout");
    // Exactly at the lifetime is still allowed.
    auto edge = after_attempts(1, k_now - hours(24) + seconds(30));
    Decision at_edge = decide(policy, edge, transient(), k_now, k_no_jitter);
    EXPECT_EQ(at_edge.verdict, Verdict::retry);
    EXPECT_EQ(at_edge.next_due, k_now + seconds(30));
}

TEST(RetryPolicyDecide, RetryAfterLongerThanTheBackoffIsHonoured) {
    const RetryPolicy policy;
    Decision d = decide(policy, after_attempts(1),
                        SendResult::failed(FailureKind::rate_limited, "429", minutes(10)), k_now,
                        k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::retry);
    EXPECT_EQ(d.next_due, k_now + minutes(10));
}

TEST(RetryPolicyDecide, RetryAfterShorterThanTheBackoffKeepsTheBackoff) {
    const RetryPolicy policy;
    Decision d = decide(policy, after_attempts(3),
                        SendResult::failed(FailureKind::rate_limited, "503", seconds(5)), k_now,
                        k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::retry);
    EXPECT_EQ(d.next_due, k_now + minutes(2));
}

TEST(RetryPolicyDecide, RetryAfterBeyondTheLifetimeMakesItDead) {
    const RetryPolicy policy;
    Decision d =
        decide(policy, after_attempts(1),
               SendResult::failed(FailureKind::rate_limited, "429", hours(25)), k_now, k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::dead);
}

TEST(RetryPolicyDecide, NextTryBeforeTheTtlRetries) {
    const RetryPolicy policy;
    auto n = after_attempts(1);
    n.expires_at = k_now + minutes(1);
    Decision d = decide(policy, n, transient(), k_now, k_no_jitter);
    EXPECT_EQ(d.verdict, Verdict::retry);
    EXPECT_EQ(d.next_due, k_now + seconds(30));
}

} // namespace
} // namespace notify::policy
