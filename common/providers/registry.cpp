// The provider type table. Add a provider by adding one row here (no static registration:
// the linker drops unreferenced objects from static libraries).
#include "common/providers/registry.hpp"

#include <algorithm>
#include <array>
#include <functional>

#include "common/error.hpp"
#include "common/policy/rate_limit.hpp"
#include "common/providers/apns_provider.hpp"
#include "common/providers/exec_provider.hpp"
#include "common/providers/fcm_provider.hpp"
#include "common/providers/file_provider.hpp"
#include "common/providers/log_provider.hpp"
#include "common/providers/remote_config.hpp"
#include "common/providers/sendgrid_provider.hpp"
#include "common/providers/slack_provider.hpp"
#include "common/providers/smtp_provider.hpp"
#include "common/providers/twilio_provider.hpp"
#include "common/providers/vonage_provider.hpp"
#include "common/providers/webhook_provider.hpp"
#include "common/providers/webpush_provider.hpp"
#include "common/schedule/duration.hpp"
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
        {"smtp",
         {{"url", true},
          {"from", true},
          {"starttls", false},
          {"username", false},
          {"password", false},
          {"ca_file", false},
          {"timeout", false},
          {"reply_to", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_smtp_provider(p);
         }},
        {"sendgrid",
         {{"api_key", true},
          {"from", true},
          {"url", false},
          {"reply_to", false},
          {"ca_file", false},
          {"timeout", false},
          {"event_webhook_key", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_sendgrid_provider(p);
         }},
        {"twilio",
         {{"account_sid", true},
          {"auth_token", false},
          {"api_key_sid", false},
          {"api_key_secret", false},
          {"from", false},
          {"messaging_service_sid", false},
          {"url", false},
          {"status_callback", false},
          {"timeout", false},
          {"ca_file", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_twilio_provider(p);
         }},
        {"vonage",
         {{"api_key", true},
          {"api_secret", true},
          {"from", true},
          {"url", false},
          {"status_callback", false},
          {"timeout", false},
          {"ca_file", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_vonage_provider(p);
         }},
        {"apns",
         {{"team_id", true},
          {"key_id", true},
          {"key_file", true},
          {"topic", true},
          {"environment", false},
          {"url", false},
          {"push_type", false},
          {"timeout", false},
          {"ca_file", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_apns_provider(p);
         }},
        {"fcm",
         {{"service_account_file", true},
          {"project_id", false},
          {"url", false},
          {"token_url", false},
          {"timeout", false},
          {"ca_file", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_fcm_provider(p);
         }},
        {"webpush",
         {{"vapid_private_key_file", true},
          {"vapid_subject", true},
          {"ttl", false},
          {"urgency", false},
          {"timeout", false},
          {"ca_file", false},
          {"allow_http", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_webpush_provider(p);
         }},
        {"webhook",
         {{"url", false},
          {"headers", false},
          {"headers.*", false}, // headers: {Name: value} arrives as "headers.Name"
          {"secret", false},
          {"timeout", false},
          {"ca_file", false},
          {"method", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_webhook_provider(p);
         }},
        {"slack",
         {{"url", false}, {"timeout", false}, {"ca_file", false}},
         [](const config::ProviderConfig& p, const config::Config&) {
             return make_slack_provider(p);
         }},
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

std::vector<std::string> lease_shortfalls(const config::Config& config) {
    // What a send through one provider may take: its timeout, or its type's default one.
    auto longest_send = [&](const std::string& name) -> Millis {
        auto it = config.providers.find(name);
        if (it == config.providers.end() || it->second.type == "file" || it->second.type == "log") {
            return Millis{0};
        }
        if (const auto* timeout = it->second.find("timeout")) {
            if (auto parsed = schedule::parse_duration(timeout->value)) {
                return *parsed;
            }
        }
        return k_default_remote_timeout; // exec's default is the same 30 s
    };
    std::vector<std::string> out;
    for (const auto& route : config.channels) {
        Millis total{0};
        std::string parts;
        for (const auto& name : route.providers) {
            const Millis t = longest_send(name);
            total += t;
            parts += (parts.empty() ? "" : " + ") + name + " " + schedule::format_duration(t);
        }
        if (total >= config.lease) {
            out.push_back("channel " + route.channel + ": a send may take up to " +
                          schedule::format_duration(total) + " (" + parts +
                          "), not less than daemon.lease (" +
                          schedule::format_duration(config.lease) +
                          "): one still running when its lease runs out is sent again; raise "
                          "daemon.lease or lower the timeouts");
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
        // Structured bindings are captured through references: clang 14 (the fuzz build)
        // cannot capture them.
        const std::string& provider_name = name;
        const config::ProviderConfig& provider_config = provider;
        auto check_key = [&](const std::string& key, const std::string& origin) {
            if (std::find(known.begin(), known.end(), key) != known.end()) {
                return;
            }
            // A map key: "outer.inner" is known when "outer.*" is.
            if (auto dot = key.find('.');
                dot != std::string::npos &&
                std::find(known.begin(), known.end(), key.substr(0, dot) + ".*") != known.end()) {
                return;
            }
            auto guess = text::closest_match(key, known);
            throw Error(Exit::config,
                        where(origin) + "providers." + provider_name + ": unknown key \"" + key +
                            "\" for type " + provider_config.type +
                            (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                        known.empty()
                            ? "type " + provider_config.type + " takes no options"
                            : "keys of type " + provider_config.type + ": " + joined(known));
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
        if (provider.type == "webpush") {
            check_webpush_config(provider);
        }
        if (provider.type == "smtp") {
            check_smtp_config(provider);
        }
        if (provider.type == "sendgrid") {
            check_sendgrid_config(provider);
        }
        if (provider.type == "apns") {
            check_apns_config(provider);
        }
        if (provider.type == "fcm") {
            check_fcm_config(provider);
        }
        if (provider.type == "twilio") {
            check_twilio_config(provider);
        }
        if (provider.type == "vonage") {
            check_vonage_config(provider);
        }
        if (provider.type == "webhook") {
            check_webhook_config(provider);
        }
        if (provider.type == "slack") {
            check_slack_config(provider);
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
