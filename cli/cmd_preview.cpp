// notify preview: render what the provider would be sent, without touching the store.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"
#include "common/error.hpp"
#include "common/observe/tracking_link.hpp"
#include "common/providers/registry.hpp"

namespace notify::cli {

void add_preview_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<SendOptions>();
    auto* cmd = app.add_subcommand(
        "preview", "Show exactly what the provider would be sent; enqueues nothing");
    add_send_options(*cmd, *options);
    add_attach_option(*cmd, *options);
    cmd->footer("Example:\n  notify preview --channel email --to ops@example.com --subject Hi "
                "--body 'Hello'");
    cmd->callback([&ctx, options] {
        ctx.action = [&ctx, options] {
            TimePoint now = ctx.clock().now();
            SendRequest request = build_send_request(*options, ctx, now);
            auto array = nlohmann::ordered_json::array();
            for (const auto& row : request.rows) {
                if (row.suppressed) {
                    if (ctx.globals.json) {
                        array.push_back({{"channel", row.channel},
                                         {"to", row.to},
                                         {"suppressed", *row.suppressed}});
                    } else {
                        ctx.out << "# " << row.channel << " to " << row.to
                                << " suppressed: " << *row.suppressed << '\n';
                    }
                    continue;
                }
                const config::ChannelRoute* route = ctx.config().route(row.channel);
                const std::string& name = route->providers.front();
                auto provider = providers::create(ctx.config(), name);
                providers::Message m;
                m.channel = row.channel;
                m.to = row.to;
                m.user = row.user;
                m.event_id = request.event_id;
                m.template_name = row.template_name;
                m.priority = row.priority;
                m.subject = row.subject;
                m.title = row.title;
                m.body = row.body;
                m.data_json = row.data_json;
                m.expires_at = row.expires_at;
                m.attachments = row.attachments;
                // No id yet: tracked links show as the URLs they lead to.
                observe::track_message(m, ctx.config().tracking);
                std::string payload = provider->render(m);
                const std::string& type = ctx.config().providers.at(name).type;
                if (ctx.globals.json) {
                    array.push_back({{"channel", row.channel},
                                     {"to", row.to},
                                     {"provider", name},
                                     {"type", type},
                                     {"payload", payload}});
                } else {
                    ctx.out << "# " << row.channel << " to " << row.to << " via " << name << " ("
                            << type << ")\n"
                            << payload << '\n';
                }
            }
            if (ctx.globals.json) {
                print_json(ctx.out, array);
            }
        };
    });
}

} // namespace notify::cli
