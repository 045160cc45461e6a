// Resolution of ${env:NAME} and ${file:PATH} secret references, and credential key names.
#include "common/config/references.hpp"

#include <array>

#include "common/config/paths.hpp"

namespace notify::config {
namespace {

constexpr std::string_view k_env_prefix = "${env:";
constexpr std::string_view k_file_prefix = "${file:";

bool is_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (char c : name) {
        const bool ok =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.ends_with(suffix);
}

} // namespace

Expected<ResolvedValue> resolve_references(std::string_view text, const EnvLookup& env,
                                           const std::filesystem::path& base_dir) {
    const bool is_env = text.starts_with(k_env_prefix);
    const bool is_file = text.starts_with(k_file_prefix);
    const bool whole =
        (is_env || is_file) && text.ends_with("}") && text.find('}') == text.size() - 1;
    if (!whole) {
        if (text.find(k_env_prefix) != std::string_view::npos ||
            text.find(k_file_prefix) != std::string_view::npos) {
            return Unexpected{"a ${env:...} or ${file:...} reference must be the whole value"};
        }
        return ResolvedValue{std::string(text), false};
    }
    if (is_env) {
        const auto name = text.substr(k_env_prefix.size(), text.size() - k_env_prefix.size() - 1);
        if (!is_env_name(name)) {
            return Unexpected{"invalid environment variable name \"" + std::string(name) +
                              "\" in reference"};
        }
        auto value = env(name);
        if (!value) {
            return Unexpected{"environment variable " + std::string(name) + " is not set"};
        }
        return ResolvedValue{std::move(*value), true};
    }
    const auto path_text =
        text.substr(k_file_prefix.size(), text.size() - k_file_prefix.size() - 1);
    auto path = resolve_path(path_text, env, base_dir);
    if (!path) {
        return Unexpected{"secret file: " + path.error()};
    }
    auto contents = read_whole_file(*path);
    if (!contents) {
        return Unexpected{"cannot read secret file " + path->string() + ": " + contents.error()};
    }
    std::string value = std::move(*contents);
    if (ends_with(value, "\n")) {
        value.pop_back();
        if (ends_with(value, "\r")) {
            value.pop_back();
        }
    }
    return ResolvedValue{std::move(value), true};
}

bool is_secret_key(std::string_view key) {
    static constexpr std::array<std::string_view, 9> k_names{
        "password",    "token",        "secret",         "api_key",       "auth_token",
        "private_key", "access_token", "signing_secret", "authorization",
    };
    static constexpr std::array<std::string_view, 3> k_suffixes{"_secret", "_token", "_password"};
    const auto dot = key.rfind('.');
    std::string name{dot == std::string_view::npos ? key : key.substr(dot + 1)};
    for (char& c : name) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        } else if (c == '-') {
            c = '_';
        }
    }
    for (auto candidate : k_names) {
        if (name == candidate) {
            return true;
        }
    }
    for (auto suffix : k_suffixes) {
        if (ends_with(name, suffix)) {
            return true;
        }
    }
    return false;
}

} // namespace notify::config
