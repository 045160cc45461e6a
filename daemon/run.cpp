// notifyd: load config, open the store, and run dispatch passes until SIGTERM/SIGINT.
#include "daemon/run.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>

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
#include "daemon/http_endpoint.hpp"
#include "daemon/signals.hpp"
#include "daemon/systemd_notify.hpp"

namespace notify::daemon {

namespace {

// How soon the loop tries again after the store failed (e.g. its disk is full).
constexpr Millis k_store_retry{1000};

// SQLite's page cache for the dispatch connection. Each claim and completion touches pages of
// the notifications table, five of its indexes, events and attempts: with the default 2 MiB,
// a queue of 100,000 reads them from the file again on every turn.
constexpr int k_dispatch_cache_kib = 16 * 1024;

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
    for (const std::string& shortfall : providers::lease_shortfalls(config)) {
        spdlog::warn("{}", shortfall);
    }
    return config;
}

int serve(const Options& o) {
    static SignalFlags flags;
    install_signal_handlers(flags);
    config::Config config = load_config(o);
    auto store = cli::open_store(config, k_dispatch_cache_kib,
                                 [](const std::string& warning) { spdlog::warn("{}", warning); });
    // One dispatcher per SQLite store (the lock), woken by `notify send` through a local socket;
    // several per PostgreSQL store, woken by LISTEN/NOTIFY and known to each other by heartbeat.
    std::optional<dispatch::DispatchLock> lock;
    std::optional<dispatch::WakeupListener> wakeup;
    std::unique_ptr<store::DueSignal> due_signal;
    if (store->shared()) {
        due_signal = store->open_due_signal();
    } else {
        lock.emplace(config.store_path.value);
        wakeup.emplace(config.store_path.value);
    }
    schedule::OffsetClock clock;
    std::string owner = dispatch::make_owner_id();
    const Millis heartbeat_every =
        std::clamp(config.instance_timeout / 6, Millis{500}, Millis{5000});
    TimePoint next_heartbeat{};
    auto beat = [&] {
        store->heartbeat(owner, clock.now());
        if (auto offset = store->clock_offset()) {
            clock.set_offset(*offset);
        }
        next_heartbeat = clock.now() + heartbeat_every;
    };
    if (store->shared()) {
        beat();
    }
    spdlog::info("started: store {}, config {}, owner {}", store->describe(),
                 config.source_file.empty() ? "built-in defaults" : config.source_file, owner);
    // SQLite: we hold the lock, so anything still `sending` belongs to a dispatcher that died.
    // PostgreSQL: the rows of instances whose heartbeat stopped.
    if (int rescued = store->rescue(clock.now(), owner); rescued > 0) {
        spdlog::warn("rescued {} notification(s) left in flight by a previous dispatcher", rescued);
    }

    dispatch::DispatchMetrics metrics(clock.now());
    auto make_options = [&](const config::Config& c) {
        dispatch::DispatchOptions options;
        options.owner = owner;
        options.batch = c.batch;
        options.metrics = &metrics;
        return options;
    };
    // A config and the dispatcher built on it. A reload starts a new generation; the old one
    // stops claiming but keeps recording its sends in flight until they finish, so a reload
    // neither stalls other lanes nor sends anything twice.
    struct Generation {
        std::unique_ptr<config::Config> config;
        std::unique_ptr<dispatch::Dispatcher> dispatcher;
    };
    auto start_generation = [&](config::Config c) {
        Generation g;
        g.config = std::make_unique<config::Config>(std::move(c));
        g.dispatcher = std::make_unique<dispatch::Dispatcher>(*store, *g.config, clock,
                                                              make_options(*g.config));
        return g;
    };
    Generation current = start_generation(std::move(config));
    std::vector<Generation> retiring;
    SystemdNotifier systemd;
    std::string store_error; // the store error of the last turns, logged once; "" when none
    if (o.once) {
        dispatch::PassReport r = current.dispatcher->run_until_idle();
        spdlog::info(
            "once: scheduled {} claimed {} sent {} retrying {} dead {} deferred {} suppressed {}",
            r.scheduled, r.claimed, r.sent, r.retrying, r.dead, r.deferred, r.suppressed);
        if (store->shared()) {
            store->leave(owner);
        }
        return 0;
    }
    std::unique_ptr<HttpEndpoint> endpoint;
    if (!current.config->daemon_listen.value.empty()) {
        endpoint = std::make_unique<HttpEndpoint>(*current.config, metrics, clock);
    }
    systemd.ready("dispatching from " + store->describe());
    while (!flags.stop.load()) {
        systemd.keep_alive(clock.now());
        if (endpoint) {
            endpoint->beat(clock.now());
        }
        if (flags.reload.exchange(false)) {
            try {
                config::Config fresh = load_config(o);
                if (fresh.store_path.value != current.config->store_path.value ||
                    fresh.store_url.value != current.config->store_url.value) {
                    spdlog::warn("reload: a store change needs a restart; keeping {}",
                                 store->describe());
                    fresh.store_path = current.config->store_path;
                    fresh.store_url = current.config->store_url;
                }
                if (fresh.daemon_listen.value != current.config->daemon_listen.value) {
                    spdlog::warn("reload: daemon.listen change to {} needs a restart",
                                 fresh.daemon_listen.value.empty() ? "off"
                                                                   : fresh.daemon_listen.value);
                }
                if (endpoint) {
                    endpoint->reconfigure(fresh);
                }
                Generation next = start_generation(std::move(fresh));
                current.dispatcher->retire();
                retiring.push_back(std::move(current));
                current = std::move(next);
                spdlog::info("reloaded configuration");
            } catch (const Error& e) {
                spdlog::error("reload failed, keeping the previous configuration: {}", e.what());
            }
        }
        bool idle = true;
        bool store_failed = false;
        try {
            if (store->shared() && clock.now() >= next_heartbeat) {
                beat();
            }
            for (auto it = retiring.begin(); it != retiring.end();) {
                it->dispatcher->turn(); // records finished sends; claims nothing
                it = it->dispatcher->in_flight() == 0 ? retiring.erase(it) : it + 1;
            }
            dispatch::PassReport r = current.dispatcher->turn();
            idle = r.claimed == 0 && r.rescued == 0 && r.expired == 0 && r.scheduled == 0 &&
                   r.sent + r.retrying + r.dead + r.deferred + r.suppressed == 0;
        } catch (const Error& e) {
            if (e.code() == Exit::tempfail) {
                spdlog::warn("store busy, will retry: {}", e.what());
            } else if (e.code() == Exit::io) {
                // A full disk or a failing store: keep running and try again; results not
                // recorded stay in memory until they are.
                store_failed = true;
                if (store_error != e.what()) {
                    store_error = e.what();
                    spdlog::error("store error, will retry every {}: {}",
                                  schedule::format_duration(k_store_retry), e.what());
                }
            } else {
                throw;
            }
        }
        if (!store_failed && !store_error.empty()) {
            spdlog::info("store usable again after: {}", store_error);
            store_error.clear();
        }
        if (flags.stop.load()) {
            break;
        }
        // Sleep until the next due row, lease expiry or schedule slot (at most the safety poll
        // interval), a send finishing, a poke from `notify send`, or a signal.
        const config::Config& config_now = *current.config;
        Millis sleep = config_now.poll_interval;
        try {
            if (auto next = current.dispatcher->next_wakeup()) {
                sleep = std::clamp(*next - clock.now(), Millis{0}, config_now.poll_interval);
            }
        } catch (const Error& e) {
            if (e.code() != Exit::tempfail && e.code() != Exit::io) {
                throw;
            }
            store_failed = true; // polled again after k_store_retry
        }
        if (auto cap = systemd.max_sleep()) {
            sleep = std::min(sleep, *cap);
        }
        if (sleep <= Millis{0} && idle) {
            sleep = Millis{50}; // due but nothing could be done now (lanes full): do not spin
        }
        if (store_failed) {
            sleep = std::min(config_now.poll_interval, k_store_retry);
        }
        if (store->shared()) {
            sleep = std::clamp(next_heartbeat - clock.now(), Millis{0}, sleep);
        }
        if (due_signal) {
            due_signal->check(clock.now());
        }
        if (sleep > Millis{0}) {
            std::vector<int> fds = {wakeup ? wakeup->fd() : (due_signal ? due_signal->fd() : -1),
                                    current.dispatcher->completion_fd()};
            for (const auto& g : retiring) {
                fds.push_back(g.dispatcher->completion_fd());
            }
            wait_for_signal(static_cast<int>(sleep.count()), fds);
            if (wakeup) {
                wakeup->drain();
            }
        }
        if (due_signal) {
            due_signal->drain();
        }
    }
    systemd.stopping();
    retiring.push_back(std::move(current));
    int in_flight = 0;
    for (const auto& g : retiring) {
        in_flight += g.dispatcher->in_flight();
    }
    Millis grace = retiring.back().config->shutdown_grace;
    spdlog::info("stopping: waiting up to {} for {} send(s) in flight",
                 schedule::format_duration(grace), in_flight);
    TimePoint deadline = clock.now() + grace;
    int released = 0;
    bool still_running = false;
    for (auto& g : retiring) {
        try {
            dispatch::PassReport r =
                g.dispatcher->drain(std::max(Millis{0}, deadline - clock.now()));
            released += r.deferred;
        } catch (const Error& e) {
            if (e.code() != Exit::tempfail && e.code() != Exit::io) {
                throw;
            }
            // The store is unreachable: what is in flight stays leased to us, and is rescued
            // when the lease runs out (or, on a shared store, when our heartbeat is missed).
            spdlog::error("stopping without recording what is in flight: {}", e.what());
        }
        still_running = still_running || g.dispatcher->in_flight() > 0;
    }
    if (store->shared()) {
        try {
            store->leave(owner); // our rows are given back: the others need not wait for us
        } catch (const Error& e) {
            spdlog::warn("could not unregister from the store: {}", e.what());
        }
    }
    if (still_running) {
        // Sends still running hold provider objects: leave without destroying them. Their rows
        // are already given back to the store.
        spdlog::info("stopped ({} released)", released);
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
    app.add_option("--db", o.db_path,
                   "Store file or postgresql:// URL (else $NOTIFY_DB, store.path, ...)")
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
