// Parsing and printing of instants: RFC 3339, and local "YYYY-MM-DD HH:MM[:SS]".
#include "common/schedule/time_text.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>

namespace notify::schedule {
namespace {

constexpr std::string_view k_hint = " (use RFC 3339 or YYYY-MM-DD HH:MM[:SS])";
constexpr std::int64_t k_ms_per_day = 24LL * 60 * 60 * 1000;

// The fields read from the text, before any zone is applied.
struct Fields {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int millis = 0;
    bool has_seconds = false;
    bool has_zone = false;
    int offset_minutes = 0; // east of UTC; only with has_zone
};

// Returns `text` in double quotes with quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += k_hex[u >> 4];
            out += k_hex[u & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

Unexpected fail(std::string_view text, std::string_view what) {
    std::string message = "invalid time ";
    message += quoted(text);
    message += ": ";
    message += what;
    message += k_hint;
    return Unexpected{std::move(message)};
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads exactly `count` digits at `pos` into `out` and advances `pos`; false if not digits.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (text.size() - pos < count) {
        return false;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = text[pos + i];
        if (!is_digit(c)) {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    out = value;
    return true;
}

bool read_char(std::string_view text, std::size_t& pos, char expected) {
    if (pos < text.size() && text[pos] == expected) {
        ++pos;
        return true;
    }
    return false;
}

bool is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap_year(year)) {
        return 29;
    }
    return k_days[month - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    std::int64_t yoe = y - era * 400;
    std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct Civil {
    std::int64_t year;
    int month;
    int day;
};

// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's civil_from_days).
Civil civil_from_days(std::int64_t days) {
    days += 719468;
    std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    std::int64_t doe = days - era * 146097;
    std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    std::int64_t mp = (5 * doy + 2) / 153;
    auto day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    return Civil{yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Parses the text into fields, or returns what is wrong with it.
std::optional<std::string> parse_fields(std::string_view text, Fields& f) {
    std::size_t pos = 0;
    if (!read_digits(text, pos, 4, f.year) || !read_char(text, pos, '-') ||
        !read_digits(text, pos, 2, f.month) || !read_char(text, pos, '-') ||
        !read_digits(text, pos, 2, f.day)) {
        return "date must be YYYY-MM-DD";
    }
    if (f.month < 1 || f.month > 12) {
        return "month " + std::to_string(f.month) + " out of range";
    }
    if (f.day < 1 || f.day > days_in_month(f.year, f.month)) {
        char ym[16];
        std::snprintf(ym, sizeof ym, "%04d-%02d", f.year, f.month);
        return "day " + std::to_string(f.day) + " out of range for " + ym;
    }
    if (pos == text.size()) {
        return std::string("missing time after the date");
    }
    char separator = text[pos++];
    bool t_form = separator == 'T' || separator == 't';
    if (!t_form && separator != ' ') {
        return std::string("date and time must be separated by \"T\" or a space");
    }
    if (!read_digits(text, pos, 2, f.hour) || !read_char(text, pos, ':') ||
        !read_digits(text, pos, 2, f.minute)) {
        return std::string("time must be HH:MM or HH:MM:SS");
    }
    if (read_char(text, pos, ':')) {
        if (!read_digits(text, pos, 2, f.second)) {
            return std::string("time must be HH:MM or HH:MM:SS");
        }
        f.has_seconds = true;
        if (read_char(text, pos, '.')) {
            std::size_t start = pos;
            while (pos < text.size() && is_digit(text[pos])) {
                if (pos - start < 3) {
                    f.millis = f.millis * 10 + (text[pos] - '0');
                }
                ++pos;
            }
            std::size_t digits = pos - start;
            if (digits == 0 || digits > 9) {
                return std::string("fraction of a second must have 1 to 9 digits");
            }
            for (std::size_t i = digits; i < 3; ++i) {
                f.millis *= 10;
            }
        }
    }
    if (f.hour > 23) {
        return "hour " + std::to_string(f.hour) + " out of range";
    }
    if (f.minute > 59) {
        return "minute " + std::to_string(f.minute) + " out of range";
    }
    if (f.second > 60) {
        return "second " + std::to_string(f.second) + " out of range";
    }
    if (f.second == 60) {
        f.second = 59; // a leap second
    }
    if (pos < text.size()) {
        char zone = text[pos];
        if (zone == 'Z' || zone == 'z') {
            ++pos;
            f.has_zone = true;
        } else if (zone == '+' || zone == '-') {
            ++pos;
            int hours = 0;
            int minutes = 0;
            if (!read_digits(text, pos, 2, hours) || !read_char(text, pos, ':') ||
                !read_digits(text, pos, 2, minutes)) {
                return std::string("zone must be Z, +hh:mm or -hh:mm");
            }
            if (hours > 23) {
                return "zone offset hour " + std::to_string(hours) + " out of range";
            }
            if (minutes > 59) {
                return "zone offset minute " + std::to_string(minutes) + " out of range";
            }
            f.has_zone = true;
            f.offset_minutes = (zone == '-' ? -1 : 1) * (hours * 60 + minutes);
        } else {
            return "unexpected " + quoted(text.substr(pos)) + " after the time";
        }
        if (pos < text.size()) {
            return "unexpected " + quoted(text.substr(pos)) + " after the zone";
        }
    }
    if (f.has_zone && !f.has_seconds) {
        return std::string("seconds are required with a zone (HH:MM:SS)");
    }
    if (t_form && !f.has_zone) {
        return std::string("missing zone after the time (add Z or +hh:mm, or use a space "
                           "instead of \"T\" for local time)");
    }
    return std::nullopt;
}

bool same_wall_time(const std::tm& a, const std::tm& b) {
    return a.tm_year == b.tm_year && a.tm_mon == b.tm_mon && a.tm_mday == b.tm_mday &&
           a.tm_hour == b.tm_hour && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec;
}

// The earliest instant whose local wall time in TZ is `f`, or nullopt if there is none
// (a DST gap, or a time the C library cannot represent).
std::optional<std::time_t> local_to_utc(const Fields& f) {
    std::tm wanted{};
    wanted.tm_year = f.year - 1900;
    wanted.tm_mon = f.month - 1;
    wanted.tm_mday = f.day;
    wanted.tm_hour = f.hour;
    wanted.tm_min = f.minute;
    wanted.tm_sec = f.second;
    std::optional<std::time_t> best;
    for (int isdst : {-1, 0, 1}) {
        std::tm attempt = wanted;
        attempt.tm_isdst = isdst;
        errno = 0;
        std::time_t result = std::mktime(&attempt);
        if (result == static_cast<std::time_t>(-1) && errno != 0) {
            continue;
        }
        // mktime normalises the fields; a gap time comes back moved by the DST shift.
        if (!same_wall_time(attempt, wanted)) {
            continue;
        }
        if (!best || result < *best) {
            best = result;
        }
    }
    return best;
}

// Formats `t` as RFC 3339 UTC; with milliseconds when `with_millis`.
std::string format(TimePoint t, bool with_millis) {
    std::int64_t ms = to_unix_ms(t);
    std::int64_t days = ms / k_ms_per_day;
    std::int64_t in_day = ms % k_ms_per_day;
    if (in_day < 0) {
        in_day += k_ms_per_day;
        --days;
    }
    Civil date = civil_from_days(days);
    auto secs = static_cast<int>(in_day / 1000);
    auto millis = static_cast<int>(in_day % 1000);
    char buffer[64];
    int n = std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02dT%02d:%02d:%02d",
                          static_cast<long long>(date.year), date.month, date.day, secs / 3600,
                          secs / 60 % 60, secs % 60);
    std::string out(buffer, static_cast<std::size_t>(n));
    if (with_millis) {
        std::snprintf(buffer, sizeof buffer, ".%03d", millis);
        out += buffer;
    }
    out += 'Z';
    return out;
}

} // namespace

Expected<TimePoint> parse_time(std::string_view text) {
    if (text.empty()) {
        return fail(text, "empty");
    }
    Fields f;
    if (auto problem = parse_fields(text, f)) {
        return fail(text, *problem);
    }
    std::int64_t seconds;
    if (f.has_zone) {
        seconds = days_from_civil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 +
                  f.second - f.offset_minutes * 60;
    } else {
        std::optional<std::time_t> local = local_to_utc(f);
        if (!local) {
            return fail(text, "no such local time (skipped by a daylight saving change)");
        }
        seconds = static_cast<std::int64_t>(*local);
    }
    // RFC 3339 has four-digit years: an offset must not move the instant out of them.
    constexpr std::int64_t k_first_second = -62'167'219'200; // 0000-01-01T00:00:00Z
    constexpr std::int64_t k_last_second = 253'402'300'799;  // 9999-12-31T23:59:59Z
    if (seconds < k_first_second || seconds > k_last_second) {
        return fail(text, "out of range (years 0000 to 9999 in UTC)");
    }
    return from_unix_ms(seconds * 1000 + f.millis);
}

std::string format_rfc3339(TimePoint t) {
    return format(t, false);
}

std::string format_rfc3339_ms(TimePoint t) {
    return format(t, true);
}

} // namespace notify::schedule
