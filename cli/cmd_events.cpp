// notify events: the store's event log (created, claimed, sent, failed, ...) as lines or JSON
// lines, optionally followed as it grows.
#include <chrono>
#include <memory>
#include <ostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

struct EventsOptions {
    std::optional<std::string> since;
    std::vector<std::string> types;
    std::optional<std::int64_t> id;
    int limit = 0;
    bool follow = false;
};

const std::vector<std::string>& known_types() {
    static const std::vector<std::string> k_types = {
        "created",  "claimed",    "sent",      "failed",  "retried",  "dead",
        "deferred", "suppressed", "cancelled", "held",    "released", "retry",
        "rescued",  "delivered",  "opened",    "clicked",
    };
    return k_types;
}

// --since: an RFC 3339 / local time, or a duration meaning that long ago.
TimePoint since_or_throw(const std::string& text, TimePoint now) {
    if (auto d = schedule::parse_duration(text)) {
        return now - *d;
    }
    auto t = schedule::parse_time(text);
    if (!t) {
        throw Error(Exit::usage, "--since: \"" + text +
                                     "\" is neither a time (RFC 3339, YYYY-MM-DD HH:MM) nor a "
                                     "duration (10m, 2h, 1d)");
    }
    return *t;
}

nlohmann::ordered_json event_json(const store::EventRecord& e) {
    nlohmann::ordered_json j;
    j["seq"] = e.seq;
    j["id"] = e.id;
    j["channel"] = e.channel;
    j["type"] = e.type;
    j["at"] = schedule::format_rfc3339(e.at);
    j["detail"] = e.detail;
    return j;
}

// Prints one batch of events; `header` asks for the terminal's header line.
void print_events(Context& ctx, const std::vector<store::EventRecord>& events, bool header) {
    if (ctx.globals.json) {
        // Details hold what services answered: bytes that are not UTF-8 print as U+FFFD.
        for (const auto& e : events) {
            ctx.out << event_json(e).dump(-1, ' ', false,
                                          nlohmann::ordered_json::error_handler_t::replace)
                    << '\n';
        }
        return;
    }
    Table table;
    table.columns = {{"AT"}, {"ID"}, {"CHANNEL"}, {"TYPE"}, {"DETAIL"}};
    for (const auto& e : events) {
        std::string detail = e.detail;
        for (char& c : detail) {
            if (c == '\t' || c == '\n') {
                c = ' ';
            }
        }
        table.rows.push_back({std::optional<TimePoint>(e.at), std::to_string(e.id), e.channel,
                              StatusWord{e.type}, detail});
    }
    TableStyle style = ctx.table_style();
    style.header = header;
    print(ctx.out, table, style);
}

} // namespace

void add_events_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<EventsOptions>();
    auto* cmd = app.add_subcommand(
        "events",
        "Print the event log (JSON lines with --json or --jsonl); --follow streams new events");
    cmd->add_option("--since", o->since, "Only events since TIME, or since DURATION ago (10m)")
        ->type_name("TIME|DURATION");
    cmd->add_option("--type", o->types, "Only events of this type (repeatable)")->type_name("TYPE");
    cmd->add_option("--id", o->id, "Only this notification's events")->type_name("ID");
    cmd->add_option("--limit", o->limit, "At most N events (0: all)")
        ->type_name("N")
        ->check(CLI::Range(0, 1'000'000'000));
    cmd->add_flag("--follow,-f", o->follow, "Keep printing new events as they are written");
    cmd->footer("Plain output, tab-separated: AT ID CHANNEL TYPE DETAIL\n"
                "JSON lines: {\"seq\", \"id\", \"channel\", \"type\", \"at\", \"detail\"}\n"
                "Examples:\n  notify events --since 1h --type dead\n"
                "  notify --json events --follow | jq -c 'select(.type == \"failed\")'");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            store::EventFilter filter;
            for (const auto& type : o->types) {
                const auto& known = known_types();
                if (std::find(known.begin(), known.end(), type) == known.end()) {
                    auto guess = text::closest_match(type, known);
                    throw Error(Exit::usage,
                                "--type: unknown event type \"" + type + "\"" +
                                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""));
                }
            }
            filter.types = o->types;
            filter.id = o->id;
            filter.limit = o->limit;
            filter.settled = o->follow;
            if (o->since) {
                filter.since = since_or_throw(*o->since, ctx.clock().now());
            }
            std::size_t printed = 0;
            while (true) {
                auto events = ctx.store().events(filter);
                if (!events.empty()) {
                    print_events(ctx, events, printed == 0);
                    filter.after_seq = events.back().seq;
                }
                printed += events.size();
                ctx.out.flush();
                if (!o->follow || !ctx.out) {
                    break;
                }
                if (filter.limit > 0) {
                    filter.limit -= static_cast<int>(events.size());
                    if (filter.limit <= 0) {
                        break;
                    }
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
            }
            if (printed == 0 && !o->follow) {
                throw Error(Exit::no_match, "");
            }
        };
    });
}

} // namespace notify::cli
