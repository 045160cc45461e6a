// Parsing and printing of human durations such as "90s", "1h30m" and "500ms".
#include "common/schedule/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

namespace notify::schedule {
namespace {

struct Unit {
    std::string_view name;
    std::int64_t millis;
};

// Largest first; the index is the unit's rank for the order check.
constexpr std::array<Unit, 6> k_units{{
    {"w", 7LL * 24 * 60 * 60 * 1000},
    {"d", 24LL * 60 * 60 * 1000},
    {"h", 60LL * 60 * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

constexpr std::string_view k_unit_hint = " (use ms, s, m, h, d or w)";
constexpr std::int64_t k_max = std::numeric_limits<std::int64_t>::max();

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}
// Letters and non-ASCII bytes (e.g. the "µ" in "µs") make up a unit token.
bool is_unit_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           static_cast<unsigned char>(c) >= 0x80;
}

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
    std::string message = "invalid duration ";
    message += quoted(text);
    message += ": ";
    message += what;
    return Unexpected{std::move(message)};
}

// Returns the rank of unit `name` in k_units, or -1.
int unit_rank(std::string_view name) {
    for (std::size_t i = 0; i < k_units.size(); ++i) {
        if (k_units[i].name == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

// Explains why the character at `text[pos]` cannot start or continue a group.
std::string describe_bad_char(std::string_view text, std::size_t pos) {
    char c = text[pos];
    if (is_space(c)) {
        return "spaces are not allowed";
    }
    if ((c == '-' || c == '+') && pos == 0) {
        return "signs are not allowed";
    }
    if (c == '.' || c == ',') {
        return "decimals are not allowed (use a smaller unit, e.g. 1500ms)";
    }
    return "unexpected character " + quoted(text.substr(pos, 1));
}

} // namespace

Expected<Millis> parse_duration(std::string_view text) {
    if (text.empty()) {
        return fail(text, "empty (use e.g. 90s, 10m, 1h30m or 1d)");
    }
    std::int64_t total = 0;
    int last_rank = -1;
    std::array<bool, k_units.size()> seen{};
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!is_digit(text[pos])) {
            if (!is_unit_char(text[pos])) {
                return fail(text, describe_bad_char(text, pos));
            }
            std::size_t end = pos;
            while (end < text.size() && is_unit_char(text[end])) {
                ++end;
            }
            std::string_view token = text.substr(pos, end - pos);
            if (unit_rank(token) >= 0) {
                return fail(text, "unit " + quoted(token) + " has no number");
            }
            return fail(text, "expected a number at " + quoted(token));
        }
        std::size_t number_start = pos;
        std::int64_t value = 0;
        bool overflow = false;
        for (; pos < text.size() && is_digit(text[pos]); ++pos) {
            int digit = text[pos] - '0';
            if (value > (k_max - digit) / 10) {
                overflow = true;
            } else {
                value = value * 10 + digit;
            }
        }
        std::string_view number = text.substr(number_start, pos - number_start);
        if (pos == text.size()) {
            return fail(text, "number " + std::string(number) + " has no unit" +
                                  std::string(k_unit_hint));
        }
        std::size_t unit_start = pos;
        while (pos < text.size() && is_unit_char(text[pos])) {
            ++pos;
        }
        if (pos == unit_start) {
            return fail(text, describe_bad_char(text, pos));
        }
        std::string_view unit = text.substr(unit_start, pos - unit_start);
        int rank = unit_rank(unit);
        if (rank < 0) {
            return fail(text, "unknown unit " + quoted(unit) + std::string(k_unit_hint));
        }
        auto index = static_cast<std::size_t>(rank);
        if (seen[index]) {
            return fail(text, "unit " + quoted(unit) + " given twice");
        }
        if (rank < last_rank) {
            return fail(text, "unit " + quoted(unit) + " after " +
                                  quoted(k_units[static_cast<std::size_t>(last_rank)].name) +
                                  " (put larger units first, e.g. 1h30m)");
        }
        seen[index] = true;
        last_rank = rank;
        std::int64_t millis = k_units[index].millis;
        if (overflow || value > k_max / millis || value * millis > k_max - total) {
            return fail(text, "too large");
        }
        total += value * millis;
    }
    return Millis{total};
}

std::string format_duration(Millis d) {
    std::int64_t count = d.count();
    if (count == 0) {
        return "0s";
    }
    std::string out;
    // Work on the magnitude as unsigned so the most negative value has a magnitude too.
    std::uint64_t rest = static_cast<std::uint64_t>(count);
    if (count < 0) {
        out += '-';
        rest = 0 - rest;
    }
    for (const Unit& unit : k_units) {
        auto size = static_cast<std::uint64_t>(unit.millis);
        if (rest >= size) {
            out += std::to_string(rest / size);
            out += unit.name;
            rest %= size;
        }
    }
    return out;
}

} // namespace notify::schedule
