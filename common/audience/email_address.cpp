// E-mail addresses: dot-atom local parts and LDH or IDN domains (UTF-8 -> A-labels).
#include "common/audience/email_address.hpp"

#include <cstdio>
#include <optional>
#include <vector>

#include "common/audience/punycode.hpp"

namespace notify::audience {
namespace {

constexpr std::size_t k_max_local = 64;
constexpr std::size_t k_max_domain = 253;
constexpr std::size_t k_max_label = 63;

Unexpected bad(std::string_view text, std::string_view why) {
    return Unexpected{"invalid email address \"" + std::string(text) + "\": " + std::string(why)};
}

bool is_alnum(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext, ASCII only.
bool atext(char c) {
    return is_alnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

// "U+00E9".
std::string code_point_name(char32_t c) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
    return buffer;
}

// Decodes strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
std::optional<std::u32string> decode_utf8(std::string_view text) {
    std::u32string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        char32_t c = 0;
        if (lead < 0x80) {
            length = 1;
            c = lead;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            c = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            c = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            c = lead & 0x07;
        } else {
            return std::nullopt;
        }
        if (i + length > text.size()) {
            return std::nullopt;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto byte = static_cast<unsigned char>(text[i + k]);
            if ((byte & 0xC0) != 0x80) {
                return std::nullopt;
            }
            c = (c << 6) | (byte & 0x3F);
        }
        const bool overlong = (length == 3 && c < 0x800) || (length == 4 && c < 0x10000);
        if (overlong || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return std::nullopt;
        }
        out += c;
        i += length;
    }
    return out;
}

// Lowercases ASCII and the capitals of Latin-1, Latin Extended-A, Greek and Cyrillic.
char32_t to_lower(char32_t c) {
    if (c >= 'A' && c <= 'Z') {
        return c + 0x20;
    }
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F)) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 0x50;
    }
    const bool even_upper =
        (c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177);
    const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if ((even_upper && c % 2 == 0) || (odd_upper && c % 2 == 1)) {
        return c + 1;
    }
    switch (c) {
    case 0x178:
        return 0xFF;
    case 0x386:
        return 0x3AC;
    case 0x388:
    case 0x389:
    case 0x38A:
        return c + 0x25;
    case 0x38C:
        return 0x3CC;
    case 0x38E:
    case 0x38F:
        return c + 0x3F;
    default:
        return c;
    }
}

// True for non-ASCII code points refused in a U-label: controls, symbols and punctuation,
// spaces, private use, variation selectors, specials, emoji, tags and noncharacters.
bool refused_in_label(char32_t c) {
    return c < 0xC0 || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) ||
           (c >= 0x3000 && c <= 0x3003) || (c >= 0xE000 && c <= 0xF8FF) ||
           (c >= 0xFDD0 && c <= 0xFDEF) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0xFE10 && c <= 0xFE6F) || (c >= 0xFEFF && c <= 0xFFFF) ||
           (c >= 0x1F000 && c <= 0x1FAFF) || c >= 0xE0000 || (c & 0xFFFE) == 0xFFFE;
}

bool is_separator(char32_t c) {
    return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

// Converts one label (already split, non-empty) to its lowercase A-label form, or fails
// with the reason.
Expected<std::string> a_label(std::u32string label) {
    bool ascii = true;
    for (char32_t& c : label) {
        if (c >= 0xFF01 && c <= 0xFF5E) {
            c -= 0xFEE0; // full-width ASCII
        }
        c = to_lower(c);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F) {
                return Unexpected{"control characters are not allowed"};
            }
            if (!(is_alnum(c) || c == '-')) {
                return Unexpected{std::string("character '") + static_cast<char>(c) +
                                  "' not allowed in the domain"};
            }
        } else if (refused_in_label(c)) {
            return Unexpected{"character " + code_point_name(c) + " not allowed in the domain"};
        } else {
            ascii = false;
        }
    }
    if (label.front() == '-' || label.back() == '-') {
        return Unexpected{"domain label starts or ends with \"-\""};
    }
    std::string out;
    if (ascii) {
        for (char32_t c : label) {
            out += static_cast<char>(c);
        }
    } else {
        if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
            return Unexpected{"domain label has \"--\" in the third and fourth positions"};
        }
        if (label.front() >= 0x300 && label.front() <= 0x36F) {
            return Unexpected{"domain label starts with a combining mark"};
        }
        auto encoded = punycode_encode(label);
        if (!encoded) {
            return Unexpected{"domain label cannot be encoded as punycode"};
        }
        out = "xn--" + *encoded;
    }
    if (out.size() > k_max_label) {
        return Unexpected{std::string("domain label longer than 63 characters") +
                          (ascii ? "" : " as punycode")};
    }
    return out;
}

Expected<std::string> normalize_domain(std::string_view domain) {
    bool ascii = true;
    for (char c : domain) {
        ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    }
    // Every code point takes at least one octet of the A-label and at most four of UTF-8.
    if (domain.size() > (ascii ? 1 : 4) * k_max_domain) {
        return Unexpected{"domain longer than 253 characters"};
    }
    auto decoded = decode_utf8(domain);
    if (!decoded) {
        return Unexpected{"domain is not valid UTF-8"};
    }
    std::vector<std::u32string> labels(1);
    for (char32_t c : *decoded) {
        if (is_separator(c)) {
            labels.emplace_back();
        } else {
            labels.back() += c;
        }
    }
    if (labels.size() < 2) {
        return Unexpected{"domain has no \".\""};
    }
    std::string out;
    for (auto& label : labels) {
        if (label.empty()) {
            return Unexpected{"empty label in the domain"};
        }
        auto converted = a_label(std::move(label));
        if (!converted) {
            return converted;
        }
        out += (out.empty() ? "" : ".") + *converted;
    }
    if (out.size() > k_max_domain) {
        return Unexpected{"domain longer than 253 characters" +
                          std::string(ascii ? "" : " as punycode")};
    }
    return out;
}

} // namespace

Expected<std::string> normalize_email(std::string_view text) {
    if (text.empty()) {
        return bad(text, "empty");
    }
    const auto at = text.rfind('@');
    if (at == std::string_view::npos) {
        return bad(text, "missing \"@\"");
    }
    const std::string_view local = text.substr(0, at);
    const std::string_view domain = text.substr(at + 1);
    if (local.empty()) {
        return bad(text, "missing local part before \"@\"");
    }
    if (domain.empty()) {
        return bad(text, "missing domain");
    }
    if (local.size() > k_max_local) {
        return bad(text, "local part longer than 64 characters");
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
        return bad(text, "misplaced \".\" in the local part");
    }
    for (char c : local) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            return bad(text, "non-ASCII local parts (SMTPUTF8) are not supported");
        }
        if (c != '.' && !atext(c)) {
            if (u < 0x20 || u == 0x7f) {
                return bad(text, "control characters are not allowed");
            }
            return bad(text, std::string("character '") + c + "' not allowed in the local part");
        }
    }
    auto normalized = normalize_domain(domain);
    if (!normalized) {
        return bad(text, normalized.error());
    }
    return std::string(local) + "@" + *normalized;
}

} // namespace notify::audience
