// The table of notify's subcommands: one row per command file.
#pragma once

#include <string_view>
#include <vector>

#include "cli/context.hpp"

namespace CLI {
class App;
}

namespace notify::cli {

// Adds a subcommand to `app` whose callback sets ctx.action.
using AddCommand = void (*)(CLI::App& app, Context& ctx);

struct CommandSpec {
    std::string_view name;
    AddCommand add;
};

// Every subcommand, in the order --help lists them.
const std::vector<CommandSpec>& command_table();

void add_send_command(CLI::App& app, Context& ctx);
void add_preview_command(CLI::App& app, Context& ctx);
void add_ls_command(CLI::App& app, Context& ctx);
void add_show_command(CLI::App& app, Context& ctx);
void add_cancel_command(CLI::App& app, Context& ctx);
void add_retry_command(CLI::App& app, Context& ctx);
void add_hold_command(CLI::App& app, Context& ctx);
void add_release_command(CLI::App& app, Context& ctx);
void add_purge_command(CLI::App& app, Context& ctx);
void add_stats_command(CLI::App& app, Context& ctx);
void add_dispatch_command(CLI::App& app, Context& ctx);
void add_schedule_command(CLI::App& app, Context& ctx);
void add_provider_command(CLI::App& app, Context& ctx);
void add_config_command(CLI::App& app, Context& ctx);
void add_template_command(CLI::App& app, Context& ctx);
void add_user_command(CLI::App& app, Context& ctx);
void add_import_command(CLI::App& app, Context& ctx);
void add_events_command(CLI::App& app, Context& ctx);
void add_device_command(CLI::App& app, Context& ctx);
void add_prefs_command(CLI::App& app, Context& ctx);
void add_doctor_command(CLI::App& app, Context& ctx);
void add_migrate_command(CLI::App& app, Context& ctx);
void add_completion_command(CLI::App& app, Context& ctx);

} // namespace notify::cli
