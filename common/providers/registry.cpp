// The provider type table. Add a provider by adding one row here (no static registration:
// the linker drops unreferenced objects from static libraries).
#include "common/providers/registry.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "common/error.hpp"
#include "common/policy/rate_limit.hpp"
#include "common/providers/exec_provider.hpp"
#include "common/providers/file_provider.hpp"
#include "common/providers/log_provider.hpp"
#include "common/text/spelling.hpp"

namespace notify::providers {

namespace {

using Factory =
    std::function<std::unique_ptr<Provider>(const config::ProviderConfig&, const config::Config&)>;

struct KeySpec {
    std::string_view name;
    bool required;
};

struct ProviderType {
    std::string_view type;
    std::vector<KeySpec> keys;
    Factory factory; // empty: planned, not in this build
};

const std::vector<ProviderType>& types() {
    static const std::vector<ProviderType> k_types = {
        {"file",
         {{"path", false}},
         [](const config::ProviderConfig& p, const config::Config& c) {
             return make_file_provider(p, c);
         }},
        {"log",
         {{"level", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_log_provider(p);
         }},
        // Remote providers are planned; config naming them fails with a clear line.
        {"smtp", {}, {}},
        {"sendgrid", {}, {}},
        {"twilio", {}, {}},
        {"vonage", {}, {}},
        {"apns", {}, {}},
        {"fcm", {}, {}},
        {"webpush", {}, {}},
        {"webhook", {}, {}},
        {"slack", {}, {}},
        {"exec",
         {{"command", true}, {"timeout", false}, {"max_output", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_exec_provider(p);
         }},
    };
    return k_types;
}

const ProviderType* find_type(std::string_view type) {
    for (const auto& t : types()) {
        if (t.type == type) {
            return &t;
        }
    }
    return nullptr;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

std::string where(const std::string& origin) {
    return origin == "default" ? "" : origin + ": ";
}

} // namespace

std::vector<std::string> available_types() {
    std::vector<std::string> out;
    for (const auto& t : types()) {
        if (t.factory) {
            out.emplace_back(t.type);
        }
    }
    return out;
}

void validate(const config::Config& config) {
    for (const auto& [name, provider] : config.providers) {
        const ProviderType* type = find_type(provider.type);
        std::string prefix = where(provider.origin) + "providers." + name;
        if (type == nullptr) {
            std::vector<std::string> all;
            for (const auto& t : types()) {
                all.emplace_back(t.type);
            }
            auto guess = text::closest_match(provider.type, all);
            throw Error(Exit::config,
                        prefix + ": unknown provider type \"" + provider.type + "\"" +
                            (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                        "known types: " + joined(all));
        }
        if (!type->factory) {
            throw Error(Exit::config,
                        prefix + ": provider type \"" + provider.type +
                            "\" is not available in this build",
                        "available types: " + joined(available_types()));
        }
        std::vector<std::string> known;
        for (const auto& k : type->keys) {
            known.emplace_back(k.name);
        }
        known.emplace_back("rate_limit"); // every type: at most N sends per duration
        if (const auto* rate = provider.find("rate_limit")) {
            auto parsed = policy::parse_rate(rate->value);
            if (!parsed) {
                throw Error(Exit::config, where(rate->origin) + "providers." + name +
                                              ".rate_limit: " + parsed.error());
            }
        }
        auto check_key = [&](const std::string& key, const std::string& origin) {
            if (std::find(known.begin(), known.end(), key) != known.end()) {
                return;
            }
            auto guess = text::closest_match(key, known);
            throw Error(Exit::config,
                        where(origin) + "providers." + name + ": unknown key \"" + key +
                            "\" for type " + provider.type +
                            (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                        known.empty() ? "type " + provider.type + " takes no options"
                                      : "keys of type " + provider.type + ": " + joined(known));
        };
        for (const auto& [key, setting] : provider.options) {
            check_key(key, setting.origin);
        }
        for (const auto& [key, items] : provider.lists) {
            check_key(key, items.empty() ? provider.origin : items.front().origin);
        }
        for (const auto& k : type->keys) {
            if (k.required && provider.find(k.name) == nullptr &&
                provider.lists.find(std::string(k.name)) == provider.lists.end()) {
                throw Error(Exit::config, prefix + ": missing required key \"" +
                                              std::string(k.name) + "\" for type " + provider.type);
            }
        }
        if (provider.type == "exec") {
            check_exec_config(provider);
        }
        if (provider.type == "log") {
            if (const auto* level = provider.find("level")) {
                if (level->value != "info" && level->value != "warn" && level->value != "error") {
                    std::string shown = level->secret ? "********" : "\"" + level->value + "\"";
                    throw Error(Exit::config, where(level->origin) + "providers." + name +
                                                  ".level: " + shown +
                                                  " is not one of info, warn, error");
                }
            }
        }
    }
}

std::unique_ptr<Provider> create(const config::Config& config, const std::string& name) {
    auto it = config.providers.find(name);
    if (it == config.providers.end()) {
        throw Error(Exit::config, "no provider named \"" + name + "\" is configured");
    }
    const ProviderType* type = find_type(it->second.type);
    if (type == nullptr || !type->factory) {
        throw Error(Exit::config, "providers." + name + ": provider type \"" + it->second.type +
                                      "\" is not available in this build");
    }
    return type->factory(it->second, config);
}

} // namespace notify::providers
