// Unit tests of common/providers/badge_count.cpp.
#include <gtest/gtest.h>

#include "common/providers/badge_count.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;

TEST(BadgeCount, NumbersAndDecimalTextAreCounts) {
    EXPECT_EQ(badge_count(json(0)), 0);
    EXPECT_EQ(badge_count(json(7)), 7);
    EXPECT_EQ(badge_count(json("3")), 3);
    EXPECT_EQ(badge_count(json("007")), 7);
    EXPECT_EQ(badge_count(json("999999999")), 999999999);
}

TEST(BadgeCount, AnythingElseIsNoCount) {
    EXPECT_EQ(badge_count(json(-1)), std::nullopt);
    EXPECT_EQ(badge_count(json(1.5)), std::nullopt);
    EXPECT_EQ(badge_count(json("")), std::nullopt);
    EXPECT_EQ(badge_count(json("-3")), std::nullopt);
    EXPECT_EQ(badge_count(json("3 ")), std::nullopt);
    EXPECT_EQ(badge_count(json("1234567890")), std::nullopt); // ten digits: not a badge
    EXPECT_EQ(badge_count(json(nullptr)), std::nullopt);
    EXPECT_EQ(badge_count(json::object()), std::nullopt);
}

} // namespace
} // namespace notify::providers
