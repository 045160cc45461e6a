// Tests of rate parsing and token bucket arithmetic at chosen instants.
#include <gtest/gtest.h>

#include "common/policy/rate_limit.hpp"

namespace notify::policy {
namespace {

const TimePoint k_t0 = from_unix_ms(1'750'000'000'000);

TEST(RateLimitParse, AcceptsCountSlashDuration) {
    auto r = parse_rate("10/1h");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->count, 10);
    EXPECT_EQ(r->per, Millis{3'600'000});
    EXPECT_EQ(parse_rate("100/1s")->count, 100);
    EXPECT_EQ(parse_rate("5/1m30s")->per, Millis{90'000});
}

TEST(RateLimitParse, RejectsWithOneLine) {
    EXPECT_EQ(parse_rate("10").error(),
              "invalid rate \"10\": missing \"/\" (use N/DURATION, e.g. 10/1h)");
    EXPECT_EQ(parse_rate("0/1h").error(),
              "invalid rate \"0/1h\": the count must be a positive integer (use N/DURATION, e.g. "
              "10/1h)");
    EXPECT_FALSE(parse_rate("-1/1h"));
    EXPECT_FALSE(parse_rate("x/1h"));
    EXPECT_FALSE(parse_rate("10/"));
    EXPECT_FALSE(parse_rate("10/1x"));
}

TEST(RateLimitBucket, NewBucketStartsFullAndEmptiesAfterCountTakes) {
    RateLimit limit{3, Millis{60'000}};
    BucketState s;
    for (int i = 0; i < 3; ++i) {
        auto r = take_token(s, limit, k_t0);
        ASSERT_FALSE(r.wait) << i;
        s = r.state;
    }
    auto r = take_token(s, limit, k_t0);
    ASSERT_TRUE(r.wait);
    EXPECT_EQ(*r.wait, Millis{20'000}); // one token per 20 s
    EXPECT_DOUBLE_EQ(r.state.tokens, 0.0);
}

TEST(RateLimitBucket, RefillsSmoothlyAndCapsAtCapacity) {
    RateLimit limit{2, Millis{10'000}};
    BucketState empty{0.0, k_t0};
    auto half = take_token(empty, limit, k_t0 + Millis{2'500});
    ASSERT_TRUE(half.wait);
    EXPECT_EQ(*half.wait, Millis{2'500});
    auto one = take_token(empty, limit, k_t0 + Millis{5'000});
    EXPECT_FALSE(one.wait);
    EXPECT_NEAR(one.state.tokens, 0.0, 1e-9);
    auto later = take_token(empty, limit, k_t0 + Millis{3'600'000}, false);
    EXPECT_DOUBLE_EQ(later.state.tokens, 2.0);
}

TEST(RateLimitBucket, ClockGoingBackwardsAddsNothing) {
    RateLimit limit{1, Millis{1'000}};
    BucketState s{0.0, k_t0};
    auto r = take_token(s, limit, k_t0 - Millis{5'000});
    EXPECT_TRUE(r.wait);
    EXPECT_DOUBLE_EQ(r.state.tokens, 0.0);
}

} // namespace
} // namespace notify::policy
