// POSTs the message JSON to an HTTP(S) endpoint, signed with HMAC-SHA256 when a secret is set.
#include "common/providers/webhook_provider.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/error.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/message_json.hpp"
#include "common/providers/remote_config.hpp"

namespace notify::providers {

namespace {

constexpr std::size_t k_excerpt_chars = 200;
constexpr std::string_view k_headers_prefix = "headers.";

// Headers notify computes itself; configuring them is an error.
constexpr std::array<std::string_view, 6> k_reserved_headers{
    "content-length",  "host", "transfer-encoding", "x-notify-signature", "x-notify-timestamp",
    "idempotency-key",
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "scheme://host[:port]" of an http(s) URL: no userinfo, path or query, which may hold tokens.
std::string origin_of(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos) {
        return "(endpoint)";
    }
    std::size_t start = scheme + 3;
    std::size_t end = url.find_first_of("/?#", start);
    std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
    if (auto at = authority.rfind('@'); at != std::string::npos) {
        authority.erase(0, at + 1);
    }
    return lower(url.substr(0, scheme)) + "://" + authority;
}

// The most useful line of an error response: a JSON object's error/message/detail string (or
// error.message), else the body itself; one line, shortened.
std::string excerpt(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
        for (const char* key : {"error", "message", "detail", "error_description"}) {
            auto it = j.find(key);
            if (it == j.end()) {
                continue;
            }
            if (it->is_string()) {
                return one_line(it->get<std::string>(), k_excerpt_chars);
            }
            if (it->is_object()) {
                auto inner = it->find("message");
                if (inner != it->end() && inner->is_string()) {
                    return one_line(inner->get<std::string>(), k_excerpt_chars);
                }
            }
        }
    }
    return one_line(body, k_excerpt_chars);
}

std::string prefix_of(const config::ProviderConfig& cfg, const config::Setting& setting,
                      const std::string& key) {
    return where(setting.origin) + "providers." + cfg.name + "." + key + ": ";
}

std::string url_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = RemoteConfig(cfg).value("url");
    if (setting == nullptr) {
        return {};
    }
    if (!is_http_url(setting->value)) {
        std::string shown = setting->secret ? "********" : "\"" + setting->value + "\"";
        throw Error(Exit::config,
                    prefix_of(cfg, *setting, "url") + shown + " is not an http(s) URL",
                    "e.g. url: https://hooks.example.com/notify, or leave url unset to post to "
                    "each message's recipient URL");
    }
    return setting->value;
}

std::string method_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = RemoteConfig(cfg).scalar("method");
    if (setting == nullptr) {
        return "POST";
    }
    std::string method = setting->value;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (method != "POST" && method != "PUT") {
        std::string shown = setting->secret ? "********" : "\"" + setting->value + "\"";
        throw Error(Exit::config,
                    prefix_of(cfg, *setting, "method") + shown + " is not one of POST, PUT");
    }
    return method;
}

std::string secret_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = RemoteConfig(cfg).scalar("secret");
    if (setting == nullptr) {
        return {};
    }
    if (setting->value.empty()) {
        throw Error(Exit::config, prefix_of(cfg, *setting, "secret") + "is empty",
                    "e.g. secret: ${env:NOTIFY_WEBHOOK_SECRET}, or remove the key to send "
                    "unsigned requests");
    }
    return setting->value;
}

bool is_token_char(char c) {
    auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Every "headers.<Name>" option as "Name: value", in key order.
std::vector<std::pair<std::string, std::string>> headers_of(const config::ProviderConfig& cfg) {
    if (const config::Setting* scalar = cfg.find("headers")) {
        throw Error(Exit::config,
                    prefix_of(cfg, *scalar, "headers") + "expected a map, found a "
                                                         "scalar",
                    "e.g. headers: {Authorization: \"Bearer ${env:HOOK_TOKEN}\", X-Env: prod}");
    }
    if (auto it = cfg.lists.find("headers"); it != cfg.lists.end()) {
        const std::string& origin = it->second.empty() ? cfg.origin : it->second.front().origin;
        throw Error(Exit::config,
                    where(origin) + "providers." + cfg.name +
                        ".headers: expected a map, found a "
                        "list",
                    "e.g. headers: {Authorization: \"Bearer ${env:HOOK_TOKEN}\", X-Env: prod}");
    }
    for (const auto& [key, items] : cfg.lists) {
        if (key.rfind(k_headers_prefix, 0) == 0) {
            const std::string& origin = items.empty() ? cfg.origin : items.front().origin;
            throw Error(Exit::config, where(origin) + "providers." + cfg.name + "." + key +
                                          ": expected a header value, found a list");
        }
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, setting] : cfg.options) {
        if (key.rfind(k_headers_prefix, 0) != 0) {
            continue;
        }
        const std::string name = key.substr(k_headers_prefix.size());
        const std::string prefix = prefix_of(cfg, setting, key);
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
            throw Error(Exit::config, prefix + "\"" + name + "\" is not a valid header name");
        }
        if (std::find(k_reserved_headers.begin(), k_reserved_headers.end(), lower(name)) !=
            k_reserved_headers.end()) {
            throw Error(Exit::config, prefix + "notify sets " + name + " itself");
        }
        if (setting.value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
            throw Error(Exit::config, prefix + "the value contains a line break or NUL");
        }
        out.emplace_back(name, setting.value);
    }
    return out;
}

// Lower-case hex of HMAC-SHA256(key, data).
std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
    std::string out;
    out.reserve(length * 2);
    char pair[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(pair, sizeof pair, "%02x", digest[i]);
        out += pair;
    }
    return out;
}

struct Settings {
    std::string url; // empty: the recipient is the endpoint
    std::vector<std::pair<std::string, std::string>> headers;
    std::string secret;
    Millis timeout{k_default_remote_timeout};
    std::string ca_file;
    std::string method = "POST";
};

Settings settings_of(const config::ProviderConfig& cfg) {
    Settings s;
    s.url = url_of(cfg);
    s.headers = headers_of(cfg);
    s.secret = secret_of(cfg);
    s.timeout = RemoteConfig(cfg).timeout();
    s.ca_file = RemoteConfig(cfg).ca_file();
    s.method = method_of(cfg);
    return s;
}

// " id=<id>" from a JSON object's string or number `id`; "" when there is none.
std::string receipt_id(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return {};
    }
    auto it = j.find("id");
    if (it == j.end()) {
        return {};
    }
    std::string id = it->is_string()   ? it->get<std::string>()
                     : it->is_number() ? it->dump()
                                       : std::string();
    id = one_line(id, k_excerpt_chars);
    return id.empty() ? "" : " id=" + id;
}

class WebhookProvider final : public Provider {
  public:
    WebhookProvider(std::string name, Settings settings)
        : m_name(std::move(name)), m_settings(std::move(settings)) {}

    const std::string& name() const override { return m_name; }

    // The request body: the message JSON.
    std::string render(const Message& message) const override {
        return message_json(message, AttachmentBytes::base64);
    }

    SendResult send(const Message& message) override {
        const std::string& endpoint = m_settings.url.empty() ? message.to : m_settings.url;
        if (!is_http_url(endpoint)) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "webhook: the recipient is not an http(s) URL (or set "
                                      "providers." +
                                          m_name + ".url)");
        }
        HttpRequest request;
        request.method = m_settings.method;
        request.url = endpoint;
        request.body = render(message);
        request.timeout = m_settings.timeout;
        request.connect_timeout = connect_timeout_for(m_settings.timeout);
        request.ca_file = m_settings.ca_file;
        request.headers = request_headers(message, request.body);

        const HttpResponse response = m_http.perform(request);
        const TimePoint now = schedule::SystemClock().now();
        return classify_webhook_response(response, origin_of(endpoint), now);
    }

  private:
    std::vector<std::string> request_headers(const Message& message,
                                             const std::string& body) const {
        std::vector<std::pair<std::string, std::string>> all = {
            {"Content-Type", "application/json"},
            {"User-Agent", "notify-webhook"},
            {"Idempotency-Key", "notify-" + std::to_string(message.id)},
            {"Expect", ""}, // no "100-continue" round trip for large bodies
        };
        for (const auto& [name, value] : m_settings.headers) {
            // Not [&name]: clang 14 (the fuzz build) cannot capture a structured binding.
            auto same = [lowered = lower(name)](const auto& h) {
                return lower(h.first) == lowered;
            };
            all.erase(std::remove_if(all.begin(), all.end(), same), all.end());
            all.emplace_back(name, value);
        }
        if (!m_settings.secret.empty()) {
            const std::string timestamp =
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                   schedule::SystemClock().now().time_since_epoch())
                                   .count());
            all.emplace_back("X-Notify-Timestamp", timestamp);
            all.emplace_back("X-Notify-Signature",
                             "sha256=" +
                                 hmac_sha256_hex(m_settings.secret, timestamp + "." + body));
        }
        std::vector<std::string> out;
        out.reserve(all.size());
        for (const auto& [name, value] : all) {
            // "Name:" removes a header curl would add; "Name;" sends it with an empty value.
            out.push_back(value.empty() ? name + (name == "Expect" ? ":" : ";")
                                        : name + ": " + value);
        }
        return out;
    }

    std::string m_name;
    Settings m_settings;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
};

} // namespace

SendResult classify_webhook_response(const HttpResponse& response, const std::string& origin,
                                     TimePoint now) {
    const std::string what = "webhook: " + origin;
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response), what + ": " + response.error);
    }
    const long status = response.status;
    const std::string status_text = "HTTP " + std::to_string(status);
    if (status >= 200 && status < 300) {
        return SendResult::sent(status_text + receipt_id(response.body));
    }
    const std::string why = excerpt(response.body);
    const std::string tail = why.empty() ? "" : ": " + why;
    if (status == 410) {
        return SendResult::failed(FailureKind::invalid_recipient,
                                  what + ": " + status_text + " (the endpoint is gone)" + tail);
    }
    if (status >= 300 && status < 400) {
        return SendResult::failed(FailureKind::permanent,
                                  what + ": " + status_text + " (redirects are not followed)");
    }
    SendResult result = classify_http(response, what, now);
    result.detail += tail;
    return result;
}

void check_webhook_config(const config::ProviderConfig& cfg) {
    settings_of(cfg);
}

std::unique_ptr<Provider> make_webhook_provider(const config::ProviderConfig& cfg) {
    return std::make_unique<WebhookProvider>(cfg.name, settings_of(cfg));
}

} // namespace notify::providers
