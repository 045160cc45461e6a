// The `sendgrid` provider: e-mail through the SendGrid v3 Mail Send API
// (POST /v3/mail/send with a Bearer API key), its errors mapped for the retry policy.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: api_key (required, secret), from (required; "addr" or "Name <addr>"), url (default
// https://api.sendgrid.com/v3/mail/send; http:// only for loopback hosts), reply_to (a
// mailbox), ca_file (PEM bundle that replaces the system CAs), timeout (duration, default 30s).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for
// any value that is malformed; secret values are shown as ********.
void check_sendgrid_config(const config::ProviderConfig& cfg);

// Builds the provider after check_sendgrid_config(cfg); throws as it does. The instance holds
// no mutable state: send() may run on several threads at once.
std::unique_ptr<Provider> make_sendgrid_provider(const config::ProviderConfig& cfg);

// Classifies SendGrid's answer to one mail/send POST (`name`: the provider instance, named in
// auth hints; `now` reads Retry-After and X-RateLimit-Reset): 200/202 sent with X-Message-Id;
// 400 permanent, or invalid_recipient when an error names personalizations.0.to; 401/403 auth;
// 413 permanent; 429 rate_limited; others as classify_http(). Never throws.
SendResult classify_sendgrid_response(const HttpResponse& response, const std::string& name,
                                      TimePoint now);

} // namespace notify::providers
