// notify doctor: checks config, secrets, store, queue, dispatcher, clock and disk; one line per
// problem (or a JSON array of every check), exit 1 when a check fails.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/config/paths.hpp"
#include "common/config/secret_audit.hpp"
#include "common/dispatch/dispatch_lock.hpp"
#include "common/dispatch/wakeup.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/schedule/duration.hpp"
#include "common/store/job_store.hpp"
#include "common/store/shared_store.hpp"
#include "common/store/store_health.hpp"
#include "common/text/store_url.hpp"

namespace notify::cli {

namespace {

// Thresholds used when alerts.backlog / alerts.oldest_due are not configured.
constexpr std::int64_t k_default_backlog = 1000;
constexpr Millis k_default_oldest_due{15 * 60'000};
// A lease expired longer ago than this was not rescued by a live dispatcher (it rescues within
// about a second).
constexpr Millis k_lease_grace{30'000};
// An event later than now by more than this means the clock went back.
constexpr Millis k_skew_tolerance{60'000};
constexpr unsigned long long k_mib = 1024ULL * 1024;
constexpr unsigned long long k_disk_fail_bytes = 16 * k_mib;
constexpr unsigned long long k_disk_warn_bytes = 100 * k_mib;
constexpr double k_disk_warn_fraction = 0.05;

enum class Status { ok, warn, fail };

const char* to_string(Status s) {
    switch (s) {
    case Status::ok:
        return "ok";
    case Status::warn:
        return "warn";
    case Status::fail:
        return "fail";
    }
    return "fail";
}

struct Check {
    std::string name;
    Status status = Status::ok;
    std::string detail;
};

struct DoctorOptions {
    bool all = false;
    bool strict = false;
};

std::string octal_mode(unsigned mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", mode & 07777);
    return text;
}

// Whole seconds, e.g. "1h2m3s".
std::string age_text(Millis d) {
    return schedule::format_duration(Millis{d.count() / 1000 * 1000});
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

class Doctor {
  public:
    Doctor(const GlobalOptions& globals, TimePoint now) : m_now(now) {
        m_load.config_flag = globals.config_path;
        m_load.db_flag = globals.db_path;
    }

    std::vector<Check> run() {
        check_config();
        check_secrets();
        if (m_config && m_config->uses_postgres()) {
            check_postgres_store();
        } else if (m_config) {
            check_store();
            check_daemon();
            check_disk();
        }
        return std::move(m_checks);
    }

  private:
    void add(std::string name, Status status, std::string detail) {
        m_checks.push_back(Check{std::move(name), status, std::move(detail)});
    }

    void check_config() {
        try {
            m_config = config::load(m_load);
        } catch (const Error& e) {
            add("config", Status::fail, e.what());
            return;
        }
        add("config", Status::ok,
            m_config->source_file.empty() ? "no config file: built-in defaults"
                                          : m_config->source_file + " parses and validates");
        try {
            providers::validate(*m_config);
            add("providers", Status::ok,
                std::to_string(m_config->providers.size()) + " providers validate");
            const auto shortfalls = providers::lease_shortfalls(*m_config);
            for (const std::string& shortfall : shortfalls) {
                add("lease", Status::warn, shortfall);
            }
            if (shortfalls.empty()) {
                add("lease", Status::ok,
                    "daemon.lease (" + schedule::format_duration(m_config->lease) +
                        ") outlasts every channel's provider timeouts");
            }
        } catch (const Error& e) {
            add("providers", Status::fail, e.what());
        }
    }

    void check_secrets() {
        std::optional<std::string> file;
        try {
            file = config::find_config_file(m_load);
        } catch (const Error&) {
            return; // the config check reported it
        }
        if (!file) {
            return;
        }
        auto text = config::read_whole_file(*file);
        if (!text) {
            return; // likewise
        }
        const auto audit = config::audit_secrets(*text, *file, config::process_env());
        for (const auto& ref : audit.references) {
            const std::string place = *file + ":" + std::to_string(ref.line) + ": " + ref.key;
            if (ref.error) {
                add("secrets", Status::fail, place + ": " + *ref.error);
            } else if (ref.readable_by_others) {
                add("secrets", Status::warn,
                    place + ": secret file " + ref.file +
                        " is readable by group or others (chmod 600 it)");
            } else {
                add("secrets", Status::ok, place + ": " + ref.reference + " resolves");
            }
        }
        struct stat st {};
        if (::stat(file->c_str(), &st) != 0) {
            return;
        }
        const unsigned mode = st.st_mode & 07777;
        if (!audit.literal_secrets.empty() && (mode & (S_IRGRP | S_IROTH)) != 0) {
            // config::load() refuses such a file; this names the keys to move.
            add("config_permissions", Status::fail,
                *file + " holds secrets (" + join(audit.literal_secrets) + ") and has mode " +
                    octal_mode(mode) +
                    ": chmod 600 it, or move them to ${env:...} / ${file:...} references");
        } else {
            add("config_permissions", Status::ok,
                *file + " has mode " + octal_mode(mode) +
                    (audit.literal_secrets.empty() ? ", no secrets written in it" : ""));
        }
    }

    void check_store() {
        const std::string& path = m_config->store_path.value;
        m_health = store::inspect_sqlite_store(path, m_now, m_config->busy_timeout);
        const auto& h = *m_health;
        if (!h.exists) {
            add("store", Status::warn, path + " does not exist yet (created on first use)");
            return;
        }
        if (h.error) {
            add("store", Status::fail, path + ": " + *h.error);
            return;
        }
        if (h.integrity != "ok") {
            add("store", Status::fail, path + ": integrity check: " + h.integrity);
        } else {
            add("store", Status::ok, path + " opens");
        }
        check_store_permissions(path, h.mode);
        if (h.version == 0) {
            add("schema", Status::warn, "empty store: its schema is created on first use");
            return;
        }
        const std::string versions = "schema version " + std::to_string(h.version) +
                                     ", this notify's " + std::to_string(h.latest);
        if (h.version > h.latest) {
            add("schema", Status::fail, versions + ": newer than this notify understands");
        } else if (h.version < h.latest) {
            add("schema", Status::warn, versions + ": migrated on the next use of the store");
        } else {
            add("schema", Status::ok, "schema version " + std::to_string(h.version));
        }
        check_pragmas(h);
        check_queue(h);
    }

    // A shared PostgreSQL store: reachable, schema, clocks, the queue, and the notifyd instances
    // by their heartbeats. Opened without migrating, so doctor writes nothing there either.
    void check_postgres_store() {
        std::unique_ptr<store::JobStore> pg;
        store::PostgresOptions options;
        options.url = m_config->store_url.value;
        options.instance_timeout = m_config->instance_timeout;
        options.migrate = false;
        const std::string shown = text::mask_url_password(options.url);
        try {
            pg = store::open_postgres_store(options);
        } catch (const Error& e) {
            add("store", Status::fail, e.what());
            return;
        }
        try {
            add("store", Status::ok, shown + " answers");
            const auto v = pg->schema_version();
            const std::string versions = "schema version " + std::to_string(v.current) +
                                         ", this notify's " + std::to_string(v.latest);
            if (v.current == 0) {
                add("schema", Status::warn, "empty database: its schema is created on first use");
                return;
            }
            if (v.current > v.latest) {
                add("schema", Status::fail, versions + ": newer than this notify understands");
                return;
            }
            if (v.current < v.latest) {
                add("schema", Status::warn, versions + ": migrated on the next use of the store");
                return;
            }
            add("schema", Status::ok, "schema version " + std::to_string(v.current));
            const Millis offset = pg->clock_offset().value_or(Millis{0});
            if (std::chrono::abs(offset) > Millis{2000}) {
                add("clock_skew", Status::warn,
                    "this host's clock is " + age_text(std::chrono::abs(offset)) +
                        (offset.count() > 0 ? " behind" : " ahead of") +
                        " the PostgreSQL server's: notifyd follows the server's clock, but "
                        "times this host prints and parses are off (run NTP)");
            } else {
                add("clock_skew", Status::ok,
                    "this host's clock is within 2s of the PostgreSQL server's");
            }
            check_instances(*pg);
            const store::Stats stats = pg->stats(m_now + offset);
            const auto backlog = m_config->alerts.backlog.value_or(k_default_backlog);
            add("backlog", stats.due_now > backlog ? Status::fail : Status::ok,
                std::to_string(stats.due_now) + " notifications due and unclaimed (threshold " +
                    std::to_string(backlog) + ")");
            const Millis oldest_limit = m_config->alerts.oldest_due.value_or(k_default_oldest_due);
            const Millis age = stats.oldest_due_age.value_or(Millis{0});
            add("oldest_due", age > oldest_limit ? Status::fail : Status::ok,
                (stats.oldest_due_age ? "the oldest due notification has waited " + age_text(age)
                                      : std::string("nothing due")) +
                    " (threshold " + schedule::format_duration(oldest_limit) + ")");
        } catch (const Error& e) {
            add("store", Status::fail, e.what());
        }
    }

    void check_instances(store::JobStore& pg) {
        const auto offset = pg.clock_offset().value_or(Millis{0});
        int live = 0;
        std::vector<std::string> silent;
        for (const auto& i : pg.instances()) {
            const Millis quiet = m_now + offset - i.seen_at;
            if (quiet <= m_config->instance_timeout) {
                ++live;
            } else {
                silent.push_back(i.owner + " (silent " + age_text(quiet) + ", " +
                                 std::to_string(i.sending) + " sending)");
            }
        }
        if (live == 0) {
            add("daemon", Status::warn,
                "no notifyd heartbeats on this store: nothing is delivered until one runs (or "
                "cron runs 'notify dispatch --once')");
        } else {
            add("daemon", Status::ok, std::to_string(live) + " notifyd instance(s) heartbeating");
        }
        if (!silent.empty()) {
            add("instances", Status::warn,
                "silent past store.instance_timeout, their sends are rescued by the others: " +
                    join(silent));
        } else {
            add("instances", Status::ok, "no silent instance");
        }
    }

    void check_store_permissions(const std::string& path, unsigned mode) {
        const std::string dir = std::filesystem::path(path).parent_path().string();
        if (store::file_mode_in(dir) == 0660 && (mode & 07) == 0) {
            add("store_permissions", Status::ok,
                path + " has mode " + octal_mode(mode) + ", shared with the group of " + dir);
        } else if ((mode & 077) != 0) {
            add("store_permissions", Status::warn,
                path + " has mode " + octal_mode(mode) +
                    ": group or others can reach every notification (chmod 600 it)");
        } else {
            add("store_permissions", Status::ok, path + " has mode " + octal_mode(mode));
        }
    }

    void check_pragmas(const store::StoreHealth& h) {
        const bool full = m_config->durability == config::Durability::full;
        const std::string shown =
            "journal_mode=" + h.journal_mode + ", synchronous=" + (full ? "FULL" : "NORMAL");
        if (h.journal_mode != "wal") {
            add("pragmas", Status::fail,
                shown + ": the store is not in WAL mode (a store notify created always is)");
        } else if (!full) {
            add("pragmas", Status::warn,
                shown + " (store.durability: normal): a power loss may drop the last commits");
        } else {
            add("pragmas", Status::ok, shown);
        }
    }

    void check_queue(const store::StoreHealth& h) {
        if (h.expired_leases > 0 && h.oldest_lease_end &&
            m_now - *h.oldest_lease_end > k_lease_grace) {
            add("stuck_leases", Status::fail,
                std::to_string(h.expired_leases) +
                    " notifications are 'sending' with an expired lease (the oldest expired " +
                    age_text(m_now - *h.oldest_lease_end) +
                    " ago): their dispatcher died; a running notifyd or 'notify dispatch "
                    "--once' rescues them");
        } else {
            add("stuck_leases", Status::ok, "no expired leases");
        }

        const auto backlog = m_config->alerts.backlog.value_or(k_default_backlog);
        const std::string backlog_source =
            m_config->alerts.backlog ? "alerts.backlog" : "default threshold";
        add("backlog", h.due > backlog ? Status::fail : Status::ok,
            std::to_string(h.due) + " notifications due and unclaimed (" + backlog_source + " " +
                std::to_string(backlog) + ")");

        const Millis oldest_limit = m_config->alerts.oldest_due.value_or(k_default_oldest_due);
        const std::string oldest_source =
            m_config->alerts.oldest_due ? "alerts.oldest_due" : "default threshold";
        const Millis age = h.oldest_due ? m_now - *h.oldest_due : Millis{0};
        add("oldest_due", age > oldest_limit ? Status::fail : Status::ok,
            (h.oldest_due ? "the oldest due notification has waited " + age_text(age)
                          : std::string("nothing due")) +
                " (" + oldest_source + " " + schedule::format_duration(oldest_limit) + ")");

        if (h.newest_event && *h.newest_event - m_now > k_skew_tolerance) {
            add("clock_skew", Status::warn,
                "the newest event in the store is " + age_text(*h.newest_event - m_now) +
                    " in the future: the system clock went back, or another host writing "
                    "the store runs ahead");
        } else {
            add("clock_skew", Status::ok, "no event in the future");
        }
    }

    void check_daemon() {
        const std::string& path = m_config->store_path.value;
        // Only a dispatcher holding the lock binds the wake-up socket: when it is bound, the
        // lock needs no probe (a probe could collide with a dispatcher starting).
        if (dispatch::wakeup_bound(path)) {
            const std::string pid = dispatch::dispatch_lock_pid(path);
            add("daemon", Status::ok,
                "dispatcher" + (pid.empty() ? "" : " pid " + pid) +
                    " holds the store, wake-up socket bound");
            return;
        }
        auto holder = dispatch::dispatch_lock_holder(path);
        if (!holder) {
            add("daemon", Status::warn,
                "no dispatcher holds " + path +
                    ": nothing is delivered until notifyd runs (or cron runs 'notify dispatch "
                    "--once')");
            return;
        }
        add("daemon", Status::warn,
            "dispatcher" + (holder->empty() ? "" : " pid " + *holder) +
                " holds the store but no wake-up socket is bound (notify dispatch --once, or a "
                "notifyd that polls only)");
    }

    void check_disk() {
        std::filesystem::path dir = std::filesystem::path(m_config->store_path.value).parent_path();
        std::error_code ec;
        while (!dir.empty() && !std::filesystem::exists(dir, ec) && dir != dir.root_path()) {
            dir = dir.parent_path();
        }
        struct statvfs vfs {};
        if (dir.empty() || ::statvfs(dir.c_str(), &vfs) != 0) {
            add("disk_space", Status::warn, "cannot read the free space of " + dir.string());
            return;
        }
        const unsigned long long free_bytes =
            static_cast<unsigned long long>(vfs.f_bavail) * vfs.f_frsize;
        const unsigned long long total_bytes =
            static_cast<unsigned long long>(vfs.f_blocks) * vfs.f_frsize;
        const double fraction =
            total_bytes == 0 ? 1.0
                             : static_cast<double>(free_bytes) / static_cast<double>(total_bytes);
        char text[160];
        std::snprintf(text, sizeof text, "%llu MiB free (%.1f%%) on the filesystem of %s",
                      free_bytes / k_mib, fraction * 100.0, dir.c_str());
        Status status = Status::ok;
        if (free_bytes < k_disk_fail_bytes) {
            status = Status::fail;
        } else if (free_bytes < k_disk_warn_bytes || fraction < k_disk_warn_fraction) {
            status = Status::warn;
        }
        add("disk_space", status, text);
    }

    TimePoint m_now;
    config::LoadOptions m_load;
    std::optional<config::Config> m_config;
    std::optional<store::StoreHealth> m_health;
    std::vector<Check> m_checks;
};

} // namespace

void add_doctor_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<DoctorOptions>();
    auto* cmd = app.add_subcommand("doctor", "Check config, secrets, store, queue and notifyd");
    cmd->add_flag("--all", o->all, "Print every check, not only problems");
    cmd->add_flag("--strict", o->strict, "Exit 1 on warnings too");
    cmd->footer("Plain output: one line per problem, 'warn|fail CHECK: DETAIL' (--all: every\n"
                "check). --json: an array of {check, status, detail}, every check.\n"
                "Exit 0 when no check fails, 1 when one does (--strict: or warns).\n"
                "Checks: config providers secrets config_permissions store store_permissions\n"
                "schema pragmas stuck_leases backlog oldest_due clock_skew daemon disk_space\n"
                "(PostgreSQL store: store schema clock_skew daemon instances backlog\n"
                "oldest_due).\n"
                "Read-only: never creates, migrates or writes the store.");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            const auto checks = Doctor(ctx.globals, ctx.clock().now()).run();
            int failed = 0;
            int warned = 0;
            for (const auto& c : checks) {
                failed += c.status == Status::fail ? 1 : 0;
                warned += c.status == Status::warn ? 1 : 0;
            }
            if (ctx.globals.json) {
                nlohmann::ordered_json j = nlohmann::ordered_json::array();
                for (const auto& c : checks) {
                    j.push_back(
                        {{"check", c.name}, {"status", to_string(c.status)}, {"detail", c.detail}});
                }
                print_json(ctx.out, j);
            } else {
                for (const auto& c : checks) {
                    if (o->all || c.status != Status::ok) {
                        ctx.out << to_string(c.status) << ' ' << c.name << ": " << c.detail << '\n';
                    }
                }
                if (!o->all && failed == 0 && warned == 0 && ctx.out_is_tty) {
                    ctx.out << "all " << checks.size() << " checks passed\n";
                }
            }
            const int problems = failed + (o->strict ? warned : 0);
            if (problems > 0) {
                ctx.out.flush();
                throw Error(Exit::no_match, std::to_string(failed) + " check(s) failed, " +
                                                std::to_string(warned) + " warning(s)");
            }
        };
    });
}

} // namespace notify::cli
