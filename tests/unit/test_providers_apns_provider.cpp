// Unit tests of common/providers/apns_provider.cpp against tests/fakes/apns_h2.py (HTTP/2 on
// loopback, h2c and TLS), with keys made by the openssl CLI.
#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/apns_provider.hpp"
#include "common/providers/jwt_signer.hpp"
#include "common/providers/registry.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/one_line.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* k_team = "TEAM123456";
constexpr const char* k_key_id = "KEY1234567";

// The system time moved by an offset the test sets; safe to read from several threads.
class OffsetClock final : public schedule::Clock {
  public:
    TimePoint now() const override {
        return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now()) +
               Millis{m_offset.load()};
    }
    void set_offset(Millis offset) { m_offset = offset.count(); }

  private:
    std::atomic<long long> m_offset{0};
};

std::vector<std::string> split3(const std::string& jwt) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        auto dot = jwt.find('.', start);
        parts.push_back(jwt.substr(start, dot - start));
        if (dot == std::string::npos) {
            return parts;
        }
        start = dot + 1;
    }
}

json jwt_part(const std::string& jwt, std::size_t index) {
    return json::parse(base64url_decode(split3(jwt).at(index)).value_or("null"));
}

// Verifies an ES256 JWS (raw r||s) with the public half of the PEM private key.
bool es256_verifies(const std::string& pem, const std::string& jwt) {
    auto parts = split3(jwt);
    auto raw = parts.size() == 3 ? base64url_decode(parts[2]) : std::nullopt;
    if (!raw || raw->size() != 64) {
        return false;
    }
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ECDSA_SIG* sig = ECDSA_SIG_new();
    const auto* rs = reinterpret_cast<const unsigned char*>(raw->data());
    ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, nullptr), BN_bin2bn(rs + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_size = i2d_ECDSA_SIG(sig, &der);
    const std::string input = parts[0] + "." + parts[1];
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        key != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_size),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(key);
    return ok;
}

Message message(std::string to = "a1b2c3d4e5f6") {
    Message m;
    m.id = 42;
    m.channel = "push";
    m.to = std::move(to);
    m.title = "Build finished";
    m.body = "main is green";
    m.data_json = R"({"build":7,"url":"https://ci.example/7"})";
    m.event_id = "build-7";
    m.attempt = 1;
    return m;
}

class ApnsProviderTest : public testing::Test {
  protected:
    void SetUp() override {
        m_key_file = m_dir.file("AuthKey.p8");
        openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" + m_key_file + "'");
        m_key_pem = test::TempDir::read_file(m_key_file);
    }

    static void openssl(const std::string& args) {
        const std::string command = "openssl " + args + " >/dev/null 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }

    config::Config load(const std::string& provider_yaml,
                        std::map<std::string, std::string> env = {}) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        env["HOME"] = home;
        options.env = [env](std::string_view name) -> std::optional<std::string> {
            auto it = env.find(std::string(name));
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  push:\n    type: apns\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    std::string keys(const std::string& url) const {
        return std::string("    team_id: ") + k_team + "\n    key_id: " + k_key_id +
               "\n    key_file: " + m_key_file + "\n    topic: com.example.app\n    url: " + url +
               "\n";
    }

    // An apns provider `push` aimed at `url`, with extra YAML lines.
    std::unique_ptr<Provider> provider(const std::string& url, const std::string& extra = "") {
        m_config = load(keys(url) + extra);
        validate(m_config);
        return make_apns_provider(m_config.providers.at("push"), &m_clock);
    }

    test::TempDir m_dir{"apns"};
    std::string m_key_file;
    std::string m_key_pem;
    OffsetClock m_clock;
    config::Config m_config;
};

TEST_F(ApnsProviderTest, SendsAlertOverHttp2WithApnsHeadersAndSignedToken) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    Message m = message();
    m.expires_at = from_unix_ms(1'900'000'000'000);
    const auto before = std::chrono::system_clock::now();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(p->name(), "push");

    auto log = apns.requests(1);
    ASSERT_EQ(log.size(), 1u);
    json req = json::parse(log[0]);
    EXPECT_EQ(req["method"], "POST");
    EXPECT_EQ(req["path"], "/3/device/a1b2c3d4e5f6");
    EXPECT_EQ(r.detail, req["apns_id"]);
    EXPECT_EQ(req["headers"], json({{"apns-topic", "com.example.app"},
                                    {"apns-push-type", "alert"},
                                    {"apns-priority", "10"},
                                    {"apns-expiration", "1900000000"},
                                    {"apns-collapse-id", "build-7"},
                                    {"content-type", "application/json"}}));
    EXPECT_EQ(req["auth_scheme"], "bearer");
    EXPECT_EQ(req["body"], p->render(m));
    EXPECT_EQ(json::parse(req["body"].get<std::string>()),
              json::parse(R"({"aps":{"alert":{"title":"Build finished","body":"main is green"},
                              "sound":"default"},"build":7,"url":"https://ci.example/7"})"));

    const std::string jwt = req["jwt"];
    EXPECT_EQ(jwt_part(jwt, 0), json({{"alg", "ES256"}, {"kid", k_key_id}}));
    json claims = jwt_part(jwt, 1);
    EXPECT_EQ(claims["iss"], k_team);
    const auto iat = std::chrono::sys_seconds(std::chrono::seconds(claims["iat"].get<long long>()));
    EXPECT_LE(std::chrono::abs(iat - before), std::chrono::seconds(5));
    EXPECT_TRUE(es256_verifies(m_key_pem, jwt));
}

TEST_F(ApnsProviderTest, LowPriorityHasPriorityFiveNoSoundAndExpirationZero) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    Message m = message();
    m.priority = model::Priority::low;
    m.event_id = std::string(65, 'e'); // longer than apns-collapse-id allows
    m.title.reset();
    m.subject = "From the subject";
    ASSERT_TRUE(p->send(m).ok);
    json req = json::parse(apns.requests(1).at(0));
    EXPECT_EQ(req["headers"]["apns-priority"], "5");
    EXPECT_EQ(req["headers"]["apns-expiration"], "0");
    EXPECT_FALSE(req["headers"].contains("apns-collapse-id"));
    json body = json::parse(req["body"].get<std::string>());
    EXPECT_EQ(body["aps"], json::parse(R"({"alert":{"title":"From the subject",
                                            "body":"main is green"}})"));
}

TEST_F(ApnsProviderTest, DataApsMergesIntoTheApsDictionary) {
    auto p = provider("http://127.0.0.1:9");
    Message m = message();
    m.data_json = R"({"aps":{"badge":"3","sound":"ping.caf","category":"ALERT"},"k":"v"})";
    json body = json::parse(p->render(m));
    EXPECT_EQ(body["aps"]["badge"], 3);
    EXPECT_EQ(body["aps"]["sound"], "ping.caf");
    EXPECT_EQ(body["aps"]["category"], "ALERT");
    EXPECT_TRUE(body["aps"].contains("alert"));
    EXPECT_EQ(body["k"], "v");
}

TEST_F(ApnsProviderTest, BackgroundPushIsContentAvailableAtPriorityFive) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url(), "    push_type: background\n");
    Message m = message();
    m.priority = model::Priority::high;
    m.data_json = R"({"aps":"ignored","sync":true})";
    ASSERT_TRUE(p->send(m).ok);
    json req = json::parse(apns.requests(1).at(0));
    EXPECT_EQ(req["headers"]["apns-push-type"], "background");
    EXPECT_EQ(req["headers"]["apns-priority"], "5");
    EXPECT_EQ(json::parse(req["body"].get<std::string>()),
              json::parse(R"({"aps":{"content-available":1},"sync":true})"));
}

TEST_F(ApnsProviderTest, TokenIsCachedAndRenewedAfterFortyMinutes) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    ASSERT_TRUE(p->send(message()).ok);
    ASSERT_TRUE(p->send(message()).ok);
    m_clock.set_offset(minutes(39));
    ASSERT_TRUE(p->send(message()).ok);
    m_clock.set_offset(minutes(41));
    ASSERT_TRUE(p->send(message()).ok);
    auto log = apns.requests(4);
    ASSERT_EQ(log.size(), 4u);
    std::vector<std::string> jwts;
    for (const auto& line : log) {
        jwts.push_back(json::parse(line)["jwt"]);
    }
    EXPECT_EQ(jwts[0], jwts[1]);
    EXPECT_EQ(jwts[0], jwts[2]);
    EXPECT_NE(jwts[2], jwts[3]);
    const long long first = jwt_part(jwts[0], 1)["iat"];
    const long long renewed = jwt_part(jwts[3], 1)["iat"];
    EXPECT_NEAR(static_cast<double>(renewed - first), 41 * 60, 5);
    EXPECT_TRUE(es256_verifies(m_key_pem, jwts[3]));
}

TEST_F(ApnsProviderTest, ConcurrentSendsShareOneToken) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 6; ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 3; ++round) {
                if (p->send(message("device" + std::to_string(i))).ok) {
                    ++good;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(good.load(), 18);
    auto log = apns.requests(18);
    ASSERT_EQ(log.size(), 18u);
    std::set<std::string> jwts;
    for (const auto& line : log) {
        jwts.insert(json::parse(line)["jwt"].get<std::string>());
    }
    EXPECT_EQ(jwts.size(), 1u);
}

TEST_F(ApnsProviderTest, BadDeviceTokenIsInvalidRecipientNamingTheEnvironment) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    SendResult r = p->send(message("bad0001"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail,
              "apns: HTTP 400 BadDeviceToken (not a device token of the production environment)");
    auto sandbox = provider(apns.url(), "    environment: sandbox\n");
    EXPECT_THAT(sandbox->send(message("bad0002")).detail, HasSubstr("of the sandbox environment"));
}

TEST_F(ApnsProviderTest, UnregisteredIsInvalidRecipientWithItsTime) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    SendResult r = p->send(message("gone0001"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "apns: HTTP 410 Unregistered (since 2023-11-14T22:13:20Z)");
}

TEST_F(ApnsProviderTest, TooManyRequestsIsRateLimited) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    SendResult r = p->send(message("busy0001"));
    EXPECT_EQ(r.kind, FailureKind::rate_limited);
    EXPECT_EQ(r.detail, "apns: HTTP 429 TooManyRequests");
}

TEST_F(ApnsProviderTest, ServerErrorsAreTransient) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    SendResult down = p->send(message("down0001"));
    EXPECT_EQ(down.kind, FailureKind::transient);
    EXPECT_EQ(down.detail, "apns: HTTP 503 ServiceUnavailable");
    SendResult fail = p->send(message("fail0001"));
    EXPECT_EQ(fail.kind, FailureKind::transient);
    EXPECT_EQ(fail.detail, "apns: HTTP 500 InternalServerError");
}

TEST_F(ApnsProviderTest, ExpiredProviderTokenIsRenewedOnceAndRetried) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    SendResult r = p->send(message("stale0001"));
    EXPECT_TRUE(r.ok) << r.detail;
    auto log = apns.requests(2);
    ASSERT_EQ(log.size(), 2u);
    json first = json::parse(log[0]);
    json second = json::parse(log[1]);
    EXPECT_EQ(first["status"], 403);
    EXPECT_EQ(first["reason"], "ExpiredProviderToken");
    EXPECT_EQ(second["status"], 200);
    EXPECT_NE(first["jwt"], second["jwt"]);
    EXPECT_TRUE(es256_verifies(m_key_pem, second["jwt"]));
    // The renewed token is the cached one from now on.
    ASSERT_TRUE(p->send(message()).ok);
    EXPECT_EQ(json::parse(apns.requests(3).at(2))["jwt"], second["jwt"]);
}

TEST_F(ApnsProviderTest, TokenTooOldForTheServerIsAuthAfterOneRetry) {
    test::FakeServer apns("apns_h2.py");
    m_clock.set_offset(-minutes(120));
    auto p = provider(apns.url());
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "apns: HTTP 403 ExpiredProviderToken");
    auto log = apns.requests(2, 500);
    EXPECT_EQ(log.size(), 2u);
}

TEST_F(ApnsProviderTest, WrongTeamIsAuthAfterOneRetry) {
    test::FakeServer apns("apns_h2.py", {"--team", "OTHERTEAM1"});
    auto p = provider(apns.url());
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "apns: HTTP 403 InvalidProviderToken");
    EXPECT_EQ(apns.requests(2, 500).size(), 2u);
}

TEST_F(ApnsProviderTest, PayloadTooLargeIsPermanentBeforeSending) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    Message m = message();
    m.body = std::string(4100, 'x');
    SendResult r = p->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, StartsWith("apns: payload too large: "));
    EXPECT_THAT(r.detail, HasSubstr("(limit 4096)"));
    EXPECT_TRUE(apns.requests(1, 300).empty());
}

TEST_F(ApnsProviderTest, DeviceTokenThatIsNotAlphanumericIsInvalidRecipient) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    for (const char* to : {"", "abc/../x", "abc def"}) {
        SendResult r = p->send(message(to));
        EXPECT_EQ(r.kind, FailureKind::invalid_recipient) << to;
    }
    EXPECT_TRUE(apns.requests(1, 300).empty());
}

TEST_F(ApnsProviderTest, SlowServerTimesOutAsTransient) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url(), "    timeout: 500ms\n");
    const auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("slow0001"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("apns: " + apns.url() + ": "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
}

TEST_F(ApnsProviderTest, TlsWithCaFileAndRefusedWithout) {
    const std::string cert = m_dir.file("cert.pem");
    const std::string key = m_dir.file("key.pem");
    openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "'");
    test::FakeServer apns("apns_h2.py", {"--cert", cert, "--key", key});
    auto trusted = provider(apns.url("https"), "    ca_file: " + cert + "\n");
    SendResult ok = trusted->send(message());
    EXPECT_TRUE(ok.ok) << ok.detail;
    auto untrusted = provider(apns.url("https"));
    SendResult refused = untrusted->send(message());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.kind, FailureKind::auth); // a certificate problem needs an operator
    EXPECT_THAT(refused.detail, StartsWith("apns: https://127.0.0.1:"));
    EXPECT_EQ(apns.requests(1).size(), 1u);
}

TEST_F(ApnsProviderTest, ManyPushesShareOneTlsConnection) {
    const std::string cert = m_dir.file("cert.pem");
    const std::string key = m_dir.file("key.pem");
    openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "'");
    test::FakeServer apns("apns_h2.py", {"--cert", cert, "--key", key});
    auto p = provider(apns.url("https"), "    ca_file: " + cert + "\n");
    for (int i = 0; i < 5; ++i) {
        SendResult r = p->send(message("device" + std::to_string(i)));
        ASSERT_TRUE(r.ok) << r.detail;
    }
    auto log = apns.requests(5);
    ASSERT_EQ(log.size(), 5u);
    std::set<int> connections;
    for (const auto& line : log) {
        connections.insert(json::parse(line)["connection"].get<int>());
    }
    EXPECT_EQ(connections.size(), 1u);
}

// libcurl before 8.0.0 failed every h2c push after the first with "Error in the HTTP2 framing
// layer" when it reused the connection (curl issue #10634).
TEST_F(ApnsProviderTest, SecondPushOverH2cDoesNotFailInTheFramingLayer) {
    test::FakeServer apns("apns_h2.py");
    auto p = provider(apns.url());
    for (int i = 0; i < 3; ++i) {
        SendResult r = p->send(message("device" + std::to_string(i)));
        EXPECT_TRUE(r.ok) << i << ": " << r.detail;
    }
    EXPECT_EQ(apns.requests(3).size(), 3u);
}

TEST_F(ApnsProviderTest, NoSecretInDetailsOrRender) {
    test::FakeServer apns("apns_h2.py", {"--team", "OTHERTEAM1"});
    auto p = provider(apns.url());
    std::vector<std::string> details;
    for (const char* to : {"a1", "bad1", "gone1", "busy1", "down1", "stale1"}) {
        details.push_back(p->send(message(to)).detail);
    }
    details.push_back(p->render(message()));
    std::set<std::string> jwts;
    for (const auto& line : apns.requests(12)) {
        jwts.insert(json::parse(line)["jwt"].get<std::string>());
    }
    ASSERT_FALSE(jwts.empty());
    const std::string key_body = m_key_pem.substr(28, 40); // inside the base64 of the key
    for (const auto& detail : details) {
        EXPECT_THAT(detail, Not(HasSubstr("bearer")));
        EXPECT_THAT(detail, Not(HasSubstr(key_body)));
        for (const auto& jwt : jwts) {
            EXPECT_THAT(detail, Not(HasSubstr(split3(jwt)[2])));
        }
    }
}

class ApnsProviderConfigTest : public ApnsProviderTest {
  protected:
    // The message and hint of the Error that validate() or create() throws; "" if none.
    std::string error_of(const std::string& yaml, std::map<std::string, std::string> env = {}) {
        try {
            m_config = load(yaml, std::move(env));
            validate(m_config);
            create(m_config, "push");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
    std::string with(const std::string& key, const std::string& value) const {
        std::string yaml = keys("http://127.0.0.1:9");
        const auto at = yaml.find("    " + key + ":");
        if (at != std::string::npos) {
            yaml.erase(at, yaml.find('\n', at) + 1 - at);
        }
        return yaml + "    " + key + ": " + value + "\n";
    }
};

TEST_F(ApnsProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of(keys("http://127.0.0.1:9") + "    environment: sandbox\n    push_type: "
                                                    "voip\n    timeout: 5s\n"),
              "");
}

TEST_F(ApnsProviderConfigTest, MissingRequiredKeys) {
    EXPECT_THAT(error_of("    team_id: TEAM123456\n"),
                HasSubstr("providers.push: missing required key \"key_id\""));
    EXPECT_THAT(error_of("    topic: com.example.app\n    key_id: KEY1234567\n    key_file: "
                         "x.p8\n"),
                HasSubstr("missing required key \"team_id\" for type apns"));
}

TEST_F(ApnsProviderConfigTest, UnknownKeyHasSuggestion) {
    EXPECT_THAT(error_of(keys("http://127.0.0.1:9") + "    topik: x\n"),
                HasSubstr("unknown key \"topik\" for type apns (did you mean \"topic\"?)"));
}

TEST_F(ApnsProviderConfigTest, BadValuesNameTheLine) {
    EXPECT_THAT(error_of(with("team_id", "ABC")),
                HasSubstr("config.yaml:8: providers.push.team_id: \"ABC\" is not 10 letters or "
                          "digits"));
    EXPECT_THAT(error_of(with("key_id", "KEY-123456")),
                HasSubstr("providers.push.key_id: \"KEY-123456\" is not 10 letters or digits"));
    EXPECT_THAT(error_of(with("environment", "prod")),
                HasSubstr("config.yaml:9: providers.push.environment: \"prod\" is not one of "
                          "production, sandbox"));
    EXPECT_THAT(error_of(with("push_type", "alerts")),
                HasSubstr("providers.push.push_type: \"alerts\" is not an APNs push type"));
    EXPECT_THAT(error_of(with("timeout", "soon")),
                HasSubstr("providers.push.timeout: invalid duration \"soon\""));
    EXPECT_THAT(error_of(with("timeout", "0s")),
                HasSubstr("providers.push.timeout: must be more than 0"));
    EXPECT_THAT(error_of(with("url", "ftp://example.com")),
                HasSubstr("providers.push.url: \"ftp://example.com\" is not an http:// or https:// "
                          "base URL"));
    EXPECT_THAT(error_of(with("ca_file", m_dir.file("missing.pem"))),
                HasSubstr("providers.push.ca_file: cannot read " + m_dir.file("missing.pem")));
}

TEST_F(ApnsProviderConfigTest, KeyFileProblems) {
    EXPECT_THAT(error_of(with("key_file", m_dir.file("none.p8"))),
                HasSubstr("config.yaml:8: providers.push.key_file: cannot read " +
                          m_dir.file("none.p8") + ": "));
    const std::string rsa = m_dir.file("rsa.pem");
    openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + rsa + "'");
    EXPECT_THAT(error_of(with("key_file", rsa)),
                HasSubstr("providers.push.key_file: an RSA key, expected an EC P-256 key"));
    // A relative path is read from the config file's directory.
    EXPECT_EQ(error_of(with("key_file", "AuthKey.p8")), "");
}

TEST_F(ApnsProviderConfigTest, SecretValuesAreMaskedAndInlineKeyWorks) {
    std::string error = error_of(with("team_id", "${env:APNS_TEAM}"), {{"APNS_TEAM", "short"}});
    EXPECT_THAT(error, HasSubstr("providers.push.team_id: ******** is not 10 letters or digits"));
    EXPECT_THAT(error, Not(HasSubstr("short")));
    EXPECT_EQ(error_of(with("key_file", "${env:APNS_KEY}"), {{"APNS_KEY", m_key_pem}}), "");
    error = error_of(with("key_file", "${env:APNS_KEY}"),
                     {{"APNS_KEY", "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n"}});
    EXPECT_THAT(error, HasSubstr("providers.push.key_file: not a PEM private key"));
    EXPECT_THAT(error, Not(HasSubstr("c2VjcmV0")));
}

TEST_F(ApnsProviderConfigTest, CheckRejectsMissingTopicDirectly) {
    config::ProviderConfig cfg;
    cfg.name = "push";
    cfg.type = "apns";
    cfg.origin = "config.yaml:2";
    cfg.options["team_id"] = {k_team, "config.yaml:3", false};
    cfg.options["key_id"] = {k_key_id, "config.yaml:4", false};
    cfg.options["key_file"] = {m_key_file, "config.yaml:5", false};
    EXPECT_THROW(check_apns_config(cfg), Error);
    cfg.options["topic"] = {"com.example.app", "config.yaml:6", false};
    EXPECT_NO_THROW(check_apns_config(cfg));
}

// Regression: the apns-id header went to the store as the service sent it, and a junk one
// (bytes that are not UTF-8) made `notify events --json` exit 70.
TEST(ApnsReceiptTest, JunkApnsIdIsStoredAsOneLineOfValidUtf8) {
    HttpResponse r;
    r.status = 200;
    r.http_version = 2;
    r.headers["apns-id"] = "\xff\xfe\xc3\x28-\x01junk";
    SendResult result =
        classify_apns_response(r, "https://api.push.apple.com", "production", TimePoint{});
    ASSERT_TRUE(result.ok);
    EXPECT_TRUE(test::is_one_line_of_utf8(result.detail)) << result.detail;
    EXPECT_THAT(result.detail, HasSubstr("junk"));
    r.headers["apns-id"] = "\x01";
    EXPECT_EQ(
        classify_apns_response(r, "https://api.push.apple.com", "production", TimePoint{}).detail,
        "accepted (no apns-id)");
}

} // namespace
} // namespace notify::providers
