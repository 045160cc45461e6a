// The template search path, locale fallback and partial lookup.
#include "common/render/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "common/loader/shared_library.hpp"
#include "common/text/spelling.hpp"

namespace notify::render {

namespace fs = std::filesystem;

namespace {

bool is_dir(const std::string& path) {
    std::error_code ec;
    return !path.empty() && fs::is_directory(path, ec);
}

std::optional<std::string> read_file(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Splits "<name>.yaml" / "<name>.<locale>.yaml"; nullopt for other file names.
std::optional<std::pair<std::string, std::string>> split_file_name(const std::string& file) {
    constexpr std::string_view k_ext = ".yaml";
    if (file.size() <= k_ext.size() || !file.ends_with(k_ext)) {
        return std::nullopt;
    }
    std::string stem = file.substr(0, file.size() - k_ext.size());
    const auto dot = stem.find('.');
    if (dot == std::string::npos) {
        return std::pair{stem, std::string{}};
    }
    return std::pair{stem.substr(0, dot), stem.substr(dot + 1)};
}

// name -> locales ("" for the default file) of one directory, valid names only.
std::map<std::string, std::vector<std::string>> scan_dir(const std::string& dir) {
    std::map<std::string, std::vector<std::string>> found;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) {
            continue;
        }
        auto parts = split_file_name(it->path().filename().string());
        if (!parts || !valid_template_name(parts->first)) {
            continue;
        }
        auto locale = parts->second.empty() ? Expected<std::string>(std::string{})
                                            : normalize_locale(parts->second);
        if (!locale || *locale != parts->second) {
            continue; // not a locale this catalog would ever ask for
        }
        found[parts->first].push_back(parts->second);
    }
    return found;
}

} // namespace

std::string shipped_templates_dir() {
    if (auto exe_dir = loader::executable_dir(); !exe_dir.empty()) {
        const std::string installed =
            (fs::path(exe_dir) / NOTIFY_TEMPLATES_FROM_BINDIR).lexically_normal().string();
        if (is_dir(installed)) {
            return installed;
        }
    }
    if (is_dir(NOTIFY_SOURCE_TEMPLATES)) {
        return NOTIFY_SOURCE_TEMPLATES;
    }
    return NOTIFY_SHIPPED_TEMPLATES;
}

std::vector<SearchDir> default_search_path(const std::string& user_dir) {
    std::vector<SearchDir> dirs;
    if (!user_dir.empty()) {
        dirs.push_back({user_dir, "user"});
    }
    dirs.push_back({shipped_templates_dir(), "shipped"});
    return dirs;
}

Expected<std::string> normalize_locale(std::string_view locale) {
    std::string text(locale);
    const auto cut = text.find_first_of(".@");
    if (cut != std::string::npos) {
        text.resize(cut);
    }
    std::replace(text.begin(), text.end(), '_', '-');
    std::vector<std::string> subtags;
    std::string::size_type start = 0;
    while (true) {
        const auto dash = text.find('-', start);
        subtags.push_back(text.substr(start, dash - start));
        if (dash == std::string::npos) {
            break;
        }
        start = dash + 1;
    }
    auto invalid = [&locale] {
        return Unexpected{"invalid locale \"" + std::string(locale) +
                          "\" (expected a language tag like de or de-AT)"};
    };
    std::string out;
    for (std::size_t i = 0; i < subtags.size(); ++i) {
        std::string tag = subtags[i];
        const bool alnum = std::all_of(tag.begin(), tag.end(),
                                       [](unsigned char c) { return std::isalnum(c) != 0; });
        if (tag.empty() || tag.size() > 8 || !alnum) {
            return invalid();
        }
        for (auto& c : tag) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (i == 0) {
            const bool letters = std::all_of(tag.begin(), tag.end(),
                                             [](unsigned char c) { return std::isalpha(c) != 0; });
            if (tag.size() < 2 || tag.size() > 3 || !letters) {
                return invalid();
            }
        } else if (tag.size() == 2) {
            for (auto& c : tag) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
        } else if (tag.size() == 4) {
            tag[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(tag[0])));
        }
        out += (i == 0 ? "" : "-") + tag;
    }
    return out;
}

std::vector<std::string> locale_chain(const std::string& locale) {
    std::vector<std::string> chain;
    std::string current = locale;
    while (!current.empty()) {
        chain.push_back(current);
        const auto dash = current.rfind('-');
        current = dash == std::string::npos ? std::string{} : current.substr(0, dash);
    }
    chain.push_back("");
    return chain;
}

bool valid_template_name(std::string_view name) {
    return !name.empty() && name.size() <= 100 &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) {
               return std::isalnum(c) != 0 || c == '-' || c == '_';
           });
}

std::string CatalogEntry::path(const std::string& locale) const {
    return (fs::path(dir) / (locale.empty() ? name + ".yaml" : name + "." + locale + ".yaml"))
        .string();
}

Catalog::Catalog(std::vector<SearchDir> dirs, std::vector<std::string> known_channels)
    : m_dirs(std::move(dirs)), m_known(std::move(known_channels)) {}

std::vector<CatalogEntry> Catalog::list() const {
    std::map<std::string, CatalogEntry> by_name;
    for (const auto& dir : m_dirs) {
        if (!is_dir(dir.path)) {
            continue;
        }
        for (auto& [name, locales] : scan_dir(dir.path)) {
            if (by_name.count(name) != 0 ||
                std::find(locales.begin(), locales.end(), "") == locales.end()) {
                continue; // shadowed, or variants without a default file
            }
            CatalogEntry entry{name, dir.path, dir.source, {}};
            for (const auto& locale : locales) {
                if (!locale.empty()) {
                    entry.locales.push_back(locale);
                }
            }
            std::sort(entry.locales.begin(), entry.locales.end());
            by_name.emplace(name, std::move(entry));
        }
    }
    std::vector<CatalogEntry> out;
    for (auto& [name, entry] : by_name) {
        out.push_back(std::move(entry));
    }
    return out;
}

std::optional<CatalogEntry> Catalog::find(std::string_view name) const {
    if (!valid_template_name(name)) {
        return std::nullopt;
    }
    for (auto& entry : list()) {
        if (entry.name == name) {
            return entry;
        }
    }
    return std::nullopt;
}

LoadResult Catalog::load_file(const CatalogEntry& entry, const std::string& locale) const {
    LoadResult result = load_template_file(entry.path(locale), entry.name, locale, m_known);
    if (locale.empty() || !result.file) {
        return result;
    }
    TemplateFile& t = *result.file;
    if (!t.description.empty() && t.category && t.has_sample) {
        return result;
    }
    LoadResult base = load_template_file(entry.path(""), entry.name, "", m_known);
    if (!base.file) {
        return result;
    }
    if (t.description.empty()) {
        t.description = base.file->description;
    }
    if (!t.category) {
        t.category = base.file->category;
    }
    if (!t.has_sample && base.file->has_sample) {
        t.has_sample = true;
        t.sample = base.file->sample;
    }
    return result;
}

Expected<TemplateFile> Catalog::load(std::string_view name, const std::string& locale) const {
    auto entry = find(name);
    if (!entry) {
        std::vector<std::string> names;
        for (const auto& e : list()) {
            names.push_back(e.name);
        }
        auto guess = text::closest_match(name, names);
        return Unexpected{"no template named \"" + std::string(name) + "\"" +
                          (guess ? " (did you mean \"" + *guess + "\"?)" : "")};
    }
    std::string chosen;
    for (const auto& candidate : locale_chain(locale)) {
        if (candidate.empty() || std::find(entry->locales.begin(), entry->locales.end(),
                                           candidate) != entry->locales.end()) {
            chosen = candidate;
            break;
        }
    }
    LoadResult result = load_file(*entry, chosen);
    if (!result.problems.empty()) {
        std::string message = result.problems.front().text();
        if (result.problems.size() > 1) {
            message += " (and " + std::to_string(result.problems.size() - 1) + " more)";
        }
        return Unexpected{message};
    }
    return std::move(*result.file);
}

PartialLookup Catalog::partials(const std::string& locale) const {
    return [dirs = m_dirs,
            chain = locale_chain(locale)](const std::string& name) -> std::optional<std::string> {
        if (!valid_template_name(name)) {
            return std::nullopt;
        }
        for (const auto& loc : chain) {
            const std::string file =
                loc.empty() ? name + ".mustache" : name + "." + loc + ".mustache";
            for (const auto& dir : dirs) {
                if (auto text = read_file(fs::path(dir.path) / "partials" / file)) {
                    return text;
                }
            }
        }
        return std::nullopt;
    };
}

std::vector<std::pair<std::string, std::string>> Catalog::partial_files() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& dir : m_dirs) {
        const fs::path partials = fs::path(dir.path) / "partials";
        if (!is_dir(partials.string())) {
            continue;
        }
        std::vector<std::pair<std::string, std::string>> here;
        std::error_code ec;
        for (fs::directory_iterator it(partials, ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path& p = it->path();
            if (p.extension() == ".mustache") {
                here.emplace_back(p.string(), p.stem().string());
            }
        }
        std::sort(here.begin(), here.end());
        out.insert(out.end(), here.begin(), here.end());
    }
    return out;
}

} // namespace notify::render
