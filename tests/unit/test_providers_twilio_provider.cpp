// Unit tests of common/providers/twilio_provider.cpp against tests/fakes/sms_api.py.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/providers/twilio_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_cert.hpp"

namespace notify::providers {
namespace {

using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

const std::string k_account = "AC0123456789abcdef0123456789abcdef";
const std::string k_api_key = "SK0123456789abcdef0123456789abcdef";
const std::string k_service = "MG0123456789abcdef0123456789abcdef";
const std::string k_token = "tw-token-s3cr3t-9f8e7d";

Message message(std::string to = "+15017122661") {
    Message m;
    m.id = 42;
    m.channel = "sms";
    m.to = std::move(to);
    m.title = "Deploy";
    m.body = "Build 7 is live";
    m.attempt = 1;
    return m;
}

// The requests the fake logged, as JSON.
std::vector<nlohmann::json> logged(test::FakeServer& server, std::size_t at_least) {
    std::vector<nlohmann::json> out;
    for (const auto& line : server.requests(at_least)) {
        out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

class TwilioProviderTest : public testing::Test {
  protected:
    config::Config load(const std::string& provider_yaml) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            if (name == "TWILIO_TOKEN") {
                return k_token;
            }
            if (name == "TWILIO_SID") {
                return "not-a-sid";
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  sms:\n    type: twilio\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    // The usual keys aimed at the fake, then `extra` lines.
    std::string keys(const std::string& extra = "", const std::string& url = "") {
        return "    account_sid: " + k_account + "\n    auth_token: ${env:TWILIO_TOKEN}\n" +
               "    url: " + (url.empty() ? m_fake.url() : url) + "\n" + extra;
    }

    std::unique_ptr<Provider> provider(const std::string& yaml) {
        m_config = load(yaml);
        validate(m_config);
        return create(m_config, "sms");
    }

    std::unique_ptr<Provider> provider() { return provider(keys("    from: \"+15005550006\"\n")); }

    std::pair<std::string, std::string> self_signed() { return test::self_signed_cert(m_dir); }

    test::TempDir m_dir{"twilio"};
    test::FakeServer m_fake{"sms_api.py"};
    config::Config m_config;
};

TEST_F(TwilioProviderTest, SentWithSidAndTheRequestShape) {
    auto p = provider();
    Message m = message();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_THAT(r.detail, testing::MatchesRegex("SM[0-9a-f]{32}"));
    auto requests = logged(m_fake, 1);
    ASSERT_EQ(requests.size(), 1u);
    const auto& q = requests[0];
    EXPECT_EQ(q["method"], "POST");
    EXPECT_EQ(q["path"], "/2010-04-01/Accounts/" + k_account + "/Messages.json");
    EXPECT_EQ(q["headers"]["content-type"], "application/x-www-form-urlencoded");
    EXPECT_EQ(q["headers"]["accept"], "application/json");
    // base64("AC0123456789abcdef0123456789abcdef:tw-token-s3cr3t-9f8e7d")
    EXPECT_EQ(q["headers"]["authorization"],
              "Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0dy10b2tlbi1zM2NyM3QtOWY4ZTdk");
    EXPECT_EQ(q["form"], nlohmann::json({{"To", "+15017122661"},
                                         {"From", "+15005550006"},
                                         {"Body", "Deploy\nBuild 7 is live"}}));
    EXPECT_EQ(q["body"], p->render(m));
    EXPECT_EQ(p->render(m), "To=%2B15017122661&From=%2B15005550006&Body=Deploy%0ABuild+7+is+live");
    EXPECT_EQ(p->name(), "sms");
}

TEST_F(TwilioProviderTest, MessagingServiceSidAndStatusCallbackAreSent) {
    auto p = provider(keys("    messaging_service_sid: " + k_service +
                           "\n    status_callback: https://hooks.example.com/twilio?x=1\n"));
    ASSERT_TRUE(p->send(message()).ok);
    auto q = logged(m_fake, 1).at(0);
    EXPECT_EQ(q["form"]["MessagingServiceSid"], k_service);
    EXPECT_FALSE(q["form"].contains("From"));
    EXPECT_EQ(q["form"]["StatusCallback"], "https://hooks.example.com/twilio?x=1");
}

TEST_F(TwilioProviderTest, ApiKeyAuthUsesTheKeySidAsUser) {
    auto p = provider("    account_sid: " + k_account + "\n    api_key_sid: " + k_api_key +
                      "\n    api_key_secret: ${env:TWILIO_TOKEN}\n    from: \"+15005550006\"\n" +
                      "    url: " + m_fake.url() + "/\n");
    ASSERT_TRUE(p->send(message()).ok);
    auto q = logged(m_fake, 1).at(0);
    EXPECT_EQ(q["path"], "/2010-04-01/Accounts/" + k_account + "/Messages.json");
    // base64("SK0123456789abcdef0123456789abcdef:tw-token-s3cr3t-9f8e7d")
    EXPECT_EQ(q["headers"]["authorization"],
              "Basic U0swMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjp0dy10b2tlbi1zM2NyM3QtOWY4ZTdk");
}

TEST_F(TwilioProviderTest, BodyPrefixesTitleElseSubject) {
    auto p = provider();
    Message m = message();
    m.title.reset();
    m.subject = "Alert";
    EXPECT_THAT(p->render(m), HasSubstr("Body=Alert%0ABuild+7+is+live"));
    m.subject.reset();
    EXPECT_THAT(p->render(m), HasSubstr("Body=Build+7+is+live"));
    m.title = "Only title";
    m.body.reset();
    EXPECT_THAT(p->render(m), HasSubstr("Body=Only+title"));
}

TEST_F(TwilioProviderTest, ValidityPeriodIsTheRemainingTtlClamped) {
    m_config = load(keys("    from: \"+15005550006\"\n"));
    validate(m_config);
    const TimePoint now = from_unix_ms(1'700'000'000'000);
    auto clock = std::make_shared<schedule::FixedClock>(now);
    auto p = make_twilio_provider(m_config.providers.at("sms"), clock);
    Message m = message();
    EXPECT_THAT(p->render(m), Not(HasSubstr("ValidityPeriod")));
    m.expires_at = now + Millis(90'500);
    EXPECT_THAT(p->render(m), testing::EndsWith("&ValidityPeriod=90"));
    m.expires_at = now + std::chrono::hours(20);
    EXPECT_THAT(p->render(m), testing::EndsWith("&ValidityPeriod=36000"));
    m.expires_at = now - seconds(5);
    EXPECT_THAT(p->render(m), testing::EndsWith("&ValidityPeriod=1"));
    m.expires_at = now + seconds(600);
    ASSERT_TRUE(p->send(m).ok);
    EXPECT_EQ(logged(m_fake, 1).at(0)["form"]["ValidityPeriod"], "600");
}

struct Case {
    std::string to;
    FailureKind kind;
    std::string detail;
};

TEST_F(TwilioProviderTest, ErrorCodesAreClassified) {
    auto p = provider();
    const std::vector<Case> cases = {
        {"+15005550001", FailureKind::invalid_recipient,
         "twilio: HTTP 400 21211: The 'To' number +15005550001 is not a valid phone number."},
        {"+15005550009", FailureKind::invalid_recipient,
         "twilio: HTTP 400 21614: 'To' number is not a valid mobile number"},
        {"+15005550004", FailureKind::opted_out,
         "twilio: HTTP 400 21610: Attempt to send to unsubscribed recipient (opt-out: the "
         "recipient replied STOP)"},
        {"+15005550002", FailureKind::permanent,
         "twilio: HTTP 400 21612: The 'To' phone number: +15005550002, is not currently "
         "reachable using the 'From' phone number via SMS."},
        {"+15005550003", FailureKind::permanent,
         "twilio: HTTP 400 21408: Permission to send an SMS has not been enabled for the region "
         "indicated by the 'To' number: +15005550003."},
        {"+15005550010", FailureKind::permanent,
         "twilio: HTTP 400 21608: The number +15005550010 is unverified. Trial accounts cannot "
         "send messages to unverified numbers."},
        {"+15005550500", FailureKind::transient, "twilio: HTTP 500 20500: Internal Server Error"},
        {"+15005550503", FailureKind::transient,
         "twilio: HTTP 503: <html><body>Service Unavailable</body></html>"},
    };
    for (const auto& c : cases) {
        SendResult r = p->send(message(c.to));
        EXPECT_FALSE(r.ok) << c.to;
        EXPECT_EQ(r.kind, c.kind) << c.to << ": " << to_string(r.kind);
        EXPECT_EQ(r.detail, c.detail);
        EXPECT_FALSE(r.retry_after.has_value()) << c.to;
    }
}

TEST_F(TwilioProviderTest, FromNotMessageCapableIsPermanent) {
    auto p = provider(keys("    from: \"+15005550007\"\n"));
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, StartsWith("twilio: HTTP 400 21606: The 'From' phone number"));
}

TEST_F(TwilioProviderTest, TooManyRequestsIsRateLimitedWithRetryAfter) {
    auto p = provider();
    SendResult r = p->send(message("+15005550429"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    EXPECT_EQ(r.detail, "twilio: HTTP 429 20429: Too Many Requests");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(7000));
}

TEST_F(TwilioProviderTest, RefusedCredentialsAreAuthWithoutTheToken) {
    m_config =
        load("    account_sid: " + k_account + "\n    auth_token: wrong\n    url: " + m_fake.url() +
             "\n    from: \"+15005550006\"\n");
    validate(m_config);
    SendResult r = create(m_config, "sms")->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "twilio: HTTP 401 20003: Authenticate");
}

TEST_F(TwilioProviderTest, SecretNeverInDetailsOrRender) {
    auto p = provider();
    for (const std::string to : {"+15017122661", "+15005550001", "+15005550004", "+15005550429",
                                 "+15005550503", "+15005550500"}) {
        Message m = message(to);
        EXPECT_THAT(p->send(m).detail, Not(HasSubstr(k_token)));
        EXPECT_THAT(p->render(m), Not(HasSubstr(k_token)));
        EXPECT_THAT(p->render(m), Not(HasSubstr("s3cr3t")));
    }
    for (const auto& line : m_fake.requests(6)) {
        EXPECT_THAT(nlohmann::json::parse(line)["body"].get<std::string>(),
                    Not(HasSubstr("s3cr3t")));
    }
}

TEST_F(TwilioProviderTest, SlowAnswerTimesOutAsTransient) {
    auto p = provider(keys("    from: \"+15005550006\"\n    timeout: 300ms\n"));
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("+15005550408"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("twilio: "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
}

TEST_F(TwilioProviderTest, ConnectionRefusedIsTransient) {
    auto p = provider(keys("    from: \"+15005550006\"\n", "http://127.0.0.1:1"));
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("twilio: "));
}

TEST_F(TwilioProviderTest, TlsWithCaFileIsVerifiedAndRefusedWithout) {
    auto [cert, key] = self_signed();
    test::FakeServer tls("sms_api.py", {"--tls", cert, key});
    const std::string url = "https://localhost:" + std::to_string(tls.port());
    auto trusted = provider(keys("    from: \"+15005550006\"\n    ca_file: " + cert + "\n", url));
    SendResult ok = trusted->send(message());
    EXPECT_TRUE(ok.ok) << ok.detail;
    auto untrusted = provider(keys("    from: \"+15005550006\"\n", url));
    SendResult refused = untrusted->send(message());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.kind, FailureKind::auth); // a certificate problem needs an operator
    EXPECT_THAT(refused.detail, HasSubstr("certificate"));
    EXPECT_EQ(tls.requests(1).size(), 1u);
}

TEST_F(TwilioProviderTest, ConcurrentSendsGetDistinctSids) {
    auto p = provider();
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::set<std::string> sids;
    std::atomic<int> failures{0};
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&] {
            for (int round = 0; round < 5; ++round) {
                SendResult r = p->send(message());
                if (!r.ok) {
                    ++failures;
                    continue;
                }
                std::lock_guard lock(mutex);
                sids.insert(r.detail);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(sids.size(), 30u);
}

class TwilioProviderConfigTest : public TwilioProviderTest {
  protected:
    // The message and hint of the Error that validate() or create() throws; "" if none.
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "sms");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(TwilioProviderConfigTest, ValidConfigsCreate) {
    EXPECT_EQ(error_of(keys("    from: \"+15005550006\"\n    timeout: 5s\n")), "");
    EXPECT_EQ(error_of(keys("    messaging_service_sid: " + k_service + "\n")), "");
    EXPECT_EQ(error_of("    account_sid: " + k_account + "\n    auth_token: x\n    from: Acme\n"),
              "");
}

TEST_F(TwilioProviderConfigTest, MissingAccountSid) {
    EXPECT_THAT(error_of("    auth_token: x\n    from: Acme\n"),
                HasSubstr("config.yaml:2: providers.sms: missing required key \"account_sid\""));
}

TEST_F(TwilioProviderConfigTest, MalformedSidsAreRejected) {
    EXPECT_THAT(error_of("    account_sid: AC123\n    auth_token: x\n    from: Acme\n"),
                HasSubstr("config.yaml:4: providers.sms.account_sid: \"AC123\" is not a SID (AC "
                          "followed by 32 hex digits)"));
    EXPECT_THAT(error_of("    account_sid: ${env:TWILIO_SID}\n    auth_token: x\n    from: A\n"),
                HasSubstr("providers.sms.account_sid: ******** is not a SID"));
    EXPECT_THAT(
        error_of(keys("    messaging_service_sid: " + k_account + "\n")),
        HasSubstr("providers.sms.messaging_service_sid: \"" + k_account + "\" is not a SID (MG"));
    EXPECT_THAT(error_of("    account_sid: " + k_account + "\n    api_key_sid: " + k_account +
                         "\n    api_key_secret: x\n    from: A\n"),
                HasSubstr("providers.sms.api_key_sid: \"" + k_account + "\" is not a SID (SK"));
}

TEST_F(TwilioProviderConfigTest, CredentialsNeedOneWay) {
    EXPECT_THAT(error_of("    account_sid: " + k_account + "\n    from: A\n"),
                HasSubstr("config.yaml:2: providers.sms: missing required key \"auth_token\" (or "
                          "\"api_key_sid\" with \"api_key_secret\")"));
    EXPECT_THAT(
        error_of(keys("    from: A\n    api_key_sid: " + k_api_key + "\n    api_key_secret: y\n")),
        HasSubstr("config.yaml:5: providers.sms.auth_token: set either auth_token or "
                  "api_key_sid with api_key_secret, not both"));
    EXPECT_THAT(
        error_of("    account_sid: " + k_account + "\n    api_key_sid: " + k_api_key +
                 "\n    from: A\n"),
        HasSubstr("config.yaml:5: providers.sms.api_key_sid: needs api_key_secret as well"));
    EXPECT_THAT(
        error_of("    account_sid: " + k_account + "\n    api_key_secret: y\n    from: A\n"),
        HasSubstr("providers.sms.api_key_secret: needs api_key_sid as well"));
}

TEST_F(TwilioProviderConfigTest, FromXorMessagingService) {
    EXPECT_THAT(error_of(keys()), HasSubstr("missing required key \"from\" (or "
                                            "\"messaging_service_sid\")"));
    EXPECT_THAT(error_of(keys("    from: A\n    messaging_service_sid: " + k_service + "\n")),
                HasSubstr("config.yaml:8: providers.sms.messaging_service_sid: set either from or "
                          "messaging_service_sid, not both"));
}

TEST_F(TwilioProviderConfigTest, BadValuesAreRejected) {
    EXPECT_THAT(error_of(keys("    from: A\n", "ftp://api.twilio.com")),
                HasSubstr("config.yaml:6: providers.sms.url: \"ftp://api.twilio.com\" is not an "
                          "http:// or https:// base URL"));
    EXPECT_THAT(error_of(keys("    from: A\n", "https://")),
                HasSubstr("providers.sms.url: \"https://\" is not an http"));
    EXPECT_THAT(error_of(keys("    from: A\n    status_callback: /hooks\n")),
                HasSubstr("config.yaml:8: providers.sms.status_callback: \"/hooks\" is not an"));
    EXPECT_THAT(error_of(keys("    from: A\n    timeout: soon\n")),
                HasSubstr("config.yaml:8: providers.sms.timeout: invalid duration \"soon\""));
    EXPECT_THAT(error_of(keys("    from: A\n    timeout: 0s\n")),
                HasSubstr("providers.sms.timeout: must be more than 0"));
    EXPECT_THAT(error_of(keys("    from: A\n    ca_file: /nonexistent/ca.pem\n")),
                HasSubstr("config.yaml:8: providers.sms.ca_file: cannot read "
                          "/nonexistent/ca.pem: "));
    EXPECT_THAT(error_of(keys("    from: \"\"\n")),
                HasSubstr("config.yaml:7: providers.sms.from: must not be empty"));
}

TEST_F(TwilioProviderConfigTest, UnknownKeySuggestsTheKnownOne) {
    EXPECT_THAT(error_of(keys("    from: A\n    status_calback: https://x.example\n")),
                HasSubstr("config.yaml:8: providers.sms: unknown key \"status_calback\" for type "
                          "twilio (did you mean \"status_callback\"?)"));
}

TEST_F(TwilioProviderConfigTest, CheckIsCallableDirectly) {
    m_config = load("    account_sid: " + k_account + "\n    auth_token: x\n");
    EXPECT_THROW(check_twilio_config(m_config.providers.at("sms")), Error);
}

TEST_F(TwilioProviderConfigTest, ErrorsNeverShowTheToken) {
    EXPECT_THAT(error_of(keys("    from: A\n    api_key_sid: " + k_api_key + "\n")),
                Not(HasSubstr(k_token)));
}

} // namespace
} // namespace notify::providers
