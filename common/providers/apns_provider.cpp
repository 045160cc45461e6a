// APNs delivery: the payload, the apns-* headers, the cached provider token and the mapping of
// APNs reasons to failure kinds (notification-anchors section 4.1).
#include "common/providers/apns_provider.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/providers/badge_count.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/jwt_signer.hpp"
#include "common/providers/remote_config.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::providers {

namespace {

using json = nlohmann::json;

constexpr Millis k_token_lifetime{40LL * 60'000}; // APNs: renew every 20-60 minutes
constexpr std::size_t k_max_payload = 4096;
constexpr std::size_t k_max_collapse_id = 64;
constexpr std::string_view k_production = "https://api.push.apple.com";
constexpr std::string_view k_sandbox = "https://api.sandbox.push.apple.com";
constexpr std::array<std::string_view, 11> k_push_types = {
    "alert",    "background",   "voip",       "complication", "fileprovider", "mdm",
    "location", "liveactivity", "pushtotalk", "controls",     "widgets"};

struct ApnsSettings {
    std::string team_id;
    std::string key_id;
    std::string topic;
    std::string environment = "production";
    std::string url;
    std::string push_type = "alert";
    std::string ca_file;
    Millis timeout = k_default_remote_timeout;
    std::optional<JwtSigner> signer;
};

// Reads the config of one apns instance; throws notify::Error{Exit::config}.
class SettingsReader {
  public:
    explicit SettingsReader(const config::ProviderConfig& cfg) : m_rc(cfg) {}

    ApnsSettings read() const {
        ApnsSettings s;
        s.team_id = ten_chars("team_id");
        s.key_id = ten_chars("key_id");
        s.topic = required("topic").value;
        if (s.topic.empty() || s.topic.find_first_of(" \t\r\n") != std::string::npos) {
            fail("topic", "must be the app's bundle id, e.g. com.example.app");
        }
        if (const auto* env = scalar("environment")) {
            if (env->value != "production" && env->value != "sandbox") {
                fail("environment",
                     RemoteConfig::shown(*env) + " is not one of production, sandbox");
            }
            s.environment = env->value;
        }
        s.url = m_rc.url("url", s.environment == "sandbox" ? k_sandbox : k_production, UrlUse::base,
                         "e.g. url: https://api.sandbox.push.apple.com");
        if (const auto* type = scalar("push_type")) {
            if (std::find(k_push_types.begin(), k_push_types.end(), type->value) ==
                k_push_types.end()) {
                std::string all;
                for (auto t : k_push_types) {
                    all += (all.empty() ? "" : ", ") + std::string(t);
                }
                fail("push_type", RemoteConfig::shown(*type) + " is not an APNs push type",
                     "one of: " + all);
            }
            s.push_type = type->value;
        }
        s.timeout = m_rc.timeout();
        s.ca_file = m_rc.ca_file();
        const std::string pem = m_rc.file_text("key_file");
        auto signer = JwtSigner::from_pem(pem, JwtAlgorithm::es256);
        if (!signer) {
            fail("key_file", signer.error(),
                 "use the .p8 key from Apple's developer account (Keys > APNs)");
        }
        s.signer = std::move(signer).value();
        return s;
    }

  private:
    [[noreturn]] void fail(const std::string& key, const std::string& what,
                           const std::string& hint = {}) const {
        m_rc.fail(key, what, hint);
    }

    const config::Setting* scalar(const std::string& key) const { return m_rc.scalar(key); }

    const config::Setting& required(const std::string& key) const { return m_rc.required(key); }

    std::string ten_chars(const std::string& key) const {
        const config::Setting& setting = required(key);
        const std::string& v = setting.value;
        if (v.size() != 10 || !std::all_of(v.begin(), v.end(),
                                           [](unsigned char c) { return std::isalnum(c) != 0; })) {
            fail(key, RemoteConfig::shown(setting) + " is not 10 letters or digits",
                 "Apple shows the Team ID and the Key ID in the developer account");
        }
        return v;
    }

    RemoteConfig m_rc;
};

// Letters and digits only: the token becomes part of the request path.
bool plausible_device_token(const std::string& token) {
    return !token.empty() && std::all_of(token.begin(), token.end(),
                                         [](unsigned char c) { return std::isalnum(c) != 0; });
}

// A badge count given as text ("3", from --data or a template) as the number APNs requires;
// anything else unchanged.
json as_badge(const json& value) {
    auto count = badge_count(value);
    return count ? json(*count) : value;
}

bool header_safe(const std::string& value) {
    return std::none_of(value.begin(), value.end(),
                        [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// The "reason" of an APNs error body, or "".
std::string reason_of(const HttpResponse& response) {
    json body = json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("reason") && body["reason"].is_string()) {
        return body["reason"].get<std::string>();
    }
    return {};
}

class ApnsProvider final : public Provider {
  public:
    ApnsProvider(std::string name, ApnsSettings settings, const schedule::Clock& clock)
        : m_name(std::move(name)), m_s(std::move(settings)), m_clock(clock) {}

    const std::string& name() const override { return m_name; }

    std::string render(const Message& message) const override {
        json aps = json::object();
        if (m_s.push_type == "background") {
            aps["content-available"] = 1;
        } else {
            json alert = json::object();
            if (const auto& title = message.title ? message.title : message.subject) {
                alert["title"] = *title;
            }
            if (message.body) {
                alert["body"] = *message.body;
            }
            aps["alert"] = std::move(alert);
            if (message.priority != model::Priority::low) {
                aps["sound"] = "default";
            }
        }
        json data = json::parse(message.data_json, nullptr, false);
        if (data.is_object() && data.contains("aps") && data["aps"].is_object()) {
            // Template/data keys of the aps dictionary (badge, sound, category, ...) win.
            for (const auto& [key, value] : data["aps"].items()) {
                aps[key] = key == "badge" ? as_badge(value) : value;
            }
        }
        json payload = {{"aps", std::move(aps)}};
        if (data.is_object()) {
            for (const auto& [key, value] : data.items()) {
                if (key != "aps") {
                    payload[key] = value;
                }
            }
        }
        return payload.dump(-1, ' ', false, json::error_handler_t::replace);
    }

    SendResult send(const Message& message) override {
        if (!plausible_device_token(message.to)) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "apns: the device token is empty or not letters and digits");
        }
        const std::string payload = render(message);
        if (payload.size() > k_max_payload) {
            return SendResult::failed(FailureKind::permanent,
                                      "apns: payload too large: " + std::to_string(payload.size()) +
                                          " bytes (limit " + std::to_string(k_max_payload) + ")");
        }
        auto token = current_token(std::nullopt);
        if (!token) {
            return SendResult::failed(FailureKind::auth, "apns: " + token.error());
        }
        HttpResponse response = m_http.perform(request(message, payload, *token));
        if (response.error.empty() && response.status == 403) {
            const std::string why = reason_of(response);
            if (why == "ExpiredProviderToken" || why == "InvalidProviderToken") {
                token = current_token(*token);
                if (!token) {
                    return SendResult::failed(FailureKind::auth, "apns: " + token.error());
                }
                response = m_http.perform(request(message, payload, *token));
            }
        }
        return classify(response);
    }

  private:
    struct CachedToken {
        std::string jwt;
        TimePoint issued{};
    };

    // The provider token; a new one when none is cached, the cached one is 40 minutes old, or
    // it is `stale` (APNs refused it; another thread may have replaced it already).
    Expected<std::string> current_token(const std::optional<std::string>& stale) {
        std::lock_guard lock(m_token_mutex);
        const TimePoint now = m_clock.now();
        const bool fresh = !m_token.jwt.empty() && now - m_token.issued < k_token_lifetime &&
                           (!stale || *stale != m_token.jwt);
        if (fresh) {
            return m_token.jwt;
        }
        const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
        auto jwt =
            m_s.signer->sign({{"kid", m_s.key_id}}, {{"iss", m_s.team_id}, {"iat", iat.count()}});
        if (!jwt) {
            return Unexpected{jwt.error()};
        }
        m_token = {*jwt, now};
        return std::move(jwt).value();
    }

    HttpRequest request(const Message& message, const std::string& payload,
                        const std::string& jwt) const {
        HttpRequest r;
        r.url = m_s.url + "/3/device/" + message.to;
        r.http2 = true;
        r.body = payload;
        r.timeout = m_s.timeout;
        r.connect_timeout = connect_timeout_for(m_s.timeout);
        r.ca_file = m_s.ca_file;
        const bool low = message.priority == model::Priority::low || m_s.push_type == "background";
        long long expiration = 0;
        if (message.expires_at) {
            expiration = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(
                                                    message.expires_at->time_since_epoch())
                                                    .count());
        }
        r.headers = {
            "authorization: bearer " + jwt,
            "content-type: application/json",
            "apns-topic: " + m_s.topic,
            "apns-push-type: " + m_s.push_type,
            std::string("apns-priority: ") + (low ? "5" : "10"),
            "apns-expiration: " + std::to_string(expiration),
        };
        if (message.event_id && !message.event_id->empty() &&
            message.event_id->size() <= k_max_collapse_id && header_safe(*message.event_id)) {
            r.headers.push_back("apns-collapse-id: " + *message.event_id);
        }
        return r;
    }

    SendResult classify(const HttpResponse& response) const {
        return classify_apns_response(response, m_s.url, m_s.environment, m_clock.now());
    }

    std::string m_name;
    ApnsSettings m_s;
    const schedule::Clock& m_clock;
    std::mutex m_token_mutex;
    CachedToken m_token;
    HttpSession m_http; // one kept-alive HTTP/2 connection per sending thread
};

const schedule::Clock& system_clock() {
    static const schedule::SystemClock k_clock;
    return k_clock;
}

} // namespace

SendResult classify_apns_response(const HttpResponse& response, const std::string& url,
                                  const std::string& environment, TimePoint now) {
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response),
                                  "apns: " + redact_url(url) + ": " + response.error);
    }
    const long status = response.status;
    if (status == 200) {
        // The apns-id header is the service's bytes: one line of valid UTF-8 in the store.
        auto id = response.headers.find("apns-id");
        const std::string receipt =
            id != response.headers.end() ? one_line(id->second) : std::string();
        return SendResult::sent(!receipt.empty() ? receipt : "accepted (no apns-id)");
    }
    const std::string reason = reason_of(response);
    std::string what =
        "apns: HTTP " + std::to_string(status) + (reason.empty() ? "" : " " + reason);
    auto retry_after = [&]() -> std::optional<Millis> {
        auto it = response.headers.find("retry-after");
        return it == response.headers.end() ? std::nullopt : parse_retry_after(it->second, now);
    };
    if (status == 400 && reason == "BadDeviceToken") {
        return SendResult::failed(FailureKind::invalid_recipient,
                                  what + " (not a device token of the " + environment +
                                      " environment)");
    }
    if (status == 410) {
        json body = json::parse(response.body, nullptr, false);
        if (body.is_object() && body.contains("timestamp") &&
            body["timestamp"].is_number_integer()) {
            what += " (since " +
                    schedule::format_rfc3339(from_unix_ms(body["timestamp"].get<long long>())) +
                    ")";
        }
        return SendResult::failed(FailureKind::invalid_recipient, what);
    }
    if (status == 403) {
        return SendResult::failed(FailureKind::auth, what);
    }
    if (status == 429) {
        return SendResult::failed(FailureKind::rate_limited, what, retry_after());
    }
    if (status >= 500) {
        return SendResult::failed(FailureKind::transient, what, retry_after());
    }
    if (status >= 400) {
        return SendResult::failed(FailureKind::permanent, what);
    }
    return SendResult::failed(FailureKind::transient, what + " (unexpected)");
}

void check_apns_config(const config::ProviderConfig& cfg) {
    SettingsReader(cfg).read();
}

std::unique_ptr<Provider> make_apns_provider(const config::ProviderConfig& cfg,
                                             const schedule::Clock* clock) {
    return std::make_unique<ApnsProvider>(cfg.name, SettingsReader(cfg).read(),
                                          clock != nullptr ? *clock : system_clock());
}

} // namespace notify::providers
