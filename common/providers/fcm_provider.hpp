// The `fcm` provider: Firebase Cloud Messaging HTTP v1 with a service account (OAuth2 access
// tokens from an RS256 JWT bearer grant), one POST .../messages:send per message.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// Keys: service_account_file (required; the service-account JSON key file with client_email,
// private_key, private_key_id, token_uri, project_id, or the JSON text itself when given as
// ${file:..}/${env:..}; a relative path is taken from the config file's directory),
// project_id (default: the file's), url (default https://fcm.googleapis.com), token_url
// (default: the file's token_uri), timeout (duration, default 30s), ca_file (extra CA bundle).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// missing or malformed key, an unreadable or malformed service-account file, or a private key
// that is not RSA (never quoting secret values).
void check_fcm_config(const config::ProviderConfig& cfg);

// Builds the provider after check_fcm_config(cfg); throws as it does. Token lifetimes and TTLs
// are read from `clock` (nullptr: the system clock, otherwise it must outlive the provider).
// The access token is cached per instance until 5 minutes before it expires. send() may run
// on several threads at once.
std::unique_ptr<Provider> make_fcm_provider(const config::ProviderConfig& cfg,
                                            const schedule::Clock* clock = nullptr);

// Classifies FCM's answer to one messages:send POST (`send_url` is named in transport errors;
// `now` reads Retry-After): 200 sent with the message name; UNREGISTERED, SENDER_ID_MISMATCH
// and an invalid token invalid_recipient; QUOTA_EXCEEDED or 429 rate_limited; UNAVAILABLE,
// INTERNAL or 5xx transient; THIRD_PARTY_AUTH_ERROR, 401 or 403 auth; other 4xx permanent.
// Never throws.
SendResult classify_fcm_response(const HttpResponse& response, const std::string& send_url,
                                 TimePoint now);

} // namespace notify::providers
