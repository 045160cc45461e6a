// Unit tests of common/audience/digest_slot.cpp: window and cron slot ends, event ids.
#include <gtest/gtest.h>

#include "common/audience/digest_slot.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::audience {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TimePoint at(const char* rfc3339) {
    auto t = schedule::parse_time(rfc3339);
    EXPECT_TRUE(t.has_value()) << rfc3339;
    return t ? *t : TimePoint{};
}

config::DigestConfig window(Millis w) {
    config::DigestConfig d;
    d.window = w;
    return d;
}

config::DigestConfig cron(std::string expression, std::string tz = "UTC") {
    config::DigestConfig d;
    d.cron = std::move(expression);
    d.tz = std::move(tz);
    return d;
}

TEST(DigestSlot, WindowEndsAtTheNextMultipleSinceTheEpoch) {
    EXPECT_EQ(digest_slot_end(window(hours(1)), at("2025-06-15T12:20:00Z")),
              at("2025-06-15T13:00:00Z"));
    EXPECT_EQ(digest_slot_end(window(minutes(15)), at("2025-06-15T12:00:00Z") + Millis{1}),
              at("2025-06-15T12:15:00Z"));
}

TEST(DigestSlot, ADueTimeOnTheBoundaryIsItsOwnSlotEnd) {
    EXPECT_EQ(digest_slot_end(window(hours(1)), at("2025-06-15T12:00:00Z")),
              at("2025-06-15T12:00:00Z"));
}

TEST(DigestSlot, DayWindowsAreUtcDays) {
    EXPECT_EQ(digest_slot_end(window(hours(24)), at("2025-06-15T23:59:59Z")),
              at("2025-06-16T00:00:00Z"));
}

TEST(DigestSlot, CronEndsAtTheNextFireTimeAtOrAfterTheDueTime) {
    EXPECT_EQ(digest_slot_end(cron("0 8 * * *"), at("2025-06-15T09:00:00Z")),
              at("2025-06-16T08:00:00Z"));
    EXPECT_EQ(digest_slot_end(cron("0 8 * * *"), at("2025-06-15T08:00:00Z")),
              at("2025-06-15T08:00:00Z"));
}

TEST(DigestSlot, CronFollowsItsZone) {
    // 08:00 in Berlin (CEST, +2) is 06:00 UTC.
    EXPECT_EQ(digest_slot_end(cron("0 8 * * *", "Europe/Berlin"), at("2025-06-15T05:00:00Z")),
              at("2025-06-15T06:00:00Z"));
}

TEST(DigestSlot, NeverFiringCronHasNoSlot) {
    EXPECT_FALSE(digest_slot_end(cron("0 0 30 2 *"), at("2025-06-15T05:00:00Z")).has_value());
}

TEST(DigestSlot, PeriodAndEventId) {
    EXPECT_EQ(digest_period(window(hours(1))), "in the last 1h");
    EXPECT_EQ(digest_period(cron("@daily")), "since the last digest");
    EXPECT_EQ(digest_event_id("u1", "email", "orders", at("2025-06-15T13:00:00Z")),
              "digest:u1:email:orders:2025-06-15T13:00:00Z");
    EXPECT_TRUE(is_digest_event(std::string("digest:u1:email:orders:x")));
    EXPECT_FALSE(is_digest_event(std::string("order-42")));
    EXPECT_FALSE(is_digest_event(std::nullopt));
}

} // namespace
} // namespace notify::audience
