// Unit tests of common/providers/fcm_provider.cpp against tests/fakes/fcm_api.py (OAuth2 token
// endpoint and FCM v1 on loopback), with a service-account key made by the openssl CLI.
#include <atomic>
#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/fcm_provider.hpp"
#include "common/providers/jwt_signer.hpp"
#include "common/providers/registry.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/one_line.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* k_email = "notify@demo-project.iam.gserviceaccount.com";
constexpr const char* k_grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

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

// Verifies an RS256 JWS with the public half of the PEM private key.
bool rs256_verifies(const std::string& pem, const std::string& jwt) {
    auto parts = split3(jwt);
    auto sig = parts.size() == 3 ? base64url_decode(parts[2]) : std::nullopt;
    if (!sig) {
        return false;
    }
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    const std::string input = parts[0] + "." + parts[1];
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        key != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

Message message(std::string to = "fcm-token-1") {
    Message m;
    m.id = 42;
    m.channel = "push";
    m.to = std::move(to);
    m.title = "Build finished";
    m.body = "main is green";
    m.data_json = R"({"build":7,"url":"https://ci.example/7","ok":true})";
    m.attempt = 1;
    return m;
}

// The fake's log split into token requests and send requests.
struct Log {
    std::vector<json> tokens;
    std::vector<json> sends;
};

Log split_log(const std::vector<std::string>& lines) {
    Log log;
    for (const auto& line : lines) {
        json entry = json::parse(line);
        (entry["path"] == "/token" ? log.tokens : log.sends).push_back(entry);
    }
    return log;
}

class FcmProviderTest : public testing::Test {
  protected:
    void SetUp() override {
        const std::string key = m_dir.file("sa-key.pem");
        openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + key + "'");
        m_key_pem = test::TempDir::read_file(key);
    }

    static void openssl(const std::string& args) {
        const std::string command = "openssl " + args + " >/dev/null 2>&1";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }

    // Writes a service-account file whose token_uri is `token_uri`; returns its path.
    std::string account(const std::string& token_uri, const std::string& email = k_email,
                        const std::string& name = "service-account.json") {
        json doc = {{"type", "service_account"},
                    {"project_id", "demo-project"},
                    {"private_key_id", "0123456789abcdef0123456789abcdef01234567"},
                    {"private_key", m_key_pem},
                    {"client_email", email},
                    {"client_id", "123456789012345678901"},
                    {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
                    {"token_uri", token_uri}};
        return m_dir.write(name, doc.dump(2));
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
        return config::load_text("providers:\n  push:\n    type: fcm\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    // An fcm provider `push` whose API and token endpoint are the fake at `base`.
    std::unique_ptr<Provider> provider(const std::string& base, const std::string& extra = "",
                                       const std::string& email = k_email) {
        m_config = load("    service_account_file: " + account(base + "/token", email) +
                        "\n    url: " + base + "\n" + extra);
        validate(m_config);
        return make_fcm_provider(m_config.providers.at("push"), &m_clock);
    }

    test::TempDir m_dir{"fcm"};
    std::string m_key_pem;
    OffsetClock m_clock;
    config::Config m_config;
};

TEST_F(FcmProviderTest, SendsMessageWithAccessTokenFromSignedJwtGrant) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    Message m = message();
    m.expires_at = m_clock.now() + seconds(3600);
    const auto before = std::chrono::system_clock::now();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(p->name(), "push");

    auto lines = fcm.requests(2);
    ASSERT_EQ(lines.size(), 2u);
    json token = json::parse(lines[0]);
    json send = json::parse(lines[1]);

    EXPECT_EQ(token["path"], "/token");
    EXPECT_EQ(token["status"], 200);
    EXPECT_EQ(token["content_type"], "application/x-www-form-urlencoded");
    EXPECT_EQ(token["grant_type"], k_grant);
    const std::string assertion = token["assertion"];
    EXPECT_EQ(jwt_part(assertion, 0), json({{"alg", "RS256"},
                                            {"typ", "JWT"},
                                            {"kid", "0123456789abcdef0123456789abcdef01234567"}}));
    json claims = jwt_part(assertion, 1);
    EXPECT_EQ(claims["iss"], k_email);
    EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/firebase.messaging");
    EXPECT_EQ(claims["aud"], fcm.url() + "/token");
    EXPECT_EQ(claims["exp"].get<long long>() - claims["iat"].get<long long>(), 3600);
    const auto iat = std::chrono::sys_seconds(seconds(claims["iat"].get<long long>()));
    EXPECT_LE(std::chrono::abs(iat - before), seconds(5));
    EXPECT_TRUE(rs256_verifies(m_key_pem, assertion));

    EXPECT_EQ(send["path"], "/v1/projects/demo-project/messages:send");
    EXPECT_EQ(send["status"], 200);
    EXPECT_EQ(send["authorization"], "Bearer ya29.fake-access-token-1");
    EXPECT_EQ(send["content_type"], "application/json; charset=UTF-8");
    json body = json::parse(send["body"].get<std::string>());
    json rendered = json::parse(p->render(m)); // the ttl counts down between the two
    rendered["message"]["android"]["ttl"] = body["message"]["android"]["ttl"];
    EXPECT_EQ(body, rendered);
    json expected = json::parse(R"({"message":{"token":"fcm-token-1",
        "notification":{"title":"Build finished","body":"main is green"},
        "data":{"build":"7","url":"https://ci.example/7","ok":"true"},
        "android":{"priority":"high"},
        "apns":{"headers":{"apns-priority":"10"}}}})");
    ASSERT_TRUE(body["message"]["android"].contains("ttl"));
    const std::string ttl = body["message"]["android"]["ttl"];
    EXPECT_TRUE(ttl == "3600s" || ttl == "3599s") << ttl;
    EXPECT_EQ(body["message"]["apns"]["headers"]["apns-expiration"],
              std::to_string(to_unix_ms(*m.expires_at) / 1000));
    body["message"]["android"].erase("ttl");
    body["message"]["apns"]["headers"].erase("apns-expiration");
    EXPECT_EQ(body, expected);
    EXPECT_THAT(r.detail, StartsWith("projects/demo-project/messages/0:"));
}

TEST_F(FcmProviderTest, BadgeAndSoundGoWherePlatformsReadThemAndDataStaysStrings) {
    auto p = provider("http://127.0.0.1:9");
    Message m = message();
    m.data_json = R"({"badge":"4","sound":"ping","n":7,"aps":{"category":"ALERT"}})";
    json msg = json::parse(p->render(m))["message"];
    EXPECT_EQ(msg["data"], json::parse(R"({"badge":"4","sound":"ping","n":"7"})"));
    EXPECT_EQ(msg["android"]["notification"],
              json::parse(R"({"notification_count":4,"sound":"ping"})"));
    EXPECT_EQ(msg["apns"]["payload"]["aps"],
              json::parse(R"({"category":"ALERT","badge":4,"sound":"ping"})"));
}

TEST_F(FcmProviderTest, LowPriorityWithoutDataOrTitle) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url(), "    project_id: other-project\n");
    Message m = message();
    m.priority = model::Priority::low;
    m.title.reset();
    m.data_json = "{}";
    ASSERT_TRUE(p->send(m).ok);
    Log log = split_log(fcm.requests(2));
    ASSERT_EQ(log.sends.size(), 1u);
    EXPECT_EQ(log.sends[0]["path"], "/v1/projects/other-project/messages:send");
    EXPECT_EQ(json::parse(log.sends[0]["body"].get<std::string>()),
              json::parse(R"({"message":{"token":"fcm-token-1",
                  "notification":{"body":"main is green"},
                  "android":{"priority":"normal"},
                  "apns":{"headers":{"apns-priority":"5"}}}})"));
}

TEST_F(FcmProviderTest, AccessTokenIsCachedUntilFiveMinutesBeforeExpiry) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    ASSERT_TRUE(p->send(message()).ok);
    ASSERT_TRUE(p->send(message()).ok);
    m_clock.set_offset(minutes(54)); // the token lives 3599 s: usable until 54m59s
    ASSERT_TRUE(p->send(message()).ok);
    m_clock.set_offset(minutes(55));
    ASSERT_TRUE(p->send(message()).ok);
    Log log = split_log(fcm.requests(6));
    ASSERT_EQ(log.tokens.size(), 2u);
    ASSERT_EQ(log.sends.size(), 4u);
    EXPECT_EQ(log.sends[2]["authorization"], "Bearer ya29.fake-access-token-1");
    EXPECT_EQ(log.sends[3]["authorization"], "Bearer ya29.fake-access-token-2");
}

TEST_F(FcmProviderTest, ConcurrentSendsFetchOneAccessToken) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
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
    Log log = split_log(fcm.requests(19));
    EXPECT_EQ(log.tokens.size(), 1u);
    EXPECT_EQ(log.sends.size(), 18u);
}

TEST_F(FcmProviderTest, RecipientErrorsAreInvalidRecipient) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult bad = p->send(message("bad-token"));
    EXPECT_EQ(bad.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(bad.detail, "fcm: HTTP 400 INVALID_ARGUMENT: The registration token is not a valid "
                          "FCM registration token");
    SendResult gone = p->send(message("gone-token"));
    EXPECT_EQ(gone.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(gone.detail, "fcm: HTTP 404 UNREGISTERED: Requested entity was not found.");
    SendResult mismatch = p->send(message("mismatch-token"));
    EXPECT_EQ(mismatch.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(mismatch.detail, "fcm: HTTP 403 SENDER_ID_MISMATCH: SenderId mismatch");
}

TEST_F(FcmProviderTest, OtherInvalidArgumentIsPermanent) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    Message m = message();
    m.data_json = R"({"from":"me"})";
    SendResult r = p->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "fcm: HTTP 400 INVALID_ARGUMENT: Invalid data payload key: from");
}

TEST_F(FcmProviderTest, QuotaExceededIsRateLimitedWithRetryAfterOrOneMinute) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult busy = p->send(message("busy-token"));
    EXPECT_EQ(busy.kind, FailureKind::rate_limited);
    EXPECT_THAT(busy.detail, StartsWith("fcm: HTTP 429 QUOTA_EXCEEDED: Quota exceeded"));
    EXPECT_EQ(busy.retry_after, Millis{120'000});
    SendResult quota = p->send(message("quota-token"));
    EXPECT_EQ(quota.kind, FailureKind::rate_limited);
    EXPECT_EQ(quota.retry_after, Millis{60'000});
}

TEST_F(FcmProviderTest, UnavailableAndInternalAreTransient) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult down = p->send(message("down-token"));
    EXPECT_EQ(down.kind, FailureKind::transient);
    EXPECT_EQ(down.detail, "fcm: HTTP 503 UNAVAILABLE: The service is currently unavailable.");
    EXPECT_EQ(down.retry_after, Millis{30'000});
    SendResult internal = p->send(message("internal-token"));
    EXPECT_EQ(internal.kind, FailureKind::transient);
    EXPECT_EQ(internal.detail, "fcm: HTTP 500 INTERNAL: Internal error encountered.");
    EXPECT_FALSE(internal.retry_after.has_value());
}

TEST_F(FcmProviderTest, ThirdPartyAuthErrorIsAuthWithoutRetry) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult r = p->send(message("apnsauth-token"));
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail,
              "fcm: HTTP 401 THIRD_PARTY_AUTH_ERROR: Auth error from APNS or Web Push Service");
    Log log = split_log(fcm.requests(3, 500));
    EXPECT_EQ(log.tokens.size(), 1u);
    EXPECT_EQ(log.sends.size(), 1u);
}

TEST_F(FcmProviderTest, RevokedAccessTokenIsRefreshedOnceAndRetried) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult r = p->send(message("revoke-token"));
    EXPECT_TRUE(r.ok) << r.detail;
    Log log = split_log(fcm.requests(4));
    ASSERT_EQ(log.tokens.size(), 2u);
    ASSERT_EQ(log.sends.size(), 2u);
    EXPECT_EQ(log.sends[0]["status"], 401);
    EXPECT_EQ(log.sends[1]["status"], 200);
    EXPECT_EQ(log.sends[1]["authorization"], "Bearer ya29.fake-access-token-2");
}

TEST_F(FcmProviderTest, PersistentUnauthenticatedIsAuthAfterOneRefresh) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    SendResult r = p->send(message("auth-token"));
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("fcm: HTTP 401 UNAUTHENTICATED: Request had invalid "
                                     "authentication credentials."));
    Log log = split_log(fcm.requests(5, 500));
    EXPECT_EQ(log.tokens.size(), 2u);
    EXPECT_EQ(log.sends.size(), 2u);
}

TEST_F(FcmProviderTest, RefusedGrantIsAuth) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url(), "", "revoked@demo-project.iam.gserviceaccount.com");
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "fcm: token request to " + fcm.url() +
                            "/token: HTTP 400 invalid_grant: Invalid JWT Signature.");
    Log log = split_log(fcm.requests(2, 500));
    EXPECT_EQ(log.tokens.size(), 1u);
    EXPECT_TRUE(log.sends.empty());
}

TEST_F(FcmProviderTest, UnreachableTokenEndpointIsTransient) {
    test::FakeServer fcm("fcm_api.py");
    m_config = load("    service_account_file: " + account("http://127.0.0.1:9/token") +
                    "\n    url: " + fcm.url() + "\n");
    validate(m_config);
    auto p = make_fcm_provider(m_config.providers.at("push"), &m_clock);
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("fcm: token request to http://127.0.0.1:9/token: "));
    // token_url overrides the file's token_uri; the assertion's aud stays the file's.
    m_config = load("    service_account_file: " + account("https://oauth2.googleapis.com/token") +
                    "\n    url: " + fcm.url() + "\n    token_url: " + fcm.url() + "/token\n");
    validate(m_config);
    auto overridden = make_fcm_provider(m_config.providers.at("push"), &m_clock);
    ASSERT_TRUE(overridden->send(message()).ok);
    Log log = split_log(fcm.requests(2));
    ASSERT_EQ(log.tokens.size(), 1u);
    EXPECT_EQ(jwt_part(log.tokens[0]["assertion"], 1)["aud"],
              "https://oauth2.googleapis.com/token");
}

TEST_F(FcmProviderTest, PayloadTooLargeIsPermanentBeforeSending) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    Message m = message();
    m.data_json = json({{"blob", std::string(4100, 'x')}}).dump();
    SendResult r = p->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, StartsWith("fcm: payload too large: "));
    EXPECT_TRUE(fcm.requests(1, 300).empty());
}

TEST_F(FcmProviderTest, SlowServerTimesOutAsTransient) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url(), "    timeout: 500ms\n");
    const auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("slow-token"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("fcm: " + fcm.url() +
                                     "/v1/projects/demo-project/"
                                     "messages:send: "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
}

TEST_F(FcmProviderTest, TlsWithCaFileAndRefusedWithout) {
    const std::string cert = m_dir.file("cert.pem");
    const std::string key = m_dir.file("key.pem");
    openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "'");
    test::FakeServer fcm("fcm_api.py", {"--cert", cert, "--key", key});
    auto trusted = provider(fcm.url("https"), "    ca_file: " + cert + "\n");
    SendResult ok = trusted->send(message());
    EXPECT_TRUE(ok.ok) << ok.detail;
    auto untrusted = provider(fcm.url("https"));
    SendResult refused = untrusted->send(message());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.kind, FailureKind::auth); // a certificate problem needs an operator
    EXPECT_THAT(refused.detail, StartsWith("fcm: token request to https://127.0.0.1:"));
    EXPECT_EQ(fcm.requests(2).size(), 2u);
}

TEST_F(FcmProviderTest, NoSecretInDetailsOrRender) {
    test::FakeServer fcm("fcm_api.py");
    auto p = provider(fcm.url());
    std::vector<std::string> details;
    for (const char* to : {"ok", "bad", "gone", "busy", "down", "auth", "apnsauth", "revoke"}) {
        details.push_back(p->send(message(to)).detail);
    }
    details.push_back(p->render(message()));
    auto revoked = provider(fcm.url(), "", "revoked@demo-project.iam.gserviceaccount.com");
    details.push_back(revoked->send(message()).detail);
    Log log = split_log(fcm.requests(15));
    ASSERT_FALSE(log.tokens.empty());
    const std::string key_body = m_key_pem.substr(40, 40);
    for (const auto& detail : details) {
        EXPECT_THAT(detail, Not(HasSubstr("ya29.")));
        EXPECT_THAT(detail, Not(HasSubstr("Bearer")));
        EXPECT_THAT(detail, Not(HasSubstr(key_body)));
        for (const auto& token : log.tokens) {
            EXPECT_THAT(detail, Not(HasSubstr(split3(token["assertion"])[2])));
        }
    }
}

class FcmProviderConfigTest : public FcmProviderTest {
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
    std::string file_key(const std::string& path) const {
        return "    service_account_file: " + path + "\n";
    }
};

TEST_F(FcmProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of(file_key(account("https://oauth2.googleapis.com/token")) +
                       "    timeout: 10s\n    url: https://fcm.googleapis.com/\n"),
              "");
}

TEST_F(FcmProviderConfigTest, MissingAndUnknownKeys) {
    EXPECT_THAT(error_of("    project_id: demo\n"),
                HasSubstr("providers.push: missing required key \"service_account_file\" for "
                          "type fcm"));
    EXPECT_THAT(
        error_of(file_key(account("https://oauth2.googleapis.com/token")) + "    projectid: x\n"),
        HasSubstr("unknown key \"projectid\" for type fcm (did you mean \"project_id\"?)"));
}

TEST_F(FcmProviderConfigTest, ServiceAccountFileProblemsNameTheLine) {
    EXPECT_THAT(error_of(file_key(m_dir.file("none.json"))),
                HasSubstr("config.yaml:4: providers.push.service_account_file: cannot read " +
                          m_dir.file("none.json") + ": "));
    EXPECT_THAT(error_of(file_key(m_dir.write("text.json", "private_key: x"))),
                HasSubstr("providers.push.service_account_file: " + m_dir.file("text.json") +
                          " is not a JSON object | download a key in the Firebase console"));
    EXPECT_THAT(error_of(file_key(m_dir.write("partial.json", R"({"private_key": "x"})"))),
                HasSubstr("has no \"client_email\" (not a service-account key?)"));
    const std::string ec = m_dir.file("ec.pem");
    openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" + ec + "'");
    json doc = {{"client_email", k_email},
                {"private_key", test::TempDir::read_file(ec)},
                {"project_id", "p"}};
    std::string error = error_of(file_key(m_dir.write("ec.json", doc.dump())));
    EXPECT_THAT(error, HasSubstr("the private_key of " + m_dir.file("ec.json") +
                                 " is unusable: an EC key, expected an RSA key"));
    EXPECT_THAT(error, Not(HasSubstr("BEGIN")));
    doc = {{"client_email", k_email}, {"private_key", m_key_pem}};
    EXPECT_THAT(error_of(file_key(m_dir.write("noproject.json", doc.dump()))),
                HasSubstr("providers.push.project_id: not set here nor in the service-account "
                          "file"));
    EXPECT_EQ(error_of(file_key(m_dir.file("noproject.json")) + "    project_id: demo\n"), "");
}

TEST_F(FcmProviderConfigTest, BadValues) {
    const std::string base = file_key(account("https://oauth2.googleapis.com/token"));
    EXPECT_THAT(error_of(base + "    url: fcm.googleapis.com\n"),
                HasSubstr("config.yaml:5: providers.push.url: \"fcm.googleapis.com\" is not an "
                          "http:// or https:// base URL"));
    EXPECT_THAT(error_of(base + "    token_url: oauth2\n"),
                HasSubstr("providers.push.token_url: \"oauth2\" is not an http:// or https:// "
                          "URL"));
    EXPECT_THAT(error_of(base + "    timeout: -1s\n"),
                HasSubstr("config.yaml:5: providers.push.timeout: invalid duration"));
    EXPECT_THAT(error_of(base + "    project_id: \"a/b\"\n"),
                HasSubstr("providers.push.project_id: \"a/b\" is not a Firebase project id"));
    EXPECT_THAT(error_of(base + "    ca_file: " + m_dir.file("ca.pem") + "\n"),
                HasSubstr("providers.push.ca_file: cannot read " + m_dir.file("ca.pem")));
}

TEST_F(FcmProviderConfigTest, InlineJsonFromEnvIsSecret) {
    json doc = {{"client_email", k_email},
                {"private_key", m_key_pem},
                {"project_id", "demo-project"},
                {"token_uri", "https://oauth2.googleapis.com/token"}};
    EXPECT_EQ(error_of("    service_account_file: ${env:FCM_SA}\n", {{"FCM_SA", doc.dump()}}), "");
    doc.erase("client_email");
    std::string error =
        error_of("    service_account_file: ${env:FCM_SA}\n", {{"FCM_SA", doc.dump()}});
    EXPECT_THAT(error, HasSubstr("the inline service-account JSON has no \"client_email\""));
    EXPECT_THAT(error, Not(HasSubstr("BEGIN")));
}

TEST(FcmReceiptTest, MessageNameIsStoredAsOneLine) {
    HttpResponse r;
    r.status = 200;
    r.body = R"({"name": "projects/p/messages/1\n\u0001\tx"})";
    SendResult result = classify_fcm_response(r, "https://fcm.googleapis.com/v1", TimePoint{});
    ASSERT_TRUE(result.ok);
    EXPECT_EQ(result.detail, "projects/p/messages/1 x");
    EXPECT_TRUE(test::is_one_line_of_utf8(result.detail));
    r.body = "\xff\xfe{not json";
    EXPECT_EQ(classify_fcm_response(r, "https://fcm.googleapis.com/v1", TimePoint{}).detail,
              "accepted (no message name)");
}

} // namespace
} // namespace notify::providers
