// Unit tests of common/providers/webpush_provider.cpp against tests/fakes/webpush_service.py,
// which decrypts every message with the subscription's private key and verifies the VAPID token.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/message_json.hpp"
#include "common/providers/registry.hpp"
#include "common/providers/webpush_crypto.hpp"
#include "common/providers/webpush_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/one_line.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* k_subject = "mailto:ops@example.com";

// A fake push service and the subscription it made at startup.
class Service {
  public:
    explicit Service(const std::vector<std::string>& args = {})
        : m_server("webpush_service.py", args) {
        auto lines = m_server.requests(1);
        if (lines.empty()) {
            throw std::runtime_error("webpush_service.py printed no subscription");
        }
        m_subscription = json::parse(lines.front()).at("subscription");
    }

    test::FakeServer& server() { return m_server; }

    // The subscription JSON, its endpoint moved to `path` (default: the one it was made with)
    // on this server under `scheme`.
    std::string to(const std::string& path = "", const std::string& scheme = "http") const {
        json s = m_subscription;
        const std::string endpoint = s.at("endpoint").get<std::string>();
        s["endpoint"] =
            base(scheme) + (path.empty() ? endpoint.substr(endpoint.find("/push/")) : path);
        return s.dump();
    }

    std::string base(const std::string& scheme = "http") const {
        return scheme + "://127.0.0.1:" + std::to_string(m_server.port());
    }

    // The logged requests (waits until `count` have arrived, or 5 s).
    std::vector<json> logged(std::size_t count, int wait_ms = 5000) {
        std::vector<json> out;
        auto lines = m_server.requests(count + 1, wait_ms);
        for (std::size_t i = 1; i < lines.size(); ++i) {
            out.push_back(json::parse(lines[i]));
        }
        return out;
    }

  private:
    test::FakeServer m_server;
    json m_subscription;
};

// What the provider encrypts: the message JSON without "to" (the subscription).
std::string plaintext_of(const Message& m) {
    auto j = nlohmann::ordered_json::parse(message_json(m));
    j.erase("to");
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Message message(std::string body = "Your order shipped") {
    Message m;
    m.id = 42;
    m.channel = "webpush";
    m.subject = "Order";
    m.title = "Shipped";
    m.body = std::move(body);
    m.data_json = R"({"order":"A-17"})";
    m.attempt = 1;
    return m;
}

class WebpushProviderTest : public testing::Test {
  protected:
    WebpushProviderTest() {
        m_key_file = m_dir.file("vapid.pem");
        EXPECT_EQ(std::system(("openssl ecparam -name prime256v1 -genkey -noout -out " +
                               m_key_file + " 2>/dev/null")
                                  .c_str()),
                  0);
        m_key_pem = test::TempDir::read_file(m_key_file);
        auto key = webpush::VapidKey::from_pem(m_key_pem);
        EXPECT_TRUE(key.has_value());
        m_public_key = key ? key->public_key() : "";
    }

    // Parses `yaml` as if read from `file_name`, with HOME in the temp dir.
    config::Config load_raw(const std::string& yaml, const std::string& file_name) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text(yaml, file_name, options);
    }

    // Provider `push` of type webpush: the key line (default: the test's key file), the
    // subject, then `extra`; the file is <temp>/config.yaml.
    config::Config load(const std::string& extra, const std::string& key_line = "") {
        const std::string key =
            key_line.empty() ? "    vapid_private_key_file: " + m_key_file + "\n" : key_line;
        return load_raw("providers:\n  push:\n    type: webpush\n" + key +
                            "    vapid_subject: " + k_subject + "\n" + extra,
                        m_dir.file("config.yaml"));
    }

    // A webpush provider `push` with allow_http and the extra YAML lines.
    std::unique_ptr<Provider> provider(const std::string& extra = "", bool allow_http = true) {
        m_config = load((allow_http ? "    allow_http: true\n" : "") + extra);
        validate(m_config);
        return create(m_config, "push");
    }

    // Like provider(), built directly with `clock`.
    std::unique_ptr<Provider> provider_at(std::shared_ptr<schedule::FixedClock> clock,
                                          const std::string& extra = "") {
        m_config = load("    allow_http: true\n" + extra);
        validate(m_config);
        return make_webpush_provider(m_config.providers.at("push"), std::move(clock));
    }

    // Fails the test if `detail` shows a credential.
    void expect_no_secret(const std::string& detail, const std::string& jwt = "") {
        EXPECT_THAT(detail, Not(HasSubstr("PRIVATE KEY")));
        EXPECT_THAT(detail, Not(HasSubstr("vapid t=")));
        for (std::size_t pos = m_key_pem.find('\n'); pos != std::string::npos;
             pos = m_key_pem.find('\n', pos + 1)) {
            const std::string line = m_key_pem.substr(pos + 1, 40);
            if (line.size() == 40) {
                EXPECT_THAT(detail, Not(HasSubstr(line)));
            }
        }
        if (!jwt.empty()) {
            EXPECT_THAT(detail, Not(HasSubstr(jwt.substr(jwt.rfind('.') + 1))));
        }
    }

    test::TempDir m_dir{"webpush"};
    std::string m_key_file;
    std::string m_key_pem;
    std::string m_public_key;
    config::Config m_config;
};

TEST_F(WebpushProviderTest, SentMessageIsDecryptedAndVapidVerifiedByTheService) {
    Service service;
    auto p = provider();
    Message m = message("Ünïcode ✓ body");
    m.to = service.to();
    const auto before = std::chrono::system_clock::now();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, service.base() + "/m/msg-1");
    EXPECT_EQ(p->name(), "push");

    auto log = service.logged(1);
    ASSERT_EQ(log.size(), 1u);
    const json& req = log[0];
    EXPECT_EQ(req["method"], "POST");
    EXPECT_THAT(req["path"].get<std::string>(), StartsWith("/push/"));
    EXPECT_EQ(req["status"], 201);
    EXPECT_EQ(req["headers"]["content-encoding"], "aes128gcm");
    EXPECT_EQ(req["headers"]["content-type"], "application/octet-stream");
    EXPECT_EQ(req["headers"]["ttl"], "86400");
    EXPECT_EQ(req["headers"]["urgency"], "normal");
    EXPECT_EQ(req["record_size"], 4096);
    EXPECT_TRUE(req["decrypt_error"].is_null()) << req["decrypt_error"];
    EXPECT_EQ(req["plaintext"], p->render(m));
    EXPECT_EQ(req["plaintext"], plaintext_of(m));
    EXPECT_EQ(req["body_length"], 86 + plaintext_of(m).size() + 17);

    const json& vapid = req["vapid"];
    EXPECT_TRUE(vapid["ok"].get<bool>()) << vapid["error"];
    EXPECT_EQ(vapid["header"], json({{"alg", "ES256"}, {"typ", "JWT"}}));
    EXPECT_EQ(vapid["claims"]["aud"], service.base());
    EXPECT_EQ(vapid["claims"]["sub"], k_subject);
    EXPECT_EQ(vapid["k"], m_public_key);
    const auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
    EXPECT_GE(vapid["claims"]["exp"].get<long long>(), now_s + 11 * 3600);
    EXPECT_LE(vapid["claims"]["exp"].get<long long>(), now_s + 24 * 3600);
    expect_no_secret(r.detail, vapid["jwt"]);
}

TEST_F(WebpushProviderTest, AcceptedIsSentToo) {
    Service service;
    auto p = provider();
    Message m = message();
    m.to = service.to("/accepted/1");
    SendResult r = p->send(m);
    EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(WebpushProviderTest, RenderIsTheEncryptedPlaintextWithoutCredentials) {
    auto p = provider();
    Message m = message();
    m.to = R"({"endpoint":"https://push.example.net/p/x","keys":{"p256dh":"a","auth":"b"}})";
    const std::string shown = p->render(m);
    EXPECT_EQ(shown, plaintext_of(m));
    // The subscription (endpoint, p256dh, auth secret) is not part of what the page receives.
    EXPECT_THAT(shown, Not(HasSubstr("push.example.net")));
    EXPECT_THAT(shown, Not(HasSubstr("\"auth\"")));
    EXPECT_THAT(shown, Not(HasSubstr("PRIVATE")));
    EXPECT_THAT(shown, Not(HasSubstr(m_public_key)));
    expect_no_secret(shown);
}

TEST_F(WebpushProviderTest, UrgencyFollowsPriorityUnlessConfigured) {
    Service service;
    auto p = provider();
    Message high = message();
    high.to = service.to();
    high.priority = model::Priority::high;
    Message low = high;
    low.priority = model::Priority::low;
    ASSERT_TRUE(p->send(high).ok);
    ASSERT_TRUE(p->send(low).ok);
    auto fixed = provider("    urgency: very-low\n");
    ASSERT_TRUE(fixed->send(high).ok);
    auto log = service.logged(3);
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0]["headers"]["urgency"], "high");
    EXPECT_EQ(log[1]["headers"]["urgency"], "low");
    EXPECT_EQ(log[2]["headers"]["urgency"], "very-low");
}

TEST_F(WebpushProviderTest, TtlComesFromExpiresAtAndNeverOutlivesIt) {
    Service service;
    const TimePoint now =
        std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    auto clock = std::make_shared<schedule::FixedClock>(now);
    Message m = message();
    m.to = service.to();
    m.expires_at = now + hours(1);
    ASSERT_TRUE(provider_at(clock)->send(m).ok);
    ASSERT_TRUE(provider_at(clock, "    ttl: 10m\n")->send(m).ok);
    ASSERT_TRUE(provider_at(clock, "    ttl: 2h\n")->send(m).ok);
    Message plain = message();
    plain.to = service.to();
    ASSERT_TRUE(provider_at(clock, "    ttl: 2h\n")->send(plain).ok);
    ASSERT_TRUE(provider_at(clock, "    ttl: 0s\n")->send(plain).ok);
    m.expires_at = now - minutes(1);
    ASSERT_TRUE(provider_at(clock)->send(m).ok);
    auto log = service.logged(6);
    ASSERT_EQ(log.size(), 6u);
    EXPECT_EQ(log[0]["headers"]["ttl"], "3600");
    EXPECT_EQ(log[1]["headers"]["ttl"], "600");
    EXPECT_EQ(log[2]["headers"]["ttl"], "3600");
    EXPECT_EQ(log[3]["headers"]["ttl"], "7200");
    EXPECT_EQ(log[4]["headers"]["ttl"], "0");
    EXPECT_EQ(log[5]["headers"]["ttl"], "0");
}

TEST_F(WebpushProviderTest, VapidTokenIsCachedAcrossThreadsAndRenewedBeforeExpiry) {
    Service service;
    const TimePoint now =
        std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
    auto clock = std::make_shared<schedule::FixedClock>(now);
    auto p = provider_at(clock);
    Message m = message();
    m.to = service.to();
    std::vector<std::thread> threads;
    std::vector<SendResult> results(16);
    for (std::size_t i = 0; i < results.size(); ++i) {
        threads.emplace_back([&, i] { results[i] = p->send(m); });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& r : results) {
        EXPECT_TRUE(r.ok) << r.detail;
    }
    clock->advance(minutes(10 * 60 + 59)); // 1h01m left: still reused
    ASSERT_TRUE(p->send(m).ok);
    clock->advance(minutes(2)); // 59m left: renewed
    ASSERT_TRUE(p->send(m).ok);
    auto log = service.logged(18);
    ASSERT_EQ(log.size(), 18u);
    const json first = log[0]["vapid"]["jwt"];
    for (std::size_t i = 0; i < 17; ++i) {
        EXPECT_TRUE(log[i]["vapid"]["ok"].get<bool>()) << log[i]["vapid"]["error"];
        EXPECT_EQ(log[i]["vapid"]["jwt"], first) << i;
        EXPECT_EQ(log[i]["plaintext"], plaintext_of(m));
    }
    EXPECT_TRUE(log[17]["vapid"]["ok"].get<bool>()) << log[17]["vapid"]["error"];
    EXPECT_NE(log[17]["vapid"]["jwt"], first);
}

struct ErrorCase {
    std::string path;
    FailureKind kind;
    std::string detail;
    std::optional<Millis> retry_after;
};

TEST_F(WebpushProviderTest, ServiceErrorsAreClassified) {
    Service service;
    auto p = provider();
    const std::string from = " from " + service.base() + ": ";
    const std::vector<ErrorCase> cases = {
        {"/gone/1", FailureKind::invalid_recipient,
         "webpush: HTTP 410" + from +
             "the subscription has expired or was unsubscribed (errno 106: Request did not "
             "validate: subscription expired)",
         std::nullopt},
        {"/notfound/1", FailureKind::invalid_recipient,
         "webpush: HTTP 404" + from +
             "the subscription has expired or was unsubscribed (errno 102: Request did not "
             "validate invalid token)",
         std::nullopt},
        {"/busy/1", FailureKind::rate_limited,
         "webpush: HTTP 429" + from +
             "too many requests (errno 999: Too many messages to this subscription)",
         Millis{120'000}},
        {"/down/1", FailureKind::transient,
         "webpush: HTTP 503" + from +
             "the push service failed (errno 201: Service temporarily unavailable)",
         Millis{30'000}},
        {"/auth/1", FailureKind::auth,
         "webpush: HTTP 401" + from +
             "the VAPID credentials were refused (errno 109: Request did not validate: invalid "
             "VAPID credentials)",
         std::nullopt},
        {"/bad/1", FailureKind::permanent,
         "webpush: HTTP 400" + from + "the request was refused (errno 110: Invalid crypto headers)",
         std::nullopt},
        {"/toolarge/1", FailureKind::permanent,
         "webpush: HTTP 413" + from +
             "the payload is too large (errno 104: This message is intended for a constrained "
             "device and is limited to 4096 bytes. Converted buffer too long by 12 bytes)",
         std::nullopt},
    };
    for (const auto& c : cases) {
        Message m = message();
        m.to = service.to(c.path);
        SendResult r = p->send(m);
        EXPECT_FALSE(r.ok) << c.path;
        EXPECT_EQ(r.kind, c.kind) << c.path << ": " << to_string(r.kind);
        EXPECT_EQ(r.detail, c.detail);
        EXPECT_EQ(r.retry_after, c.retry_after) << c.path;
        expect_no_secret(r.detail);
    }
    auto log = service.logged(cases.size());
    ASSERT_EQ(log.size(), cases.size());
    for (const auto& req : log) {
        EXPECT_TRUE(req["vapid"]["ok"].get<bool>()) << req["vapid"]["error"];
        EXPECT_TRUE(req["decrypt_error"].is_null());
    }
}

TEST_F(WebpushProviderTest, VapidKeyOtherThanTheSubscriptionsIsAuth) {
    const std::string other = m_dir.file("other.pem");
    ASSERT_EQ(std::system(
                  ("openssl ecparam -name prime256v1 -genkey -noout -out " + other + " 2>/dev/null")
                      .c_str()),
              0);
    auto other_key = webpush::VapidKey::from_pem(test::TempDir::read_file(other));
    ASSERT_TRUE(other_key.has_value());
    Service service({"--vapid-key", other_key->public_key()});
    auto p = provider();
    Message m = message();
    m.to = service.to();
    SendResult r = p->send(m);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("webpush: HTTP 403 from " + service.base() +
                                     ": the VAPID credentials were refused (errno 109: the key"));
    expect_no_secret(r.detail);
}

TEST_F(WebpushProviderTest, MalformedSubscriptionsArePermanentWithoutARequest) {
    Service service;
    auto p = provider();
    const json good = json::parse(service.to());
    auto with = [&](const std::string& pointer, const json& value) {
        json s = good;
        s[json::json_pointer(pointer)] = value;
        return s.dump();
    };
    const std::string k_not_object = "not a PushSubscription JSON object ({\"endpoint\": ..., "
                                     "\"keys\": {\"p256dh\": ..., \"auth\": ...}})";
    json no_keys = good;
    no_keys.erase("keys");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not json", k_not_object},
        {"[1,2]", k_not_object},
        {with("/endpoint", 5), "\"endpoint\" is missing or not a string"},
        {no_keys.dump(), "\"keys\" is missing or not an object"},
        {with("/keys/p256dh", "!!!"), "keys.p256dh is not base64url"},
        {with("/keys/p256dh", "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcx"),
         "keys.p256dh is not an uncompressed P-256 public key (33 bytes)"},
        {with("/keys/auth", json(nullptr)), "keys.auth is missing or not a string"},
        {with("/keys/auth", "AAAAAAAAAAAAAAAA"), "keys.auth is 12 bytes, expected 16"},
        {with("/endpoint", "ftp://127.0.0.1/push/x"), "the endpoint is not an https:// URL"},
        {with("/endpoint", "http://push.example.net/push/x"),
         "the endpoint is not an https:// URL"},
        {with("/endpoint", "https://user:pw@push.example.net/x"), "the endpoint has userinfo"},
        {with("/endpoint", "https://push.example.net/a b"),
         "the endpoint contains whitespace or control characters"},
        {with("/endpoint", "https:///x"), "the endpoint has no host"},
    };
    for (const auto& [to, reason] : cases) {
        Message m = message();
        m.to = to;
        SendResult r = p->send(m);
        EXPECT_FALSE(r.ok) << to;
        EXPECT_EQ(r.kind, FailureKind::permanent) << to;
        EXPECT_EQ(r.detail, "webpush: bad recipient: " + reason) << to;
        EXPECT_THAT(r.detail, Not(HasSubstr("pw@")));
    }

    auto strict = provider("", false); // allow_http off: the loopback http endpoint is refused
    Message m = message();
    m.to = service.to();
    SendResult r = strict->send(m);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "webpush: bad recipient: the endpoint is not an https:// URL");
    EXPECT_TRUE(service.logged(1, 300).empty());
}

TEST_F(WebpushProviderTest, MessageTooLargeForOneRecordIsPermanentWithoutARequest) {
    Service service;
    auto p = provider();
    Message m = message();
    m.to = service.to();
    const std::size_t overhead = plaintext_of(m).size() - m.body->size();
    m.body = std::string(webpush::k_max_plaintext - overhead, 'x');
    ASSERT_EQ(plaintext_of(m).size(), 3993u);
    SendResult fits = p->send(m);
    EXPECT_TRUE(fits.ok) << fits.detail;
    m.body->push_back('x');
    SendResult r = p->send(m);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "webpush: the message JSON is 3994 bytes; at most 3993 fit in a 4096-byte "
                        "encrypted push message");
    auto log = service.logged(2, 300);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0]["body_length"], 4096);
    EXPECT_EQ(log[0]["status"], 201);
}

TEST_F(WebpushProviderTest, TimeoutIsTransient) {
    Service service;
    auto p = provider("    timeout: 400ms\n");
    Message m = message();
    m.to = service.to("/slow/1");
    const auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(m);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("webpush: POST " + service.base() + ": "));
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
    EXPECT_THAT(r.detail, Not(HasSubstr("/slow")));
}

TEST_F(WebpushProviderTest, ConnectionRefusedIsTransient) {
    int port = 0;
    {
        Service gone;
        port = gone.server().port();
    }
    Service service;
    auto p = provider();
    Message m = message();
    json s = json::parse(service.to());
    s["endpoint"] = "http://127.0.0.1:" + std::to_string(port) + "/push/x";
    m.to = s.dump();
    SendResult r = p->send(m);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("webpush: POST http://127.0.0.1:" + std::to_string(port)));
}

TEST_F(WebpushProviderTest, TlsIsVerifiedWithCaFileAndRefusedWithout) {
    const std::string cert = m_dir.file("cert.pem");
    const std::string key = m_dir.file("key.pem");
    ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                           "-days 2 -subj /CN=localhost -addext "
                           "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                           key + " -out " + cert + " 2>/dev/null")
                              .c_str()),
              0);
    Service service({"--tls", cert, key});
    Message m = message();
    m.to = service.to("", "https");

    auto verified = provider("    ca_file: " + cert + "\n", false);
    SendResult ok = verified->send(m);
    ASSERT_TRUE(ok.ok) << ok.detail;
    EXPECT_EQ(ok.detail, service.base("https") + "/m/msg-1");

    auto system_store = provider("", false);
    SendResult refused = system_store->send(m);
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.kind, FailureKind::auth); // a certificate problem needs an operator
    EXPECT_THAT(refused.detail, StartsWith("webpush: POST " + service.base("https") + ": "));

    auto log = service.logged(2, 500);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_TRUE(log[0]["vapid"]["ok"].get<bool>()) << log[0]["vapid"]["error"];
    EXPECT_EQ(log[0]["vapid"]["claims"]["aud"], service.base("https"));
    EXPECT_EQ(log[0]["plaintext"], plaintext_of(m));
}

TEST_F(WebpushProviderTest, KeyFromAFileReferenceWorks) {
    Service service;
    m_config =
        load("    allow_http: true\n", "    vapid_private_key_file: ${file:" + m_key_file + "}\n");
    validate(m_config);
    auto p = create(m_config, "push");
    Message m = message();
    m.to = service.to();
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    auto log = service.logged(1);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0]["vapid"]["k"], m_public_key);
}

class WebpushProviderConfigTest : public WebpushProviderTest {
  protected:
    // The message of the Error that validate() or create() throws; "" if none.
    std::string error(const std::string& extra, const std::string& key_line = "") {
        try {
            m_config = load(extra, key_line);
            validate(m_config);
            create(m_config, "push");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return e.what();
        }
        return "";
    }
};

TEST_F(WebpushProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error("    ttl: 4w\n    urgency: high\n    timeout: 5s\n    allow_http: false\n"),
              "");
}

TEST_F(WebpushProviderConfigTest, RequiredKeysAreRequired) {
    m_config = load_raw("providers:\n  push:\n    type: webpush\n    vapid_subject: mailto:a@b.c\n",
                        "/etc/notify/config.yaml");
    try {
        validate(m_config);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/etc/notify/config.yaml:2: providers.push: missing required key "
                  "\"vapid_private_key_file\" for type webpush");
    }
    m_config = load_raw("providers:\n  push:\n    type: webpush\n    "
                        "vapid_private_key_file: " +
                            m_key_file + "\n",
                        "/etc/notify/config.yaml");
    EXPECT_THROW(validate(m_config), Error);
    EXPECT_THROW(check_webpush_config(m_config.providers.at("push")), Error);
}

TEST_F(WebpushProviderConfigTest, UnknownKeySuggestsTheNearest) {
    EXPECT_THAT(error("    urgncy: high\n"),
                HasSubstr("config.yaml:6: providers.push: unknown key \"urgncy\" for type webpush "
                          "(did you mean \"urgency\"?)"));
}

TEST_F(WebpushProviderConfigTest, BadValuesNameTheLine) {
    EXPECT_THAT(error("    urgency: urgent\n"),
                HasSubstr("config.yaml:6: providers.push.urgency: \"urgent\" is not one of "
                          "very-low, low, normal, high"));
    EXPECT_THAT(error("    ttl: 1 day\n"),
                HasSubstr("config.yaml:6: providers.push.ttl: invalid duration"));
    EXPECT_THAT(error("    timeout: 0s\n"),
                HasSubstr("config.yaml:6: providers.push.timeout: must be more than 0"));
    EXPECT_THAT(error("    allow_http: maybe\n"),
                HasSubstr("config.yaml:6: providers.push.allow_http: \"maybe\" is not true or "
                          "false"));
    EXPECT_THAT(error("    ca_file: " + m_dir.file("missing.pem") + "\n"),
                HasSubstr("config.yaml:6: providers.push.ca_file: cannot read " +
                          m_dir.file("missing.pem") + ": "));
}

TEST_F(WebpushProviderConfigTest, SubjectMustBeMailtoOrHttps) {
    for (const std::string subject :
         {"ops@example.com", "mailto:", "http://example.com", "https://", "mailto:a@b.c d"}) {
        m_config = load_raw("providers:\n  push:\n    type: webpush\n"
                            "    vapid_private_key_file: " +
                                m_key_file + "\n    vapid_subject: \"" + subject + "\"\n",
                            "/etc/notify/config.yaml");
        try {
            validate(m_config);
            ADD_FAILURE() << subject;
        } catch (const Error& e) {
            EXPECT_THAT(std::string(e.what()),
                        HasSubstr("/etc/notify/config.yaml:5: providers.push.vapid_subject: "))
                << subject;
            EXPECT_THAT(std::string(e.what()), HasSubstr("is not a mailto: or https: URL"));
        }
    }
    EXPECT_EQ(error(""), "");
}

TEST_F(WebpushProviderConfigTest, KeyFileProblemsNeverShowTheKey) {
    EXPECT_THAT(error("", "    vapid_private_key_file: " + m_dir.file("nope.pem") + "\n"),
                HasSubstr("config.yaml:4: providers.push.vapid_private_key_file: cannot read " +
                          m_dir.file("nope.pem") + ": "));

    const std::string rsa = m_dir.file("rsa.pem");
    ASSERT_EQ(std::system(("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                           rsa + " 2>/dev/null")
                              .c_str()),
              0);
    EXPECT_THAT(error("", "    vapid_private_key_file: " + rsa + "\n"),
                HasSubstr("config.yaml:4: providers.push.vapid_private_key_file: \"" + rsa +
                          "\": an RSA key, expected an EC P-256 key"));

    // Through a reference the value is secret: neither the path nor the content is shown.
    const std::string junk = m_dir.write("junk.txt", "hunter2-not-a-key");
    const std::string masked = error("", "    vapid_private_key_file: ${file:" + junk + "}\n");
    EXPECT_THAT(masked, HasSubstr("providers.push.vapid_private_key_file: cannot read ********: "));
    EXPECT_THAT(masked, Not(HasSubstr("hunter2")));

    const std::string bad_pem =
        m_dir.write("bad.pem", "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE "
                               "KEY-----\n");
    const std::string quoted = error("", "    vapid_private_key_file: ${file:" + bad_pem + "}\n");
    EXPECT_THAT(quoted,
                HasSubstr("providers.push.vapid_private_key_file: the key: not a PEM private key"));
    EXPECT_THAT(quoted, Not(HasSubstr("c2VjcmV0")));
    EXPECT_THAT(quoted, Not(HasSubstr("BEGIN")));
}

// Regression: the Location header went to the store as the service sent it, and a junk one
// (bytes that are not UTF-8) made `notify events --json` exit 70.
TEST(WebpushReceiptTest, JunkLocationHeaderIsStoredAsOneLineOfValidUtf8) {
    HttpResponse r;
    r.status = 201;
    r.headers["location"] = "/m/\x01\x7f\xff\xfe\xc3\x28\tjunk";
    SendResult result = classify_webpush_response(r, "https://push.example.com", TimePoint{});
    ASSERT_TRUE(result.ok);
    EXPECT_TRUE(test::is_one_line_of_utf8(result.detail)) << result.detail;
    EXPECT_THAT(result.detail, StartsWith("/m/"));
    EXPECT_THAT(result.detail, HasSubstr("junk"));
    r.headers["location"] = "\x01\x02";
    EXPECT_EQ(classify_webpush_response(r, "https://push.example.com", TimePoint{}).detail,
              "HTTP 201");
}

} // namespace
} // namespace notify::providers
