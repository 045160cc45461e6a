// notify's global options (--version, --config, --db, --json, -v): one definition for the app
// that run() parses and for the one `notify completion` walks.
#pragma once

#include "cli/context.hpp"

namespace CLI {
class App;
}

namespace notify::cli {

// Adds the global options to `app`, bound to `globals`.
void add_global_options(CLI::App& app, GlobalOptions& globals);

// Adds every command of the table to `app`, bound to `ctx`, as `notify --help` sees them.
void add_every_command(CLI::App& app, Context& ctx);

} // namespace notify::cli
