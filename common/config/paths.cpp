// Locations from the environment (XDG, HOME), path expansion, and whole-file reads.
#include "common/config/paths.hpp"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace notify::config {

std::optional<std::string> non_empty_env(const EnvLookup& env, std::string_view name) {
    auto value = env(name);
    if (!value || value->empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::filesystem::path> xdg_home(const EnvLookup& env, std::string_view variable,
                                              std::string_view home_fallback) {
    if (auto xdg = non_empty_env(env, variable)) {
        std::filesystem::path dir{*xdg};
        if (dir.is_absolute()) {
            return dir.lexically_normal();
        }
    }
    if (auto home = non_empty_env(env, "HOME")) {
        return (std::filesystem::path{*home} / home_fallback).lexically_normal();
    }
    return std::nullopt;
}

std::optional<std::filesystem::path> default_data_dir(const EnvLookup& env) {
    auto base = xdg_home(env, "XDG_DATA_HOME", ".local/share");
    if (!base) {
        return std::nullopt;
    }
    return *base / "notify";
}

std::optional<std::filesystem::path> default_config_dir(const EnvLookup& env) {
    auto base = xdg_home(env, "XDG_CONFIG_HOME", ".config");
    if (!base) {
        return std::nullopt;
    }
    return *base / "notify";
}

Expected<std::filesystem::path> resolve_path(std::string_view text, const EnvLookup& env,
                                             const std::filesystem::path& base_dir) {
    if (text.empty()) {
        return Unexpected{"empty path"};
    }
    std::filesystem::path path;
    if (text == "~" || text.starts_with("~/")) {
        auto home = non_empty_env(env, "HOME");
        if (!home) {
            return Unexpected{"cannot expand \"" + std::string(text) + "\": HOME is not set"};
        }
        path = std::filesystem::path{*home};
        if (text.size() > 2) {
            path /= text.substr(2);
        }
    } else if (text.starts_with("~")) {
        return Unexpected{"\"" + std::string(text) +
                          "\": ~user paths are not supported (use ~/ or an absolute path)"};
    } else {
        path = std::filesystem::path{text};
    }
    if (path.is_relative()) {
        path = base_dir / path;
    }
    return path.lexically_normal();
}

Expected<std::string> read_whole_file(const std::filesystem::path& path, bool* missing) {
    if (missing != nullptr) {
        *missing = false;
    }
    auto failure = [&](int error) {
        if (missing != nullptr) {
            *missing = error == ENOENT || error == ENOTDIR;
        }
        return Unexpected{std::generic_category().message(error)};
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return failure(errno);
    }
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            return failure(error);
        }
        if (n == 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

} // namespace notify::config
