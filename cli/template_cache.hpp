// Templates loaded once per command: `send` renders one, `import` may render the same one a
// hundred thousand times.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common/config/config.hpp"
#include "common/expected.hpp"
#include "common/render/catalog.hpp"

namespace notify::cli {

class TemplateCache {
  public:
    // The search path and known channels come from `config`, which must outlive the cache.
    explicit TemplateCache(const config::Config& config);

    // catalog().load(name, locale), remembered.
    const Expected<render::TemplateFile>& load(const std::string& name, const std::string& locale);

    // catalog().partials(locale) with every partial read at most once.
    const render::PartialLookup& partials(const std::string& locale);

  private:
    render::Catalog m_catalog;
    std::map<std::pair<std::string, std::string>, Expected<render::TemplateFile>> m_templates;
    std::map<std::string, render::PartialLookup> m_partials;
};

} // namespace notify::cli
