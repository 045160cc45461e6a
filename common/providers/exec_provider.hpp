// The `exec` provider: runs an external program per message (JSON on stdin, the exit code and
// an optional JSON object on stdout classify the result), so providers can be written in any
// language. The protocol is documented in notify-providers(7).
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: command (required; a list: program and arguments, run without a shell, the program
// looked up in $PATH when it has no "/"), timeout (duration, default 30s), max_output (bytes
// of stdout, default 65536).
// Throws notify::Error{Exit::config} naming "<file>:<line>: providers.<name>.<key>: ..." for a
// scalar or empty command, an empty program name, a timeout that is not a positive duration
// and a max_output that is not an integer in 1..1073741824.
void check_exec_config(const config::ProviderConfig& cfg);

// Builds the provider after check_exec_config(cfg); throws as it does. The instance holds no
// mutable state: send() may run on several threads at once.
std::unique_ptr<Provider> make_exec_provider(const config::ProviderConfig& cfg);

// Classifies a plugin run that exited with `code`, from its stdout `out` (the protocol's
// optional JSON object: id, detail, retry_after in seconds) and the tail of its stderr: exit 0
// sent (receipt: id, else detail, else the output's first line), 65 permanent, 67
// invalid_recipient, 77 auth, others transient. Never throws.
SendResult classify_exec_exit(int code, const std::string& out, const std::string& err_tail);

} // namespace notify::providers
