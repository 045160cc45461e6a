// notify config check | show: validate the configuration, or print every value and its origin.
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace notify::cli {

void add_config_command(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("config", "Check or show the configuration");
    cmd->require_subcommand(1);
    auto* check = cmd->add_subcommand("check", "Validate the config file and provider settings");
    check->callback([&ctx] {
        ctx.action = [&ctx] {
            const config::Config& config = ctx.config(); // loads and validates, or throws
            std::string source = config.source_file.empty() ? "built-in defaults (no config file)"
                                                            : config.source_file;
            if (ctx.globals.json) {
                print_json(ctx.out, {{"ok", true}, {"source", source}});
            } else {
                ctx.out << "config ok: " << source << '\n';
            }
        };
    });
    auto* show = cmd->add_subcommand("show", "Print each effective value and where it came from");
    show->footer("Plain output: KEY = VALUE  # ORIGIN (secrets print as ********)");
    show->callback([&ctx] {
        ctx.action = [&ctx] {
            auto settings = config::describe(ctx.config());
            if (ctx.globals.json) {
                auto array = nlohmann::ordered_json::array();
                for (const auto& s : settings) {
                    array.push_back({{"key", s.key}, {"value", s.value}, {"origin", s.origin}});
                }
                print_json(ctx.out, array);
                return;
            }
            for (const auto& s : settings) {
                ctx.out << s.key << " = " << s.value << "  # " << s.origin << '\n';
            }
        };
    });
}

} // namespace notify::cli
