// IANA time zones for schedules, backed by Howard Hinnant's date library (date::date-tz).
#include "common/schedule/zone.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <date/tz.h>

#include "common/text/spelling.hpp"

namespace notify::schedule {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

constexpr std::string_view k_zoneinfo_prefix = "/usr/share/zoneinfo/";

TimePoint to_time_point(date::sys_seconds t) {
    return std::chrono::time_point_cast<Millis>(t);
}

date::sys_seconds to_sys_seconds(TimePoint t) {
    return floor<seconds>(t);
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Returns a known zone name close to `name`: one differing only in case, else the closest
// by edit distance; nullopt if none is close.
std::optional<std::string> suggest_zone(std::string_view name, const date::tzdb& db) {
    std::vector<std::string> names;
    names.reserve(db.zones.size());
    for (const auto& zone : db.zones) {
        if (equal_ignoring_case(zone.name(), name)) {
            return zone.name();
        }
        names.push_back(zone.name());
    }
    return text::closest_match(name, names);
}

} // namespace

Zone::Zone(const date::time_zone* zone, std::string name) : m_zone(zone), m_name(std::move(name)) {}

Expected<Zone> Zone::find(std::string_view iana_name) {
    if (iana_name == "UTC") {
        return utc();
    }
    const date::tzdb* db = nullptr;
    try {
        db = &date::get_tzdb();
    } catch (const std::exception& e) {
        return Unexpected{std::string("time zone database unavailable: ") + e.what()};
    }
    try {
        const date::time_zone* zone = date::locate_zone(iana_name);
        return Zone(zone, zone->name());
    } catch (const std::runtime_error&) {
        std::string message = "unknown time zone \"" + std::string(iana_name) + "\"";
        if (auto guess = suggest_zone(iana_name, *db)) {
            message += " (did you mean \"" + *guess + "\"?)";
        }
        return Unexpected{std::move(message)};
    }
}

Zone Zone::utc() {
    return Zone();
}

Zone Zone::local() {
    return from_tz_variable(std::getenv("TZ"));
}

Zone Zone::from_tz_variable(const char* value) {
    if (value == nullptr) {
        try {
            const date::time_zone* zone = date::current_zone();
            return Zone(zone, zone->name());
        } catch (const std::exception&) {
            return utc();
        }
    }
    std::string_view name = value;
    if (name.starts_with(':')) {
        name.remove_prefix(1);
    }
    if (name.starts_with(k_zoneinfo_prefix)) {
        name.remove_prefix(k_zoneinfo_prefix.size());
    }
    if (name.empty()) {
        return utc();
    }
    auto found = find(name);
    return found ? *found : utc();
}

LocalTime Zone::to_local_time(TimePoint t) const {
    return LocalTime{t.time_since_epoch() + period_at(t).offset};
}

LocalParts Zone::to_local(TimePoint t) const {
    using namespace std::chrono;
    const Millis offset = period_at(t).offset;
    const LocalTime local{t.time_since_epoch() + offset};
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss<Millis> time{local - day};
    LocalParts parts;
    parts.year = static_cast<int>(ymd.year());
    parts.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    parts.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    parts.hour = static_cast<int>(time.hours().count());
    parts.minute = static_cast<int>(time.minutes().count());
    parts.second = static_cast<int>(time.seconds().count());
    parts.millisecond = static_cast<int>(time.subseconds().count());
    parts.weekday = static_cast<int>(weekday{day}.c_encoding());
    parts.utc_offset = offset;
    return parts;
}

LocalResolution Zone::resolve(LocalTime local) const {
    const TimePoint as_utc{local.time_since_epoch()};
    if (m_zone == nullptr) {
        return {LocalResolution::Kind::unique, as_utc, as_utc};
    }
    const auto info =
        m_zone->get_info(date::local_seconds{floor<seconds>(local.time_since_epoch())});
    switch (info.result) {
    case date::local_info::nonexistent: {
        const TimePoint jump = to_time_point(info.second.begin);
        return {LocalResolution::Kind::skipped, jump, jump};
    }
    case date::local_info::ambiguous:
        return {LocalResolution::Kind::repeated, as_utc - Millis{info.first.offset},
                as_utc - Millis{info.second.offset}};
    default: {
        const TimePoint at = as_utc - Millis{info.first.offset};
        return {LocalResolution::Kind::unique, at, at};
    }
    }
}

OffsetPeriod Zone::period_at(TimePoint t) const {
    if (m_zone == nullptr) {
        return {TimePoint::min(), TimePoint::max(), Millis{0}, Millis{0}};
    }
    const date::sys_info info = m_zone->get_info(to_sys_seconds(t));
    const date::sys_info before = m_zone->get_info(info.begin - seconds{1});
    return {to_time_point(info.begin), to_time_point(info.end), Millis{info.offset},
            Millis{before.offset}};
}

} // namespace notify::schedule
