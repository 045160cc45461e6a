// Cron expressions (Vixie 5-field syntax and @macros) and their next fire times in a time zone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"
#include "common/schedule/zone.hpp"

namespace notify::schedule {

class CronExpression;

// Parses a cron expression as crontab(5) of Vixie cron / cronie does:
//  - five whitespace-separated fields: minute (0-59), hour (0-23), day-of-month (1-31),
//    month (1-12 or jan-dec), day-of-week (0-7 or sun-sat; 0 and 7 are Sunday);
//  - each field a comma-separated list of `*`, `N` or `N-M`, the last two forms optionally
//    with a step `/S` after `*` or a range (`*/15`, `10-50/5`; `*/35` means :00 and :35
//    because steps never cross the field's end); names are case-insensitive and may end
//    ranges (`mon-fri`); a day-of-week range ending in Sunday may use 0 or `sun` (`fri-sun`);
//  - when day-of-month and day-of-week are both restricted (neither field starts with `*`),
//    a day matches if EITHER matches (`0 0 13 * fri`: every 13th and every Friday);
//    otherwise both must match;
//  - the macros @yearly = @annually (0 0 1 1 *), @monthly (0 0 1 * *), @weekly (0 0 * * 0),
//    @daily = @midnight (0 0 * * *), @hourly (0 * * * *), case-insensitive.
// Surrounding whitespace is ignored. Not supported: @reboot (a queue has no boot to hook),
// seconds or year fields, and the non-Vixie `?`, `L`, `W`, `#`, `H` and `~`.
// Returns the expression, or an Unexpected with one line quoting the text and naming the
// field, e.g. `invalid cron expression "61 * * * *": minute 61 out of range 0-59`.
Expected<CronExpression> parse_cron(std::string_view text);

// A parsed cron expression. Immutable, cheap to copy, thread-safe.
//
// Fire times are whole minutes of the zone's wall clock. Daylight saving time follows
// cronie's cron(8) rule for clock changes, decided per expression by its hour field:
//  - fixed-hour expressions (hour field not starting with `*`, e.g. `30 2 * * *`,
//    `*/15 2 * * *`, `@daily`) follow the wall clock:
//      * wall times skipped by a spring-forward gap fire once, at the first instant after
//        the jump (Berlin 2026-03-29: `30 2 * * *` fires at 03:00 CEST = 01:00 UTC), however
//        many of them match;
//      * wall times that occur twice in a fall-back fold fire once, at the first occurrence
//        (Berlin 2026-10-25: `30 2 * * *` fires at 02:30 CEST = 00:30 UTC only);
//  - wildcard-hour expressions (hour field starting with `*`, e.g. `0 * * * *`,
//    `*/30 * * * *`, `0 */2 * * *`, `@hourly`) run on real elapsed time: they fire at every
//    instant whose wall time matches, so skipped wall times never fire and both occurrences
//    of a repeated one do (Berlin 2026-10-25: `0 * * * *` fires at 02:00 CEST and again at
//    02:00 CET, one real hour apart).
// (crontab(5) says that in CRON_TZ tables skipped times never match and repeated ones run
// twice; notify applies the cron(8) rule above to every zone, including the host zone.)
class CronExpression {
  public:
    // Returns the first fire time strictly after `after` in `zone`, or nullopt if there is
    // none within k_search_horizon after `after` (e.g. `0 0 30 2 *` never fires).
    // Skips by field values (month, day, hour, minute), never minute by minute.
    std::optional<TimePoint> next_after(TimePoint after, const Zone& zone) const;

    // Returns the next `n` fire times strictly after `after`, ascending; fewer only when
    // next_after finds no further one (never-firing expressions give none); none if n <= 0.
    std::vector<TimePoint> next_n(TimePoint after, const Zone& zone, int n) const;

    // The text as given to parse_cron, without surrounding whitespace ("@daily" stays so).
    const std::string& text() const { return m_text; }

    // How far next_after looks: 9 years, enough for any Feb 29 (2096 -> 2104).
    static constexpr std::chrono::years k_search_horizon{9};

  private:
    friend Expected<CronExpression> parse_cron(std::string_view text);
    CronExpression() = default;

    // Returns the first wall-clock minute in [from, limit) that matches all fields.
    std::optional<std::chrono::local_time<std::chrono::minutes>>
    next_match(std::chrono::local_time<std::chrono::minutes> from, LocalTime limit) const;
    bool day_matches(std::chrono::local_days day) const;

    std::string m_text;
    std::uint64_t m_minutes = 0;  // bit m: minute m
    std::uint32_t m_hours = 0;    // bit h: hour h
    std::uint32_t m_days = 0;     // bit d: day-of-month d (bit 0 unused)
    std::uint16_t m_months = 0;   // bit m: month m (bit 0 unused)
    std::uint8_t m_weekdays = 0;  // bit w: weekday w, 0 = Sunday
    bool m_days_star = false;     // day-of-month field starts with `*`
    bool m_weekdays_star = false; // day-of-week field starts with `*`
    bool m_hours_star = false;    // hour field starts with `*`: runs on elapsed time
};

} // namespace notify::schedule
