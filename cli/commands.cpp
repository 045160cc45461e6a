// The subcommand table.
#include "cli/commands.hpp"

namespace notify::cli {

const std::vector<CommandSpec>& command_table() {
    static const std::vector<CommandSpec> k_commands = {
        {"send", add_send_command},
        {"preview", add_preview_command},
        {"import", add_import_command},
        {"ls", add_ls_command},
        {"show", add_show_command},
        {"cancel", add_cancel_command},
        {"retry", add_retry_command},
        {"hold", add_hold_command},
        {"release", add_release_command},
        {"purge", add_purge_command},
        {"stats", add_stats_command},
        {"events", add_events_command},
        {"schedule", add_schedule_command},
        {"template", add_template_command},
        {"user", add_user_command},
        {"device", add_device_command},
        {"prefs", add_prefs_command},
        {"provider", add_provider_command},
        {"dispatch", add_dispatch_command},
        {"config", add_config_command},
        {"doctor", add_doctor_command},
        {"migrate", add_migrate_command},
        {"completion", add_completion_command},
    };
    return k_commands;
}

} // namespace notify::cli
