// The resolved configuration of notify and notifyd: where each value came from, and the
// search rules of CONTRACT.md (flag, environment, XDG paths, /etc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/audience/preferences.hpp"
#include "common/policy/rate_limit.hpp"
#include "common/schedule/clock.hpp"

namespace notify::config {

// Looks up an environment variable; nullopt when unset. Injected so tests need no setenv.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The real process environment.
EnvLookup process_env();

// One configured value and its provenance.
struct Setting {
    std::string value;   // resolved (references already replaced)
    std::string origin;  // "default", "<file>:<line>", "env NOTIFY_DB", "--db"
    bool secret = false; // came from ${env:..}/${file:..} or names a credential: print as ********
};

// A named provider instance from `providers:`.
struct ProviderConfig {
    std::string name;
    std::string type;                       // smtp, webhook, exec, file, log, ...
    std::string origin;                     // where the block starts ("default" for built-ins)
    std::map<std::string, Setting> options; // every key of the block except `type`
    // Lists (e.g. exec's `command: [a, b]`) keep their items here, by key.
    std::map<std::string, std::vector<Setting>> lists;

    // Returns the option or nullptr.
    const Setting* find(std::string_view key) const;
};

// A channel and its providers in failover order, from `channels:`.
struct ChannelRoute {
    std::string channel;
    std::vector<std::string> providers;
    std::string origin;
};

enum class Durability { full, normal };

// Retry, give-up, lane concurrency and circuit-breaker policy (section `delivery`, and
// `delivery.channels.<channel>` overrides).
struct DeliveryPolicy {
    Millis retry_base{30'000};
    Millis retry_cap{3'600'000};
    int jitter_percent = 20;
    int max_attempts = 12;
    Millis max_age{24LL * 3'600'000};
    int concurrency = 4;
    int breaker_failures = 5;
    Millis breaker_base{30'000};
    Millis breaker_cap{3'600'000};
    std::optional<policy::RateLimit> user_limit;          // per (user, channel); nullopt: none
    bool user_limit_drops = false;                        // over the limit: suppressed, not delayed
    std::int64_t attachment_max_bytes = 10 * 1024 * 1024; // total per notification; 0: none
};

// Where alerts go (section `alerts`). Both routes may be set; neither means log only.
struct AlertRoute {
    std::vector<std::string> command; // run with the alert JSON on stdin
    std::string channel;              // with `to`: enqueue an alert notification
    std::string to;
    Millis min_interval{300'000};
    // Raise "backlog" while more rows than this are due and unclaimed; nullopt: off.
    std::optional<std::int64_t> backlog;
    // Raise "oldest_due" while a due row has waited longer than this; nullopt: off.
    std::optional<Millis> oldest_due;
};

// A category's digest (`categories.<name>.digest`): what a user would get in the category on
// one of `channels` inside a slot is merged into one message rendered with `template_name`.
// Exactly one of `window` (slots end at multiples of it since the Unix epoch) and `cron`
// (slots end at its fire times in `tz`) is set.
struct DigestConfig {
    std::optional<Millis> window;
    std::string cron;                  // validated cron expression text; empty with window
    std::string tz = "UTC";            // IANA zone of cron
    std::vector<std::string> channels; // empty: every channel
    std::string template_name = "digest";
    std::string origin;

    // True when `channel` is digested.
    bool covers(std::string_view channel) const;
};

// A notification category (section `categories`): what preferences and quiet hours do to it.
struct CategoryConfig {
    std::string name;
    bool critical = false;
    std::string quiet_hours = "delay"; // delay | drop | ignore
    std::string origin;
    std::optional<DigestConfig> digest;
};

// Click and open tracking (section `tracking`): links in messages lead through notifyd's
// endpoint at base_url, signed with secret; off unless both are set.
struct TrackingConfig {
    std::string base_url; // without a trailing slash
    std::string secret;
    std::vector<std::string> allowed_hosts; // "example.com", "*.example.com"
    bool opens = true;
    std::string origin;

    bool enabled() const { return !base_url.empty() && !secret.empty(); }
};

// True for a category name: 1 to 64 of letters, digits, '-' and '_'.
bool valid_category_name(std::string_view name);

struct Config {
    std::string source_file; // the config file read, or empty when none exists

    Setting store_path;             // absolute path of the SQLite store ("" with store_url)
    Setting store_url;              // postgresql:// URL of a shared store; "" = SQLite
    Setting store_instance_timeout; // duration text: a silent dispatcher's leases are rescued
    Millis instance_timeout{30'000};
    Setting store_durability;   // "full" | "normal"
    Setting store_busy_timeout; // duration text, e.g. "5s"
    Durability durability = Durability::full;
    Millis busy_timeout{5000};

    Setting templates_dir; // user templates directory

    Setting daemon_listen;        // "" = off
    Setting daemon_token;         // bearer token of /healthz and /metrics; "" = none
    Setting daemon_poll_interval; // safety re-check of the store, duration text
    Millis poll_interval{5000};
    Setting daemon_batch; // rows claimed per dispatch pass
    int batch = 64;
    Millis lease{300'000};
    Millis shutdown_grace{10'000};

    DeliveryPolicy delivery;                                // defaults for every channel
    std::map<std::string, DeliveryPolicy> channel_delivery; // complete per-channel policies
    AlertRoute alerts;
    TrackingConfig tracking;
    // ISO 3166 region for sms numbers in national form; "" = international numbers only.
    // Always "" or a region audience::known_region() accepts.
    Setting audience_default_region;
    // daemon.lease/shutdown_grace, delivery.* and alerts.* as shown by describe(), in order.
    std::vector<std::pair<std::string, Setting>> policy_settings;

    // True when the store is PostgreSQL (store.url, or a URL given to --db / NOTIFY_DB).
    bool uses_postgres() const { return !store_url.value.empty(); }

    // The policy of `channel`: its override, else `delivery`.
    const DeliveryPolicy& delivery_for(std::string_view channel) const;

    std::string data_dir; // $XDG_DATA_HOME/notify or ~/.local/share/notify

    // The channel each kind of user address fans out to (email, phone, ios, android, web).
    std::map<std::string, std::string> address_channels = {
        {"email", "email"},  {"phone", "sms"},   {"ios", "push"},
        {"android", "push"}, {"web", "webpush"},
    };

    // Built-in security (critical), transactional and marketing, plus the file's; by name.
    std::map<std::string, CategoryConfig> categories;

    std::map<std::string, ProviderConfig> providers; // by name
    std::vector<ChannelRoute> channels;              // in file order

    // Returns the route of `channel` or nullptr.
    const ChannelRoute* route(std::string_view channel) const;
    // Returns the channel names, in order.
    std::vector<std::string> channel_names() const;
    // The digest of `category` on `channel`, or nullptr when it is not digested.
    const DigestConfig* digest_for(const std::optional<std::string>& category,
                                   std::string_view channel) const;
};

struct LoadOptions {
    std::optional<std::string> config_flag; // --config PATH
    std::optional<std::string> db_flag;     // --db PATH
    EnvLookup env;                          // defaults to process_env() when empty
    // The last, optional place searched; a seam so tests need not touch /etc.
    std::string system_config_path = "/etc/notify/config.yaml";
};

// Finds the config file (--config, $NOTIFY_CONFIG, $XDG_CONFIG_HOME/notify/config.yaml or
// ~/.config/notify/config.yaml, /etc/notify/config.yaml), parses it with yaml-cpp and
// resolves the store path (--db, $NOTIFY_DB, store.path, $XDG_DATA_HOME/notify/notify.db).
// No config file at all is valid and yields the built-in defaults: providers `file`
// (type file, path <data_dir>/delivered.jsonl) and `log` (type log), and the channels
// email, sms, push, webhook and slack each routed to [file]. A file's `providers:` adds to
// and may override the built-in two; a file's `channels:` replaces the default routes.
// Throws notify::Error{Exit::config} with "<file>:<line>: ..." for: a --config or
// $NOTIFY_CONFIG file that does not exist, YAML syntax errors, unknown keys (with
// "did you mean"), wrong value shapes, a `${env:NAME}` whose variable is unset, a
// `${file:PATH}` that cannot be read, a channel naming an undefined provider, an
// audience.default_region libphonenumber does not know, and a file that holds secrets
// written in the clear (password, token, ... keys) while group or others can read it.
// Type-specific provider keys are not checked here (see providers::validate).
Config load(const LoadOptions& options);

// The config file load() would read (absolute path), or nullopt when none exists. Throws like
// load() for a --config or $NOTIFY_CONFIG file that does not exist.
std::optional<std::string> find_config_file(const LoadOptions& options);

// Parses YAML text as if read from `file_name`; the search rules are skipped, --db/NOTIFY_DB
// still apply through `options`. For tests and `config check` of a given text.
Config load_text(std::string_view yaml, const std::string& file_name, const LoadOptions& options);

// The policy of `category` (the default policy when `category` is nullopt); nullopt for a
// category `config` does not define.
std::optional<audience::CategoryPolicy> category_policy(const Config& config,
                                                        const std::optional<std::string>& category);

// One line of `notify config show`.
struct ShownSetting {
    std::string key;   // dotted: "store.path", "providers.mail.url", "channels.email"
    std::string value; // "********" for secrets; lists as "[a, b]"
    std::string origin;
};

// Every effective setting, defaults included, in a stable order.
std::vector<ShownSetting> describe(const Config& config);

} // namespace notify::config
