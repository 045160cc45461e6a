// notify dispatch --once: one dispatch pass in the foreground, for cron-only setups.
#include <memory>
#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/dispatch/dispatch_lock.hpp"
#include "common/dispatch/dispatcher.hpp"
#include "common/error.hpp"

namespace notify::cli {

void add_dispatch_command(CLI::App& app, Context& ctx) {
    auto once = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("dispatch", "Send what is due now, then exit (--once)");
    cmd->add_flag("--once", *once,
                  "One pass over what is due (required; notifyd runs "
                  "continuously)");
    cmd->footer("Prints 'scheduled N claimed N sent N retrying N dead N deferred N suppressed "
                "N rescued N expired N'.\nExample "
                "crontab line:\n  * * * * * notify dispatch --once");
    cmd->callback([&ctx, once] {
        ctx.action = [&ctx, once] {
            if (!*once) {
                throw Error(Exit::usage, "dispatch needs --once",
                            "run notifyd for continuous dispatch");
            }
            const config::Config& config = ctx.config();
            store::JobStore& store = ctx.store();
            // SQLite: one dispatcher at a time (the lock). PostgreSQL: one among the others,
            // registered by heartbeat and on the server's clock.
            std::optional<dispatch::DispatchLock> lock;
            if (!store.shared()) {
                lock.emplace(config.store_path.value);
            }
            dispatch::DispatchOptions options;
            options.owner = dispatch::make_owner_id();
            options.batch = config.batch;
            schedule::OffsetClock clock;
            if (store.shared()) {
                store.heartbeat(options.owner, clock.now());
                clock.set_offset(store.clock_offset().value_or(Millis{0}));
            }
            // SQLite: we hold the lock, so anything still `sending` belongs to a dispatcher
            // that died. PostgreSQL: the rows of instances whose heartbeat stopped.
            int rescued = store.rescue(clock.now(), options.owner);
            dispatch::Dispatcher dispatcher(store, config, clock, options);
            dispatch::PassReport r = dispatcher.run_until_idle();
            r.rescued += rescued;
            if (store.shared()) {
                store.leave(options.owner);
            }
            if (ctx.globals.json) {
                print_json(ctx.out, {{"scheduled", r.scheduled},
                                     {"claimed", r.claimed},
                                     {"sent", r.sent},
                                     {"retrying", r.retrying},
                                     {"dead", r.dead},
                                     {"deferred", r.deferred},
                                     {"suppressed", r.suppressed},
                                     {"rescued", r.rescued},
                                     {"expired", r.expired}});
            } else {
                ctx.out << "scheduled " << r.scheduled << " claimed " << r.claimed << " sent "
                        << r.sent << " retrying " << r.retrying << " dead " << r.dead
                        << " deferred " << r.deferred << " suppressed " << r.suppressed
                        << " rescued " << r.rescued << " expired " << r.expired << '\n';
            }
        };
    });
}

} // namespace notify::cli
