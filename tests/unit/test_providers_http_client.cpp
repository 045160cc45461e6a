// Unit tests of common/providers/http_client.cpp that need no server: Retry-After and the
// generic classification.
#include <gtest/gtest.h>

#include "common/providers/http_client.hpp"

namespace notify::providers {
namespace {

using std::chrono::seconds;

const TimePoint k_now = from_unix_ms(1'795'617'000'000); // 2026-11-25T14:30:00Z

TEST(RetryAfter, DeltaSecondsAndHttpDates) {
    EXPECT_EQ(parse_retry_after("120", k_now), Millis{120'000});
    EXPECT_EQ(parse_retry_after("0", k_now), Millis{0});
    EXPECT_EQ(parse_retry_after("Wed, 25 Nov 2026 14:32:00 GMT", k_now), Millis{120'000});
    EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", k_now), Millis{0}); // past
    EXPECT_EQ(parse_retry_after("", k_now), std::nullopt);
    EXPECT_EQ(parse_retry_after("soon", k_now), std::nullopt);
    EXPECT_EQ(parse_retry_after("-1", k_now), std::nullopt);
}

// Fuzz finding (corpus http_response/04_retry_huge): "Retry-After: 9223372036854775807"
// overflowed seconds * 1000 (UBSan: signed integer overflow), and a far-future date gave waits
// no policy can add to now.
TEST(RetryAfter, HugeValuesAreCappedAtTheMaximumWait) {
    EXPECT_EQ(parse_retry_after("9223372036854775807", k_now), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("31622401", k_now), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("31622400", k_now), k_max_retry_after);
    EXPECT_EQ(parse_retry_after("31622399", k_now), seconds{31'622'399});
    EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", k_now), k_max_retry_after);
}

TEST(WaitUntil, ClampsToZeroAndTheMaximum) {
    EXPECT_EQ(wait_until(1'795'617'060, k_now), seconds{60});
    EXPECT_EQ(wait_until(1'795'617'000, k_now), Millis{0});
    EXPECT_EQ(wait_until(-9'223'372'036'854'775'807LL - 1, k_now), Millis{0});
    EXPECT_EQ(wait_until(9'223'372'036'854'775'807LL, k_now), k_max_retry_after);
}

TEST(ClassifyHttp, StatusesMapToKinds) {
    HttpResponse r;
    r.status = 429;
    r.headers["retry-after"] = "9223372036854775807";
    const SendResult limited = classify_http(r, "x", k_now);
    EXPECT_EQ(limited.kind, FailureKind::rate_limited);
    EXPECT_EQ(limited.retry_after, k_max_retry_after);
    r.status = 503;
    EXPECT_EQ(classify_http(r, "x", k_now).kind, FailureKind::transient);
    r.status = 403;
    EXPECT_EQ(classify_http(r, "x", k_now).kind, FailureKind::auth);
    r.status = 404;
    EXPECT_EQ(classify_http(r, "x", k_now).kind, FailureKind::permanent);
    r.error = "Connection refused";
    EXPECT_EQ(classify_http(r, "x", k_now).kind, FailureKind::transient);
}

} // namespace
} // namespace notify::providers
