// The `webpush` provider: Web Push (RFC 8030) to browsers. Each message's `to` is the browser's
// PushSubscription JSON; the message JSON is encrypted for it (RFC 8291, aes128gcm) and POSTed
// to its endpoint with a VAPID (RFC 8292) Authorization header.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// Keys: vapid_private_key_file (required; a PEM EC P-256 private key, or the PEM itself when
// the value is a ${file:...} reference), vapid_subject (required; mailto:... or https://...),
// ttl (duration; default: until the message's expires_at, else 24h; never beyond expires_at),
// urgency (very-low, low, normal or high; default from the priority: high -> high,
// low -> low, else normal), timeout (duration, default 30s), ca_file (extra CA bundle),
// allow_http (true/false, default false: lets endpoints be http:// on a loopback host, for
// tests).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// missing or unreadable key file, a key that is not an unencrypted EC P-256 private key, a
// subject that is not a mailto: or https: URL, a ttl that is not a duration, an unknown
// urgency, a timeout that is not a positive duration, a ca_file that is not a readable file
// and an allow_http that is not a boolean. Never shows a secret value.
void check_webpush_config(const config::ProviderConfig& cfg);

// Builds the provider after check_webpush_config(cfg); throws as it does. `clock` (default: the
// system clock) dates VAPID tokens and TTLs. VAPID tokens are cached per push service origin
// behind a mutex: send() may run on several threads at once.
std::unique_ptr<Provider>
make_webpush_provider(const config::ProviderConfig& cfg,
                      std::shared_ptr<const schedule::Clock> clock = nullptr);

// Classifies a push service's answer to one POST (`origin`: the endpoint's scheme://host,
// named in details; `now` reads Retry-After): 2xx sent with Location; 404/410
// invalid_recipient; 400/413 permanent; 401/403 auth; 429 rate_limited; 5xx transient; others
// as classify_http(). Never throws.
SendResult classify_webpush_response(const HttpResponse& response, const std::string& origin,
                                     TimePoint now);

} // namespace notify::providers
