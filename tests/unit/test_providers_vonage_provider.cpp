// Unit tests of common/providers/vonage_provider.cpp against tests/fakes/sms_api.py.
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
#include "common/providers/vonage_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_cert.hpp"

namespace notify::providers {
namespace {

using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

const std::string k_key = "a1b2c3d4";
const std::string k_secret = "vg-S3cretValue77";

Message message(std::string to = "+447700900000", std::string body = "Build 7 is live") {
    Message m;
    m.id = 42;
    m.channel = "sms";
    m.to = std::move(to);
    m.title = "Deploy";
    m.body = std::move(body);
    m.attempt = 1;
    return m;
}

std::vector<nlohmann::json> logged(test::FakeServer& server, std::size_t at_least) {
    std::vector<nlohmann::json> out;
    for (const auto& line : server.requests(at_least)) {
        out.push_back(nlohmann::json::parse(line));
    }
    return out;
}

class VonageProviderTest : public testing::Test {
  protected:
    config::Config load(const std::string& provider_yaml) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            if (name == "VONAGE_KEY") {
                return k_key;
            }
            if (name == "VONAGE_SECRET") {
                return k_secret;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  text:\n    type: vonage\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    // The usual keys aimed at the fake, then `extra` lines.
    std::string keys(const std::string& extra = "", const std::string& url = "",
                     const std::string& secret = "${env:VONAGE_SECRET}") {
        return "    api_key: ${env:VONAGE_KEY}\n    api_secret: " + secret +
               "\n    from: Acme\n    url: " + (url.empty() ? m_fake.url() + "/sms/json" : url) +
               "\n" + extra;
    }

    std::unique_ptr<Provider> provider(const std::string& yaml) {
        m_config = load(yaml);
        validate(m_config);
        return create(m_config, "text");
    }

    std::unique_ptr<Provider> provider() { return provider(keys()); }

    std::pair<std::string, std::string> self_signed() { return test::self_signed_cert(m_dir); }

    test::TempDir m_dir{"vonage"};
    test::FakeServer m_fake{"sms_api.py"};
    config::Config m_config;
};

TEST_F(VonageProviderTest, SentWithMessageIdAndTheRequestShape) {
    auto p = provider();
    Message m = message();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_THAT(r.detail, testing::MatchesRegex("[0-9A-F]{16}"));
    auto q = logged(m_fake, 1).at(0);
    EXPECT_EQ(q["method"], "POST");
    EXPECT_EQ(q["path"], "/sms/json");
    EXPECT_EQ(q["headers"]["content-type"], "application/x-www-form-urlencoded");
    EXPECT_FALSE(q["headers"].contains("authorization"));
    EXPECT_EQ(q["form"], nlohmann::json({{"api_key", k_key},
                                         {"api_secret", k_secret},
                                         {"from", "Acme"},
                                         {"to", "447700900000"},
                                         {"text", "Deploy\nBuild 7 is live"},
                                         {"client-ref", "notify-42"}}));
    EXPECT_EQ(q["body"], "api_key=" + k_key + "&api_secret=" + k_secret +
                             "&from=Acme&to=447700900000&text=Deploy%0ABuild+7+is+live"
                             "&client-ref=notify-42");
    EXPECT_EQ(p->name(), "text");
}

TEST_F(VonageProviderTest, RenderIsTheBodyWithCredentialsMasked) {
    auto p = provider();
    EXPECT_EQ(p->render(message()), "api_key=********&api_secret=********&from=Acme&to=447700900000"
                                    "&text=Deploy%0ABuild+7+is+live&client-ref=notify-42");
}

TEST_F(VonageProviderTest, CallbackAndNumericSenderWithoutPlus) {
    auto p = provider("    api_key: k\n    api_secret: s\n    from: \"+447700900001\"\n"
                      "    status_callback: https://hooks.example.com/dlr\n    url: " +
                      m_fake.url() + "/sms/json\n");
    ASSERT_TRUE(p->send(message()).ok);
    auto q = logged(m_fake, 1).at(0);
    EXPECT_EQ(q["form"]["from"], "447700900001");
    EXPECT_EQ(q["form"]["callback"], "https://hooks.example.com/dlr");
}

TEST_F(VonageProviderTest, UnicodeTypeOnlyForNonGsmText) {
    auto p = provider();
    EXPECT_THAT(p->render(message("+447700900000", "Grüße € [ok] {x} ~ ^ | \\ Ω")),
                Not(HasSubstr("type=")));
    EXPECT_THAT(p->render(message("+447700900000", "日本")), HasSubstr("&type=unicode&"));
    ASSERT_TRUE(p->send(message("+447700900000", "Tschüss 👋")).ok);
    auto q = logged(m_fake, 1).at(0);
    EXPECT_EQ(q["form"]["type"], "unicode");
    EXPECT_EQ(q["form"]["text"], "Deploy\nTschüss 👋");
}

TEST(VonageGsm7, NeedsUnicode) {
    EXPECT_FALSE(needs_unicode(""));
    EXPECT_FALSE(needs_unicode("Hello @ $ £ ¥ è é ù ì ò Ç Ø ø Å å Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ"));
    EXPECT_FALSE(needs_unicode("Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à\r\n\f ^{}\\[~]|€"));
    EXPECT_TRUE(needs_unicode("`"));
    EXPECT_TRUE(needs_unicode("tab\there"));
    EXPECT_TRUE(needs_unicode("ç")); // only the capital Ç is in GSM 03.38
    EXPECT_TRUE(needs_unicode("ô"));
    EXPECT_TRUE(needs_unicode("😀"));
    EXPECT_TRUE(needs_unicode("\xC3"));     // truncated sequence
    EXPECT_TRUE(needs_unicode("\xC0\xA0")); // overlong
}

TEST_F(VonageProviderTest, EverySegmentIdIsTheReceipt) {
    auto p = provider();
    SendResult r = p->send(message("+447700900000", std::string(400, 'a')));
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_THAT(r.detail, testing::MatchesRegex("[0-9A-F]{16},[0-9A-F]{16},[0-9A-F]{16}"));
}

TEST_F(VonageProviderTest, AFailedSegmentFailsTheSend) {
    auto p = provider();
    SendResult r = p->send(message("+15005550777", std::string(400, 'a')));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "vonage: status 5: Internal Error (segment 2 of 3)");
}

struct Case {
    std::string to;
    FailureKind kind;
    std::string detail;
};

TEST_F(VonageProviderTest, StatusCodesAreClassified) {
    auto p = provider();
    const std::vector<Case> cases = {
        {"+15005550001", FailureKind::rate_limited,
         "vonage: status 1: Throughput Rate Exceeded - please wait [ 30 ] and retry"},
        {"+15005550002", FailureKind::permanent, "vonage: status 2: Missing api_key"},
        {"+15005550003", FailureKind::invalid_recipient, "vonage: status 3: Invalid to address"},
        {"+15005550099", FailureKind::permanent, "vonage: status 3: Invalid from param"},
        {"+15005550004", FailureKind::auth, "vonage: status 4: Bad Credentials"},
        {"+15005550005", FailureKind::transient, "vonage: status 5: Internal Error"},
        {"+15005550006", FailureKind::permanent, "vonage: status 6: Invalid Message"},
        {"+15005550007", FailureKind::invalid_recipient, "vonage: status 7: Number barred."},
        {"+15005550008", FailureKind::auth, "vonage: status 8: Account suspended"},
        {"+15005550009", FailureKind::auth, "vonage: status 9: Partner quota exceeded"},
        {"+15005550010", FailureKind::transient, "vonage: status 10: Too many existing binds"},
        {"+15005550015", FailureKind::auth, "vonage: status 15: Illegal Sender Address - rejected"},
        {"+15005550429", FailureKind::rate_limited, "vonage: HTTP 429: Too Many Requests"},
        {"+15005550503", FailureKind::transient,
         "vonage: HTTP 503: <html><body>Service Unavailable</body></html>"},
    };
    for (const auto& c : cases) {
        SendResult r = p->send(message(c.to));
        EXPECT_FALSE(r.ok) << c.to;
        EXPECT_EQ(r.kind, c.kind) << c.to << ": " << to_string(r.kind);
        EXPECT_EQ(r.detail, c.detail);
    }
}

TEST_F(VonageProviderTest, HttpTooManyRequestsHonoursRetryAfter) {
    auto p = provider();
    SendResult r = p->send(message("+15005550429"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(9000));
}

TEST_F(VonageProviderTest, WrongSecretIsAuthAndNeverShown) {
    auto p = provider(keys("", "", "wrong"));
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "vonage: status 4: Bad Credentials");
}

TEST_F(VonageProviderTest, SecretNeverInDetailsOrRender) {
    auto p = provider();
    for (const std::string to : {"+447700900000", "+15005550003", "+15005550004", "+15005550429",
                                 "+15005550503", "+15005550777"}) {
        Message m = message(to);
        EXPECT_THAT(p->send(m).detail, Not(HasSubstr(k_secret)));
        EXPECT_THAT(p->render(m), Not(HasSubstr(k_secret)));
        EXPECT_THAT(p->render(m), Not(HasSubstr(k_key)));
    }
}

TEST_F(VonageProviderTest, SlowAnswerTimesOutAsTransient) {
    auto p = provider(keys("    timeout: 300ms\n"));
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("+15005550408"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("vonage: "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
}

TEST_F(VonageProviderTest, TlsWithCaFileIsVerifiedAndRefusedWithout) {
    auto [cert, key] = self_signed();
    test::FakeServer tls("sms_api.py", {"--tls", cert, key});
    const std::string url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/sms/json";
    SendResult ok = provider(keys("    ca_file: " + cert + "\n", url))->send(message());
    EXPECT_TRUE(ok.ok) << ok.detail;
    SendResult refused = provider(keys("", url))->send(message());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.kind, FailureKind::auth); // a certificate problem needs an operator
    EXPECT_THAT(refused.detail, HasSubstr("certificate"));
    EXPECT_THAT(refused.detail, Not(HasSubstr(k_secret)));
}

TEST_F(VonageProviderTest, ConcurrentSendsAllSucceed) {
    auto p = provider();
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::set<std::string> ids;
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
                ids.insert(r.detail);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(ids.size(), 30u);
}

class VonageProviderConfigTest : public VonageProviderTest {
  protected:
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "text");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(VonageProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of(keys("    timeout: 5s\n    status_callback: https://x.example/dlr\n")), "");
    EXPECT_EQ(error_of("    api_key: k\n    api_secret: s\n    from: \"123456789012345\"\n"), "");
}

TEST_F(VonageProviderConfigTest, RequiredKeys) {
    EXPECT_THAT(error_of("    api_key: k\n    from: Acme\n"),
                HasSubstr("config.yaml:2: providers.text: missing required key \"api_secret\" for "
                          "type vonage"));
    EXPECT_THAT(error_of("    api_key: k\n    api_secret: s\n"),
                HasSubstr("missing required key \"from\""));
}

TEST_F(VonageProviderConfigTest, BadSenders) {
    EXPECT_THAT(error_of("    api_key: k\n    api_secret: s\n    from: AcmeCorporation\n"),
                HasSubstr("config.yaml:6: providers.text.from: \"AcmeCorporation\" is not a "
                          "sender: a number of up to 15 digits or up to 11 letters and digits"));
    EXPECT_THAT(error_of("    api_key: k\n    api_secret: s\n    from: \"1234567890123456\"\n"),
                HasSubstr("providers.text.from: \"1234567890123456\" is not a sender"));
    EXPECT_THAT(error_of("    api_key: k\n    api_secret: s\n    from: \"+\"\n"),
                HasSubstr("providers.text.from: \"+\" is not a sender"));
}

TEST_F(VonageProviderConfigTest, BadValuesAreRejected) {
    EXPECT_THAT(error_of(keys("", "rest.nexmo.com/sms/json")),
                HasSubstr("config.yaml:7: providers.text.url: \"rest.nexmo.com/sms/json\" is not "
                          "an http:// or https:// URL"));
    EXPECT_THAT(error_of(keys("    status_callback: nope\n")),
                HasSubstr("config.yaml:8: providers.text.status_callback: \"nope\" is not an"));
    EXPECT_THAT(error_of(keys("    timeout: 10\n")),
                HasSubstr("config.yaml:8: providers.text.timeout: invalid duration \"10\""));
    EXPECT_THAT(
        error_of(keys("    ca_file: /nonexistent/ca.pem\n")),
        HasSubstr("config.yaml:8: providers.text.ca_file: cannot read /nonexistent/ca.pem"));
}

TEST_F(VonageProviderConfigTest, UnknownKeySuggestsTheKnownOne) {
    EXPECT_THAT(error_of(keys("    api_secert: x\n")),
                HasSubstr("config.yaml:8: providers.text: unknown key \"api_secert\" for type "
                          "vonage (did you mean \"api_secret\"?)"));
}

TEST_F(VonageProviderConfigTest, CheckIsCallableDirectly) {
    m_config = load("    api_key: k\n    api_secret: s\n    from: \"\"\n");
    EXPECT_THROW(check_vonage_config(m_config.providers.at("text")), Error);
}

} // namespace
} // namespace notify::providers
