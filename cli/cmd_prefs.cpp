// notify prefs set | show: a user's opt-ins, opt-outs and quiet hours.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/audience/preferences.hpp"
#include "common/error.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

struct PrefsOptions {
    std::string user;
    std::string channel = model::k_any;
    std::string category = model::k_any;
    bool opt_in = false;
    bool opt_out = false;
    bool clear = false;
    std::optional<std::string> quiet_hours;
    bool no_quiet_hours = false;
};

void check_channel(const config::Config& config, const std::string& channel) {
    if (channel == model::k_any || config.route(channel) != nullptr) {
        return;
    }
    auto names = config.channel_names();
    auto guess = text::closest_match(channel, names);
    throw Error(Exit::data, "--channel: unknown channel \"" + channel + "\"" +
                                (guess ? " (did you mean \"" + *guess + "\"?)" : ""));
}

void check_category(const config::Config& config, const std::string& category, bool opt_out) {
    if (category == model::k_any) {
        return;
    }
    auto it = config.categories.find(category);
    if (it == config.categories.end()) {
        std::vector<std::string> names;
        for (const auto& [name, c] : config.categories) {
            names.push_back(name);
        }
        auto guess = text::closest_match(category, names);
        throw Error(Exit::data, "--category: unknown category \"" + category + "\"" +
                                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""));
    }
    if (opt_out && it->second.critical) {
        throw Error(Exit::data,
                    "category \"" + category + "\" is critical: users cannot opt out of it");
    }
}

[[noreturn]] void no_such_user(const std::string& id) {
    throw Error(Exit::no_match, "no user \"" + id + "\"", "list users with 'notify user ls'");
}

void add_set(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<PrefsOptions>();
    auto* cmd = parent.add_subcommand(
        "set", "Opt a user in or out of a channel and/or category; set quiet hours");
    cmd->add_option("USER", o->user, "User id")->required();
    cmd->add_option("--channel", o->channel, "Channel the choice applies to (default: all)")
        ->type_name("CHANNEL");
    cmd->add_option("--category", o->category, "Category the choice applies to (default: all)")
        ->type_name("NAME");
    auto* in = cmd->add_flag("--opt-in", o->opt_in, "Receive these notifications");
    auto* out = cmd->add_flag("--opt-out", o->opt_out, "Do not receive these notifications");
    auto* clear = cmd->add_flag("--clear", o->clear, "Forget this choice (fall back to broader)");
    in->excludes(out)->excludes(clear);
    out->excludes(clear);
    auto* quiet = cmd->add_option("--quiet-hours", o->quiet_hours,
                                  "Quiet hours in the user's time zone, e.g. 22:00-07:00")
                      ->type_name("HH:MM-HH:MM");
    auto* no_quiet = cmd->add_flag("--no-quiet-hours", o->no_quiet_hours, "Remove quiet hours");
    quiet->excludes(no_quiet);
    cmd->footer("Examples:\n  notify prefs set alice --category marketing --opt-out\n"
                "  notify prefs set alice --channel sms --opt-out\n"
                "  notify prefs set alice --quiet-hours 22:00-07:00");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            const bool choice = o->opt_in || o->opt_out || o->clear;
            const bool quiet_change = o->quiet_hours || o->no_quiet_hours;
            if (!choice && !quiet_change) {
                throw Error(Exit::usage,
                            "nothing to set: give --opt-in, --opt-out, --clear or --quiet-hours");
            }
            if (!choice && (o->channel != model::k_any || o->category != model::k_any)) {
                throw Error(Exit::usage, "--channel and --category need --opt-in, --opt-out or "
                                         "--clear");
            }
            std::optional<model::QuietHours> hours;
            if (o->quiet_hours) {
                auto parsed = audience::parse_quiet_hours(*o->quiet_hours);
                if (!parsed) {
                    throw Error(Exit::usage, "--quiet-hours: " + parsed.error());
                }
                hours = *parsed;
            }
            const config::Config& config = ctx.config();
            check_channel(config, o->channel);
            check_category(config, o->category, o->opt_out);
            auto& audience = ctx.store().audience();
            const TimePoint now = ctx.clock().now();
            if (!audience.find_user(o->user)) {
                no_such_user(o->user);
            }
            if (o->clear) {
                if (!audience.clear_preference(o->user, o->channel, o->category)) {
                    throw Error(Exit::no_match, "user \"" + o->user + "\" has no choice for " +
                                                    o->channel + "/" + o->category);
                }
            } else if (choice) {
                model::Preference p;
                p.channel = o->channel;
                p.category = o->category;
                p.opted_in = o->opt_in;
                audience.set_preference(o->user, p, now);
            }
            if (quiet_change) {
                audience.set_quiet_hours(o->user, hours, now);
            }
        };
    });
}

void add_show(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<PrefsOptions>();
    auto* cmd = parent.add_subcommand(
        "show", "Show what a user receives: every channel and category, and the rule deciding it");
    cmd->add_option("USER", o->user, "User id")->required();
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            const config::Config& config = ctx.config();
            auto profile = ctx.store().audience().profile(o->user);
            if (!profile) {
                no_such_user(o->user);
            }
            std::vector<std::optional<std::string>> categories = {std::nullopt};
            for (const auto& [name, c] : config.categories) {
                categories.emplace_back(name);
            }
            auto rows = nlohmann::ordered_json::array();
            for (const auto& channel : config.channel_names()) {
                for (const auto& category : categories) {
                    auto policy = config::category_policy(config, category)
                                      .value_or(audience::CategoryPolicy{});
                    const auto* p =
                        audience::deciding_preference(profile->preferences, channel, category);
                    bool in = policy.critical || p == nullptr || p->opted_in;
                    std::string by = policy.critical ? "critical"
                                     : p == nullptr  ? "default"
                                                     : p->channel + "/" + p->category;
                    rows.push_back({{"channel", channel},
                                    {"category", category ? *category : "-"},
                                    {"receives", in},
                                    {"decided_by", by}});
                }
            }
            std::string quiet = profile->quiet_hours
                                    ? audience::format_quiet_hours(*profile->quiet_hours) + " " +
                                          profile->user.tz.value_or("UTC")
                                    : "-";
            if (ctx.globals.json) {
                print_json(ctx.out,
                           {{"user", o->user},
                            {"quiet_hours", profile->quiet_hours ? nlohmann::ordered_json(quiet)
                                                                 : nlohmann::ordered_json(nullptr)},
                            {"channels", rows}});
                return;
            }
            ctx.out << "quiet_hours\t" << quiet << '\n';
            for (const auto& r : rows) {
                ctx.out << r["channel"].get<std::string>() << '\t'
                        << r["category"].get<std::string>() << '\t'
                        << (r["receives"].get<bool>() ? "in" : "out") << '\t'
                        << r["decided_by"].get<std::string>() << '\n';
            }
        };
    });
}

} // namespace

void add_prefs_command(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("prefs", "A user's opt-ins, opt-outs and quiet hours: set, show");
    cmd->require_subcommand(1);
    add_set(*cmd, ctx);
    add_show(*cmd, ctx);
}

} // namespace notify::cli
