// Template linting: render every part with its sample data and report file:line problems.
#include "common/render/lint.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "common/render/message_render.hpp"
#include "common/render/mustache_tags.hpp"

namespace notify::render {

namespace fs = std::filesystem;

namespace {

void check_stray_files(const SearchDir& dir, std::vector<Problem>& problems) {
    std::error_code ec;
    if (!fs::is_directory(dir.path, ec)) {
        return;
    }
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_regular_file(type_ec)) {
            files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());
    std::set<std::string> defaults;
    for (const auto& p : files) {
        const std::string file = p.filename().string();
        if (file.ends_with(".yaml") && file.find('.') == file.size() - 5) {
            defaults.insert(file.substr(0, file.size() - 5));
        }
    }
    for (const auto& p : files) {
        const std::string file = p.filename().string();
        if (file.ends_with(".yml")) {
            problems.push_back({p.string(), 0, "ignored: template files end in .yaml"});
            continue;
        }
        if (!file.ends_with(".yaml")) {
            continue;
        }
        const std::string stem = file.substr(0, file.size() - 5);
        const auto dot = stem.find('.');
        const std::string name = stem.substr(0, dot);
        if (!valid_template_name(name)) {
            problems.push_back(
                {p.string(), 0, "ignored: a template name has only letters, digits, '-' and '_'"});
            continue;
        }
        if (dot == std::string::npos) {
            continue;
        }
        const std::string locale = stem.substr(dot + 1);
        auto normal = normalize_locale(locale);
        if (!normal) {
            problems.push_back({p.string(), 0, "ignored: " + normal.error()});
        } else if (*normal != locale) {
            problems.push_back({p.string(), 0,
                                "ignored: write the locale as \"" + *normal + "\" (" + name + "." +
                                    *normal + ".yaml)"});
        } else if (defaults.count(name) == 0) {
            problems.push_back(
                {p.string(), 0, "ignored: a locale variant needs " + name + ".yaml beside it"});
        }
    }
}

void check_partial_file(const std::string& path, std::vector<Problem>& problems) {
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (auto error = syntax_error(text)) {
        problems.push_back({path, error->line, error->describe()});
    }
}

void check_file(const Catalog& catalog, const TemplateFile& t, std::vector<Problem>& problems) {
    const PartialLookup partials = catalog.partials(t.locale);
    for (const ChannelPart& part : t.channels) {
        bool fields_ok = true;
        for (const Field& field : part.fields) {
            const std::string where = part.channel + "." + field.name + ": ";
            if (auto error = syntax_error(field.text)) {
                problems.push_back({t.path, field.text_line + error->line - 1,
                                    where + error->describe(field.text_line - 1)});
                fields_ok = false;
                continue;
            }
            DataCheck check = check_data(field.text, t.sample, partials);
            for (const auto& missing : check.missing) {
                problems.push_back({t.path, field.line,
                                    where + "the sample has no value for \"" + missing + "\""});
            }
            for (const auto& problem : check.problems) {
                problems.push_back({t.path, field.line, where + problem});
            }
            fields_ok = fields_ok && check.ok();
        }
        if (!fields_ok) {
            continue;
        }
        auto rendered = render_part(t, part, part.channel, t.sample, partials);
        if (!rendered) {
            problems.push_back({t.path, part.line, rendered.error()});
        }
    }
}

} // namespace

CheckReport check_templates(const Catalog& catalog, const std::vector<std::string>& names) {
    CheckReport report;
    std::vector<CatalogEntry> entries;
    if (names.empty()) {
        for (const auto& dir : catalog.dirs()) {
            check_stray_files(dir, report.problems);
        }
        for (const auto& [path, name] : catalog.partial_files()) {
            check_partial_file(path, report.problems);
        }
        entries = catalog.list();
    } else {
        for (const auto& name : names) {
            if (auto entry = catalog.find(name)) {
                entries.push_back(*entry);
            } else {
                auto loaded = catalog.load(name, "");
                report.problems.push_back({name, 0, loaded ? "not found" : loaded.error()});
            }
        }
    }
    for (const auto& entry : entries) {
        ++report.templates;
        std::vector<std::string> locales{""};
        locales.insert(locales.end(), entry.locales.begin(), entry.locales.end());
        for (const auto& locale : locales) {
            ++report.files;
            LoadResult loaded = catalog.load_file(entry, locale);
            report.problems.insert(report.problems.end(), loaded.problems.begin(),
                                   loaded.problems.end());
            if (loaded.file) {
                check_file(catalog, *loaded.file, report.problems);
            }
        }
    }
    return report;
}

} // namespace notify::render
