// Unit tests of common/providers/sendgrid_provider.cpp against tests/fakes/sendgrid_api.py on
// loopback (plain HTTP, and HTTPS with a self-signed certificate).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/providers/sendgrid_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* k_api_key = "SG.test-key";

Message message(std::string to = "ann@example.org") {
    Message m;
    m.id = 42;
    m.channel = "email";
    m.to = std::move(to);
    m.subject = "Disk almost full";
    m.body = "Hello Ann,\nthe disk is 91% full.";
    m.attempt = 1;
    return m;
}

class SendgridProviderTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_certs = new test::TempDir("sendgrid-tls");
        const std::string dir = s_certs->path().string();
        const std::string command =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
            "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
            dir + "/key.pem' -out '" + dir + "/cert.pem' 2>/dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0);
    }
    static void TearDownTestSuite() {
        delete s_certs;
        s_certs = nullptr;
    }

    static std::string cert() { return s_certs->file("cert.pem"); }

    static std::unique_ptr<test::FakeServer> api(bool tls = false) {
        std::vector<std::string> args;
        if (tls) {
            args = {"--cert", cert(), "--key", s_certs->file("key.pem")};
        }
        return std::make_unique<test::FakeServer>("sendgrid_api.py", args);
    }

    static std::string send_url(test::FakeServer& server, const std::string& scheme = "http") {
        return server.url(scheme) + "/v3/mail/send";
    }

    // The API key comes from ${env:SENDGRID_API_KEY}, as in real configs.
    config::Config load(const std::string& provider_yaml, std::string key = k_api_key) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home, key](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            if (name == "SENDGRID_API_KEY") {
                return key;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  mail:\n    type: sendgrid\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    std::unique_ptr<Provider> provider(const std::string& url, const std::string& extra = "",
                                       const std::string& key = k_api_key) {
        m_config = load("    url: " + url +
                            "\n    api_key: ${env:SENDGRID_API_KEY}\n"
                            "    from: \"Alerts <alerts@example.com>\"\n" +
                            extra,
                        key);
        validate(m_config);
        return create(m_config, "mail");
    }

    static json only_request(test::FakeServer& server) {
        auto lines = server.requests(1);
        EXPECT_EQ(lines.size(), 1u);
        return lines.empty() ? json() : json::parse(lines.front());
    }

    test::TempDir m_dir{"sendgrid"};
    config::Config m_config;
    static test::TempDir* s_certs;
};

test::TempDir* SendgridProviderTest::s_certs = nullptr;

TEST_F(SendgridProviderTest, AcceptedMessageHasTheRequestShapeAndReceipt) {
    auto server = api();
    auto p = provider(send_url(*server), "    reply_to: ops@example.com\n");
    Message m = message("Ann Lee <ann@example.org>");
    m.data_json = R"({"html": "<p>Hello <b>Ann</b></p>", "disk": "/var"})";
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail.size(), 22u); // X-Message-Id
    json req = only_request(*server);
    EXPECT_EQ(req["method"], "POST");
    EXPECT_EQ(req["path"], "/v3/mail/send");
    EXPECT_EQ(req["headers"]["authorization"], "Bearer SG.test-key");
    EXPECT_EQ(req["headers"]["content-type"], "application/json");
    const json& body = req["body"];
    const json& pers = body["personalizations"][0];
    EXPECT_EQ(pers["to"], json::parse(R"([{"email": "ann@example.org", "name": "Ann Lee"}])"));
    EXPECT_EQ(pers["subject"], "Disk almost full");
    EXPECT_EQ(pers["custom_args"], json::parse(R"({"notification_id": "42"})"));
    EXPECT_EQ(body["from"], json::parse(R"({"email": "alerts@example.com", "name": "Alerts"})"));
    EXPECT_EQ(body["reply_to"], json::parse(R"({"email": "ops@example.com"})"));
    EXPECT_EQ(body["content"], json::parse(R"([
        {"type": "text/plain", "value": "Hello Ann,\nthe disk is 91% full."},
        {"type": "text/html", "value": "<p>Hello <b>Ann</b></p>"}])"));
    EXPECT_EQ(json::parse(p->render(m)), body);
}

TEST_F(SendgridProviderTest, AttachmentsAreBase64WithNameTypeAndDisposition) {
    auto server = api();
    auto p = provider(send_url(*server));
    Message m = message("ann@example.org");
    std::string binary = "%PDF-1.7\n";
    binary += std::string("\0\xff\x80\r\n", 5);
    m.attachments = {
        {"report.pdf", "application/pdf", static_cast<std::int64_t>(binary.size()), binary, true},
        {"Grüße.txt", "text/plain", 2, std::string("hi"), true}};
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    json body = only_request(*server)["body"];
    EXPECT_EQ(body["attachments"], json::parse(R"([
        {"content": "JVBERi0xLjcKAP+ADQo=", "filename": "report.pdf", "type": "application/pdf",
         "disposition": "attachment"},
        {"content": "aGk=", "filename": "Grüße.txt", "type": "text/plain",
         "disposition": "attachment"}])"));
    EXPECT_FALSE(json::parse(p->render(message("ann@example.org"))).contains("attachments"));
}

TEST_F(SendgridProviderTest, RenderShowsTheBodyWithoutTheKey) {
    auto p = provider("https://api.sendgrid.com/v3/mail/send");
    Message m = message("not an address");
    m.id = 0;
    m.title = "Title only";
    m.subject.reset();
    m.body = "";
    std::string rendered = p->render(m);
    EXPECT_THAT(rendered, Not(HasSubstr(k_api_key)));
    json body = json::parse(rendered);
    EXPECT_EQ(body["personalizations"][0]["to"][0]["email"], "not an address");
    EXPECT_EQ(body["personalizations"][0]["subject"], "Title only");
    // SendGrid rejects empty content values: a body-less message sends one space.
    EXPECT_EQ(body["content"], json::parse(R"([{"type": "text/plain", "value": " "}])"));
}

TEST_F(SendgridProviderTest, InvalidAddressIsInvalidRecipient) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("bad@example.org"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(
        r.detail,
        "sendgrid: HTTP 400: personalizations.0.to.0.email: Does not contain a valid address.");
}

TEST_F(SendgridProviderTest, OtherBadRequestIsPermanent) {
    auto server = api();
    auto p = provider(send_url(*server));
    Message m = message();
    m.subject = "";
    SendResult r = p->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, StartsWith("sendgrid: HTTP 400: subject: The subject is required."));
}

TEST_F(SendgridProviderTest, MalformedRecipientFailsWithoutARequest) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("ann@"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "sendgrid: \"ann@\" is not an e-mail address");
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SendgridProviderTest, WrongKeyIsAuthWithoutTheKey) {
    auto server = api();
    const std::string wrong = "SG.wrong-key-value";
    auto p = provider(send_url(*server), "", wrong);
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "sendgrid: HTTP 401: The provided authorization grant is invalid, "
                        "expired, or revoked (check providers.mail.api_key)");
    EXPECT_THAT(r.detail, Not(HasSubstr(wrong)));
}

TEST_F(SendgridProviderTest, ForbiddenIsAuth) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("forbidden@example.org"));
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("sendgrid: HTTP 403: access forbidden"));
}

TEST_F(SendgridProviderTest, PayloadTooLargeIsPermanent) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("huge@example.org"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, StartsWith("sendgrid: HTTP 413: "));
}

TEST_F(SendgridProviderTest, RateLimitWaitsUntilTheReset) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("busy@example.org"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    EXPECT_EQ(r.detail, "sendgrid: HTTP 429: too many requests");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_GE(*r.retry_after, Millis(5'000));
    EXPECT_LE(*r.retry_after, Millis(8'000));
}

TEST_F(SendgridProviderTest, RateLimitHonoursRetryAfter) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult r = p->send(message("throttle@example.org"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(3'000));
}

TEST_F(SendgridProviderTest, ServerErrorsAreTransient) {
    auto server = api();
    auto p = provider(send_url(*server));
    SendResult down = p->send(message("down@example.org"));
    EXPECT_EQ(down.kind, FailureKind::transient);
    EXPECT_EQ(down.detail, "sendgrid: HTTP 503");
    SendResult broken = p->send(message("broken@example.org"));
    EXPECT_EQ(broken.kind, FailureKind::transient);
    EXPECT_EQ(broken.detail, "sendgrid: HTTP 500: internal error");
}

TEST_F(SendgridProviderTest, SlowApiTimesOutAsTransient) {
    auto server = api();
    auto p = provider(send_url(*server), "    timeout: 300ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("slow@example.org"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(SendgridProviderTest, RefusedConnectionIsTransient) {
    std::string url;
    {
        auto server = api();
        url = send_url(*server);
    }
    auto p = provider(url);
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("sendgrid: "));
}

TEST_F(SendgridProviderTest, HttpsWithCaFileDelivers) {
    auto server = api(true);
    auto p = provider(send_url(*server, "https"), "    ca_file: " + cert() + "\n");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(only_request(*server)["headers"]["authorization"], "Bearer SG.test-key");
}

TEST_F(SendgridProviderTest, HttpsWithoutCaFileIsRefused) {
    auto server = api(true);
    auto p = provider(send_url(*server, "https"));
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(r.detail, HasSubstr("certificate"));
    EXPECT_THAT(r.detail, Not(HasSubstr(k_api_key)));
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SendgridProviderTest, ConcurrentSendsAllArrive) {
    auto server = api();
    auto p = provider(send_url(*server));
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                if (p->send(message("user" + std::to_string(t * 10 + i) + "@example.org")).ok) {
                    ++good;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(good.load(), 12);
    EXPECT_EQ(server->requests(12).size(), 12u);
}

class SendgridProviderConfigTest : public SendgridProviderTest {
  protected:
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "mail");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(SendgridProviderConfigTest, DefaultUrlConfigCreates) {
    EXPECT_EQ(error_of("    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts@example.com\n"
                       "    timeout: 10s\n    rate_limit: 100/1s\n"),
              "");
}

TEST_F(SendgridProviderConfigTest, RequiredKeysAreNamed) {
    EXPECT_THAT(error_of("    from: alerts@example.com\n"),
                HasSubstr("providers.mail: missing required key \"api_key\" for type sendgrid"));
    EXPECT_THAT(error_of("    api_key: ${env:SENDGRID_API_KEY}\n"),
                HasSubstr("missing required key \"from\""));
}

TEST_F(SendgridProviderConfigTest, UnknownKeySuggestsTheRightOne) {
    EXPECT_THAT(error_of("    api_key: ${env:SENDGRID_API_KEY}\n    from: a@example.com\n"
                         "    apikey: x\n"),
                HasSubstr("did you mean \"api_key\""));
}

TEST_F(SendgridProviderConfigTest, UrlMustBeHttpsExceptOnLoopback) {
    const std::string base = "    api_key: ${env:SENDGRID_API_KEY}\n    from: a@example.com\n";
    EXPECT_THAT(error_of(base + "    url: http://api.sendgrid.com/v3/mail/send\n"),
                HasSubstr("config.yaml:6: providers.mail.url: http:// would send the API key "
                          "unencrypted"));
    EXPECT_THAT(error_of(base + "    url: ftp://api.sendgrid.com\n"),
                HasSubstr("providers.mail.url: \"ftp://api.sendgrid.com\" is not an https:// URL"));
    EXPECT_THAT(error_of(base + "    url: https://u:p@api.sendgrid.com/v3/mail/send\n"),
                HasSubstr("providers.mail.url: must not contain credentials"));
    EXPECT_EQ(error_of(base + "    url: http://localhost:8080/v3/mail/send\n"), "");
}

TEST_F(SendgridProviderConfigTest, FromMustBeAnAddress) {
    EXPECT_THAT(error_of("    api_key: ${env:SENDGRID_API_KEY}\n    from: alerts\n"),
                HasSubstr("config.yaml:5: providers.mail.from: \"alerts\" is not an e-mail "
                          "address"));
}

TEST_F(SendgridProviderConfigTest, EmptyKeyIsRejectedWithoutShowingIt) {
    m_config = load("    api_key: ${env:SENDGRID_API_KEY}\n    from: a@example.com\n", "");
    try {
        check_sendgrid_config(m_config.providers.at("mail"));
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_THAT(e.what(), HasSubstr("config.yaml:4: providers.mail.api_key: is empty"));
    }
}

TEST_F(SendgridProviderConfigTest, BadTimeoutAndCaFile) {
    const std::string base = "    api_key: ${env:SENDGRID_API_KEY}\n    from: a@example.com\n";
    EXPECT_THAT(error_of(base + "    timeout: 5 seconds\n"),
                HasSubstr("config.yaml:6: providers.mail.timeout: invalid duration"));
    EXPECT_THAT(error_of(base + "    ca_file: /nonexistent/ca.pem\n"),
                HasSubstr("providers.mail.ca_file: cannot read /nonexistent/ca.pem"));
}

} // namespace
} // namespace notify::providers

namespace notify::providers {
namespace {

// Fuzz finding (corpus sendgrid_response/10_reset_huge): a huge X-RateLimit-Reset overflowed
// seconds -> milliseconds (UBSan: signed integer overflow); a far one now waits at most
// k_max_retry_after.
TEST(SendgridClassify, HugeRateLimitResetIsCapped) {
    const TimePoint now = from_unix_ms(1'795'617'000'000);
    HttpResponse r;
    r.status = 429;
    r.headers["x-ratelimit-reset"] = "9223372036854775807";
    SendResult result = classify_sendgrid_response(r, "mail", now);
    EXPECT_EQ(result.kind, FailureKind::rate_limited);
    EXPECT_EQ(result.retry_after, k_max_retry_after);
    r.headers["x-ratelimit-reset"] = "-9223372036854775808";
    EXPECT_EQ(classify_sendgrid_response(r, "mail", now).retry_after, Millis{1000});
    r.headers["x-ratelimit-reset"] = "1795617060";
    EXPECT_EQ(classify_sendgrid_response(r, "mail", now).retry_after, Millis{60'000});
}

} // namespace
} // namespace notify::providers
