// The audience records: users, their devices, their channel/category preferences and quiet
// hours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/schedule/clock.hpp"

namespace notify::model {

// A person notify can reach. Addresses are stored normalised (E.164, lower-case domain).
struct User {
    std::string id;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;
    std::optional<std::string> locale; // template locale, e.g. de-AT
    std::optional<std::string> tz;     // IANA zone for quiet hours, e.g. Europe/Berlin
    TimePoint created_at{};
    TimePoint updated_at{};
};

// A push target of a user: an APNs or FCM token, or a Web Push subscription (JSON).
struct Device {
    std::int64_t id = 0;
    std::string user_id;
    std::string platform; // ios | android | web
    std::string token;
    std::optional<std::string> app; // APNs topic / app id, informational for FCM and web
    TimePoint registered_at{};
    std::optional<TimePoint> invalidated_at; // set when a provider said the token is gone
    std::optional<std::string> invalid_reason;
};

// "*" stands for every channel or every category.
inline constexpr const char* k_any = "*";

// One opt-in/opt-out decision; the most specific one wins (see audience/preferences.hpp).
struct Preference {
    std::string channel = k_any;
    std::string category = k_any;
    bool opted_in = true;
    TimePoint updated_at{};
};

// Quiet hours in the user's local time: [start, end) in minutes after midnight; end < start
// spans midnight (22:00-07:00).
struct QuietHours {
    int start_minute = 0;
    int end_minute = 0;
};

// Everything dispatch and fan-out need to know about one user.
struct UserProfile {
    User user;
    std::vector<Device> devices;
    std::vector<Preference> preferences;
    std::optional<QuietHours> quiet_hours;
};

} // namespace notify::model
