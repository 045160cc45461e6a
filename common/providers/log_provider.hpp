// The `log` provider: writes each delivered message as one line to the process log (stderr).
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: level (info | warn | error; default info).
std::unique_ptr<Provider> make_log_provider(const config::ProviderConfig& cfg);

} // namespace notify::providers
