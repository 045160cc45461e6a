// Whether, and when, a user gets a notification: opt-in/opt-out resolution, quiet hours in
// the user's time zone, critical categories and invalidated device tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/model/audience.hpp"
#include "common/schedule/clock.hpp"
#include "common/schedule/zone.hpp"

namespace notify::audience {

// What happens to a notification that falls inside a user's quiet hours.
enum class QuietAction { delay, drop, ignore };

std::string_view to_string(QuietAction action);
std::optional<QuietAction> parse_quiet_action(std::string_view text);

// A category's rules from the config (`categories.<name>`).
struct CategoryPolicy {
    bool critical = false;                  // cannot be opted out of; ignores quiet hours
    QuietAction quiet = QuietAction::delay; // inside quiet hours
};

// The preference that decides (channel, category), most specific first: the exact pair,
// then the category on any channel, then the channel for any category, then any/any.
// nullptr when none applies (the default is opted in). `category` nullopt matches only
// category "*" preferences.
const model::Preference* deciding_preference(const std::vector<model::Preference>& preferences,
                                             std::string_view channel,
                                             const std::optional<std::string>& category);

// Parses "22:00-07:00" (24-hour HH:MM, start and end different).
Expected<model::QuietHours> parse_quiet_hours(std::string_view text);
// "22:00-07:00".
std::string format_quiet_hours(const model::QuietHours& quiet);

// If instant `now` is inside `quiet` on `zone`'s wall clock, the instant they end (an end
// time skipped by a DST gap ends when the clocks jump; a repeated one at its first
// occurrence); else nullopt.
std::optional<TimePoint> quiet_hours_end(const model::QuietHours& quiet, const schedule::Zone& zone,
                                         TimePoint now);

// Why `profile` must not get a notification to `to` on `channel` in `category` at all: `to` is
// one of the user's invalidated devices, or (unless the category is critical) the user opted
// out. nullopt when they may get it.
std::optional<std::string> refusal(const model::UserProfile& profile, std::string_view channel,
                                   std::string_view to, const std::optional<std::string>& category,
                                   const CategoryPolicy& policy);

struct Verdict {
    enum class Kind { send, suppress, delay };
    Kind kind = Kind::send;
    std::string reason; // suppress and delay: why, for last_error and the event
    TimePoint until{};  // delay: when to try again
};

// The verdict at `now`: suppressed for a refusal(); inside quiet hours (unless the category
// is critical) delayed to their end, or suppressed, per the category's policy. The user's zone is
// `profile.user.tz` (UTC when unset or unknown).
Verdict decide(const model::UserProfile& profile, std::string_view channel, std::string_view to,
               const std::optional<std::string>& category, const CategoryPolicy& policy,
               TimePoint now);

} // namespace notify::audience
