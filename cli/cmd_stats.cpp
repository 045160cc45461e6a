// notify stats: counts by status and channel, due now, oldest due age.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/schedule/duration.hpp"

namespace notify::cli {

void add_stats_command(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("stats", "Queue counts by status and channel");
    cmd->footer("Plain output: 'status NAME COUNT' lines, then 'channel NAME STATUS COUNT' lines,\n"
                "then 'total N', 'due_now N' and 'oldest_due_age DURATION|-'.");
    cmd->callback([&ctx] {
        ctx.action = [&ctx] {
            store::Stats s = ctx.store().stats(ctx.clock().now());
            if (ctx.globals.json) {
                nlohmann::ordered_json by_status;
                for (auto st : model::all_statuses()) {
                    auto it = s.by_status.find(st);
                    by_status[std::string(model::to_string(st))] =
                        it == s.by_status.end() ? 0 : it->second;
                }
                nlohmann::ordered_json by_channel = nlohmann::ordered_json::object();
                for (const auto& [channel, counts] : s.by_channel) {
                    nlohmann::ordered_json c;
                    for (const auto& [st, count] : counts) {
                        c[std::string(model::to_string(st))] = count;
                    }
                    by_channel[channel] = c;
                }
                nlohmann::ordered_json j;
                j["total"] = s.total;
                j["by_status"] = by_status;
                j["by_channel"] = by_channel;
                j["due_now"] = s.due_now;
                j["oldest_due_age_seconds"] =
                    s.oldest_due_age ? nlohmann::ordered_json(s.oldest_due_age->count() / 1000)
                                     : nlohmann::ordered_json(nullptr);
                print_json(ctx.out, j);
                return;
            }
            for (auto st : model::all_statuses()) {
                auto it = s.by_status.find(st);
                ctx.out << "status " << model::to_string(st) << ' '
                        << (it == s.by_status.end() ? 0 : it->second) << '\n';
            }
            for (const auto& [channel, counts] : s.by_channel) {
                for (const auto& [st, count] : counts) {
                    ctx.out << "channel " << channel << ' ' << model::to_string(st) << ' ' << count
                            << '\n';
                }
            }
            ctx.out << "total " << s.total << '\n';
            ctx.out << "due_now " << s.due_now << '\n';
            ctx.out << "oldest_due_age "
                    << (s.oldest_due_age ? schedule::format_duration(
                                               Millis{s.oldest_due_age->count() / 1000 * 1000})
                                         : "-")
                    << '\n';
        };
    });
}

} // namespace notify::cli
