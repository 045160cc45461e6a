// notify show: one notification with every attempt and event.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::cli {

namespace {

void print_field(std::ostream& out, const char* name, const std::string& value) {
    out << name << ": " << value << '\n';
}

std::string or_dash(const std::optional<std::string>& v) {
    return v ? *v : "-";
}

void print_detail(std::ostream& out, const model::NotificationDetail& d) {
    const auto& n = d.notification;
    print_field(out, "id", std::to_string(n.id));
    print_field(out, "status", std::string(model::to_string(n.status)));
    print_field(out, "channel", n.channel);
    print_field(out, "to", n.to);
    print_field(out, "user", or_dash(n.user));
    print_field(out, "provider", or_dash(n.provider));
    print_field(out, "event_id", or_dash(n.event_id));
    print_field(out, "priority", std::string(model::to_string(n.priority)));
    print_field(out, "due_at", schedule::format_rfc3339(n.due_at));
    print_field(out, "created_at", schedule::format_rfc3339(n.created_at));
    print_field(out, "updated_at", schedule::format_rfc3339(n.updated_at));
    print_field(out, "expires_at", n.expires_at ? schedule::format_rfc3339(*n.expires_at) : "-");
    print_field(out, "sent_at", n.sent_at ? schedule::format_rfc3339(*n.sent_at) : "-");
    print_field(out, "attempts", std::to_string(n.attempts));
    print_field(out, "last_error", or_dash(n.last_error));
    if (n.subject) {
        print_field(out, "subject", *n.subject);
    }
    if (n.title) {
        print_field(out, "title", *n.title);
    }
    if (n.body) {
        print_field(out, "body", *n.body);
    }
    if (n.data_json != "{}") {
        print_field(out, "data", n.data_json);
    }
    for (const auto& a : d.attachments) {
        print_field(out, "attachment",
                    a.filename + " (" + a.content_type + ", " + std::to_string(a.size) + " bytes" +
                        (a.stored ? "" : ", dropped after sending") + ")");
    }
    out << "attempts_log:\n";
    for (const auto& a : d.attempts) {
        out << "  " << a.n << '\t' << schedule::format_rfc3339(a.started_at) << '\t' << a.provider
            << '\t' << a.outcome << '\t' << a.detail << '\n';
    }
    out << "events:\n";
    for (const auto& e : d.events) {
        out << "  " << schedule::format_rfc3339(e.at) << '\t' << e.type << '\t' << e.detail << '\n';
    }
}

} // namespace

void add_show_command(CLI::App& app, Context& ctx) {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto* cmd = app.add_subcommand("show", "Show notifications with their attempts and events");
    cmd->add_option("id", *ids, "Notification id(s); - reads ids from stdin")
        ->required()
        ->type_name("ID");
    cmd->callback([&ctx, ids] {
        ctx.action = [&ctx, ids] {
            auto wanted = parse_ids(*ids, ctx.in);
            TimePoint now = ctx.clock().now();
            auto array = nlohmann::ordered_json::array();
            std::vector<std::int64_t> missing;
            bool first = true;
            for (auto id : wanted) {
                auto d = ctx.store().find(id, now);
                if (!d) {
                    missing.push_back(id);
                    continue;
                }
                if (ctx.globals.json) {
                    array.push_back(detail_json(*d));
                } else {
                    if (!first) {
                        ctx.out << '\n';
                    }
                    print_detail(ctx.out, *d);
                }
                first = false;
            }
            if (ctx.globals.json) {
                // One id prints an object, several an array.
                if (wanted.size() == 1 && array.size() == 1) {
                    print_json(ctx.out, array[0]);
                } else if (!array.empty()) {
                    print_json(ctx.out, array);
                }
            }
            if (!missing.empty()) {
                for (std::size_t i = 0; i + 1 < missing.size(); ++i) {
                    ctx.err << "notify: no notification " << missing[i] << '\n';
                }
                throw Error(Exit::no_match, "no notification " + std::to_string(missing.back()));
            }
        };
    });
}

} // namespace notify::cli
