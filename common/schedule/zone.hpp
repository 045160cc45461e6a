// IANA time zones for schedules: an opaque handle on the system tz database.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"

// Howard Hinnant's date library (date::date-tz) does the work in zone.cpp; its <date/tz.h> is
// slow to parse and stays out of this header.
namespace date {
class time_zone;
} // namespace date

namespace notify::schedule {

// A wall-clock reading with no zone attached: milliseconds since 1970-01-01 00:00 on the wall.
using LocalTime = std::chrono::local_time<Millis>;

// Calendar fields of an instant as read on a zone's wall clock.
struct LocalParts {
    int year = 1970;
    int month = 1;       // 1-12
    int day = 1;         // 1-31
    int hour = 0;        // 0-23
    int minute = 0;      // 0-59
    int second = 0;      // 0-59
    int millisecond = 0; // 0-999
    int weekday = 4;     // 0 = Sunday ... 6 = Saturday
    Millis utc_offset{}; // wall clock minus UTC at that instant, e.g. +2 h for CEST
};

// How a wall-clock time maps back to instants in a zone.
struct LocalResolution {
    enum class Kind {
        unique,   // the wall time occurs exactly once
        skipped,  // the wall time falls in a gap (clocks jumped forward over it)
        repeated, // the wall time occurs twice (clocks were set back over it)
    };
    Kind kind = Kind::unique;
    // unique: the instant. skipped: the first instant after the gap, i.e. the moment the
    // clocks jumped. repeated: the earlier of the two instants.
    TimePoint first;
    // repeated: the later instant. Otherwise equal to `first`.
    TimePoint second;
};

// A stretch of real time [begin, end) over which a zone's UTC offset does not change.
// Neighbouring periods may share an offset (the database also splits at name changes).
struct OffsetPeriod {
    TimePoint begin;        // inclusive; TimePoint::min() if the zone never changed before
    TimePoint end;          // exclusive; TimePoint::max() if the zone never changes after
    Millis offset;          // wall clock minus UTC within the period
    Millis previous_offset; // the offset just before `begin`: smaller means `begin` ends a
                            // gap (spring forward), larger means it starts a fold (fall back)
};

// A time zone from the IANA database (/usr/share/zoneinfo). Cheap to copy; the database
// is loaded once per process on first use and never unloaded. "UTC" needs no database.
// Thread-safe: all members are const.
class Zone {
  public:
    // UTC.
    Zone() = default;

    // Looks up an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"
    // (exact spelling; links such as "US/Eastern" work too).
    // Returns the zone, or an Unexpected such as
    // `unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)` (the suggestion
    // only when a name is close), or `time zone database unavailable: ...` when
    // /usr/share/zoneinfo cannot be read.
    static Expected<Zone> find(std::string_view iana_name);

    // The built-in UTC zone; never touches the database.
    static Zone utc();

    // The host zone, read like the C library does: from the TZ environment variable when it
    // is set (see from_tz_variable), otherwise from /etc/localtime (date::current_zone()),
    // falling back to UTC when that cannot be determined. Never fails.
    static Zone local();

    // The zone a TZ value names: nullptr (TZ unset) means /etc/localtime as in local();
    // ":Europe/Berlin", "Europe/Berlin" and "/usr/share/zoneinfo/Europe/Berlin" name
    // Europe/Berlin; an empty or unknown value (including POSIX rules such as
    // "CET-1CEST,M3.5.0,M10.5.0/3") means UTC, as it does for the C library.
    static Zone from_tz_variable(const char* value);

    // The IANA name, e.g. "Europe/Berlin"; "UTC" for the built-in zone.
    const std::string& name() const { return m_name; }

    // Returns the wall-clock reading at instant `t`.
    LocalTime to_local_time(TimePoint t) const;

    // Returns the calendar fields and UTC offset of instant `t` on this zone's wall clock.
    LocalParts to_local(TimePoint t) const;

    // Returns the instant(s) at which the wall clock reads `local`, and whether that wall
    // time is unique, skipped by a spring-forward gap or repeated by a fall-back fold.
    LocalResolution resolve(LocalTime local) const;

    // Returns the period of constant UTC offset that contains instant `t`.
    OffsetPeriod period_at(TimePoint t) const;

  private:
    Zone(const date::time_zone* zone, std::string name);

    const date::time_zone* m_zone = nullptr; // nullptr: built-in UTC
    std::string m_name = "UTC";
};

} // namespace notify::schedule
