// Unit tests of common/providers/registry.cpp: the routes whose provider timeouts do not fit
// in daemon.lease.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/config.hpp"
#include "common/providers/registry.hpp"

namespace notify::providers {
namespace {

using testing::ElementsAre;
using testing::IsEmpty;

config::Config parse(const std::string& yaml) {
    config::LoadOptions options;
    options.env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return std::string("/home/u");
        }
        return std::nullopt;
    };
    options.system_config_path = "/nonexistent/notify-test/config.yaml";
    config::Config config = config::load_text(yaml, "config.yaml", options);
    validate(config);
    return config;
}

TEST(ProviderRegistry, RoutesThatFitTheLeaseRaiseNothing) {
    // The default lease (5m) outlasts the default timeouts (30s) of a failover pair.
    auto config = parse("providers:\n"
                        "  a: {type: webhook, url: 'http://127.0.0.1:1/a'}\n"
                        "  b: {type: exec, command: [/bin/true]}\n"
                        "  out: {type: file, path: /tmp/out.jsonl}\n"
                        "channels:\n  webhook: [a, b]\n  email: [out]\n");
    EXPECT_THAT(lease_shortfalls(config), IsEmpty());
}

TEST(ProviderRegistry, FailoverTimeoutsAddUpAgainstTheLease) {
    auto config = parse("daemon: {lease: 40s}\n"
                        "providers:\n"
                        "  a: {type: webhook, url: 'http://127.0.0.1:1/a', timeout: 10s}\n"
                        "  b: {type: exec, command: [/bin/true]}\n"
                        "  c: {type: webhook, url: 'http://127.0.0.1:1/c', timeout: 5s}\n"
                        "channels:\n  webhook: [a, b]\n  sms: [c]\n");
    EXPECT_THAT(lease_shortfalls(config),
                ElementsAre("channel webhook: a send may take up to 40s (a 10s + b 30s), not "
                            "less than daemon.lease (40s): one still running when its lease "
                            "runs out is sent again; raise daemon.lease or lower the timeouts"));
}

} // namespace
} // namespace notify::providers
