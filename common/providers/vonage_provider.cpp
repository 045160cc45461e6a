// Sends SMS through the Vonage SMS API (section 4.4 of the notification anchors): a form POST
// with the credentials in the body, HTTP 200 with one status per segment even on failure.
#include "common/providers/vonage_provider.hpp"

#include <algorithm>
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

constexpr std::string_view k_default_url = "https://rest.nexmo.com/sms/json";
constexpr std::size_t k_max_numeric_sender = 15;
constexpr std::size_t k_max_alphanumeric_sender = 11;

// Decodes the next UTF-8 code point of `text` at `i` and advances `i`; -1 for a bad sequence.
long next_code_point(std::string_view text, std::size_t& i) {
    const auto lead = static_cast<unsigned char>(text[i++]);
    if (lead < 0x80) {
        return lead;
    }
    int extra = 0;
    long cp = 0;
    if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        return -1;
    }
    for (int k = 0; k < extra; ++k) {
        if (i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (static_cast<unsigned char>(text[i++]) & 0x3F);
    }
    static constexpr long k_min[] = {0, 0x80, 0x800, 0x10000};
    if (cp < k_min[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return -1;
    }
    return cp;
}

bool in_gsm7(long cp) {
    if (cp >= 0x20 && cp <= 0x7E) {
        return cp != '`'; // the only printable ASCII character GSM 03.38 lacks
    }
    static constexpr long k_others[] = {
        '\n',   '\r',   '\f',   0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5,
        0x00C6, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5,
        0x00E6, 0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
        0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9, 0x20AC,
    };
    return std::find(std::begin(k_others), std::end(k_others), cp) != std::end(k_others);
}

std::string without_plus(const std::string& number) {
    return !number.empty() && number.front() == '+' ? number.substr(1) : number;
}

// True when a status 3 error text blames the "to" parameter.
bool blames_to(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view needle : {"invalid to ", "'to'", "\"to\"", "to address", "to number",
                                    "to param", "parameter: to", "parameter to"}) {
        if (text.find(needle) != std::string::npos) {
            return true;
        }
    }
    return text.size() >= 10 && text.compare(text.size() - 10, 10, "invalid to") == 0;
}

// How a non-zero messages[].status classifies (section 4.4); unknown codes are permanent.
FailureKind kind_of_status(long status, const std::string& error_text) {
    switch (status) {
    case 1: // throttled
        return FailureKind::rate_limited;
    case 3: // invalid parameters
        return blames_to(error_text) ? FailureKind::invalid_recipient : FailureKind::permanent;
    case 4:  // invalid credentials
    case 8:  // account barred
    case 9:  // partner quota violation (no credit)
    case 15: // invalid sender address
        return FailureKind::auth;
    case 5:  // internal error
    case 10: // too many existing binds
        return FailureKind::transient;
    case 7: // number barred
        return FailureKind::invalid_recipient;
    case 2: // missing parameters
    case 6: // invalid message
    default:
        return FailureKind::permanent;
    }
}

// A JSON string or integer as text; "" otherwise.
std::string text_of(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) {
        return {};
    }
    if (it->is_string()) {
        return it->get<std::string>();
    }
    if (it->is_number_integer()) {
        return it->dump();
    }
    return {};
}

struct VonageSettings {
    std::string name;
    std::string api_key;
    std::string api_secret;
    std::string from;
    std::string url;
    std::string status_callback;
    Millis timeout{k_default_remote_timeout};
    std::string ca_file;
};

VonageSettings settings_of(const config::ProviderConfig& cfg) {
    const RemoteConfig rc(cfg);
    VonageSettings s;
    s.name = cfg.name;
    s.api_key = rc.required("api_key").value;
    s.api_secret = rc.required("api_secret").value;
    const config::Setting& from = rc.required("from");
    s.from = without_plus(from.value);
    const bool numeric =
        std::all_of(s.from.begin(), s.from.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.from.size(); ++chars) {
        next_code_point(s.from, i);
    }
    if (s.from.empty() || (numeric && s.from.size() > k_max_numeric_sender) ||
        (!numeric && chars > k_max_alphanumeric_sender)) {
        rc.fail_at(from.origin, "from",
                   RemoteConfig::shown(from) +
                       " is not a sender: a number of up to 15 digits or up to 11 letters "
                       "and digits",
                   "e.g. from: \"447700900000\" or from: MyCompany");
    }
    s.url = rc.url("url", k_default_url, UrlUse::endpoint);
    s.status_callback = rc.url("status_callback", "", UrlUse::endpoint);
    s.timeout = rc.timeout();
    s.ca_file = rc.ca_file();
    return s;
}

// The Retry-After of `response`, if it has a readable one.
std::optional<Millis> retry_after(const HttpResponse& response, TimePoint now) {
    auto it = response.headers.find("retry-after");
    return it == response.headers.end() ? std::nullopt : parse_retry_after(it->second, now);
}

class VonageProvider final : public Provider {
  public:
    VonageProvider(VonageSettings settings, std::shared_ptr<const schedule::Clock> clock)
        : m_s(std::move(settings)), m_clock(std::move(clock)) {}

    const std::string& name() const override { return m_s.name; }

    // The form body as sent, except that api_key and api_secret show as ********.
    std::string render(const Message& message) const override {
        return form_encode(fields(message, std::string(k_masked), std::string(k_masked)));
    }

    SendResult send(const Message& message) override {
        HttpRequest request;
        request.url = m_s.url;
        request.headers = {"Content-Type: application/x-www-form-urlencoded",
                           "Accept: application/json"};
        request.body = form_encode(fields(message, m_s.api_key, m_s.api_secret));
        request.timeout = m_s.timeout;
        request.connect_timeout = connect_timeout_for(m_s.timeout);
        request.ca_file = m_s.ca_file;
        const HttpResponse response = m_http.perform(request);
        SendResult result = classify(response);
        result.detail = scrubbed(std::move(result.detail), {m_s.api_secret});
        return result;
    }

  private:
    std::vector<FormField> fields(const Message& message, const std::string& api_key,
                                  const std::string& api_secret) const {
        const std::string text = sms_text(message);
        std::vector<FormField> out = {
            {"api_key", api_key}, {"api_secret", api_secret},
            {"from", m_s.from},   {"to", without_plus(message.to)},
            {"text", text},
        };
        if (needs_unicode(text)) {
            out.push_back({"type", "unicode"});
        }
        if (!m_s.status_callback.empty()) {
            out.push_back({"callback", m_s.status_callback});
        }
        out.push_back({"client-ref", "notify-" + std::to_string(message.id)});
        return out;
    }

    SendResult classify(const HttpResponse& response) const {
        return classify_vonage_response(response, m_clock->now());
    }

    VonageSettings m_s;
    HttpSession m_http; // kept-alive connections, at most one per sending thread
    std::shared_ptr<const schedule::Clock> m_clock;
};

} // namespace

SendResult classify_vonage_response(const HttpResponse& response, TimePoint now) {
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response),
                                  "vonage: " + one_line(response.error));
    }
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status < 200 || response.status >= 300) {
        SendResult result = classify_http(response, "vonage", now);
        std::string text;
        if (json.is_object()) {
            for (const char* key : {"error-text", "title", "detail"}) {
                text = text_of(json, key);
                if (!text.empty()) {
                    break;
                }
            }
        } else {
            text = response.body;
        }
        text = one_line(text);
        if (!text.empty()) {
            result.detail += ": " + text;
        }
        return result;
    }
    const std::string what = "vonage: HTTP " + std::to_string(response.status);
    if (!json.is_object() || !json.contains("messages") || !json["messages"].is_array() ||
        json["messages"].empty()) {
        return SendResult::failed(FailureKind::transient,
                                  what + " without a messages list in the reply");
    }
    const auto& messages = json["messages"];
    std::string receipt;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& segment = messages[i];
        const std::string status_text =
            segment.is_object() ? text_of(segment, "status") : std::string();
        long status = -1;
        try {
            std::size_t used = 0;
            status = std::stol(status_text, &used);
            if (used != status_text.size()) {
                status = -1;
            }
        } catch (const std::exception&) {
            status = -1;
        }
        if (status == 0) {
            const std::string id = text_of(segment, "message-id");
            receipt += (receipt.empty() || id.empty() ? "" : ",") + one_line(id);
            continue;
        }
        if (status < 0) {
            return SendResult::failed(FailureKind::transient,
                                      what + " with an unreadable status in messages[" +
                                          std::to_string(i) + "]");
        }
        const std::string error_text = text_of(segment, "error-text");
        std::string detail = "vonage: status " + std::to_string(status);
        if (!error_text.empty()) {
            detail += ": " + one_line(error_text);
        }
        if (messages.size() > 1) {
            detail += " (segment " + std::to_string(i + 1) + " of " +
                      std::to_string(messages.size()) + ")";
        }
        const FailureKind kind = kind_of_status(status, error_text);
        return SendResult::failed(kind, std::move(detail),
                                  kind == FailureKind::rate_limited ? retry_after(response, now)
                                                                    : std::nullopt);
    }
    return SendResult::sent(receipt.empty() ? what : receipt);
}

bool needs_unicode(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        if (!in_gsm7(next_code_point(text, i))) {
            return true;
        }
    }
    return false;
}

void check_vonage_config(const config::ProviderConfig& cfg) {
    settings_of(cfg);
}

std::unique_ptr<Provider> make_vonage_provider(const config::ProviderConfig& cfg,
                                               std::shared_ptr<const schedule::Clock> clock) {
    if (!clock) {
        clock = std::make_shared<schedule::SystemClock>();
    }
    return std::make_unique<VonageProvider>(settings_of(cfg), std::move(clock));
}

} // namespace notify::providers
