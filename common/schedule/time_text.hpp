// Parsing and printing of instants: RFC 3339, and local "YYYY-MM-DD HH:MM[:SS]".
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"

namespace notify::schedule {

// Parses an instant given on the command line:
//  - RFC 3339 with a zone: "2026-11-25T14:30:00Z", "2026-11-25T14:30:00.250+01:00",
//    lowercase "t"/"z" and a space instead of "T" accepted (RFC 3339 section 5.6 note);
//  - local wall time in the process's time zone (TZ): "2026-11-25 14:30" or
//    "2026-11-25 14:30:05". A local time that falls in a DST gap is rejected; one that
//    occurs twice (DST fold) takes the earlier instant.
// Fields are range-checked (month 1-12, day within the month incl. leap years, hour 0-23,
// minute 0-59, second 0-60 where 60 is read as 59). Fractions are kept to milliseconds.
// Returns the instant, or an Unexpected whose message quotes the text, e.g.
// `invalid time "2026-13-01 10:00": month 13 out of range (use RFC 3339 or YYYY-MM-DD HH:MM[:SS])`.
Expected<TimePoint> parse_time(std::string_view text);

// Formats an instant as RFC 3339 UTC with whole seconds and a "Z":
// "2026-11-25T14:30:00Z" (milliseconds are truncated).
std::string format_rfc3339(TimePoint t);

// Formats an instant as RFC 3339 UTC with milliseconds: "2026-11-25T14:30:00.250Z".
std::string format_rfc3339_ms(TimePoint t);

} // namespace notify::schedule
