// Unit tests of common/audience/recipient_check.cpp: per-channel validation and normalisation.
#include <string>

#include <gtest/gtest.h>

#include "common/audience/recipient_check.hpp"

namespace notify::audience {
namespace {

// The normalised recipient, or "ERROR: <message>".
std::string check(std::string_view channel, std::string_view to, std::string_view region = "") {
    auto result = check_recipient(channel, to, region);
    return result ? *result : "ERROR: " + result.error();
}

// ---- email ------------------------------------------------------------------------------

TEST(RecipientCheckEmail, AcceptsRfcShapesAndLowercasesTheDomain) {
    EXPECT_EQ(check("email", "ann@example.com"), "ann@example.com");
    EXPECT_EQ(check("email", "Ann.Lee@Example.COM"), "Ann.Lee@example.com");
    EXPECT_EQ(check("email", "a+tag@mail.example.co.uk"), "a+tag@mail.example.co.uk");
    EXPECT_EQ(check("email", "o'brien@ex-ample.org"), "o'brien@ex-ample.org");
    EXPECT_EQ(check("email", "!#$%&'*+/=?^_`{|}~-@example.com"), "!#$%&'*+/=?^_`{|}~-@example.com");
    EXPECT_EQ(check("email", "x@a1.b2"), "x@a1.b2");
    EXPECT_EQ(check("email", std::string(64, 'l') + "@example.com"),
              std::string(64, 'l') + "@example.com");
    EXPECT_EQ(check("email", "u@" + std::string(63, 'd') + ".com"),
              "u@" + std::string(63, 'd') + ".com");
}

TEST(RecipientCheckEmail, IdnDomainsBecomeALabels) {
    EXPECT_EQ(check("email", "info@B\xc3\xbc"
                             "cher.example"),
              "info@xn--bcher-kva.example");
    EXPECT_EQ(check("email", "info@m\xc3\xbcnchen.de", "DE"), "info@xn--mnchen-3ya.de");
}

TEST(RecipientCheckEmail, RejectsMissingParts) {
    EXPECT_EQ(check("email", "ann.example.com"),
              "ERROR: invalid email address \"ann.example.com\": missing \"@\"");
    EXPECT_EQ(check("email", "@example.com"),
              "ERROR: invalid email address \"@example.com\": missing local part before \"@\"");
    EXPECT_EQ(check("email", "bob@"), "ERROR: invalid email address \"bob@\": missing domain");
    EXPECT_EQ(check("email", ""), "ERROR: empty recipient");
}

TEST(RecipientCheckEmail, RejectsBadLocalParts) {
    EXPECT_EQ(check("email", std::string(65, 'l') + "@example.com"),
              "ERROR: invalid email address \"" + std::string(65, 'l') +
                  "@example.com\": local part longer than 64 characters");
    EXPECT_EQ(check("email", ".ann@example.com"),
              "ERROR: invalid email address \".ann@example.com\": misplaced \".\" in the local "
              "part");
    EXPECT_EQ(check("email", "ann.@example.com"),
              "ERROR: invalid email address \"ann.@example.com\": misplaced \".\" in the local "
              "part");
    EXPECT_EQ(check("email", "a..b@example.com"),
              "ERROR: invalid email address \"a..b@example.com\": misplaced \".\" in the local "
              "part");
    EXPECT_EQ(check("email", "ann lee@example.com"),
              "ERROR: invalid email address \"ann lee@example.com\": character ' ' not allowed "
              "in the local part");
    EXPECT_EQ(check("email", "a@b@example.com"),
              "ERROR: invalid email address \"a@b@example.com\": character '@' not allowed in "
              "the local part");
    EXPECT_EQ(check("email", "\"quoted\"@example.com"),
              "ERROR: invalid email address \"\"quoted\"@example.com\": character '\"' not "
              "allowed in the local part");
}

TEST(RecipientCheckEmail, RejectsTheNameAngleAddressForm) {
    auto result = check_recipient("email", "Ann Lee <ann@example.com>", "");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().rfind("invalid email address \"Ann Lee <ann@example.com>\": ", 0), 0u)
        << result.error();
}

TEST(RecipientCheckEmail, RejectsBadDomains) {
    EXPECT_EQ(check("email", "ann@localhost"),
              "ERROR: invalid email address \"ann@localhost\": domain has no \".\"");
    EXPECT_EQ(check("email", "ann@example..com"),
              "ERROR: invalid email address \"ann@example..com\": empty label in the domain");
    EXPECT_EQ(check("email", "ann@.example.com"),
              "ERROR: invalid email address \"ann@.example.com\": empty label in the domain");
    EXPECT_EQ(check("email", "ann@example.com."),
              "ERROR: invalid email address \"ann@example.com.\": empty label in the domain");
    EXPECT_EQ(check("email", "ann@-example.com"),
              "ERROR: invalid email address \"ann@-example.com\": domain label starts or ends "
              "with \"-\"");
    EXPECT_EQ(check("email", "ann@example-.com"),
              "ERROR: invalid email address \"ann@example-.com\": domain label starts or ends "
              "with \"-\"");
    EXPECT_EQ(check("email", "ann@exa_mple.com"),
              "ERROR: invalid email address \"ann@exa_mple.com\": character '_' not allowed in "
              "the domain");
    EXPECT_EQ(check("email", "ann@[127.0.0.1]"),
              "ERROR: invalid email address \"ann@[127.0.0.1]\": character '[' not allowed in "
              "the domain");
    const std::string long_label = std::string(64, 'd');
    EXPECT_EQ(check("email", "u@" + long_label + ".com"),
              "ERROR: invalid email address \"u@" + long_label +
                  ".com\": domain label longer than 63 characters");
    std::string long_domain;
    for (int i = 0; i < 26; ++i) {
        long_domain += "abcdefghi.";
    }
    long_domain += "com"; // 263 octets
    EXPECT_EQ(check("email", "u@" + long_domain), "ERROR: invalid email address \"u@" +
                                                      long_domain +
                                                      "\": domain longer than 253 characters");
}

// ---- sms --------------------------------------------------------------------------------

TEST(RecipientCheckPhone, NormalisesToE164) {
    EXPECT_EQ(check("sms", "+14155550123"), "+14155550123");
    EXPECT_EQ(check("sms", "+1 (415) 555-0123"), "+14155550123");
    EXPECT_EQ(check("sms", "+44 20.7946.0958"), "+442079460958");
    EXPECT_EQ(check("sms", "+49 30 123456", "US"), "+4930123456");
}

TEST(RecipientCheckPhone, NationalNumbersUseTheDefaultRegion) {
    EXPECT_EQ(check("sms", "(415) 555-0123", "US"), "+14155550123");
    EXPECT_EQ(check("sms", "030 123456", "DE"), "+4930123456");
    EXPECT_EQ(check("sms", "07400 123456", "GB"), "+447400123456");
    EXPECT_EQ(check("sms", "4155550123"),
              "ERROR: invalid phone number \"4155550123\": no default region to read a national "
              "number: use the international form, e.g. +14155550123");
}

TEST(RecipientCheckPhone, RejectsNumbersLibphonenumberCallsInvalid) {
    EXPECT_EQ(check("sms", "+1234567"), "ERROR: invalid phone number \"+1234567\": too short");
    EXPECT_EQ(check("sms", "+1234567890123456"),
              "ERROR: invalid phone number \"+1234567890123456\": too long");
    EXPECT_EQ(check("sms", "+04155550123"),
              "ERROR: invalid phone number \"+04155550123\": unknown country calling code");
    EXPECT_EQ(check("sms", "+15551234567"),
              "ERROR: invalid phone number \"+15551234567\": not a number in use in its region");
    EXPECT_EQ(check("sms", "+1415555O123"),
              "ERROR: invalid phone number \"+1415555O123\": unexpected character 'O'");
    EXPECT_EQ(check("sms", "+"), "ERROR: invalid phone number \"+\": not a phone number");
    EXPECT_EQ(check("sms", "123", "US"), "ERROR: invalid phone number \"123\": too short");
}

// ---- push -------------------------------------------------------------------------------

TEST(RecipientCheckToken, AcceptsDeviceTokens) {
    EXPECT_EQ(check("push", "abcd1234"), "abcd1234");
    const std::string fcm = "dGVzdA:APA91b-Hx_y.z";
    EXPECT_EQ(check("push", fcm), fcm);
    EXPECT_EQ(check("push", std::string(4096, 'a')), std::string(4096, 'a'));
}

TEST(RecipientCheckToken, JsonIsAWebPushSubscription) {
    const std::string p256dh =
        "BLWnbeEAUQQCPbMwBY8hiIV1EWeeGOHGlWtGbN-PrbbDc0L75OrjdX9lpTtDKsGQstdSnZFGf-09sfoF_CNt0-Y";
    const std::string auth = "AAECAwQFBgcICQoLDA0ODw";
    const std::string browser = R"({"endpoint": "https://push.example/s/1", "expirationTime": null,
        "keys": {"p256dh": ")" + p256dh +
                                R"(", "auth": ")" + auth + R"("}})";
    EXPECT_EQ(check("push", browser), R"({"endpoint":"https://push.example/s/1","keys":{"auth":")" +
                                          auth + R"(","p256dh":")" + p256dh + R"("}})");
    EXPECT_EQ(check("push", R"({"endpoint": "https://push.example/s/1"})"),
              "ERROR: invalid web device token \"{\"endpoint\": \"https://push.example/s/1\"}\": "
              "\"keys\" is missing or not an object");
    EXPECT_EQ(check("push", "{")
                  .rfind("ERROR: invalid web device token \"{\": not a "
                         "PushSubscription JSON object",
                         0),
              0u);
}

TEST(RecipientCheckToken, RejectsBadTokens) {
    EXPECT_EQ(check("push", "abc"),
              "ERROR: invalid device token \"abc\": expected 8 to 4096 characters");
    EXPECT_EQ(check("push", std::string(4097, 'a')), "ERROR: invalid device token \"" +
                                                         std::string(4097, 'a') +
                                                         "\": expected 8 to 4096 characters");
    EXPECT_EQ(check("push", "abcd/1234"),
              "ERROR: invalid device token \"abcd/1234\": character '/' not allowed");
    EXPECT_EQ(check("push", "abcd 1234"),
              "ERROR: invalid device token \"abcd 1234\": character ' ' not allowed");
}

// ---- webhook and slack ------------------------------------------------------------------

TEST(RecipientCheckUrl, AcceptsHttpAndHttpsUrls) {
    for (const char* channel : {"webhook", "slack"}) {
        EXPECT_EQ(check(channel, "https://hooks.example.com/T0/B0/x?y=1"),
                  "https://hooks.example.com/T0/B0/x?y=1");
        EXPECT_EQ(check(channel, "http://127.0.0.1:8080/in"), "http://127.0.0.1:8080/in");
    }
}

TEST(RecipientCheckUrl, RejectsOtherSchemesMissingHostsAndSpaces) {
    EXPECT_EQ(check("webhook", "ftp://example.com/x"),
              "ERROR: invalid URL \"ftp://example.com/x\": expected http:// or https://");
    EXPECT_EQ(check("slack", "example.com/hook"),
              "ERROR: invalid URL \"example.com/hook\": expected http:// or https://");
    EXPECT_EQ(check("webhook", "https://"), "ERROR: invalid URL \"https://\": missing host");
    EXPECT_EQ(check("webhook", "http:///path"),
              "ERROR: invalid URL \"http:///path\": missing host");
    EXPECT_EQ(check("webhook", "https://example.com/a b"),
              "ERROR: invalid URL \"https://example.com/a b\": spaces and control characters "
              "are not allowed");
    EXPECT_EQ(check("webhook", "https://example.com/a\tb"),
              "ERROR: invalid URL \"https://example.com/a\tb\": spaces and control characters "
              "are not allowed");
}

// ---- any other channel ------------------------------------------------------------------

TEST(RecipientCheckGeneric, AcceptsAnyPrintableTextUpTo1024Bytes) {
    EXPECT_EQ(check("pager", "ops team #3"), "ops team #3");
    EXPECT_EQ(check("pager", "caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(check("pager", std::string(1024, 'x')), std::string(1024, 'x'));
}

TEST(RecipientCheckGeneric, RejectsEmptyLongAndControlCharacters) {
    EXPECT_EQ(check("pager", ""), "ERROR: empty recipient");
    EXPECT_EQ(check("pager", std::string(1025, 'x')),
              "ERROR: invalid recipient \"" + std::string(32, 'x') + "\": longer than 1024 bytes");
    EXPECT_EQ(check("pager", "a\nb"),
              "ERROR: invalid recipient \"a\nb\": control characters are not allowed");
    EXPECT_EQ(check("pager", "a\x7f"),
              "ERROR: invalid recipient \"a\x7f\": control characters are not allowed");
}

} // namespace
} // namespace notify::audience
