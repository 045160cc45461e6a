// Unit tests of common/providers/webhook_provider.cpp against tests/fakes/http_hook.py.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/providers/webhook_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_cert.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::EndsWith;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

Message message(std::int64_t id, std::string to) {
    Message m;
    m.id = id;
    m.channel = "webhook";
    m.to = std::move(to);
    m.title = "Deploy finished";
    m.body = "build 42 is live";
    m.data_json = R"({"build":42})";
    m.attempt = 1;
    return m;
}

// The JSON lines the fake logged, parsed.
std::vector<json> logged(test::FakeServer& server, std::size_t at_least) {
    std::vector<json> out;
    for (const auto& line : server.requests(at_least)) {
        out.push_back(json::parse(line));
    }
    return out;
}

class WebhookProviderTest : public testing::Test {
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
        return config::load_text("providers:\n  hook:\n    type: webhook\n" + extra,
                                 home + "/config.yaml", options);
    }

    std::unique_ptr<Provider> provider(const std::string& extra = "") {
        m_config = load(extra);
        validate(m_config);
        return create(m_config, "hook");
    }

    // A self-signed certificate for 127.0.0.1 and localhost; returns {cert, key} paths.
    std::pair<std::string, std::string> self_signed() { return test::self_signed_cert(m_dir); }

    test::TempDir m_dir{"webhook"};
    std::map<std::string, std::string> m_env;
    config::Config m_config;
};

TEST_F(WebhookProviderTest, PostsMessageJsonToTheRecipientUrl) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    Message m = message(42, server.url() + "/hook/ok");
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "HTTP 200 id=evt_1");
    EXPECT_EQ(p->name(), "hook");

    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    const json& req = requests[0];
    EXPECT_EQ(req["method"], "POST");
    EXPECT_EQ(req["path"], "/hook/ok");
    EXPECT_EQ(req["headers"]["content-type"], "application/json");
    EXPECT_EQ(req["headers"]["idempotency-key"], "notify-42");
    EXPECT_EQ(req["headers"]["user-agent"], "notify-webhook");
    EXPECT_FALSE(req["headers"].contains("x-notify-signature"));
    EXPECT_FALSE(req["headers"].contains("expect"));
    EXPECT_EQ(req["body"], p->render(m));
    EXPECT_EQ(req["json"]["id"], 42);
    EXPECT_EQ(req["json"]["to"], m.to);
    EXPECT_EQ(req["json"]["title"], "Deploy finished");
    EXPECT_EQ(req["json"]["body"], "build 42 is live");
    EXPECT_EQ(req["json"]["data"]["build"], 42);
    EXPECT_EQ(req["json"]["attempt"], 1);
}

TEST_F(WebhookProviderTest, ConfiguredUrlIsTheEndpointAndToOnlyInTheJson) {
    test::FakeServer server("http_hook.py");
    auto p = provider("    url: \"" + server.url() + "/hook/ok\"\n");
    SendResult r = p->send(message(7, "ops-team"));
    ASSERT_TRUE(r.ok) << r.detail;
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["path"], "/hook/ok");
    EXPECT_EQ(requests[0]["json"]["to"], "ops-team");
}

TEST_F(WebhookProviderTest, ConfiguredHeadersAreSentAndMayReplaceDefaults) {
    test::FakeServer server("http_hook.py");
    m_env["HOOK_AUTH"] = "Bearer tok-123";
    auto p = provider("    headers:\n"
                      "      X-Env: prod\n"
                      "      Authorization: ${env:HOOK_AUTH}\n"
                      "      User-Agent: acme-notify/2\n");
    ASSERT_TRUE(p->send(message(1, server.url() + "/hook/ok")).ok);
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["headers"]["x-env"], "prod");
    EXPECT_EQ(requests[0]["headers"]["authorization"], "Bearer tok-123");
    EXPECT_EQ(requests[0]["headers"]["user-agent"], "acme-notify/2");
}

TEST_F(WebhookProviderTest, SecretSignsTimestampDotBody) {
    test::FakeServer server("http_hook.py", {"--secret", "whsec-test"});
    m_env["HOOK_SECRET"] = "whsec-test";
    auto p = provider("    secret: ${env:HOOK_SECRET}\n");
    const auto before = std::chrono::system_clock::now();
    ASSERT_TRUE(p->send(message(5, server.url() + "/hook/ok")).ok);
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["signature_ok"], true) << requests[0].dump();
    EXPECT_THAT(requests[0]["headers"]["x-notify-signature"].get<std::string>(),
                StartsWith("sha256="));
    const long long ts =
        std::stoll(requests[0]["headers"]["x-notify-timestamp"].get<std::string>());
    const long long now = std::chrono::duration_cast<seconds>(before.time_since_epoch()).count();
    EXPECT_LE(std::llabs(ts - now), 5);
}

TEST_F(WebhookProviderTest, WrongSecretDoesNotVerify) {
    test::FakeServer server("http_hook.py", {"--secret", "whsec-test"});
    auto p = provider("    secret: other\n");
    ASSERT_TRUE(p->send(message(5, server.url() + "/hook/ok")).ok);
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["signature_ok"], false);
}

TEST_F(WebhookProviderTest, PutMethod) {
    test::FakeServer server("http_hook.py");
    auto p = provider("    method: put\n");
    ASSERT_TRUE(p->send(message(1, server.url() + "/hook/ok")).ok);
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["method"], "PUT");
}

TEST_F(WebhookProviderTest, NoContentAndPlainTextAreSent) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/empty"));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.detail, "HTTP 204");
    r = p->send(message(1, server.url() + "/hook/plain"));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.detail, "HTTP 200");
}

TEST_F(WebhookProviderTest, GoneIsInvalidRecipient) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/gone"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail,
              "webhook: " + server.url() + ": HTTP 410 (the endpoint is gone): endpoint disabled");
}

TEST_F(WebhookProviderTest, TooManyRequestsIsRateLimitedWithRetryAfter) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/busy"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    EXPECT_EQ(r.detail, "webhook: " + server.url() + ": HTTP 429: slow down");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(7000));

    r = p->send(message(1, server.url() + "/hook/busydate"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_GT(*r.retry_after, Millis(100'000));
    EXPECT_LE(*r.retry_after, Millis(121'000));
}

TEST_F(WebhookProviderTest, ServiceUnavailableIsTransientWithRetryAfter) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/down"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "webhook: " + server.url() + ": HTTP 503: upstream unavailable");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(2000));
}

TEST_F(WebhookProviderTest, UnauthorizedAndForbiddenAreAuth) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/auth"));
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "webhook: " + server.url() + ": HTTP 401: invalid signature");
    r = p->send(message(1, server.url() + "/hook/forbidden"));
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, EndsWith("HTTP 403: forbidden"));
}

TEST_F(WebhookProviderTest, OtherClientErrorsArePermanent) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/bad"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, EndsWith("HTTP 422: unprocessable: missing field 'kind'"));
    r = p->send(message(1, server.url() + "/hook/notfound"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, EndsWith("HTTP 404: Not Found"));
}

TEST_F(WebhookProviderTest, RedirectIsPermanentAndNotFollowed) {
    test::FakeServer server("http_hook.py");
    auto p = provider();
    SendResult r = p->send(message(1, server.url() + "/hook/moved"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "webhook: " + server.url() + ": HTTP 301 (redirects are not followed)");
    EXPECT_EQ(logged(server, 1).size(), 1u);
}

TEST_F(WebhookProviderTest, RecipientThatIsNoUrlIsInvalidRecipient) {
    auto p = provider();
    SendResult r = p->send(message(1, "ops-team"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "webhook: the recipient is not an http(s) URL (or set providers.hook.url)");
}

TEST_F(WebhookProviderTest, SlowEndpointTimesOut) {
    test::FakeServer server("http_hook.py");
    auto p = provider("    timeout: 300ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message(1, server.url() + "/hook/slow"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("webhook: " + server.url() + ": "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(WebhookProviderTest, RefusedConnectionIsTransient) {
    auto p = provider();
    SendResult r = p->send(message(1, "http://127.0.0.1:1/hook/ok"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("webhook: http://127.0.0.1:1: "));
}

TEST_F(WebhookProviderTest, TlsWithCaFileIsVerifiedAndRefusedWithout) {
    auto [cert, key] = self_signed();
    test::FakeServer server("http_hook.py", {"--tls", cert, key});
    const std::string to = server.url("https") + "/hook/ok";

    auto trusting = provider("    ca_file: \"" + cert + "\"\n");
    SendResult r = trusting->send(message(1, to));
    EXPECT_TRUE(r.ok) << r.detail;

    auto plain = provider();
    r = plain->send(message(2, to));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("certificate"));
    // Only the trusted request reached the handler.
    auto requests = logged(server, 1);
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0]["headers"]["idempotency-key"], "notify-1");
}

TEST_F(WebhookProviderTest, SecretsAppearInNoDetailAndNotInRender) {
    test::FakeServer server("http_hook.py");
    m_env["HOOK_SECRET"] = "sekrit-hmac";
    m_env["HOOK_AUTH"] = "Bearer sekrit-bearer";
    auto p = provider("    secret: ${env:HOOK_SECRET}\n"
                      "    headers: {Authorization: \"${env:HOOK_AUTH}\"}\n"
                      "    timeout: 300ms\n");
    const std::string base = server.url();
    const std::string userinfo =
        "http://user:sekrit-pass@127.0.0.1:" + std::to_string(server.port());
    for (const std::string& to :
         {base + "/hook/sekrit-path/gone", base + "/hook/sekrit-path/busy?token=sekrit-query",
          base + "/hook/sekrit-path/down", base + "/hook/sekrit-path/auth",
          base + "/hook/sekrit-path/bad", base + "/hook/sekrit-path/moved",
          base + "/hook/sekrit-path/slow", userinfo + "/hook/sekrit-path/down",
          std::string("http://127.0.0.1:1/sekrit-path?key=sekrit-query")}) {
        Message m = message(1, to);
        SendResult r = p->send(m);
        EXPECT_FALSE(r.ok) << to;
        EXPECT_THAT(r.detail, Not(HasSubstr("sekrit"))) << to;
        EXPECT_EQ(r.detail.find('\n'), std::string::npos);
        EXPECT_THAT(p->render(m), Not(HasSubstr("sekrit-hmac")));
        EXPECT_THAT(p->render(m), Not(HasSubstr("sekrit-bearer")));
    }
}

TEST_F(WebhookProviderTest, ConcurrentSendsEachCarryTheirOwnKey) {
    test::FakeServer server("http_hook.py", {"--secret", "s"});
    auto p = provider("    url: \"" + server.url() + "/hook/ok\"\n    secret: s\n");
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 5; ++round) {
                if (p->send(message(100 + i, "ops")).ok) {
                    ++good;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(good.load(), 40);
    auto requests = logged(server, 40);
    ASSERT_EQ(requests.size(), 40u);
    std::map<std::string, int> per_key;
    for (const auto& req : requests) {
        EXPECT_EQ(req["signature_ok"], true);
        const std::string key = req["headers"]["idempotency-key"];
        EXPECT_EQ(key, "notify-" + std::to_string(req["json"]["id"].get<int>()));
        ++per_key[key];
    }
    EXPECT_EQ(per_key.size(), 8u);
}

class WebhookProviderConfigTest : public WebhookProviderTest {
  protected:
    // The message and hint of the Error that validate() or create() throws; "" if none.
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "hook");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(WebhookProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of("    url: https://hooks.example.com/notify\n"
                       "    headers: {X-Env: prod, X-Custom: \"a b\"}\n"
                       "    secret: abc\n    timeout: 10s\n    method: POST\n"),
              "");
    EXPECT_EQ(error_of(""), "");
}

TEST_F(WebhookProviderConfigTest, UrlMustBeHttp) {
    EXPECT_THAT(error_of("    url: ftp://example.com/x\n"),
                HasSubstr("config.yaml:4: providers.hook.url: \"ftp://example.com/x\" is not an "
                          "http(s) URL"));
    EXPECT_THAT(error_of("    url: https://\n"), HasSubstr("is not an http(s) URL"));
    EXPECT_THAT(error_of("    url: [a, b]\n"),
                HasSubstr("providers.hook.url: expected a single value, found a list"));
}

TEST_F(WebhookProviderConfigTest, SecretUrlIsMaskedInErrors) {
    m_env["HOOK_URL"] = "hooks.example.com/sekrit";
    std::string error = error_of("    url: ${env:HOOK_URL}\n");
    EXPECT_THAT(error, HasSubstr("providers.hook.url: ******** is not an http(s) URL"));
    EXPECT_THAT(error, Not(HasSubstr("sekrit")));
}

TEST_F(WebhookProviderConfigTest, HeaderChecks) {
    EXPECT_THAT(error_of("    headers: {\"Bad Name\": x}\n"),
                HasSubstr("config.yaml:4: providers.hook.headers.Bad Name: \"Bad Name\" is not a "
                          "valid header name"));
    EXPECT_THAT(error_of("    headers: {X-Notify-Signature: x}\n"),
                HasSubstr("notify sets X-Notify-Signature itself"));
    EXPECT_THAT(error_of("    headers: {content-length: 3}\n"),
                HasSubstr("notify sets content-length itself"));
    EXPECT_THAT(error_of("    headers: X-Env=prod\n"),
                HasSubstr("config.yaml:4: providers.hook.headers: expected a map, found a scalar"));
    EXPECT_THAT(error_of("    headers: [X-Env]\n"),
                HasSubstr("providers.hook.headers: expected a map, found a list"));
    EXPECT_THAT(error_of("    headers: {X-Env: [a, b]}\n"),
                HasSubstr("providers.hook.headers.X-Env: expected a header value, found a list"));
}

TEST_F(WebhookProviderConfigTest, HeaderValueWithLineBreakIsRejectedWithoutShowingIt) {
    m_env["HOOK_TOKEN"] = "sekrit\r\nX-Evil: 1";
    std::string error = error_of("    headers: {Authorization: \"${env:HOOK_TOKEN}\"}\n");
    EXPECT_THAT(error, HasSubstr("providers.hook.headers.Authorization: the value contains a "
                                 "line break or NUL"));
    EXPECT_THAT(error, Not(HasSubstr("sekrit")));
}

TEST_F(WebhookProviderConfigTest, EmptySecretIsRejected) {
    EXPECT_THAT(error_of("    secret: \"\"\n"), HasSubstr("providers.hook.secret: is empty"));
}

TEST_F(WebhookProviderConfigTest, MethodMustBePostOrPut) {
    EXPECT_THAT(error_of("    method: GET\n"),
                HasSubstr("config.yaml:4: providers.hook.method: \"GET\" is not one of POST, PUT"));
}

TEST_F(WebhookProviderConfigTest, BadTimeoutIsRejected) {
    EXPECT_THAT(error_of("    timeout: 10x\n"),
                HasSubstr("config.yaml:4: providers.hook.timeout: invalid duration \"10x\""));
    EXPECT_THAT(error_of("    timeout: 0s\n"),
                HasSubstr("providers.hook.timeout: must be more than 0"));
}

TEST_F(WebhookProviderConfigTest, MissingCaFileIsRejected) {
    EXPECT_THAT(error_of("    ca_file: /nonexistent/ca.pem\n"),
                HasSubstr("config.yaml:4: providers.hook.ca_file: cannot read "
                          "/nonexistent/ca.pem: "));
}

TEST_F(WebhookProviderConfigTest, UnknownKeySuggestsTheKnownOne) {
    std::string error = error_of("    secrt: abc\n");
    EXPECT_THAT(error, HasSubstr("config.yaml:4: providers.hook: unknown key \"secrt\" for type "
                                 "webhook (did you mean \"secret\"?)"));
    EXPECT_THAT(error, Not(HasSubstr("abc")));
}

TEST_F(WebhookProviderConfigTest, CheckIsCallableDirectly) {
    m_config = load("    method: DELETE\n");
    EXPECT_THROW(check_webhook_config(m_config.providers.at("hook")), Error);
}

} // namespace
} // namespace notify::providers
