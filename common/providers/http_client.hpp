// A small HTTP client over libcurl for the remote providers: one request, a response with
// status, headers and body, TLS verification always on (a private CA via ca_file), HTTP/2
// when asked, and the mapping of HTTP outcomes to failure kinds.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    std::vector<std::string> headers; // "Name: value"
    std::string body;
    Millis connect_timeout{10'000};
    Millis timeout{30'000};
    std::string ca_file;    // extra CA bundle for private CAs; empty: the system store
    bool http2 = false;     // HTTP/2 (h2 over TLS via ALPN, h2c with prior knowledge)
    std::string basic_auth; // "user:password" for HTTP basic auth; empty: none
};

struct HttpResponse {
    long status = 0;                            // 0 when no response arrived
    std::map<std::string, std::string> headers; // lower-cased names, last value wins
    std::string body;
    std::string error; // transport error (connect, TLS, timeout); empty when a response came
    bool certificate_error = false; // `error` is a TLS certificate problem (verification, CA file)
    long http_version = 0;          // 1, 2 (CURL_HTTP_VERSION_*-independent: 1 = 1.x, 2 = 2)
};

// Kept-alive connections for a provider: each perform() borrows an idle handle, whose
// connections curl keeps open and reuses (per host), or makes a new one, so callers on N
// threads at once hold at most N handles. Sending on a kept connection spares a TCP (and TLS)
// handshake per notification; APNs asks for one long-lived HTTP/2 connection. Network
// problems never throw: they are in the response's `error`. Thread-safe.
// On libcurl before 8.0.0, h2c with prior knowledge (http:// with http2, only used against
// test servers) opens a new connection per request: reusing one fails with "Error in the
// HTTP2 framing layer" (curl issue #10634, fixed in 8.0.0).
class HttpSession {
  public:
    HttpSession() = default;
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    // Performs `request`, on a kept-alive connection when one is idle.
    HttpResponse perform(const HttpRequest& request);

  private:
    std::mutex m_mutex;
    std::vector<void*> m_idle; // CURL* handles not in use
};

// The longest wait a service can ask for (Retry-After, X-RateLimit-Reset): longer ones are
// read as this, so that no arithmetic on them overflows.
inline constexpr std::chrono::seconds k_max_retry_after{366LL * 24 * 3600};

// Parses a Retry-After value (delta-seconds or an HTTP-date) relative to `now`: the wait, at
// least 0 and at most k_max_retry_after; nullopt when the value is neither form.
std::optional<Millis> parse_retry_after(const std::string& value, TimePoint now);

// The wait until `unix_seconds` (an instant such as X-RateLimit-Reset) from `now`, clamped to
// [0, k_max_retry_after].
Millis wait_until(long long unix_seconds, TimePoint now);

// How a transport error classifies: a TLS certificate problem (the service's certificate does
// not verify, an unusable ca_file) is auth, since only an operator can fix it, as for smtp;
// any other (connect, timeout, reset) is transient.
FailureKind transport_failure_kind(const HttpResponse& response);

// The usual classification of an HTTP outcome: transport errors as transport_failure_kind(),
// 5xx/408/425 transient,
// 429 rate_limited (with Retry-After), 401/403 auth, other 4xx permanent. `detail` is the
// caller's one-line description (never containing secrets).
SendResult classify_http(const HttpResponse& response, std::string detail, TimePoint now);

// True for "http://host..." and "https://host..." (scheme in any case) without white space or
// control characters.
bool is_http_url(std::string_view url);

// Removes userinfo and query strings from a URL for messages: secrets often live there.
std::string redact_url(const std::string& url);

} // namespace notify::providers
