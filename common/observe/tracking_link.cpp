#include "common/observe/tracking_link.hpp"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/providers/jwt_signer.hpp"
#include "common/render/track_marker.hpp"

namespace notify::observe {

namespace {

constexpr std::size_t k_signature_bytes = 16;

std::string sign(const config::TrackingConfig& tracking, const std::string& what) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), tracking.secret.data(), static_cast<int>(tracking.secret.size()),
         reinterpret_cast<const unsigned char*>(what.data()), what.size(), mac, &length);
    return providers::base64url_encode(std::string_view(
        reinterpret_cast<const char*>(mac), std::min<std::size_t>(length, k_signature_bytes)));
}

std::string click_payload(std::int64_t id, const std::string& url) {
    return "click\n" + std::to_string(id) + "\n" + url;
}

std::string open_payload(std::int64_t id) {
    return "open\n" + std::to_string(id);
}

bool same(const std::string& expected, std::string_view given) {
    return expected.size() == given.size() &&
           CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) {
        return std::nullopt;
    }
    return id;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::string html_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

std::string click_link(const config::TrackingConfig& tracking, std::int64_t id,
                       const std::string& url) {
    return tracking.base_url + "/t/c/" + std::to_string(id) + "/" +
           sign(tracking, click_payload(id, url)) + "/" + providers::base64url_encode(url);
}

std::string open_pixel_link(const config::TrackingConfig& tracking, std::int64_t id) {
    return tracking.base_url + "/t/o/" + std::to_string(id) + "/" +
           sign(tracking, open_payload(id)) + ".gif";
}

std::optional<Click> verify_click(const config::TrackingConfig& tracking, std::string_view id,
                                  std::string_view signature, std::string_view encoded_url) {
    if (!tracking.enabled()) {
        return std::nullopt;
    }
    auto number = parse_id(id);
    auto url = providers::base64url_decode(encoded_url);
    if (!number || !url || !same(sign(tracking, click_payload(*number, *url)), signature)) {
        return std::nullopt;
    }
    return Click{*number, *url};
}

std::optional<std::int64_t> verify_open(const config::TrackingConfig& tracking, std::string_view id,
                                        std::string_view signature) {
    if (!tracking.enabled()) {
        return std::nullopt;
    }
    auto number = parse_id(id);
    if (!number || !same(sign(tracking, open_payload(*number)), signature)) {
        return std::nullopt;
    }
    return number;
}

bool host_allowed(const config::TrackingConfig& tracking, std::string_view url) {
    std::string_view rest;
    if (lower(url.substr(0, 8)) == "https://") {
        rest = url.substr(8);
    } else if (lower(url.substr(0, 7)) == "http://") {
        rest = url.substr(7);
    } else {
        return false;
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.empty() || authority.find('@') != std::string_view::npos ||
        authority.find('\\') != std::string_view::npos) {
        return false; // user info could disguise the host
    }
    std::string host = lower(authority.substr(0, authority.rfind(':') == std::string_view::npos
                                                     ? authority.size()
                                                     : authority.rfind(':')));
    if (host.empty()) {
        return false;
    }
    for (const std::string& entry : tracking.allowed_hosts) {
        const std::string allowed = lower(entry);
        if (allowed.rfind("*.", 0) == 0) {
            const std::string suffix = allowed.substr(1); // ".example.com"
            if (host.size() > suffix.size() &&
                host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0) {
                return true;
            }
        } else if (host == allowed) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> track_message(providers::Message& message,
                                       const config::TrackingConfig& tracking) {
    std::vector<std::string> untracked;
    const auto expand = [&](const std::string& text, bool html) {
        return render::expand_track_markers(text, [&](const std::string& url) {
            std::string link = url;
            if (tracking.enabled() && message.id > 0) {
                if (host_allowed(tracking, url)) {
                    link = click_link(tracking, message.id, url);
                } else if (std::find(untracked.begin(), untracked.end(), url) == untracked.end()) {
                    untracked.push_back(url);
                }
            }
            return html ? html_escape(link) : link;
        });
    };
    for (std::optional<std::string>* field : {&message.subject, &message.title, &message.body}) {
        if (*field && render::has_track_marker(**field)) {
            **field = expand(**field, false);
        }
    }
    const bool email = message.channel == "email";
    const bool pixel = email && tracking.enabled() && tracking.opens && message.id > 0;
    if (!render::has_track_marker(message.data_json) && !pixel) {
        return untracked;
    }
    nlohmann::json data = nlohmann::json::parse(message.data_json, nullptr, false);
    if (!data.is_object()) {
        return untracked;
    }
    std::function<void(nlohmann::json&, bool)> walk = [&](nlohmann::json& node, bool html) {
        if (node.is_string()) {
            const std::string& text = node.get_ref<const std::string&>();
            if (render::has_track_marker(text)) {
                node = expand(text, html);
            }
        } else if (node.is_structured()) {
            for (auto& child : node) {
                walk(child, html);
            }
        }
    };
    for (auto& [key, value] : data.items()) {
        walk(value, email && key == "html");
    }
    if (pixel && data.contains("html") && data["html"].is_string()) {
        std::string html = data["html"].get<std::string>();
        const std::string img = "<img src=\"" + html_escape(open_pixel_link(tracking, message.id)) +
                                "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
        const auto body_end = lower(html).rfind("</body>");
        if (body_end == std::string::npos) {
            html += img;
        } else {
            html.insert(body_end, img);
        }
        data["html"] = html;
    }
    message.data_json = data.dump();
    return untracked;
}

} // namespace notify::observe
