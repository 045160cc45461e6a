// notify's global options, and the full command set built from the table.
#include "cli/global_options.hpp"

#include <string>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace notify::cli {

void add_global_options(CLI::App& app, GlobalOptions& globals) {
    app.set_version_flag("--version", std::string("notify ") + NOTIFY_VERSION);
    app.add_option("--config", globals.config_path,
                   "Config file (else $NOTIFY_CONFIG, "
                   "~/.config/notify/config.yaml, "
                   "/etc/notify/config.yaml)")
        ->type_name("PATH");
    app.add_option("--db", globals.db_path,
                   "Store file or postgresql:// URL (else $NOTIFY_DB, store.path, "
                   "~/.local/share/notify/notify.db)")
        ->type_name("PATH");
    app.add_flag("--json", globals.json, "Machine-readable JSON output");
    app.add_flag("--jsonl", globals.jsonl,
                 "JSON lines: listings print one compact object a line; elsewhere as --json");
    app.add_flag("-v,--verbose", globals.verbose, "More log output on stderr (-vv debug)");
}

void add_every_command(CLI::App& app, Context& ctx) {
    for (const auto& command : command_table()) {
        command.add(app, ctx);
    }
}

} // namespace notify::cli
