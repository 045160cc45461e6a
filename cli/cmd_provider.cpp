// notify provider ls | test: the configured provider instances, and one synchronous test send.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"
#include "common/audience/recipient_check.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

std::vector<std::string> channels_of(const config::Config& config, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& route : config.channels) {
        for (const auto& p : route.providers) {
            if (p == name) {
                out.push_back(route.channel);
            }
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& items, const char* empty) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out.empty() ? empty : out;
}

void add_ls(CLI::App& group, Context& ctx) {
    auto* cmd = group.add_subcommand("ls", "List configured providers and the channels using them");
    cmd->alias("list");
    cmd->footer("Plain output, tab-separated:\n  NAME TYPE CHANNELS ORIGIN");
    cmd->callback([&ctx] {
        ctx.action = [&ctx] {
            const config::Config& config = ctx.config();
            auto array = nlohmann::ordered_json::array();
            Table table;
            table.columns = {{"NAME"}, {"TYPE"}, {"CHANNELS"}, {"ORIGIN"}};
            for (const auto& [name, p] : config.providers) {
                auto channels = channels_of(config, name);
                if (ctx.globals.json) {
                    array.push_back({{"name", name},
                                     {"type", p.type},
                                     {"channels", channels},
                                     {"origin", p.origin}});
                } else {
                    table.rows.push_back({name, p.type, joined(channels, "-"), p.origin});
                }
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, table, ctx.table_style());
            }
        };
    });
}

struct TestOptions {
    std::string name;
    std::string to;
    std::optional<std::string> channel;
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::string body = "notify provider test";
};

void add_test(CLI::App& group, Context& ctx) {
    auto o = std::make_shared<TestOptions>();
    auto* cmd = group.add_subcommand(
        "test", "Send one message now through a provider and print the classified result");
    cmd->add_option("name", o->name, "Provider name")->required()->type_name("NAME");
    cmd->add_option("--to", o->to, "Recipient")->required()->type_name("ADDRESS");
    cmd->add_option("--channel", o->channel,
                    "Channel to validate the recipient for (default: the first using it)")
        ->type_name("CHANNEL");
    cmd->add_option("--subject", o->subject, "Subject")->type_name("TEXT");
    cmd->add_option("--title", o->title, "Title")->type_name("TEXT");
    cmd->add_option("--body", o->body, "Body (default: \"notify provider test\")")
        ->type_name("TEXT");
    cmd->footer("Touches no store. Exit 0 sent; 65 invalid recipient; 69 the provider refused "
                "or could not be reached.\nExample:\n  notify provider test mail --to "
                "ops@example.com --subject 'test'");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            const config::Config& config = ctx.config();
            if (config.providers.count(o->name) == 0) {
                std::vector<std::string> names;
                for (const auto& [name, p] : config.providers) {
                    names.push_back(name);
                }
                auto guess = text::closest_match(o->name, names);
                throw Error(Exit::no_match,
                            "no provider named \"" + o->name + "\"" +
                                (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                            "configured providers: " + joined(names, "none"));
            }
            std::string channel = o->channel.value_or("");
            if (channel.empty()) {
                auto channels = channels_of(config, o->name);
                channel = channels.empty() ? "test" : channels.front();
            }
            const std::string& region = config.audience_default_region.value;
            auto to = audience::check_recipient(channel, o->to, region);
            if (!to) {
                throw Error(Exit::data, to.error(), recipient_hint(channel, o->to, region));
            }
            providers::Message m;
            m.channel = channel;
            m.to = *to;
            m.subject = o->subject;
            m.title = o->title;
            m.body = o->body;
            m.attempt = 1;
            auto provider = providers::create(config, o->name);
            providers::SendResult r = provider->send(m);
            std::string kind = r.ok ? "sent" : std::string(providers::to_string(r.kind));
            if (ctx.globals.json) {
                nlohmann::ordered_json j{
                    {"provider", o->name}, {"result", kind}, {"detail", r.detail}};
                j["retry_after_seconds"] =
                    r.retry_after ? nlohmann::ordered_json(r.retry_after->count() / 1000)
                                  : nlohmann::ordered_json(nullptr);
                print_json(ctx.out, j);
            } else {
                ctx.out << kind << '\t' << r.detail << '\n';
            }
            if (!r.ok) {
                throw Error(r.kind == providers::FailureKind::invalid_recipient ||
                                    r.kind == providers::FailureKind::opted_out
                                ? Exit::data
                                : Exit::unavailable,
                            o->name + ": " + kind + ": " + r.detail);
            }
        };
    });
}

} // namespace

void add_provider_command(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("provider", "Configured providers: ls, test");
    group->require_subcommand(1);
    add_ls(*group, ctx);
    add_test(*group, ctx);
}

} // namespace notify::cli
