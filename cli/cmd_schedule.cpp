// notify schedule add | ls | rm | pause | resume | next: cron schedules that enqueue a
// notification at each slot.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"
#include "common/dispatch/scheduler.hpp"
#include "common/error.hpp"
#include "common/schedule/cron.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"
#include "common/schedule/zone.hpp"

namespace notify::cli {

namespace {

struct AddOptions {
    std::string name;
    std::string cron;
    std::optional<std::string> tz;
    std::string catch_up = "one";
    SendOptions send;
};

schedule::CronExpression cron_or_throw(const std::string& text) {
    auto cron = schedule::parse_cron(text);
    if (!cron) {
        throw Error(Exit::usage, "--cron: " + cron.error());
    }
    return *cron;
}

schedule::Zone zone_or_throw(const std::optional<std::string>& name) {
    if (!name) {
        return schedule::Zone::local();
    }
    auto zone = schedule::Zone::find(*name);
    if (!zone) {
        throw Error(Exit::usage, "--tz: " + zone.error());
    }
    return *zone;
}

void check_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 128;
    for (char c : name) {
        ok =
            ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    }
    if (!ok) {
        throw Error(Exit::usage, "invalid schedule name \"" + name +
                                     "\": use letters, digits, '-', '_' and '.'");
    }
}

// The names acted on: one a line, or a JSON array with --json.
void print_names(Context& ctx, const std::vector<std::string>& names) {
    if (ctx.globals.json) {
        print_json(ctx.out, nlohmann::ordered_json(names));
        return;
    }
    for (const auto& name : names) {
        ctx.out << name << '\n';
    }
}

store::Schedule schedule_or_throw(Context& ctx, const std::string& name) {
    auto sc = ctx.store().find_schedule(name);
    if (!sc) {
        throw Error(Exit::no_match, "no schedule named \"" + name + "\"");
    }
    return *sc;
}

std::string time_or_dash(const std::optional<TimePoint>& t) {
    return t ? schedule::format_rfc3339(*t) : "-";
}

nlohmann::ordered_json schedule_json(const store::Schedule& sc) {
    nlohmann::ordered_json j;
    j["name"] = sc.name;
    j["cron"] = sc.cron;
    j["tz"] = sc.tz;
    j["paused"] = sc.paused;
    j["catch_up"] = sc.catch_up;
    j["next_at"] = sc.next_at ? nlohmann::ordered_json(schedule::format_rfc3339(*sc.next_at))
                              : nlohmann::ordered_json(nullptr);
    j["last_slot"] = sc.last_slot ? nlohmann::ordered_json(schedule::format_rfc3339(*sc.last_slot))
                                  : nlohmann::ordered_json(nullptr);
    j["created_at"] = schedule::format_rfc3339(sc.created_at);
    j["content"] = nlohmann::ordered_json::parse(sc.content_json, nullptr, false);
    return j;
}

void add_add(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<AddOptions>();
    auto* cmd = group.add_subcommand("add", "Add a schedule: enqueue a notification at each slot");
    cmd->add_option("name", o->name, "Schedule name")->required()->type_name("NAME");
    cmd->add_option("--cron", o->cron, "Vixie cron expression, or @hourly ... @yearly")
        ->required()
        ->type_name("EXPR");
    cmd->add_option("--tz", o->tz, "IANA time zone (default: the host zone)")->type_name("ZONE");
    cmd->add_option("--catch-up", o->catch_up,
                    "After downtime: one (latest missed slot), none, or all (within 24h)")
        ->type_name("POLICY")
        ->check(CLI::IsMember({"one", "none", "all"}));
    add_send_options(*cmd, o->send);
    cmd->footer("Example:\n  notify schedule add nightly --cron '0 7 * * mon-fri' --tz "
                "Europe/Berlin \\\n    --channel email --to ops@example.com --subject Digest "
                "--body 'see dashboard'");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            check_name(o->name);
            if (o->send.at || o->send.in || o->send.event_id) {
                throw Error(Exit::usage, "--at, --in and --event-id do not apply to schedules",
                            "each slot is due when it fires; its event id is "
                            "schedule:NAME:SLOT");
            }
            auto cron = cron_or_throw(o->cron);
            auto zone = zone_or_throw(o->tz);
            TimePoint now = ctx.clock().now();
            SendRequest request = build_send_request(o->send, ctx, now);
            dispatch::ScheduleContent content;
            content.row = request.rows.front();
            if (content.row.expires_at) {
                content.ttl = *content.row.expires_at - content.row.due_at;
            }
            store::Schedule sc;
            sc.name = o->name;
            sc.cron = cron.text();
            sc.tz = zone.name();
            sc.catch_up = o->catch_up;
            sc.content_json = dispatch::content_to_json(content);
            sc.created_at = now;
            sc.updated_at = now;
            sc.next_at = cron.next_after(now, zone);
            if (!ctx.store().add_schedule(sc)) {
                throw Error(Exit::data, "schedule \"" + o->name + "\" already exists",
                            "remove it first with 'notify schedule rm " + o->name + "'");
            }
            ctx.poke_dispatcher();
            if (ctx.globals.json) {
                print_json(ctx.out, schedule_json(sc));
            } else {
                ctx.out << sc.name << '\t' << time_or_dash(sc.next_at) << '\n';
            }
        };
    });
}

void add_ls(CLI::App& group, Context& ctx) {
    auto* cmd = group.add_subcommand("ls", "List schedules");
    cmd->alias("list");
    cmd->footer("Plain output, tab-separated:\n  NAME STATE CRON TZ NEXT LAST CATCH_UP");
    cmd->callback([&ctx] {
        ctx.action = [&ctx] {
            auto all = ctx.store().list_schedules();
            auto array = nlohmann::ordered_json::array();
            Table table;
            table.columns = {{"NAME"}, {"STATE"}, {"CRON"},    {"TZ"},
                             {"NEXT"}, {"LAST"},  {"CATCH_UP"}};
            for (const auto& sc : all) {
                array.push_back(schedule_json(sc));
                table.rows.push_back({sc.name, StatusWord{sc.paused ? "paused" : "active"}, sc.cron,
                                      sc.tz, sc.next_at, sc.last_slot, sc.catch_up});
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, table, ctx.table_style());
            }
            if (all.empty()) {
                throw Error(Exit::no_match, "");
            }
        };
    });
}

void add_rm(CLI::App& group, Context& ctx) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = group.add_subcommand("rm", "Remove schedules (enqueued notifications stay)");
    cmd->add_option("name", *names, "Schedule name(s)")->required()->type_name("NAME");
    cmd->callback([&ctx, names] {
        ctx.action = [&ctx, names] {
            for (const auto& name : *names) {
                schedule_or_throw(ctx, name);
            }
            for (const auto& name : *names) {
                ctx.store().remove_schedule(name);
            }
            print_names(ctx, *names);
        };
    });
}

void add_pause_resume(CLI::App& group, Context& ctx, bool pause) {
    auto names = std::make_shared<std::vector<std::string>>();
    auto* cmd = group.add_subcommand(
        pause ? "pause" : "resume",
        pause ? "Pause schedules: no slot fires until resumed"
              : "Resume schedules from the next slot (missed slots are not replayed)");
    cmd->add_option("name", *names, "Schedule name(s)")->required()->type_name("NAME");
    cmd->callback([&ctx, names, pause] {
        ctx.action = [&ctx, names, pause] {
            std::vector<store::Schedule> found;
            for (const auto& name : *names) {
                found.push_back(schedule_or_throw(ctx, name));
            }
            TimePoint now = ctx.clock().now();
            for (const auto& sc : found) {
                std::optional<TimePoint> next = sc.next_at;
                if (!pause) {
                    auto cron = cron_or_throw(sc.cron);
                    next = cron.next_after(now, zone_or_throw(sc.tz));
                }
                ctx.store().set_schedule_paused(sc.name, pause, next, now);
            }
            print_names(ctx, *names);
            ctx.poke_dispatcher();
        };
    });
}

struct NextOptions {
    std::optional<std::string> name;
    std::optional<std::string> cron;
    std::optional<std::string> tz;
    int count = 5;
};

void add_next(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<NextOptions>();
    auto* cmd = group.add_subcommand("next", "Print the next N fire times (RFC 3339, one a line)");
    cmd->add_option("name", o->name, "Schedule name")->type_name("NAME");
    cmd->add_option("-n,--count", o->count, "How many (default 5)")
        ->type_name("N")
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--cron", o->cron, "Try an expression instead of a stored schedule")
        ->type_name("EXPR");
    cmd->add_option("--tz", o->tz, "Zone for --cron (default: the host zone)")->type_name("ZONE");
    cmd->footer("Examples:\n  notify schedule next nightly -n 3\n  notify schedule next --cron "
                "'30 2 * * *' --tz Europe/Berlin");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            if (o->name.has_value() == o->cron.has_value()) {
                throw Error(Exit::usage, o->name ? "give a schedule NAME or --cron EXPR, not both"
                                                 : "give a schedule NAME or --cron EXPR");
            }
            std::string expr;
            std::optional<std::string> tz = o->tz;
            if (o->name) {
                if (o->tz) {
                    throw Error(Exit::usage, "--tz applies to --cron; a schedule has its own zone");
                }
                auto sc = schedule_or_throw(ctx, *o->name);
                expr = sc.cron;
                tz = sc.tz;
            } else {
                expr = *o->cron;
            }
            auto cron = cron_or_throw(expr);
            auto times = cron.next_n(ctx.clock().now(), zone_or_throw(tz), o->count);
            auto array = nlohmann::ordered_json::array();
            Table table;
            table.columns = {{"AT"}, {"WHEN", true}};
            for (auto t : times) {
                array.push_back(schedule::format_rfc3339(t));
                table.rows.push_back({schedule::format_rfc3339(t), std::optional<TimePoint>(t)});
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, table, ctx.table_style());
            }
            if (times.empty()) {
                throw Error(Exit::no_match, "\"" + expr + "\" never fires");
            }
        };
    });
}

} // namespace

void add_schedule_command(CLI::App& app, Context& ctx) {
    auto* group =
        app.add_subcommand("schedule", "Cron schedules: add, ls, rm, pause, resume, next");
    group->require_subcommand(1);
    add_add(*group, ctx);
    add_ls(*group, ctx);
    add_rm(*group, ctx);
    add_pause_resume(*group, ctx, true);
    add_pause_resume(*group, ctx, false);
    add_next(*group, ctx);
}

} // namespace notify::cli
