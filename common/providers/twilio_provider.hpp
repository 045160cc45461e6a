// The `twilio` provider: SMS (and WhatsApp) through Twilio Programmable Messaging, one form POST
// to the Messages resource per message, failures classified by Twilio's error codes.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// Keys: account_sid (required, AC + 32 hex digits); auth_token, or api_key_sid (SK + 32 hex
// digits) with api_key_secret (one of the two ways is required); from or messaging_service_sid
// (MG + 32 hex digits), exactly one; url (default https://api.twilio.com); status_callback (an
// http(s) URL); timeout (duration, default 30s); ca_file (an extra CA bundle).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// malformed value or a missing or conflicting choice; secret values are shown as ********.
void check_twilio_config(const config::ProviderConfig& cfg);

// Builds the provider after check_twilio_config(cfg); throws as it does. `clock` (default: the
// system clock) gives "now" for ValidityPeriod and Retry-After dates. The instance holds no
// mutable state: send() may run on several threads at once.
std::unique_ptr<Provider> make_twilio_provider(const config::ProviderConfig& cfg,
                                               std::shared_ptr<const schedule::Clock> clock = {});

// Classifies Twilio's answer to one Messages POST (`now` reads Retry-After): 2xx sent with
// the message sid; otherwise as classify_http(), refined by Twilio's error `code` (21610
// opted_out, invalid numbers invalid_recipient, ...). Never throws.
SendResult classify_twilio_response(const HttpResponse& response, TimePoint now);

} // namespace notify::providers
