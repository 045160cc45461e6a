// Unit tests of common/observe/delivery_report: Twilio status callbacks and signatures,
// SendGrid event webhook bodies and their ECDSA signatures.
#include <memory>

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/observe/delivery_report.hpp"
#include "common/providers/jwt_signer.hpp"

namespace notify::observe {
namespace {

TEST(ObserveDeliveryReport, TwilioStatuses) {
    auto delivered = twilio_report({{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}});
    ASSERT_TRUE(delivered);
    EXPECT_EQ(delivered->receipt, "SM1");
    EXPECT_EQ(delivered->type, "delivered");
    auto failed = twilio_report(
        {{"MessageSid", "SM2"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}});
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->type, "failed");
    EXPECT_EQ(failed->detail, "twilio: undelivered (error 30003)");
    EXPECT_FALSE(twilio_report({{"MessageSid", "SM3"}, {"MessageStatus", "sent"}}));
    EXPECT_FALSE(twilio_report({{"MessageStatus", "delivered"}}));
}

TEST(ObserveDeliveryReport, TwilioSignatureMatchesTheDocumentedExample) {
    // The example of Twilio's "Webhooks security" page.
    const std::map<std::string, std::string> form = {{"CallSid", "CA1234567890ABCDE"},
                                                     {"Caller", "+12349013030"},
                                                     {"Digits", "1234"},
                                                     {"From", "+12349013030"},
                                                     {"To", "+18005551212"}};
    const std::string url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const std::string token = "12345";
    EXPECT_EQ(twilio_signature(token, url, form), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    EXPECT_TRUE(twilio_signature_valid(token, url, form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    EXPECT_FALSE(twilio_signature_valid(token, url, form, "1/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    auto altered = form;
    altered["Digits"] = "1235";
    EXPECT_FALSE(twilio_signature_valid(token, url, altered, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
}

TEST(ObserveDeliveryReport, SendgridEvents) {
    const std::string body = R"([
      {"email":"a@example.com","timestamp":1700000000,"event":"processed",
       "sg_message_id":"abc123.filter0001.1.2"},
      {"email":"a@example.com","timestamp":1700000001,"event":"delivered",
       "sg_message_id":"abc123.filter0001.1.2","smtp-id":"<x@y>"},
      {"email":"b@example.com","timestamp":1700000002,"event":"bounce","reason":"550 no such user",
       "sg_message_id":"def456.filter0001.1.2"},
      {"email":"a@example.com","timestamp":1700000003,"event":"click",
       "url":"https://example.com/x","sg_message_id":"abc123.filter0001.1.2"},
      {"email":"a@example.com","timestamp":1700000004,"event":"open",
       "sg_message_id":"abc123.filter0001.1.2"},
      {"email":"c@example.com","event":"delivered"}
    ])";
    auto reports = sendgrid_reports(body);
    ASSERT_TRUE(reports) << reports.error();
    ASSERT_EQ(reports->size(), 4u);
    EXPECT_EQ((*reports)[0].receipt, "abc123");
    EXPECT_EQ((*reports)[0].type, "delivered");
    EXPECT_EQ((*reports)[0].at, from_unix_ms(1700000001000LL));
    EXPECT_EQ((*reports)[1].type, "failed");
    EXPECT_EQ((*reports)[1].detail, "sendgrid: bounce: 550 no such user");
    EXPECT_EQ((*reports)[2].type, "clicked");
    EXPECT_EQ((*reports)[2].detail, "sendgrid: https://example.com/x");
    EXPECT_EQ((*reports)[3].type, "opened");
    EXPECT_FALSE(sendgrid_reports("{\"event\":\"delivered\"}"));
    EXPECT_FALSE(sendgrid_reports("[1]"));
    EXPECT_FALSE(sendgrid_reports("not json"));
}

// A P-256 key pair: the base64 DER public key and a signer of timestamp + body.
struct SendgridKey {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
    std::string public_base64;

    SendgridKey() {
        // EVP_EC_gen without its varargs (notify reaches libcrypto through forwarders).
        EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
        EVP_PKEY* made = nullptr;
        EVP_PKEY_keygen_init(ctx);
        EVP_PKEY_CTX_set_group_name(ctx, "P-256");
        EVP_PKEY_generate(ctx, &made);
        EVP_PKEY_CTX_free(ctx);
        key.reset(made);
        unsigned char* der = nullptr;
        int length = i2d_PUBKEY(key.get(), &der);
        public_base64 = standard(providers::base64url_encode(
            std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(length))));
        OPENSSL_free(der);
    }

    static std::string standard(std::string text) {
        for (char& c : text) {
            c = c == '-' ? '+' : c == '_' ? '/' : c;
        }
        while (text.size() % 4 != 0) {
            text += '=';
        }
        return text;
    }

    std::string sign(const std::string& data) const {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
        size_t length = 0;
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
        std::string sig(length, '\0');
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size());
        sig.resize(length);
        return standard(providers::base64url_encode(sig));
    }
};

// Fuzz finding (fuzz_delivery_report, corpus delivery_report/08_sendgrid_ts_int_huge): an event
// timestamp of 9223372036854775807 overflowed seconds * 1000 (UBSan: signed integer overflow).
TEST(ObserveDeliveryReport, SendgridTimestampOutOfRangeHasNoTime) {
    auto reports = sendgrid_reports(R"([
        {"event": "delivered", "sg_message_id": "a.1", "timestamp": 9223372036854775807},
        {"event": "delivered", "sg_message_id": "b.1", "timestamp": 18446744073709551615},
        {"event": "delivered", "sg_message_id": "c.1", "timestamp": -1},
        {"event": "delivered", "sg_message_id": "d.1", "timestamp": 253402300799}])");
    ASSERT_TRUE(reports) << reports.error();
    ASSERT_EQ(reports->size(), 4u);
    EXPECT_EQ((*reports)[0].receipt, "a");
    EXPECT_FALSE((*reports)[0].at);
    EXPECT_FALSE((*reports)[1].at);
    EXPECT_FALSE((*reports)[2].at);
    EXPECT_EQ((*reports)[3].at, from_unix_ms(253'402'300'799'000));
}

TEST(ObserveDeliveryReport, SendgridSignature) {
    SendgridKey k;
    const std::string body = R"([{"event":"delivered","sg_message_id":"a.b"}])";
    const std::string sig = k.sign("1700000000" + body);
    auto ok = sendgrid_signature_valid(k.public_base64, "1700000000", body, sig);
    ASSERT_TRUE(ok) << ok.error();
    EXPECT_TRUE(*ok);
    EXPECT_FALSE(*sendgrid_signature_valid(k.public_base64, "1700000001", body, sig));
    EXPECT_FALSE(*sendgrid_signature_valid(k.public_base64, "1700000000", body + " ", sig));
    EXPECT_FALSE(*sendgrid_signature_valid(k.public_base64, "1700000000", body, "AAAA"));
    EXPECT_FALSE(*sendgrid_signature_valid(k.public_base64, "1700000000", body, ""));
    SendgridKey other;
    EXPECT_FALSE(*sendgrid_signature_valid(other.public_base64, "1700000000", body, sig));
    EXPECT_FALSE(sendgrid_signature_valid("not a key", "1", body, sig));
    EXPECT_FALSE(sendgrid_signature_valid("AAAA", "1", body, sig));
}

} // namespace
} // namespace notify::observe
