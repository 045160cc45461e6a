// Unit tests for common/schedule/time_text: parse_time, format_rfc3339 and format_rfc3339_ms.
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "common/schedule/time_text.hpp"

namespace notify::schedule {
namespace {

using namespace std::chrono;

const std::string k_hint = " (use RFC 3339 or YYYY-MM-DD HH:MM[:SS])";

// Sets TZ for the lifetime of the object and restores the previous value afterwards.
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const char* zone) {
        if (const char* old = std::getenv("TZ")) {
            m_old = old;
        }
        setenv("TZ", zone, 1);
        tzset();
    }
    ~ScopedTimeZone() {
        if (m_old) {
            setenv("TZ", m_old->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }
    ScopedTimeZone(const ScopedTimeZone&) = delete;
    ScopedTimeZone& operator=(const ScopedTimeZone&) = delete;

  private:
    std::optional<std::string> m_old;
};

// The UTC instant with the given fields.
TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    return TimePoint{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
           milliseconds{ms};
}

TimePoint parsed(std::string_view text) {
    auto result = parse_time(text);
    EXPECT_TRUE(result.has_value()) << text << ": " << (result ? "" : result.error());
    return result ? *result : TimePoint{};
}

std::string error_of(std::string_view text) {
    auto result = parse_time(text);
    EXPECT_FALSE(result.has_value()) << text << " parsed as " << format_rfc3339_ms(*result);
    return result ? std::string() : result.error();
}

std::string expected_error(const std::string& text, const std::string& what) {
    return "invalid time \"" + text + "\": " + what + k_hint;
}

TEST(ParseTime, Rfc3339Utc) {
    EXPECT_EQ(parsed("2026-11-25T14:30:00Z"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("1970-01-01T00:00:00Z"), from_unix_ms(0));
    EXPECT_EQ(parsed("1969-12-31T23:59:59Z"), from_unix_ms(-1000));
    EXPECT_EQ(parsed("2000-01-01T00:00:00Z"), from_unix_ms(946684800000));
    EXPECT_EQ(parsed("0000-01-01T00:00:00Z"), utc(0, 1, 1));
    EXPECT_EQ(parsed("9999-12-31T23:59:59Z"), utc(9999, 12, 31, 23, 59, 59));
}

// Fuzz finding (fuzz_time_text, corpus time_text/13): "0000-01-01T00:00:00+23:59" parsed to an
// instant in year -1, which format_rfc3339 printed as "-001-12-31T00:01:00Z" (not RFC 3339, and
// not readable back). Offsets may not move an instant out of years 0000-9999.
TEST(ParseTime, OffsetsOutsideYears0000To9999AreRejected) {
    EXPECT_EQ(
        error_of("0000-01-01T00:00:00+23:59"),
        expected_error("0000-01-01T00:00:00+23:59", "out of range (years 0000 to 9999 in UTC)"));
    EXPECT_EQ(
        error_of("9999-12-31T23:59:59-00:01"),
        expected_error("9999-12-31T23:59:59-00:01", "out of range (years 0000 to 9999 in UTC)"));
    EXPECT_EQ(parsed("0000-01-01T00:00:00-00:01"), utc(0, 1, 1, 0, 1));
    EXPECT_EQ(parsed("9999-12-31T23:59:59.999Z"), utc(9999, 12, 31, 23, 59, 59) + Millis{999});
}

TEST(ParseTime, LowercaseAndSpaceSeparator) {
    const TimePoint want = utc(2026, 11, 25, 14, 30, 5);
    EXPECT_EQ(parsed("2026-11-25t14:30:05Z"), want);
    EXPECT_EQ(parsed("2026-11-25T14:30:05z"), want);
    EXPECT_EQ(parsed("2026-11-25t14:30:05z"), want);
    EXPECT_EQ(parsed("2026-11-25 14:30:05Z"), want);
    EXPECT_EQ(parsed("2026-11-25 14:30:05+01:00"), want - hours{1});
}

TEST(ParseTime, Offsets) {
    EXPECT_EQ(parsed("2026-11-25T14:30:00+01:00"), utc(2026, 11, 25, 13, 30));
    EXPECT_EQ(parsed("2026-11-25T14:30:00-05:00"), utc(2026, 11, 25, 19, 30));
    EXPECT_EQ(parsed("2026-11-25T14:30:00+05:30"), utc(2026, 11, 25, 9, 0));
    EXPECT_EQ(parsed("2026-11-25T14:30:00-09:45"), utc(2026, 11, 26, 0, 15));
    EXPECT_EQ(parsed("2026-11-25T14:30:00+00:00"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("2026-11-25T14:30:00-00:00"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("2026-11-25T14:30:00+23:59"), utc(2026, 11, 24, 14, 31));
    EXPECT_EQ(parsed("2026-11-25T14:30:00-23:59"), utc(2026, 11, 26, 14, 29));
}

TEST(ParseTime, OffsetsCrossDayMonthAndYear) {
    EXPECT_EQ(parsed("2026-01-01T00:30:00+01:00"), utc(2025, 12, 31, 23, 30));
    EXPECT_EQ(parsed("2025-12-31T23:30:00-01:00"), utc(2026, 1, 1, 0, 30));
    EXPECT_EQ(parsed("2024-03-01T00:00:00+00:01"), utc(2024, 2, 29, 23, 59));
    EXPECT_EQ(parsed("1970-01-01T00:00:00+01:00"), from_unix_ms(-3600000));
}

TEST(ParseTime, FractionsKeepMilliseconds) {
    EXPECT_EQ(parsed("2026-11-25T14:30:00.250+01:00"), utc(2026, 11, 25, 13, 30, 0, 250));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.2Z"), utc(2026, 11, 25, 14, 30, 0, 200));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.25Z"), utc(2026, 11, 25, 14, 30, 0, 250));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.250Z"), utc(2026, 11, 25, 14, 30, 0, 250));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.2509Z"), utc(2026, 11, 25, 14, 30, 0, 250));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.99999Z"), utc(2026, 11, 25, 14, 30, 0, 999));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.123456Z"), utc(2026, 11, 25, 14, 30, 0, 123));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.123456789Z"), utc(2026, 11, 25, 14, 30, 0, 123));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.000000001Z"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("2026-11-25T14:30:00.0Z"), utc(2026, 11, 25, 14, 30));
}

TEST(ParseTime, FractionsBeforeEpochStillCountForward) {
    EXPECT_EQ(parsed("1969-12-31T23:59:59.750Z"), from_unix_ms(-250));
}

TEST(ParseTime, FractionErrors) {
    const std::string what = "fraction of a second must have 1 to 9 digits";
    EXPECT_EQ(error_of("2026-11-25T14:30:00.Z"), expected_error("2026-11-25T14:30:00.Z", what));
    EXPECT_EQ(error_of("2026-11-25T14:30:00.1234567890Z"),
              expected_error("2026-11-25T14:30:00.1234567890Z", what));
    EXPECT_EQ(error_of("2026-11-25T14:30:00,5Z"),
              expected_error("2026-11-25T14:30:00,5Z", "unexpected \",5Z\" after the time"));
    EXPECT_EQ(error_of("2026-11-25T14:30.5Z"),
              expected_error("2026-11-25T14:30.5Z", "unexpected \".5Z\" after the time"));
}

TEST(ParseTime, LeapYears) {
    EXPECT_EQ(parsed("2024-02-29T12:00:00Z"), utc(2024, 2, 29, 12));
    EXPECT_EQ(parsed("2000-02-29T12:00:00Z"), utc(2000, 2, 29, 12));
    EXPECT_EQ(error_of("2026-02-29T12:00:00Z"),
              expected_error("2026-02-29T12:00:00Z", "day 29 out of range for 2026-02"));
    EXPECT_EQ(error_of("2026-02-29 12:00"),
              expected_error("2026-02-29 12:00", "day 29 out of range for 2026-02"));
    EXPECT_EQ(error_of("1900-02-29T12:00:00Z"),
              expected_error("1900-02-29T12:00:00Z", "day 29 out of range for 1900-02"));
    EXPECT_EQ(error_of("2024-02-30T12:00:00Z"),
              expected_error("2024-02-30T12:00:00Z", "day 30 out of range for 2024-02"));
}

TEST(ParseTime, LeapSecondReadsAs59) {
    EXPECT_EQ(parsed("2016-12-31T23:59:60Z"), utc(2016, 12, 31, 23, 59, 59));
    EXPECT_EQ(parsed("2016-12-31T23:59:60.500Z"), utc(2016, 12, 31, 23, 59, 59, 500));
    EXPECT_EQ(parsed("2017-01-01T00:59:60+01:00"), utc(2016, 12, 31, 23, 59, 59));
    ScopedTimeZone zone("UTC");
    EXPECT_EQ(parsed("2016-12-31 23:59:60"), utc(2016, 12, 31, 23, 59, 59));
}

TEST(ParseTime, MonthAndDayRanges) {
    EXPECT_EQ(error_of("2026-13-01 10:00"),
              "invalid time \"2026-13-01 10:00\": month 13 out of range (use RFC 3339 or "
              "YYYY-MM-DD HH:MM[:SS])");
    EXPECT_EQ(error_of("2026-00-01T10:00:00Z"),
              expected_error("2026-00-01T10:00:00Z", "month 0 out of range"));
    EXPECT_EQ(error_of("2026-01-00T10:00:00Z"),
              expected_error("2026-01-00T10:00:00Z", "day 0 out of range for 2026-01"));
    EXPECT_EQ(error_of("2026-01-32T10:00:00Z"),
              expected_error("2026-01-32T10:00:00Z", "day 32 out of range for 2026-01"));
    EXPECT_EQ(error_of("2026-04-31T10:00:00Z"),
              expected_error("2026-04-31T10:00:00Z", "day 31 out of range for 2026-04"));
    EXPECT_EQ(parsed("2026-01-31T10:00:00Z"), utc(2026, 1, 31, 10));
    EXPECT_EQ(parsed("2026-12-31T10:00:00Z"), utc(2026, 12, 31, 10));
}

TEST(ParseTime, TimeRanges) {
    EXPECT_EQ(error_of("2026-11-25T24:00:00Z"),
              expected_error("2026-11-25T24:00:00Z", "hour 24 out of range"));
    EXPECT_EQ(error_of("2026-11-25 24:00"),
              expected_error("2026-11-25 24:00", "hour 24 out of range"));
    EXPECT_EQ(error_of("2026-11-25T10:60:00Z"),
              expected_error("2026-11-25T10:60:00Z", "minute 60 out of range"));
    EXPECT_EQ(error_of("2026-11-25T10:00:61Z"),
              expected_error("2026-11-25T10:00:61Z", "second 61 out of range"));
    EXPECT_EQ(error_of("2026-11-25 10:00:99"),
              expected_error("2026-11-25 10:00:99", "second 99 out of range"));
    EXPECT_EQ(parsed("2026-11-25T23:59:59Z"), utc(2026, 11, 25, 23, 59, 59));
    EXPECT_EQ(parsed("2026-11-25T00:00:00Z"), utc(2026, 11, 25));
}

TEST(ParseTime, OffsetErrors) {
    const std::string bad_zone = "zone must be Z, +hh:mm or -hh:mm";
    for (const char* text :
         {"2026-11-25T10:00:00+0100", "2026-11-25T10:00:00+01", "2026-11-25T10:00:00+1:00",
          "2026-11-25T10:00:00+", "2026-11-25T10:00:00-", "2026-11-25T10:00:00+01:0",
          "2026-11-25T10:00:00+ab:cd"}) {
        EXPECT_EQ(error_of(text), expected_error(text, bad_zone));
    }
    EXPECT_EQ(error_of("2026-11-25T10:00:00+24:00"),
              expected_error("2026-11-25T10:00:00+24:00", "zone offset hour 24 out of range"));
    EXPECT_EQ(error_of("2026-11-25T10:00:00-01:60"),
              expected_error("2026-11-25T10:00:00-01:60", "zone offset minute 60 out of range"));
    EXPECT_EQ(error_of("2026-11-25T10:00:00+01:00:00"),
              expected_error("2026-11-25T10:00:00+01:00:00", "unexpected \":00\" after the zone"));
    EXPECT_EQ(error_of("2026-11-25T10:00:00ZZ"),
              expected_error("2026-11-25T10:00:00ZZ", "unexpected \"Z\" after the zone"));
    EXPECT_EQ(error_of("2026-11-25T10:00:00 Z"),
              expected_error("2026-11-25T10:00:00 Z", "unexpected \" Z\" after the time"));
    EXPECT_EQ(error_of("2026-11-25T10:00:00UTC"),
              expected_error("2026-11-25T10:00:00UTC", "unexpected \"UTC\" after the time"));
}

TEST(ParseTime, Empty) {
    EXPECT_EQ(error_of(""), "invalid time \"\": empty" + k_hint);
}

TEST(ParseTime, MalformedDate) {
    const std::string what = "date must be YYYY-MM-DD";
    for (const char* text :
         {"2026-1-01 10:00", "26-01-01 10:00", "2026/01/01 10:00", "20260101T100000Z", "2026-01",
          "tomorrow", "now", " 2026-01-01 10:00", "-2026-01-01T10:00:00Z", "+2026-01-01T10:00:00Z",
          "12026-01-01T10:00:00Z", "2026-01-1 10:00"}) {
        EXPECT_EQ(error_of(text), expected_error(text, what));
    }
}

TEST(ParseTime, MissingOrMalformedTime) {
    EXPECT_EQ(error_of("2026-11-25"), expected_error("2026-11-25", "missing time after the date"));
    EXPECT_EQ(error_of("2026-11-25_10:00"),
              "invalid time \"2026-11-25_10:00\": date and time must be separated by \"T\" or a "
              "space" +
                  k_hint);
    const std::string what = "time must be HH:MM or HH:MM:SS";
    for (const char* text :
         {"2026-11-25 ", "2026-11-25 10", "2026-11-25 10:", "2026-11-25 1:00", "2026-11-25 10:0",
          "2026-11-25  10:00", "2026-11-25 10:00:", "2026-11-25 10:00:5", "2026-11-25T10h00Z"}) {
        EXPECT_EQ(error_of(text), expected_error(text, what));
    }
}

TEST(ParseTime, TrailingText) {
    EXPECT_EQ(error_of("2026-11-25 10:00 x"),
              expected_error("2026-11-25 10:00 x", "unexpected \" x\" after the time"));
    EXPECT_EQ(error_of("2026-11-25 10:00 "),
              expected_error("2026-11-25 10:00 ", "unexpected \" \" after the time"));
    EXPECT_EQ(error_of("2026-11-25 10:00:00 PM"),
              expected_error("2026-11-25 10:00:00 PM", "unexpected \" PM\" after the time"));
    EXPECT_EQ(error_of("2026-11-25 10:00\n"),
              "invalid time \"2026-11-25 10:00\\x0a\": unexpected \"\\x0a\" after the time" +
                  k_hint);
}

TEST(ParseTime, ZoneFormNeedsSeconds) {
    const std::string what = "seconds are required with a zone (HH:MM:SS)";
    EXPECT_EQ(error_of("2026-11-25T10:00Z"), expected_error("2026-11-25T10:00Z", what));
    EXPECT_EQ(error_of("2026-11-25 10:00+01:00"), expected_error("2026-11-25 10:00+01:00", what));
}

TEST(ParseTime, TFormNeedsZone) {
    const std::string what = "missing zone after the time (add Z or +hh:mm, or use a space instead "
                             "of \"T\" for local time)";
    EXPECT_EQ(error_of("2026-11-25T10:00:00"), expected_error("2026-11-25T10:00:00", what));
    EXPECT_EQ(error_of("2026-11-25T10:00"), expected_error("2026-11-25T10:00", what));
    EXPECT_EQ(error_of("2026-11-25t10:00:00.5"), expected_error("2026-11-25t10:00:00.5", what));
}

TEST(ParseTime, QuotesInTextAreEscaped) {
    EXPECT_EQ(error_of("\"2026\""),
              "invalid time \"\\\"2026\\\"\": date must be YYYY-MM-DD" + k_hint);
}

TEST(ParseTimeLocal, Utc) {
    ScopedTimeZone zone("UTC");
    EXPECT_EQ(parsed("2024-02-29 12:00"), utc(2024, 2, 29, 12));
    EXPECT_EQ(parsed("2026-11-25 14:30"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("2026-11-25 14:30:05"), utc(2026, 11, 25, 14, 30, 5));
    EXPECT_EQ(parsed("2026-11-25 14:30:05.250"), utc(2026, 11, 25, 14, 30, 5, 250));
    EXPECT_EQ(parsed("2026-06-25 14:30"), utc(2026, 6, 25, 14, 30));
    EXPECT_EQ(parsed("1970-01-01 00:00"), from_unix_ms(0));
    // mktime's error value -1 is also this valid instant.
    EXPECT_EQ(parsed("1969-12-31 23:59:59"), from_unix_ms(-1000));
    EXPECT_EQ(parsed("2024-02-29 00:00"), utc(2024, 2, 29));
    EXPECT_EQ(parsed("9999-12-31 23:59:59"), utc(9999, 12, 31, 23, 59, 59));
}

TEST(ParseTimeLocal, ExplicitZoneIgnoresTz) {
    ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(parsed("2026-11-25T14:30:00Z"), utc(2026, 11, 25, 14, 30));
    EXPECT_EQ(parsed("2026-03-29T02:30:00Z"), utc(2026, 3, 29, 2, 30));
    EXPECT_EQ(parsed("2026-03-29T02:30:00+01:00"), utc(2026, 3, 29, 1, 30));
}

TEST(ParseTimeLocal, Berlin) {
    ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(parsed("2026-11-25 14:30"), utc(2026, 11, 25, 13, 30));      // CET, +01:00
    EXPECT_EQ(parsed("2026-07-01 14:30:15"), utc(2026, 7, 1, 12, 30, 15)); // CEST, +02:00
    EXPECT_EQ(parsed("2026-01-01 00:30"), utc(2025, 12, 31, 23, 30));
}

TEST(ParseTimeLocal, BerlinGapIsRejected) {
    ScopedTimeZone zone("Europe/Berlin");
    const std::string what = "no such local time (skipped by a daylight saving change)";
    EXPECT_EQ(error_of("2026-03-29 02:30"), expected_error("2026-03-29 02:30", what));
    EXPECT_EQ(error_of("2026-03-29 02:00"), expected_error("2026-03-29 02:00", what));
    EXPECT_EQ(error_of("2026-03-29 02:59:59"), expected_error("2026-03-29 02:59:59", what));
    EXPECT_EQ(parsed("2026-03-29 01:59:59"), utc(2026, 3, 29, 0, 59, 59));
    EXPECT_EQ(parsed("2026-03-29 03:00"), utc(2026, 3, 29, 1, 0));
}

TEST(ParseTimeLocal, BerlinFoldTakesEarlierInstant) {
    ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(parsed("2026-10-25 02:30"), utc(2026, 10, 25, 0, 30));
    EXPECT_EQ(parsed("2026-10-25 02:00"), utc(2026, 10, 25, 0, 0));
    EXPECT_EQ(parsed("2026-10-25 02:59:59"), utc(2026, 10, 25, 0, 59, 59));
    EXPECT_EQ(parsed("2026-10-25 01:59:59"), utc(2026, 10, 24, 23, 59, 59));
    EXPECT_EQ(parsed("2026-10-25 03:00"), utc(2026, 10, 25, 2, 0));
}

TEST(ParseTimeLocal, NewYork) {
    ScopedTimeZone zone("America/New_York");
    EXPECT_EQ(parsed("2026-01-15 12:00"), utc(2026, 1, 15, 17, 0));  // EST, -05:00
    EXPECT_EQ(parsed("2026-07-04 12:00"), utc(2026, 7, 4, 16, 0));   // EDT, -04:00
    EXPECT_EQ(parsed("2026-11-25 20:30"), utc(2026, 11, 26, 1, 30)); // next UTC day
}

TEST(ParseTimeLocal, NewYorkGapAndFold) {
    ScopedTimeZone zone("America/New_York");
    EXPECT_EQ(error_of("2026-03-08 02:30"),
              expected_error("2026-03-08 02:30",
                             "no such local time (skipped by a daylight saving change)"));
    EXPECT_EQ(parsed("2026-03-08 01:59"), utc(2026, 3, 8, 6, 59));
    EXPECT_EQ(parsed("2026-03-08 03:00"), utc(2026, 3, 8, 7, 0));
    EXPECT_EQ(parsed("2026-11-01 01:30"), utc(2026, 11, 1, 5, 30)); // EDT, not EST's 06:30Z
    EXPECT_EQ(parsed("2026-11-01 02:00"), utc(2026, 11, 1, 7, 0));
}

TEST(ParseTimeLocal, PosixRuleString) {
    ScopedTimeZone zone("EST5EDT,M3.2.0,M11.1.0");
    EXPECT_EQ(parsed("2026-01-15 12:00"), utc(2026, 1, 15, 17, 0));
    EXPECT_EQ(parsed("2026-11-01 01:30"), utc(2026, 11, 1, 5, 30));
    EXPECT_FALSE(parse_time("2026-03-08 02:30").has_value());
}

TEST(ParseTimeLocal, ZoneWithoutDst) {
    ScopedTimeZone zone("Asia/Kolkata");
    EXPECT_EQ(parsed("2026-11-25 14:30"), utc(2026, 11, 25, 9, 0));
    EXPECT_EQ(parsed("2026-06-25 14:30"), utc(2026, 6, 25, 9, 0));
}

TEST(ParseTimeLocal, DublinNegativeDstStillTakesEarlierInstant) {
    // tzdata models Irish winter time as the DST period; the fold must not depend on the flag.
    ScopedTimeZone zone("Europe/Dublin");
    EXPECT_EQ(parsed("2026-10-25 01:30"), utc(2026, 10, 25, 0, 30));
    EXPECT_FALSE(parse_time("2026-03-29 01:30").has_value());
    EXPECT_EQ(parsed("2026-01-15 12:00"), utc(2026, 1, 15, 12, 0));
    EXPECT_EQ(parsed("2026-07-15 12:00"), utc(2026, 7, 15, 11, 0));
}

TEST(ScopedTimeZone, RestoresTz) {
    const char* before = std::getenv("TZ");
    std::optional<std::string> saved = before ? std::optional<std::string>(before) : std::nullopt;
    {
        ScopedTimeZone zone("America/New_York");
        EXPECT_STREQ(std::getenv("TZ"), "America/New_York");
    }
    const char* after = std::getenv("TZ");
    EXPECT_EQ(after ? std::optional<std::string>(after) : std::nullopt, saved);
}

TEST(FormatRfc3339, Examples) {
    EXPECT_EQ(format_rfc3339(utc(2026, 11, 25, 14, 30)), "2026-11-25T14:30:00Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 11, 25, 14, 30, 0, 250)), "2026-11-25T14:30:00Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 11, 25, 14, 30, 59, 999)), "2026-11-25T14:30:59Z");
    EXPECT_EQ(format_rfc3339_ms(utc(2026, 11, 25, 14, 30, 0, 250)), "2026-11-25T14:30:00.250Z");
    EXPECT_EQ(format_rfc3339_ms(utc(2026, 11, 25, 14, 30)), "2026-11-25T14:30:00.000Z");
    EXPECT_EQ(format_rfc3339_ms(utc(2026, 11, 25, 14, 30, 0, 7)), "2026-11-25T14:30:00.007Z");
}

TEST(FormatRfc3339, EpochAndBefore) {
    EXPECT_EQ(format_rfc3339(from_unix_ms(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(from_unix_ms(-1)), "1969-12-31T23:59:59Z");
    EXPECT_EQ(format_rfc3339_ms(from_unix_ms(-1)), "1969-12-31T23:59:59.999Z");
    EXPECT_EQ(format_rfc3339_ms(from_unix_ms(-86400000)), "1969-12-31T00:00:00.000Z");
    EXPECT_EQ(format_rfc3339_ms(from_unix_ms(-86400001)), "1969-12-30T23:59:59.999Z");
}

TEST(FormatRfc3339, Calendar) {
    EXPECT_EQ(format_rfc3339(utc(2024, 2, 29, 23, 59, 59)), "2024-02-29T23:59:59Z");
    EXPECT_EQ(format_rfc3339(utc(2024, 2, 29) + days{1}), "2024-03-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 2, 28) + days{1}), "2026-03-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(utc(2000, 2, 29)), "2000-02-29T00:00:00Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 12, 31, 23, 59, 59) + seconds{1}), "2027-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(utc(0, 1, 1)), "0000-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339_ms(utc(9999, 12, 31, 23, 59, 59, 999)), "9999-12-31T23:59:59.999Z");
}

TEST(FormatRfc3339, IndependentOfTz) {
    ScopedTimeZone zone("America/New_York");
    EXPECT_EQ(format_rfc3339(utc(2026, 7, 4, 12)), "2026-07-04T12:00:00Z");
}

TEST(FormatRfc3339, ExtremesDoNotOverflow) {
    const auto max = std::numeric_limits<long long>::max();
    const auto min = std::numeric_limits<long long>::min();
    EXPECT_EQ(format_rfc3339_ms(from_unix_ms(max)), "292278994-08-17T07:12:55.807Z");
    EXPECT_EQ(format_rfc3339_ms(from_unix_ms(min)), "-292275055-05-16T16:47:04.192Z");
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
    for (TimePoint t : {from_unix_ms(0), from_unix_ms(-1), from_unix_ms(1), utc(0, 1, 1),
                        utc(1900, 3, 1, 1, 2, 3, 4), utc(2024, 2, 29, 12, 0, 0, 999),
                        utc(2026, 11, 25, 14, 30, 0, 250), utc(2038, 1, 19, 3, 14, 8),
                        utc(9999, 12, 31, 23, 59, 59, 999)}) {
        EXPECT_EQ(parsed(format_rfc3339_ms(t)), t) << format_rfc3339_ms(t);
        EXPECT_EQ(parsed(format_rfc3339(t)), floor<seconds>(t)) << format_rfc3339(t);
    }
    // A sweep across many days, times and millisecond values.
    for (long long ms = -5'000'000'000'000; ms < 5'000'000'000'000; ms += 987'654'321'123) {
        EXPECT_EQ(parsed(format_rfc3339_ms(from_unix_ms(ms))), from_unix_ms(ms));
    }
}

TEST(FormatRfc3339, TextRoundTrips) {
    for (const char* text : {"2026-11-25T14:30:00.250Z", "2024-02-29T00:00:00.000Z",
                             "1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z"}) {
        EXPECT_EQ(format_rfc3339_ms(parsed(text)), text);
    }
    EXPECT_EQ(format_rfc3339_ms(parsed("2026-11-25t15:30:00.25+01:00")),
              "2026-11-25T14:30:00.250Z");
}

TEST(FormatRfc3339, LocalRoundTrip) {
    ScopedTimeZone zone("Europe/Berlin");
    EXPECT_EQ(format_rfc3339(parsed("2026-10-25 02:30")), "2026-10-25T00:30:00Z");
    EXPECT_EQ(format_rfc3339(parsed("2026-03-29 03:00")), "2026-03-29T01:00:00Z");
    EXPECT_EQ(format_rfc3339_ms(parsed("2026-11-25 14:30:00.5")), "2026-11-25T13:30:00.500Z");
}

} // namespace
} // namespace notify::schedule
