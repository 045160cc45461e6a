// notify cancel | retry | hold | release: operator verbs on ids, all-or-nothing.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"

namespace notify::cli {

namespace {

// `example_status`: a status the verb applies to, for the --help example.
void add_verb(CLI::App& app, Context& ctx, const char* name, const char* summary, store::Verb verb,
              const char* example_status) {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand(name, summary);
    cmd->add_option("id", *ids, "Notification id(s); - reads ids from stdin")
        ->required()
        ->type_name("ID");
    cmd->footer(std::string("All or nothing: if any id is missing or in the wrong state, nothing "
                            "changes (exit 1).\nExample:\n  notify ls --status ") +
                example_status + " | notify " + name + " -");
    cmd->callback([&ctx, ids, verb] {
        ctx.action = [&ctx, ids, verb] {
            auto wanted = parse_ids(*ids, ctx.in);
            TimePoint now = ctx.clock().now();
            store::VerbResult result = ctx.store().apply(verb, wanted, now);
            std::vector<std::string> problems;
            for (auto id : result.missing) {
                problems.push_back("no notification " + std::to_string(id));
            }
            for (const auto& why : result.refused) {
                problems.push_back(why);
            }
            if (!problems.empty()) {
                for (std::size_t i = 0; i + 1 < problems.size(); ++i) {
                    ctx.err << "notify: " << problems[i] << '\n';
                }
                throw Error(Exit::no_match, problems.back(),
                            problems.size() > 1 || wanted.size() > 1 ? "nothing was changed" : "");
            }
            ctx.poke_dispatcher();
            if (ctx.globals.json) {
                auto array = nlohmann::ordered_json::array();
                for (auto id : result.changed) {
                    if (auto d = ctx.store().find(id, now)) {
                        array.push_back(notification_json(d->notification));
                    }
                }
                print_json(ctx.out, array);
            } else {
                for (auto id : result.changed) {
                    ctx.out << id << '\n';
                }
            }
        };
    });
}

} // namespace

void add_cancel_command(CLI::App& app, Context& ctx) {
    add_verb(app, ctx, "cancel", "Cancel notifications that have not been sent",
             store::Verb::cancel, "retrying");
}

void add_retry_command(CLI::App& app, Context& ctx) {
    add_verb(app, ctx, "retry", "Make notifications due now (also dead, cancelled, suppressed)",
             store::Verb::retry, "dead");
}

void add_hold_command(CLI::App& app, Context& ctx) {
    add_verb(app, ctx, "hold", "Put notifications on hold: not sent until released",
             store::Verb::hold, "queued");
}

void add_release_command(CLI::App& app, Context& ctx) {
    add_verb(app, ctx, "release", "Release held notifications", store::Verb::release, "held");
}

} // namespace notify::cli
