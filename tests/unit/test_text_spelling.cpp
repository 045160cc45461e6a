// Unit tests of common/text/spelling.cpp: edit distance and "did you mean" matching.
#include <gtest/gtest.h>

#include "common/text/spelling.hpp"

namespace notify::text {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
    EXPECT_EQ(edit_distance("", ""), 0);
    EXPECT_EQ(edit_distance("abc", "abc"), 0);
    EXPECT_EQ(edit_distance("", "abc"), 3);
    EXPECT_EQ(edit_distance("abc", ""), 3);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
    EXPECT_EQ(edit_distance("path", "paths"), 1);
    EXPECT_EQ(edit_distance("store", "stor"), 1);
}

TEST(EditDistance, CountsAnAdjacentTranspositionAsOne) {
    EXPECT_EQ(edit_distance("retires", "retries"), 1);
    EXPECT_EQ(edit_distance("emial", "email"), 1);
    EXPECT_EQ(edit_distance("ab", "ba"), 1);
    // Optimal string alignment: a transposed pair is not edited again.
    EXPECT_EQ(edit_distance("ca", "abc"), 3);
}

TEST(EditDistance, IsSymmetric) {
    EXPECT_EQ(edit_distance("durability", "durabilty"), edit_distance("durabilty", "durability"));
    EXPECT_EQ(edit_distance("sms", "slack"), edit_distance("slack", "sms"));
}

TEST(ClosestMatch, SuggestsTheNearCandidate) {
    const std::vector<std::string> keys{"listen", "poll_interval", "retries", "batch"};
    EXPECT_EQ(closest_match("retires", keys), "retries");
    EXPECT_EQ(closest_match("pol_interval", keys), "poll_interval");
    EXPECT_EQ(closest_match("emial", {"sms", "email", "push"}), "email");
}

TEST(ClosestMatch, ReturnsNothingWhenNoCandidateIsClose) {
    EXPECT_EQ(closest_match("colour", {"store", "daemon"}), std::nullopt);
    EXPECT_EQ(closest_match("x", {}), std::nullopt);
}

TEST(ClosestMatch, AllowsOneEditPerThreeCharactersAndAtLeastOne) {
    // Size 2: limit 1.
    EXPECT_EQ(closest_match("ab", {"xy", "ac"}), "ac");
    EXPECT_EQ(closest_match("ab", {"cd"}), std::nullopt);
    // Size 6: limit 2.
    EXPECT_EQ(closest_match("abcdef", {"abcxyf"}), "abcxyf");
    EXPECT_EQ(closest_match("abcdef", {"axcxyf"}), std::nullopt);
}

TEST(ClosestMatch, BreaksTiesByCandidateOrder) {
    EXPECT_EQ(closest_match("cat", {"bat", "cut", "hat"}), "bat");
    EXPECT_EQ(closest_match("cat", {"cut", "bat"}), "cut");
}

TEST(ClosestMatch, PrefersTheSmallestDistance) {
    EXPECT_EQ(closest_match("abcdef", {"abxxef", "abcdxf"}), "abcdxf");
    EXPECT_EQ(closest_match("store", {"stare", "store"}), "store");
}

} // namespace
} // namespace notify::text
