// Unit tests for common/schedule/zone: lookup, wall-clock fields, gaps, folds and periods.
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "common/schedule/zone.hpp"

namespace notify::schedule {
namespace {

using namespace std::chrono;

TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    return TimePoint{sys_days{year{y} / mo / d} + hours{h} + minutes{mi}};
}

LocalTime wall(int y, unsigned mo, unsigned d, int h, int mi) {
    return LocalTime{local_days{year{y} / mo / d} + hours{h} + minutes{mi}};
}

Zone zone(std::string_view name) {
    auto found = Zone::find(name);
    EXPECT_TRUE(found.has_value()) << name << ": " << (found ? "" : found.error());
    return found ? *found : Zone::utc();
}

std::string error_of(std::string_view name) {
    auto found = Zone::find(name);
    EXPECT_FALSE(found.has_value()) << name << " found as " << found->name();
    return found ? std::string() : found.error();
}

// Sets TZ for the lifetime of the object and restores the previous value afterwards.
class ScopedTz {
  public:
    explicit ScopedTz(const char* value) {
        if (const char* old = std::getenv("TZ")) {
            m_old = old;
        }
        setenv("TZ", value, 1);
    }
    ~ScopedTz() {
        if (m_old) {
            setenv("TZ", m_old->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
    }
    ScopedTz(const ScopedTz&) = delete;
    ScopedTz& operator=(const ScopedTz&) = delete;

  private:
    std::optional<std::string> m_old;
};

TEST(ZoneFind, UtcIsBuiltIn) {
    const Zone z = zone("UTC");
    EXPECT_EQ(z.name(), "UTC");
    EXPECT_EQ(Zone().name(), "UTC");
    EXPECT_EQ(Zone::utc().name(), "UTC");
    EXPECT_EQ(z.to_local_time(utc(2026, 7, 1, 10)), wall(2026, 7, 1, 10, 0));
}

TEST(ZoneFind, IanaNamesAndLinks) {
    EXPECT_EQ(zone("Europe/Berlin").name(), "Europe/Berlin");
    EXPECT_EQ(zone("America/New_York").name(), "America/New_York");
    EXPECT_EQ(zone("Australia/Lord_Howe").name(), "Australia/Lord_Howe");
    EXPECT_EQ(zone("Etc/UTC").name(), "Etc/UTC");
    const Zone eastern = zone("US/Eastern");
    EXPECT_EQ(eastern.to_local(utc(2026, 1, 15, 12)).hour, 7);
}

TEST(ZoneFind, UnknownNamesSuggestCloseOnes) {
    EXPECT_EQ(error_of("Europe/Berln"),
              R"(unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?))");
    EXPECT_EQ(error_of("europe/berlin"),
              R"(unknown time zone "europe/berlin" (did you mean "Europe/Berlin"?))");
    EXPECT_EQ(error_of("Mars/Base"), R"(unknown time zone "Mars/Base")");
    EXPECT_EQ(error_of(""), R"(unknown time zone "")");
    EXPECT_EQ(error_of("../../etc/passwd"), R"(unknown time zone "../../etc/passwd")");
}

TEST(ZoneLocal, TzVariableForms) {
    EXPECT_EQ(Zone::from_tz_variable("Europe/Berlin").name(), "Europe/Berlin");
    EXPECT_EQ(Zone::from_tz_variable(":Europe/Berlin").name(), "Europe/Berlin");
    EXPECT_EQ(Zone::from_tz_variable("/usr/share/zoneinfo/America/New_York").name(),
              "America/New_York");
    EXPECT_EQ(Zone::from_tz_variable(":/usr/share/zoneinfo/Asia/Tokyo").name(), "Asia/Tokyo");
}

TEST(ZoneLocal, EmptyOrUnknownTzMeansUtc) {
    EXPECT_EQ(Zone::from_tz_variable("").name(), "UTC");
    EXPECT_EQ(Zone::from_tz_variable("Nowhere/Else").name(), "UTC");
    EXPECT_EQ(Zone::from_tz_variable("CET-1CEST,M3.5.0,M10.5.0/3").name(), "UTC");
}

TEST(ZoneLocal, UnsetTzReadsTheHostZone) {
    // /etc/localtime differs between hosts: only require a usable zone.
    const Zone host = Zone::from_tz_variable(nullptr);
    EXPECT_FALSE(host.name().empty());
    EXPECT_TRUE(Zone::find(host.name()).has_value()) << host.name();
}

TEST(ZoneLocal, ReadsTzFromTheEnvironment) {
    ScopedTz tz("America/New_York");
    EXPECT_EQ(Zone::local().name(), "America/New_York");
}

TEST(ZoneToLocal, FieldsAndOffsets) {
    const Zone berlin = zone("Europe/Berlin");
    const LocalParts summer = berlin.to_local(utc(2026, 7, 1, 10, 5) + Millis{30250});
    EXPECT_EQ(summer.year, 2026);
    EXPECT_EQ(summer.month, 7);
    EXPECT_EQ(summer.day, 1);
    EXPECT_EQ(summer.hour, 12);
    EXPECT_EQ(summer.minute, 5);
    EXPECT_EQ(summer.second, 30);
    EXPECT_EQ(summer.millisecond, 250);
    EXPECT_EQ(summer.weekday, 3); // Wednesday
    EXPECT_EQ(summer.utc_offset, hours{2});

    const LocalParts winter = berlin.to_local(utc(2026, 12, 31, 23, 30));
    EXPECT_EQ(winter.year, 2027);
    EXPECT_EQ(winter.month, 1);
    EXPECT_EQ(winter.day, 1);
    EXPECT_EQ(winter.hour, 0);
    EXPECT_EQ(winter.weekday, 5); // Friday
    EXPECT_EQ(winter.utc_offset, hours{1});

    const LocalParts new_york = zone("America/New_York").to_local(utc(2026, 1, 1, 3));
    EXPECT_EQ(new_york.day, 31);
    EXPECT_EQ(new_york.hour, 22);
    EXPECT_EQ(new_york.utc_offset, hours{-5});

    EXPECT_EQ(zone("Australia/Lord_Howe").to_local(utc(2026, 7, 1)).utc_offset,
              hours{10} + minutes{30});
}

TEST(ZoneResolve, UniqueTimes) {
    const auto r = zone("Europe/Berlin").resolve(wall(2026, 7, 1, 12, 0));
    EXPECT_EQ(r.kind, LocalResolution::Kind::unique);
    EXPECT_EQ(r.first, utc(2026, 7, 1, 10));
    EXPECT_EQ(r.second, r.first);
    const auto u = Zone::utc().resolve(wall(2026, 3, 29, 2, 30));
    EXPECT_EQ(u.kind, LocalResolution::Kind::unique);
    EXPECT_EQ(u.first, utc(2026, 3, 29, 2, 30));
}

TEST(ZoneResolve, SkippedTimesMapToTheJump) {
    const auto berlin = zone("Europe/Berlin").resolve(wall(2026, 3, 29, 2, 30));
    EXPECT_EQ(berlin.kind, LocalResolution::Kind::skipped);
    EXPECT_EQ(berlin.first, utc(2026, 3, 29, 1)); // 03:00 CEST
    EXPECT_EQ(berlin.second, berlin.first);
    const auto new_york = zone("America/New_York").resolve(wall(2026, 3, 8, 2, 0));
    EXPECT_EQ(new_york.kind, LocalResolution::Kind::skipped);
    EXPECT_EQ(new_york.first, utc(2026, 3, 8, 7)); // 03:00 EDT
    const auto lord_howe = zone("Australia/Lord_Howe").resolve(wall(2026, 10, 4, 2, 15));
    EXPECT_EQ(lord_howe.kind, LocalResolution::Kind::skipped);
    EXPECT_EQ(lord_howe.first, utc(2026, 10, 3, 15, 30)); // 02:30 +11:00
}

TEST(ZoneResolve, RepeatedTimesGiveBothInstants) {
    const auto berlin = zone("Europe/Berlin").resolve(wall(2026, 10, 25, 2, 30));
    EXPECT_EQ(berlin.kind, LocalResolution::Kind::repeated);
    EXPECT_EQ(berlin.first, utc(2026, 10, 25, 0, 30));  // CEST
    EXPECT_EQ(berlin.second, utc(2026, 10, 25, 1, 30)); // CET
    const auto new_york = zone("America/New_York").resolve(wall(2026, 11, 1, 1, 30));
    EXPECT_EQ(new_york.kind, LocalResolution::Kind::repeated);
    EXPECT_EQ(new_york.first, utc(2026, 11, 1, 5, 30));
    EXPECT_EQ(new_york.second, utc(2026, 11, 1, 6, 30));
    const auto lord_howe = zone("Australia/Lord_Howe").resolve(wall(2026, 4, 5, 1, 45));
    EXPECT_EQ(lord_howe.kind, LocalResolution::Kind::repeated);
    EXPECT_EQ(lord_howe.first, utc(2026, 4, 4, 14, 45));  // +11:00
    EXPECT_EQ(lord_howe.second, utc(2026, 4, 4, 15, 15)); // +10:30
}

TEST(ZonePeriod, BerlinSummerAndWinter) {
    const Zone berlin = zone("Europe/Berlin");
    const OffsetPeriod summer = berlin.period_at(utc(2026, 7, 1));
    EXPECT_EQ(summer.begin, utc(2026, 3, 29, 1));
    EXPECT_EQ(summer.end, utc(2026, 10, 25, 1));
    EXPECT_EQ(summer.offset, hours{2});
    EXPECT_EQ(summer.previous_offset, hours{1});

    const OffsetPeriod winter = berlin.period_at(utc(2026, 10, 25, 1)); // begin is inclusive
    EXPECT_EQ(winter.begin, utc(2026, 10, 25, 1));
    EXPECT_EQ(winter.end, utc(2027, 3, 28, 1));
    EXPECT_EQ(winter.offset, hours{1});
    EXPECT_EQ(winter.previous_offset, hours{2});
}

TEST(ZonePeriod, LordHoweShiftsByHalfAnHour) {
    const OffsetPeriod p = zone("Australia/Lord_Howe").period_at(utc(2026, 7, 1));
    EXPECT_EQ(p.begin, utc(2026, 4, 4, 15));
    EXPECT_EQ(p.end, utc(2026, 10, 3, 15, 30));
    EXPECT_EQ(p.offset, hours{10} + minutes{30});
    EXPECT_EQ(p.previous_offset, hours{11});
}

TEST(ZonePeriod, UtcNeverChanges) {
    const OffsetPeriod p = Zone::utc().period_at(utc(2026, 7, 1));
    EXPECT_EQ(p.begin, TimePoint::min());
    EXPECT_EQ(p.end, TimePoint::max());
    EXPECT_EQ(p.offset, Millis{0});
    EXPECT_EQ(p.previous_offset, Millis{0});
}

} // namespace
} // namespace notify::schedule
