// Unit tests for common/schedule/cron: parse_cron and next fire times across DST changes.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/schedule/cron.hpp"

namespace notify::schedule {
namespace {

using namespace std::chrono;
using Strings = std::vector<std::string>;

Zone zone(std::string_view name) {
    auto found = Zone::find(name);
    EXPECT_TRUE(found.has_value()) << name << ": " << (found ? "" : found.error());
    return found ? *found : Zone::utc();
}

CronExpression cron(std::string_view text) {
    auto parsed = parse_cron(text);
    EXPECT_TRUE(parsed.has_value()) << text << ": " << (parsed ? "" : parsed.error());
    return parsed ? *parsed : *parse_cron("* * * * *");
}

std::string error_of(std::string_view text) {
    auto parsed = parse_cron(text);
    EXPECT_FALSE(parsed.has_value()) << text << " parsed";
    return parsed ? std::string() : parsed.error();
}

// The first instant at which `z`'s wall clock reads the given time (or the jump, in a gap).
TimePoint at(const Zone& z, int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    return z.resolve(LocalTime{local_days{year{y} / mo / d} + hours{h} + minutes{mi}}).first;
}

// "2026-03-29T03:00+02:00": the wall time of `t` in `z` with its offset, seconds if any.
std::string wall_text(TimePoint t, const Zone& z) {
    const LocalParts p = z.to_local(t);
    const auto offset = duration_cast<minutes>(p.utc_offset).count();
    const long long magnitude = std::llabs(offset);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d", p.year, p.month, p.day, p.hour,
                  p.minute);
    std::string result = text;
    if (p.second != 0 || p.millisecond != 0) {
        std::snprintf(text, sizeof text, ":%02d.%03d", p.second, p.millisecond);
        result += text;
    }
    std::snprintf(text, sizeof text, "%c%02lld:%02lld", offset < 0 ? '-' : '+', magnitude / 60,
                  magnitude % 60);
    return result + text;
}

// The next `n` fire times of `expression` after `after`, as wall_text in `z`.
Strings fires(std::string_view expression, const Zone& z, TimePoint after, int n) {
    Strings result;
    for (TimePoint t : cron(expression).next_n(after, z, n)) {
        result.push_back(wall_text(t, z));
    }
    return result;
}

Strings fires_utc(std::string_view expression, TimePoint after, int n) {
    return fires(expression, Zone::utc(), after, n);
}

TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    return at(Zone::utc(), y, mo, d, h, mi);
}

// ---- parsing ----

TEST(CronParseSyntax, StarListRangeAndSteps) {
    const TimePoint from = utc(2026, 6, 1, 10, 0);
    EXPECT_EQ(fires_utc("* * * * *", from, 2),
              (Strings{"2026-06-01T10:01+00:00", "2026-06-01T10:02+00:00"}));
    EXPECT_EQ(
        fires_utc("1,2 * * * *", from, 3),
        (Strings{"2026-06-01T10:01+00:00", "2026-06-01T10:02+00:00", "2026-06-01T11:01+00:00"}));
    EXPECT_EQ(fires_utc("58-59 1-2 * * *", from, 5),
              (Strings{"2026-06-02T01:58+00:00", "2026-06-02T01:59+00:00", "2026-06-02T02:58+00:00",
                       "2026-06-02T02:59+00:00", "2026-06-03T01:58+00:00"}));
    EXPECT_EQ(
        fires_utc("*/15 * * * *", from, 3),
        (Strings{"2026-06-01T10:15+00:00", "2026-06-01T10:30+00:00", "2026-06-01T10:45+00:00"}));
    EXPECT_EQ(fires_utc("10-50/20 * * * *", from, 4),
              (Strings{"2026-06-01T10:10+00:00", "2026-06-01T10:30+00:00", "2026-06-01T10:50+00:00",
                       "2026-06-01T11:10+00:00"}));
    // Steps restart in every hour: */35 is :00 and :35.
    EXPECT_EQ(
        fires_utc("*/35 * * * *", from, 3),
        (Strings{"2026-06-01T10:35+00:00", "2026-06-01T11:00+00:00", "2026-06-01T11:35+00:00"}));
    EXPECT_EQ(fires_utc("0 0-23/12 * * *", from, 2),
              (Strings{"2026-06-01T12:00+00:00", "2026-06-02T00:00+00:00"}));
    EXPECT_EQ(
        fires_utc("5,0-1,*/20 9 * * *", from, 6),
        (Strings{"2026-06-02T09:00+00:00", "2026-06-02T09:01+00:00", "2026-06-02T09:05+00:00",
                 "2026-06-02T09:20+00:00", "2026-06-02T09:40+00:00", "2026-06-03T09:00+00:00"}));
}

TEST(CronParseSyntax, MonthAndDayNamesAnyCase) {
    const TimePoint from = utc(2026, 1, 1);
    EXPECT_EQ(fires_utc("0 0 1 JAN,jul *", from, 2),
              (Strings{"2026-07-01T00:00+00:00", "2027-01-01T00:00+00:00"}));
    EXPECT_EQ(
        fires_utc("0 0 1 Feb-Apr *", from, 3),
        (Strings{"2026-02-01T00:00+00:00", "2026-03-01T00:00+00:00", "2026-04-01T00:00+00:00"}));
    // 2026-01-01 is a Thursday.
    EXPECT_EQ(
        fires_utc("0 8 * * Mon-Fri", from, 3),
        (Strings{"2026-01-01T08:00+00:00", "2026-01-02T08:00+00:00", "2026-01-05T08:00+00:00"}));
    EXPECT_EQ(fires_utc("0 8 * * sat,SUN", from, 2),
              (Strings{"2026-01-03T08:00+00:00", "2026-01-04T08:00+00:00"}));
    EXPECT_EQ(
        fires_utc("0 0 * * mon-fri/2", from, 3),
        (Strings{"2026-01-02T00:00+00:00", "2026-01-05T00:00+00:00", "2026-01-07T00:00+00:00"}));
}

TEST(CronParseSyntax, SundayIsZeroOrSeven) {
    const TimePoint from = utc(2026, 1, 1);
    const Strings sundays{"2026-01-04T00:00+00:00", "2026-01-11T00:00+00:00"};
    EXPECT_EQ(fires_utc("0 0 * * 0", from, 2), sundays);
    EXPECT_EQ(fires_utc("0 0 * * 7", from, 2), sundays);
    EXPECT_EQ(fires_utc("0 0 * * sun", from, 2), sundays);
    const Strings weekend{"2026-01-02T00:00+00:00", "2026-01-03T00:00+00:00",
                          "2026-01-04T00:00+00:00", "2026-01-09T00:00+00:00"};
    EXPECT_EQ(fires_utc("0 0 * * 5-7", from, 4), weekend);
    EXPECT_EQ(fires_utc("0 0 * * fri-sun", from, 4), weekend);
    EXPECT_EQ(fires_utc("0 0 * * 5-0", from, 4), weekend);
    EXPECT_EQ(
        fires_utc("0 0 * * 0-7", from, 3),
        (Strings{"2026-01-02T00:00+00:00", "2026-01-03T00:00+00:00", "2026-01-04T00:00+00:00"}));
}

TEST(CronParseSyntax, WhitespaceAndText) {
    const auto parsed = cron("  \t*/5   9-17 *\t* 1-5  ");
    EXPECT_EQ(parsed.text(), "*/5   9-17 *\t* 1-5");
    EXPECT_EQ(cron("@daily").text(), "@daily");
    EXPECT_EQ(cron(" @hourly ").text(), "@hourly");
}

TEST(CronParseMacros, EachMacroMatchesItsExpansion) {
    const Zone berlin = zone("Europe/Berlin");
    const TimePoint from = at(berlin, 2026, 3, 1);
    const std::vector<std::pair<std::string, std::string>> macros = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}, {"@DAILY", "0 0 * * *"},
    };
    for (const auto& [macro, fields] : macros) {
        EXPECT_EQ(fires(macro, berlin, from, 10), fires(fields, berlin, from, 10)) << macro;
    }
    EXPECT_EQ(fires_utc("@weekly", utc(2026, 1, 1), 1), (Strings{"2026-01-04T00:00+00:00"}));
}

TEST(CronParseErrors, MessagesNameTheField) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "empty (expected 5 fields or a macro such as @daily)"},
        {"   ", "empty (expected 5 fields or a macro such as @daily)"},
        {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
        {"0 * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
        {"61 * * * *", "minute 61 out of range 0-59"},
        {"* 24 * * *", "hour 24 out of range 0-23"},
        {"* * 0 * *", "day-of-month 0 out of range 1-31"},
        {"* * 32 * *", "day-of-month 32 out of range 1-31"},
        {"* * * 0 *", "month 0 out of range 1-12"},
        {"* * * 13 *", "month 13 out of range 1-12"},
        {"* * * * 8", "day-of-week 8 out of range 0-7"},
        {"1-60 * * * *", "minute 60 out of range 0-59"},
        {"99999999999999999999 * * * *", "minute 99999999999999999999 out of range 0-59"},
        {"*/0 * * * *", "minute step 0 out of range 1-59"},
        {"*/60 * * * *", "minute step 60 out of range 1-59"},
        {"* */24 * * *", "hour step 24 out of range 1-23"},
        {"*/x * * * *", R"(minute step "x" is not a number)"},
        {"5-1 * * * *", R"(minute range "5-1" is backwards)"},
        {"* * * * fri-mon", R"(day-of-week range "fri-mon" is backwards)"},
        {"* * * dec-jan *", R"(month range "dec-jan" is backwards)"},
        {"1,,2 * * * *", R"(minute "1,,2" has an empty list element)"},
        {"1, * * * *", R"(minute "1," has an empty list element)"},
        {"a * * * *", R"(minute "a" is not a number)"},
        {"jan * * * *", R"(minute "jan" is not a number)"},
        {"* * mon * *", R"(day-of-month "mon" is not a number)"},
        {"* * * foo *", R"(month "foo" is not a number or month name (jan-dec))"},
        {"* * * january *", R"(month "january" is not a number or month name (jan-dec))"},
        {"* * * * monday", R"(day-of-week "monday" is not a number or day name (sun-sat))"},
        {"* * L * *", R"(day-of-month "L" is not a number)"},
        {"* * ? * *", R"(day-of-month "?" is not a number)"},
        {"* * * * 5#2", R"(day-of-week "5#2" is not a number or day name (sun-sat))"},
        {"-5 * * * *",
         R"(minute "-5" is malformed (use *, N or N-M, each optionally followed by /STEP))"},
        {"1- * * * *",
         R"(minute "1-" is malformed (use *, N or N-M, each optionally followed by /STEP))"},
        {"*/ * * * *",
         R"(minute "*/" is malformed (use *, N or N-M, each optionally followed by /STEP))"},
        {"*-5 * * * *", R"(minute "*" is not a number)"},
        {"1-2-3 * * * *", R"(minute "2-3" is not a number)"},
        {"5/15 * * * *", R"(minute "5/15": a step needs * or a range before "/" (e.g. "5-59/15"))"},
        {"@reboot",
         "@reboot is not supported: schedules fire at clock times, not when notifyd starts"},
        {"@weekely", R"(unknown macro "@weekely" (did you mean "@weekly"?))"},
        {"@often", R"(unknown macro "@often" (use @yearly, @monthly, @weekly, @daily or @hourly))"},
        {"@daily 5", "@daily takes no fields"},
    };
    for (const auto& [text, detail] : cases) {
        EXPECT_EQ(error_of(text), "invalid cron expression \"" + text + "\": " + detail);
    }
}

// ---- next fire times in UTC ----

TEST(CronNextUtc, StrictlyAfter) {
    const auto every_quarter = cron("*/15 * * * *");
    const Zone z = Zone::utc();
    EXPECT_EQ(every_quarter.next_after(utc(2026, 6, 1, 10, 7), z), utc(2026, 6, 1, 10, 15));
    EXPECT_EQ(every_quarter.next_after(utc(2026, 6, 1, 10, 15), z), utc(2026, 6, 1, 10, 30));
    EXPECT_EQ(every_quarter.next_after(utc(2026, 6, 1, 10, 15) - Millis{1}, z),
              utc(2026, 6, 1, 10, 15));
    EXPECT_EQ(every_quarter.next_after(utc(2026, 6, 1, 10, 15) + Millis{1}, z),
              utc(2026, 6, 1, 10, 30));
}

TEST(CronNextUtc, RollsOverHourDayMonthAndYear) {
    EXPECT_EQ(fires_utc("59 23 31 12 *", utc(2026, 6, 1), 2),
              (Strings{"2026-12-31T23:59+00:00", "2027-12-31T23:59+00:00"}));
    EXPECT_EQ(fires_utc("0 0 1 1 *", utc(2026, 12, 31, 23, 59), 1),
              (Strings{"2027-01-01T00:00+00:00"}));
    // The 31st exists in 7 months only.
    EXPECT_EQ(fires_utc("0 12 31 * *", utc(2026, 1, 31, 13), 4),
              (Strings{"2026-03-31T12:00+00:00", "2026-05-31T12:00+00:00", "2026-07-31T12:00+00:00",
                       "2026-08-31T12:00+00:00"}));
}

TEST(CronNextUtc, LeapDay) {
    EXPECT_EQ(
        fires_utc("0 0 29 2 *", utc(2026, 1, 1), 3),
        (Strings{"2028-02-29T00:00+00:00", "2032-02-29T00:00+00:00", "2036-02-29T00:00+00:00"}));
    // 2100 is no leap year: eight years between two Feb 29ths, still within the horizon.
    EXPECT_EQ(fires_utc("0 0 29 2 *", utc(2096, 3, 1), 1), (Strings{"2104-02-29T00:00+00:00"}));
}

TEST(CronNextUtc, NeverFiring) {
    const Zone berlin = zone("Europe/Berlin");
    for (const char* text : {"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 feb *"}) {
        const auto expression = cron(text);
        EXPECT_EQ(expression.next_after(utc(2026, 1, 1), Zone::utc()), std::nullopt) << text;
        EXPECT_EQ(expression.next_after(utc(2026, 1, 1), berlin), std::nullopt) << text;
        EXPECT_TRUE(expression.next_n(utc(2026, 1, 1), berlin, 5).empty()) << text;
    }
    // With the Vixie OR rule a restricted weekday rescues an impossible date: February Mondays.
    EXPECT_EQ(fires_utc("0 0 30 2 mon", utc(2026, 1, 1), 2),
              (Strings{"2026-02-02T00:00+00:00", "2026-02-09T00:00+00:00"}));
    EXPECT_EQ(cron("* * * * *").next_after(TimePoint::max() - Millis{1}, Zone::utc()),
              std::nullopt);
}

TEST(CronNextUtc, NextN) {
    const auto hourly = cron("0 * * * *");
    const Zone z = Zone::utc();
    EXPECT_TRUE(hourly.next_n(utc(2026, 1, 1), z, 0).empty());
    EXPECT_TRUE(hourly.next_n(utc(2026, 1, 1), z, -3).empty());
    const auto times = hourly.next_n(utc(2026, 1, 1), z, 48);
    ASSERT_EQ(times.size(), 48U);
    EXPECT_EQ(times.front(), utc(2026, 1, 1, 1));
    EXPECT_EQ(times.back(), utc(2026, 1, 3, 0));
    for (std::size_t i = 1; i < times.size(); ++i) {
        EXPECT_EQ(times[i] - times[i - 1], hours{1});
    }
}

TEST(CronNextUtc, VixieDayOrRule) {
    // 2026-04-13 is a Monday; the Fridays of April 2026 are the 3rd, 10th, 17th and 24th.
    EXPECT_EQ(
        fires_utc("0 0 13 * 5", utc(2026, 4, 1), 6),
        (Strings{"2026-04-03T00:00+00:00", "2026-04-10T00:00+00:00", "2026-04-13T00:00+00:00",
                 "2026-04-17T00:00+00:00", "2026-04-24T00:00+00:00", "2026-05-01T00:00+00:00"}));
    // Friday the 13th (2026-02-13) fires once.
    EXPECT_EQ(fires_utc("0 0 13 * fri", utc(2026, 2, 12), 2),
              (Strings{"2026-02-13T00:00+00:00", "2026-02-20T00:00+00:00"}));
    // A field starting with * makes it an AND: odd days that are Mondays.
    EXPECT_EQ(
        fires_utc("0 0 */2 * mon", utc(2026, 6, 1), 3),
        (Strings{"2026-06-15T00:00+00:00", "2026-06-29T00:00+00:00", "2026-07-13T00:00+00:00"}));
    EXPECT_EQ(fires_utc("0 0 1 * */7", utc(2026, 1, 1), 2),
              (Strings{"2026-02-01T00:00+00:00", "2026-03-01T00:00+00:00"}));
}

// ---- next fire times across DST changes ----

TEST(CronNextBerlin, SpringForwardFixedHourFiresAfterTheJump) {
    const Zone berlin = zone("Europe/Berlin");
    // 2026-03-29 02:00 CET jumps to 03:00 CEST.
    EXPECT_EQ(
        fires("30 2 * * *", berlin, at(berlin, 2026, 3, 27, 12), 3),
        (Strings{"2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00"}));
    // Several skipped times fire once; a match at 03:00 itself coincides with that run.
    EXPECT_EQ(
        fires("0,30 2,3 * * *", berlin, at(berlin, 2026, 3, 29, 1), 3),
        (Strings{"2026-03-29T03:00+02:00", "2026-03-29T03:30+02:00", "2026-03-30T02:00+02:00"}));
    // A fixed hour with a wildcard minute is still a fixed-hour expression.
    EXPECT_EQ(
        fires("*/15 2 * * *", berlin, at(berlin, 2026, 3, 28, 2, 40), 3),
        (Strings{"2026-03-28T02:45+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:00+02:00"}));
    // Asked from inside the period after the jump, the jump is in the past.
    EXPECT_EQ(fires("30 2 * * *", berlin, at(berlin, 2026, 3, 29, 3, 0), 1),
              (Strings{"2026-03-30T02:30+02:00"}));
}

TEST(CronNextBerlin, SpringForwardWildcardHourSkipsTheGap) {
    const Zone berlin = zone("Europe/Berlin");
    EXPECT_EQ(
        fires("0 * * * *", berlin, at(berlin, 2026, 3, 29, 0, 30), 3),
        (Strings{"2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00"}));
    EXPECT_EQ(fires("*/30 * * * *", berlin, at(berlin, 2026, 3, 29, 0, 45), 4),
              (Strings{"2026-03-29T01:00+01:00", "2026-03-29T01:30+01:00", "2026-03-29T03:00+02:00",
                       "2026-03-29T03:30+02:00"}));
    EXPECT_EQ(fires("30 * * * *", berlin, at(berlin, 2026, 3, 29, 1, 45), 1),
              (Strings{"2026-03-29T03:30+02:00"}));
}

TEST(CronNextBerlin, FallBackFixedHourFiresOnce) {
    const Zone berlin = zone("Europe/Berlin");
    // 2026-10-25 03:00 CEST falls back to 02:00 CET.
    EXPECT_EQ(fires("30 2 * * *", berlin, at(berlin, 2026, 10, 24, 12), 2),
              (Strings{"2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"}));
    // From between the two occurrences, and from inside the second pass.
    const TimePoint first_pass = TimePoint{sys_days{year{2026} / 10 / 25} + minutes{45}};
    EXPECT_EQ(wall_text(first_pass, berlin), "2026-10-25T02:45+02:00");
    EXPECT_EQ(fires("30 2 * * *", berlin, first_pass, 1), (Strings{"2026-10-26T02:30+01:00"}));
    const TimePoint second_pass = first_pass + minutes{30};
    EXPECT_EQ(wall_text(second_pass, berlin), "2026-10-25T02:15+01:00");
    EXPECT_EQ(fires("30 2 * * *", berlin, second_pass, 1), (Strings{"2026-10-26T02:30+01:00"}));
    EXPECT_EQ(fires("*/15 2 * * *", berlin, at(berlin, 2026, 10, 25, 1, 50), 5),
              (Strings{"2026-10-25T02:00+02:00", "2026-10-25T02:15+02:00", "2026-10-25T02:30+02:00",
                       "2026-10-25T02:45+02:00", "2026-10-26T02:00+01:00"}));
}

TEST(CronNextBerlin, FallBackWildcardHourFiresInBothPasses) {
    const Zone berlin = zone("Europe/Berlin");
    EXPECT_EQ(fires("0 * * * *", berlin, at(berlin, 2026, 10, 25, 0, 30), 4),
              (Strings{"2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00",
                       "2026-10-25T03:00+01:00"}));
    EXPECT_EQ(fires("@hourly", berlin, at(berlin, 2026, 10, 25, 0, 30), 4),
              fires("0 * * * *", berlin, at(berlin, 2026, 10, 25, 0, 30), 4));
    EXPECT_EQ(fires("*/30 * * * *", berlin, at(berlin, 2026, 10, 25, 1, 45), 5),
              (Strings{"2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00", "2026-10-25T02:00+01:00",
                       "2026-10-25T02:30+01:00", "2026-10-25T03:00+01:00"}));
    // Every two hours counts as a wildcard hour too.
    EXPECT_EQ(
        fires("0 */2 * * *", berlin, at(berlin, 2026, 10, 25, 1, 30), 3),
        (Strings{"2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00", "2026-10-25T04:00+01:00"}));
}

TEST(CronNextNewYork, SpringForward) {
    const Zone new_york = zone("America/New_York");
    // 2026-03-08 02:00 EST jumps to 03:00 EDT.
    EXPECT_EQ(fires("30 2 * * *", new_york, at(new_york, 2026, 3, 7, 12), 2),
              (Strings{"2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00"}));
    EXPECT_EQ(
        fires("0 * * * *", new_york, at(new_york, 2026, 3, 8, 0, 30), 3),
        (Strings{"2026-03-08T01:00-05:00", "2026-03-08T03:00-04:00", "2026-03-08T04:00-04:00"}));
    EXPECT_EQ(
        fires("*/30 * * * *", new_york, at(new_york, 2026, 3, 8, 1, 15), 3),
        (Strings{"2026-03-08T01:30-05:00", "2026-03-08T03:00-04:00", "2026-03-08T03:30-04:00"}));
}

TEST(CronNextNewYork, FallBack) {
    const Zone new_york = zone("America/New_York");
    // 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:00-01:59 happens twice.
    EXPECT_EQ(fires("30 1 * * *", new_york, at(new_york, 2026, 10, 31, 12), 2),
              (Strings{"2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00"}));
    EXPECT_EQ(fires("30 2 * * *", new_york, at(new_york, 2026, 10, 31, 12), 2),
              (Strings{"2026-11-01T02:30-05:00", "2026-11-02T02:30-05:00"}));
    EXPECT_EQ(
        fires("0 * * * *", new_york, at(new_york, 2026, 11, 1, 0, 30), 3),
        (Strings{"2026-11-01T01:00-04:00", "2026-11-01T01:00-05:00", "2026-11-01T02:00-05:00"}));
    EXPECT_EQ(fires("*/30 * * * *", new_york, at(new_york, 2026, 11, 1, 0, 45), 5),
              (Strings{"2026-11-01T01:00-04:00", "2026-11-01T01:30-04:00", "2026-11-01T01:00-05:00",
                       "2026-11-01T01:30-05:00", "2026-11-01T02:00-05:00"}));
}

TEST(CronNextLordHowe, HalfHourFallBack) {
    const Zone lord_howe = zone("Australia/Lord_Howe");
    // 2026-04-05 02:00 +11:00 falls back to 01:30 +10:30.
    EXPECT_EQ(fires("*/15 * * * *", lord_howe, at(lord_howe, 2026, 4, 5, 1, 20), 5),
              (Strings{"2026-04-05T01:30+11:00", "2026-04-05T01:45+11:00", "2026-04-05T01:30+10:30",
                       "2026-04-05T01:45+10:30", "2026-04-05T02:00+10:30"}));
    EXPECT_EQ(fires("45 1 * * *", lord_howe, at(lord_howe, 2026, 4, 4, 12), 2),
              (Strings{"2026-04-05T01:45+11:00", "2026-04-06T01:45+10:30"}));
}

TEST(CronNextLordHowe, HalfHourSpringForward) {
    const Zone lord_howe = zone("Australia/Lord_Howe");
    // 2026-10-04 02:00 +10:30 jumps to 02:30 +11:00.
    EXPECT_EQ(fires("15 2 * * *", lord_howe, at(lord_howe, 2026, 10, 3, 12), 2),
              (Strings{"2026-10-04T02:30+11:00", "2026-10-05T02:15+11:00"}));
    EXPECT_EQ(
        fires("*/15 * * * *", lord_howe, at(lord_howe, 2026, 10, 4, 1, 50), 3),
        (Strings{"2026-10-04T02:30+11:00", "2026-10-04T02:45+11:00", "2026-10-04T03:00+11:00"}));
}

TEST(CronNextZones, SkippedWholeDayFiresAtTheJump) {
    // Samoa skipped 2011-12-30 entirely, jumping from -10:00 to +14:00.
    const Zone apia = zone("Pacific/Apia");
    EXPECT_EQ(fires("0 9 * * *", apia, at(apia, 2011, 12, 29, 12), 2),
              (Strings{"2011-12-31T00:00+14:00", "2011-12-31T09:00+14:00"}));
    EXPECT_EQ(fires("0 */12 * * *", apia, at(apia, 2011, 12, 29, 12), 2),
              (Strings{"2011-12-31T00:00+14:00", "2011-12-31T12:00+14:00"}));
}

TEST(CronNextZones, SameExpressionDiffersByZone) {
    const auto daily = cron("0 9 * * *");
    const TimePoint from = utc(2026, 7, 1);
    EXPECT_EQ(daily.next_after(from, Zone::utc()), utc(2026, 7, 1, 9));
    EXPECT_EQ(daily.next_after(from, zone("Europe/Berlin")), utc(2026, 7, 1, 7));
    EXPECT_EQ(daily.next_after(from, zone("America/New_York")), utc(2026, 7, 1, 13));
}

} // namespace
} // namespace notify::schedule
