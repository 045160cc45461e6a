// The badge count of a push notification as given in template data: APNs (aps.badge) and FCM
// (apns badge, android notification_count) both need it as a number.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace notify::providers {

// A non-negative JSON integer, or its decimal text of 1 to 9 digits ("3" from --data or a
// template), as a count; nullopt for anything else (negative, fractional, other text).
std::optional<long long> badge_count(const nlohmann::json& value);

} // namespace notify::providers
