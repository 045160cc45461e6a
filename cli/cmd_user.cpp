// notify user add | set | show | ls | rm: the user directory.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/audience_output.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"
#include "common/audience/email_address.hpp"
#include "common/audience/phone_number.hpp"
#include "common/audience/preferences.hpp"
#include "common/error.hpp"
#include "common/render/catalog.hpp"
#include "common/schedule/time_text.hpp"
#include "common/schedule/zone.hpp"

namespace notify::cli {

namespace {

struct UserOptions {
    std::string id;
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> phone;
    std::optional<std::string> locale;
    std::optional<std::string> tz;
    int limit = 0;
};

void add_field_options(CLI::App& cmd, UserOptions& o, bool clearing) {
    const std::string clear = clearing ? " ('' clears it)" : "";
    cmd.add_option("--name", o.name, "Display name" + clear)->type_name("TEXT");
    cmd.add_option("--email", o.email, "E-mail address" + clear)->type_name("ADDRESS");
    cmd.add_option("--phone", o.phone,
                   "Phone number, normalised to E.164 (national numbers use "
                   "audience.default_region)" +
                       clear)
        ->type_name("NUMBER");
    cmd.add_option("--locale", o.locale, "Template locale, e.g. de or pt-BR" + clear)
        ->type_name("LOCALE");
    cmd.add_option("--tz", o.tz, "IANA time zone for quiet hours, e.g. Europe/Berlin" + clear)
        ->type_name("ZONE");
}

void check_user_id(const std::string& id) {
    bool ok = !id.empty() && id.size() <= 128;
    for (char c : id) {
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                    c == '.' || c == '@' || c == '+');
    }
    if (!ok) {
        throw Error(Exit::usage, "invalid user id \"" + id +
                                     "\": use 1 to 128 letters, digits, '-', '_', '.', '@', '+'");
    }
}

// Validates and normalises one field; empty text clears it (nullopt).
std::optional<std::string> normalized(const std::string& flag, const std::string& text,
                                      Context& ctx) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (flag == "--email") {
        auto v = audience::normalize_email(text);
        if (!v) {
            throw Error(Exit::data, "--email: " + v.error());
        }
        return *v;
    }
    if (flag == "--phone") {
        const std::string& region = ctx.config().audience_default_region.value;
        auto v = audience::normalize_phone(text, region);
        if (!v) {
            throw Error(Exit::data, "--phone: " + v.error(), recipient_hint("sms", text, region));
        }
        return *v;
    }
    if (flag == "--locale") {
        auto v = render::normalize_locale(text);
        if (!v) {
            throw Error(Exit::data, "--locale: " + v.error());
        }
        return *v;
    }
    if (flag == "--tz") {
        auto zone = schedule::Zone::find(text);
        if (!zone) {
            throw Error(Exit::data, "--tz: " + zone.error());
        }
        return zone->name();
    }
    return text;
}

// Applies the given options onto `user`.
void apply_fields(const UserOptions& o, Context& ctx, model::User& user) {
    const std::pair<const char*, const std::optional<std::string>*> given[] = {
        {"--name", &o.name},     {"--email", &o.email}, {"--phone", &o.phone},
        {"--locale", &o.locale}, {"--tz", &o.tz},
    };
    std::optional<std::string>* fields[] = {&user.name, &user.email, &user.phone, &user.locale,
                                            &user.tz};
    for (std::size_t i = 0; i < std::size(given); ++i) {
        if (*given[i].second) {
            *fields[i] = normalized(given[i].first, **given[i].second, ctx);
        }
    }
}

[[noreturn]] void no_such_user(const std::string& id) {
    throw Error(Exit::no_match, "no user \"" + id + "\"", "list users with 'notify user ls'");
}

void print_profile(std::ostream& out, const model::UserProfile& p) {
    const auto line = [&](const char* key, const std::optional<std::string>& v) {
        out << key << '\t' << v.value_or("-") << '\n';
    };
    out << "user\t" << p.user.id << '\n';
    line("name", p.user.name);
    line("email", p.user.email);
    line("phone", p.user.phone);
    line("locale", p.user.locale);
    line("tz", p.user.tz);
    out << "quiet_hours\t"
        << (p.quiet_hours ? audience::format_quiet_hours(*p.quiet_hours) : std::string("-"))
        << '\n';
    out << "created_at\t" << schedule::format_rfc3339(p.user.created_at) << '\n';
    out << "devices\t" << p.devices.size() << '\n';
    print(out, devices_table(p.devices, false), TableStyle{});
    out << "preferences\t" << p.preferences.size() << '\n';
    for (const auto& pref : p.preferences) {
        out << pref.channel << '\t' << pref.category << '\t'
            << (pref.opted_in ? "opted-in" : "opted-out") << '\n';
    }
}

void add_add(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = parent.add_subcommand("add", "Add a user with their addresses");
    cmd->add_option("ID", o->id, "User id (your system's id: letters, digits, - _ . @ +)")
        ->required();
    add_field_options(*cmd, *o, false);
    cmd->footer("Example:\n  notify user add alice --email alice@example.com --phone "
                "+4915123456789 --locale de --tz Europe/Berlin");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            check_user_id(o->id);
            model::User user;
            user.id = o->id;
            apply_fields(*o, ctx, user);
            if (!ctx.store().audience().add_user(user, ctx.clock().now())) {
                throw Error(Exit::data, "user \"" + o->id + "\" exists",
                            "change it with 'notify user set " + o->id + " ...'");
            }
            ctx.out << o->id << '\n';
        };
    });
}

void add_set(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = parent.add_subcommand("set", "Change a user's fields");
    cmd->add_option("ID", o->id, "User id")->required();
    add_field_options(*cmd, *o, true);
    cmd->footer("Example:\n  notify user set alice --phone '' --tz America/New_York");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            auto& audience = ctx.store().audience();
            auto user = audience.find_user(o->id);
            if (!user) {
                no_such_user(o->id);
            }
            apply_fields(*o, ctx, *user);
            if (!audience.update_user(*user, ctx.clock().now())) {
                no_such_user(o->id);
            }
            ctx.out << o->id << '\n';
        };
    });
}

void add_show(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = parent.add_subcommand("show", "Show a user, their devices and preferences");
    cmd->add_option("ID", o->id, "User id")->required();
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            auto profile = ctx.store().audience().profile(o->id);
            if (!profile) {
                no_such_user(o->id);
            }
            if (ctx.globals.json) {
                print_json(ctx.out, profile_json(*profile));
            } else {
                print_profile(ctx.out, *profile);
            }
        };
    });
}

void add_ls(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = parent.add_subcommand("ls", "List users");
    cmd->alias("list");
    cmd->add_option("--limit", o->limit, "At most N users")->type_name("N");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            if (o->limit < 0) {
                throw Error(Exit::usage, "--limit: must not be negative");
            }
            auto users = ctx.store().audience().list_users(o->limit);
            auto array = nlohmann::ordered_json::array();
            Table table;
            table.columns = {{"ID"}, {"EMAIL"}, {"PHONE"}, {"LOCALE"}, {"TZ"}};
            for (const auto& u : users) {
                array.push_back(user_json(u));
                table.rows.push_back({u.id, u.email.value_or("-"), u.phone.value_or("-"),
                                      u.locale.value_or("-"), u.tz.value_or("-")});
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, table, ctx.table_style());
            }
            if (users.empty()) {
                // With --json, [] on stdout says it: no message, as ls.
                throw Error(Exit::no_match, ctx.globals.json ? "" : "no users");
            }
        };
    });
}

void add_rm(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<UserOptions>();
    auto* cmd = parent.add_subcommand(
        "rm", "Remove a user, their devices and preferences; history stays, anonymised");
    cmd->alias("remove");
    cmd->add_option("ID", o->id, "User id")->required();
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            auto removed = ctx.store().audience().remove_user(o->id, ctx.clock().now());
            if (!removed) {
                no_such_user(o->id);
            }
            if (ctx.globals.json) {
                print_json(ctx.out, {{"id", o->id},
                                     {"devices", removed->devices},
                                     {"suppressed", removed->suppressed},
                                     {"anonymised", removed->anonymised}});
            } else {
                ctx.out << "removed user " << o->id << ": " << removed->devices << " devices, "
                        << removed->suppressed << " pending notifications suppressed, "
                        << removed->anonymised << " notifications anonymised\n";
            }
        };
    });
}

} // namespace

void add_user_command(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("user", "Manage users: add, set, show, ls, rm");
    cmd->require_subcommand(1);
    add_add(*cmd, ctx);
    add_set(*cmd, ctx);
    add_show(*cmd, ctx);
    add_ls(*cmd, ctx);
    add_rm(*cmd, ctx);
}

} // namespace notify::cli
