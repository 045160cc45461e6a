// notify ls: list notifications, filtered.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"

namespace notify::cli {

namespace {

struct LsOptions {
    std::optional<std::string> status;
    std::optional<std::string> channel;
    std::optional<std::string> user;
    int limit = 0;
};

} // namespace

void add_ls_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<LsOptions>();
    auto* cmd = app.add_subcommand("ls", "List notifications (oldest first)");
    cmd->alias("list");
    cmd->add_option("--status", o->status, "Only this status")->type_name("STATUS");
    cmd->add_option("--channel", o->channel, "Only this channel")->type_name("CHANNEL");
    cmd->add_option("--user", o->user, "Only this user")->type_name("USER_ID");
    cmd->add_option("--limit", o->limit, "At most N rows (0: all)")
        ->type_name("N")
        ->check(CLI::Range(0, 1'000'000'000));
    cmd->footer("Plain output, one line per notification, tab-separated:\n"
                "  ID STATUS CHANNEL TO DUE ATTEMPTS LAST_ERROR\n"
                "On a terminal: aligned under a header, relative times, coloured status\n"
                "(NO_COLOR=1 or TERM=dumb: no colour). --jsonl: one JSON object a line.\n"
                "Examples:\n  notify ls --status dead\n  notify ls --status retrying | notify "
                "retry -");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            store::ListFilter filter;
            if (o->status) {
                filter.status = status_or_throw(*o->status);
            }
            filter.channel = o->channel;
            filter.user = o->user;
            filter.limit = o->limit;
            auto rows = ctx.store().list(filter, ctx.clock().now());
            if (ctx.globals.json) {
                auto array = nlohmann::ordered_json::array();
                for (const auto& n : rows) {
                    array.push_back(notification_json(n));
                }
                ctx.print_records(array);
            } else {
                print(ctx.out, notifications_table(rows), ctx.table_style());
            }
            if (rows.empty()) {
                throw Error(Exit::no_match, "");
            }
        };
    });
}

} // namespace notify::cli
