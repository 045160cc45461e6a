// The `slack` provider: posts {"text": "*title*\nbody"} to a Slack incoming webhook.
#pragma once

#include <memory>

#include "common/config/config.hpp"
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

} // namespace notify::providers
