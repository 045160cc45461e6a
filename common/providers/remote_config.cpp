// Shared config reading and text helpers of the remote providers.
#include "common/providers/remote_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/config/paths.hpp"
#include "common/error.hpp"
#include "common/providers/http_client.hpp"
#include "common/schedule/duration.hpp"

namespace notify::providers {

namespace {

constexpr Millis k_max_connect_timeout{10'000};

} // namespace

std::string where(const std::string& origin) {
    return origin == "default" ? "" : origin + ": ";
}

Millis connect_timeout_for(Millis timeout) {
    return std::min(timeout, k_max_connect_timeout);
}

std::string one_line(std::string_view text, std::size_t max_chars) {
    using Json = nlohmann::json;
    const std::string valid =
        Json::parse(Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace))
            .get<std::string>();
    std::string out;
    std::size_t chars = 0;
    for (char c : valid) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            c = ' ';
        }
        if (c == ' ' && (out.empty() || out.back() == ' ')) {
            continue;
        }
        if ((byte & 0xC0) != 0x80 && chars++ == max_chars) {
            break;
        }
        out += c;
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

std::string scrubbed(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.empty()) {
            continue;
        }
        for (auto at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + k_masked.size())) {
            text.replace(at, secret.size(), k_masked);
        }
    }
    return text;
}

std::string RemoteConfig::shown(const config::Setting& setting) {
    return setting.secret ? std::string(k_masked) : "\"" + setting.value + "\"";
}

void RemoteConfig::fail(const std::string& key, const std::string& what,
                        const std::string& hint) const {
    const config::Setting* setting = key.empty() ? nullptr : m_cfg.find(key);
    fail_at(setting != nullptr ? setting->origin : m_cfg.origin, key, what, hint);
}

void RemoteConfig::fail_at(const std::string& origin, const std::string& key,
                           const std::string& what, const std::string& hint) const {
    throw Error(Exit::config,
                where(origin) + "providers." + m_cfg.name + (key.empty() ? "" : "." + key) + ": " +
                    what,
                hint);
}

const config::Setting* RemoteConfig::scalar(const std::string& key) const {
    if (auto it = m_cfg.lists.find(key); it != m_cfg.lists.end()) {
        fail_at(it->second.empty() ? m_cfg.origin : it->second.front().origin, key,
                "expected a single value, found a list");
    }
    return m_cfg.find(key);
}

const config::Setting* RemoteConfig::value(const std::string& key) const {
    const config::Setting* setting = scalar(key);
    if (setting != nullptr && setting->value.empty()) {
        fail_at(setting->origin, key, "must not be empty");
    }
    return setting;
}

const config::Setting& RemoteConfig::required(const std::string& key) const {
    const config::Setting* setting = value(key);
    if (setting == nullptr) {
        fail("", "missing required key \"" + key + "\" for type " + m_cfg.type);
    }
    return *setting;
}

std::string RemoteConfig::url(const std::string& key, std::string_view fallback, UrlUse use,
                              const std::string& hint) const {
    const config::Setting* setting = value(key);
    if (setting == nullptr) {
        return std::string(fallback);
    }
    std::string url = setting->value;
    const auto scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::size_t host = scheme_end + 3;
    const bool has_host = scheme_end != std::string::npos && url.size() > host &&
                          url.find_first_of("/?#", host) != host;
    const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7F;
    });
    const std::string quoted =
        setting->secret ? std::string(k_masked) : "\"" + redact_url(url) + "\"";
    if ((scheme != "http" && scheme != "https") || !has_host || !clean) {
        fail_at(setting->origin, key,
                quoted + " is not an http:// or https://" +
                    (use == UrlUse::base ? std::string(" base URL") : std::string(" URL")),
                hint);
    }
    if (use == UrlUse::base) {
        if (url.find_first_of("?#") != std::string::npos) {
            fail_at(setting->origin, key, "a base URL takes no query string or fragment", hint);
        }
        while (url.size() > host && url.back() == '/') {
            url.pop_back();
        }
    }
    return url;
}

Millis RemoteConfig::timeout(const std::string& key, Millis fallback) const {
    const config::Setting* setting = value(key);
    if (setting == nullptr) {
        return fallback;
    }
    auto parsed = schedule::parse_duration(setting->value);
    if (!parsed) {
        fail_at(setting->origin, key,
                setting->secret ? shown(*setting) + " is not a duration" : parsed.error(),
                "e.g. " + key + ": 10s");
    }
    if (parsed->count() <= 0) {
        fail_at(setting->origin, key, "must be more than 0");
    }
    return *parsed;
}

std::filesystem::path RemoteConfig::path(const config::Setting& setting,
                                         const std::string& key) const {
    std::filesystem::path base = std::filesystem::current_path();
    if (auto colon = setting.origin.rfind(':'); colon != std::string::npos) {
        const std::filesystem::path file(setting.origin.substr(0, colon));
        if (!file.empty()) {
            base = std::filesystem::absolute(file).parent_path();
        }
    }
    auto path = config::resolve_path(setting.value, config::process_env(), base);
    if (!path) {
        fail_at(setting.origin, key,
                setting.secret ? shown(setting) + " is not a usable path" : path.error());
    }
    return *path;
}

std::string RemoteConfig::ca_file() const {
    const config::Setting* setting = value("ca_file");
    if (setting == nullptr) {
        return {};
    }
    const std::string file = path(*setting, "ca_file").string();
    std::string why;
    std::error_code ec;
    if (::access(file.c_str(), R_OK) != 0) {
        why = std::strerror(errno);
    } else if (!std::filesystem::is_regular_file(file, ec)) {
        why = "not a regular file";
    }
    if (!why.empty()) {
        fail_at(setting->origin, "ca_file",
                "cannot read " + (setting->secret ? std::string(k_masked) : file) + ": " + why,
                "ca_file names a PEM bundle of the CAs that may sign the service's certificate");
    }
    return file;
}

std::string RemoteConfig::file_text(const std::string& key) const {
    const config::Setting& setting = required(key);
    const std::string& value = setting.value;
    const auto first = value.find_first_not_of(" \t\r\n");
    if (first != std::string::npos &&
        (value.compare(first, 10, "-----BEGIN") == 0 || value[first] == '{')) {
        return value;
    }
    const auto file = path(setting, key);
    auto contents = config::read_whole_file(file);
    if (!contents) {
        fail_at(setting.origin, key,
                "cannot read " + (setting.secret ? std::string(k_masked) : file.string()) + ": " +
                    contents.error());
    }
    return std::move(contents).value();
}

} // namespace notify::providers
