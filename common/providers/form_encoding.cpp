// application/x-www-form-urlencoded serialization and parsing.
#include "common/providers/form_encoding.hpp"

namespace notify::providers {

namespace {

bool kept(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
           c == '-' || c == '.' || c == '_';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string form_escape(std::string_view text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (kept(byte)) {
            out += c;
        } else if (byte == ' ') {
            out += '+';
        } else {
            out += '%';
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0x0F];
        }
    }
    return out;
}

std::string form_encode(const std::vector<FormField>& fields) {
    std::string out;
    for (const auto& field : fields) {
        if (!out.empty()) {
            out += '&';
        }
        out += form_escape(field.name);
        out += '=';
        out += form_escape(field.value);
    }
    return out;
}

std::vector<FormField> form_decode(std::string_view body) {
    std::vector<FormField> out;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view pair = body.substr(start, end - start);
        if (!pair.empty()) {
            const std::size_t eq = pair.find('=');
            if (eq == std::string_view::npos) {
                out.push_back({unescape(pair), ""});
            } else {
                out.push_back({unescape(pair.substr(0, eq)), unescape(pair.substr(eq + 1))});
            }
        }
        start = end + 1;
    }
    return out;
}

} // namespace notify::providers
