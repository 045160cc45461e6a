// Unit tests of common/config/secret_audit.cpp: references found with their place, resolved
// or not, secret files readable by others, and secrets written in the clear.
#include <map>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/config/secret_audit.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::config {
namespace {

EnvLookup env_with(std::map<std::string, std::string> vars) {
    return [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

TEST(SecretAudit, FindsEveryReferenceWithItsPlaceAndNeverItsValue) {
    test::TempDir dir{"audit"};
    const std::string secret = dir.write("token.txt", "s3cret-token\n");
    ::chmod(secret.c_str(), 0644);
    const std::string yaml = "providers:\n"
                             "  mail:\n"
                             "    type: smtp\n"
                             "    password: ${env:SMTP_PASSWORD}\n"
                             "  hook:\n"
                             "    type: webhook\n"
                             "    token: ${file:token.txt}\n"
                             "alerts:\n"
                             "  command: [/bin/pager, '${env:MISSING}']\n";
    const auto audit =
        audit_secrets(yaml, dir.file("config.yaml"), env_with({{"SMTP_PASSWORD", "hunter2"}}));
    ASSERT_EQ(audit.references.size(), 3u);
    EXPECT_EQ(audit.references[0].key, "providers.mail.password");
    EXPECT_EQ(audit.references[0].line, 4);
    EXPECT_EQ(audit.references[0].reference, "${env:SMTP_PASSWORD}");
    EXPECT_FALSE(audit.references[0].error.has_value());
    EXPECT_EQ(audit.references[1].key, "providers.hook.token");
    EXPECT_EQ(audit.references[1].file, secret);
    EXPECT_TRUE(audit.references[1].readable_by_others);
    EXPECT_EQ(audit.references[2].key, "alerts.command[1]");
    EXPECT_EQ(audit.references[2].line, 9);
    EXPECT_EQ(audit.references[2].error, "environment variable MISSING is not set");
    EXPECT_TRUE(audit.literal_secrets.empty());
    for (const auto& r : audit.references) {
        EXPECT_EQ(r.reference.find("hunter2"), std::string::npos);
        EXPECT_EQ(r.reference.find("s3cret"), std::string::npos);
    }
    ::chmod(secret.c_str(), 0600);
    EXPECT_FALSE(audit_secrets(yaml, dir.file("config.yaml"), env_with({}))
                     .references[1]
                     .readable_by_others);
}

TEST(SecretAudit, ListsSecretsWrittenInTheClear) {
    const auto audit = audit_secrets("providers:\n  sms:\n    type: twilio\n"
                                     "    auth_token: abc123\n    account_sid: AC1\n"
                                     "    api_key: ''\n",
                                     "/nonexistent/config.yaml", env_with({}));
    EXPECT_TRUE(audit.references.empty());
    ASSERT_EQ(audit.literal_secrets.size(), 1u);
    EXPECT_EQ(audit.literal_secrets[0], "providers.sms.auth_token");
}

// Regression: a password inside a URL (store.url: postgresql://notify:pw@db/notify) was not a
// secret to the audit, so a world-readable config holding one was accepted.
TEST(SecretAudit, APasswordInAUrlIsASecretWhateverItsKey) {
    const auto audit = audit_secrets(
        "store:\n  url: postgresql://notify:s3cret@db.example.com/notify\n"
        "providers:\n  mail:\n    type: smtp\n    url: smtp://mail.example.com:587\n"
        "  relay:\n    type: smtp\n    url: smtps://ops:pw@relay.example.com\n"
        "  hook:\n    type: webhook\n    url: https://hooks.example.com/x?password=pw\n"
        "  db:\n    type: webhook\n    url: https://notify@hooks.example.com/y\n",
        "/nonexistent/config.yaml", env_with({}));
    EXPECT_EQ(audit.literal_secrets,
              (std::vector<std::string>{"store.url", "providers.relay.url", "providers.hook.url"}));
}

TEST(SecretAudit, YamlThatDoesNotParseYieldsNothing) {
    const auto audit = audit_secrets("a: [b\n", "/nonexistent/config.yaml", env_with({}));
    EXPECT_TRUE(audit.references.empty());
    EXPECT_TRUE(audit.literal_secrets.empty());
}

} // namespace
} // namespace notify::config
