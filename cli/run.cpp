// notify's entry point: the CLI11 app, the command table, and the one place errors are caught.
#include "cli/run.hpp"

#include <algorithm>
#include <iostream>
#include <string_view>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/global_options.hpp"
#include "common/error.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

constexpr const char* k_description =
    "notify: queue, schedule, preview, inspect and deliver notifications.\n"
    "The store is a local SQLite file; notifyd (or 'notify dispatch --once') delivers.";

constexpr const char* k_footer =
    "Examples:\n"
    "  notify send --channel email --to ops@example.com --subject 'Backup' --body 'done'\n"
    "  notify send --channel sms --to +14155550123 --body 'call me' --in 1h30m\n"
    "  notify ls --status retrying\n"
    "  notify show 42 --json\n"
    "  notify ls --status dead | notify retry -\n"
    "  notify dispatch --once\n"
    "Exit codes: 0 done, 1 nothing matched, 64 usage, 65 bad data, 69 unavailable,\n"
    "70 internal error, 74 I/O error, 75 store busy (retry), 78 configuration error.\n"
    "See notify(1), notifyd(8), notify-config(5).";

void setup_logging(int verbose) {
    auto logger = spdlog::stderr_logger_mt("notify");
    logger->set_pattern("notify: %l: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(verbose >= 2   ? spdlog::level::debug
                      : verbose == 1 ? spdlog::level::info
                                     : spdlog::level::warn);
}

// The first word of the command line that is neither an option nor a global option's value
// (the command's name), or "" when there is none.
std::string first_word(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.empty() || arg[0] == '-') {
            // Global options that take a value consume the next word.
            if ((arg == "--db" || arg == "--config") && i + 1 < argc) {
                ++i;
            }
            continue;
        }
        return arg;
    }
    return "";
}

// Unknown first word: suggest the nearest command before CLI11 says something vaguer.
void check_command_name(const std::string& word, const CLI::App& app) {
    if (word.empty()) {
        return;
    }
    std::vector<std::string> names;
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
        for (const auto& alias : sub->get_aliases()) {
            names.push_back(alias);
        }
    }
    if (std::find(names.begin(), names.end(), word) != names.end()) {
        return;
    }
    auto guess = text::closest_match(word, names);
    throw Error(Exit::usage,
                "unknown command \"" + word + "\"" +
                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                "run 'notify --help' for the list of commands");
}

// Adds the named command alone when the command line names one, none for a lone --version,
// else every command (for --help, aliases and did-you-mean). Building all of CLI11's option tables
// costs about 3 million instructions, a tenth of a cron job's `notify send`.
void add_commands(const std::string& word, int argc, const char* const* argv, CLI::App& app,
                  Context& ctx) {
    if (word.empty() && argc == 2 && std::string_view(argv[1]) == "--version") {
        return; // answered by the version flag alone
    }
    const auto& table = command_table();
    auto named = std::find_if(table.begin(), table.end(),
                              [&](const CommandSpec& command) { return command.name == word; });
    if (named != table.end()) {
        named->add(app, ctx);
        return;
    }
    add_every_command(app, ctx);
    check_command_name(word, app);
}

int report(std::ostream& err, const Error& e) {
    if (e.what()[0] != '\0') {
        err << "notify: " << e.what() << '\n';
        if (!e.hint().empty()) {
            err << "  " << e.hint() << '\n';
        }
    }
    return static_cast<int>(e.code());
}

} // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, std::istream& in,
        bool out_is_tty) {
    Context ctx(out, err, in, out_is_tty);
    CLI::App app(k_description, "notify");
    try {
        add_global_options(app, ctx.globals);
        app.footer(k_footer);
        app.require_subcommand(1);
        app.fallthrough();
        add_commands(first_word(argc, argv), argc, argv, app, ctx);
        try {
            app.parse(argc, argv);
        } catch (const CLI::CallForVersion&) {
            out << std::string("notify ") + NOTIFY_VERSION << '\n';
            return 0;
        } catch (const CLI::Success& e) { // --help
            return app.exit(e, out, err);
        } catch (const CLI::ParseError& e) {
            std::string message = e.what();
            if (message.empty()) {
                message = "invalid command line";
            }
            return report(err, Error(Exit::usage, message, "run 'notify --help' for usage"));
        }
        if (ctx.globals.json && ctx.globals.jsonl) {
            throw Error(Exit::usage, "--json and --jsonl exclude each other: give one");
        }
        ctx.globals.json = ctx.globals.json || ctx.globals.jsonl;
        setup_logging(ctx.globals.verbose);
        if (ctx.action) {
            ctx.action();
        }
        out.flush();
        return 0;
    } catch (const Error& e) {
        out.flush();
        return report(err, e);
    } catch (const std::exception& e) {
        out.flush();
        return report(err, Error(Exit::software, std::string("internal error: ") + e.what()));
    }
}

} // namespace notify::cli
