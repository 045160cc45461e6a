// Unit tests of common/providers/smtp_provider.cpp against tests/fakes/smtp_sink.py (aiosmtpd)
// on loopback: plain, STARTTLS and implicit TLS with a self-signed certificate, AUTH.
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
#include "common/providers/smtp_provider.hpp"
#include "tests/support/fake_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

constexpr const char* k_password = "hunter2-very-secret";

Message message(std::string to = "ann@example.org") {
    Message m;
    m.id = 42;
    m.channel = "email";
    m.to = std::move(to);
    m.subject = "Disk almost full";
    m.body = "Hello Ann,\nthe disk is 91% full.\n";
    m.attempt = 2;
    return m;
}

class SmtpProviderTest : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_certs = new test::TempDir("smtp-tls");
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
    static std::string key() { return s_certs->file("key.pem"); }

    // A sink in `mode` (plain, starttls, smtps) with optional extra arguments.
    static std::unique_ptr<test::FakeServer> sink(const std::string& mode,
                                                  std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--mode", mode, "--cert", cert(), "--key", key()};
        args.insert(args.end(), extra.begin(), extra.end());
        return std::make_unique<test::FakeServer>("smtp_sink.py", args);
    }

    config::Config load(const std::string& provider_yaml) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  mail:\n    type: smtp\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    // An smtp provider `mail` aimed at `url` with extra YAML lines.
    std::unique_ptr<Provider> provider(const std::string& url, const std::string& extra = "") {
        m_config =
            load("    url: " + url + "\n    from: \"Alerts <alerts@example.com>\"\n" + extra);
        validate(m_config);
        return create(m_config, "mail");
    }

    static json only_message(test::FakeServer& server) {
        auto lines = server.requests(1);
        EXPECT_EQ(lines.size(), 1u);
        return lines.empty() ? json() : json::parse(lines.front());
    }

    test::TempDir m_dir{"smtp"};
    config::Config m_config;
    static test::TempDir* s_certs;
};

test::TempDir* SmtpProviderTest::s_certs = nullptr;

TEST_F(SmtpProviderTest, PlainSendDeliversTheMimeMessage) {
    auto server = sink("plain");
    auto p =
        provider(server->url("smtp"), "    starttls: \"off\"\n    reply_to: ops@example.com\n");
    Message m = message();
    m.subject = "Disk — almost full";
    m.data_json = R"({"html": "<p>Hello <b>Ann</b></p>"})";
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_THAT(r.detail, StartsWith("<notify-42-2."));
    EXPECT_THAT(r.detail, HasSubstr("@example.com> (250 2.0.0 Ok: queued as "));
    json got = only_message(*server);
    EXPECT_EQ(got["mail_from"], "alerts@example.com");
    EXPECT_EQ(got["rcpt_tos"], json::array({"ann@example.org"}));
    const std::string data = got["data"];
    EXPECT_THAT(data, StartsWith("Date: "));
    EXPECT_THAT(data, HasSubstr("\r\nMessage-ID: <notify-42-2."));
    EXPECT_THAT(data, HasSubstr("\r\nFrom: Alerts <alerts@example.com>\r\n"
                                "To: ann@example.org\r\n"
                                "Reply-To: ops@example.com\r\n"
                                "Subject: =?UTF-8?B?"));
    EXPECT_THAT(data, HasSubstr("\r\nMIME-Version: 1.0\r\n"));
    EXPECT_THAT(data, HasSubstr("Content-Type: multipart/alternative; boundary=\"=_notify_"));
    EXPECT_THAT(data, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"));
    EXPECT_THAT(data, HasSubstr("Content-Type: text/html; charset=UTF-8\r\n"));
    EXPECT_THAT(data, HasSubstr("<p>Hello <b>Ann</b></p>"));
    // The Message-ID in the receipt is the one sent.
    const std::string id = r.detail.substr(0, r.detail.find('>') + 1);
    EXPECT_THAT(data, HasSubstr("Message-ID: " + id + "\r\n"));
}

TEST_F(SmtpProviderTest, RenderIsTheMessageThatIsSent) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    Message m = message();
    m.body = "line one\n.leading dot\n..two dots\n";
    std::string rendered = p->render(m);
    ASSERT_TRUE(p->send(m).ok);
    std::string data = only_message(*server)["data"];
    // Date and Message-ID are made per call; everything after them is identical, and the
    // dot-stuffing that curl adds on the wire is undone by the server.
    auto after_id = [](const std::string& text) {
        auto pos = text.find("\r\nFrom: ");
        return pos == std::string::npos ? text : text.substr(pos);
    };
    EXPECT_EQ(after_id(data), after_id(rendered));
    EXPECT_THAT(data, HasSubstr("\r\n.leading dot\r\n..two dots\r\n"));
}

TEST_F(SmtpProviderTest, UnknownUserIsInvalidRecipient) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message("bad.user@example.org"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "smtp: RCPT refused: 550 5.1.1 <bad.user@example.org>: Recipient "
                        "address rejected: User unknown");
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, TemporaryRcptFailureIsTransient) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message("busy@example.org"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("smtp: RCPT refused: 451 4.3.0 "));
}

TEST_F(SmtpProviderTest, PolicyRejectionAtRcptIsPermanentNotInvalidRecipient) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message("relay@elsewhere.example"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_THAT(r.detail, HasSubstr("554 5.7.1"));
}

TEST_F(SmtpProviderTest, RejectionAfterDataIsPermanent) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message("spam.trap@example.org"));
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "smtp: message refused after DATA: 554 5.7.1 Message rejected: content "
                        "looks like spam");
}

TEST_F(SmtpProviderTest, MalformedRecipientFailsWithoutConnecting) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message("ann@example.org\r\nBcc: victim@example.org"));
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_THAT(r.detail, StartsWith("smtp: \"ann@example.org Bcc: victim@example.org\" is not"));
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, SlowServerTimesOutAsTransient) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n    timeout: 300ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message("slow@example.org"));
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, HasSubstr("timed out"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(SmtpProviderTest, RefusedConnectionIsTransient) {
    std::string url;
    {
        auto server = sink("plain");
        url = server->url("smtp");
    }
    auto p = provider(url, "    starttls: \"off\"\n");
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, StartsWith("smtp: "));
}

TEST_F(SmtpProviderTest, StartTlsWithCaFileDelivers) {
    auto server = sink("starttls");
    auto p = provider(server->url("smtp"), "    ca_file: " + cert() + "\n");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(only_message(*server)["rcpt_tos"], json::array({"ann@example.org"}));
}

TEST_F(SmtpProviderTest, StartTlsWithoutCaFileIsRefusedAsAuth) {
    auto server = sink("starttls");
    auto p = provider(server->url("smtp"));
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("smtp: TLS verification failed: "));
    EXPECT_THAT(r.detail, HasSubstr("providers.mail"));
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, ImplicitTlsWithCaFileDelivers) {
    auto server = sink("smtps");
    auto p = provider(server->url("smtps"), "    ca_file: " + cert() + "\n");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(only_message(*server).size(), 4u);
}

TEST_F(SmtpProviderTest, ImplicitTlsWithoutCaFileIsRefused) {
    auto server = sink("smtps");
    auto p = provider(server->url("smtps"));
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, RequiredStartTlsAgainstPlainServerIsAuth) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp")); // starttls: required is the default
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("smtp: STARTTLS is required but the server refused it"));
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, OptionalStartTlsFallsBackToPlain) {
    auto server = sink("plain");
    auto p = provider(server->url("smtp"), "    starttls: optional\n");
    SendResult r = p->send(message());
    EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(SmtpProviderTest, PlainSendToStartTlsOnlyServerIsAuth) {
    auto server = sink("starttls");
    auto p = provider(server->url("smtp"), "    starttls: \"off\"\n");
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("530"));
}

TEST_F(SmtpProviderTest, AuthWithGoodCredentialsDelivers) {
    auto server = sink("starttls", {"--user", "mailer", "--password", k_password});
    auto p = provider(server->url("smtp"),
                      "    ca_file: " + cert() +
                          "\n    username: mailer\n    password: " + k_password + "\n");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(only_message(*server)["auth"], "mailer");
    EXPECT_THAT(p->render(message()), Not(HasSubstr(k_password)));
}

TEST_F(SmtpProviderTest, WrongPasswordIsAuthWithoutTheSecret) {
    auto server = sink("smtps", {"--user", "mailer", "--password", "the-right-one"});
    auto p = provider(server->url("smtps"),
                      "    ca_file: " + cert() +
                          "\n    username: mailer\n    password: " + k_password + "\n");
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, StartsWith("smtp: authentication refused: 535 5.7.8"));
    EXPECT_THAT(r.detail, Not(HasSubstr(k_password)));
    EXPECT_THAT(r.detail, Not(HasSubstr("the-right-one")));
    EXPECT_TRUE(server->requests(0, 200).empty());
}

TEST_F(SmtpProviderTest, MissingCredentialsAreAuth) {
    auto server = sink("starttls", {"--user", "mailer", "--password", k_password});
    auto p = provider(server->url("smtp"), "    ca_file: " + cert() + "\n");
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("530"));
}

TEST_F(SmtpProviderTest, RenderShowsNoSecretsAndHandlesBadRecipients) {
    auto p = provider("smtps://mail.example.com",
                      "    username: mailer\n    password: " + std::string(k_password) + "\n");
    Message m = message("not an address");
    m.id = 0;
    m.attempt = 0;
    std::string rendered = p->render(m);
    EXPECT_THAT(rendered, HasSubstr("Message-ID: <notify-0-0."));
    EXPECT_THAT(rendered, HasSubstr("To: not an address\r\n"));
    EXPECT_THAT(rendered, Not(HasSubstr(k_password)));
    EXPECT_THAT(rendered, Not(HasSubstr("mailer")));
}

TEST_F(SmtpProviderTest, ConcurrentSendsAllArrive) {
    auto server = sink("starttls");
    auto p = provider(server->url("smtp"), "    ca_file: " + cert() + "\n");
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 3; ++i) {
                Message m = message("user" + std::to_string(t * 10 + i) + "@example.org");
                if (p->send(m).ok) {
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

class SmtpProviderConfigTest : public SmtpProviderTest {
  protected:
    // The message and hint of the Error that validate() or create() throws; "" if none.
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

TEST_F(SmtpProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(error_of("    url: smtp://mail.example.com:587\n    from: alerts@example.com\n"
                       "    starttls: required\n    username: u\n    password: p\n"
                       "    timeout: 10s\n    reply_to: \"Ops <ops@example.com>\"\n"
                       "    rate_limit: 10/1s\n"),
              "");
    EXPECT_EQ(error_of("    url: smtp://127.0.0.1:25\n    from: a@b.c\n    starttls: \"off\"\n"),
              "");
}

TEST_F(SmtpProviderConfigTest, RequiredKeysAreNamed) {
    EXPECT_THAT(error_of("    from: a@example.com\n"),
                HasSubstr("config.yaml:2: providers.mail: missing required key \"url\""));
    EXPECT_THAT(error_of("    url: smtps://mail.example.com\n"),
                HasSubstr("missing required key \"from\" for type smtp"));
}

TEST_F(SmtpProviderConfigTest, UnknownKeySuggestsTheRightOne) {
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    pasword: x\n"),
                HasSubstr("did you mean \"password\""));
}

TEST_F(SmtpProviderConfigTest, UrlMustBeSmtpWithoutCredentials) {
    EXPECT_THAT(error_of("    url: https://mail.example.com\n    from: a@example.com\n"),
                HasSubstr("config.yaml:4: providers.mail.url: \"https://mail.example.com\" is "
                          "not an smtp:// or smtps:// URL"));
    std::string error =
        error_of("    url: smtps://user:pw-in-url@mail.example.com\n    from: a@example.com\n");
    EXPECT_THAT(error, HasSubstr("providers.mail.url: must not contain credentials"));
    EXPECT_THAT(error, Not(HasSubstr("pw-in-url")));
    EXPECT_THAT(error_of("    url: smtp://\n    from: a@example.com\n"), HasSubstr("has no host"));
}

TEST_F(SmtpProviderConfigTest, AddressesMustParse) {
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: alerts\n"),
                HasSubstr("config.yaml:5: providers.mail.from: \"alerts\" is not an e-mail "
                          "address"));
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    reply_to: \"Ops <ops>\"\n"),
                HasSubstr("config.yaml:6: providers.mail.reply_to: "));
}

TEST_F(SmtpProviderConfigTest, StartTlsValues) {
    EXPECT_THAT(error_of("    url: smtp://m.example.com\n    from: a@example.com\n"
                         "    starttls: yes\n"),
                HasSubstr("providers.mail.starttls: \"yes\" is not one of required, optional, "
                          "off"));
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    starttls: required\n"),
                HasSubstr("providers.mail.starttls: applies to smtp:// URLs only"));
}

TEST_F(SmtpProviderConfigTest, PasswordNeverTravelsUnencrypted) {
    for (const char* mode : {"optional", "\"off\""}) {
        std::string error =
            error_of(std::string("    url: smtp://m.example.com\n    from: a@example.com\n"
                                 "    starttls: ") +
                     mode + "\n    username: u\n    password: " + k_password + "\n");
        EXPECT_THAT(error, HasSubstr("config.yaml:6: providers.mail.starttls: "));
        EXPECT_THAT(error, HasSubstr("could send the password unencrypted"));
        EXPECT_THAT(error, Not(HasSubstr(k_password)));
    }
}

TEST_F(SmtpProviderConfigTest, UsernameAndPasswordGoTogether) {
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    username: u\n"),
                HasSubstr("providers.mail: \"username\" needs \"password\" as well"));
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    password: p\n"),
                HasSubstr("\"password\" needs \"username\" as well"));
}

TEST_F(SmtpProviderConfigTest, BadTimeoutAndCaFile) {
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    timeout: soon\n"),
                HasSubstr("config.yaml:6: providers.mail.timeout: invalid duration \"soon\""));
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    timeout: 0s\n"),
                HasSubstr("providers.mail.timeout: must be more than 0"));
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: a@example.com\n"
                         "    ca_file: /nonexistent/ca.pem\n"),
                HasSubstr("providers.mail.ca_file: cannot read /nonexistent/ca.pem: No such "
                          "file"));
}

TEST_F(SmtpProviderConfigTest, ListValuesAreRejected) {
    EXPECT_THAT(error_of("    url: smtps://m.example.com\n    from: [a@example.com]\n"),
                HasSubstr("providers.mail.from: expected a single value, found a list"));
}

TEST_F(SmtpProviderConfigTest, CheckIsCallableDirectly) {
    m_config = load("    url: ftp://x\n    from: a@example.com\n");
    EXPECT_THROW(check_smtp_config(m_config.providers.at("mail")), Error);
}

} // namespace
} // namespace notify::providers
