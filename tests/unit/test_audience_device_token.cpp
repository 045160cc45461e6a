// Unit tests of common/audience/device_token.cpp and platform.cpp: tokens per push platform.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/audience/device_token.hpp"
#include "common/audience/platform.hpp"

namespace notify::audience {
namespace {

// The normalised token, or "ERROR: <message>".
std::string token(Platform platform, std::string_view text) {
    auto result = normalize_device_token(platform, text);
    return result ? *result : "ERROR: " + result.error();
}

// A real uncompressed P-256 public key, and the same with its last byte changed (off curve).
const std::string k_p256dh =
    "BLWnbeEAUQQCPbMwBY8hiIV1EWeeGOHGlWtGbN-PrbbDc0L75OrjdX9lpTtDKsGQstdSnZFGf-09sfoF_CNt0-Y";
const std::string k_off_curve =
    "BLWnbeEAUQQCPbMwBY8hiIV1EWeeGOHGlWtGbN-PrbbDc0L75OrjdX9lpTtDKsGQstdSnZFGf-09sfoF_CNt0-c";
const std::string k_auth = "AAECAwQFBgcICQoLDA0ODw"; // bytes 0..15
const std::string k_endpoint = "https://fcm.googleapis.com/fcm/send/abc:DEF-123";

std::string subscription(const std::string& endpoint, const std::string& p256dh,
                         const std::string& auth) {
    return R"({"endpoint":")" + endpoint + R"(","keys":{"p256dh":")" + p256dh + R"(","auth":")" +
           auth + R"("}})";
}

// ---- platform ---------------------------------------------------------------------------

TEST(Platform, NamesRoundTrip) {
    for (Platform p : {Platform::ios, Platform::android, Platform::web}) {
        EXPECT_EQ(parse_platform(to_string(p)), p);
    }
    EXPECT_EQ(to_string(Platform::ios), "ios");
    EXPECT_EQ(to_string(Platform::android), "android");
    EXPECT_EQ(to_string(Platform::web), "web");
    for (const char* text : {"", "iOS", "IOS", "Android", "apns", "fcm", "webpush", "web "}) {
        EXPECT_EQ(parse_platform(text), std::nullopt) << text;
    }
}

// ---- ios --------------------------------------------------------------------------------

TEST(DeviceTokenIos, SixtyFourHexDigitsLowercased) {
    const std::string lower = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    EXPECT_EQ(token(Platform::ios, lower), lower);
    const std::string upper = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    EXPECT_EQ(token(Platform::ios, upper), lower);
}

TEST(DeviceTokenIos, LongerEvenLengthsUpTo200) {
    EXPECT_EQ(token(Platform::ios, std::string(66, 'A')), std::string(66, 'a'));
    EXPECT_EQ(token(Platform::ios, std::string(160, 'f')), std::string(160, 'f'));
    EXPECT_EQ(token(Platform::ios, std::string(200, '9')), std::string(200, '9'));
}

TEST(DeviceTokenIos, RejectsWrongLengthsAndNonHex) {
    EXPECT_EQ(token(Platform::ios, std::string(62, 'a')),
              "ERROR: invalid ios device token \"" + std::string(62, 'a') +
                  "\": expected 64 to 200 hex digits, found 62");
    EXPECT_EQ(token(Platform::ios, std::string(202, 'a')),
              "ERROR: invalid ios device token \"" + std::string(64, 'a') +
                  "...\": expected 64 to 200 hex digits, found 202");
    EXPECT_EQ(token(Platform::ios, std::string(65, 'a')),
              "ERROR: invalid ios device token \"" + std::string(64, 'a') +
                  "...\": expected an even number of hex digits");
    EXPECT_EQ(token(Platform::ios, std::string(63, 'a') + "g"),
              "ERROR: invalid ios device token \"" + std::string(63, 'a') +
                  "g\": expected hex digits only");
    EXPECT_EQ(token(Platform::ios, "<" + std::string(64, 'a') + ">").rfind("ERROR: ", 0), 0u);
    const std::string spaced = std::string(32, 'a') + " " + std::string(32, 'a');
    EXPECT_EQ(token(Platform::ios, spaced), "ERROR: invalid ios device token \"" +
                                                spaced.substr(0, 64) +
                                                "...\": expected hex digits only");
    EXPECT_EQ(token(Platform::ios, ""), "ERROR: invalid ios device token \"\": empty");
}

// ---- android ----------------------------------------------------------------------------

TEST(DeviceTokenAndroid, FcmRegistrationTokens) {
    const std::string fcm = "dGVzdC1kZXZpY2U:APA91bH" + std::string(140, 'x') + "_y-Z09";
    EXPECT_EQ(token(Platform::android, fcm), fcm);
    EXPECT_EQ(token(Platform::android, std::string(100, 'a')), std::string(100, 'a'));
    EXPECT_EQ(token(Platform::android, std::string(4096, 'Z')), std::string(4096, 'Z'));
}

TEST(DeviceTokenAndroid, RejectsLengthsAndCharacters) {
    EXPECT_EQ(token(Platform::android, std::string(99, 'a')),
              "ERROR: invalid android device token \"" + std::string(64, 'a') +
                  "...\": expected 100 to 4096 characters, found 99");
    EXPECT_EQ(token(Platform::android, std::string(4097, 'a')),
              "ERROR: invalid android device token \"" + std::string(64, 'a') +
                  "...\": expected 100 to 4096 characters, found 4097");
    const std::string dotted = std::string(100, 'a') + ".b";
    EXPECT_EQ(token(Platform::android, dotted), "ERROR: invalid android device token \"" +
                                                    std::string(64, 'a') +
                                                    "...\": character '.' not allowed");
    const std::string spaced = "a b" + std::string(100, 'c');
    EXPECT_EQ(token(Platform::android, spaced), "ERROR: invalid android device token \"" +
                                                    spaced.substr(0, 64) +
                                                    "...\": character ' ' not allowed");
    const std::string newline = "a\nb" + std::string(100, 'c');
    EXPECT_EQ(token(Platform::android, newline), "ERROR: invalid android device token \"" +
                                                     newline.substr(0, 64) +
                                                     "...\": only A-Z, a-z, 0-9, ':', '_' and '-'");
    EXPECT_EQ(token(Platform::android, ""), "ERROR: invalid android device token \"\": empty");
}

// ---- web --------------------------------------------------------------------------------

TEST(DeviceTokenWeb, SubscriptionIsReserialisedWithOnlyEndpointAndKeys) {
    const std::string browser = R"({ "endpoint": ")" + k_endpoint +
                                R"(", "expirationTime": null, "keys": { "auth": ")" + k_auth +
                                R"(", "p256dh": ")" + k_p256dh + R"(", "extra": 1 } })";
    const std::string expected = R"({"endpoint":")" + k_endpoint + R"(","keys":{"auth":")" +
                                 k_auth + R"(","p256dh":")" + k_p256dh + R"("}})";
    EXPECT_EQ(token(Platform::web, browser), expected);
    // Normalising twice changes nothing.
    EXPECT_EQ(token(Platform::web, expected), expected);
}

TEST(DeviceTokenWeb, PaddedBase64urlIsAccepted) {
    // 65 bytes are 87 characters plus one "=", 16 bytes 22 characters plus "==".
    const std::string padded = subscription(k_endpoint, k_p256dh + "=", k_auth + "==");
    const auto result = normalize_device_token(Platform::web, padded);
    ASSERT_TRUE(result) << result.error();
    const auto json = nlohmann::json::parse(*result);
    EXPECT_EQ(json["keys"]["auth"], k_auth + "==");
}

TEST(DeviceTokenWeb, LoopbackHttpIsLetThroughForTests) {
    EXPECT_TRUE(normalize_device_token(
        Platform::web, subscription("http://127.0.0.1:8080/push/1", k_p256dh, k_auth)));
    EXPECT_TRUE(normalize_device_token(Platform::web,
                                       subscription("http://localhost:9/p", k_p256dh, k_auth)));
}

// The reason a subscription is refused, after the quoted token.
std::string web_reason(const std::string& text) {
    auto result = normalize_device_token(Platform::web, text);
    if (result) {
        return "accepted: " + *result;
    }
    const std::string& message = result.error();
    const std::string shown = text.size() > 64 ? text.substr(0, 64) + "..." : text;
    const std::string prefix = "invalid web device token \"" + shown + "\": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

TEST(DeviceTokenWeb, RejectsMalformedJson) {
    const std::string shape = "not a PushSubscription JSON object ({\"endpoint\": ..., \"keys\": "
                              "{\"p256dh\": ..., \"auth\": ...}})";
    EXPECT_EQ(web_reason("{"), shape);
    EXPECT_EQ(web_reason("[1]"), shape);
    EXPECT_EQ(web_reason("\"x\""), shape);
    EXPECT_EQ(web_reason(std::string(100, 'a')), shape);
    EXPECT_EQ(web_reason("{\"endpoint\":\"https://a.example/\xff\"}"), shape); // bad UTF-8
    EXPECT_EQ(web_reason("{" + std::string(9000, ' ') + "}"), "longer than 8192 bytes");
}

TEST(DeviceTokenWeb, RejectsBadEndpoints) {
    EXPECT_EQ(web_reason(R"({"keys":{}})"), "\"endpoint\" is missing or not a string");
    EXPECT_EQ(web_reason(R"({"endpoint":42})"), "\"endpoint\" is missing or not a string");
    EXPECT_EQ(web_reason(subscription("http://push.example/x", k_p256dh, k_auth)),
              "the endpoint is not an https:// URL");
    EXPECT_EQ(web_reason(subscription("ftp://push.example/x", k_p256dh, k_auth)),
              "the endpoint is not an https:// URL");
    EXPECT_EQ(web_reason(subscription("push.example/x", k_p256dh, k_auth)),
              "the endpoint is not an https:// URL");
    EXPECT_EQ(web_reason(subscription("https:///x", k_p256dh, k_auth)), "the endpoint has no host");
    EXPECT_EQ(web_reason(subscription("https://:443/x", k_p256dh, k_auth)),
              "the endpoint has no host");
    EXPECT_EQ(web_reason(subscription("https://u:p@push.example/x", k_p256dh, k_auth)),
              "the endpoint has userinfo");
    EXPECT_EQ(web_reason(subscription("https://push.example/a b", k_p256dh, k_auth)),
              "the endpoint contains whitespace or control characters");
}

TEST(DeviceTokenWeb, RejectsBadKeys) {
    EXPECT_EQ(web_reason(R"({"endpoint":")" + k_endpoint + R"("})"),
              "\"keys\" is missing or not an object");
    EXPECT_EQ(web_reason(R"({"endpoint":")" + k_endpoint + R"(","keys":[]})"),
              "\"keys\" is missing or not an object");
    EXPECT_EQ(
        web_reason(R"({"endpoint":")" + k_endpoint + R"(","keys":{"auth":")" + k_auth + R"("}})"),
        "keys.p256dh is missing or not a string");
    EXPECT_EQ(web_reason(R"({"endpoint":")" + k_endpoint + R"(","keys":{"p256dh":")" + k_p256dh +
                         R"("}})"),
              "keys.auth is missing or not a string");
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_p256dh + "+", k_auth)),
              "keys.p256dh is not base64url");
    EXPECT_EQ(web_reason(subscription(k_endpoint, "BLWn/eEA", k_auth)),
              "keys.p256dh is not base64url"); // "/" is base64, not base64url
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_off_curve, k_auth)),
              "keys.p256dh is not an uncompressed P-256 public key (65 bytes)");
    EXPECT_EQ(web_reason(subscription(k_endpoint, std::string(43, 'A'), k_auth)),
              "keys.p256dh is not an uncompressed P-256 public key (32 bytes)");
    // A compressed point (0x02 || X) is 33 bytes and refused.
    EXPECT_EQ(web_reason(subscription(k_endpoint, "A" + k_p256dh.substr(1, 43), k_auth)),
              "keys.p256dh is not an uncompressed P-256 public key (33 bytes)");
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_p256dh, "AAECAwQFBgcICQoLDA0O")),
              "keys.auth is 15 bytes, expected 16");
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_p256dh, "AAECAwQFBgcICQoLDA0ODxA")),
              "keys.auth is 17 bytes, expected 16");
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_p256dh, "AAECAwQFBgcICQoLDA0ODx")),
              "keys.auth is not base64url"); // non-zero trailing bits
    EXPECT_EQ(web_reason(subscription(k_endpoint, k_p256dh, "A")), "keys.auth is not base64url");
}

TEST(DeviceTokenWeb, LongTextIsCutInTheMessage) {
    const std::string text = "{\"endpoint\": \"" + std::string(200, 'x') + "\"}";
    const auto result = normalize_device_token(Platform::web, text);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), "invalid web device token \"" + text.substr(0, 64) +
                                  "...\": the endpoint is not an https:// URL");
}

} // namespace
} // namespace notify::audience
