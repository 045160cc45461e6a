// The `slack` provider: posts {"text": "*title*\nbody"} to a Slack incoming webhook.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: url (the incoming-webhook URL, a credential: never shown; unset: each message's `to`
// is the webhook URL), timeout (duration, default 30s), ca_file (extra CA bundle).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// url that is not http(s)://host... (without showing it), a timeout that is not a positive
// duration and a ca_file that is not a readable file.
void check_slack_config(const config::ProviderConfig& cfg);

// Builds the provider after check_slack_config(cfg); throws as it does. The instance holds no
// mutable state: send() may run on several threads at once.
std::unique_ptr<Provider> make_slack_provider(const config::ProviderConfig& cfg);

// Classifies Slack's answer to one incoming-webhook POST (`recipient_url`: the URL came from
// the message's `to`, so a dead webhook is the recipient's fault; `now` reads Retry-After):
// 2xx sent; Slack's 4xx reason codes (invalid_token, channel_not_found, ...) refine
// classify_http(). Never throws.
SendResult classify_slack_response(const HttpResponse& response, bool recipient_url, TimePoint now);

} // namespace notify::providers
