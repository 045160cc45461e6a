// The `smtp` provider: sends each message as an RFC 5322 e-mail over SMTP with libcurl
// (STARTTLS or implicit TLS, optional AUTH), classifying SMTP replies for the retry policy.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: url (required; smtp://host[:port] or smtps://host[:port]), from (required; "addr" or
// "Name <addr>"), starttls (required | optional | off; smtp:// only, default required),
// username and password (together; not with starttls optional/off), ca_file (PEM bundle that
// replaces the system CAs), timeout (duration, default 30s), reply_to (a mailbox).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for
// any value that is malformed; secret values are shown as ********.
void check_smtp_config(const config::ProviderConfig& cfg);

// Builds the provider after check_smtp_config(cfg); throws as it does. send() may run on
// several threads at once (one curl handle per call).
std::unique_ptr<Provider> make_smtp_provider(const config::ProviderConfig& cfg);

} // namespace notify::providers
