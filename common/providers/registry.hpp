// The one explicit table of provider types: which exist, which keys each takes, and how to
// build an instance from its config.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Names of the provider types this build can create, in table order.
std::vector<std::string> available_types();

// Checks every configured provider: known and available type, known keys (with "did you
// mean"), required keys present, values well-formed. Throws notify::Error{Exit::config} naming
// "<file>:<line>: providers.<name>...".
void validate(const config::Config& config);

// The channels whose providers, tried in failover order, may take as long as daemon.lease or
// longer to send (the sum of their timeouts): a send still running when its lease runs out is
// rescued and sent again while the first is still out. One line per such channel, naming the
// providers, their timeouts and the lease; empty when every route fits. Precondition:
// validate(config) passed.
std::vector<std::string> lease_shortfalls(const config::Config& config);

// Creates the provider instance `name`. Precondition: validate(config) passed.
// Throws notify::Error{Exit::config} if `name` is not configured.
std::unique_ptr<Provider> create(const config::Config& config, const std::string& name);

} // namespace notify::providers
