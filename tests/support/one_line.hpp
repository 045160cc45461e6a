// Checks that a text a provider stores (a receipt, an error detail) is one line of valid UTF-8.
#pragma once

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

namespace notify::test {

// True when `text` is valid UTF-8 and holds no control character (no line break, no tab).
inline bool is_one_line_of_utf8(const std::string& text) {
    try {
        (void)nlohmann::json(text).dump(); // strict: throws on bytes that are not UTF-8
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
    return std::none_of(text.begin(), text.end(),
                        [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

} // namespace notify::test
