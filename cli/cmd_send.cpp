// notify send: enqueue one notification and print its id.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"

namespace notify::cli {

void add_send_command(CLI::App& app, Context& ctx) {
    auto options = std::make_shared<SendOptions>();
    auto* cmd = app.add_subcommand("send", "Enqueue a notification; prints its id");
    add_send_options(*cmd, *options);
    add_attach_option(*cmd, *options);
    cmd->footer("Examples:\n"
                "  notify send --channel email --to ops@example.com --subject 'Disk' --body "
                "'/ is 95% full'\n"
                "  echo hi | notify send --channel sms --to +14155550123 --body - --in 10m\n"
                "  notify send --channel email --to a@example.com --body x --event-id "
                "nightly-$(date +%F)\n"
                "  notify send --channel email --to cfo@example.com --subject 'Q3' --body "
                "'Attached.' --attach q3.pdf --attach q3.csv");
    cmd->callback([&ctx, options] {
        ctx.action = [&ctx, options] {
            TimePoint now = ctx.clock().now();
            SendRequest request = build_send_request(*options, ctx, now);
            store::EnqueueRequest enqueue;
            enqueue.rows = std::move(request.rows);
            enqueue.event_id = request.event_id;
            store::EnqueueResult result = ctx.store().enqueue(enqueue, now);
            if (!result.duplicate) {
                ctx.poke_dispatcher();
            }
            if (ctx.globals.json) {
                auto array = nlohmann::ordered_json::array();
                for (auto id : result.ids) {
                    if (auto d = ctx.store().find(id, now)) {
                        auto j = notification_json(d->notification);
                        j["duplicate"] = result.duplicate;
                        array.push_back(std::move(j));
                    }
                }
                print_json(ctx.out, array);
            } else {
                for (auto id : result.ids) {
                    ctx.out << id << '\n';
                }
            }
            if (result.duplicate && ctx.globals.verbose > 0) {
                ctx.err << "notify: event id \"" << *enqueue.event_id
                        << "\" was already enqueued; nothing new\n";
            }
        };
    });
}

} // namespace notify::cli
