// Secret hygiene of a config file, for `notify doctor`: every ${env:}/${file:} reference,
// whether it resolves, and which secrets are written into the file itself.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.hpp"

namespace notify::config {

// One ${env:NAME} or ${file:PATH} reference found in the file.
struct ReferenceCheck {
    std::string key;       // dotted place, e.g. "providers.mail.password" or "alerts.command[1]"
    int line = 0;          // 1-based line in the file
    std::string reference; // the reference text as written (never the value)
    std::optional<std::string> error; // why it does not resolve; nullopt: it resolves
    // For ${file:PATH}: the resolved path, and whether group or others may read it.
    std::string file;
    bool readable_by_others = false;
};

struct SecretAudit {
    std::vector<ReferenceCheck> references; // in file order
    // Dotted keys whose value is a secret written in the file (a credential key name, see
    // is_secret_key(), with a non-empty value that is not a reference).
    std::vector<std::string> literal_secrets;
};

// Walks `yaml` (the text of `file`) and checks every reference with `env`, relative paths
// against the file's directory. Never throws: YAML that does not parse yields an empty audit
// (load() reports that error).
SecretAudit audit_secrets(std::string_view yaml, const std::filesystem::path& file,
                          const EnvLookup& env);

} // namespace notify::config
