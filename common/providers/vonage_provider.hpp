// The `vonage` provider: SMS through the Vonage (Nexmo) SMS API, one form POST per message,
// failures classified by the per-segment status codes of its HTTP 200 replies.
#pragma once

#include <memory>
#include <string_view>

#include "common/config/config.hpp"
#include "common/providers/http_client.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// Keys: api_key (required), api_secret (required), from (required: a number of up to 15
// digits, or an alphanumeric sender of up to 11 characters), url (default
// https://rest.nexmo.com/sms/json), status_callback (an http(s) URL for delivery receipts),
// timeout (duration, default 30s), ca_file (an extra CA bundle).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// malformed value; secret values are shown as ********.
void check_vonage_config(const config::ProviderConfig& cfg);

// Builds the provider after check_vonage_config(cfg); throws as it does. `clock` (default: the
// system clock) gives "now" for Retry-After dates. The instance holds no mutable state: send()
// may run on several threads at once.
std::unique_ptr<Provider> make_vonage_provider(const config::ProviderConfig& cfg,
                                               std::shared_ptr<const schedule::Clock> clock = {});

// True when `text` (UTF-8) has a character outside the GSM 03.38 default alphabet and its
// extension table, or is not valid UTF-8: the message must then go as type=unicode.
bool needs_unicode(std::string_view text);

// Classifies Vonage's answer to one SMS POST (`now` reads Retry-After): a 2xx reply is sent
// when every messages[].status is "0" (receipt: the message-ids), else classified by the first
// failing segment's status; a non-2xx reply as classify_http() with the error text. Never
// throws.
SendResult classify_vonage_response(const HttpResponse& response, TimePoint now);

} // namespace notify::providers
