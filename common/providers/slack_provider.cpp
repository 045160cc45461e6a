// Posts messages to Slack incoming webhooks and classifies Slack's plain-text error replies.
#include "common/providers/slack_provider.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/remote_config.hpp"

namespace notify::providers {

namespace {

constexpr std::size_t k_reason_chars = 200;

// Slack's three control characters, escaped as its message formatting requires (this also
// keeps message text from forming mentions such as <!channel> or links).
std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
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
        default:
            out += c;
        }
    }
    return out;
}

// How Slack's error codes classify; `recipient_url` when the webhook URL is the message's
// recipient rather than the provider's config (then a revoked URL is that recipient's problem).
std::optional<FailureKind> kind_of_code(const std::string& code, bool recipient_url) {
    struct Row {
        std::string_view code;
        FailureKind kind;
        bool url_problem; // about the webhook URL itself
    };
    static constexpr std::array<Row, 12> k_codes{{
        {"invalid_payload", FailureKind::permanent, false},
        {"no_text", FailureKind::permanent, false},
        {"too_many_attachments", FailureKind::permanent, false},
        {"channel_not_found", FailureKind::invalid_recipient, false},
        {"channel_is_archived", FailureKind::invalid_recipient, false},
        {"user_not_found", FailureKind::invalid_recipient, false},
        {"no_service", FailureKind::auth, true},
        {"no_service_id", FailureKind::auth, true},
        {"no_team", FailureKind::auth, true},
        {"team_disabled", FailureKind::auth, true},
        {"invalid_token", FailureKind::auth, true},
        {"action_prohibited", FailureKind::auth, false},
    }};
    for (const auto& row : k_codes) {
        if (row.code == code) {
            return row.url_problem && recipient_url ? FailureKind::invalid_recipient : row.kind;
        }
    }
    if (code == "posting_to_general_channel_denied") {
        return FailureKind::auth;
    }
    return std::nullopt;
}

std::string url_of(const config::ProviderConfig& cfg) {
    const RemoteConfig rc(cfg);
    const config::Setting* setting = rc.value("url");
    if (setting == nullptr) {
        return {};
    }
    if (!is_http_url(setting->value)) {
        rc.fail_at(setting->origin, "url", "is not an http(s) URL (value not shown)",
                   "e.g. url: ${env:SLACK_WEBHOOK_URL} holding "
                   "https://hooks.slack.com/services/T.../B.../...");
    }
    return setting->value;
}

struct Settings {
    std::string url; // empty: the recipient is the webhook URL
    Millis timeout{k_default_remote_timeout};
    std::string ca_file;
};

Settings settings_of(const config::ProviderConfig& cfg) {
    Settings s;
    s.url = url_of(cfg);
    s.timeout = RemoteConfig(cfg).timeout();
    s.ca_file = RemoteConfig(cfg).ca_file();
    return s;
}

class SlackProvider final : public Provider {
  public:
    SlackProvider(std::string name, Settings settings)
        : m_name(std::move(name)), m_settings(std::move(settings)) {}

    const std::string& name() const override { return m_name; }

    // The request body: {"text": "*<title or subject>*\n<body>"}, with &, < and > escaped.
    std::string render(const Message& message) const override {
        const std::optional<std::string>& heading =
            message.title && !message.title->empty() ? message.title : message.subject;
        std::string text;
        if (heading && !heading->empty()) {
            text = "*" + escape(*heading) + "*";
        }
        if (message.body && !message.body->empty()) {
            text += (text.empty() ? "" : "\n") + escape(*message.body);
        }
        nlohmann::ordered_json j;
        j["text"] = text;
        return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }

    SendResult send(const Message& message) override {
        const bool recipient_url = m_settings.url.empty();
        const std::string& endpoint = recipient_url ? message.to : m_settings.url;
        if (!is_http_url(endpoint)) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "slack: the recipient is not an incoming-webhook URL (or "
                                      "set providers." +
                                          m_name + ".url)");
        }
        HttpRequest request;
        request.url = endpoint;
        request.body = render(message);
        request.headers = {"Content-Type: application/json; charset=utf-8",
                           "User-Agent: notify-slack", "Expect:"};
        request.timeout = m_settings.timeout;
        request.connect_timeout = connect_timeout_for(m_settings.timeout);
        request.ca_file = m_settings.ca_file;

        const HttpResponse response = m_http.perform(request);
        return classify_slack_response(response, recipient_url, schedule::SystemClock().now());
    }

  private:
    std::string m_name;
    Settings m_settings;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
};

} // namespace

SendResult classify_slack_response(const HttpResponse& response, bool recipient_url,
                                   TimePoint now) {
    if (!response.error.empty()) {
        // curl names at most the host; the path, which holds the token, never appears.
        return SendResult::failed(transport_failure_kind(response), "slack: " + response.error);
    }
    const std::string reason = one_line(response.body, k_reason_chars);
    if (response.status >= 200 && response.status < 300) {
        return SendResult::sent(reason.empty() ? "ok" : reason);
    }
    SendResult result = classify_http(response, "slack", now);
    if (!reason.empty()) {
        result.detail += " " + reason;
    }
    const bool client_error =
        response.status >= 400 && response.status < 500 && response.status != 429;
    if (client_error) {
        if (auto kind = kind_of_code(reason, recipient_url)) {
            result.kind = *kind;
        }
    }
    return result;
}

void check_slack_config(const config::ProviderConfig& cfg) {
    settings_of(cfg);
}

std::unique_ptr<Provider> make_slack_provider(const config::ProviderConfig& cfg) {
    return std::make_unique<SlackProvider>(cfg.name, settings_of(cfg));
}

} // namespace notify::providers
