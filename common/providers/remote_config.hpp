// The config keys every remote provider shares (url, timeout, ca_file, key files), read one
// way with one error format, and the text helpers their error details share.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

inline constexpr std::string_view k_masked = "********";
inline constexpr Millis k_default_remote_timeout{30'000};

// How a URL key is used: a base URL gets no query string and loses trailing slashes; an
// endpoint is used as given.
enum class UrlUse { base, endpoint };

// Reads the options of one remote provider block. Every failure throws
// notify::Error{Exit::config} as "<file>:<line>: providers.<name>.<key>: <what>" (the origin
// of the key when it is set, else of the block) and never quotes a secret value.
class RemoteConfig {
  public:
    explicit RemoteConfig(const config::ProviderConfig& cfg) : m_cfg(cfg) {}

    const config::ProviderConfig& cfg() const { return m_cfg; }

    // Throws for `key` (empty: the block itself).
    [[noreturn]] void fail(const std::string& key, const std::string& what,
                           const std::string& hint = {}) const;
    // Throws for `key` at `origin`.
    [[noreturn]] void fail_at(const std::string& origin, const std::string& key,
                              const std::string& what, const std::string& hint = {}) const;

    // The scalar option `key` or nullptr; a list under `key` is an error.
    const config::Setting* scalar(const std::string& key) const;
    // As scalar(), and an empty value is an error.
    const config::Setting* value(const std::string& key) const;
    // As value(), and a missing key is an error ("missing required key ... for type ...").
    const config::Setting& required(const std::string& key) const;

    // The http:// or https:// URL under `key` (a host, no white space or control characters;
    // for UrlUse::base no query string or fragment and no trailing "/"), or `fallback` when
    // unset. A secret value is not quoted in the error.
    std::string url(const std::string& key, std::string_view fallback, UrlUse use,
                    const std::string& hint = {}) const;

    // `key` as a positive duration, or `fallback` when unset.
    Millis timeout(const std::string& key = "timeout",
                   Millis fallback = k_default_remote_timeout) const;

    // The readable file named by ca_file, resolved by path(); empty when unset.
    std::string ca_file() const;

    // The path `setting` names: "~/" expanded, and a relative path taken from the directory
    // of the config file the setting came from (the working directory when it came from
    // none), as the config loader resolves store.path.
    std::filesystem::path path(const config::Setting& setting, const std::string& key) const;

    // The text of a key file: the value itself when it is PEM or JSON text (from a
    // ${file:..}/${env:..} reference), else the contents of the file it names (path()).
    std::string file_text(const std::string& key) const;

    // The value as an error message may show it: quoted, or ******** when secret.
    static std::string shown(const config::Setting& setting);

  private:
    const config::ProviderConfig& m_cfg;
};

// "<origin>: ", or nothing for built-in defaults.
std::string where(const std::string& origin);

// The connect timeout for a request with `timeout`: at most 10 s.
Millis connect_timeout_for(Millis timeout);

// Valid UTF-8 on one line (control characters become spaces, runs of spaces collapse, ends
// trimmed), at most `max_chars` code points.
std::string one_line(std::string_view text, std::size_t max_chars = 300);

// Replaces every occurrence of each non-empty secret in `text` with ********.
std::string scrubbed(std::string text, const std::vector<std::string>& secrets);

} // namespace notify::providers
