// RFC 8291 encryption and RFC 8292 VAPID tokens for the webpush provider, with OpenSSL 3 EVP.
#include "common/providers/webpush_crypto.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

namespace notify::providers::webpush {

namespace {

constexpr const char* k_group = "prime256v1";
constexpr std::size_t k_scalar_size = 32;
constexpr std::size_t k_key_size = 16;   // AES-128
constexpr std::size_t k_nonce_size = 12; // AES-GCM IV
constexpr std::size_t k_tag_size = 16;
constexpr char k_last_record = 0x02; // padding delimiter of the last record (RFC 8188)

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// Refuses passphrases, so an encrypted key fails instead of prompting on the terminal.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

Unexpected openssl_failure(const std::string& what) {
    ERR_clear_error();
    return Unexpected{what + " failed (OpenSSL)"};
}

// HMAC-SHA-256(key, data).
std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(),
             out.data(), &size) == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(out.data()), size);
}

// HKDF-SHA-256 (RFC 5869) for outputs of at most one hash block: extract, then expand once.
std::string hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                 std::size_t size) {
    const std::string prk = hmac_sha256(salt, ikm);
    std::string t = std::string(info) + '\x01';
    return hmac_sha256(prk, t).substr(0, size);
}

// A public P-256 key from an uncompressed point; null when it is not one.
PkeyPtr public_key_from(std::string_view raw) {
    PkeyPtr none(nullptr, EVP_PKEY_free);
    if (raw.size() != k_public_key_size || raw[0] != '\x04') {
        return none;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(k_group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<char*>(raw.data()),
                                          raw.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    const bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    PkeyPtr result(ok ? key : nullptr, EVP_PKEY_free);
    if (!ok) {
        EVP_PKEY_free(key);
    }
    if (result) {
        EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, result.get(), nullptr);
        const bool on_curve = check != nullptr && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
        if (!on_curve) {
            result.reset();
        }
    }
    ERR_clear_error();
    return result;
}

// A P-256 key pair from its raw private scalar and public point; null when they are not one.
PkeyPtr key_pair_from(std::string_view private_scalar, std::string_view public_point) {
    PkeyPtr none(nullptr, EVP_PKEY_free);
    if (private_scalar.size() != k_scalar_size || public_point.size() != k_public_key_size) {
        return none;
    }
    BIGNUM* d = BN_bin2bn(bytes(private_scalar), static_cast<int>(private_scalar.size()), nullptr);
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = nullptr;
    EVP_PKEY* key = nullptr;
    bool ok = d != nullptr && build != nullptr &&
              OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, k_group, 0) == 1 &&
              OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1 &&
              OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                               public_point.size()) == 1 &&
              (params = OSSL_PARAM_BLD_to_param(build)) != nullptr &&
              (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)) != nullptr &&
              EVP_PKEY_fromdata_init(ctx) == 1 &&
              EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(build);
    BN_clear_free(d);
    if (ok) { // fromdata does not check that the point belongs to the scalar
        EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
        ok = check != nullptr && EVP_PKEY_pairwise_check(check) == 1;
        EVP_PKEY_CTX_free(check);
    }
    ERR_clear_error();
    if (!ok) {
        EVP_PKEY_free(key);
        return none;
    }
    return PkeyPtr(key, EVP_PKEY_free);
}

// The uncompressed point of an EC key, whatever conversion form it was stored with.
std::string public_point_of(const EVP_PKEY* key) {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    std::array<unsigned char, k_public_key_size> out{};
    out[0] = 0x04;
    const bool ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
                    BN_bn2binpad(x, out.data() + 1, k_scalar_size) == k_scalar_size &&
                    BN_bn2binpad(y, out.data() + 1 + k_scalar_size, k_scalar_size) == k_scalar_size;
    BN_free(x);
    BN_free(y);
    ERR_clear_error();
    return ok ? std::string(reinterpret_cast<const char*>(out.data()), out.size()) : std::string();
}

// ECDH shared secret (the X coordinate) of `own` and `peer`; empty on failure.
std::string ecdh(EVP_PKEY* own, EVP_PKEY* peer) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr);
    std::string secret(k_scalar_size, '\0');
    std::size_t size = secret.size();
    const bool ok =
        ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
        EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
        EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(secret.data()), &size) == 1 &&
        size == k_scalar_size;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok ? secret : std::string();
}

// AES-128-GCM of `plaintext`; returns ciphertext || tag, empty on failure.
std::string aes128gcm(std::string_view key, std::string_view nonce, std::string_view plaintext) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::string out(plaintext.size() + k_tag_size, '\0');
    auto* dst = reinterpret_cast<unsigned char*>(out.data());
    int written = 0;
    int final_size = 0;
    const bool ok = ctx != nullptr &&
                    EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()),
                                        nullptr) == 1 &&
                    EVP_EncryptInit_ex(ctx, nullptr, nullptr, bytes(key), bytes(nonce)) == 1 &&
                    EVP_EncryptUpdate(ctx, dst, &written, bytes(plaintext),
                                      static_cast<int>(plaintext.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx, dst + written, &final_size) == 1 &&
                    static_cast<std::size_t>(written + final_size) == plaintext.size() &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag_size),
                                        dst + plaintext.size()) == 1;
    EVP_CIPHER_CTX_free(ctx);
    ERR_clear_error();
    return ok ? out : std::string();
}

// The body of RFC 8291 section 3.4 / RFC 8188 section 2 for checked inputs.
Expected<std::string> encrypt_checked(std::string_view plaintext, std::string_view ua_public,
                                      std::string_view auth_secret, EVP_PKEY* as_key,
                                      std::string_view as_public, std::string_view salt) {
    if (plaintext.size() > k_max_plaintext) {
        return Unexpected{"the plaintext is " + std::to_string(plaintext.size()) +
                          " bytes, at most " + std::to_string(k_max_plaintext) + " fit"};
    }
    if (auth_secret.size() != k_auth_secret_size) {
        return Unexpected{"the auth secret is " + std::to_string(auth_secret.size()) +
                          " bytes, expected " + std::to_string(k_auth_secret_size)};
    }
    PkeyPtr ua_key = public_key_from(ua_public);
    if (!ua_key) {
        return Unexpected{"the p256dh key is not an uncompressed P-256 point"};
    }
    const std::string shared = ecdh(as_key, ua_key.get());
    if (shared.empty()) {
        return openssl_failure("ECDH");
    }
    // IKM = HKDF(auth_secret, ecdh_secret, "WebPush: info" || 0x00 || ua_public || as_public)
    std::string key_info = std::string("WebPush: info") + '\0';
    key_info.append(ua_public);
    key_info.append(as_public);
    const std::string ikm = hkdf(auth_secret, shared, key_info, 32);
    const std::string cek =
        hkdf(salt, ikm, std::string("Content-Encoding: aes128gcm") + '\0', k_key_size);
    const std::string nonce =
        hkdf(salt, ikm, std::string("Content-Encoding: nonce") + '\0', k_nonce_size);
    if (ikm.size() != 32 || cek.size() != k_key_size || nonce.size() != k_nonce_size) {
        return openssl_failure("HKDF");
    }
    std::string record(plaintext);
    record += k_last_record;
    const std::string sealed = aes128gcm(cek, nonce, record);
    if (sealed.empty()) {
        return openssl_failure("AES-128-GCM");
    }
    std::string body(salt);
    const auto rs = static_cast<std::uint32_t>(k_record_size);
    body += static_cast<char>((rs >> 24) & 0xff);
    body += static_cast<char>((rs >> 16) & 0xff);
    body += static_cast<char>((rs >> 8) & 0xff);
    body += static_cast<char>(rs & 0xff);
    body += static_cast<char>(as_public.size());
    body.append(as_public);
    body += sealed;
    return body;
}

// A fresh P-256 key pair (EVP_PKEY_Q_keygen, spelled without its varargs).
PkeyPtr new_p256_key() {
    PkeyPtr none(nullptr, EVP_PKEY_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1 ||
        EVP_PKEY_generate(ctx.get(), &key) != 1) {
        return none;
    }
    return PkeyPtr(key, EVP_PKEY_free);
}

} // namespace

bool valid_public_key(std::string_view raw) {
    return public_key_from(raw) != nullptr;
}

Expected<std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                              std::string_view auth_secret) {
    PkeyPtr as_key = new_p256_key();
    if (!as_key) {
        return openssl_failure("generating the ephemeral key");
    }
    const std::string as_public = public_point_of(as_key.get());
    std::array<unsigned char, k_salt_size> salt{};
    if (as_public.empty() || RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        return openssl_failure("generating the ephemeral key");
    }
    return encrypt_checked(
        plaintext, ua_public, auth_secret, as_key.get(), as_public,
        std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()));
}

Expected<std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                   std::string_view auth_secret, std::string_view as_private,
                                   std::string_view as_public, std::string_view salt) {
    if (salt.size() != k_salt_size) {
        return Unexpected{"the salt is " + std::to_string(salt.size()) + " bytes, expected " +
                          std::to_string(k_salt_size)};
    }
    PkeyPtr as_key = key_pair_from(as_private, as_public);
    if (!as_key) {
        return Unexpected{"the application server key pair is not a P-256 key pair"};
    }
    return encrypt_checked(plaintext, ua_public, auth_secret, as_key.get(), as_public, salt);
}

Expected<VapidKey> VapidKey::from_pem(std::string_view pem) {
    auto signer = JwtSigner::from_pem(pem, JwtAlgorithm::es256);
    if (!signer) {
        return Unexpected{signer.error()};
    }
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) {
        return Unexpected{"out of memory"};
    }
    PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr), EVP_PKEY_free);
    BIO_free(bio);
    ERR_clear_error();
    const std::string point = key ? public_point_of(key.get()) : std::string();
    if (point.empty()) {
        return Unexpected{"cannot read the public key of the EC key"};
    }
    return VapidKey(std::move(*signer), base64url_encode(point));
}

Expected<std::string> VapidKey::token(const std::string& audience, TimePoint expires,
                                      const std::string& subject) const {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch());
    return m_signer.sign({{"typ", "JWT"}},
                         {{"aud", audience}, {"exp", exp.count()}, {"sub", subject}});
}

std::string VapidKey::authorization(const std::string& jwt) const {
    return "vapid t=" + jwt + ", k=" + m_public_key;
}

} // namespace notify::providers::webpush
