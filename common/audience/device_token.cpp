// Device token checks per push platform; P-256 points are checked with OpenSSL.
#include "common/audience/device_token.hpp"

#include <optional>

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace notify::audience {
namespace {

constexpr std::size_t k_apns_min = 64;
constexpr std::size_t k_apns_max = 200;
constexpr std::size_t k_fcm_min = 100;
constexpr std::size_t k_fcm_max = 4096;
constexpr std::size_t k_p256_point = 65;
constexpr std::size_t k_auth_secret = 16;
constexpr std::size_t k_shown_max = 64;
// A subscription is a few hundred bytes; refuse to parse megabytes of JSON.
constexpr std::size_t k_subscription_max = 8192;

Unexpected bad(Platform platform, std::string_view text, std::string_view why) {
    std::string shown(text.substr(0, k_shown_max));
    if (text.size() > k_shown_max) {
        shown += "...";
    }
    return Unexpected{"invalid " + std::string(to_string(platform)) + " device token \"" + shown +
                      "\": " + std::string(why)};
}

Expected<std::string> apns_token(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (c >= 'A' && c <= 'F') {
            out += static_cast<char>(c - 'A' + 'a');
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
            out += c;
        } else {
            return bad(Platform::ios, text, "expected hex digits only");
        }
    }
    if (out.size() < k_apns_min || out.size() > k_apns_max) {
        return bad(Platform::ios, text,
                   "expected 64 to 200 hex digits, found " + std::to_string(out.size()));
    }
    if (out.size() % 2 != 0) {
        return bad(Platform::ios, text, "expected an even number of hex digits");
    }
    return out;
}

Expected<std::string> fcm_token(std::string_view text) {
    if (text.size() < k_fcm_min || text.size() > k_fcm_max) {
        return bad(Platform::android, text,
                   "expected 100 to 4096 characters, found " + std::to_string(text.size()));
    }
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-';
        if (!ok) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u >= 0x7f) {
                return bad(Platform::android, text, "only A-Z, a-z, 0-9, ':', '_' and '-'");
            }
            return bad(Platform::android, text, std::string("character '") + c + "' not allowed");
        }
    }
    return std::string(text);
}

// Decodes base64url (RFC 4648 section 5) with optional "=" padding; nullopt when malformed.
std::optional<std::string> base64url_decode(std::string_view text) {
    constexpr std::string_view k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if (text.size() % 4 == 0) {
        for (int i = 0; i < 2 && !text.empty() && text.back() == '='; ++i) {
            text.remove_suffix(1);
        }
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        const auto pos = k_alphabet.find(c);
        if (pos == std::string_view::npos) {
            return std::nullopt;
        }
        buffer = ((buffer << 6) | static_cast<unsigned>(pos)) & 0xFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    // The unused low bits of the last character must be zero (canonical encoding).
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

// True when `raw` is an uncompressed point (0x04 || X || Y) on P-256.
bool on_p256(const std::string& raw) {
    if (raw.size() != k_p256_point || raw[0] != '\x04') {
        return false;
    }
    char group[] = "P-256";
    std::string point = raw;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
              EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (ok) {
        EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
        ok = check != nullptr && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
    }
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok;
}

std::string ascii_lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

// Returns what is wrong with a push endpoint, or nullopt: it must be https:// with a host, no
// userinfo, whitespace or control characters; http:// only to a loopback host (localhost,
// 127.x.y.z, [::1]), which the webpush provider still refuses unless allow_http is set.
std::optional<std::string_view> endpoint_problem(const std::string& url) {
    for (char c : url) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f) {
            return "the endpoint contains whitespace or control characters";
        }
    }
    const std::size_t colon = url.find("://");
    const std::string scheme = colon == std::string::npos ? "" : ascii_lower(url.substr(0, colon));
    if (scheme != "https" && scheme != "http") {
        return "the endpoint is not an https:// URL";
    }
    const std::size_t start = colon + 3;
    const std::size_t end = url.find_first_of("/?#", start);
    const std::string authority =
        ascii_lower(url.substr(start, end == std::string::npos ? end : end - start));
    if (authority.find('@') != std::string::npos) {
        return "the endpoint has userinfo";
    }
    std::string host = authority;
    const std::size_t bracket = authority.rfind(']');
    const std::size_t port = authority.rfind(':');
    if (port != std::string::npos && (bracket == std::string::npos || port > bracket)) {
        host = authority.substr(0, port);
    }
    if (host.empty()) {
        return "the endpoint has no host";
    }
    const bool loopback = host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
    if (scheme == "http" && !loopback) {
        return "the endpoint is not an https:// URL";
    }
    return std::nullopt;
}

// Decodes keys.<name> and returns its raw bytes, or the reason it is unusable.
Expected<std::string> subscription_key(const nlohmann::json& keys, const char* name) {
    const auto it = keys.find(name);
    if (it == keys.end() || !it->is_string()) {
        return Unexpected{std::string("keys.") + name + " is missing or not a string"};
    }
    auto decoded = base64url_decode(it->get_ref<const std::string&>());
    if (!decoded) {
        return Unexpected{std::string("keys.") + name + " is not base64url"};
    }
    return std::move(*decoded);
}

Expected<std::string> web_subscription(std::string_view text) {
    if (text.size() > k_subscription_max) {
        return bad(Platform::web, text, "longer than 8192 bytes");
    }
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return bad(Platform::web, text,
                   "not a PushSubscription JSON object ({\"endpoint\": ..., \"keys\": "
                   "{\"p256dh\": ..., \"auth\": ...}})");
    }
    const auto endpoint = json.find("endpoint");
    if (endpoint == json.end() || !endpoint->is_string()) {
        return bad(Platform::web, text, "\"endpoint\" is missing or not a string");
    }
    const std::string& url = endpoint->get_ref<const std::string&>();
    if (auto problem = endpoint_problem(url)) {
        return bad(Platform::web, text, *problem);
    }
    const auto keys = json.find("keys");
    if (keys == json.end() || !keys->is_object()) {
        return bad(Platform::web, text, "\"keys\" is missing or not an object");
    }
    auto p256dh = subscription_key(*keys, "p256dh");
    if (!p256dh) {
        return bad(Platform::web, text, p256dh.error());
    }
    if (!on_p256(*p256dh)) {
        return bad(Platform::web, text,
                   "keys.p256dh is not an uncompressed P-256 public key (" +
                       std::to_string(p256dh->size()) + " bytes)");
    }
    auto auth = subscription_key(*keys, "auth");
    if (!auth) {
        return bad(Platform::web, text, auth.error());
    }
    if (auth->size() != k_auth_secret) {
        return bad(Platform::web, text,
                   "keys.auth is " + std::to_string(auth->size()) + " bytes, expected 16");
    }
    const nlohmann::json out{
        {"endpoint", url},
        {"keys", {{"p256dh", keys->at("p256dh")}, {"auth", keys->at("auth")}}},
    };
    return out.dump();
}

} // namespace

Expected<std::string> normalize_device_token(Platform platform, std::string_view text) {
    if (text.empty()) {
        return bad(platform, text, "empty");
    }
    switch (platform) {
    case Platform::ios:
        return apns_token(text);
    case Platform::android:
        return fcm_token(text);
    case Platform::web:
        return web_subscription(text);
    }
    return bad(platform, text, "unknown platform");
}

} // namespace notify::audience
