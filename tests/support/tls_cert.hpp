// A self-signed TLS certificate for the loopback fakes, made by the openssl CLI.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "tests/support/temp_dir.hpp"

namespace notify::test {

// Writes cert.pem and key.pem (EC P-256, valid 2 days, for localhost and 127.0.0.1, its own
// CA) into `dir`; returns {cert, key}. Throws std::runtime_error when openssl fails.
inline std::pair<std::string, std::string> self_signed_cert(const TempDir& dir) {
    const std::string cert = dir.file("cert.pem");
    const std::string key = dir.file("key.pem");
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key + "' -out '" + cert + "' 2>/dev/null";
    if (std::system(command.c_str()) != 0) {
        throw std::runtime_error("openssl could not make a self-signed certificate");
    }
    return {cert, key};
}

} // namespace notify::test
