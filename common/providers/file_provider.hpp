// The `file` provider: appends each delivered message as one JSON line to a file, fsynced.
#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::providers {

// Keys: path (default <data_dir>/delivered.jsonl). "~/" expands to $HOME; other relative
// paths are taken from the data directory.
std::unique_ptr<Provider> make_file_provider(const config::ProviderConfig& cfg,
                                             const config::Config& config);

} // namespace notify::providers
