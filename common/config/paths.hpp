// Locations from the environment (XDG, HOME), path expansion, and whole-file reads.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "common/expected.hpp"

namespace notify::config {

// Returns the variable's value, or nullopt when it is unset or empty.
std::optional<std::string> non_empty_env(const EnvLookup& env, std::string_view name);

// Returns $<variable> when it is set, non-empty and absolute (the XDG rule), else
// $HOME/<home_fallback> when HOME is set and non-empty, else nullopt.
std::optional<std::filesystem::path> xdg_home(const EnvLookup& env, std::string_view variable,
                                              std::string_view home_fallback);

// Returns $XDG_DATA_HOME/notify or ~/.local/share/notify, or nullopt without either.
std::optional<std::filesystem::path> default_data_dir(const EnvLookup& env);

// Returns $XDG_CONFIG_HOME/notify or ~/.config/notify, or nullopt without either.
std::optional<std::filesystem::path> default_config_dir(const EnvLookup& env);

// Expands a leading "~/" (or a lone "~") with $HOME and makes a relative path absolute
// against `base_dir`; the result is lexically normal. Touches no file.
// Unexpected messages: `cannot expand "~/x": HOME is not set`,
// `"~bob/x": ~user paths are not supported (use ~/ or an absolute path)`, `empty path`.
Expected<std::filesystem::path> resolve_path(std::string_view text, const EnvLookup& env,
                                             const std::filesystem::path& base_dir);

// Reads the whole file. Unexpected message: the system's reason, e.g. "No such file or
// directory"; `missing` is set when the reason is that the file (or a parent) does not exist.
Expected<std::string> read_whole_file(const std::filesystem::path& path, bool* missing = nullptr);

} // namespace notify::config
