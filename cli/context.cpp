// Lazy loading of config and store for CLI commands.
#include "cli/context.hpp"

#include "common/dispatch/wakeup.hpp"
#include "common/providers/registry.hpp"

namespace notify::cli {

Context::Context(std::ostream& out_stream, std::ostream& err_stream, std::istream& in_stream,
                 bool tty)
    : out(out_stream), err(err_stream), in(in_stream), out_is_tty(tty) {}

Context::~Context() = default;

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
        m_store = open_store(config());
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
    if (m_config) {
        dispatch::poke(m_config->store_path.value);
    }
}

std::unique_ptr<store::JobStore> open_store(const config::Config& config) {
    store::SqliteOptions options;
    options.path = config.store_path.value;
    options.durability = config.durability == config::Durability::full ? store::Durability::full
                                                                       : store::Durability::normal;
    options.busy_timeout = config.busy_timeout;
    return store::open_sqlite_store(options);
}

} // namespace notify::cli
