// What every CLI command shares: global options, streams, and the lazily opened config and
// store (a command that never asks for the store never touches it).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/table.hpp"
#include "cli/template_cache.hpp"
#include "common/config/config.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::cli {

struct GlobalOptions {
    std::optional<std::string> config_path; // --config
    std::optional<std::string> db_path;     // --db
    bool json = false;                      // --json (also set by --jsonl)
    bool jsonl = false;                     // --jsonl: listings print one JSON object a line
    int verbose = 0;                        // -v, -vv
};

class Context {
  public:
    Context(std::ostream& out, std::ostream& err, std::istream& in, bool out_is_tty);
    ~Context();

    std::ostream& out;
    std::ostream& err;
    std::istream& in;
    const bool out_is_tty;
    GlobalOptions globals;

    // The chosen subcommand's work, set by its CLI11 callback and run after parsing.
    std::function<void()> action;

    // Loads (once) and returns the configuration. Throws notify::Error{config}.
    const config::Config& config();
    // Opens (once) the store named by the config. Throws notify::Error{io, tempfail}.
    store::JobStore& store();
    // The templates of the config's search path, loaded at most once each.
    TemplateCache& templates();
    const schedule::Clock& clock() const { return m_clock; }
    // How tables print to `out`: terminal form and colour from out_is_tty, NO_COLOR and TERM.
    TableStyle table_style() const;
    // A listing's records as --json or --jsonl asked. Returns false (printing nothing) if neither.
    bool print_records(const nlohmann::ordered_json& array);
    // Wakes the store's dispatcher, if one runs, after a commit that made work due.
    void poke_dispatcher();

  private:
    std::optional<config::Config> m_config;
    std::unique_ptr<store::JobStore> m_store;
    std::unique_ptr<TemplateCache> m_templates;
    // The system clock; on a shared (PostgreSQL) store, moved to the server's clock once the store
    // is open, so due times are judged alike on every host.
    schedule::OffsetClock m_clock;
};

// Opens the store that `config` names: SQLite with its durability and busy timeout, `cache_kib`
// capping its page cache (0: SQLite's default of 2 MiB); or PostgreSQL (store.url), whose
// warnings (clock skew, reconnects) go to `warn`.
std::unique_ptr<store::JobStore> open_store(const config::Config& config, int cache_kib = 0,
                                            std::function<void(const std::string&)> warn = {});

} // namespace notify::cli
