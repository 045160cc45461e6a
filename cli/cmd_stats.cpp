// notify stats: counts by status and channel, due now, oldest due age, open and click rates.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/error.hpp"
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

// "40.0%" of part/whole; "-" for nothing sent.
std::string percent(std::int64_t part, std::int64_t whole) {
    if (whole == 0) {
        return "-";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%",
                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return text;
}

nlohmann::ordered_json rate_json(std::int64_t part, std::int64_t whole) {
    if (whole == 0) {
        return nullptr;
    }
    return static_cast<double>(part) / static_cast<double>(whole);
}

nlohmann::ordered_json engagement_json(const std::vector<store::TemplateEngagement>& rows,
                                       Millis window) {
    nlohmann::ordered_json j;
    j["window_seconds"] = window.count() / 1000;
    j["by_template"] = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
        nlohmann::ordered_json t;
        t["template"] = r.template_name ? nlohmann::ordered_json(*r.template_name)
                                        : nlohmann::ordered_json(nullptr);
        t["sent"] = r.sent;
        t["opened"] = r.opened;
        t["clicked"] = r.clicked;
        t["open_rate"] = rate_json(r.opened, r.sent);
        t["click_rate"] = rate_json(r.clicked, r.sent);
        j["by_template"].push_back(t);
    }
    return j;
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
    auto window_text = std::make_shared<std::string>("24h");
    auto* cmd = app.add_subcommand("stats", "Queue counts by status and channel, queue shape");
    cmd->add_flag("--shape", *shape,
                  "Print the queue shape instead: rows waiting to go out per channel by how "
                  "long past due (like Postfix's qshape)");
    cmd->add_option("--window", *window_text,
                    "Open and click rates over notifications sent this long ago or less "
                    "(default 24h)")
        ->type_name("DURATION");
    cmd->footer("Plain output: 'status NAME COUNT' lines, then 'channel NAME STATUS COUNT' lines,\n"
                "then 'total N', 'due_now N', 'oldest_due_age DURATION|-',\n"
                "'sent_per_minute X' and 'failed_per_minute X' (over the last 5 minutes),\n"
                "'engagement_window DURATION', then per template (- for none)\n"
                "'template NAME sent N opened N clicked N open_rate X% click_rate X%'.\n"
                "--shape columns: T (all waiting), then <1m <2m <4m ... <16h and 16h+.");
    cmd->callback([&ctx, shape, window_text] {
        auto window = schedule::parse_duration(*window_text);
        if (!window) {
            throw Error(Exit::usage, "--window: " + window.error());
        }
        if (window->count() <= 0) {
            throw Error(Exit::usage, "--window: must be greater than 0s");
        }
        ctx.action = [&ctx, shape, window = *window] {
            const TimePoint now = ctx.clock().now();
            store::Stats s = ctx.store().stats(now);
            if (*shape && !ctx.globals.json) {
                print_shape(ctx.out, s);
                return;
            }
            // Read before printing anything: a store that fails half-way (a damaged file)
            // must leave stdout empty, with only the error on stderr.
            const auto engagement = ctx.store().engagement(now - window);
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
                j["engagement"] = engagement_json(engagement, window);
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
            ctx.out << "engagement_window " << schedule::format_duration(window) << '\n';
            for (const auto& r : engagement) {
                ctx.out << "template " << r.template_name.value_or("-") << " sent " << r.sent
                        << " opened " << r.opened << " clicked " << r.clicked << " open_rate "
                        << percent(r.opened, r.sent) << " click_rate " << percent(r.clicked, r.sent)
                        << '\n';
            }
        };
    });
}

} // namespace notify::cli
