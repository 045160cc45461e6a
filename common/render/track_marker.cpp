#include "common/render/track_marker.hpp"

#include "common/providers/jwt_signer.hpp"

namespace notify::render {

namespace {

constexpr std::string_view k_open = "[[notify-track:";
constexpr std::string_view k_close = "]]";

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

} // namespace

std::string track_marker(std::string_view url) {
    return std::string(k_open) + providers::base64url_encode(trim(url)) + std::string(k_close);
}

bool has_track_marker(std::string_view text) {
    return text.find(k_open) != std::string_view::npos;
}

std::string expand_track_markers(std::string_view text,
                                 const std::function<std::string(const std::string& url)>& link) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (true) {
        const auto start = text.find(k_open, pos);
        if (start == std::string_view::npos) {
            break;
        }
        const auto payload = start + k_open.size();
        const auto end = text.find(k_close, payload);
        if (end == std::string_view::npos) {
            break;
        }
        out.append(text.substr(pos, start - pos));
        std::optional<std::string> url =
            providers::base64url_decode(text.substr(payload, end - payload));
        if (url) {
            out += link(*url);
        } else {
            out.append(text.substr(start, end + k_close.size() - start));
        }
        pos = end + k_close.size();
    }
    out.append(text.substr(pos));
    return out;
}

std::string unescape_html(std::string_view text) {
    static const std::pair<std::string_view, char> k_entities[] = {
        {"&amp;", '&'},  {"&lt;", '<'},    {"&gt;", '>'},    {"&quot;", '"'},
        {"&#39;", '\''}, {"&#x27;", '\''}, {"&apos;", '\''},
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        if (text[i] == '&') {
            for (const auto& [entity, c] : k_entities) {
                if (text.substr(i, entity.size()) == entity) {
                    out += c;
                    i += entity.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) {
            out += text[i++];
        }
    }
    return out;
}

std::string unescape_json(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() &&
            (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '/')) {
            ++i;
        }
        out += text[i];
    }
    return out;
}

} // namespace notify::render
