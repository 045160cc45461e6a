// notify template ls | show | check: the templates on the search path, one file with its
// parts, and a lint that renders every part with its sample data.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
#include "common/render/catalog.hpp"
#include "common/render/lint.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

render::Catalog catalog_of(Context& ctx) {
    const config::Config& config = ctx.config();
    return render::Catalog(render::default_search_path(config.templates_dir.value),
                           config.channel_names());
}

std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return text;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : separator) + item;
    }
    return out;
}

std::string plural(int n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

render::CatalogEntry entry_or_throw(const render::Catalog& catalog, const std::string& name) {
    if (auto entry = catalog.find(name)) {
        return *entry;
    }
    std::vector<std::string> names;
    for (const auto& e : catalog.list()) {
        names.push_back(e.name);
    }
    auto guess = text::closest_match(name, names);
    throw Error(Exit::no_match,
                "no template named \"" + name + "\"" +
                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                "list them with 'notify template ls'");
}

void add_ls(CLI::App& group, Context& ctx) {
    auto* cmd = group.add_subcommand("ls", "List templates (user templates shadow shipped ones)");
    cmd->alias("list");
    cmd->footer("Plain output, tab-separated:\n  NAME DESCRIPTION LOCALES SOURCE\n"
                "LOCALES lists the variants beside the default file ('-' when none); "
                "SOURCE is user or shipped.");
    cmd->callback([&ctx] {
        ctx.action = [&ctx] {
            const render::Catalog catalog = catalog_of(ctx);
            const auto entries = catalog.list();
            auto array = nlohmann::ordered_json::array();
            Table table;
            table.columns = {{"NAME"}, {"DESCRIPTION"}, {"LOCALES"}, {"SOURCE"}};
            for (const auto& entry : entries) {
                render::LoadResult loaded = catalog.load_file(entry, "");
                std::string description =
                    loaded.file ? loaded.file->description
                                : "(invalid: run 'notify template check " + entry.name + "')";
                if (ctx.globals.json) {
                    nlohmann::ordered_json j;
                    j["name"] = entry.name;
                    j["description"] = description;
                    j["category"] = loaded.file && loaded.file->category
                                        ? nlohmann::ordered_json(*loaded.file->category)
                                        : nlohmann::ordered_json(nullptr);
                    j["locales"] = entry.locales;
                    j["source"] = entry.source;
                    j["path"] = entry.path("");
                    j["valid"] = loaded.problems.empty();
                    array.push_back(std::move(j));
                } else {
                    table.rows.push_back(
                        {entry.name, one_line(description),
                         entry.locales.empty() ? std::string("-") : join(entry.locales, ","),
                         entry.source});
                }
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, table, ctx.table_style());
            }
            if (entries.empty()) {
                throw Error(Exit::no_match, "");
            }
        };
    });
}

struct ShowOptions {
    std::string name;
    std::optional<std::string> locale;
};

nlohmann::ordered_json parts_json(const render::TemplateFile& t) {
    nlohmann::ordered_json channels = nlohmann::ordered_json::object();
    for (const auto& part : t.channels) {
        nlohmann::ordered_json fields = nlohmann::ordered_json::object();
        for (const auto& field : part.fields) {
            if (field.name.starts_with("data.")) {
                fields["data"][field.name.substr(5)] = field.text;
            } else {
                fields[field.name] = field.text;
            }
        }
        channels[part.channel] = std::move(fields);
    }
    return channels;
}

void add_show(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<ShowOptions>();
    auto* cmd = group.add_subcommand("show", "Show the file a template resolves to, and its parts");
    cmd->add_option("name", o->name, "Template name")->required()->type_name("NAME");
    cmd->add_option("--locale", o->locale,
                    "Locale variant, e.g. de-AT (falls back to de, then "
                    "the default file)")
        ->type_name("LOCALE");
    cmd->footer("Example:\n  notify template show welcome --locale de-AT");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            std::string wanted;
            if (o->locale) {
                auto normal = render::normalize_locale(*o->locale);
                if (!normal) {
                    throw Error(Exit::usage, "--locale: " + normal.error());
                }
                wanted = *normal;
            }
            const render::Catalog catalog = catalog_of(ctx);
            const render::CatalogEntry entry = entry_or_throw(catalog, o->name);
            std::string locale;
            for (const auto& candidate : render::locale_chain(wanted)) {
                if (candidate.empty() || std::find(entry.locales.begin(), entry.locales.end(),
                                                   candidate) != entry.locales.end()) {
                    locale = candidate;
                    break;
                }
            }
            render::LoadResult loaded = catalog.load_file(entry, locale);
            if (ctx.globals.json) {
                if (!loaded.file) {
                    throw Error(Exit::data, loaded.problems.front().text());
                }
                const render::TemplateFile& t = *loaded.file;
                nlohmann::ordered_json j;
                j["name"] = t.name;
                j["locale"] = t.locale.empty() ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(t.locale);
                j["path"] = t.path;
                j["source"] = entry.source;
                j["description"] = t.description;
                j["category"] = t.category ? nlohmann::ordered_json(*t.category)
                                           : nlohmann::ordered_json(nullptr);
                j["locales"] = entry.locales;
                j["sample"] = t.sample;
                j["channels"] = parts_json(t);
                auto problems = nlohmann::ordered_json::array();
                for (const auto& p : loaded.problems) {
                    problems.push_back(p.text());
                }
                j["problems"] = problems;
                print_json(ctx.out, j);
                return;
            }
            const std::string path = entry.path(locale);
            std::ifstream in(path, std::ios::binary);
            const std::string text{std::istreambuf_iterator<char>(in),
                                   std::istreambuf_iterator<char>()};
            if (!in && !in.eof()) {
                throw Error(Exit::io, "cannot read " + path);
            }
            ctx.out << "# " << entry.name << (locale.empty() ? "" : " (" + locale + ")") << ": "
                    << path << " (" << entry.source << ")\n";
            if (loaded.file) {
                std::vector<std::string> parts;
                for (const auto& part : loaded.file->channels) {
                    std::vector<std::string> fields;
                    for (const auto& field : part.fields) {
                        fields.push_back(field.name);
                    }
                    parts.push_back(part.channel + " (" + join(fields, ", ") + ")");
                }
                ctx.out << "# parts: " << join(parts, "; ") << '\n';
            }
            ctx.out << text << (text.empty() || text.back() == '\n' ? "" : "\n");
            if (!loaded.problems.empty()) {
                throw Error(Exit::data, loaded.problems.front().text(),
                            "run 'notify template check " + entry.name + "'");
            }
        };
    });
}

void add_check(CLI::App& group, Context& ctx) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = group.add_subcommand(
        "check", "Render every template and locale with its sample data, and lint them");
    cmd->add_option("name", *names, "Template name(s) (default: all, plus stray files)")
        ->type_name("NAME");
    cmd->footer("Prints one line per problem, FILE:LINE: PROBLEM, and exits 65; prints a "
                "summary and exits 0 when all are fine.");
    cmd->callback([&ctx, names] {
        ctx.action = [&ctx, names] {
            const render::Catalog catalog = catalog_of(ctx);
            const render::CheckReport report = render::check_templates(catalog, *names);
            if (ctx.globals.json) {
                auto problems = nlohmann::ordered_json::array();
                for (const auto& p : report.problems) {
                    problems.push_back({{"file", p.file},
                                        {"line", p.line > 0 ? nlohmann::ordered_json(p.line)
                                                            : nlohmann::ordered_json(nullptr)},
                                        {"message", p.message}});
                }
                print_json(ctx.out, {{"ok", report.problems.empty()},
                                     {"templates", report.templates},
                                     {"files", report.files},
                                     {"problems", problems}});
            } else {
                for (const auto& p : report.problems) {
                    ctx.out << one_line(p.text()) << '\n';
                }
            }
            if (!report.problems.empty()) {
                throw Error(Exit::data,
                            "template check: " +
                                plural(static_cast<int>(report.problems.size()), "problem"));
            }
            if (!ctx.globals.json) {
                ctx.out << "templates ok: " << plural(report.templates, "template") << ", "
                        << plural(report.files, "file") << '\n';
            }
        };
    });
}

} // namespace

void add_template_command(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("template", "Templates: ls, show, check");
    group->require_subcommand(1);
    add_ls(*group, ctx);
    add_show(*group, ctx);
    add_check(*group, ctx);
}

} // namespace notify::cli
