// Unit tests of common/providers/webpush_crypto.cpp: RFC 8291 Appendix A, decryption of fresh
// messages by Python's cryptography package, and VAPID keys and tokens checked with OpenSSL.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/providers/jwt_signer.hpp"
#include "common/providers/webpush_crypto.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers::webpush {
namespace {

using testing::HasSubstr;
using testing::Not;

// RFC 8291 Appendix A.
constexpr const char* k_plaintext = "When I grow up, I want to be a watermelon";
constexpr const char* k_as_public =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr const char* k_as_private = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr const char* k_ua_public =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr const char* k_ua_private = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr const char* k_salt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr const char* k_auth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr const char* k_body =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAm"
    "S6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_"
    "Qulcy4a-fN";

std::string b64(const char* text) {
    auto decoded = base64url_decode(text);
    EXPECT_TRUE(decoded.has_value()) << text;
    return decoded.value_or("");
}

// Runs `command` with the shell; returns its stdout, or "" when it fails.
std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return out;
    }
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        out.append(buffer, n);
    }
    return ::pclose(pipe) == 0 ? out : std::string();
}

// Decrypts `body` as the RFC's user agent, with Python's cryptography package (an independent
// implementation); returns the plaintext or "ERROR ...".
std::string python_decrypt(const test::TempDir& dir, const std::string& body) {
    const std::string body_file = dir.write("body.bin", body);
    const std::string script = dir.write("decrypt.py", R"PY(
import base64, hashlib, hmac, sys
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
def d(t): return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
def h(k, m): return hmac.new(k, m, hashlib.sha256).digest()
ua_private = ec.derive_private_key(int.from_bytes(d(sys.argv[2]), "big"), ec.SECP256R1())
ua_public, auth = d(sys.argv[3]), d(sys.argv[4])
body = open(sys.argv[1], "rb").read()
salt, rs, n = body[:16], int.from_bytes(body[16:20], "big"), body[20]
keyid, ct = body[21:21 + n], body[21 + n:]
shared = ua_private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid))
ikm = h(h(auth, shared), b"WebPush: info\0" + ua_public + keyid + b"\1")
prk = h(salt, ikm)
plain = AESGCM(h(prk, b"Content-Encoding: aes128gcm\0\1")[:16]).decrypt(h(prk, b"Content-Encoding: nonce\0\1")[:12], ct, None)
assert rs == 4096 and plain.endswith(b"\2"), "bad record"
sys.stdout.write(plain[:-1].decode())
)PY");
    std::string out = run("/usr/bin/python3 " + script + " " + body_file + " " + k_ua_private +
                          " " + k_ua_public + " " + k_auth + " 2>&1");
    return out;
}

TEST(WebpushCryptoTest, ReproducesRfc8291AppendixA) {
    auto body = encrypt_with(k_plaintext, b64(k_ua_public), b64(k_auth), b64(k_as_private),
                             b64(k_as_public), b64(k_salt));
    ASSERT_TRUE(body.has_value()) << body.error();
    EXPECT_EQ(base64url_encode(*body), k_body);
}

TEST(WebpushCryptoTest, FreshMessageHasTheAes128gcmHeaderAndOneRecord) {
    auto first = encrypt(k_plaintext, b64(k_ua_public), b64(k_auth));
    auto second = encrypt(k_plaintext, b64(k_ua_public), b64(k_auth));
    ASSERT_TRUE(first.has_value()) << first.error();
    ASSERT_TRUE(second.has_value()) << second.error();
    const std::size_t plain = std::string(k_plaintext).size();
    ASSERT_EQ(first->size(), k_header_size + plain + 1 + 16);
    EXPECT_EQ(first->substr(16, 4), std::string("\x00\x00\x10\x00", 4)); // rs 4096
    EXPECT_EQ(static_cast<unsigned char>((*first)[20]), 65);
    const std::string keyid = first->substr(21, 65);
    EXPECT_TRUE(valid_public_key(keyid));
    EXPECT_NE(first->substr(0, 16), second->substr(0, 16)) << "a fresh salt per message";
    EXPECT_NE(keyid, second->substr(21, 65)) << "a fresh ephemeral key per message";
}

TEST(WebpushCryptoTest, FreshMessageDecryptsWithTheSubscriptionKey) {
    test::TempDir dir("webpush-crypto");
    const std::string text = R"({"title":"Hé","body":"watermelon 🍉"})";
    auto body = encrypt(text, b64(k_ua_public), b64(k_auth));
    ASSERT_TRUE(body.has_value()) << body.error();
    EXPECT_EQ(python_decrypt(dir, *body), text);
}

TEST(WebpushCryptoTest, LargestPlaintextFillsExactly4096Bytes) {
    test::TempDir dir("webpush-crypto");
    const std::string text(k_max_plaintext, 'x');
    auto body = encrypt(text, b64(k_ua_public), b64(k_auth));
    ASSERT_TRUE(body.has_value()) << body.error();
    EXPECT_EQ(body->size(), k_max_body);
    EXPECT_EQ(k_max_plaintext, 3993u);
    EXPECT_EQ(python_decrypt(dir, *body), text);

    auto over = encrypt(text + "x", b64(k_ua_public), b64(k_auth));
    ASSERT_FALSE(over.has_value());
    EXPECT_EQ(over.error(), "the plaintext is 3994 bytes, at most 3993 fit");
}

TEST(WebpushCryptoTest, RejectsBadSubscriptionKeys) {
    const std::string ua = b64(k_ua_public);
    std::string off_curve = ua;
    off_curve.back() = static_cast<char>(off_curve.back() ^ 1);
    std::string compressed = ua.substr(0, 33);
    compressed[0] = (static_cast<unsigned char>(ua.back()) & 1) != 0 ? '\x03' : '\x02';
    for (const std::string& key : {off_curve, compressed, ua.substr(0, 64), std::string()}) {
        EXPECT_FALSE(valid_public_key(key));
        auto body = encrypt(k_plaintext, key, b64(k_auth));
        ASSERT_FALSE(body.has_value());
        EXPECT_EQ(body.error(), "the p256dh key is not an uncompressed P-256 point");
    }
    auto short_auth = encrypt(k_plaintext, ua, b64(k_auth).substr(0, 15));
    ASSERT_FALSE(short_auth.has_value());
    EXPECT_EQ(short_auth.error(), "the auth secret is 15 bytes, expected 16");
    EXPECT_TRUE(valid_public_key(ua));
}

TEST(WebpushCryptoTest, RejectsAMismatchedServerKeyPair) {
    auto body = encrypt_with(k_plaintext, b64(k_ua_public), b64(k_auth), b64(k_ua_private),
                             b64(k_as_public), b64(k_salt));
    EXPECT_FALSE(body.has_value());
}

class WebpushVapidKeyTest : public testing::Test {
  protected:
    // Runs an openssl command writing `name` in the temp dir; returns the file's content.
    std::string openssl(const std::string& name, const std::string& args) {
        const std::string path = m_dir.file(name);
        EXPECT_EQ(std::system(("openssl " + args + " -out " + path + " 2>/dev/null").c_str()), 0);
        return test::TempDir::read_file(path);
    }

    // The uncompressed public point of the key in `pem_path`, via the openssl CLI.
    std::string openssl_public_point(const std::string& pem_path) {
        const std::string der = m_dir.file("pub.der");
        EXPECT_EQ(std::system(("openssl ec -in " + pem_path + " -pubout -outform DER -out " + der +
                               " 2>/dev/null")
                                  .c_str()),
                  0);
        const std::string spki = test::TempDir::read_file(der);
        return spki.size() >= 65 ? spki.substr(spki.size() - 65) : std::string();
    }

    test::TempDir m_dir{"webpush-vapid"};
};

// Verifies an ES256 JWT with OpenSSL: the raw r||s signature over "header.claims".
bool verify_es256(const std::string& jwt, const std::string& pem) {
    const auto dot2 = jwt.rfind('.');
    auto signature = base64url_decode(jwt.substr(dot2 + 1));
    if (!signature || signature->size() != 64) {
        return false;
    }
    ECDSA_SIG* sig = ECDSA_SIG_new();
    const auto* raw = reinterpret_cast<const unsigned char*>(signature->data());
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_size = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const std::string input = jwt.substr(0, dot2);
    const bool ok =
        key != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_size),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    OPENSSL_free(der);
    return ok;
}

TEST_F(WebpushVapidKeyTest, PublicKeyIsTheUncompressedPointInBase64url) {
    const std::string pem = openssl("sec1.pem", "ecparam -name prime256v1 -genkey -noout");
    auto key = VapidKey::from_pem(pem);
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(key->public_key(), base64url_encode(openssl_public_point(m_dir.file("sec1.pem"))));
    EXPECT_EQ(key->public_key().size(), 87u);

    const std::string compressed =
        openssl("compressed.pem", "ec -in " + m_dir.file("sec1.pem") + " -conv_form compressed");
    auto same = VapidKey::from_pem(compressed);
    ASSERT_TRUE(same.has_value()) << same.error();
    EXPECT_EQ(same->public_key(), key->public_key());
}

TEST_F(WebpushVapidKeyTest, Pkcs8KeyIsAccepted) {
    const std::string pem =
        openssl("pkcs8.pem", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256");
    auto key = VapidKey::from_pem(pem);
    ASSERT_TRUE(key.has_value()) << key.error();
    EXPECT_EQ(key->public_key(), base64url_encode(openssl_public_point(m_dir.file("pkcs8.pem"))));
}

TEST_F(WebpushVapidKeyTest, TokenIsAnEs256JwtWithAudExpSub) {
    const std::string pem = openssl("sec1.pem", "ecparam -name prime256v1 -genkey -noout");
    auto key = VapidKey::from_pem(pem);
    ASSERT_TRUE(key.has_value()) << key.error();
    auto jwt = key->token("https://push.example.net", from_unix_ms(1'700'000'000'999),
                          "mailto:ops@example.com");
    ASSERT_TRUE(jwt.has_value()) << jwt.error();
    const auto dot1 = jwt->find('.');
    const auto dot2 = jwt->rfind('.');
    auto header = nlohmann::json::parse(*base64url_decode(jwt->substr(0, dot1)));
    auto claims = nlohmann::json::parse(*base64url_decode(jwt->substr(dot1 + 1, dot2 - dot1 - 1)));
    EXPECT_EQ(header, nlohmann::json({{"alg", "ES256"}, {"typ", "JWT"}}));
    EXPECT_EQ(claims, nlohmann::json({{"aud", "https://push.example.net"},
                                      {"exp", 1'700'000'000},
                                      {"sub", "mailto:ops@example.com"}}));
    EXPECT_TRUE(verify_es256(*jwt, pem));
    EXPECT_EQ(key->authorization(*jwt), "vapid t=" + *jwt + ", k=" + key->public_key());

    std::string tampered = *jwt;
    tampered[dot1 + 2] = tampered[dot1 + 2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_es256(tampered, pem));
}

TEST_F(WebpushVapidKeyTest, RejectsOtherKeysWithoutQuotingThem) {
    const std::string rsa =
        openssl("rsa.pem", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048");
    const std::string p384 = openssl("p384.pem", "ecparam -name secp384r1 -genkey -noout");
    const std::string junk =
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IHN0dWZm\n-----END PRIVATE KEY-----\n";
    auto a = VapidKey::from_pem(rsa);
    auto b = VapidKey::from_pem(p384);
    auto c = VapidKey::from_pem(junk);
    ASSERT_FALSE(a.has_value());
    ASSERT_FALSE(b.has_value());
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(a.error(), "an RSA key, expected an EC P-256 key");
    EXPECT_THAT(b.error(), HasSubstr("secp384r1"));
    EXPECT_THAT(c.error(), HasSubstr("not a PEM private key"));
    for (const auto* message : {&a.error(), &b.error(), &c.error()}) {
        EXPECT_THAT(*message, Not(HasSubstr("BEGIN")));
        EXPECT_THAT(*message, Not(HasSubstr("c2VjcmV0")));
    }
}

} // namespace
} // namespace notify::providers::webpush
