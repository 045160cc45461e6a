// Sends Web Push messages: parses the PushSubscription in `to`, encrypts the message JSON for it
// (RFC 8291), signs a VAPID token for the push service's origin (RFC 8292) and POSTs (RFC 8030).
#include "common/providers/webpush_provider.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/message_json.hpp"
#include "common/providers/remote_config.hpp"
#include "common/providers/webpush_crypto.hpp"
#include "common/schedule/duration.hpp"

namespace notify::providers {

namespace {

using namespace std::chrono_literals;

constexpr Millis k_default_ttl = 24h;
constexpr Millis k_token_lifetime = 12h; // RFC 8292: exp at most 24 hours ahead
constexpr Millis k_token_renewal = 1h;   // a cached token with less left is replaced
constexpr std::size_t k_excerpt_chars = 200;
constexpr std::string_view k_pem_marker = "-----BEGIN";

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string prefix_of(const config::ProviderConfig& cfg, const std::string& origin,
                      const std::string& key) {
    return where(origin) + "providers." + cfg.name + "." + key + ": ";
}

webpush::VapidKey vapid_key_of(const config::ProviderConfig& cfg) {
    const std::string key = "vapid_private_key_file";
    const RemoteConfig rc(cfg);
    const config::Setting& setting = rc.required(key);
    const std::string hint = "create one with: openssl ecparam -name prime256v1 -genkey -noout "
                             "-out vapid.pem (and give browsers its public key)";
    const std::string pem = rc.file_text(key);
    auto parsed = webpush::VapidKey::from_pem(pem);
    if (!parsed) {
        rc.fail_at(setting.origin, key,
                   (setting.value.find(k_pem_marker) != std::string::npos
                        ? std::string("the key")
                        : RemoteConfig::shown(setting)) +
                       ": " + parsed.error(),
                   hint);
    }
    return std::move(*parsed);
}

std::string subject_of(const config::ProviderConfig& cfg) {
    const config::Setting& setting = RemoteConfig(cfg).required("vapid_subject");
    const std::string& v = setting.value;
    const bool mailto =
        v.rfind("mailto:", 0) == 0 && v.size() > 7 && v.find('@') != std::string::npos;
    const bool https = v.rfind("https://", 0) == 0 && v.size() > 8 && v[8] != '/';
    const bool clean = std::none_of(v.begin(), v.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7F;
    });
    if (!(mailto || https) || !clean) {
        throw Error(Exit::config,
                    prefix_of(cfg, setting.origin, "vapid_subject") + RemoteConfig::shown(setting) +
                        " is not a mailto: or https: URL",
                    "push services contact the sender there, e.g. vapid_subject: "
                    "mailto:ops@example.com");
    }
    return v;
}

std::optional<Millis> duration_of(const config::ProviderConfig& cfg, const std::string& key,
                                  bool zero_allowed) {
    const config::Setting* setting = RemoteConfig(cfg).scalar(key);
    if (setting == nullptr) {
        return std::nullopt;
    }
    auto parsed = schedule::parse_duration(setting->value);
    if (!parsed) {
        throw Error(Exit::config, prefix_of(cfg, setting->origin, key) +
                                      (setting->secret ? RemoteConfig::shown(*setting) +
                                                             " is not a valid duration"
                                                       : parsed.error()));
    }
    if (parsed->count() < 0 || (!zero_allowed && parsed->count() == 0)) {
        throw Error(Exit::config, prefix_of(cfg, setting->origin, key) + "must be more than 0");
    }
    return *parsed;
}

std::optional<std::string> urgency_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = RemoteConfig(cfg).scalar("urgency");
    if (setting == nullptr) {
        return std::nullopt;
    }
    const std::string& v = setting->value;
    if (v != "very-low" && v != "low" && v != "normal" && v != "high") {
        throw Error(Exit::config, prefix_of(cfg, setting->origin, "urgency") +
                                      RemoteConfig::shown(*setting) +
                                      " is not one of very-low, low, normal, high");
    }
    return v;
}

bool allow_http_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = RemoteConfig(cfg).scalar("allow_http");
    if (setting == nullptr) {
        return false;
    }
    const std::string v = lower(setting->value);
    if (v == "true" || v == "yes" || v == "on") {
        return true;
    }
    if (v == "false" || v == "no" || v == "off") {
        return false;
    }
    throw Error(Exit::config, prefix_of(cfg, setting->origin, "allow_http") +
                                  RemoteConfig::shown(*setting) + " is not true or false");
}

struct Settings {
    webpush::VapidKey key;
    std::string subject;
    std::optional<Millis> ttl;
    std::optional<std::string> urgency;
    Millis timeout;
    std::string ca_file;
    bool allow_http;
};

Settings settings_of(const config::ProviderConfig& cfg) {
    return Settings{vapid_key_of(cfg),
                    subject_of(cfg),
                    duration_of(cfg, "ttl", true),
                    urgency_of(cfg),
                    RemoteConfig(cfg).timeout(),
                    RemoteConfig(cfg).ca_file(),
                    allow_http_of(cfg)};
}

// A browser's PushSubscription, decoded.
struct Subscription {
    std::string endpoint;
    std::string origin; // "https://host[:port]": the VAPID audience and the shown endpoint
    std::string p256dh; // 65 bytes
    std::string auth;   // 16 bytes
};

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The RFC 6454 ASCII origin of an http(s) endpoint (lower-case scheme and host, no default
// port), or an Unexpected saying what is wrong. Userinfo, whitespace and other schemes are
// refused; http only for loopback hosts when `allow_http`.
Expected<std::string> origin_of(const std::string& url, bool allow_http) {
    if (std::any_of(url.begin(), url.end(), [](char c) {
            auto byte = static_cast<unsigned char>(c);
            return byte <= 0x20 || byte == 0x7F;
        })) {
        return Unexpected{"the endpoint contains whitespace or control characters"};
    }
    const std::size_t colon = url.find("://");
    const std::string scheme = colon == std::string::npos ? "" : lower(url.substr(0, colon));
    if (scheme != "https" && scheme != "http") {
        return Unexpected{"the endpoint is not an https:// URL"};
    }
    const std::size_t start = colon + 3;
    const std::size_t end = url.find_first_of("/?#", start);
    const std::string authority =
        lower(url.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (authority.find('@') != std::string::npos) {
        return Unexpected{"the endpoint has userinfo"};
    }
    std::string host = authority;
    std::string port;
    const std::size_t bracket = authority.rfind(']');
    const std::size_t port_colon = authority.rfind(':');
    if (port_colon != std::string::npos && (bracket == std::string::npos || port_colon > bracket)) {
        host = authority.substr(0, port_colon);
        port = authority.substr(port_colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(),
                         [](unsigned char c) { return std::isdigit(c); })) {
            return Unexpected{"the endpoint has a bad port"};
        }
    }
    if (host.empty()) {
        return Unexpected{"the endpoint has no host"};
    }
    if (scheme == "http" && !(allow_http && is_loopback(host))) {
        return Unexpected{"the endpoint is not an https:// URL"};
    }
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
        port.clear();
    }
    return scheme + "://" + host + (port.empty() ? "" : ":" + port);
}

// Decodes the base64url key `name` of the subscription's "keys" object.
Expected<std::string> subscription_key(const nlohmann::json& keys, const std::string& name) {
    auto it = keys.find(name);
    if (it == keys.end() || !it->is_string()) {
        return Unexpected{"keys." + name + " is missing or not a string"};
    }
    auto decoded = base64url_decode(it->get<std::string>());
    if (!decoded) {
        return Unexpected{"keys." + name + " is not base64url"};
    }
    return std::move(*decoded);
}

Expected<Subscription> parse_subscription(const std::string& to, bool allow_http) {
    const auto json = nlohmann::json::parse(to, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return Unexpected{"not a PushSubscription JSON object ({\"endpoint\": ..., \"keys\": "
                          "{\"p256dh\": ..., \"auth\": ...}})"};
    }
    auto endpoint = json.find("endpoint");
    if (endpoint == json.end() || !endpoint->is_string()) {
        return Unexpected{"\"endpoint\" is missing or not a string"};
    }
    Subscription s;
    s.endpoint = endpoint->get<std::string>();
    auto origin = origin_of(s.endpoint, allow_http);
    if (!origin) {
        return Unexpected{origin.error()};
    }
    s.origin = std::move(*origin);
    auto keys = json.find("keys");
    if (keys == json.end() || !keys->is_object()) {
        return Unexpected{"\"keys\" is missing or not an object"};
    }
    auto p256dh = subscription_key(*keys, "p256dh");
    if (!p256dh) {
        return Unexpected{p256dh.error()};
    }
    if (!webpush::valid_public_key(*p256dh)) {
        return Unexpected{"keys.p256dh is not an uncompressed P-256 public key (" +
                          std::to_string(p256dh->size()) + " bytes)"};
    }
    auto auth = subscription_key(*keys, "auth");
    if (!auth) {
        return Unexpected{auth.error()};
    }
    if (auth->size() != webpush::k_auth_secret_size) {
        return Unexpected{"keys.auth is " + std::to_string(auth->size()) + " bytes, expected " +
                          std::to_string(webpush::k_auth_secret_size)};
    }
    s.p256dh = std::move(*p256dh);
    s.auth = std::move(*auth);
    return s;
}

// The push service's explanation: "message" (and "errno") of a JSON error (autopush), else the
// text of the body.
std::string excerpt_of(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object()) {
        std::string text;
        for (const char* field : {"message", "error", "reason"}) {
            auto it = json.find(field);
            if (it != json.end() && it->is_string() && !it->get<std::string>().empty()) {
                text = it->get<std::string>();
                break;
            }
        }
        auto errno_it = json.find("errno");
        if (errno_it != json.end() && errno_it->is_number_integer()) {
            text = "errno " + std::to_string(errno_it->get<long long>()) +
                   (text.empty() ? "" : ": " + text);
        }
        if (!text.empty()) {
            return one_line(text, k_excerpt_chars);
        }
    }
    return one_line(body, k_excerpt_chars);
}

std::string urgency_for(model::Priority priority) {
    switch (priority) {
    case model::Priority::high:
        return "high";
    case model::Priority::low:
        return "low";
    case model::Priority::normal:
        break;
    }
    return "normal";
}

class WebpushProvider final : public Provider {
  public:
    WebpushProvider(std::string name, Settings settings,
                    std::shared_ptr<const schedule::Clock> clock)
        : m_name(std::move(name)), m_s(std::move(settings)), m_clock(std::move(clock)) {}

    const std::string& name() const override { return m_name; }

    // The plaintext that send() encrypts: the message JSON without "to" (the subscription:
    // its endpoint and keys are the sender's business, not the page's), as ciphertext under a
    // fresh key and salt per send.
    std::string render(const Message& message) const override {
        auto j = nlohmann::ordered_json::parse(message_json(message));
        j.erase("to");
        return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }

    SendResult send(const Message& message) override {
        auto subscription = parse_subscription(message.to, m_s.allow_http);
        if (!subscription) {
            return SendResult::failed(FailureKind::permanent,
                                      "webpush: bad recipient: " + subscription.error());
        }
        const std::string plaintext = render(message);
        if (plaintext.size() > webpush::k_max_plaintext) {
            return SendResult::failed(
                FailureKind::permanent,
                "webpush: the message JSON is " + std::to_string(plaintext.size()) +
                    " bytes; at most " + std::to_string(webpush::k_max_plaintext) + " fit in a " +
                    std::to_string(webpush::k_max_body) + "-byte encrypted push message");
        }
        auto body = webpush::encrypt(plaintext, subscription->p256dh, subscription->auth);
        if (!body) {
            return SendResult::failed(FailureKind::permanent,
                                      "webpush: cannot encrypt the message: " + body.error());
        }
        const TimePoint now = m_clock->now();
        auto jwt = token_for(subscription->origin, now);
        if (!jwt) {
            return SendResult::failed(FailureKind::auth,
                                      "webpush: cannot sign the VAPID token: " + jwt.error());
        }

        HttpRequest request;
        request.method = "POST";
        request.url = subscription->endpoint;
        request.body = std::move(*body);
        request.timeout = m_s.timeout;
        request.connect_timeout = connect_timeout_for(m_s.timeout);
        request.ca_file = m_s.ca_file;
        request.headers = {
            "Content-Type: application/octet-stream",
            "Content-Encoding: aes128gcm",
            "TTL: " + std::to_string(ttl_seconds(message, now)),
            "Urgency: " + m_s.urgency.value_or(urgency_for(message.priority)),
            "Authorization: " + m_s.key.authorization(*jwt),
            "Expect:",
        };
        HttpResponse response = m_http.perform(request);
        return classify(response, subscription->origin, now);
    }

  private:
    // Seconds the push service keeps the message: the ttl key (default 24h), cut to the time
    // left before the message expires.
    long long ttl_seconds(const Message& message, TimePoint now) const {
        Millis ttl = m_s.ttl.value_or(k_default_ttl);
        if (message.expires_at) {
            const Millis left = std::max(Millis{0}, *message.expires_at - now);
            ttl = m_s.ttl ? std::min(ttl, left) : left;
        }
        return std::chrono::duration_cast<std::chrono::seconds>(ttl).count();
    }

    // A VAPID token for `audience`, reused while it has more than k_token_renewal left.
    Expected<std::string> token_for(const std::string& audience, TimePoint now) {
        std::lock_guard lock(m_mutex);
        auto it = m_tokens.find(audience);
        if (it != m_tokens.end() && it->second.expires - now > k_token_renewal) {
            return it->second.jwt;
        }
        const TimePoint expires = now + k_token_lifetime;
        auto jwt = m_s.key.token(audience, expires, m_s.subject);
        if (jwt) {
            m_tokens[audience] = CachedToken{*jwt, expires};
        }
        return jwt;
    }

    SendResult classify(const HttpResponse& response, const std::string& origin,
                        TimePoint now) const {
        return classify_webpush_response(response, origin, now);
    }

    struct CachedToken {
        std::string jwt;
        TimePoint expires;
    };

    std::string m_name;
    Settings m_s;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
    std::shared_ptr<const schedule::Clock> m_clock;
    std::mutex m_mutex;
    std::map<std::string, CachedToken> m_tokens; // by audience; guarded by m_mutex
};

} // namespace

SendResult classify_webpush_response(const HttpResponse& response, const std::string& origin,
                                     TimePoint now) {
    const std::string what = "webpush: POST " + origin;
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response), what + ": " + response.error);
    }
    const long status = response.status;
    if (status >= 200 && status < 300) {
        // The Location header is the service's bytes: one line of valid UTF-8 in the store.
        auto location = response.headers.find("location");
        const std::string receipt =
            location != response.headers.end() ? one_line(location->second) : std::string();
        return SendResult::sent(!receipt.empty() ? receipt : "HTTP " + std::to_string(status));
    }
    const std::string excerpt = excerpt_of(response.body);
    std::string detail = "webpush: HTTP " + std::to_string(status) + " from " + origin;
    auto with = [&](const std::string& meaning) {
        return detail + ": " + meaning + (excerpt.empty() ? "" : " (" + excerpt + ")");
    };
    auto retry_after = [&]() -> std::optional<Millis> {
        auto it = response.headers.find("retry-after");
        return it == response.headers.end() ? std::nullopt : parse_retry_after(it->second, now);
    };
    switch (status) {
    case 404:
    case 410:
        return SendResult::failed(FailureKind::invalid_recipient,
                                  with("the subscription has expired or was unsubscribed"));
    case 413:
        return SendResult::failed(FailureKind::permanent, with("the payload is too large"));
    case 429:
        return SendResult::failed(FailureKind::rate_limited, with("too many requests"),
                                  retry_after());
    case 400:
        return SendResult::failed(FailureKind::permanent, with("the request was refused"));
    case 401:
    case 403:
        return SendResult::failed(FailureKind::auth, with("the VAPID credentials were refused"));
    default:
        break;
    }
    if (status >= 500) {
        return SendResult::failed(FailureKind::transient, with("the push service failed"),
                                  retry_after());
    }
    SendResult other = classify_http(response, "webpush: " + origin, now);
    if (!other.ok && !excerpt.empty()) {
        other.detail += " (" + excerpt + ")";
    }
    return other;
}

void check_webpush_config(const config::ProviderConfig& cfg) {
    settings_of(cfg);
}

std::unique_ptr<Provider> make_webpush_provider(const config::ProviderConfig& cfg,
                                                std::shared_ptr<const schedule::Clock> clock) {
    if (!clock) {
        clock = std::make_shared<schedule::SystemClock>();
    }
    return std::make_unique<WebpushProvider>(cfg.name, settings_of(cfg), std::move(clock));
}

} // namespace notify::providers
