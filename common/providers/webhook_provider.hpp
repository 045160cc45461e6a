// The `webhook` provider: POSTs (or PUTs) the message JSON to an HTTP(S) endpoint, optionally
// signed with HMAC-SHA256, with an Idempotency-Key so receivers can drop retried duplicates.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: url (the endpoint; unset: each message's `to` is the endpoint), headers (a map of
// extra request headers, flattened by the config loader to "headers.<Name>"), secret (HMAC
// key: X-Notify-Timestamp and X-Notify-Signature: sha256=<hex HMAC(secret, ts + "." + body)>),
// timeout (duration, default 30s), ca_file (extra CA bundle), method (POST or PUT, default
// POST).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// url that is not http(s)://host..., a header name that is not an HTTP token or a value with
// a line break, a header notify sets itself (Content-Length, Host, Transfer-Encoding,
// X-Notify-*), a `headers` that is not a map, an empty secret, a timeout that is not a
// positive duration, a ca_file that is not a readable file and another method. Never shows a
// secret value.
void check_webhook_config(const config::ProviderConfig& cfg);

// Builds the provider after check_webhook_config(cfg); throws as it does. The instance holds
// no mutable state: send() may run on several threads at once.
std::unique_ptr<Provider> make_webhook_provider(const config::ProviderConfig& cfg);

// Classifies an endpoint's answer to one webhook request (`origin`: its scheme://host, named in
// details; `now` reads Retry-After): 2xx sent (receipt: the JSON body's `id`), 410
// invalid_recipient, 3xx permanent (redirects are not followed), others as classify_http()
// with the body's error text. Never throws.
SendResult classify_webhook_response(const HttpResponse& response, const std::string& origin,
                                     TimePoint now);

} // namespace notify::providers
