// notifyd: load config, open the store, and run dispatch passes until SIGTERM/SIGINT.
#include "daemon/run.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "cli/context.hpp"
#include "common/config/config.hpp"
#include "common/dispatch/dispatch_lock.hpp"
#include "common/dispatch/dispatcher.hpp"
#include "common/dispatch/wakeup.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/schedule/duration.hpp"
#include "daemon/signals.hpp"
#include "daemon/systemd_notify.hpp"

namespace notify::daemon {

namespace {

struct Options {
    std::optional<std::string> config_path;
    std::optional<std::string> db_path;
    bool once = false;
    int verbose = 0;
};

void setup_logging(int verbose) {
    auto logger = spdlog::stderr_logger_mt("notifyd");
    // journald stamps each line itself; a terminal gets the time.
    logger->set_pattern(::isatty(STDERR_FILENO) ? "%Y-%m-%dT%H:%M:%S.%e notifyd %l: %v"
                                                : "notifyd %l: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(verbose >= 1 ? spdlog::level::debug : spdlog::level::info);
}

config::Config load_config(const Options& o) {
    config::LoadOptions load;
    load.config_flag = o.config_path;
    load.db_flag = o.db_path;
    config::Config config = config::load(load);
    providers::validate(config);
    return config;
}

int serve(const Options& o) {
    static SignalFlags flags;
    install_signal_handlers(flags);
    config::Config config = load_config(o);
    auto store = cli::open_store(config);
    dispatch::DispatchLock lock(config.store_path.value);
    dispatch::WakeupListener wakeup(config.store_path.value);
    schedule::SystemClock clock;
    std::string owner = dispatch::make_owner_id();
    spdlog::info("started: store {}, config {}, owner {}", config.store_path.value,
                 config.source_file.empty() ? "built-in defaults" : config.source_file, owner);
    // We hold the lock: anything still `sending` belongs to a dispatcher that died.
    if (int rescued = store->rescue(clock.now(), owner); rescued > 0) {
        spdlog::warn("rescued {} notification(s) left in flight by a previous dispatcher", rescued);
    }

    auto make_options = [&](const config::Config& c) {
        dispatch::DispatchOptions options;
        options.owner = owner;
        options.batch = c.batch;
        return options;
    };
    auto dispatcher =
        std::make_unique<dispatch::Dispatcher>(*store, config, clock, make_options(config));
    SystemdNotifier systemd;
    if (o.once) {
        dispatch::PassReport r = dispatcher->run_until_idle();
        spdlog::info("once: scheduled {} claimed {} sent {} retrying {} dead {} deferred {}",
                     r.scheduled, r.claimed, r.sent, r.retrying, r.dead, r.deferred);
        return 0;
    }
    systemd.ready("dispatching from " + config.store_path.value);
    while (!flags.stop.load()) {
        systemd.keep_alive(clock.now());
        if (flags.reload.exchange(false)) {
            try {
                config::Config fresh = load_config(o);
                if (fresh.store_path.value != config.store_path.value) {
                    spdlog::warn("reload: store path change to {} needs a restart; keeping {}",
                                 fresh.store_path.value, config.store_path.value);
                    fresh.store_path = config.store_path;
                }
                // Let the old dispatcher finish what it holds before switching.
                dispatcher->drain(config.shutdown_grace);
                dispatcher.reset();
                config = std::move(fresh);
                dispatcher = std::make_unique<dispatch::Dispatcher>(*store, config, clock,
                                                                    make_options(config));
                spdlog::info("reloaded configuration");
            } catch (const Error& e) {
                spdlog::error("reload failed, keeping the previous configuration: {}", e.what());
            }
        }
        bool idle = true;
        try {
            dispatch::PassReport r = dispatcher->turn();
            idle = r.claimed == 0 && r.rescued == 0 && r.expired == 0 && r.scheduled == 0 &&
                   r.sent + r.retrying + r.dead + r.deferred == 0;
        } catch (const Error& e) {
            if (e.code() != Exit::tempfail) {
                throw;
            }
            spdlog::warn("store busy, will retry: {}", e.what());
        }
        if (flags.stop.load()) {
            break;
        }
        // Sleep until the next due row, lease expiry or schedule slot (at most the safety poll
        // interval), a send finishing, a poke from `notify send`, or a signal.
        Millis sleep = config.poll_interval;
        if (auto next = dispatcher->next_wakeup()) {
            sleep = std::clamp(*next - clock.now(), Millis{0}, config.poll_interval);
        }
        if (auto cap = systemd.max_sleep()) {
            sleep = std::min(sleep, *cap);
        }
        if (sleep <= Millis{0} && idle) {
            sleep = Millis{50}; // due but nothing could be done now (lanes full): do not spin
        }
        if (sleep > Millis{0}) {
            wait_for_signal(static_cast<int>(sleep.count()), wakeup.fd(),
                            dispatcher->completion_fd());
            wakeup.drain();
        }
    }
    systemd.stopping();
    spdlog::info("stopping: waiting up to {} for {} send(s) in flight",
                 schedule::format_duration(config.shutdown_grace), dispatcher->in_flight());
    dispatch::PassReport r = dispatcher->drain(config.shutdown_grace);
    if (dispatcher->in_flight() > 0 || r.deferred > 0) {
        // Sends still running hold provider objects: leave without destroying them. Their rows
        // are already given back to the store.
        spdlog::info("stopped ({} released)", r.deferred);
        spdlog::shutdown();
        std::_Exit(0);
    }
    spdlog::info("stopping");
    return 0;
}

int report(std::ostream& err, const Error& e) {
    err << "notifyd: " << e.what() << '\n';
    if (!e.hint().empty()) {
        err << "  " << e.hint() << '\n';
    }
    return static_cast<int>(e.code());
}

} // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    Options o;
    CLI::App app("notifyd: the notify scheduler daemon. Runs in the foreground, logs to stderr;\n"
                 "SIGTERM/SIGINT stop it cleanly, SIGHUP reloads the config.",
                 "notifyd");
    app.set_version_flag("--version", std::string("notifyd ") + NOTIFY_VERSION);
    app.add_option("--config", o.config_path, "Config file (else $NOTIFY_CONFIG, ...)")
        ->type_name("PATH");
    app.add_option("--db", o.db_path, "Store file (else $NOTIFY_DB, store.path, ...)")
        ->type_name("PATH");
    app.add_flag("--once", o.once, "Dispatch what is due, then exit");
    app.add_flag("-v,--verbose", o.verbose, "Debug logging");
    app.footer("See notifyd(8).");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForVersion&) {
        out << "notifyd " << NOTIFY_VERSION << '\n';
        return 0;
    } catch (const CLI::Success& e) { // --help
        return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
        return report(err, Error(Exit::usage, e.what(), "run 'notifyd --help' for usage"));
    }
    try {
        setup_logging(o.verbose);
        return serve(o);
    } catch (const Error& e) {
        return report(err, e);
    } catch (const std::exception& e) {
        return report(err, Error(Exit::software, std::string("internal error: ") + e.what()));
    }
}

} // namespace notify::daemon
