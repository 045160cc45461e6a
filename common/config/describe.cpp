// The effective settings of a Config as key/value/origin lines for `notify config show`.
#include "common/config/config.hpp"
#include "common/schedule/duration.hpp"
#include "common/text/store_url.hpp"

namespace notify::config {
namespace {

constexpr std::string_view k_masked = "********";

std::string value_of(const Setting& setting) {
    return setting.secret ? std::string(k_masked) : setting.value;
}

std::string list_of(const std::vector<Setting>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += value_of(items[i]);
    }
    return out + "]";
}

} // namespace

std::vector<ShownSetting> describe(const Config& config) {
    std::vector<ShownSetting> out;
    const auto add = [&](std::string key, const Setting& setting) {
        out.push_back(ShownSetting{std::move(key), value_of(setting), setting.origin});
    };
    if (config.uses_postgres()) {
        // The URL without its password (a password given by reference masks it whole).
        Setting shown = config.store_url;
        if (!shown.secret) {
            shown.value = text::mask_url_password(shown.value);
        }
        add("store.url", shown);
        add("store.instance_timeout", config.store_instance_timeout);
    } else {
        add("store.path", config.store_path);
    }
    add("store.durability", config.store_durability);
    add("store.busy_timeout", config.store_busy_timeout);
    add("templates.dir", config.templates_dir);
    add("daemon.listen", config.daemon_listen);
    add("daemon.token", config.daemon_token);
    add("daemon.poll_interval", config.daemon_poll_interval);
    add("daemon.batch", config.daemon_batch);
    for (const auto& [key, setting] : config.policy_settings) {
        if (key.rfind("daemon.", 0) == 0) {
            add(key, setting);
        }
    }

    for (const auto& [name, provider] : config.providers) {
        const std::string prefix = "providers." + name + ".";
        out.push_back(ShownSetting{prefix + "type", provider.type, provider.origin});
        // Scalars and lists interleaved in key order.
        auto option = provider.options.begin();
        auto list = provider.lists.begin();
        while (option != provider.options.end() || list != provider.lists.end()) {
            const bool take_option =
                list == provider.lists.end() ||
                (option != provider.options.end() && option->first < list->first);
            if (take_option) {
                // A Slack incoming-webhook URL is itself the credential, even when written
                // inline rather than by reference.
                const bool webhook_secret = provider.type == "slack" && option->first == "url";
                if (webhook_secret) {
                    out.push_back(ShownSetting{prefix + option->first, std::string(k_masked),
                                               option->second.origin});
                } else {
                    add(prefix + option->first, option->second);
                }
                ++option;
            } else {
                const std::string& origin =
                    list->second.empty() ? provider.origin : list->second.front().origin;
                out.push_back(ShownSetting{prefix + list->first, list_of(list->second), origin});
                ++list;
            }
        }
    }

    for (const auto& route : config.channels) {
        std::string value = "[";
        for (std::size_t i = 0; i < route.providers.size(); ++i) {
            value += (i > 0 ? ", " : "") + route.providers[i];
        }
        out.push_back(ShownSetting{"channels." + route.channel, value + "]", route.origin});
    }
    for (const auto& [key, setting] : config.policy_settings) {
        if (key.rfind("daemon.", 0) != 0) {
            add(key, setting);
        }
    }
    for (const auto& [name, category] : config.categories) {
        const std::string prefix = "categories." + name + ".";
        out.push_back(ShownSetting{prefix + "critical", category.critical ? "true" : "false",
                                   category.origin});
        out.push_back(ShownSetting{prefix + "quiet_hours", category.quiet_hours, category.origin});
        if (const auto& d = category.digest) {
            std::string channels = "[";
            for (std::size_t i = 0; i < d->channels.size(); ++i) {
                channels += (i > 0 ? ", " : "") + d->channels[i];
            }
            channels += "]";
            if (d->window) {
                out.push_back(ShownSetting{prefix + "digest.window",
                                           schedule::format_duration(*d->window), d->origin});
            } else {
                out.push_back(ShownSetting{prefix + "digest.cron", d->cron, d->origin});
                out.push_back(ShownSetting{prefix + "digest.tz", d->tz, d->origin});
            }
            out.push_back(ShownSetting{prefix + "digest.channels",
                                       d->channels.empty() ? "[all]" : channels, d->origin});
            out.push_back(ShownSetting{prefix + "digest.template", d->template_name, d->origin});
        }
    }
    add("audience.default_region", config.audience_default_region);
    const TrackingConfig& t = config.tracking;
    const std::string t_origin = t.origin.empty() ? "default" : t.origin;
    out.push_back(ShownSetting{"tracking.base_url", t.base_url, t_origin});
    out.push_back(
        ShownSetting{"tracking.secret", t.secret.empty() ? "" : std::string(k_masked), t_origin});
    std::string hosts = "[";
    for (std::size_t i = 0; i < t.allowed_hosts.size(); ++i) {
        hosts += (i > 0 ? ", " : "") + t.allowed_hosts[i];
    }
    out.push_back(ShownSetting{"tracking.allowed_hosts", hosts + "]", t_origin});
    out.push_back(ShownSetting{"tracking.opens", t.opens ? "true" : "false", t_origin});
    return out;
}

} // namespace notify::config
