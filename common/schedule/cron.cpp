// Cron expressions: parsing of the Vixie syntax and next fire times by field skipping.
#include "common/schedule/cron.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <span>
#include <utility>

#include "common/text/spelling.hpp"

namespace notify::schedule {
namespace {

using LocalMinutes = std::chrono::local_time<std::chrono::minutes>;

constexpr std::array<std::string_view, 12> k_month_names = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> k_day_names = {"sun", "mon", "tue", "wed",
                                                         "thu", "fri", "sat"};

// One of the five fields: its name in messages, its range and its names (the first name
// stands for `min`).
struct FieldSpec {
    std::string_view name;
    int min;
    int max;
    std::span<const std::string_view> names;
    std::string_view names_hint;
};

constexpr FieldSpec k_minute{"minute", 0, 59, {}, ""};
constexpr FieldSpec k_hour{"hour", 0, 23, {}, ""};
constexpr FieldSpec k_day_of_month{"day-of-month", 1, 31, {}, ""};
constexpr FieldSpec k_month{"month", 1, 12, k_month_names, " or month name (jan-dec)"};
constexpr FieldSpec k_day_of_week{"day-of-week", 0, 7, k_day_names, " or day name (sun-sat)"};

struct Macro {
    std::string_view name;
    std::string_view fields;
};

constexpr std::array<Macro, 7> k_macros = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string lowercase(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return result;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string_view> split_blanks(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && is_blank(text[pos])) {
            ++pos;
        }
        const std::size_t start = pos;
        while (pos < text.size() && !is_blank(text[pos])) {
            ++pos;
        }
        if (pos > start) {
            words.push_back(text.substr(start, pos - start));
        }
    }
    return words;
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// Returns the value of a run of digits, or -1 if it has more than 9 (surely out of range).
int digits_value(std::string_view digits) {
    if (digits.size() > 9) {
        return -1;
    }
    int value = 0;
    for (char c : digits) {
        value = value * 10 + (c - '0');
    }
    return value;
}

Unexpected malformed(const FieldSpec& spec, std::string_view element) {
    return Unexpected{std::string(spec.name) + " " + quoted(element) +
                      " is malformed (use *, N or N-M, each optionally followed by /STEP)"};
}

// Parses one value of a range: digits, or a name where the field has names.
Expected<int> parse_value(std::string_view token, std::string_view element, const FieldSpec& spec) {
    if (token.empty()) {
        return malformed(spec, element);
    }
    if (all_digits(token)) {
        const int value = digits_value(token);
        if (value < spec.min || value > spec.max) {
            return Unexpected{std::string(spec.name) + " " + std::string(token) + " out of range " +
                              std::to_string(spec.min) + "-" + std::to_string(spec.max)};
        }
        return value;
    }
    const std::string name = lowercase(token);
    for (std::size_t i = 0; i < spec.names.size(); ++i) {
        if (spec.names[i] == name) {
            return spec.min + static_cast<int>(i);
        }
    }
    return Unexpected{std::string(spec.name) + " " + quoted(token) + " is not a number" +
                      std::string(spec.names_hint)};
}

// Parses one list element (`*`, `N`, `N-M`, `*/S`, `N-M/S`) into a bit set of values.
Expected<std::uint64_t> parse_element(std::string_view element, const FieldSpec& spec) {
    std::string_view base = element;
    std::optional<std::string_view> step_text;
    if (const auto slash = element.find('/'); slash != std::string_view::npos) {
        base = element.substr(0, slash);
        step_text = element.substr(slash + 1);
    }
    int low = spec.min;
    int high = spec.max;
    if (base != "*") {
        const auto dash = base.find('-');
        auto first = parse_value(base.substr(0, dash), element, spec);
        if (!first) {
            return Unexpected{first.error()};
        }
        low = high = *first;
        if (dash == std::string_view::npos) {
            if (step_text) {
                return Unexpected{std::string(spec.name) + " " + quoted(element) +
                                  ": a step needs * or a range before \"/\" (e.g. " +
                                  quoted(std::string(base) + "-" + std::to_string(spec.max) + "/" +
                                         std::string(*step_text)) +
                                  ")"};
            }
        } else {
            auto last = parse_value(base.substr(dash + 1), element, spec);
            if (!last) {
                return Unexpected{last.error()};
            }
            high = *last;
            if (&spec == &k_day_of_week && high == 0 && low > 0) {
                high = 7; // "fri-sun": Sunday as the end of a week
            }
            if (low > high) {
                return Unexpected{std::string(spec.name) + " range " + quoted(base) +
                                  " is backwards"};
            }
        }
    }
    int step = 1;
    if (step_text) {
        if (!all_digits(*step_text)) {
            return step_text->empty() ? malformed(spec, element)
                                      : Unexpected{std::string(spec.name) + " step " +
                                                   quoted(*step_text) + " is not a number"};
        }
        step = digits_value(*step_text);
        if (step < 1 || step > spec.max) {
            return Unexpected{std::string(spec.name) + " step " + std::string(*step_text) +
                              " out of range 1-" + std::to_string(spec.max)};
        }
    }
    std::uint64_t bits = 0;
    for (int value = low; value <= high; value += step) {
        bits |= std::uint64_t{1} << value;
    }
    return bits;
}

// Parses a comma-separated field into a bit set of values.
Expected<std::uint64_t> parse_field(std::string_view field, const FieldSpec& spec) {
    std::uint64_t bits = 0;
    std::size_t pos = 0;
    while (true) {
        const auto comma = field.find(',', pos);
        const auto element = field.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        if (element.empty()) {
            return Unexpected{std::string(spec.name) + " " + quoted(field) +
                              " has an empty list element"};
        }
        auto element_bits = parse_element(element, spec);
        if (!element_bits) {
            return element_bits;
        }
        bits |= *element_bits;
        if (comma == std::string_view::npos) {
            return bits;
        }
        pos = comma + 1;
    }
}

// Returns the lowest set bit of `mask` at position `from` or above.
std::optional<int> next_bit(std::uint64_t mask, int from) {
    if (from >= 64) {
        return std::nullopt;
    }
    const std::uint64_t rest = mask >> from;
    if (rest == 0) {
        return std::nullopt;
    }
    return from + std::countr_zero(rest);
}

bool has_bit(std::uint64_t mask, unsigned bit) {
    return ((mask >> bit) & 1U) != 0;
}

// The wall-clock reading at `t` for a zone whose offset is `offset`.
LocalTime wall(TimePoint t, Millis offset) {
    return LocalTime{t.time_since_epoch() + offset};
}

} // namespace

Expected<CronExpression> parse_cron(std::string_view text) {
    const std::string_view clean = trimmed(text);
    const auto fail = [&](const std::string& detail) {
        return Unexpected{"invalid cron expression " + quoted(text) + ": " + detail};
    };
    std::string_view fields_text = clean;
    if (clean.starts_with('@')) {
        const auto words = split_blanks(clean);
        const std::string macro = lowercase(words.front());
        if (words.size() > 1) {
            return fail(std::string(words.front()) + " takes no fields");
        }
        if (macro == "@reboot") {
            return fail("@reboot is not supported: schedules fire at clock times, not when "
                        "notifyd starts");
        }
        const auto found = std::find_if(k_macros.begin(), k_macros.end(),
                                        [&](const Macro& m) { return m.name == macro; });
        if (found == k_macros.end()) {
            std::vector<std::string> names;
            for (const auto& m : k_macros) {
                names.emplace_back(m.name);
            }
            std::string detail = "unknown macro " + quoted(words.front());
            if (auto guess = text::closest_match(macro, names)) {
                detail += " (did you mean " + quoted(*guess) + "?)";
            } else {
                detail += " (use @yearly, @monthly, @weekly, @daily or @hourly)";
            }
            return fail(detail);
        }
        fields_text = found->fields;
    }
    const auto fields = split_blanks(fields_text);
    if (fields.empty()) {
        return fail("empty (expected 5 fields or a macro such as @daily)");
    }
    if (fields.size() != 5) {
        return fail("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                    std::to_string(fields.size()));
    }
    const std::array<const FieldSpec*, 5> specs = {&k_minute, &k_hour, &k_day_of_month, &k_month,
                                                   &k_day_of_week};
    std::array<std::uint64_t, 5> bits{};
    for (std::size_t i = 0; i < fields.size(); ++i) {
        auto parsed = parse_field(fields[i], *specs[i]);
        if (!parsed) {
            return fail(parsed.error());
        }
        bits[i] = *parsed;
    }
    std::uint64_t weekdays = bits[4];
    if (has_bit(weekdays, 7)) {
        weekdays = (weekdays & ~(std::uint64_t{1} << 7)) | 1U; // 7 is Sunday too
    }
    CronExpression expression;
    expression.m_text = std::string(clean);
    expression.m_minutes = bits[0];
    expression.m_hours = static_cast<std::uint32_t>(bits[1]);
    expression.m_days = static_cast<std::uint32_t>(bits[2]);
    expression.m_months = static_cast<std::uint16_t>(bits[3]);
    expression.m_weekdays = static_cast<std::uint8_t>(weekdays);
    expression.m_hours_star = fields[1].starts_with('*');
    expression.m_days_star = fields[2].starts_with('*');
    expression.m_weekdays_star = fields[4].starts_with('*');
    return expression;
}

bool CronExpression::day_matches(std::chrono::local_days day) const {
    const std::chrono::year_month_day ymd{day};
    const bool by_date = has_bit(m_days, static_cast<unsigned>(ymd.day()));
    const bool by_weekday = has_bit(m_weekdays, std::chrono::weekday{day}.c_encoding());
    if (m_days_star || m_weekdays_star) {
        return by_date && by_weekday;
    }
    return by_date || by_weekday; // Vixie: both restricted means either suffices
}

std::optional<LocalMinutes> CronExpression::next_match(LocalMinutes t, LocalTime limit) const {
    using namespace std::chrono;
    while (t < limit) {
        const local_days day = floor<days>(t);
        const year_month_day ymd{day};
        if (!has_bit(m_months, static_cast<unsigned>(ymd.month()))) {
            t = local_days{(year_month{ymd.year(), ymd.month()} + months{1}) / 1};
            continue;
        }
        if (!day_matches(day)) {
            t = day + days{1};
            continue;
        }
        const auto hour = static_cast<int>(floor<hours>(t - day).count());
        if (!has_bit(m_hours, static_cast<unsigned>(hour))) {
            const auto next = next_bit(m_hours, hour + 1);
            t = next ? day + hours{*next} : day + days{1};
            continue;
        }
        const auto minute = static_cast<int>((t - day - hours{hour}).count());
        if (!has_bit(m_minutes, static_cast<unsigned>(minute))) {
            const auto next = next_bit(m_minutes, minute + 1);
            t = next ? day + hours{hour} + minutes{*next} : day + hours{hour + 1};
            continue;
        }
        return t;
    }
    return std::nullopt;
}

std::optional<TimePoint> CronExpression::next_after(TimePoint after, const Zone& zone) const {
    using std::chrono::ceil;
    using std::chrono::minutes;
    constexpr auto horizon_length = std::chrono::duration_cast<Millis>(k_search_horizon);
    if (after >= TimePoint::max() - horizon_length) {
        return std::nullopt;
    }
    const TimePoint horizon = after + horizon_length;
    // Walk the periods of constant UTC offset from `after` on; within one, wall time and
    // real time move together, so the first matching wall minute is the first fire time.
    TimePoint start = after + Millis{1};
    while (start <= horizon) {
        const OffsetPeriod period = zone.period_at(start);
        const TimePoint end = std::min(period.end, horizon + Millis{1});
        const bool gap_before = period.previous_offset < period.offset;
        const bool fold_before = period.previous_offset > period.offset;
        if (!m_hours_star && gap_before && period.begin == start) {
            // Fixed-hour times skipped by the jump fire once, right after it.
            const auto skipped_from = ceil<minutes>(wall(period.begin, period.previous_offset));
            if (next_match(skipped_from, wall(period.begin, period.offset))) {
                return period.begin;
            }
        }
        auto from = ceil<minutes>(wall(start, period.offset));
        if (!m_hours_star && fold_before) {
            // Fixed-hour times repeated by the fold already fired at their first occurrence.
            from = std::max(from, ceil<minutes>(wall(period.begin, period.previous_offset)));
        }
        if (const auto match = next_match(from, wall(end, period.offset))) {
            return TimePoint{match->time_since_epoch() - period.offset};
        }
        start = period.end;
    }
    return std::nullopt;
}

std::vector<TimePoint> CronExpression::next_n(TimePoint after, const Zone& zone, int n) const {
    std::vector<TimePoint> times;
    if (n <= 0) {
        return times;
    }
    times.reserve(static_cast<std::size_t>(std::min(n, 1024)));
    while (static_cast<int>(times.size()) < n) {
        const auto next = next_after(after, zone);
        if (!next) {
            break;
        }
        times.push_back(*next);
        after = *next;
    }
    return times;
}

} // namespace notify::schedule
