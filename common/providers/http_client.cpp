// libcurl-based HTTP requests for providers.
#include "common/providers/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <mutex>

#include <curl/curl.h>

#include "common/providers/tls_trust.hpp"

namespace notify::providers {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    body->append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    std::string line(data, size * count);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string value = line.substr(colon + 1);
        auto first = value.find_first_not_of(" \t");
        auto last = value.find_last_not_of(" \t\r\n");
        (*headers)[name] =
            first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    }
    return size * count;
}

} // namespace

namespace {

// True when libcurl cannot reuse an h2c prior-knowledge connection (before 8.0.0).
bool h2c_reuse_broken() {
    static const bool k_broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
    return k_broken;
}

// Sets every option of `request` on `curl` (fresh or reset), performs it and reads the result.
HttpResponse perform_on(CURL* curl, const HttpRequest& request) {
    HttpResponse response;
    curl_slist* headers = nullptr;
    for (const auto& h : request.headers) {
        headers = curl_slist_append(headers, h.c_str());
    }
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method != "GET") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!request.ca_file.empty()) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, request.ca_file.c_str());
    } else {
        trust_system_authorities(curl);
    }
    if (request.http2) {
        bool tls = request.url.rfind("https://", 0) == 0;
        curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                         tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
        if (!tls && h2c_reuse_broken()) {
            curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
        }
    }
    if (!request.basic_auth.empty()) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERPWD, request.basic_auth.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        response.error = error[0] != '\0' ? error : curl_easy_strerror(rc);
        response.certificate_error =
            rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
            rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
            rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CRL_BADFILE;
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
        long version = 0;
        curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &version);
        response.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
    }
    // The handle may be kept: nothing of this call may stay pointed to.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return response;
}

} // namespace

HttpSession::~HttpSession() {
    for (void* handle : m_idle) {
        curl_easy_cleanup(static_cast<CURL*>(handle));
    }
}

HttpResponse HttpSession::perform(const HttpRequest& request) {
    global_init();
    CURL* curl = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            curl = static_cast<CURL*>(m_idle.back());
            m_idle.pop_back();
        }
    }
    if (curl == nullptr) {
        curl = curl_easy_init();
        if (curl == nullptr) {
            HttpResponse response;
            response.error = "cannot create an HTTP handle";
            return response;
        }
    } else {
        curl_easy_reset(curl); // options only: live connections stay in the handle
    }
    HttpResponse response = perform_on(curl, request);
    std::lock_guard lock(m_mutex);
    m_idle.push_back(curl);
    return response;
}

std::optional<Millis> parse_retry_after(const std::string& value, TimePoint now) {
    if (value.empty()) {
        return std::nullopt;
    }
    long long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
        return std::chrono::seconds{std::min<long long>(seconds, k_max_retry_after.count())};
    }
    // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT" (curl_getdate parses every HTTP form).
    std::time_t when = curl_getdate(value.c_str(), nullptr);
    if (when < 0) {
        return std::nullopt;
    }
    return wait_until(when, now);
}

Millis wait_until(long long unix_seconds, TimePoint now) {
    const long long now_seconds =
        std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
    if (unix_seconds <= now_seconds) {
        return Millis{0};
    }
    // now_seconds is within +-LLONG_MAX / 1000: neither side can overflow.
    if (unix_seconds - k_max_retry_after.count() >= now_seconds) {
        return k_max_retry_after;
    }
    return std::chrono::seconds(unix_seconds) - now.time_since_epoch();
}

FailureKind transport_failure_kind(const HttpResponse& response) {
    return response.certificate_error ? FailureKind::auth : FailureKind::transient;
}

SendResult classify_http(const HttpResponse& response, std::string detail, TimePoint now) {
    if (!response.error.empty()) {
        return SendResult::failed(transport_failure_kind(response), detail + ": " + response.error);
    }
    long s = response.status;
    std::string what = detail + ": HTTP " + std::to_string(s);
    auto retry_after = [&]() -> std::optional<Millis> {
        auto it = response.headers.find("retry-after");
        return it == response.headers.end() ? std::nullopt : parse_retry_after(it->second, now);
    };
    if (s == 429) {
        return SendResult::failed(FailureKind::rate_limited, what, retry_after());
    }
    if (s >= 500 || s == 408 || s == 425) {
        return SendResult::failed(FailureKind::transient, what, retry_after());
    }
    if (s == 401 || s == 403) {
        return SendResult::failed(FailureKind::auth, what);
    }
    if (s >= 400) {
        return SendResult::failed(FailureKind::permanent, what);
    }
    return SendResult::failed(FailureKind::transient, what + " (unexpected)");
}

bool is_http_url(std::string_view url) {
    std::string head(url.substr(0, 8));
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t host = 0;
    if (head.rfind("http://", 0) == 0) {
        host = 7;
    } else if (head.rfind("https://", 0) == 0) {
        host = 8;
    } else {
        return false;
    }
    if (host >= url.size() || url[host] == '/' || url[host] == '?' || url[host] == '#') {
        return false;
    }
    return std::none_of(url.begin(), url.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7F;
    });
}

std::string redact_url(const std::string& url) {
    std::string out = url;
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        auto host_start = scheme + 3;
        auto at = out.find('@', host_start);
        auto slash = out.find('/', host_start);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            out.erase(host_start, at + 1 - host_start);
        }
    }
    auto query = out.find('?');
    if (query != std::string::npos) {
        out.erase(query);
    }
    return out;
}

} // namespace notify::providers
