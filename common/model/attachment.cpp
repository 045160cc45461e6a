// Content types of attachments by file extension.
#include "common/model/attachment.hpp"

#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace notify::model {

std::string_view content_type_for(std::string_view filename) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 15> k_types{{
        {"pdf", "application/pdf"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"txt", "text/plain"},
        {"csv", "text/csv"},
        {"html", "text/html"},
        {"htm", "text/html"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"ics", "text/calendar"},
        {"eml", "message/rfc822"},
    }};
    auto dot = filename.rfind('.');
    if (dot != std::string_view::npos && dot + 1 < filename.size()) {
        std::string ext(filename.substr(dot + 1));
        for (char& c : ext) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        for (const auto& [name, type] : k_types) {
            if (name == ext) {
                return type;
            }
        }
    }
    return "application/octet-stream";
}

} // namespace notify::model
