// Unit tests of common/providers/slack_provider.cpp against tests/fakes/http_hook.py.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/providers/slack_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_cert.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

Message message(std::string to = "#ops") {
    Message m;
    m.id = 9;
    m.channel = "slack";
    m.to = std::move(to);
    m.title = "Deploy finished";
    m.body = "build 42 is live";
    m.attempt = 1;
    return m;
}

std::vector<json> logged(test::FakeServer& server, std::size_t at_least) {
    std::vector<json> out;
    for (const auto& line : server.requests(at_least)) {
        out.push_back(json::parse(line));
    }
    return out;
}

class SlackProviderTest : public testing::Test {
  protected:
    config::Config load(const std::string& extra) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        auto env = m_env;
        env["HOME"] = home;
        options.env = [env](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  team:\n    type: slack\n" + extra,
                                 home + "/config.yaml", options);
    }

    std::unique_ptr<Provider> provider(const std::string& extra = "") {
        m_config = load(extra);
        validate(m_config);
        return create(m_config, "team");
    }

    // A provider whose url is `server`'s Slack-like hook ending in `mode`, read from
    // ${env:SLACK_URL} as in practice.
    std::unique_ptr<Provider> hooked(test::FakeServer& server, const std::string& mode,
                                     const std::string& extra = "") {
        m_env["SLACK_URL"] = server.url() + "/services/T0/B0/" + mode;
        return provider("    url: ${env:SLACK_URL}\n" + extra);
    }

    std::pair<std::string, std::string> self_signed() { return test::self_signed_cert(m_dir); }

    test::TempDir m_dir{"slack"};
    std::map<std::string, std::string> m_env;
    config::Config m_config;
};

TEST_F(SlackProviderTest, PostsBoldTitleAndBodyAsText) {
    test::FakeServer server("http_hook.py");
    auto p = hooked(server, "ok");
    Message m = message();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "ok");
    EXPECT_EQ(p->name(), "team");
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["method"], "POST");
    EXPECT_EQ(requests[0]["path"], "/services/T0/B0/ok");
    EXPECT_EQ(requests[0]["headers"]["content-type"], "application/json; charset=utf-8");
    EXPECT_FALSE(requests[0]["headers"].contains("expect"));
    EXPECT_EQ(requests[0]["body"], p->render(m));
    EXPECT_EQ(requests[0]["json"], json({{"text", "*Deploy finished*\nbuild 42 is live"}}));
}

TEST_F(SlackProviderTest, RenderEscapesAndFallsBackToSubject) {
    auto p = provider();
    Message m = message();
    m.title.reset();
    m.subject = "R&D <team>";
    m.body = "ping <!channel> & <https://x|y>";
    EXPECT_EQ(
        p->render(m),
        R"({"text":"*R&amp;D &lt;team&gt;*\nping &lt;!channel&gt; &amp; &lt;https://x|y&gt;"})");
    m.subject.reset();
    EXPECT_EQ(json::parse(p->render(m))["text"], "ping &lt;!channel&gt; &amp; &lt;https://x|y&gt;");
    m.subject = "Only a heading";
    m.body.reset();
    EXPECT_EQ(p->render(m), R"({"text":"*Only a heading*"})");
}

TEST_F(SlackProviderTest, RecipientIsTheWebhookUrlWithoutUrl) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(server.url() + "/services/T1/B1/ok"));
    ASSERT_TRUE(r.ok) << r.detail;
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["path"], "/services/T1/B1/ok");
}

TEST_F(SlackProviderTest, RecipientThatIsNoUrlIsInvalidRecipient) {
    auto p = provider();
    SendResult r = p->send(message("#ops"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "slack: the recipient is not an incoming-webhook URL (or set "
                        "providers.team.url)");
}

TEST_F(SlackProviderTest, PayloadErrorsArePermanent) {
    test::FakeServer server("http_hook.py");
    auto p = hooked(server, "ok");
    Message m = message();
    m.title.reset();
    m.body.reset();
    SendResult r = p->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "slack: HTTP 400 no_text");
}

TEST_F(SlackProviderTest, ChannelErrorsAreInvalidRecipient) {
    test::FakeServer server("http_hook.py");
    SendResult r = hooked(server, "notfound")->send(message());
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "slack: HTTP 404 channel_not_found");
    r = hooked(server, "archived")->send(message());
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "slack: HTTP 410 channel_is_archived");
}

TEST_F(SlackProviderTest, RevokedOrRefusedConfiguredHookIsAuth) {
    test::FakeServer server("http_hook.py");
    SendResult r = hooked(server, "revoked")->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "slack: HTTP 404 no_service");
    r = hooked(server, "badtoken")->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "slack: HTTP 403 invalid_token");
    r = hooked(server, "prohibited")->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "slack: HTTP 403 action_prohibited");
}

TEST_F(SlackProviderTest, RevokedRecipientHookIsInvalidRecipient) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    const std::string base = server.url() + "/services/T0/B0/";
    SendResult r = p->send(message(base + "revoked"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "slack: HTTP 404 no_service");
    r = p->send(message(base + "badtoken"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    r = p->send(message(base + "prohibited"));
    EXPECT_EQ(r.kind, FailureKind::auth);
}

TEST_F(SlackProviderTest, TooManyRequestsIsRateLimitedWithRetryAfter) {
    test::FakeServer server("http_hook.py");
    SendResult r = hooked(server, "busy")->send(message());
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    EXPECT_EQ(r.detail, "slack: HTTP 429 rate_limited");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(30'000));
}

TEST_F(SlackProviderTest, ServerErrorIsTransient) {
    test::FakeServer server("http_hook.py");
    SendResult r = hooked(server, "down")->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "slack: HTTP 503 service_unavailable");
}

TEST_F(SlackProviderTest, SlowHookTimesOut) {
    test::FakeServer server("http_hook.py");
    auto p = hooked(server, "slow", "    timeout: 300ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("slack: "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(SlackProviderTest, TlsWithCaFileIsVerifiedAndRefusedWithout) {
    auto [cert, key] = self_signed();
    test::FakeServer server("http_hook.py", {"--tls", cert, key});
    m_env["SLACK_URL"] = server.url("https") + "/services/T0/B0/ok";
    auto trusting = provider("    url: ${env:SLACK_URL}\n    ca_file: \"" + cert + "\"\n");
    SendResult r = trusting->send(message());
    EXPECT_TRUE(r.ok) << r.detail;
    auto plain = provider("    url: ${env:SLACK_URL}\n");
    r = plain->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("certificate"));
    EXPECT_EQ(logged(server, 1).size(), 1u);
}

TEST_F(SlackProviderTest, WebhookUrlAppearsInNoDetailAndNotInRender) {
    test::FakeServer server("http_hook.py");
    const std::string base = server.url() + "/services/T0/Bsekrit/";
    for (const std::string mode :
         {"notfound", "archived", "revoked", "badtoken", "busy", "down", "slow"}) {
        m_env["SLACK_URL"] = base + mode;
        auto p = provider("    url: ${env:SLACK_URL}\n    timeout: 300ms\n");
        SendResult r = p->send(message());
        EXPECT_FALSE(r.ok) << mode;
        EXPECT_THAT(r.detail, Not(HasSubstr("sekrit"))) << mode;
        EXPECT_THAT(r.detail, Not(HasSubstr("/services"))) << mode;
        EXPECT_THAT(p->render(message()), Not(HasSubstr("sekrit")));
        // The recipient form too.
        auto q = provider("    timeout: 300ms\n");
        r = q->send(message(base + mode));
        EXPECT_THAT(r.detail, Not(HasSubstr("sekrit"))) << mode;
    }
    auto p = provider();
    SendResult r = p->send(message("http://127.0.0.1:1/services/T0/Bsekrit/x?token=sekrit"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, Not(HasSubstr("sekrit")));
}

TEST_F(SlackProviderTest, ConcurrentSends) {
    test::FakeServer server("http_hook.py");
    auto p = hooked(server, "ok");
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&] {
            for (int round = 0; round < 5; ++round) {
                if (p->send(message()).ok) {
                    ++good;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(good.load(), 30);
    EXPECT_EQ(logged(server, 30).size(), 30u);
}

class SlackProviderConfigTest : public SlackProviderTest {
  protected:
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "team");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(SlackProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of("    url: https://hooks.slack.com/services/T0/B0/x\n    timeout: 5s\n"), "");
    EXPECT_EQ(error_of(""), "");
}

TEST_F(SlackProviderConfigTest, BadUrlIsRejectedWithoutShowingIt) {
    std::string error = error_of("    url: hooks.slack.com/services/T0/B0/sekrit\n");
    EXPECT_THAT(error, HasSubstr("config.yaml:4: providers.team.url: is not an http(s) URL (value "
                                 "not shown)"));
    EXPECT_THAT(error, Not(HasSubstr("sekrit")));
}

TEST_F(SlackProviderConfigTest, BadTimeoutIsRejected) {
    EXPECT_THAT(error_of("    timeout: soon\n"),
                HasSubstr("config.yaml:4: providers.team.timeout: invalid duration \"soon\""));
    EXPECT_THAT(error_of("    timeout: 0ms\n"),
                HasSubstr("providers.team.timeout: must be more than 0"));
}

TEST_F(SlackProviderConfigTest, MissingCaFileIsRejected) {
    EXPECT_THAT(error_of("    ca_file: /nonexistent/ca.pem\n"),
                HasSubstr("config.yaml:4: providers.team.ca_file: cannot read "
                          "/nonexistent/ca.pem: "));
}

TEST_F(SlackProviderConfigTest, UnknownKeyIsRejected) {
    EXPECT_THAT(error_of("    channel: \"#ops\"\n"),
                HasSubstr("config.yaml:4: providers.team: unknown key \"channel\" for type slack"));
    EXPECT_THAT(error_of("    timout: 5s\n"), HasSubstr("did you mean \"timeout\""));
}

TEST_F(SlackProviderConfigTest, CheckIsCallableDirectly) {
    m_config = load("    url: ftp://x\n");
    EXPECT_THROW(check_slack_config(m_config.providers.at("team")), Error);
}

} // namespace
} // namespace notify::providers
