// Preference resolution and quiet hours.
#include "common/audience/preferences.hpp"

#include <array>
#include <cstdio>

#include "common/schedule/time_text.hpp"

namespace notify::audience {

std::string_view to_string(QuietAction action) {
    switch (action) {
    case QuietAction::delay:
        return "delay";
    case QuietAction::drop:
        return "drop";
    case QuietAction::ignore:
        return "ignore";
    }
    return "delay";
}

std::optional<QuietAction> parse_quiet_action(std::string_view text) {
    for (auto a : {QuietAction::delay, QuietAction::drop, QuietAction::ignore}) {
        if (to_string(a) == text) {
            return a;
        }
    }
    return std::nullopt;
}

const model::Preference* deciding_preference(const std::vector<model::Preference>& preferences,
                                             std::string_view channel,
                                             const std::optional<std::string>& category) {
    const std::string_view any = model::k_any;
    const std::string_view cat = category ? std::string_view(*category) : any;
    // Most specific first; with no category only the "*" category rows can apply.
    const std::array<std::pair<std::string_view, std::string_view>, 4> order = {{
        {channel, cat},
        {any, cat},
        {channel, any},
        {any, any},
    }};
    for (const auto& [ch, ca] : order) {
        for (const auto& p : preferences) {
            if (p.channel == ch && p.category == ca) {
                return &p;
            }
        }
    }
    return nullptr;
}

namespace {

std::optional<int> parse_clock(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') {
        return std::nullopt;
    }
    auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    if (!digit(0) || !digit(1) || !digit(3) || !digit(4)) {
        return std::nullopt;
    }
    int h = (text[0] - '0') * 10 + (text[1] - '0');
    int m = (text[3] - '0') * 10 + (text[4] - '0');
    if (h > 23 || m > 59) {
        return std::nullopt;
    }
    return h * 60 + m;
}

std::string format_clock(int minutes) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60 % 24, minutes % 60);
    return buf;
}

} // namespace

Expected<model::QuietHours> parse_quiet_hours(std::string_view text) {
    auto dash = text.find('-');
    if (dash == std::string_view::npos) {
        return Unexpected{"quiet hours \"" + std::string(text) + "\": expected HH:MM-HH:MM"};
    }
    auto start = parse_clock(text.substr(0, dash));
    auto end = parse_clock(text.substr(dash + 1));
    if (!start || !end) {
        return Unexpected{"quiet hours \"" + std::string(text) +
                          "\": expected HH:MM-HH:MM on a 24-hour clock"};
    }
    if (*start == *end) {
        return Unexpected{"quiet hours \"" + std::string(text) + "\": start and end are equal"};
    }
    return model::QuietHours{*start, *end};
}

std::string format_quiet_hours(const model::QuietHours& quiet) {
    return format_clock(quiet.start_minute) + "-" + format_clock(quiet.end_minute);
}

std::optional<TimePoint> quiet_hours_end(const model::QuietHours& quiet, const schedule::Zone& zone,
                                         TimePoint now) {
    using std::chrono::days;
    using std::chrono::floor;
    using std::chrono::minutes;
    const schedule::LocalTime local = zone.to_local_time(now);
    const auto midnight = floor<days>(local);
    const int minute = static_cast<int>(floor<minutes>(local - midnight).count());
    const int start = quiet.start_minute;
    const int end = quiet.end_minute;
    bool inside = false;
    auto end_day = midnight;
    if (start < end) {
        inside = minute >= start && minute < end;
    } else if (minute >= start) { // spans midnight, evening part: ends tomorrow
        inside = true;
        end_day = midnight + days{1};
    } else {
        inside = minute < end;
    }
    if (!inside) {
        return std::nullopt;
    }
    const schedule::LocalTime end_local =
        std::chrono::time_point_cast<Millis>(end_day) + minutes{end};
    return zone.resolve(end_local).first;
}

std::optional<std::string> refusal(const model::UserProfile& profile, std::string_view channel,
                                   std::string_view to, const std::optional<std::string>& category,
                                   const CategoryPolicy& policy) {
    for (const auto& d : profile.devices) {
        if (d.token == to && d.invalidated_at) {
            return "device token invalid since " + schedule::format_rfc3339(*d.invalidated_at) +
                   (d.invalid_reason ? ": " + *d.invalid_reason : "");
        }
    }
    if (policy.critical) {
        return std::nullopt;
    }
    if (const auto* p = deciding_preference(profile.preferences, channel, category);
        p != nullptr && !p->opted_in) {
        std::string what = p->category == model::k_any ? "everything" : p->category;
        std::string where = p->channel == model::k_any ? "every channel" : p->channel;
        return "opted out: user " + profile.user.id + " opted out of " + what + " on " + where;
    }
    return std::nullopt;
}

Verdict decide(const model::UserProfile& profile, std::string_view channel, std::string_view to,
               const std::optional<std::string>& category, const CategoryPolicy& policy,
               TimePoint now) {
    if (auto why = refusal(profile, channel, to, category, policy)) {
        return {Verdict::Kind::suppress, *why, {}};
    }
    if (policy.critical) {
        return {};
    }
    if (!profile.quiet_hours || policy.quiet == QuietAction::ignore) {
        return {};
    }
    schedule::Zone zone;
    if (profile.user.tz) {
        if (auto z = schedule::Zone::find(*profile.user.tz)) {
            zone = *z;
        }
    }
    auto end = quiet_hours_end(*profile.quiet_hours, zone, now);
    if (!end) {
        return {};
    }
    std::string span = format_quiet_hours(*profile.quiet_hours) + " " + zone.name();
    if (policy.quiet == QuietAction::drop) {
        return {Verdict::Kind::suppress,
                "quiet hours: user " + profile.user.id + " is in quiet hours (" + span + ")",
                {}};
    }
    return {Verdict::Kind::delay, "quiet hours of user " + profile.user.id + " (" + span + ")",
            *end};
}

} // namespace notify::audience
