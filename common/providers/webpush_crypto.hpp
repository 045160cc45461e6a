// Web Push cryptography with OpenSSL 3: RFC 8291 message encryption (the aes128gcm content
// coding of RFC 8188, ECDH P-256 + HKDF-SHA256 + AES-128-GCM) and RFC 8292 VAPID tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "common/expected.hpp"
#include "common/providers/jwt_signer.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers::webpush {

// An uncompressed P-256 point: 0x04 || X || Y.
constexpr std::size_t k_public_key_size = 65;
// The subscription's authentication secret.
constexpr std::size_t k_auth_secret_size = 16;
constexpr std::size_t k_salt_size = 16;
// The aes128gcm header of a push message: salt (16), rs (4), idlen (1), keyid (65).
constexpr std::size_t k_header_size = k_salt_size + 4 + 1 + k_public_key_size;
// The record size written to the header; a push message is one record.
constexpr std::size_t k_record_size = 4096;
// The largest message body a push service must accept (RFC 8030 section 7.2).
constexpr std::size_t k_max_body = 4096;
// The largest plaintext that fits: 4096 - header - padding delimiter (1) - GCM tag (16).
constexpr std::size_t k_max_plaintext = k_max_body - k_header_size - 1 - 16;

// True when `raw` is an uncompressed point on P-256.
bool valid_public_key(std::string_view raw);

// Encrypts `plaintext` for a subscription (its p256dh key `ua_public`, 65 bytes, and auth
// secret, 16 bytes) with a fresh ephemeral key and salt. Returns the message body: the
// aes128gcm header (keyid = the ephemeral public key) and one record padded only by its
// delimiter. Unexpected for bad key sizes, a point not on the curve, a plaintext longer than
// k_max_plaintext, or an OpenSSL failure.
Expected<std::string> encrypt(std::string_view plaintext, std::string_view ua_public,
                              std::string_view auth_secret);

// encrypt() with a given application-server key pair (raw 32-byte private scalar and its
// 65-byte public point) and salt, for reproducing RFC 8291 Appendix A.
Expected<std::string> encrypt_with(std::string_view plaintext, std::string_view ua_public,
                                   std::string_view auth_secret, std::string_view as_private,
                                   std::string_view as_public, std::string_view salt);

// The application server's VAPID identity (RFC 8292): an EC P-256 key. Copies share the key;
// token() may run on several threads at once.
class VapidKey {
  public:
    // Reads a PEM EC P-256 private key. Unexpected messages never quote the key.
    static Expected<VapidKey> from_pem(std::string_view pem);

    // The public key as base64url of the uncompressed point: the `k` parameter.
    const std::string& public_key() const { return m_public_key; }

    // A signed JWT {"typ":"JWT","alg":"ES256"} with claims aud (`audience`, the push
    // resource's origin), exp (`expires`, in seconds) and sub (`subject`).
    Expected<std::string> token(const std::string& audience, TimePoint expires,
                                const std::string& subject) const;

    // The Authorization header value: "vapid t=<jwt>, k=<public key>".
    std::string authorization(const std::string& jwt) const;

  private:
    VapidKey(JwtSigner signer, std::string public_key)
        : m_signer(std::move(signer)), m_public_key(std::move(public_key)) {}

    JwtSigner m_signer;
    std::string m_public_key;
};

} // namespace notify::providers::webpush
