// Helpers the fuzz targets share to cut one input into the pieces a parser takes.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/providers/http_client.hpp"

namespace notify::fuzz {

// The input as text (any bytes, NULs included).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Removes and returns the first line of `text` (without its "\n"); all of it when there is
// no "\n".
inline std::string_view take_line(std::string_view& text) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    return line;
}

// The leading integer of `text` (optionally signed), or `fallback` when there is none.
inline long long leading_number(std::string_view text, long long fallback = 0) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() ? value : fallback;
}

// An HTTP response written as text:
//   429
//   retry-after: 120
//
//   {"code": 20429, "message": "Too Many Requests"}
// The first line is the status, then "name: value" header lines (names lower-cased, as
// HttpSession::perform() stores them) up to an empty line, then the body. The pseudo-headers
// x-fuzz-error (a transport error text) and x-fuzz-certificate-error (any value) set the
// transport fields.
inline providers::HttpResponse http_response(std::string_view text) {
    providers::HttpResponse response;
    response.status = static_cast<long>(leading_number(take_line(text)));
    while (!text.empty()) {
        std::string_view line = take_line(text);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            break;
        }
        const auto colon = line.find(':');
        std::string name(line.substr(0, colon));
        for (char& c : name) {
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c - 'A' + 'a');
            }
        }
        std::string_view value =
            colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        if (name == "x-fuzz-error") {
            response.error = std::string(value.empty() ? "error" : value);
        } else if (name == "x-fuzz-certificate-error") {
            response.certificate_error = true;
        } else {
            response.headers[name] = std::string(value);
        }
    }
    response.body = std::string(text);
    response.http_version = 2;
    return response;
}

// A fixed "now" for Retry-After and token lifetimes: 2026-11-25T14:30:00Z.
inline TimePoint fixed_now() {
    return from_unix_ms(1'795'617'000'000);
}

} // namespace notify::fuzz
