// The `apns` provider: Apple Push Notification service over HTTP/2 with token (JWT, ES256)
// authentication, one POST /3/device/<token> per message.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// Keys: team_id, key_id (required; 10 letters or digits each), key_file (required; the .p8
// PEM file of an EC P-256 key, or the PEM text itself when given as ${file:..}/${env:..}; a
// relative path is taken from the config file's directory), topic (required; the bundle id),
// environment (production | sandbox, default production), url (overrides the host of the
// environment, e.g. for tests), push_type (default alert), timeout (duration, default 30s),
// ca_file (extra CA bundle).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// missing or malformed key, an unreadable key file or one that is not an EC P-256 key (never
// quoting secret values).
void check_apns_config(const config::ProviderConfig& cfg);

// Builds the provider after check_apns_config(cfg); throws as it does. The provider token is
// made from `clock` (nullptr: the system clock, otherwise it must outlive the provider), cached
// and renewed after 40 minutes, one per instance. send() may run on several threads at once.
std::unique_ptr<Provider> make_apns_provider(const config::ProviderConfig& cfg,
                                             const schedule::Clock* clock = nullptr);

// Classifies APNs' answer to one push (`url`: the service, named in transport errors;
// `environment`: production or sandbox, named when a token is refused; `now`: for Retry-After):
// 200 sent with the apns-id, 400 BadDeviceToken and 410 invalid_recipient, 403 auth,
// 429 rate_limited, 5xx transient, other 4xx permanent. Never throws.
SendResult classify_apns_response(const HttpResponse& response, const std::string& url,
                                  const std::string& environment, TimePoint now);

} // namespace notify::providers
