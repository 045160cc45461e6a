// Unit tests of common/providers/jwt_signer.cpp: keys made by the openssl CLI, signatures
// checked with OpenSSL's verifier.
#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/providers/jwt_signer.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using nlohmann::json;
using testing::HasSubstr;
using testing::Not;

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

// Verifies a JWS signature with the public half of `pem` (ES256 raw r||s or RS256).
bool verifies(const std::string& pem, const std::string& jwt) {
    auto parts = split3(jwt);
    if (parts.size() != 3) {
        return false;
    }
    auto signature = base64url_decode(parts[2]);
    if (!signature) {
        return false;
    }
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr) {
        return false;
    }
    std::string sig = *signature;
    if (EVP_PKEY_is_a(key, "EC")) {
        if (sig.size() != 64) {
            EVP_PKEY_free(key);
            return false;
        }
        ECDSA_SIG* ecdsa = ECDSA_SIG_new();
        const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
        ECDSA_SIG_set0(ecdsa, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
        unsigned char* der = nullptr;
        int size = i2d_ECDSA_SIG(ecdsa, &der);
        sig.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
        OPENSSL_free(der);
        ECDSA_SIG_free(ecdsa);
    }
    const std::string input = parts[0] + "." + parts[1];
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

json part(const std::string& jwt, std::size_t index) {
    return json::parse(*base64url_decode(split3(jwt).at(index)));
}

class JwtSignerTest : public testing::Test {
  protected:
    // Runs `openssl <args> -out <dir>/<name>` and returns the PEM it wrote.
    std::string key(const std::string& name, const std::string& args) {
        const std::string path = m_dir.file(name);
        const std::string command = "openssl " + args + " -out '" + path + "' 2>/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        return test::TempDir::read_file(path);
    }
    std::string ec_key() {
        return key("ec.p8", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256");
    }
    std::string rsa_key() {
        return key("rsa.pem", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048");
    }

    test::TempDir m_dir{"jwt"};
};

TEST_F(JwtSignerTest, Es256IsRawRsAndVerifies) {
    const std::string pem = ec_key();
    auto signer = JwtSigner::from_pem(pem, JwtAlgorithm::es256);
    ASSERT_TRUE(signer) << signer.error();
    auto jwt = signer->sign({{"kid", "ABC123DEFG"}}, {{"iss", "DEF123GHIJ"}, {"iat", 1700000000}});
    ASSERT_TRUE(jwt) << jwt.error();
    EXPECT_EQ(part(*jwt, 0), json({{"alg", "ES256"}, {"kid", "ABC123DEFG"}}));
    EXPECT_EQ(part(*jwt, 1), json({{"iss", "DEF123GHIJ"}, {"iat", 1700000000}}));
    EXPECT_EQ(base64url_decode(split3(*jwt)[2])->size(), 64u);
    EXPECT_EQ(jwt->find('='), std::string::npos);
    EXPECT_TRUE(verifies(pem, *jwt));
    // ECDSA is randomized: a second token differs but verifies too.
    auto again = signer->sign({{"kid", "ABC123DEFG"}}, {{"iss", "DEF123GHIJ"}});
    EXPECT_NE(*again, *jwt);
    EXPECT_TRUE(verifies(pem, *again));
}

TEST_F(JwtSignerTest, Rs256Verifies) {
    const std::string pem = rsa_key();
    auto signer = JwtSigner::from_pem(pem, JwtAlgorithm::rs256);
    ASSERT_TRUE(signer) << signer.error();
    auto jwt = signer->sign({{"typ", "JWT"}}, {{"iss", "sa@example.iam.gserviceaccount.com"}});
    ASSERT_TRUE(jwt);
    EXPECT_EQ(part(*jwt, 0), json({{"alg", "RS256"}, {"typ", "JWT"}}));
    EXPECT_EQ(base64url_decode(split3(*jwt)[2])->size(), 256u);
    EXPECT_TRUE(verifies(pem, *jwt));
}

TEST_F(JwtSignerTest, TamperedTokenDoesNotVerify) {
    const std::string pem = ec_key();
    auto jwt = *JwtSigner::from_pem(pem, JwtAlgorithm::es256)->sign({}, {{"iss", "A"}});
    auto parts = split3(jwt);
    const std::string forged = parts[0] + "." + base64url_encode(R"({"iss":"B"})") + "." + parts[2];
    EXPECT_FALSE(verifies(pem, forged));
}

TEST_F(JwtSignerTest, TraditionalEcKeyIsAccepted) {
    const std::string pem = key("sec1.pem", "ecparam -name prime256v1 -genkey -noout");
    ASSERT_THAT(pem, HasSubstr("BEGIN EC PRIVATE KEY"));
    auto signer = JwtSigner::from_pem(pem, JwtAlgorithm::es256);
    ASSERT_TRUE(signer) << signer.error();
    EXPECT_TRUE(verifies(pem, *signer->sign({}, {{"a", 1}})));
}

TEST_F(JwtSignerTest, WrongKeysAreRefusedWithoutQuotingThem) {
    const std::string rsa = rsa_key();
    const std::string ec = ec_key();
    struct Case {
        std::string pem;
        JwtAlgorithm algorithm;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {rsa, JwtAlgorithm::es256, "an RSA key, expected an EC P-256 key"},
        {ec, JwtAlgorithm::rs256, "an EC key, expected an RSA key"},
        {key("p384.pem", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384"),
         JwtAlgorithm::es256, "an EC key on curve secp384r1, expected P-256 (prime256v1)"},
        {key("rsa1024.pem", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024"),
         JwtAlgorithm::rs256, "an RSA key of 1024 bits, expected at least 2048"},
        {key("enc.pem", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
                        "-pass pass:secret"),
         JwtAlgorithm::es256, "not a PEM private key (or an encrypted one)"},
        {"-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n",
         JwtAlgorithm::es256, "not a PEM private key (or an encrypted one)"},
        {"", JwtAlgorithm::rs256, "not a PEM private key (or an encrypted one)"},
    };
    for (const auto& c : cases) {
        auto signer = JwtSigner::from_pem(c.pem, c.algorithm);
        ASSERT_FALSE(signer) << c.expected;
        EXPECT_EQ(signer.error(), c.expected);
        EXPECT_THAT(signer.error(), Not(HasSubstr("BEGIN")));
    }
}

TEST_F(JwtSignerTest, ConcurrentSigningVerifies) {
    const std::string pem = ec_key();
    const JwtSigner signer = *JwtSigner::from_pem(pem, JwtAlgorithm::es256);
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 10; ++round) {
                auto jwt = signer.sign({}, {{"n", i * 100 + round}});
                if (jwt && verifies(pem, *jwt) && part(*jwt, 1)["n"] == i * 100 + round) {
                    ++good;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(good.load(), 80);
}

TEST(JwtBase64Url, Rfc4648VectorsWithoutPadding) {
    const std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
    };
    for (const auto& [plain, encoded] : vectors) {
        EXPECT_EQ(base64url_encode(plain), encoded);
        EXPECT_EQ(base64url_decode(encoded), plain);
    }
    EXPECT_EQ(base64url_decode("Zm8="), "fo");
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    EXPECT_EQ(base64url_decode(base64url_encode(all)), all);
}

TEST(JwtBase64Url, RejectsOtherAlphabetsAndBadLengths) {
    EXPECT_FALSE(base64url_decode("Zm9v+/"));
    EXPECT_FALSE(base64url_decode("Zm9v Yg"));
    EXPECT_FALSE(base64url_decode("Zm9vY"));
}

} // namespace
} // namespace notify::providers
