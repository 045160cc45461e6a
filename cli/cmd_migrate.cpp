// notify migrate --from LOCATION --to LOCATION: copies a whole store, history included, between
// backends (a SQLite file, a PostgreSQL URL) in one transaction of the destination.
#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
#include "common/store/job_store.hpp"
#include "common/text/store_url.hpp"

namespace notify::cli {

namespace {

struct MigrateOptions {
    std::string from;
    std::string to;
    bool force = false;
};

// The page cache of each SQLite end: a bulk insert whose index pages spill from SQLite's default
// 2 MiB cache writes them to the WAL again and again.
constexpr int k_cache_kib = 64 * 1024;

// Rows between two updates of a table's progress line.
constexpr std::int64_t k_progress_every = 10'000;

// The tables the plain summary names; --json counts every table.
constexpr const char* k_summary_tables[] = {"notifications", "events", "schedules", "users"};

bool path_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 || errno != ENOENT;
}

// Opens the store at `location`: a postgresql:// or postgres:// URL, else a SQLite path, created
// unless `must_exist` (then a missing file is Error(io) "no store at PATH").
std::unique_ptr<store::JobStore> open_location(Context& ctx, const std::string& location,
                                               bool must_exist) {
    if (text::is_postgres_url(location)) {
        store::PostgresOptions options;
        options.url = location;
        options.warn = [&ctx](const std::string& warning) {
            ctx.err << "notify: warning: " << warning << '\n';
        };
        return store::open_postgres_store(options);
    }
    if (must_exist && !path_exists(location)) {
        throw Error(Exit::io, "no store at " + location,
                    "--from names an existing store file or a postgresql:// URL");
    }
    store::SqliteOptions options;
    options.path = location;
    options.cache_kib = k_cache_kib;
    return store::open_sqlite_store(options);
}

// True when `a` and `b` name the same store: the same URL, or paths to the same file (the
// destination's may not exist yet).
bool same_location(const std::string& a, const std::string& b) {
    const bool url_a = text::is_postgres_url(a);
    if (url_a != text::is_postgres_url(b)) {
        return false;
    }
    if (url_a) {
        return a == b;
    }
    std::error_code ec_a;
    std::error_code ec_b;
    auto canonical_a = std::filesystem::weakly_canonical(a, ec_a);
    auto canonical_b = std::filesystem::weakly_canonical(b, ec_b);
    if (ec_a || ec_b) {
        return a == b;
    }
    std::error_code ec;
    return canonical_a == canonical_b || std::filesystem::equivalent(canonical_a, canonical_b, ec);
}

std::size_t column_of(const store::PortableTable& table, const std::string& column) {
    auto it = std::find(table.columns.begin(), table.columns.end(), column);
    if (it == table.columns.end()) {
        throw Error(Exit::software, "portable table " + table.name + " lacks column " + column);
    }
    return static_cast<std::size_t>(it - table.columns.begin());
}

// Throws Error(tempfail) if `source` has rows in `sending` whose lease has not expired by the
// store's clock: a dispatcher is working on them.
void refuse_live_leases(store::JobStore& source, TimePoint now) {
    auto stats = source.stats(now);
    auto sending = stats.by_status.find(model::Status::sending);
    if (sending == stats.by_status.end() || sending->second == 0) {
        return; // the common case, from the counters, without reading a row
    }
    const store::PortableTable& notifications = store::portable_tables().front();
    const std::size_t status = column_of(notifications, "status");
    const std::size_t lease_until = column_of(notifications, "lease_until");
    const std::int64_t now_ms = to_unix_ms(now + source.clock_offset().value_or(Millis{0}));
    std::int64_t live = 0;
    source.export_rows(notifications, [&](const store::Row& row) {
        const auto* state = std::get_if<std::string>(&row[status]);
        const auto* until = std::get_if<std::int64_t>(&row[lease_until]);
        if (state != nullptr && *state == "sending" && until != nullptr && *until > now_ms) {
            ++live;
        }
    });
    if (live > 0) {
        throw Error(Exit::tempfail,
                    "source store " + source.describe() + " has " + std::to_string(live) +
                        " notification(s) being sent (status sending, lease not expired)",
                    "stop notifyd first (or wait for the leases to expire); --force copies them "
                    "as they are, and the destination's dispatcher sends them again once their "
                    "leases expire");
    }
}

// A progress line per table on a terminal's standard error: the count rewritten in place while
// the table copies. An error leaves the line ended, so the error message starts a line of its
// own.
class Progress {
  public:
    explicit Progress(std::ostream* err) : m_err(err) {}
    ~Progress() {
        if (m_open) {
            *m_err << '\n';
        }
    }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void update(const std::string& table, std::int64_t rows) {
        if (m_err != nullptr) {
            *m_err << '\r' << table << ": " << rows << std::flush;
            m_open = true;
        }
    }
    void done(const std::string& table, std::int64_t rows) {
        if (m_err != nullptr) {
            *m_err << '\r' << table << ": " << rows << '\n' << std::flush;
            m_open = false;
        }
    }

  private:
    std::ostream* m_err;
    bool m_open = false;
};

// Removes a SQLite destination this command created (with its -wal and -shm files) unless
// keep() was called: a failed migration leaves no new store behind. Declared before the store
// it guards, so the store is closed first.
class RemoveUnlessKept {
  public:
    RemoveUnlessKept(std::string path, bool created) : m_path(std::move(path)), m_armed(created) {}
    ~RemoveUnlessKept() {
        if (m_armed) {
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
                std::error_code ignored; // best effort: the error being reported matters more
                std::filesystem::remove(m_path + suffix, ignored);
            }
        }
    }
    RemoveUnlessKept(const RemoveUnlessKept&) = delete;
    RemoveUnlessKept& operator=(const RemoveUnlessKept&) = delete;

    void keep() { m_armed = false; }

  private:
    std::string m_path;
    bool m_armed;
};

using Counts = std::vector<std::pair<std::string, std::int64_t>>;

// Copies every portable table of `source` into `destination` in one transaction. Returns the
// rows copied per table, in portable_tables() order.
Counts copy_tables(store::JobStore& source, store::JobStore& destination, Progress& progress) {
    auto import = destination.begin_import();
    Counts counts;
    for (const store::PortableTable& table : store::portable_tables()) {
        std::int64_t rows = 0;
        source.export_rows(table, [&](const store::Row& row) {
            import->add(table, row);
            if (++rows % k_progress_every == 0) {
                progress.update(table.name, rows);
            }
        });
        progress.done(table.name, rows);
        counts.emplace_back(table.name, rows);
    }
    import->commit();
    return counts;
}

void print_summary(Context& ctx, const Counts& counts, const std::string& from,
                   const std::string& to) {
    if (ctx.globals.json) {
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        for (const auto& [table, rows] : counts) {
            j[table] = rows;
        }
        print_json(ctx.out, j);
        return;
    }
    std::string line = "migrated";
    for (const char* name : k_summary_tables) {
        auto it = std::find_if(counts.begin(), counts.end(),
                               [&](const auto& count) { return count.first == name; });
        line += std::string(line == "migrated" ? " " : ", ") +
                std::to_string(it == counts.end() ? 0 : it->second) + " " + name;
    }
    ctx.out << line << " from " << from << " to " << to << '\n';
}

void migrate(Context& ctx, const MigrateOptions& o) {
    if (o.from.empty() || o.to.empty()) {
        throw Error(Exit::usage, std::string(o.from.empty() ? "--from" : "--to") +
                                     ": give a store file or a postgresql:// URL");
    }
    if (same_location(o.from, o.to)) {
        throw Error(Exit::usage, "--from and --to name the same store: " + o.to);
    }
    auto source = open_location(ctx, o.from, true);
    if (!o.force) {
        refuse_live_leases(*source, ctx.clock().now());
    }
    const bool is_file = !text::is_postgres_url(o.to);
    RemoveUnlessKept created(o.to, is_file && !path_exists(o.to));
    auto destination = open_location(ctx, o.to, false);
    if (source->describe() == destination->describe()) {
        throw Error(Exit::usage, "--from and --to name the same store: " + destination->describe());
    }
    // Progress only for a person watching: standard error is the process's, and a terminal.
    Progress progress(&ctx.err == &std::cerr && ::isatty(STDERR_FILENO) ? &ctx.err : nullptr);
    Counts counts = copy_tables(*source, *destination, progress);
    created.keep();
    print_summary(ctx, counts, source->describe(), destination->describe());
}

} // namespace

void add_migrate_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<MigrateOptions>();
    auto* cmd = app.add_subcommand(
        "migrate", "Copy a whole store, history included, into an empty one (SQLite, PostgreSQL)");
    cmd->add_option("--from", o->from, "The store to copy: a SQLite file or a postgresql:// URL")
        ->required()
        ->type_name("PATH|URL");
    cmd->add_option("--to", o->to,
                    "The empty store to fill: a SQLite file (created) or a postgresql:// URL")
        ->required()
        ->type_name("PATH|URL");
    cmd->add_flag("--force", o->force,
                  "Copy even notifications being sent (lease not expired), as they are");
    cmd->footer(
        "Copies notifications with their attempts, events and attachments, schedules, rate-limit\n"
        "buckets, users, devices and preferences, ids included, in one transaction: on any\n"
        "error the destination keeps nothing. Ignores --db and store settings of the config.\n"
        "Examples:\n"
        "  notify migrate --from ~/.local/share/notify/notify.db \\\n"
        "      --to postgresql://notify@db.example.com/notify\n"
        "  notify migrate --from postgresql://notify@db.example.com/notify --to backup.db");
    cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { migrate(ctx, *o); }; });
}

} // namespace notify::cli
