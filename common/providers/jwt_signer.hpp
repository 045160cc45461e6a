// Compact JWS tokens (JWTs) signed with ES256 (APNs provider tokens) or RS256 (Google
// service-account assertions), using OpenSSL 3.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <openssl/types.h>

#include "common/expected.hpp"

namespace notify::providers {

enum class JwtAlgorithm {
    es256, // ECDSA P-256 with SHA-256; the signature is the raw 64-byte r||s (RFC 7518 3.4)
    rs256, // RSASSA-PKCS1-v1_5 with SHA-256
};

// A private key ready to sign JWTs. Copies share the key; sign() may run on several threads.
class JwtSigner {
  public:
    // Reads a PEM private key ("PRIVATE KEY" PKCS#8, or "EC PRIVATE KEY"/"RSA PRIVATE KEY"):
    // an EC P-256 key for ES256, an RSA key of at least 2048 bits for RS256. Encrypted keys
    // are refused (nothing prompts for a passphrase). Unexpected messages never quote the key,
    // e.g. "not a PEM private key", "an RSA key, expected an EC P-256 key".
    static Expected<JwtSigner> from_pem(std::string_view pem, JwtAlgorithm algorithm);

    JwtAlgorithm algorithm() const { return m_algorithm; }

    // Returns base64url(header) "." base64url(claims) "." base64url(signature), the header
    // being {"alg": "ES256"|"RS256"} plus `header_fields` (e.g. kid, typ), both objects.
    // Returns an Unexpected when OpenSSL fails to sign.
    Expected<std::string> sign(const nlohmann::json& header_fields,
                               const nlohmann::json& claims) const;

  private:
    JwtSigner(std::shared_ptr<EVP_PKEY> key, JwtAlgorithm algorithm)
        : m_key(std::move(key)), m_algorithm(algorithm) {}

    std::shared_ptr<EVP_PKEY> m_key;
    JwtAlgorithm m_algorithm;
};

// Base64url without padding (RFC 4648 section 5), as JWS uses it.
std::string base64url_encode(std::string_view bytes);

// Decodes base64url with or without padding; nullopt for characters outside the alphabet or
// an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace notify::providers
