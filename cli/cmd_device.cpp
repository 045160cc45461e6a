// notify device add | ls | rm: push targets (APNs, FCM, Web Push) of users.
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "cli/audience_output.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/audience/device_token.hpp"
#include "common/audience/platform.hpp"
#include "common/error.hpp"

namespace notify::cli {

namespace {

struct DeviceOptions {
    std::string user;
    std::string platform;
    std::string token;
    std::optional<std::string> app;
    std::optional<std::string> user_filter;
    std::int64_t id = 0;
};

std::string checked_token(const std::string& platform_name, const std::string& token) {
    auto platform = audience::parse_platform(platform_name);
    if (!platform) {
        throw Error(Exit::usage,
                    "--platform: \"" + platform_name + "\" is not one of ios, android, web");
    }
    auto normal = audience::normalize_device_token(*platform, token);
    if (!normal) {
        throw Error(Exit::data, "--token: " + normal.error());
    }
    return *normal;
}

void add_add(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<DeviceOptions>();
    auto* cmd = parent.add_subcommand("add", "Register a device of a user; prints its id");
    cmd->add_option("USER", o->user, "User id")->required();
    cmd->add_option("--platform", o->platform, "ios (APNs), android (FCM) or web (Web Push)")
        ->required()
        ->type_name("PLATFORM");
    cmd->add_option("--token", o->token,
                    "APNs/FCM token, or the Web Push subscription JSON; '-' reads stdin")
        ->required()
        ->type_name("TOKEN");
    cmd->add_option("--app", o->app, "App id or APNs topic (informational)")->type_name("APP");
    cmd->footer("Examples:\n  notify device add alice --platform ios --token "
                "0f3c...64-hex... --app com.example.shop\n"
                "  notify device add alice --platform web --token - < subscription.json");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            std::string token = o->token;
            if (token == "-") {
                std::ostringstream buffer;
                buffer << ctx.in.rdbuf();
                token = buffer.str();
                while (!token.empty() &&
                       (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
                    token.pop_back();
                }
            }
            model::Device device;
            device.user_id = o->user;
            device.platform = o->platform;
            device.token = checked_token(o->platform, token);
            device.app = o->app;
            auto id = ctx.store().audience().add_device(device, ctx.clock().now());
            if (!id) {
                throw Error(Exit::no_match, "no user \"" + o->user + "\"",
                            "add it first with 'notify user add " + o->user + "'");
            }
            ctx.out << *id << '\n';
        };
    });
}

void add_ls(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<DeviceOptions>();
    auto* cmd = parent.add_subcommand("ls", "List devices: id, user, platform, state, app, token");
    cmd->alias("list");
    cmd->add_option("--user", o->user_filter, "Only this user's devices")->type_name("USER_ID");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            auto devices = ctx.store().audience().list_devices(o->user_filter);
            auto array = nlohmann::ordered_json::array();
            for (const auto& d : devices) {
                array.push_back(device_json(d));
            }
            if (!ctx.print_records(array)) {
                print(ctx.out, devices_table(devices, ctx.out_is_tty), ctx.table_style());
            }
            if (devices.empty()) {
                // With --json, [] on stdout says it: no message, as ls.
                throw Error(Exit::no_match, ctx.globals.json ? "" : "no devices");
            }
        };
    });
}

void add_rm(CLI::App& parent, Context& ctx) {
    auto o = std::make_shared<DeviceOptions>();
    auto* cmd = parent.add_subcommand("rm", "Remove a device");
    cmd->alias("remove");
    cmd->add_option("ID", o->id, "Device id (from 'notify device ls')")->required();
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            if (!ctx.store().audience().remove_device(o->id)) {
                throw Error(Exit::no_match, "no device " + std::to_string(o->id));
            }
        };
    });
}

} // namespace

void add_device_command(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("device", "Manage users' push devices: add, ls, rm");
    cmd->require_subcommand(1);
    add_add(*cmd, ctx);
    add_ls(*cmd, ctx);
    add_rm(*cmd, ctx);
}

} // namespace notify::cli
