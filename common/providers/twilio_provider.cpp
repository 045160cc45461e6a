// Sends SMS through Twilio's Messages resource (section 4.3 of the notification anchors):
// form-encoded POST with HTTP basic auth, 201 with the message sid, JSON errors with a code.
#include "common/providers/twilio_provider.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/providers/form_encoding.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/remote_config.hpp"

namespace notify::providers {

namespace {

constexpr std::string_view k_default_url = "https://api.twilio.com";
constexpr long long k_max_validity_seconds = 36'000;

// True for `prefix` followed by exactly 32 hex digits (Twilio's SIDs).
bool is_sid(const std::string& value, std::string_view prefix) {
    if (value.size() != prefix.size() + 32 || value.compare(0, prefix.size(), prefix) != 0) {
        return false;
    }
    return std::all_of(value.begin() + static_cast<std::ptrdiff_t>(prefix.size()), value.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

const config::Setting* sid_key(const RemoteConfig& rc, const std::string& key,
                               std::string_view prefix) {
    const config::Setting* setting = rc.value(key);
    if (setting != nullptr && !is_sid(setting->value, prefix)) {
        rc.fail_at(setting->origin, key,
                   RemoteConfig::shown(*setting) + " is not a SID (" + std::string(prefix) +
                       " followed by 32 hex digits)",
                   "copy it from the Twilio console");
    }
    return setting;
}

// How Twilio's error codes classify (section 4.3); nullopt: by the HTTP status.
std::optional<FailureKind> kind_of_code(long long code) {
    switch (code) {
    case 21211: // invalid To
    case 21614: // To is not a mobile number
        return FailureKind::invalid_recipient;
    case 21610: // the recipient replied STOP
        return FailureKind::opted_out;
    case 21606: // From cannot send to this destination
    case 21608: // unverified number on a trial account
    case 21612: // unroutable To
    case 21408: // region not enabled
        return FailureKind::permanent;
    case 20003: // authentication failed
        return FailureKind::auth;
    case 20429: // too many requests
        return FailureKind::rate_limited;
    default:
        return std::nullopt;
    }
}

struct TwilioSettings {
    std::string name;
    std::string account_sid;
    std::string user;     // account_sid or api_key_sid
    std::string password; // auth_token or api_key_secret
    std::string from;
    std::string messaging_service_sid;
    std::string base_url;
    std::string status_callback;
    Millis timeout{k_default_remote_timeout};
    std::string ca_file;
};

TwilioSettings settings_of(const config::ProviderConfig& cfg) {
    const RemoteConfig rc(cfg);
    TwilioSettings s;
    s.name = cfg.name;
    const config::Setting* account = sid_key(rc, "account_sid", "AC");
    if (account == nullptr) {
        rc.fail_at(cfg.origin, "", "missing required key \"account_sid\" for type twilio");
    }
    s.account_sid = account->value;
    const config::Setting* token = rc.value("auth_token");
    const config::Setting* key_sid = sid_key(rc, "api_key_sid", "SK");
    const config::Setting* key_secret = rc.value("api_key_secret");
    if (token != nullptr && (key_sid != nullptr || key_secret != nullptr)) {
        rc.fail_at(token->origin, "auth_token",
                   "set either auth_token or api_key_sid with api_key_secret, not both");
    }
    if ((key_sid == nullptr) != (key_secret == nullptr)) {
        const config::Setting* given = key_sid != nullptr ? key_sid : key_secret;
        rc.fail_at(given->origin, key_sid != nullptr ? "api_key_sid" : "api_key_secret",
                   key_sid != nullptr ? "needs api_key_secret as well"
                                      : "needs api_key_sid as well");
    }
    if (token == nullptr && key_sid == nullptr) {
        rc.fail_at(
            cfg.origin, "",
            "missing required key \"auth_token\" (or \"api_key_sid\" with \"api_key_secret\") "
            "for type twilio",
            "e.g. auth_token: ${env:TWILIO_AUTH_TOKEN}");
    }
    s.user = token != nullptr ? account->value : key_sid->value;
    s.password = token != nullptr ? token->value : key_secret->value;
    const config::Setting* from = rc.value("from");
    const config::Setting* service = sid_key(rc, "messaging_service_sid", "MG");
    if (from != nullptr && service != nullptr) {
        rc.fail_at(service->origin, "messaging_service_sid",
                   "set either from or messaging_service_sid, not both");
    }
    if (from == nullptr && service == nullptr) {
        rc.fail_at(cfg.origin, "",
                   "missing required key \"from\" (or \"messaging_service_sid\") for type twilio",
                   "e.g. from: \"+15017122661\"");
    }
    s.from = from != nullptr ? from->value : "";
    s.messaging_service_sid = service != nullptr ? service->value : "";
    s.base_url = rc.url("url", k_default_url, UrlUse::base);
    s.status_callback = rc.url("status_callback", "", UrlUse::endpoint);
    s.timeout = rc.timeout();
    s.ca_file = rc.ca_file();
    return s;
}

class TwilioProvider final : public Provider {
  public:
    TwilioProvider(TwilioSettings settings, std::shared_ptr<const schedule::Clock> clock)
        : m_s(std::move(settings)), m_clock(std::move(clock)),
          m_url(m_s.base_url + "/2010-04-01/Accounts/" + m_s.account_sid + "/Messages.json") {}

    const std::string& name() const override { return m_s.name; }

    // The form body; the credentials travel in the Authorization header only.
    std::string render(const Message& message) const override {
        return form_encode(fields(message, m_clock->now()));
    }

    SendResult send(const Message& message) override {
        HttpRequest request;
        request.url = m_url;
        request.headers = {"Content-Type: application/x-www-form-urlencoded",
                           "Accept: application/json"};
        request.body = form_encode(fields(message, m_clock->now()));
        request.timeout = m_s.timeout;
        request.connect_timeout = connect_timeout_for(m_s.timeout);
        request.ca_file = m_s.ca_file;
        request.basic_auth = m_s.user + ":" + m_s.password;
        const HttpResponse response = m_http.perform(request);
        SendResult result = classify(response);
        result.detail = scrubbed(std::move(result.detail), {m_s.password});
        return result;
    }

  private:
    std::vector<FormField> fields(const Message& message, TimePoint now) const {
        std::vector<FormField> out;
        out.push_back({"To", message.to});
        if (!m_s.messaging_service_sid.empty()) {
            out.push_back({"MessagingServiceSid", m_s.messaging_service_sid});
        } else {
            out.push_back({"From", m_s.from});
        }
        out.push_back({"Body", sms_text(message)});
        if (!m_s.status_callback.empty()) {
            out.push_back({"StatusCallback", m_s.status_callback});
        }
        if (message.expires_at) {
            const long long left =
                std::chrono::duration_cast<std::chrono::seconds>(*message.expires_at - now).count();
            out.push_back(
                {"ValidityPeriod", std::to_string(std::clamp(left, 1LL, k_max_validity_seconds))});
        }
        return out;
    }

    SendResult classify(const HttpResponse& response) const {
        return classify_twilio_response(response, m_clock->now());
    }

    TwilioSettings m_s;
    std::shared_ptr<const schedule::Clock> m_clock;
    std::string m_url;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
};

} // namespace

SendResult classify_twilio_response(const HttpResponse& response, TimePoint now) {
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response),
                                  "twilio: " + one_line(response.error));
    }
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status >= 200 && response.status < 300) {
        if (json.is_object() && json.contains("sid") && json["sid"].is_string()) {
            return SendResult::sent(one_line(json["sid"].get<std::string>()));
        }
        return SendResult::sent("twilio: HTTP " + std::to_string(response.status));
    }
    SendResult result = classify_http(response, "twilio", now);
    std::optional<long long> code;
    std::string text;
    if (json.is_object()) {
        if (auto it = json.find("code"); it != json.end() && it->is_number_integer()) {
            code = it->get<long long>();
        }
        if (auto it = json.find("message"); it != json.end() && it->is_string()) {
            text = one_line(it->get<std::string>());
        }
    } else {
        text = one_line(response.body);
    }
    if (code) {
        result.detail += " " + std::to_string(*code);
        if (auto kind = kind_of_code(*code)) {
            result.kind = *kind;
        }
    }
    if (!text.empty()) {
        result.detail += ": " + text;
    }
    if (code == 21610) {
        result.detail += " (opt-out: the recipient replied STOP)";
    }
    if (result.kind == FailureKind::rate_limited && !result.retry_after) {
        if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
            result.retry_after = parse_retry_after(it->second, now);
        }
    }
    if (result.kind != FailureKind::rate_limited && result.kind != FailureKind::transient) {
        result.retry_after.reset();
    }
    return result;
}

void check_twilio_config(const config::ProviderConfig& cfg) {
    settings_of(cfg);
}

std::unique_ptr<Provider> make_twilio_provider(const config::ProviderConfig& cfg,
                                               std::shared_ptr<const schedule::Clock> clock) {
    if (!clock) {
        clock = std::make_shared<schedule::SystemClock>();
    }
    return std::make_unique<TwilioProvider>(settings_of(cfg), std::move(clock));
}

} // namespace notify::providers
