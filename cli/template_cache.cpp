// Memoised template and partial loading.
#include "cli/template_cache.hpp"

namespace notify::cli {

TemplateCache::TemplateCache(const config::Config& config)
    : m_catalog(render::default_search_path(config.templates_dir.value), config.channel_names()) {}

const Expected<render::TemplateFile>& TemplateCache::load(const std::string& name,
                                                          const std::string& locale) {
    auto key = std::make_pair(name, locale);
    auto it = m_templates.find(key);
    if (it == m_templates.end()) {
        it = m_templates.emplace(key, m_catalog.load(name, locale)).first;
    }
    return it->second;
}

const render::PartialLookup& TemplateCache::partials(const std::string& locale) {
    auto it = m_partials.find(locale);
    if (it == m_partials.end()) {
        auto read = m_catalog.partials(locale);
        auto seen = std::make_shared<std::map<std::string, std::optional<std::string>>>();
        render::PartialLookup memo = [read = std::move(read),
                                      seen](const std::string& name) -> std::optional<std::string> {
            auto found = seen->find(name);
            if (found == seen->end()) {
                found = seen->emplace(name, read(name)).first;
            }
            return found->second;
        };
        it = m_partials.emplace(locale, std::move(memo)).first;
    }
    return it->second;
}

} // namespace notify::cli
