// The `smtp` provider: sends each message as an RFC 5322 e-mail over SMTP with libcurl
// (STARTTLS or implicit TLS, optional AUTH), classifying SMTP replies for the retry policy.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// Appends the non-empty lines of `data`, what the server sent as curl's debug callback hands it
// over (one or more CRLF-terminated reply lines), to `replies`, keeping only the last 16.
void collect_smtp_replies(std::string_view data, std::vector<std::string>& replies);

// Classifies one SMTP transaction: `curl_code` (a CURLcode) and `what` (curl's error text) of
// the transfer, `code` the last reply code, `replies` the server's lines, `id` the Message-ID
// (the receipt on success), `name` the provider instance (named in hints). Auth failures, TLS
// and URL problems and 530/534/535/538 are auth; 4xx transient; RCPT 550/551/553 with no or a
// 5.1.x enhanced status invalid_recipient; a refused MAIL FROM auth; other 5xx permanent.
// Never throws.
SendResult classify_smtp_result(int curl_code, long code, const std::string& what,
                                const std::vector<std::string>& replies, const std::string& id,
                                const std::string& name);

} // namespace notify::providers
