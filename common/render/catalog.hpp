// Where templates come from: the search path (user dir, then shipped), names and locale
// variants with fallback (de-AT -> de -> default), shadowing, and partials.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/render/mustache_tags.hpp"
#include "common/render/template_file.hpp"

namespace notify::render {

// One directory of the search path.
struct SearchDir {
    std::string path;
    std::string source; // "user" or "shipped"
};

// The shipped templates: share/notify/templates beside the running executable as installed
// (<bindir>/../share/notify/templates, so a staged or moved install finds its own), else the
// source tree's templates/ (NOTIFY_SOURCE_TEMPLATES) when that directory exists (the build
// tree's binaries), else the configured install location (NOTIFY_SHIPPED_TEMPLATES).
std::string shipped_templates_dir();

// `user_dir` (templates.dir or $XDG_CONFIG_HOME/notify/templates; skipped when empty), then
// shipped_templates_dir().
std::vector<SearchDir> default_search_path(const std::string& user_dir);

// "de_AT.UTF-8" -> "de-AT", "EN-us" -> "en-US", "zh-hant-tw" -> "zh-Hant-TW". Fails for
// anything but 2-3 letters followed by alphanumeric subtags.
Expected<std::string> normalize_locale(std::string_view locale);

// The files tried for a (normalized) locale: "de-AT" -> {"de-AT", "de", ""}.
std::vector<std::string> locale_chain(const std::string& locale);

// Whether `name` can name a template or partial: letters, digits, '-' and '_'.
bool valid_template_name(std::string_view name);

// A template as found on the search path.
struct CatalogEntry {
    std::string name;
    std::string dir;                  // the directory holding <name>.yaml
    std::string source;               // "user" or "shipped"
    std::vector<std::string> locales; // variants beside it (<name>.<locale>.yaml), sorted

    // <dir>/<name>.yaml or <dir>/<name>.<locale>.yaml.
    std::string path(const std::string& locale) const;
};

class Catalog {
  public:
    // `known_channels`: channel names a part may be named after besides email, sms, push,
    // webhook and default (the configured channels).
    Catalog(std::vector<SearchDir> dirs, std::vector<std::string> known_channels);

    const std::vector<SearchDir>& dirs() const { return m_dirs; }
    const std::vector<std::string>& known_channels() const { return m_known; }

    // Every template, sorted by name; a name in an earlier directory shadows later ones.
    std::vector<CatalogEntry> list() const;

    // The entry named `name`, or nullopt.
    std::optional<CatalogEntry> find(std::string_view name) const;

    // Reads `entry`'s file for `locale` ("" = default; exactly that file, no fallback). A
    // variant without description, category or sample takes the default file's.
    LoadResult load_file(const CatalogEntry& entry, const std::string& locale) const;

    // The template `name` in the first locale of locale_chain(locale) it has. Fails with
    // `no template named "x"` (plus "did you mean"), or the first problem of an invalid file
    // ("<file>:<line>: ...").
    Expected<TemplateFile> load(std::string_view name, const std::string& locale) const;

    // Partials for a template of `locale`: partials/<name>.<locale>.mustache along
    // locale_chain(locale), in each directory of the search path in order.
    PartialLookup partials(const std::string& locale) const;

    // Every partial file: {path, name}, in search order (for `template check`).
    std::vector<std::pair<std::string, std::string>> partial_files() const;

  private:
    std::vector<SearchDir> m_dirs;
    std::vector<std::string> m_known;
};

} // namespace notify::render
