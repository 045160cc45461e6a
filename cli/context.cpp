// Lazy loading of config and store for CLI commands.
#include "cli/context.hpp"

#include "cli/output.hpp"
#include "common/dispatch/wakeup.hpp"
#include "common/providers/registry.hpp"

namespace notify::cli {

namespace {

// The page cache of a command's store connection: 64 MiB at most, grown only as pages are read.
constexpr int k_command_cache_kib = 64 * 1024;

} // namespace

Context::Context(std::ostream& out_stream, std::ostream& err_stream, std::istream& in_stream,
                 bool tty)
    : out(out_stream), err(err_stream), in(in_stream), out_is_tty(tty) {}

Context::~Context() = default;

TableStyle Context::table_style() const {
    return cli::table_style(out_is_tty, config::process_env(), m_clock.now());
}

bool Context::print_records(const nlohmann::ordered_json& array) {
    if (!globals.json && !globals.jsonl) {
        return false;
    }
    print_json_records(out, array, globals.jsonl);
    return true;
}

const config::Config& Context::config() {
    if (!m_config) {
        config::LoadOptions options;
        options.config_flag = globals.config_path;
        options.db_flag = globals.db_path;
        m_config = config::load(options);
        providers::validate(*m_config);
    }
    return *m_config;
}

store::JobStore& Context::store() {
    if (!m_store) {
        // A command process is short-lived and touches few pages, except import, whose
        // index pages would spill from SQLite's default 2 MiB cache (40 % of its time).
        m_store = open_store(config(), k_command_cache_kib, [this](const std::string& warning) {
            err << "notify: warning: " << warning << '\n';
        });
        if (auto offset = m_store->clock_offset()) {
            m_clock.set_offset(*offset);
        }
    }
    return *m_store;
}

TemplateCache& Context::templates() {
    if (!m_templates) {
        m_templates = std::make_unique<TemplateCache>(config());
    }
    return *m_templates;
}

void Context::poke_dispatcher() {
    // A shared store wakes its dispatchers itself (NOTIFY at commit).
    if (m_config && !m_config->uses_postgres()) {
        dispatch::poke(m_config->store_path.value);
    }
}

std::unique_ptr<store::JobStore> open_store(const config::Config& config, int cache_kib,
                                            std::function<void(const std::string&)> warn) {
    if (config.uses_postgres()) {
        store::PostgresOptions options;
        options.url = config.store_url.value;
        options.instance_timeout = config.instance_timeout;
        options.warn = std::move(warn);
        return store::open_postgres_store(options);
    }
    store::SqliteOptions options;
    options.path = config.store_path.value;
    options.durability = config.durability == config::Durability::full ? store::Durability::full
                                                                       : store::Durability::normal;
    options.busy_timeout = config.busy_timeout;
    options.cache_kib = cache_kib;
    return store::open_sqlite_store(options);
}

} // namespace notify::cli
