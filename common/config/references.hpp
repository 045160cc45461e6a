// Secret references in config values (${env:NAME}, ${file:PATH}) and credential key names.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "common/expected.hpp"

namespace notify::config {

struct ResolvedValue {
    std::string value;
    bool from_reference = false; // the text was a reference: the value is a secret
};

// Returns `text` unchanged when it holds no reference, or the referenced value when `text`
// is exactly `${env:NAME}` (the variable's value) or `${file:PATH}` (the file's contents with
// one trailing newline stripped; PATH may start with ~/ and is relative to `base_dir`).
// Unexpected messages never contain a secret value, e.g. "environment variable X is not
// set", "cannot read secret file /x: No such file or directory", and
// "a ${env:...} or ${file:...} reference must be the whole value" for a reference embedded
// in longer text.
Expected<ResolvedValue> resolve_references(std::string_view text, const EnvLookup& env,
                                           const std::filesystem::path& base_dir);

// True when the key (the last dotted part, case-insensitive, '-' read as '_') names a
// credential: password, token, secret, api_key, auth_token, private_key, access_token,
// signing_secret, authorization, or any key ending in _secret, _token or _password.
bool is_secret_key(std::string_view key);

} // namespace notify::config
