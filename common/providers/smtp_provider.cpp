// SMTP delivery over libcurl: the MIME message uploaded after MAIL FROM / RCPT TO, and the
// last SMTP reply (CURLINFO_RESPONSE_CODE and its text) mapped to a failure kind.
#include "common/providers/smtp_provider.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/error.hpp"
#include "common/providers/mime_message.hpp"
#include "common/providers/remote_config.hpp"
#include "common/providers/tls_trust.hpp"

namespace notify::providers {

namespace {

constexpr std::size_t k_kept_replies = 16;

enum class StartTls { required, optional, off };

struct SmtpSettings {
    std::string name;
    std::string url;
    bool implicit_tls = false;
    Mailbox from;
    std::optional<Mailbox> reply_to;
    StartTls starttls = StartTls::required;
    std::string username;
    std::string password;
    std::string ca_file;
    Millis timeout = k_default_remote_timeout;
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

class SettingsReader {
  public:
    explicit SettingsReader(const config::ProviderConfig& cfg) : m_cfg(cfg) {
        for (const auto& [key, items] : cfg.lists) {
            const std::string& origin = items.empty() ? cfg.origin : items.front().origin;
            throw Error(Exit::config, where(origin) + "providers." + cfg.name + "." + key +
                                          ": expected a single value, found a list");
        }
    }

    const config::Setting* find(const std::string& key) const { return m_cfg.find(key); }

    [[noreturn]] void fail(const config::Setting& setting, const std::string& key,
                           const std::string& what, const std::string& hint = {}) const {
        throw Error(Exit::config,
                    where(setting.origin) + "providers." + m_cfg.name + "." + key + ": " + what,
                    hint);
    }

    [[noreturn]] void fail_block(const std::string& what, const std::string& hint = {}) const {
        throw Error(Exit::config, where(m_cfg.origin) + "providers." + m_cfg.name + ": " + what,
                    hint);
    }

    const config::Setting& required(const std::string& key) const {
        const config::Setting* setting = find(key);
        if (setting == nullptr) {
            fail_block("missing required key \"" + key + "\" for type " + m_cfg.type);
        }
        return *setting;
    }

    Mailbox mailbox(const config::Setting& setting, const std::string& key) const {
        auto parsed = parse_mailbox(setting.value);
        if (!parsed) {
            fail(setting, key, RemoteConfig::shown(setting) + " is not an e-mail address",
                 "write an address or \"Name <address>\", e.g. " + key +
                     ": \"Alerts <alerts@example.com>\"");
        }
        return *parsed;
    }

  private:
    const config::ProviderConfig& m_cfg;
};

SmtpSettings read_settings(const config::ProviderConfig& cfg) {
    SettingsReader reader(cfg);
    SmtpSettings s;
    s.name = cfg.name;

    const config::Setting& url = reader.required("url");
    const std::string scheme_hint = "e.g. url: smtp://mail.example.com:587 (STARTTLS) or "
                                    "smtps://mail.example.com:465 (implicit TLS)";
    std::string url_lower = lower(url.value);
    if (url_lower.rfind("smtps://", 0) == 0) {
        s.implicit_tls = true;
    } else if (url_lower.rfind("smtp://", 0) != 0) {
        reader.fail(url, "url", RemoteConfig::shown(url) + " is not an smtp:// or smtps:// URL",
                    scheme_hint);
    }
    std::string authority = url.value.substr(url.value.find("://") + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (authority.find('@') != std::string::npos) {
        reader.fail(url, "url", "must not contain credentials",
                    "set username and password (as ${env:...} or ${file:...} references)");
    }
    if (authority.empty() || authority.front() == ':') {
        reader.fail(url, "url", RemoteConfig::shown(url) + " has no host", scheme_hint);
    }
    if (url.value.find_first_of("?#") != std::string::npos) {
        reader.fail(url, "url", RemoteConfig::shown(url) + " must not have a query or fragment",
                    scheme_hint);
    }
    s.url = url.value;

    s.from = reader.mailbox(reader.required("from"), "from");
    if (const auto* reply_to = reader.find("reply_to")) {
        s.reply_to = reader.mailbox(*reply_to, "reply_to");
    }

    if (const auto* starttls = reader.find("starttls")) {
        if (s.implicit_tls) {
            reader.fail(*starttls, "starttls", "applies to smtp:// URLs only",
                        "smtps:// always uses TLS from the start; remove starttls");
        }
        if (starttls->value == "required") {
            s.starttls = StartTls::required;
        } else if (starttls->value == "optional") {
            s.starttls = StartTls::optional;
        } else if (starttls->value == "off") {
            s.starttls = StartTls::off;
        } else {
            reader.fail(*starttls, "starttls",
                        RemoteConfig::shown(*starttls) + " is not one of required, optional, off");
        }
    }

    const auto* username = reader.find("username");
    const auto* password = reader.find("password");
    if ((username == nullptr) != (password == nullptr)) {
        reader.fail_block(std::string("\"") + (username ? "username" : "password") + "\" needs \"" +
                          (username ? "password" : "username") + "\" as well");
    }
    if (username != nullptr) {
        if (!s.implicit_tls && s.starttls != StartTls::required) {
            reader.fail(*reader.find("starttls"), "starttls",
                        std::string("\"") + (s.starttls == StartTls::off ? "off" : "optional") +
                            "\" could send the password unencrypted",
                        "use starttls: required (the default) or an smtps:// URL");
        }
        s.username = username->value;
        s.password = password->value;
    }
    const RemoteConfig rc(cfg);
    s.ca_file = rc.ca_file();
    s.timeout = rc.timeout();
    return s;
}

struct Upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
    std::memcpy(buffer, upload->data->data() + upload->offset, n);
    upload->offset += n;
    return n;
}

// Keeps the server's reply lines (never what the client sent: AUTH carries credentials).
int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type == CURLINFO_HEADER_IN) {
        collect_smtp_replies(std::string_view(data, size),
                             *static_cast<std::vector<std::string>*>(user));
    }
    return 0;
}

// The last reply line with `code` ("550 5.1.1 ..."), or "" if none was seen.
std::string reply_with(const std::vector<std::string>& replies, long code) {
    const std::string prefix = std::to_string(code);
    for (auto it = replies.rbegin(); it != replies.rend(); ++it) {
        if (it->rfind(prefix, 0) == 0 && (it->size() == 3 || (*it)[3] == ' ' || (*it)[3] == '-')) {
            return *it;
        }
    }
    return {};
}

// The enhanced status code ("5.1.1") of a reply line, or "".
std::string enhanced_status(const std::string& reply) {
    if (reply.size() < 9) {
        return {};
    }
    std::string rest = reply.substr(4);
    std::size_t end = rest.find(' ');
    std::string code = rest.substr(0, end);
    int dots = 0;
    for (char c : code) {
        if (c == '.') {
            ++dots;
        } else if (!std::isdigit(static_cast<unsigned char>(c))) {
            return {};
        }
    }
    return dots == 2 && (code[0] == '2' || code[0] == '4' || code[0] == '5') ? code : "";
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class SmtpProvider final : public Provider {
  public:
    explicit SmtpProvider(SmtpSettings settings) : m_s(std::move(settings)) {}

    const std::string& name() const override { return m_s.name; }

    std::string render(const Message& message) const override {
        auto to = parse_mailbox(message.to);
        return build(message, to ? *to : Mailbox{"", message.to}, message_id(message));
    }

    SendResult send(const Message& message) override {
        auto to = parse_mailbox(message.to);
        if (!to) {
            return SendResult::failed(FailureKind::invalid_recipient,
                                      "smtp: \"" + one_line(message.to, 100) +
                                          "\" is not an e-mail address");
        }
        const std::string id = message_id(message);
        const std::string data = build(message, *to, id);
        return transmit(to->address, data, id);
    }

  private:
    std::string message_id(const Message& message) const {
        return make_message_id(message.id, message.attempt, random_hex(8), m_s.from.domain());
    }

    std::string build(const Message& message, const Mailbox& to, const std::string& id) const {
        MailContent c;
        c.from = m_s.from;
        c.to = to;
        c.reply_to = m_s.reply_to;
        c.subject = message.subject.value_or(message.title.value_or(""));
        c.text = message.body.value_or("");
        auto data = nlohmann::json::parse(message.data_json, nullptr, false);
        if (data.is_object()) {
            auto html = data.find("html");
            if (html != data.end() && html->is_string() && !html->get<std::string>().empty()) {
                c.html = html->get<std::string>();
            }
        }
        c.message_id = id;
        c.date = schedule::SystemClock().now();
        c.boundary = "=_notify_" + random_hex(12);
        c.attachments = message.attachments;
        return build_mime_message(c);
    }

    SendResult transmit(const std::string& rcpt, const std::string& data,
                        const std::string& id) const {
        global_init();
        CURL* curl = curl_easy_init();
        if (curl == nullptr) {
            return SendResult::failed(FailureKind::transient, "smtp: cannot create a curl handle");
        }
        const std::string mail_from = "<" + m_s.from.address + ">";
        curl_slist* recipients = curl_slist_append(nullptr, ("<" + rcpt + ">").c_str());
        Upload upload{&data};
        std::vector<std::string> replies;
        char error[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(curl, CURLOPT_URL, m_s.url.c_str());
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(connect_timeout_for(m_s.timeout).count()));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(m_s.timeout.count()));
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!m_s.ca_file.empty()) {
            curl_easy_setopt(curl, CURLOPT_CAINFO, m_s.ca_file.c_str());
        } else {
            trust_system_authorities(curl);
        }
        if (!m_s.implicit_tls) {
            long use_ssl = m_s.starttls == StartTls::required   ? CURLUSESSL_ALL
                           : m_s.starttls == StartTls::optional ? CURLUSESSL_TRY
                                                                : CURLUSESSL_NONE;
            curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
        }
        if (!m_s.username.empty()) {
            curl_easy_setopt(curl, CURLOPT_USERNAME, m_s.username.c_str());
            curl_easy_setopt(curl, CURLOPT_PASSWORD, m_s.password.c_str());
        }
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &replies);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        CURLcode rc = curl_easy_perform(curl);
        long code = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(recipients);
        curl_easy_cleanup(curl);
        std::string what = error[0] != '\0' ? error : curl_easy_strerror(rc);
        return classify(rc, code, one_line(what), replies, id);
    }

    SendResult classify(CURLcode rc, long code, const std::string& what,
                        const std::vector<std::string>& replies, const std::string& id) const {
        return classify_smtp_result(rc, code, what, replies, id, m_s.name);
    }

    SmtpSettings m_s;
};

} // namespace

void collect_smtp_replies(std::string_view data, std::vector<std::string>& replies) {
    const std::string text(data);
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? end : end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.pop_back();
        }
        if (!line.empty()) {
            replies.push_back(std::move(line));
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    if (replies.size() > k_kept_replies) {
        replies.erase(replies.begin(), replies.end() - static_cast<std::ptrdiff_t>(k_kept_replies));
    }
}

SendResult classify_smtp_result(int curl_code, long code, const std::string& what,
                                const std::vector<std::string>& replies, const std::string& id,
                                const std::string& name) {
    const auto rc = static_cast<CURLcode>(curl_code);
    if (rc == CURLE_OK) {
        std::string accepted = one_line(reply_with(replies, 250));
        return SendResult::sent("<" + id + ">" + (accepted.empty() ? "" : " (" + accepted + ")"));
    }
    const std::string reply = one_line(code >= 400 ? reply_with(replies, code) : "");
    // "RCPT failed: 550" -> "RCPT"; curl names the command that got the reply.
    const std::string stage = what.substr(0, what.find(" failed: "));
    std::string detail = "smtp: " + what + (reply.empty() ? "" : " (" + reply + ")");
    if (what.find(" failed: ") != std::string::npos && !reply.empty()) {
        detail = "smtp: " + stage + " refused: " + reply;
    } else if (rc == CURLE_WEIRD_SERVER_REPLY && what == curl_easy_strerror(rc) && !reply.empty()) {
        detail = "smtp: message refused after DATA: " + reply; // curl names no stage
    }
    const std::string fix = " (check providers." + name + ")";
    switch (rc) {
    case CURLE_LOGIN_DENIED:
        return SendResult::failed(FailureKind::auth, "smtp: authentication refused" +
                                                         (reply.empty() ? "" : ": " + reply) + fix);
    case CURLE_USE_SSL_FAILED:
        return SendResult::failed(FailureKind::auth,
                                  "smtp: STARTTLS is required but the server refused it: " + what +
                                      fix);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return SendResult::failed(FailureKind::auth,
                                  "smtp: TLS verification failed: " + what + fix);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return SendResult::failed(FailureKind::auth, "smtp: " + what + fix);
    default:
        break;
    }
    if (code >= 400 && code < 600) {
        if (code == 530 || code == 534 || code == 535 || code == 538) {
            return SendResult::failed(FailureKind::auth, detail + fix);
        }
        if (code < 500) {
            return SendResult::failed(FailureKind::transient, detail);
        }
        if (stage == "RCPT" && (code == 550 || code == 551 || code == 553)) {
            const std::string enhanced = enhanced_status(reply);
            bool bad_address = enhanced.empty() || enhanced.rfind("5.1.", 0) == 0;
            return SendResult::failed(
                bad_address ? FailureKind::invalid_recipient : FailureKind::permanent, detail);
        }
        if (stage == "MAIL" && code != 552) {
            // The sender is refused: every message would be; an operator must act.
            return SendResult::failed(FailureKind::auth, detail + fix);
        }
        return SendResult::failed(FailureKind::permanent, detail);
    }
    return SendResult::failed(FailureKind::transient, detail);
}

void check_smtp_config(const config::ProviderConfig& cfg) {
    read_settings(cfg);
}

std::unique_ptr<Provider> make_smtp_provider(const config::ProviderConfig& cfg) {
    return std::make_unique<SmtpProvider>(read_settings(cfg));
}

} // namespace notify::providers
