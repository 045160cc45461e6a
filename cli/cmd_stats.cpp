// notify stats: counts by status and channel, due now, oldest due age.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/schedule/duration.hpp"

namespace notify::cli {

namespace {

std::vector<std::string> bucket_labels() {
    std::vector<std::string> labels;
    for (const auto& edge : store::age_bucket_edges()) {
        labels.push_back(schedule::format_duration(edge));
    }
    labels.push_back(labels.back() + "+");
    return labels;
}

double per_minute(std::int64_t count, Millis window) {
    return static_cast<double>(count) * 60'000.0 / static_cast<double>(window.count());
}

// The qshape table: one row per channel plus TOTAL; columns T (all) and the age buckets.
void print_shape(std::ostream& out, const store::Stats& s) {
    const auto labels = bucket_labels();
    std::vector<std::int64_t> total(labels.size(), 0);
    for (const auto& [channel, counts] : s.waiting_by_age) {
        for (std::size_t i = 0; i < counts.size(); ++i) {
            total[i] += counts[i];
        }
    }
    std::size_t width = 5;
    for (const auto& [channel, counts] : s.waiting_by_age) {
        width = std::max(width, channel.size());
    }
    const auto row = [&](const std::string& name, const std::vector<std::int64_t>& counts) {
        std::int64_t sum = 0;
        for (auto c : counts) {
            sum += c;
        }
        out << name << std::string(width - name.size(), ' ');
        out << ' '
            << std::string(std::max<int>(0, 6 - static_cast<int>(std::to_string(sum).size())), ' ')
            << sum;
        for (auto c : counts) {
            const std::string text = std::to_string(c);
            out << ' ' << std::string(std::max<int>(0, 5 - static_cast<int>(text.size())), ' ')
                << text;
        }
        out << '\n';
    };
    out << std::string(width, ' ') << "      T";
    for (const auto& l : labels) {
        out << ' ' << std::string(std::max<int>(0, 5 - static_cast<int>(l.size())), ' ') << l;
    }
    out << '\n';
    row("TOTAL", total);
    for (const auto& [channel, counts] : s.waiting_by_age) {
        row(channel, counts);
    }
}

} // namespace

void add_stats_command(CLI::App& app, Context& ctx) {
    auto shape = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("stats", "Queue counts by status and channel, queue shape");
    cmd->add_flag("--shape", *shape,
                  "Print the queue shape instead: rows waiting to go out per channel by how "
                  "long past due (like Postfix's qshape)");
    cmd->footer("Plain output: 'status NAME COUNT' lines, then 'channel NAME STATUS COUNT' lines,\n"
                "then 'total N', 'due_now N', 'oldest_due_age DURATION|-',\n"
                "'sent_per_minute X' and 'failed_per_minute X' (over the last 5 minutes).\n"
                "--shape columns: T (all waiting), then <1m <2m <4m ... <16h and 16h+.");
    cmd->callback([&ctx, shape] {
        ctx.action = [&ctx, shape] {
            store::Stats s = ctx.store().stats(ctx.clock().now());
            if (*shape && !ctx.globals.json) {
                print_shape(ctx.out, s);
                return;
            }
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
                nlohmann::ordered_json waiting;
                waiting["buckets"] = bucket_labels();
                waiting["by_channel"] = nlohmann::ordered_json::object();
                for (const auto& [channel, counts] : s.waiting_by_age) {
                    waiting["by_channel"][channel] = counts;
                }
                j["waiting_by_age"] = waiting;
                j["rate_window_seconds"] = s.rate_window.count() / 1000;
                j["sent_in_window"] = s.sent_in_window;
                j["failed_in_window"] = s.failed_in_window;
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
            char rate[64];
            std::snprintf(rate, sizeof rate, "sent_per_minute %.1f\nfailed_per_minute %.1f\n",
                          per_minute(s.sent_in_window, s.rate_window),
                          per_minute(s.failed_in_window, s.rate_window));
            ctx.out << rate;
        };
    });
}

} // namespace notify::cli
