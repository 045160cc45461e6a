// ES256 and RS256 JWT signing with OpenSSL 3 EVP.
#include "common/providers/jwt_signer.hpp"

#include <array>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace notify::providers {

namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int k_p256_half = 32; // bytes of r and of s in an ES256 signature
constexpr int k_min_rsa_bits = 2048;

// Refuses passphrases, so an encrypted key fails instead of prompting on the terminal.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

// The reason of the last OpenSSL error (clearing the queue), or `fallback`.
std::string openssl_reason(const std::string& fallback) {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return fallback;
    }
    const char* reason = ERR_reason_error_string(code);
    return reason != nullptr ? reason : fallback;
}

// Converts a DER ECDSA-Sig-Value into the fixed-size r||s form of JWS.
std::optional<std::string> der_to_raw(const unsigned char* der, std::size_t size) {
    const unsigned char* p = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size));
    if (sig == nullptr) {
        return std::nullopt;
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::array<unsigned char, 2 * k_p256_half> raw{};
    const bool ok = BN_bn2binpad(r, raw.data(), k_p256_half) == k_p256_half &&
                    BN_bn2binpad(s, raw.data() + k_p256_half, k_p256_half) == k_p256_half;
    ECDSA_SIG_free(sig);
    if (!ok) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

} // namespace

Expected<JwtSigner> JwtSigner::from_pem(std::string_view pem, JwtAlgorithm algorithm) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) {
        return Unexpected{"out of memory"};
    }
    EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr);
    BIO_free(bio);
    ERR_clear_error();
    if (raw == nullptr) {
        return Unexpected{"not a PEM private key (or an encrypted one)"};
    }
    std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
    if (algorithm == JwtAlgorithm::es256) {
        if (!EVP_PKEY_is_a(raw, "EC")) {
            return Unexpected{std::string("an ") + EVP_PKEY_get0_type_name(raw) +
                              " key, expected an EC P-256 key"};
        }
        char group[64] = {};
        std::size_t length = 0;
        if (EVP_PKEY_get_group_name(raw, group, sizeof group, &length) != 1 ||
            (std::strcmp(group, "prime256v1") != 0 && std::strcmp(group, "P-256") != 0)) {
            ERR_clear_error();
            return Unexpected{std::string("an EC key on curve ") +
                              (group[0] != '\0' ? group : "(unknown)") +
                              ", expected P-256 (prime256v1)"};
        }
    } else {
        if (!EVP_PKEY_is_a(raw, "RSA")) {
            return Unexpected{std::string("an ") + EVP_PKEY_get0_type_name(raw) +
                              " key, expected an RSA key"};
        }
        if (EVP_PKEY_get_bits(raw) < k_min_rsa_bits) {
            return Unexpected{"an RSA key of " + std::to_string(EVP_PKEY_get_bits(raw)) +
                              " bits, expected at least " + std::to_string(k_min_rsa_bits)};
        }
    }
    return JwtSigner(std::move(key), algorithm);
}

Expected<std::string> JwtSigner::sign(const nlohmann::json& header_fields,
                                      const nlohmann::json& claims) const {
    nlohmann::json header = {{"alg", m_algorithm == JwtAlgorithm::es256 ? "ES256" : "RS256"}};
    for (const auto& [k, v] : header_fields.items()) {
        header[k] = v;
    }
    const std::string input =
        base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());

    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) {
        return Unexpected{"out of memory"};
    }
    std::string signature;
    std::size_t size = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, m_key.get()) == 1 &&
              EVP_DigestSign(ctx, nullptr, &size, data, input.size()) == 1;
    if (ok) {
        signature.resize(size);
        ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                            input.size()) == 1;
        signature.resize(size);
    }
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        return Unexpected{"cannot sign the JWT: " + openssl_reason("signing failed")};
    }
    if (m_algorithm == JwtAlgorithm::es256) {
        auto raw =
            der_to_raw(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
        if (!raw) {
            return Unexpected{"cannot sign the JWT: malformed ECDSA signature"};
        }
        signature = std::move(*raw);
    }
    return input + "." + base64url_encode(signature);
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
        out += k_alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = at(i) << 16;
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
    } else if (rest == 2) {
        const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    while (!text.empty() && text.back() == '=') {
        text.remove_suffix(1);
    }
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        const auto pos = k_alphabet.find(c);
        if (pos == std::string_view::npos) {
            return std::nullopt;
        }
        buffer = (buffer << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

} // namespace notify::providers
