// Recipient checks per channel.
#include "common/audience/recipient_check.hpp"

#include <algorithm>
#include <cctype>

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

bool atext(char c) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
        return true;
    }
    return std::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

Expected<std::string> check_email(std::string_view to) {
    const std::string_view what = "email address";
    auto at = to.rfind('@');
    if (at == std::string_view::npos) {
        return bad(what, to, "missing \"@\"");
    }
    std::string_view local = to.substr(0, at);
    std::string_view domain = to.substr(at + 1);
    if (local.empty()) {
        return bad(what, to, "missing local part before \"@\"");
    }
    if (domain.empty()) {
        return bad(what, to, "missing domain");
    }
    if (local.size() > 64) {
        return bad(what, to, "local part longer than 64 characters");
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return bad(what, to, "misplaced \".\" in the local part");
    }
    for (char c : local) {
        if (c != '.' && !atext(c)) {
            return bad(what, to,
                       std::string("character '") + c + "' not allowed in the local part");
        }
    }
    if (domain.size() > 253) {
        return bad(what, to, "domain longer than 253 characters");
    }
    if (domain.find('.') == std::string_view::npos) {
        return bad(what, to, "domain has no \".\"");
    }
    std::string lowered;
    std::size_t label = 0;
    for (std::size_t i = 0; i <= domain.size(); ++i) {
        if (i == domain.size() || domain[i] == '.') {
            if (label == 0) {
                return bad(what, to, "empty label in the domain");
            }
            if (label > 63) {
                return bad(what, to, "domain label longer than 63 characters");
            }
            if (domain[i - 1] == '-' || domain[i - label] == '-') {
                return bad(what, to, "domain label starts or ends with \"-\"");
            }
            label = 0;
            if (i < domain.size()) {
                lowered += '.';
            }
            continue;
        }
        auto u = static_cast<unsigned char>(domain[i]);
        if (!(std::isalnum(u) || domain[i] == '-' || u >= 0x80)) {
            return bad(what, to,
                       std::string("character '") + domain[i] + "' not allowed in the domain");
        }
        lowered += static_cast<char>(std::tolower(u));
        ++label;
    }
    return std::string(local) + "@" + lowered;
}

Expected<std::string> check_phone(std::string_view to) {
    const std::string_view what = "phone number";
    std::string digits;
    bool plus = false;
    for (std::size_t i = 0; i < to.size(); ++i) {
        char c = to[i];
        if (c == '+' && i == 0) {
            plus = true;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            digits += c;
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        } else {
            return bad(what, to, std::string("unexpected character '") + c + "'");
        }
    }
    if (!plus) {
        return bad(what, to, "use the international E.164 form, e.g. +14155550123");
    }
    if (digits.size() < 8 || digits.size() > 15) {
        return bad(what, to, "E.164 numbers have 8 to 15 digits");
    }
    if (digits[0] == '0') {
        return bad(what, to, "country code cannot start with 0");
    }
    return "+" + digits;
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

Expected<std::string> check_recipient(std::string_view channel, std::string_view to) {
    if (to.empty()) {
        return Unexpected{"empty recipient"};
    }
    if (channel == "email") {
        return check_email(to);
    }
    if (channel == "sms") {
        return check_phone(to);
    }
    if (channel == "push") {
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
