// The push platforms a device token belongs to, and their names.
#pragma once

#include <optional>
#include <string_view>

namespace notify::audience {

enum class Platform { ios, android, web };

// Returns "ios", "android" or "web".
std::string_view to_string(Platform p);

// Returns the platform named exactly (lowercase) `text`, or nullopt.
std::optional<Platform> parse_platform(std::string_view text);

} // namespace notify::audience
