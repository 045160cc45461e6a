// FCM HTTP v1 delivery: the message body, the OAuth2 access token of the service account and
// the mapping of FCM error codes to failure kinds (notification-anchors section 4.2).
#include "common/providers/fcm_provider.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/config/paths.hpp"
#include "common/error.hpp"
#include "common/providers/badge_count.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/jwt_signer.hpp"
#include "common/providers/remote_config.hpp"

namespace notify::providers {

namespace {

using json = nlohmann::json;
using std::chrono::seconds;

constexpr Millis k_refresh_margin{5LL * 60'000}; // renew access tokens 5 min before expiry
constexpr Millis k_quota_delay{60'000};          // QUOTA_EXCEEDED without Retry-After
constexpr seconds k_assertion_lifetime{3600};
constexpr std::size_t k_max_payload = 4096;
constexpr std::string_view k_default_url = "https://fcm.googleapis.com";
constexpr std::string_view k_default_token_uri = "https://oauth2.googleapis.com/token";
constexpr std::string_view k_scope = "https://www.googleapis.com/auth/firebase.messaging";
constexpr std::string_view k_fcm_error_type = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

struct FcmSettings {
    std::string client_email;
    std::string key_id;   // the file's private_key_id; empty: no kid
    std::string audience; // the file's token_uri: the assertion's aud
    std::string project_id;
    std::string url = std::string(k_default_url);
    std::string token_url;
    std::string ca_file;
    Millis timeout = k_default_remote_timeout;
    std::optional<JwtSigner> signer;
};

// Reads the config of one fcm instance; throws notify::Error{Exit::config}.
class SettingsReader {
  public:
    explicit SettingsReader(const config::ProviderConfig& cfg) : m_rc(cfg) {}

    FcmSettings read() const {
        FcmSettings s;
        read_service_account(s);
        if (const auto* project = scalar("project_id")) {
            s.project_id = project->value;
        }
        if (s.project_id.empty()) {
            fail("project_id", "not set here nor in the service-account file");
        }
        if (!std::all_of(s.project_id.begin(), s.project_id.end(), [](unsigned char c) {
                return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == ':';
            })) {
            fail("project_id", (m_rc.cfg().find("project_id") != nullptr
                                    ? RemoteConfig::shown(*m_rc.cfg().find("project_id"))
                                    : "\"" + s.project_id + "\"") +
                                   " is not a Firebase project id");
        }
        s.url =
            m_rc.url("url", k_default_url, UrlUse::base, "e.g. url: https://fcm.googleapis.com");
        s.token_url = m_rc.url("token_url", s.audience, UrlUse::endpoint,
                               "e.g. token_url: https://oauth2.googleapis.com/token");
        s.timeout = m_rc.timeout();
        s.ca_file = m_rc.ca_file();
        return s;
    }

  private:
    void read_service_account(FcmSettings& s) const {
        const config::Setting* file = &m_rc.required("service_account_file");
        std::string text = file->value;
        std::string shown_path = "the inline service-account JSON";
        if (text.find_first_not_of(" \t\r\n") == std::string::npos ||
            text[text.find_first_not_of(" \t\r\n")] != '{') {
            const auto path = m_rc.path(*file, "service_account_file");
            shown_path = file->secret ? "********" : path.string();
            auto contents = config::read_whole_file(path);
            if (!contents) {
                fail("service_account_file", "cannot read " + shown_path + ": " + contents.error());
            }
            text = std::move(*contents);
        }
        const std::string hint =
            "download a key in the Firebase console: Project settings > Service accounts";
        json account = json::parse(text, nullptr, false);
        if (!account.is_object()) {
            fail("service_account_file", shown_path + " is not a JSON object", hint);
        }
        auto field = [&](const char* name, bool required) -> std::string {
            auto it = account.find(name);
            if (it == account.end() || !it->is_string() || it->get<std::string>().empty()) {
                if (required) {
                    fail("service_account_file",
                         shown_path + " has no \"" + name + "\" (not a service-account key?)",
                         hint);
                }
                return {};
            }
            return it->get<std::string>();
        };
        s.client_email = field("client_email", true);
        const std::string private_key = field("private_key", true);
        s.key_id = field("private_key_id", false);
        s.project_id = field("project_id", false);
        s.audience = field("token_uri", false);
        if (s.audience.empty()) {
            s.audience = std::string(k_default_token_uri);
        }
        if (!is_http_url(s.audience)) {
            fail("service_account_file", shown_path + " has a token_uri that is not a URL", hint);
        }
        auto signer = JwtSigner::from_pem(private_key, JwtAlgorithm::rs256);
        if (!signer) {
            fail("service_account_file",
                 "the private_key of " + shown_path + " is unusable: " + signer.error(), hint);
        }
        s.signer = std::move(signer).value();
    }

    [[noreturn]] void fail(const std::string& key, const std::string& what,
                           const std::string& hint = {}) const {
        m_rc.fail(key, what, hint);
    }

    const config::Setting* scalar(const std::string& key) const { return m_rc.scalar(key); }

    RemoteConfig m_rc;
};

// The parts of an FCM (google.rpc.Status) error body.
struct FcmError {
    std::string code;    // details[].errorCode of the FcmError, else error.status
    std::string message; // error.message
};

FcmError fcm_error_of(const std::string& body) {
    FcmError out;
    json doc = json::parse(body, nullptr, false);
    if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) {
        return out;
    }
    const json& error = doc["error"];
    if (error.contains("message") && error["message"].is_string()) {
        out.message = error["message"].get<std::string>();
    }
    if (error.contains("details") && error["details"].is_array()) {
        for (const auto& detail : error["details"]) {
            if (detail.is_object() && detail.value("@type", "") == k_fcm_error_type &&
                detail.contains("errorCode") && detail["errorCode"].is_string()) {
                out.code = detail["errorCode"].get<std::string>();
            }
        }
    }
    if (out.code.empty() && error.contains("status") && error["status"].is_string()) {
        out.code = error["status"].get<std::string>();
    }
    return out;
}

class FcmProvider final : public Provider {
  public:
    FcmProvider(std::string name, FcmSettings settings, const schedule::Clock& clock)
        : m_name(std::move(name)), m_s(std::move(settings)), m_clock(clock),
          m_send_url(m_s.url + "/v1/projects/" + m_s.project_id + "/messages:send") {}

    const std::string& name() const override { return m_name; }

    std::string render(const Message& message) const override {
        return body_of(message).dump(-1, ' ', false, json::error_handler_t::replace);
    }

    SendResult send(const Message& message) override {
        if (message.to.empty() || message.to.find_first_of("\r\n") != std::string::npos) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "fcm: the registration token is empty or not one line");
        }
        const json body = body_of(message);
        const std::size_t payload =
            body["message"].value("notification", json::object()).dump().size() +
            body["message"].value("data", json::object()).dump().size();
        if (payload > k_max_payload) {
            return SendResult::failed(FailureKind::permanent,
                                      "fcm: payload too large: " + std::to_string(payload) +
                                          " bytes of notification and data (limit " +
                                          std::to_string(k_max_payload) + ")");
        }
        const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
        std::string token;
        if (auto failure = access_token(std::nullopt, token)) {
            return *failure;
        }
        HttpResponse response = post_message(text, token);
        if (response.error.empty() && response.status == 401 &&
            fcm_error_of(response.body).code != "THIRD_PARTY_AUTH_ERROR") {
            if (auto failure = access_token(token, token)) {
                return *failure;
            }
            response = post_message(text, token);
        }
        return classify(response);
    }

  private:
    json body_of(const Message& message) const {
        json msg = {{"token", message.to}};
        json notification = json::object();
        if (const auto& title = message.title ? message.title : message.subject) {
            notification["title"] = *title;
        }
        if (message.body) {
            notification["body"] = *message.body;
        }
        if (!notification.empty()) {
            msg["notification"] = std::move(notification);
        }
        // FCM v1 `data` is a map of strings; the badge and sound go where each platform
        // reads them (android.notification, apns.payload.aps) as their own types, and an
        // `aps` object becomes the APNs aps dictionary.
        json data = json::parse(message.data_json, nullptr, false);
        json aps = json::object();
        json android_notification = json::object();
        if (data.is_object()) {
            if (auto it = data.find("aps"); it != data.end() && it->is_object()) {
                aps = *it;
                data.erase(it);
            }
            if (auto it = data.find("badge"); it != data.end()) {
                if (auto badge = badge_count(*it)) {
                    aps["badge"] = *badge;
                    android_notification["notification_count"] = *badge;
                }
            }
            if (auto it = data.find("sound"); it != data.end() && it->is_string()) {
                aps["sound"] = *it;
                android_notification["sound"] = *it;
            }
        }
        if (data.is_object() && !data.empty()) {
            json strings = json::object();
            for (const auto& [key, value] : data.items()) {
                strings[key] = value.is_string() ? value.get<std::string>() : value.dump();
            }
            msg["data"] = std::move(strings);
        }
        const bool low = message.priority == model::Priority::low;
        json android = {{"priority", low ? "normal" : "high"}};
        if (!android_notification.empty()) {
            android["notification"] = std::move(android_notification);
        }
        json apns_headers = {{"apns-priority", low ? "5" : "10"}};
        if (message.expires_at) {
            const auto left =
                std::chrono::duration_cast<seconds>(*message.expires_at - m_clock.now());
            android["ttl"] = std::to_string(std::max<long long>(0, left.count())) + "s";
            apns_headers["apns-expiration"] = std::to_string(
                std::chrono::duration_cast<seconds>(message.expires_at->time_since_epoch())
                    .count());
        }
        msg["android"] = std::move(android);
        msg["apns"] = {{"headers", std::move(apns_headers)}};
        if (!aps.empty()) {
            msg["apns"]["payload"] = {{"aps", std::move(aps)}};
        }
        return {{"message", std::move(msg)}};
    }

    HttpRequest base_request(const std::string& url) const {
        HttpRequest r;
        r.url = url;
        r.timeout = m_s.timeout;
        r.connect_timeout = connect_timeout_for(m_s.timeout);
        r.ca_file = m_s.ca_file;
        return r;
    }

    HttpResponse post_message(const std::string& body, const std::string& token) {
        HttpRequest r = base_request(m_send_url);
        r.body = body;
        r.headers = {"Authorization: Bearer " + token,
                     "Content-Type: application/json; charset=UTF-8"};
        return m_http.perform(r);
    }

    // Puts a usable access token in `token`: the cached one unless it expires within 5
    // minutes or is `stale` (FCM refused it; another thread may have replaced it already),
    // else a new one from the token endpoint. Returns the failure when none can be had.
    std::optional<SendResult> access_token(const std::optional<std::string>& stale,
                                           std::string& token) {
        std::lock_guard lock(m_token_mutex);
        TimePoint now = m_clock.now();
        if (!m_token.empty() && now + k_refresh_margin < m_token_expiry &&
            (!stale || *stale != m_token)) {
            token = m_token;
            return std::nullopt;
        }
        const auto iat = std::chrono::duration_cast<seconds>(now.time_since_epoch());
        json header = {{"typ", "JWT"}};
        if (!m_s.key_id.empty()) {
            header["kid"] = m_s.key_id;
        }
        auto assertion = m_s.signer->sign(header, {{"iss", m_s.client_email},
                                                   {"scope", k_scope},
                                                   {"aud", m_s.audience},
                                                   {"iat", iat.count()},
                                                   {"exp", (iat + k_assertion_lifetime).count()}});
        if (!assertion) {
            return SendResult::failed(FailureKind::auth, "fcm: " + assertion.error());
        }
        HttpRequest r = base_request(m_s.token_url);
        r.headers = {"Content-Type: application/x-www-form-urlencoded"};
        r.body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                 *assertion;
        const HttpResponse response = m_http.perform(r);
        const std::string what = "fcm: token request to " + redact_url(m_s.token_url);
        if (!response.error.empty()) {
            return SendResult::failed(transport_failure_kind(response),
                                      what + ": " + response.error);
        }
        json doc = json::parse(response.body, nullptr, false);
        if (response.status != 200) {
            std::string detail = what + ": HTTP " + std::to_string(response.status);
            if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
                detail += " " + doc["error"].get<std::string>();
                if (doc.contains("error_description") && doc["error_description"].is_string()) {
                    detail += ": " + doc["error_description"].get<std::string>();
                }
            }
            detail = one_line(detail);
            const long s = response.status;
            if (s == 429 || s >= 500 || s == 408) {
                SendResult result = classify_http(response, what, now);
                result.detail = detail;
                return result;
            }
            return SendResult::failed(FailureKind::auth, detail);
        }
        if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string() ||
            doc["access_token"].get<std::string>().empty()) {
            return SendResult::failed(FailureKind::transient,
                                      what + ": HTTP 200 without an access_token");
        }
        long long lifetime = 3600;
        if (doc.contains("expires_in") && doc["expires_in"].is_number()) {
            lifetime = doc["expires_in"].get<long long>();
        }
        m_token = doc["access_token"].get<std::string>();
        m_token_expiry = now + seconds(lifetime);
        token = m_token;
        return std::nullopt;
    }

    SendResult classify(const HttpResponse& response) const {
        return classify_fcm_response(response, m_send_url, m_clock.now());
    }

    std::string m_name;
    FcmSettings m_s;
    const schedule::Clock& m_clock;
    std::string m_send_url;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
    std::mutex m_token_mutex;
    std::string m_token;
    TimePoint m_token_expiry{};
};

const schedule::Clock& system_clock() {
    static const schedule::SystemClock k_clock;
    return k_clock;
}

} // namespace

SendResult classify_fcm_response(const HttpResponse& response, const std::string& send_url,
                                 TimePoint now) {
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response),
                                  "fcm: " + redact_url(send_url) + ": " + response.error);
    }
    const long status = response.status;
    if (status == 200) {
        json doc = json::parse(response.body, nullptr, false);
        if (doc.is_object() && doc.contains("name") && doc["name"].is_string() &&
            !one_line(doc["name"].get<std::string>()).empty()) {
            return SendResult::sent(one_line(doc["name"].get<std::string>()));
        }
        return SendResult::sent("accepted (no message name)");
    }
    const FcmError error = fcm_error_of(response.body);
    const std::string what = one_line("fcm: HTTP " + std::to_string(status) +
                                      (error.code.empty() ? "" : " " + error.code) +
                                      (error.message.empty() ? "" : ": " + error.message));
    std::optional<Millis> retry_after;
    if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
        retry_after = parse_retry_after(it->second, now);
    }
    const std::string& code = error.code;
    if (code == "UNREGISTERED" || code == "SENDER_ID_MISMATCH" ||
        (code == "INVALID_ARGUMENT" &&
         error.message.find("not a valid FCM registration token") != std::string::npos)) {
        return SendResult::failed(FailureKind::invalid_recipient, what);
    }
    if (code == "QUOTA_EXCEEDED" || status == 429) {
        return SendResult::failed(FailureKind::rate_limited, what,
                                  retry_after.value_or(k_quota_delay));
    }
    if (code == "UNAVAILABLE" || code == "INTERNAL" || code == "UNSPECIFIED_ERROR" ||
        status >= 500) {
        return SendResult::failed(FailureKind::transient, what, retry_after);
    }
    if (code == "THIRD_PARTY_AUTH_ERROR" || status == 401 || status == 403) {
        return SendResult::failed(FailureKind::auth, what);
    }
    if (status >= 400) {
        return SendResult::failed(FailureKind::permanent, what);
    }
    return SendResult::failed(FailureKind::transient, what + " (unexpected)");
}

void check_fcm_config(const config::ProviderConfig& cfg) {
    SettingsReader(cfg).read();
}

std::unique_ptr<Provider> make_fcm_provider(const config::ProviderConfig& cfg,
                                            const schedule::Clock* clock) {
    return std::make_unique<FcmProvider>(cfg.name, SettingsReader(cfg).read(),
                                         clock != nullptr ? *clock : system_clock());
}

} // namespace notify::providers
