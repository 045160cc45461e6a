// Parsing and printing of human durations: "90s", "10m", "2h", "1d", "1h30m", "1w".
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"

namespace notify::schedule {

// Parses a duration made of one or more <integer><unit> groups, units in strictly
// decreasing order, each at most once: w (7 days), d, h, m, s, ms. Examples: "90s",
// "1h30m", "2d", "500ms". Rejects empty text, signs, spaces, decimals, a bare number,
// unknown units, repeated or out-of-order units, and values that overflow.
// Returns the duration, or an Unexpected whose message quotes the text and says what is wrong,
// e.g. `invalid duration "1x": unknown unit "x" (use ms, s, m, h, d or w)`.
Expected<Millis> parse_duration(std::string_view text);

// Formats a duration compactly with the largest units first: 5400000 ms -> "1h30m",
// 0 -> "0s", 1500 ms -> "1s500ms". Negative durations get a leading "-".
std::string format_duration(Millis d);

} // namespace notify::schedule
