// notify purge: delete finished notifications older than a duration.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
#include "common/schedule/duration.hpp"

namespace notify::cli {

namespace {

struct PurgeOptions {
    std::string older_than;
    std::optional<std::string> status;
};

} // namespace

void add_purge_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<PurgeOptions>();
    auto* cmd = app.add_subcommand(
        "purge", "Delete sent, dead, cancelled and suppressed notifications older than D");
    cmd->add_option("--older-than", o->older_than, "Last change at least this long ago")
        ->required()
        ->type_name("DURATION");
    cmd->add_option("--status", o->status, "Only this (finished) status")->type_name("STATUS");
    cmd->footer("Prints the number deleted (0 is not an error).\nExample:\n  notify purge "
                "--older-than 7d --status sent");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            auto age = schedule::parse_duration(o->older_than);
            if (!age) {
                throw Error(Exit::usage, "--older-than: " + age.error());
            }
            std::optional<model::Status> status;
            if (o->status) {
                status = status_or_throw(*o->status);
                if (!model::is_terminal(*status)) {
                    throw Error(Exit::usage, "--status: purge deletes only sent, dead, "
                                             "cancelled or suppressed notifications");
                }
            }
            auto count = ctx.store().purge(ctx.clock().now() - *age, status);
            if (ctx.globals.json) {
                print_json(ctx.out, {{"purged", count}});
            } else {
                ctx.out << count << '\n';
            }
        };
    });
}

} // namespace notify::cli
