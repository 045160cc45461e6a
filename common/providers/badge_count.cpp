// Badge counts from template data.
#include "common/providers/badge_count.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace notify::providers {

std::optional<long long> badge_count(const nlohmann::json& value) {
    if (value.is_number_integer() && value.get<long long>() >= 0) {
        return value.get<long long>();
    }
    if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        if (!text.empty() && text.size() < 10 &&
            std::all_of(text.begin(), text.end(),
                        [](unsigned char c) { return std::isdigit(c) != 0; })) {
            return std::stoll(text);
        }
    }
    return std::nullopt;
}

} // namespace notify::providers
