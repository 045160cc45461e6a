// Recipient checks per channel.
#include "common/audience/recipient_check.hpp"

#include <algorithm>
#include <cctype>

#include "common/audience/device_token.hpp"
#include "common/audience/email_address.hpp"
#include "common/audience/phone_number.hpp"

namespace notify::audience {

namespace {

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

Unexpected bad(std::string_view what, std::string_view to, std::string_view why) {
    return Unexpected{"invalid " + std::string(what) + " \"" + std::string(to) +
                      "\": " + std::string(why)};
}

Expected<std::string> check_token(std::string_view to) {
    if (to.size() < 8 || to.size() > 4096) {
        return bad("device token", to, "expected 8 to 4096 characters");
    }
    for (char c : to) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-' ||
              c == '.')) {
            return bad("device token", to, std::string("character '") + c + "' not allowed");
        }
    }
    return std::string(to);
}

Expected<std::string> check_url(std::string_view to) {
    if (!(to.rfind("http://", 0) == 0 || to.rfind("https://", 0) == 0)) {
        return bad("URL", to, "expected http:// or https://");
    }
    std::size_t host_start = to.find("://") + 3;
    if (host_start >= to.size() || to[host_start] == '/') {
        return bad("URL", to, "missing host");
    }
    if (to.find(' ') != std::string_view::npos || has_control(to)) {
        return bad("URL", to, "spaces and control characters are not allowed");
    }
    return std::string(to);
}

} // namespace

Expected<std::string> check_recipient(std::string_view channel, std::string_view to,
                                      std::string_view default_region) {
    if (to.empty()) {
        return Unexpected{"empty recipient"};
    }
    if (channel == "email") {
        return normalize_email(to);
    }
    if (channel == "sms") {
        return normalize_phone(to, default_region);
    }
    if (channel == "push") {
        if (to.front() == '{') {
            return normalize_device_token(Platform::web, to);
        }
        return check_token(to);
    }
    if (channel == "webhook" || channel == "slack") {
        return check_url(to);
    }
    if (to.size() > 1024) {
        return bad("recipient", to.substr(0, 32), "longer than 1024 bytes");
    }
    if (has_control(to)) {
        return bad("recipient", to, "control characters are not allowed");
    }
    return std::string(to);
}

} // namespace notify::audience
