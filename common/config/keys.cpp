// The table of known configuration keys with their defaults and documentation.
#include "common/config/keys.hpp"

namespace notify::config {

const std::vector<KeyInfo>& known_keys() {
    static const std::vector<KeyInfo> k_keys{
        {"", "store", "", "where notifications are kept"},
        {"", "templates", "", "where user templates are found"},
        {"", "daemon", "", "settings of notifyd"},
        {"", "providers", "", "named provider instances: name -> {type: ..., ...}"},
        {"", "channels", "", "channel -> providers in failover order"},
        {"", "delivery", "", "retry, give-up, concurrency and breaker policy"},
        {"", "alerts", "", "where alerts go (dead notifications, open breakers, queue thresholds)"},
        {"", "categories", "", "notification categories: name -> {critical, quiet_hours, digest}"},
        {"", "audience", "", "how recipients are checked at the door"},
        {"", "tracking", "", "signed click and open tracking links served by notifyd"},
        {"store", "path", "", "SQLite file; default $XDG_DATA_HOME/notify/notify.db"},
        {"store", "durability", "full",
         "full: sync every commit; normal: faster, a power loss may drop the last commits"},
        {"store", "busy_timeout", "5s", "how long to wait for a locked store before giving up"},
        {"store", "url", "", "postgresql:// URL of a store shared by several notifyd (scale-out)"},
        {"store", "instance_timeout", "30s",
         "PostgreSQL: a notifyd silent this long has its sends rescued by the others"},
        {"templates", "dir", "", "user templates; default $XDG_CONFIG_HOME/notify/templates"},
        {"daemon", "listen", "",
         "host:port of the HTTP endpoint (/healthz, /metrics, callbacks, tracking); empty = "
         "off"},
        {"daemon", "token", "",
         "bearer token /healthz and /metrics require (by reference); empty = none"},
        {"daemon", "poll_interval", "5s", "how often notifyd re-checks the store for due rows"},
        {"daemon", "batch", "64", "rows claimed per dispatch pass, 1..10000"},
        {"daemon", "lease", "5m", "how long a claimed notification stays leased to a dispatcher"},
        {"daemon", "shutdown_grace", "10s",
         "on SIGTERM, how long in-flight sends may finish before they are released"},
        {"delivery", "retry_base", "30s", "delay before the first retry; doubles each attempt"},
        {"delivery", "retry_cap", "1h", "longest delay between attempts"},
        {"delivery", "jitter_percent", "20", "random +- spread of each delay, 0..100"},
        {"delivery", "max_attempts", "12", "attempts before a notification is dead"},
        {"delivery", "max_age", "24h", "age (since created) after which a failure is dead"},
        {"delivery", "concurrency", "4", "sends in flight at once per channel lane, 1..256"},
        {"delivery", "breaker_failures", "5",
         "consecutive transient failures that pause a provider"},
        {"delivery", "breaker_base", "30s", "first pause of a provider; doubles while it fails"},
        {"delivery", "breaker_cap", "1h", "longest pause of a provider"},
        {"delivery", "user_limit", "",
         "at most N per DURATION to one user on a channel, e.g. 10/1h; empty = no limit"},
        {"delivery", "user_limit_action", "delay",
         "over user_limit: delay (send later) or drop (suppressed)"},
        {"delivery", "attachment_max_bytes", "10485760",
         "most bytes of files (send --attach) one e-mail may carry, in total; 0 refuses "
         "attachments"},
        {"delivery", "channels", "", "per-channel overrides of the keys above"},
        {"alerts", "command", "", "program and arguments run with the alert as JSON on stdin"},
        {"alerts", "channel", "", "channel of the alert notification sent to `to`"},
        {"alerts", "to", "", "operator address for alert notifications"},
        {"alerts", "min_interval", "5m", "at most one alert per kind in this interval"},
        {"alerts", "backlog", "",
         "alert while more notifications than this are due and unclaimed; empty = off"},
        {"alerts", "oldest_due", "",
         "alert while a due notification has waited longer than this, e.g. 10m; empty = off"},
        {"categories", "critical", "false",
         "true: users cannot opt out and quiet hours do not apply (e.g. security)"},
        {"categories", "quiet_hours", "delay",
         "inside a user's quiet hours: delay (to their end), drop (suppressed) or ignore"},
        {"categories", "digest", "",
         "merge a user's notifications of a slot into one: {window | cron, tz, channels, "
         "template}"},
        {"categories.digest", "window", "", "slots end at multiples of this since the epoch"},
        {"categories.digest", "cron", "", "slots end at the fire times of this expression"},
        {"categories.digest", "tz", "UTC", "time zone of cron"},
        {"categories.digest", "channels", "", "channels digested; default every channel"},
        {"categories.digest", "template", "digest",
         "template of the digest (data: name, period, count, items)"},
        {"audience", "default_region", "",
         "region (ISO 3166, e.g. US) of sms numbers given in national form; empty = "
         "international (+...) numbers only"},
        {"tracking", "base_url", "",
         "public URL of notifyd's endpoint, e.g. https://notify.example.com; empty = off"},
        {"tracking", "secret", "", "HMAC key signing tracking links (by reference, >= 16 bytes)"},
        {"tracking", "allowed_hosts", "",
         "hosts a tracked link may lead to (\"*.example.com\" for subdomains)"},
        {"tracking", "opens", "true", "embed an open pixel in HTML e-mail"},
    };
    return k_keys;
}

std::vector<std::string> key_names(std::string_view section) {
    std::vector<std::string> names;
    for (const auto& key : known_keys()) {
        if (key.section == section) {
            names.emplace_back(key.name);
        }
    }
    return names;
}

const KeyInfo* find_key(std::string_view section, std::string_view name) {
    for (const auto& key : known_keys()) {
        if (key.section == section && key.name == name) {
            return &key;
        }
    }
    return nullptr;
}

} // namespace notify::config
