// Names of the push platforms.
#include "common/audience/platform.hpp"

namespace notify::audience {

std::string_view to_string(Platform p) {
    switch (p) {
    case Platform::ios:
        return "ios";
    case Platform::android:
        return "android";
    case Platform::web:
        return "web";
    }
    return "unknown";
}

std::optional<Platform> parse_platform(std::string_view text) {
    for (Platform p : {Platform::ios, Platform::android, Platform::web}) {
        if (text == to_string(p)) {
            return p;
        }
    }
    return std::nullopt;
}

} // namespace notify::audience
