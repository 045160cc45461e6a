// Unit tests for common/schedule/duration: parse_duration and format_duration.
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "common/schedule/duration.hpp"

namespace notify::schedule {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();

Millis parsed(std::string_view text) {
    auto result = parse_duration(text);
    EXPECT_TRUE(result.has_value()) << text << ": " << (result ? "" : result.error());
    return result ? *result : Millis{-1};
}

std::string error_of(std::string_view text) {
    auto result = parse_duration(text);
    EXPECT_FALSE(result.has_value()) << text << " parsed as " << result->count();
    return result ? std::string() : result.error();
}

TEST(ParseDuration, EveryUnit) {
    EXPECT_EQ(parsed("500ms"), Millis{500});
    EXPECT_EQ(parsed("90s"), seconds{90});
    EXPECT_EQ(parsed("10m"), minutes{10});
    EXPECT_EQ(parsed("2h"), hours{2});
    EXPECT_EQ(parsed("1d"), days{1});
    EXPECT_EQ(parsed("1w"), days{7});
}

TEST(ParseDuration, Zero) {
    EXPECT_EQ(parsed("0s"), Millis{0});
    EXPECT_EQ(parsed("0ms"), Millis{0});
    EXPECT_EQ(parsed("0w0d0h0m0s0ms"), Millis{0});
}

TEST(ParseDuration, LeadingZerosAndLargeValues) {
    EXPECT_EQ(parsed("007s"), seconds{7});
    EXPECT_EQ(parsed("3600s"), hours{1});
    EXPECT_EQ(parsed("1500ms"), Millis{1500});
    EXPECT_EQ(parsed("100000d"), days{100000});
}

TEST(ParseDuration, Combinations) {
    EXPECT_EQ(parsed("1h30m"), minutes{90});
    EXPECT_EQ(parsed("1s500ms"), Millis{1500});
    EXPECT_EQ(parsed("1d12h"), hours{36});
    EXPECT_EQ(parsed("2w3d"), days{17});
    EXPECT_EQ(parsed("1h1s"), seconds{3601});
    EXPECT_EQ(parsed("1w1d1h1m1s1ms"), days{8} + hours{1} + minutes{1} + seconds{1} + Millis{1});
}

TEST(ParseDuration, MinutesFollowedByMillisIsNotAmbiguous) {
    EXPECT_EQ(parsed("1m5ms"), Millis{60005});
    EXPECT_EQ(parsed("5m"), minutes{5});
    EXPECT_EQ(parsed("5ms"), Millis{5});
}

TEST(ParseDuration, LargestValueThatFits) {
    EXPECT_EQ(parsed(std::to_string(k_max) + "ms"), Millis{k_max});
    EXPECT_EQ(parsed("9223372036854775s807ms"), Millis{k_max});
}

TEST(ParseDuration, Empty) {
    EXPECT_EQ(error_of(""), "invalid duration \"\": empty (use e.g. 90s, 10m, 1h30m or 1d)");
}

TEST(ParseDuration, UnknownUnit) {
    EXPECT_EQ(error_of("1x"),
              "invalid duration \"1x\": unknown unit \"x\" (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("5sec"),
              "invalid duration \"5sec\": unknown unit \"sec\" (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("2H"),
              "invalid duration \"2H\": unknown unit \"H\" (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("1hm"),
              "invalid duration \"1hm\": unknown unit \"hm\" (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("5us"),
              "invalid duration \"5us\": unknown unit \"us\" (use ms, s, m, h, d or w)");
    EXPECT_EQ(
        error_of("5\xc2\xb5s"),
        "invalid duration \"5\xc2\xb5s\": unknown unit \"\xc2\xb5s\" (use ms, s, m, h, d or w)");
}

TEST(ParseDuration, BareNumber) {
    EXPECT_EQ(error_of("90"),
              "invalid duration \"90\": number 90 has no unit (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("0"),
              "invalid duration \"0\": number 0 has no unit (use ms, s, m, h, d or w)");
    EXPECT_EQ(error_of("1h30"),
              "invalid duration \"1h30\": number 30 has no unit (use ms, s, m, h, d or w)");
}

TEST(ParseDuration, UnitWithoutNumber) {
    EXPECT_EQ(error_of("h"), "invalid duration \"h\": unit \"h\" has no number");
    EXPECT_EQ(error_of("ms"), "invalid duration \"ms\": unit \"ms\" has no number");
    EXPECT_EQ(error_of("abc"), "invalid duration \"abc\": expected a number at \"abc\"");
}

TEST(ParseDuration, Signs) {
    EXPECT_EQ(error_of("-5s"), "invalid duration \"-5s\": signs are not allowed");
    EXPECT_EQ(error_of("+5s"), "invalid duration \"+5s\": signs are not allowed");
    EXPECT_EQ(error_of("1h-30m"), "invalid duration \"1h-30m\": unexpected character \"-\"");
    EXPECT_EQ(error_of("1h+30m"), "invalid duration \"1h+30m\": unexpected character \"+\"");
}

TEST(ParseDuration, Whitespace) {
    EXPECT_EQ(error_of(" 5s"), "invalid duration \" 5s\": spaces are not allowed");
    EXPECT_EQ(error_of("5s "), "invalid duration \"5s \": spaces are not allowed");
    EXPECT_EQ(error_of("5 s"), "invalid duration \"5 s\": spaces are not allowed");
    EXPECT_EQ(error_of("1h 30m"), "invalid duration \"1h 30m\": spaces are not allowed");
    EXPECT_EQ(error_of("\t5s"), "invalid duration \"\\x095s\": spaces are not allowed");
    EXPECT_EQ(error_of("5s\n"), "invalid duration \"5s\\x0a\": spaces are not allowed");
    EXPECT_EQ(error_of(" "), "invalid duration \" \": spaces are not allowed");
}

TEST(ParseDuration, Decimals) {
    const std::string hint = "decimals are not allowed (use a smaller unit, e.g. 1500ms)";
    EXPECT_EQ(error_of("1.5h"), "invalid duration \"1.5h\": " + hint);
    EXPECT_EQ(error_of("1,5h"), "invalid duration \"1,5h\": " + hint);
    EXPECT_EQ(error_of(".5s"), "invalid duration \".5s\": " + hint);
}

TEST(ParseDuration, OrderViolations) {
    EXPECT_EQ(
        error_of("30m1h"),
        "invalid duration \"30m1h\": unit \"h\" after \"m\" (put larger units first, e.g. 1h30m)");
    EXPECT_EQ(error_of("500ms1s"),
              "invalid duration \"500ms1s\": unit \"s\" after \"ms\" (put larger units first, e.g. "
              "1h30m)");
    EXPECT_EQ(
        error_of("1d1w"),
        "invalid duration \"1d1w\": unit \"w\" after \"d\" (put larger units first, e.g. 1h30m)");
}

TEST(ParseDuration, RepeatedUnits) {
    EXPECT_EQ(error_of("1h1h"), "invalid duration \"1h1h\": unit \"h\" given twice");
    EXPECT_EQ(error_of("1h30m1h"), "invalid duration \"1h30m1h\": unit \"h\" given twice");
    EXPECT_EQ(error_of("1ms1ms"), "invalid duration \"1ms1ms\": unit \"ms\" given twice");
}

TEST(ParseDuration, Overflow) {
    EXPECT_EQ(error_of("9223372036854775808ms"),
              "invalid duration \"9223372036854775808ms\": too large");
    EXPECT_EQ(error_of("99999999999999999999999s"),
              "invalid duration \"99999999999999999999999s\": too large");
    EXPECT_EQ(error_of("9223372036854776s"), "invalid duration \"9223372036854776s\": too large");
    EXPECT_EQ(parsed("15250284452w"), days{7} * 15250284452LL);
    EXPECT_EQ(error_of("15250284453w"), "invalid duration \"15250284453w\": too large");
    // Each group fits on its own; the sum does not.
    EXPECT_EQ(error_of("9223372036854775s808ms"),
              "invalid duration \"9223372036854775s808ms\": too large");
}

TEST(ParseDuration, QuotesAndBackslashesAreEscaped) {
    EXPECT_EQ(error_of("1\""), "invalid duration \"1\\\"\": unexpected character \"\\\"\"");
    EXPECT_EQ(error_of("1\\"), "invalid duration \"1\\\\\": unexpected character \"\\\\\"");
}

TEST(ParseDuration, ErrorsAreOneLine) {
    for (const char* text : {"\n", "1\nh", "5s\r\n", "1\x7f"}) {
        std::string error = error_of(text);
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
        EXPECT_EQ(error.find('\r'), std::string::npos) << error;
    }
}

TEST(FormatDuration, Examples) {
    EXPECT_EQ(format_duration(Millis{5400000}), "1h30m");
    EXPECT_EQ(format_duration(Millis{0}), "0s");
    EXPECT_EQ(format_duration(Millis{1500}), "1s500ms");
}

TEST(FormatDuration, EveryUnit) {
    EXPECT_EQ(format_duration(Millis{1}), "1ms");
    EXPECT_EQ(format_duration(seconds{1}), "1s");
    EXPECT_EQ(format_duration(minutes{1}), "1m");
    EXPECT_EQ(format_duration(hours{1}), "1h");
    EXPECT_EQ(format_duration(days{1}), "1d");
    EXPECT_EQ(format_duration(days{7}), "1w");
}

TEST(FormatDuration, LargestUnitsFirstAndZeroGroupsDropped) {
    EXPECT_EQ(format_duration(seconds{90}), "1m30s");
    EXPECT_EQ(format_duration(hours{36}), "1d12h");
    EXPECT_EQ(format_duration(days{8} + hours{1} + minutes{1} + seconds{1} + Millis{1}),
              "1w1d1h1m1s1ms");
    EXPECT_EQ(format_duration(hours{1} + seconds{1}), "1h1s");
    EXPECT_EQ(format_duration(days{14} + Millis{5}), "2w5ms");
    EXPECT_EQ(format_duration(Millis{999}), "999ms");
}

TEST(FormatDuration, Negative) {
    EXPECT_EQ(format_duration(Millis{-1500}), "-1s500ms");
    EXPECT_EQ(format_duration(-minutes{90}), "-1h30m");
    EXPECT_EQ(format_duration(Millis{-1}), "-1ms");
}

TEST(FormatDuration, Extremes) {
    EXPECT_EQ(format_duration(Millis{k_max}), "15250284452w3d7h12m55s807ms");
    EXPECT_EQ(format_duration(Millis{std::numeric_limits<std::int64_t>::min()}),
              "-15250284452w3d7h12m55s808ms");
}

TEST(FormatDuration, RoundTripsThroughParse) {
    for (std::int64_t ms :
         std::initializer_list<std::int64_t>{0, 1, 999, 1000, 1500, 59999, 60000, 5400000, 86400000,
                                             604800000, 694861001, 123456789012, k_max}) {
        std::string text = format_duration(Millis{ms});
        EXPECT_EQ(parsed(text), Millis{ms}) << text;
    }
    for (const char* text : {"90s", "1h30m", "1s500ms", "2w3d", "1w1d1h1m1s1ms", "500ms"}) {
        EXPECT_EQ(parse_duration(format_duration(parsed(text))).value(), parsed(text)) << text;
    }
}

TEST(FormatDuration, NormalisesOversizedGroups) {
    EXPECT_EQ(format_duration(parsed("90s")), "1m30s");
    EXPECT_EQ(format_duration(parsed("1500ms")), "1s500ms");
    EXPECT_EQ(format_duration(parsed("48h")), "2d");
}

} // namespace
} // namespace notify::schedule
