// SendGrid v3 Mail Send: one JSON request per message, the errors[] of the reply mapped to
// failure kinds (docs: twilio.com/docs/sendgrid/api-reference/mail-send/errors).
#include "common/providers/sendgrid_provider.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/mime_message.hpp"
#include "common/providers/remote_config.hpp"

namespace notify::providers {

namespace {

using nlohmann::json;

constexpr std::string_view k_default_url = "https://api.sendgrid.com/v3/mail/send";

struct SendgridSettings {
    std::string name;
    std::string url;
    std::string api_key;
    Mailbox from;
    std::optional<Mailbox> reply_to;
    std::string ca_file;
    Millis timeout = k_default_remote_timeout;
};

SendgridSettings read_settings(const config::ProviderConfig& cfg) {
    const std::string block = "providers." + cfg.name;
    for (const auto& [key, items] : cfg.lists) {
        const std::string& origin = items.empty() ? cfg.origin : items.front().origin;
        throw Error(Exit::config,
                    where(origin) + block + "." + key + ": expected a single value, found a list");
    }
    auto fail = [&](const config::Setting& s, const std::string& key, const std::string& what,
                    const std::string& hint = {}) {
        throw Error(Exit::config, where(s.origin) + block + "." + key + ": " + what, hint);
    };
    auto required = [&](const std::string& key) -> const config::Setting& {
        const config::Setting* s = cfg.find(key);
        if (s == nullptr) {
            throw Error(Exit::config, where(cfg.origin) + block + ": missing required key \"" +
                                          key + "\" for type " + cfg.type);
        }
        return *s;
    };
    auto mailbox = [&](const config::Setting& s, const std::string& key) {
        auto parsed = parse_mailbox(s.value);
        if (!parsed) {
            fail(s, key, RemoteConfig::shown(s) + " is not an e-mail address",
                 "write an address or \"Name <address>\", e.g. " + key +
                     ": \"Alerts <alerts@example.com>\"");
        }
        return *parsed;
    };

    SendgridSettings out;
    out.name = cfg.name;
    const config::Setting& key = required("api_key");
    if (key.value.empty()) {
        fail(key, "api_key", "is empty");
    }
    if (key.value.find_first_of("\r\n") != std::string::npos) {
        fail(key, "api_key", "contains a line break");
    }
    out.api_key = key.value;
    out.from = mailbox(required("from"), "from");
    if (const auto* reply_to = cfg.find("reply_to")) {
        out.reply_to = mailbox(*reply_to, "reply_to");
    }

    out.url = std::string(k_default_url);
    if (const auto* url = cfg.find("url")) {
        std::string lower = url->value;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const bool https = lower.rfind("https://", 0) == 0;
        const bool http = lower.rfind("http://", 0) == 0;
        const std::string hint = "e.g. url: " + std::string(k_default_url);
        if (!https && !http) {
            fail(*url, "url", RemoteConfig::shown(*url) + " is not an https:// URL", hint);
        }
        std::string authority = lower.substr(lower.find("://") + 3);
        authority = authority.substr(0, authority.find_first_of("/?#"));
        if (authority.find('@') != std::string::npos) {
            fail(*url, "url", "must not contain credentials", "set api_key");
        }
        std::string host = authority.substr(0, authority.rfind(':'));
        if (!authority.empty() && authority.front() == '[') {
            host = authority.substr(0, authority.find(']') + 1);
        }
        if (host.empty()) {
            fail(*url, "url", RemoteConfig::shown(*url) + " has no host", hint);
        }
        if (http && host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
            fail(*url, "url", "http:// would send the API key unencrypted",
                 "use https:// (http:// is accepted for 127.0.0.1, localhost and [::1] only)");
        }
        out.url = url->value;
    }

    const RemoteConfig rc(cfg);
    out.ca_file = rc.ca_file();
    out.timeout = rc.timeout();
    return out;
}

json address_json(const Mailbox& box) {
    json out = {{"email", box.address}};
    if (!box.name.empty()) {
        out["name"] = box.name;
    }
    return out;
}

// "field: message; field: message" from a SendGrid {"errors": [...]} body ("" if none), and
// whether one of them names the recipient (personalizations.0.to...).
struct ApiErrors {
    std::string text;
    bool recipient = false;
};

ApiErrors api_errors(const std::string& body) {
    ApiErrors out;
    auto parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("errors") || !parsed["errors"].is_array()) {
        return out;
    }
    for (const auto& e : parsed["errors"]) {
        if (!e.is_object()) {
            continue;
        }
        std::string field = e.contains("field") && e["field"].is_string() ? e["field"] : "";
        std::string message = e.contains("message") && e["message"].is_string() ? e["message"] : "";
        if (field.rfind("personalizations.0.to", 0) == 0) {
            out.recipient = true;
        }
        std::string item = field.empty() ? message : field + ": " + message;
        if (!item.empty()) {
            out.text += (out.text.empty() ? "" : "; ") + item;
        }
    }
    out.text = one_line(out.text);
    return out;
}

// The wait a 429 asks for: Retry-After, else X-RateLimit-Reset (unix seconds) minus now.
std::optional<Millis> rate_limit_wait(const HttpResponse& response, TimePoint now) {
    if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
        if (auto wait = parse_retry_after(it->second, now)) {
            return wait;
        }
    }
    if (auto it = response.headers.find("x-ratelimit-reset"); it != response.headers.end()) {
        long long reset = 0;
        const std::string& v = it->second;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), reset);
        if (ec == std::errc() && end == v.data() + v.size()) {
            return std::max(wait_until(reset, now), Millis{1000});
        }
    }
    return std::nullopt;
}

class SendgridProvider final : public Provider {
  public:
    explicit SendgridProvider(SendgridSettings settings) : m_s(std::move(settings)) {}

    const std::string& name() const override { return m_s.name; }

    std::string render(const Message& message) const override {
        auto to = parse_mailbox(message.to);
        return body(message, to ? *to : Mailbox{"", message.to});
    }

    SendResult send(const Message& message) override {
        auto to = parse_mailbox(message.to);
        if (!to) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "sendgrid: \"" + one_line(message.to, 100) +
                                          "\" is not an e-mail address");
        }
        HttpRequest request;
        request.url = m_s.url;
        request.headers = {"Authorization: Bearer " + m_s.api_key, "Content-Type: application/json",
                           "Accept: application/json"};
        request.body = body(message, *to);
        request.timeout = m_s.timeout;
        request.connect_timeout = connect_timeout_for(m_s.timeout);
        request.ca_file = m_s.ca_file;
        HttpResponse response = m_http.perform(request);
        return classify(response, schedule::SystemClock().now());
    }

  private:
    std::string body(const Message& message, const Mailbox& to) const {
        json personalization = {
            {"to", json::array({address_json(to)})},
            {"subject", message.subject.value_or(message.title.value_or(""))},
            {"custom_args", {{"notification_id", std::to_string(message.id)}}},
        };
        std::string text = message.body.value_or("");
        std::string html;
        auto data = json::parse(message.data_json, nullptr, false);
        if (data.is_object()) {
            auto it = data.find("html");
            if (it != data.end() && it->is_string()) {
                html = it->get<std::string>();
            }
        }
        json content = json::array();
        // SendGrid rejects empty content values; text/plain must come first.
        if (!text.empty() || html.empty()) {
            content.push_back({{"type", "text/plain"}, {"value", text.empty() ? " " : text}});
        }
        if (!html.empty()) {
            content.push_back({{"type", "text/html"}, {"value", html}});
        }
        json out = {
            {"personalizations", json::array({personalization})},
            {"from", address_json(m_s.from)},
        };
        if (m_s.reply_to) {
            out["reply_to"] = address_json(*m_s.reply_to);
        }
        out["content"] = content;
        if (!message.attachments.empty()) {
            json files = json::array();
            for (const auto& file : message.attachments) {
                files.push_back({{"content", base64_encode(file.bytes.value_or(std::string()))},
                                 {"filename", file.filename},
                                 {"type", file.content_type},
                                 {"disposition", "attachment"}});
            }
            out["attachments"] = std::move(files);
        }
        return out.dump(-1, ' ', false, json::error_handler_t::replace);
    }

    SendResult classify(const HttpResponse& response, TimePoint now) const {
        return classify_sendgrid_response(response, m_s.name, now);
    }

    SendgridSettings m_s;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
};

} // namespace

SendResult classify_sendgrid_response(const HttpResponse& response, const std::string& name,
                                      TimePoint now) {
    const std::string what = "sendgrid: HTTP " + std::to_string(response.status);
    if (!response.error.empty()) {
        return classify_http(response, "sendgrid", now);
    }
    const long s = response.status;
    if (s == 200 || s == 202) {
        auto it = response.headers.find("x-message-id");
        if (it != response.headers.end() && !it->second.empty()) {
            return SendResult::sent(one_line(it->second, 100));
        }
        return SendResult::sent(s == 200 ? "200 OK (sandbox mode: not delivered)" : "202 Accepted");
    }
    ApiErrors errors = api_errors(response.body);
    const std::string detail = what + (errors.text.empty() ? "" : ": " + errors.text);
    if (s == 400) {
        return SendResult::failed(
            errors.recipient ? FailureKind::invalid_recipient : FailureKind::permanent, detail);
    }
    if (s == 401 || s == 403) {
        return SendResult::failed(FailureKind::auth,
                                  detail + " (check providers." + name + ".api_key)");
    }
    if (s == 413) {
        return SendResult::failed(FailureKind::permanent, detail);
    }
    if (s == 429) {
        return SendResult::failed(FailureKind::rate_limited, detail,
                                  rate_limit_wait(response, now));
    }
    SendResult r = classify_http(response, "sendgrid", now);
    if (!errors.text.empty()) {
        r.detail = detail;
    }
    return r;
}

void check_sendgrid_config(const config::ProviderConfig& cfg) {
    read_settings(cfg);
}

std::unique_ptr<Provider> make_sendgrid_provider(const config::ProviderConfig& cfg) {
    return std::make_unique<SendgridProvider>(read_settings(cfg));
}

} // namespace notify::providers
