// Loading of the configuration: the file search, YAML parsing with file:line errors, and the
// precedence of flags, environment, file and defaults.
#include "common/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "common/audience/phone_number.hpp"
#include "common/config/keys.hpp"
#include "common/config/paths.hpp"
#include "common/config/references.hpp"
#include "common/config/secret_audit.hpp"
#include "common/error.hpp"
#include "common/schedule/cron.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/zone.hpp"
#include "common/text/spelling.hpp"
#include "common/text/store_url.hpp"

namespace notify::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_masked = "********";
constexpr std::string_view k_default = "default";

constexpr int k_batch_min = 1;
constexpr int k_batch_max = 10000;

std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// Returns the value as it may appear in a message: quoted, or masked when secret.
std::string shown(const Setting& setting) {
    return setting.secret ? std::string(k_masked) : in_quotes(setting.value);
}

std::string kind_of(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        return "a scalar";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Map:
        return "a map";
    default:
        return "nothing";
    }
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

// True for provider and channel names: [a-z0-9_-]+.
bool is_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

// True for "" (off) and host:port with a port 0..65535; IPv6 hosts in brackets.
bool is_listen_address(std::string_view text) {
    if (text.empty()) {
        return true;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return false;
    }
    const auto host = text.substr(0, colon);
    const auto port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') {
            return false;
        }
    } else if (host.find_first_of(":[] \t") != std::string_view::npos) {
        return false;
    }
    int number = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    return error == std::errc{} && end == port.data() + port.size() && port.front() != '-' &&
           number >= 0 && number <= 65535;
}

// One key of a YAML map with its position.
struct Entry {
    std::string key;
    YAML::Mark key_mark;
    YAML::Node value;
};

// What the file said about values whose final resolution also depends on flags and env.
struct FileValues {
    std::optional<Setting> store_path;
    std::optional<Setting> store_url;
    std::optional<Setting> templates_dir;
};

// Reads one YAML document into a Config. Every failure throws Error{Exit::config} with
// "<file>:<line>: ..."; no message contains a secret value.
class Parser {
  public:
    Parser(std::string file, const EnvLookup& env, fs::path base_dir, Config& config)
        : m_file(std::move(file)), m_env(env), m_base_dir(std::move(base_dir)), m_config(config) {}

    void parse(std::string_view yaml) {
        YAML::Node root;
        try {
            root = YAML::Load(std::string(yaml));
        } catch (const YAML::Exception& e) {
            fail(e.mark, "invalid YAML: " + e.msg);
        }
        if (root.IsNull()) {
            return;
        }
        if (!root.IsMap()) {
            fail(root.Mark(),
                 "expected a map of sections at the top level, found " + kind_of(root));
        }
        std::map<std::string, Entry> sections;
        for (auto& entry : entries(root, "")) {
            if (find_key("", entry.key) == nullptr) {
                unknown_key(entry, "");
            }
            sections.emplace(entry.key, entry);
        }
        const auto section = [&](const std::string& name) -> const Entry* {
            auto it = sections.find(name);
            return it == sections.end() ? nullptr : &it->second;
        };
        if (const auto* e = section("store")) {
            parse_store(*e);
        }
        if (const auto* e = section("templates")) {
            parse_templates(*e);
        }
        if (const auto* e = section("daemon")) {
            parse_daemon(*e);
        }
        if (const auto* e = section("providers")) {
            parse_providers(*e);
        }
        if (const auto* e = section("channels")) {
            parse_channels(*e);
        }
        if (const auto* e = section("delivery")) {
            parse_delivery(*e);
        }
        if (const auto* e = section("alerts")) {
            parse_alerts(*e);
        }
        if (const auto* e = section("categories")) {
            parse_categories(*e);
        }
        if (const auto* e = section("audience")) {
            parse_audience(*e);
        }
        if (const auto* e = section("tracking")) {
            parse_tracking(*e);
        }
    }

    const FileValues& found() const { return m_found; }

  private:
    std::string origin(const YAML::Mark& mark) const {
        return m_file + ":" + std::to_string(mark.line < 0 ? 1 : mark.line + 1);
    }

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& what,
                           std::string hint = {}) const {
        throw Error{Exit::config, origin(mark) + ": " + what, std::move(hint)};
    }

    [[noreturn]] void unknown_key(const Entry& entry, const std::string& section) const {
        const auto names = key_names(section);
        std::string what = "unknown key " + in_quotes(entry.key) +
                           (section.empty() ? " at top level" : " in " + section);
        if (auto match = text::closest_match(entry.key, names)) {
            what += " (did you mean " + in_quotes(*match) + "?)";
        }
        const std::string hint =
            section.empty() ? "known sections: " : "known keys in " + section + ": ";
        fail(entry.key_mark, what, hint + join(names));
    }

    // Returns the entries of a map (a null node has none) in document order; rejects
    // non-scalar and duplicate keys. `where` names the map in messages ("" = top level).
    std::vector<Entry> entries(const YAML::Node& map, const std::string& where) const {
        std::vector<Entry> out;
        if (map.IsNull()) {
            return out;
        }
        std::set<std::string> seen;
        const std::string place = where.empty() ? " at top level" : " in " + where;
        for (const auto& item : map) {
            if (!item.first.IsScalar()) {
                fail(item.first.Mark(),
                     "keys must be scalars, found " + kind_of(item.first) + " as a key" + place);
            }
            std::string key = item.first.Scalar();
            if (!seen.insert(key).second) {
                fail(item.first.Mark(), "duplicate key " + in_quotes(key) + place);
            }
            out.push_back(Entry{std::move(key), item.first.Mark(), item.second});
        }
        return out;
    }

    // Returns the entries of a section that must be a map (or empty).
    std::vector<Entry> section_entries(const Entry& section, const std::string& dotted) const {
        if (!section.value.IsNull() && !section.value.IsMap()) {
            fail(section.key_mark, dotted + ": expected a map, found " + kind_of(section.value));
        }
        return entries(section.value, dotted);
    }

    // Returns the scalar `node` (null reads as "") with references resolved; secret when it
    // was a reference or `secret_key` is set.
    Setting scalar_at(const YAML::Node& node, const YAML::Mark& mark, const std::string& dotted,
                      bool secret_key) const {
        const std::string text = node.IsNull() ? std::string{} : node.Scalar();
        auto resolved = resolve_references(text, m_env, m_base_dir);
        if (!resolved) {
            fail(mark, dotted + ": " + resolved.error());
        }
        return Setting{std::move(resolved->value), origin(mark),
                       resolved->from_reference || secret_key};
    }

    // Returns the value of an entry that must be a scalar.
    Setting scalar(const Entry& entry, const std::string& dotted) const {
        if (entry.value.IsMap() || entry.value.IsSequence()) {
            fail(entry.key_mark, dotted + ": expected a scalar, found " + kind_of(entry.value));
        }
        return scalar_at(entry.value, entry.key_mark, dotted, is_secret_key(entry.key));
    }

    // Returns a path entry made absolute against the config file's directory.
    Setting path(const Entry& entry, const std::string& dotted) const {
        Setting setting = scalar(entry, dotted);
        if (setting.value.empty()) {
            fail(entry.key_mark, dotted + ": must not be empty");
        }
        auto resolved = resolve_path(setting.value, m_env, m_base_dir);
        if (!resolved) {
            fail(entry.key_mark, dotted + ": " +
                                     (setting.secret ? shown(setting) + " is not a usable path"
                                                     : resolved.error()));
        }
        setting.value = resolved->string();
        return setting;
    }

    // Returns a duration entry's value; `positive` rejects zero.
    Millis duration(const Entry& entry, const Setting& setting, const std::string& dotted,
                    bool positive) const {
        auto parsed = schedule::parse_duration(setting.value);
        if (!parsed) {
            fail(entry.key_mark, dotted + ": " +
                                     (setting.secret ? shown(setting) + " is not a valid duration"
                                                     : parsed.error()));
        }
        if (positive && parsed->count() <= 0) {
            fail(entry.key_mark, dotted + ": must be greater than 0s");
        }
        return *parsed;
    }

    void parse_store(const Entry& section) {
        for (const auto& entry : section_entries(section, "store")) {
            const std::string dotted = "store." + entry.key;
            if (entry.key == "url") {
                Setting setting = scalar(entry, dotted);
                if (!text::is_postgres_url(setting.value)) {
                    fail(entry.key_mark, dotted + ": " +
                                             (setting.secret ? shown(setting) : setting.value) +
                                             " is not a postgresql:// URL");
                }
                if (m_found.store_path) {
                    fail(entry.key_mark, "store.url and store.path are both set; keep one");
                }
                m_found.store_url = std::move(setting);
            } else if (entry.key == "path") {
                if (m_found.store_url) {
                    fail(entry.key_mark, "store.url and store.path are both set; keep one");
                }
                m_found.store_path = path(entry, dotted);
            } else if (entry.key == "instance_timeout") {
                Setting setting = scalar(entry, dotted);
                m_config.instance_timeout = duration(entry, setting, dotted, true);
                m_config.store_instance_timeout = std::move(setting);
            } else if (entry.key == "durability") {
                Setting setting = scalar(entry, dotted);
                if (setting.value == "full") {
                    m_config.durability = Durability::full;
                } else if (setting.value == "normal") {
                    m_config.durability = Durability::normal;
                } else {
                    fail(entry.key_mark,
                         dotted + ": " + shown(setting) + " is not one of full, normal");
                }
                m_config.store_durability = std::move(setting);
            } else if (entry.key == "busy_timeout") {
                Setting setting = scalar(entry, dotted);
                m_config.busy_timeout = duration(entry, setting, dotted, false);
                m_config.store_busy_timeout = std::move(setting);
            } else {
                unknown_key(entry, "store");
            }
        }
    }

    void parse_templates(const Entry& section) {
        for (const auto& entry : section_entries(section, "templates")) {
            if (entry.key == "dir") {
                m_found.templates_dir = path(entry, "templates.dir");
            } else {
                unknown_key(entry, "templates");
            }
        }
    }

    void parse_daemon(const Entry& section) {
        for (const auto& entry : section_entries(section, "daemon")) {
            const std::string dotted = "daemon." + entry.key;
            if (entry.key == "listen") {
                Setting setting = scalar(entry, dotted);
                if (!is_listen_address(setting.value)) {
                    fail(entry.key_mark, dotted + ": " + shown(setting) +
                                             " is not host:port (e.g. 127.0.0.1:9464)");
                }
                m_config.daemon_listen = std::move(setting);
            } else if (entry.key == "token") {
                m_config.daemon_token = scalar(entry, dotted);
                m_config.daemon_token.secret = true;
            } else if (entry.key == "poll_interval") {
                Setting setting = scalar(entry, dotted);
                m_config.poll_interval = duration(entry, setting, dotted, true);
                m_config.daemon_poll_interval = std::move(setting);
            } else if (entry.key == "batch") {
                Setting setting = scalar(entry, dotted);
                m_config.batch = batch(entry, setting, dotted);
                m_config.daemon_batch = std::move(setting);
            } else if (entry.key == "lease") {
                Setting setting = scalar(entry, dotted);
                m_config.lease = duration(entry, setting, dotted, true);
                set_policy(dotted, std::move(setting));
            } else if (entry.key == "shutdown_grace") {
                Setting setting = scalar(entry, dotted);
                m_config.shutdown_grace = duration(entry, setting, dotted, false);
                set_policy(dotted, std::move(setting));
            } else {
                unknown_key(entry, "daemon");
            }
        }
    }

    // Replaces the shown value of `dotted` (appending it if new).
    void set_policy(const std::string& dotted, Setting setting) {
        for (auto& [key, value] : m_config.policy_settings) {
            if (key == dotted) {
                value = std::move(setting);
                return;
            }
        }
        m_config.policy_settings.emplace_back(dotted, std::move(setting));
    }

    int integer(const Entry& entry, const Setting& setting, const std::string& dotted,
                long long min, long long max) const {
        const std::string& text = setting.value;
        long long number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (text.empty() || end != text.data() + text.size() || error != std::errc{} ||
            number < min || number > max) {
            fail(entry.key_mark, dotted + ": " + shown(setting) + " is not an integer between " +
                                     std::to_string(min) + " and " + std::to_string(max));
        }
        return static_cast<int>(number);
    }

    // Reads the keys of a delivery map into `policy`; `channels` only at the top.
    void parse_policy(const Entry& section, const std::string& prefix, DeliveryPolicy& target,
                      bool top) {
        for (const auto& entry : section_entries(section, prefix)) {
            const std::string dotted = prefix + "." + entry.key;
            if (top && entry.key == "channels") {
                continue; // read after the defaults are complete
            }
            if (entry.key == "channels" || find_key("delivery", entry.key) == nullptr) {
                unknown_key(entry, "delivery");
            }
            Setting setting = scalar(entry, dotted);
            if (entry.key == "retry_base") {
                target.retry_base = duration(entry, setting, dotted, true);
            } else if (entry.key == "retry_cap") {
                target.retry_cap = duration(entry, setting, dotted, true);
            } else if (entry.key == "jitter_percent") {
                target.jitter_percent = integer(entry, setting, dotted, 0, 100);
            } else if (entry.key == "max_attempts") {
                target.max_attempts = integer(entry, setting, dotted, 1, 1000);
            } else if (entry.key == "max_age") {
                target.max_age = duration(entry, setting, dotted, true);
            } else if (entry.key == "concurrency") {
                target.concurrency = integer(entry, setting, dotted, 1, 256);
            } else if (entry.key == "breaker_failures") {
                target.breaker_failures = integer(entry, setting, dotted, 1, 1000);
            } else if (entry.key == "breaker_base") {
                target.breaker_base = duration(entry, setting, dotted, true);
            } else if (entry.key == "breaker_cap") {
                target.breaker_cap = duration(entry, setting, dotted, true);
            } else if (entry.key == "user_limit") {
                if (setting.value.empty()) {
                    target.user_limit.reset();
                } else {
                    auto rate = policy::parse_rate(setting.value);
                    if (!rate) {
                        fail(entry.key_mark, dotted + ": " + rate.error());
                    }
                    target.user_limit = *rate;
                }
            } else if (entry.key == "attachment_max_bytes") {
                target.attachment_max_bytes =
                    integer(entry, setting, dotted, 0, 1024LL * 1024 * 1024);
            } else if (entry.key == "user_limit_action") {
                if (setting.value != "delay" && setting.value != "drop") {
                    fail(entry.key_mark,
                         dotted + ": " + shown(setting) + " is not one of delay, drop");
                }
                target.user_limit_drops = setting.value == "drop";
            }
            set_policy(dotted, std::move(setting));
        }
    }

    void parse_delivery(const Entry& section) {
        parse_policy(section, "delivery", m_config.delivery, true);
        for (const auto& entry : section_entries(section, "delivery")) {
            if (entry.key != "channels") {
                continue;
            }
            for (const auto& channel : section_entries(entry, "delivery.channels")) {
                if (m_config.route(channel.key) == nullptr) {
                    fail(channel.key_mark, "delivery.channels: unknown channel " +
                                               in_quotes(channel.key) + " (not in channels)");
                }
                DeliveryPolicy policy = m_config.delivery;
                parse_policy(channel, "delivery.channels." + channel.key, policy, false);
                m_config.channel_delivery[channel.key] = policy;
            }
        }
    }

    void parse_alerts(const Entry& section) {
        for (const auto& entry : section_entries(section, "alerts")) {
            const std::string dotted = "alerts." + entry.key;
            if (entry.key == "command") {
                if (!entry.value.IsSequence() || entry.value.size() == 0) {
                    fail(entry.key_mark, dotted + ": expected a list: [program, args...]");
                }
                std::string shown_list;
                for (std::size_t i = 0; i < entry.value.size(); ++i) {
                    Setting item = scalar_at(entry.value[i], entry.key_mark,
                                             dotted + "[" + std::to_string(i) + "]", false);
                    m_config.alerts.command.push_back(item.value);
                    shown_list += (i > 0 ? ", " : "") + (item.secret ? "********" : item.value);
                }
                set_policy(dotted, Setting{"[" + shown_list + "]", origin(entry.key_mark), false});
            } else if (entry.key == "channel" || entry.key == "to") {
                Setting setting = scalar(entry, dotted);
                (entry.key == "channel" ? m_config.alerts.channel : m_config.alerts.to) =
                    setting.value;
                set_policy(dotted, std::move(setting));
            } else if (entry.key == "min_interval") {
                Setting setting = scalar(entry, dotted);
                m_config.alerts.min_interval = duration(entry, setting, dotted, false);
                set_policy(dotted, std::move(setting));
            } else if (entry.key == "backlog") {
                Setting setting = scalar(entry, dotted);
                m_config.alerts.backlog.reset();
                if (!setting.value.empty()) {
                    m_config.alerts.backlog = integer(entry, setting, dotted, 1, 1'000'000'000);
                }
                set_policy(dotted, std::move(setting));
            } else if (entry.key == "oldest_due") {
                Setting setting = scalar(entry, dotted);
                m_config.alerts.oldest_due.reset();
                if (!setting.value.empty()) {
                    m_config.alerts.oldest_due = duration(entry, setting, dotted, true);
                }
                set_policy(dotted, std::move(setting));
            } else {
                unknown_key(entry, "alerts");
            }
        }
        if (m_config.alerts.channel.empty() != m_config.alerts.to.empty()) {
            fail(section.key_mark, "alerts: give both channel and to, or neither");
        }
        if (!m_config.alerts.channel.empty() &&
            m_config.route(m_config.alerts.channel) == nullptr) {
            fail(section.key_mark, "alerts.channel: unknown channel " +
                                       in_quotes(m_config.alerts.channel) + " (not in channels)");
        }
    }

    void parse_categories(const Entry& section) {
        for (const auto& entry : section_entries(section, "categories")) {
            const std::string prefix = "categories." + entry.key;
            if (!valid_category_name(entry.key)) {
                fail(entry.key_mark, prefix + ": a category name is letters, digits, '-' and '_'");
            }
            CategoryConfig category;
            if (auto it = m_config.categories.find(entry.key); it != m_config.categories.end()) {
                category = it->second; // a built-in: the file changes what it names
            }
            category.name = entry.key;
            category.origin = origin(entry.key_mark);
            for (const auto& key : section_entries(entry, prefix)) {
                const std::string dotted = prefix + "." + key.key;
                if (key.key == "digest") {
                    category.digest = parse_digest(key, dotted);
                    continue;
                }
                Setting setting = scalar(key, dotted);
                if (key.key == "critical") {
                    if (setting.value != "true" && setting.value != "false") {
                        fail(key.key_mark, dotted + ": expected true or false");
                    }
                    category.critical = setting.value == "true";
                } else if (key.key == "quiet_hours") {
                    if (setting.value != "delay" && setting.value != "drop" &&
                        setting.value != "ignore") {
                        fail(key.key_mark, dotted + ": expected delay, drop or ignore, not " +
                                               in_quotes(setting.value));
                    }
                    category.quiet_hours = setting.value;
                } else {
                    unknown_key(key, "categories");
                }
            }
            m_config.categories[entry.key] = std::move(category);
        }
    }

    void parse_audience(const Entry& section) {
        for (const auto& entry : section_entries(section, "audience")) {
            const std::string dotted = "audience." + entry.key;
            if (entry.key == "default_region") {
                Setting setting = scalar(entry, dotted);
                if (!setting.value.empty() && !audience::known_region(setting.value)) {
                    std::string upper = setting.value;
                    for (char& c : upper) {
                        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                    }
                    const bool suggest = !setting.secret && audience::known_region(upper);
                    fail(entry.key_mark,
                         dotted + ": " + shown(setting) + " is not a known region" +
                             (suggest ? " (did you mean " + in_quotes(upper) + "?)" : ""),
                         "use an upper-case ISO 3166 alpha-2 code such as US, DE or GB, or "
                         "leave it empty");
                }
                m_config.audience_default_region = std::move(setting);
            } else {
                unknown_key(entry, "audience");
            }
        }
    }

    void parse_tracking(const Entry& section) {
        TrackingConfig& t = m_config.tracking;
        t.origin = origin(section.key_mark);
        for (const auto& entry : section_entries(section, "tracking")) {
            const std::string dotted = "tracking." + entry.key;
            if (entry.key == "allowed_hosts") {
                if (!entry.value.IsSequence()) {
                    fail(entry.key_mark, dotted + ": expected a list of host names");
                }
                for (std::size_t i = 0; i < entry.value.size(); ++i) {
                    Setting item = scalar_at(entry.value[i], entry.key_mark,
                                             dotted + "[" + std::to_string(i) + "]", false);
                    t.allowed_hosts.push_back(item.value);
                }
                continue;
            }
            Setting setting = scalar(entry, dotted);
            if (entry.key == "base_url") {
                if (setting.value.rfind("https://", 0) != 0 &&
                    setting.value.rfind("http://", 0) != 0) {
                    fail(entry.key_mark,
                         dotted + ": " + shown(setting) + " is not an http:// or https:// URL");
                }
                while (!setting.value.empty() && setting.value.back() == '/') {
                    setting.value.pop_back();
                }
                t.base_url = setting.value;
            } else if (entry.key == "secret") {
                if (setting.value.size() < 16) {
                    fail(entry.key_mark, dotted + ": too short; use at least 16 random bytes",
                         "e.g. secret: ${file:/etc/notify/tracking.key} with the output of "
                         "'openssl rand -hex 32'");
                }
                t.secret = setting.value;
            } else if (entry.key == "opens") {
                if (setting.value != "true" && setting.value != "false") {
                    fail(entry.key_mark, dotted + ": expected true or false");
                }
                t.opens = setting.value == "true";
            } else {
                unknown_key(entry, "tracking");
            }
        }
        if (t.base_url.empty() != t.secret.empty()) {
            fail(section.key_mark, "tracking: give both base_url and secret, or neither");
        }
        if (t.enabled() && t.allowed_hosts.empty()) {
            fail(section.key_mark, "tracking: allowed_hosts is empty, so no link could be tracked",
                 "list the hosts tracked links may lead to, e.g. allowed_hosts: [example.com]");
        }
    }

    // `categories.<name>.digest`: a map with exactly one of window and cron.
    DigestConfig parse_digest(const Entry& section, const std::string& prefix) const {
        DigestConfig digest;
        digest.origin = origin(section.key_mark);
        if (!section.value.IsMap()) {
            fail(section.key_mark,
                 prefix + ": expected a map such as {window: 1h}, found " + kind_of(section.value));
        }
        std::optional<YAML::Mark> tz_mark;
        for (const auto& key : entries(section.value, prefix)) {
            const std::string dotted = prefix + "." + key.key;
            if (key.key == "channels") {
                if (!key.value.IsSequence()) {
                    fail(key.key_mark,
                         dotted + ": expected a list of channels, found " + kind_of(key.value));
                }
                for (std::size_t i = 0; i < key.value.size(); ++i) {
                    const YAML::Node item = key.value[i];
                    const YAML::Mark mark = item.Mark().is_null() ? key.key_mark : item.Mark();
                    const std::string item_name = dotted + "[" + std::to_string(i) + "]";
                    if (!item.IsScalar()) {
                        fail(mark, item_name + ": expected a channel, found " + kind_of(item));
                    }
                    Setting channel = scalar_at(item, mark, item_name, false);
                    if (m_config.route(channel.value) == nullptr) {
                        auto match = text::closest_match(channel.value, m_config.channel_names());
                        fail(mark,
                             item_name + ": unknown channel " + shown(channel) +
                                 (match ? " (did you mean " + in_quotes(*match) + "?)" : ""),
                             "configured channels: " + join(m_config.channel_names()));
                    }
                    digest.channels.push_back(channel.value);
                }
                continue;
            }
            Setting setting = scalar(key, dotted);
            if (key.key == "window") {
                digest.window = duration(key, setting, dotted, true);
            } else if (key.key == "cron") {
                auto cron = schedule::parse_cron(setting.value);
                if (!cron) {
                    fail(key.key_mark, dotted + ": " + cron.error());
                }
                digest.cron = cron->text();
            } else if (key.key == "tz") {
                auto zone = schedule::Zone::find(setting.value);
                if (!zone) {
                    fail(key.key_mark, dotted + ": " + zone.error());
                }
                digest.tz = setting.value;
                tz_mark = key.key_mark;
            } else if (key.key == "template") {
                if (setting.value.empty()) {
                    fail(key.key_mark, dotted + ": must not be empty");
                }
                digest.template_name = setting.value;
            } else {
                unknown_key(key, "categories.digest");
            }
        }
        if (digest.window.has_value() == !digest.cron.empty()) {
            fail(section.key_mark, prefix + ": give exactly one of window and cron",
                 "e.g. digest: {window: 1h} or digest: {cron: \"0 8 * * *\", tz: Europe/Berlin}");
        }
        if (tz_mark && digest.window) {
            fail(*tz_mark, prefix + ".tz: applies to cron only");
        }
        return digest;
    }

    int batch(const Entry& entry, const Setting& setting, const std::string& dotted) const {
        const std::string& text = setting.value;
        long long number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (text.empty() || end != text.data() + text.size() ||
            (error != std::errc{} && error != std::errc::result_out_of_range)) {
            fail(entry.key_mark, dotted + ": " + shown(setting) + " is not an integer");
        }
        if (error == std::errc::result_out_of_range || number < k_batch_min ||
            number > k_batch_max) {
            fail(entry.key_mark, dotted + ": " + (setting.secret ? shown(setting) : text) +
                                     " is not between " + std::to_string(k_batch_min) + " and " +
                                     std::to_string(k_batch_max));
        }
        return static_cast<int>(number);
    }

    void parse_providers(const Entry& section) {
        for (const auto& entry : section_entries(section, "providers")) {
            if (!is_name(entry.key)) {
                fail(entry.key_mark, "providers: invalid provider name " + in_quotes(entry.key) +
                                         " (use a-z, 0-9, _ and -)");
            }
            const std::string dotted = "providers." + entry.key;
            if (!entry.value.IsMap()) {
                fail(entry.key_mark, dotted + ": expected a map, found " + kind_of(entry.value));
            }
            ProviderConfig provider;
            provider.name = entry.key;
            provider.origin = origin(entry.key_mark);
            bool has_type = false;
            for (const auto& option : entries(entry.value, dotted)) {
                if (option.key == "type") {
                    Setting type = scalar(option, dotted + ".type");
                    if (type.value.empty()) {
                        fail(option.key_mark, dotted + ".type: must not be empty");
                    }
                    provider.type = std::move(type.value);
                    has_type = true;
                } else {
                    add_option(provider, option.key, option.value, option.key_mark, dotted);
                }
            }
            if (!has_type) {
                fail(entry.key_mark, dotted + ": missing key \"type\"");
            }
            m_config.providers[entry.key] = std::move(provider);
        }
    }

    // Stores one provider key: scalars in options, lists of scalars in lists, and maps
    // flattened to "outer.inner" keys.
    void add_option(ProviderConfig& provider, const std::string& key, const YAML::Node& value,
                    const YAML::Mark& key_mark, const std::string& prefix) const {
        const std::string dotted = prefix + "." + key;
        if (provider.options.count(key) != 0 || provider.lists.count(key) != 0) {
            fail(key_mark, "duplicate key " + in_quotes(key) + " in " + prefix);
        }
        const bool secret_key = is_secret_key(key);
        if (value.IsMap()) {
            for (const auto& inner : entries(value, dotted)) {
                add_option(provider, key + "." + inner.key, inner.value, inner.key_mark, prefix);
            }
        } else if (value.IsSequence()) {
            std::vector<Setting> items;
            for (std::size_t i = 0; i < value.size(); ++i) {
                const YAML::Node item = value[i];
                const YAML::Mark mark = item.Mark().is_null() ? key_mark : item.Mark();
                const std::string item_name = dotted + "[" + std::to_string(i) + "]";
                if (item.IsMap() || item.IsSequence()) {
                    fail(mark, item_name + ": expected a scalar, found " + kind_of(item));
                }
                items.push_back(scalar_at(item, mark, item_name, secret_key));
            }
            provider.lists[key] = std::move(items);
        } else {
            provider.options[key] = scalar_at(value, key_mark, dotted, secret_key);
        }
    }

    void parse_channels(const Entry& section) {
        if (section.value.IsNull()) {
            return; // an empty `channels:` keeps the default routes
        }
        std::vector<ChannelRoute> routes;
        for (const auto& entry : section_entries(section, "channels")) {
            if (!is_name(entry.key)) {
                fail(entry.key_mark, "channels: invalid channel name " + in_quotes(entry.key) +
                                         " (use a-z, 0-9, _ and -)");
            }
            const std::string dotted = "channels." + entry.key;
            std::vector<std::pair<Setting, YAML::Mark>> names;
            if (entry.value.IsScalar()) {
                names.emplace_back(scalar_at(entry.value, entry.key_mark, dotted, false),
                                   entry.key_mark);
            } else if (entry.value.IsSequence()) {
                for (std::size_t i = 0; i < entry.value.size(); ++i) {
                    const YAML::Node item = entry.value[i];
                    const YAML::Mark mark = item.Mark().is_null() ? entry.key_mark : item.Mark();
                    if (!item.IsScalar()) {
                        fail(mark, dotted + "[" + std::to_string(i) +
                                       "]: expected a provider name, found " + kind_of(item));
                    }
                    names.emplace_back(scalar_at(item, mark, dotted, false), mark);
                }
            } else {
                fail(entry.key_mark, dotted +
                                         ": expected a provider name or a list of them, found " +
                                         kind_of(entry.value));
            }
            if (names.empty()) {
                fail(entry.key_mark, dotted + ": needs at least one provider");
            }
            ChannelRoute route{entry.key, {}, origin(entry.key_mark)};
            for (const auto& [name, mark] : names) {
                if (m_config.providers.count(name.value) == 0) {
                    unknown_provider(dotted, name, mark);
                }
                for (const auto& earlier : route.providers) {
                    if (earlier == name.value) {
                        fail(mark, dotted + ": provider " + shown(name) + " is listed twice");
                    }
                }
                route.providers.push_back(name.value);
            }
            routes.push_back(std::move(route));
        }
        m_config.channels = std::move(routes);
    }

    [[noreturn]] void unknown_provider(const std::string& dotted, const Setting& name,
                                       const YAML::Mark& mark) const {
        std::vector<std::string> defined;
        for (const auto& [provider_name, provider] : m_config.providers) {
            defined.push_back(provider_name);
        }
        std::string what = dotted + ": unknown provider " + shown(name);
        if (!name.secret) {
            if (auto match = text::closest_match(name.value, defined)) {
                what += " (did you mean " + in_quotes(*match) + "?)";
            }
        }
        fail(mark, what, "defined providers: " + join(defined));
    }

    std::string m_file;
    const EnvLookup& m_env;
    fs::path m_base_dir;
    Config& m_config;
    FileValues m_found;
};

Setting default_setting(std::string_view section, std::string_view name) {
    return Setting{std::string(find_key(section, name)->default_value), std::string(k_default),
                   false};
}

// Returns the built-in configuration: defaults of the key table, providers `file` and
// `log`, and the default channel routes.
Config defaults(const EnvLookup& env) {
    Config config;
    if (auto dir = default_data_dir(env)) {
        config.data_dir = dir->string();
    }
    config.store_durability = default_setting("store", "durability");
    config.store_busy_timeout = default_setting("store", "busy_timeout");
    config.store_instance_timeout = default_setting("store", "instance_timeout");
    config.daemon_listen = default_setting("daemon", "listen");
    config.daemon_token = default_setting("daemon", "token");
    config.daemon_poll_interval = default_setting("daemon", "poll_interval");
    config.daemon_batch = default_setting("daemon", "batch");
    config.audience_default_region = default_setting("audience", "default_region");
    for (const char* key : {"lease", "shutdown_grace"}) {
        config.policy_settings.emplace_back(std::string("daemon.") + key,
                                            default_setting("daemon", key));
    }
    for (const auto& key : known_keys()) {
        if ((key.section == "delivery" && key.name != "channels") ||
            (key.section == "alerts" && key.name != "command" && key.name != "channel" &&
             key.name != "to")) {
            config.policy_settings.emplace_back(std::string(key.section) + "." +
                                                    std::string(key.name),
                                                default_setting(key.section, key.name));
        }
    }

    ProviderConfig file;
    file.name = "file";
    file.type = "file";
    file.origin = std::string(k_default);
    file.options["path"] =
        Setting{config.data_dir.empty() ? std::string{}
                                        : (fs::path{config.data_dir} / "delivered.jsonl").string(),
                std::string(k_default), false};
    config.providers["file"] = std::move(file);

    ProviderConfig log;
    log.name = "log";
    log.type = "log";
    log.origin = std::string(k_default);
    config.providers["log"] = std::move(log);

    for (const char* channel : {"email", "sms", "push", "webhook", "slack"}) {
        config.channels.push_back(ChannelRoute{channel, {"file"}, std::string(k_default)});
    }
    config.categories["security"] = {"security", true, "ignore", std::string(k_default),
                                     std::nullopt};
    config.categories["transactional"] = {"transactional", false, "ignore", std::string(k_default),
                                          std::nullopt};
    config.categories["marketing"] = {"marketing", false, "delay", std::string(k_default),
                                      std::nullopt};
    return config;
}

// Applies --db, $NOTIFY_DB, store.url or store.path and the default, in that order. A
// postgresql:// URL in any of them selects the PostgreSQL store.
void resolve_store_path(Config& config, const FileValues& found, const LoadOptions& options,
                        const EnvLookup& env) {
    if (options.db_flag && text::is_postgres_url(*options.db_flag)) {
        config.store_url = Setting{*options.db_flag, "--db", false};
        config.store_path = Setting{std::string{}, "--db", false};
        return;
    }
    if (!options.db_flag) {
        if (auto value = non_empty_env(env, "NOTIFY_DB"); value && text::is_postgres_url(*value)) {
            config.store_url = Setting{*value, "env NOTIFY_DB", false};
            config.store_path = Setting{std::string{}, "env NOTIFY_DB", false};
            return;
        }
    }
    if (options.db_flag) {
        if (options.db_flag->empty()) {
            throw Error{Exit::usage, "--db needs a path"};
        }
        auto path = resolve_path(*options.db_flag, env, fs::current_path());
        if (!path) {
            throw Error{Exit::usage, "--db: " + path.error()};
        }
        config.store_path = Setting{path->string(), "--db", false};
    } else if (auto value = non_empty_env(env, "NOTIFY_DB")) {
        auto path = resolve_path(*value, env, fs::current_path());
        if (!path) {
            throw Error{Exit::config, "NOTIFY_DB: " + path.error()};
        }
        config.store_path = Setting{path->string(), "env NOTIFY_DB", false};
    } else if (found.store_path) {
        config.store_path = *found.store_path;
    } else if (found.store_url) {
        config.store_url = *found.store_url;
        config.store_path = Setting{std::string{}, found.store_url->origin, false};
    } else {
        config.store_path =
            Setting{config.data_dir.empty() ? std::string{}
                                            : (fs::path{config.data_dir} / "notify.db").string(),
                    std::string(k_default), false};
    }
}

// Builds the configuration from an optional file text; `file_name` names it in messages.
Config build(const std::optional<std::string_view>& yaml, const std::string& file_name,
             const LoadOptions& options, const EnvLookup& env) {
    Config config = defaults(env);
    FileValues found;
    if (yaml) {
        config.source_file = file_name;
        const fs::path base_dir = file_name.empty()
                                      ? fs::current_path()
                                      : fs::absolute(fs::path{file_name}).parent_path();
        Parser parser(file_name, env, base_dir, config);
        parser.parse(*yaml);
        found = parser.found();
    }
    resolve_store_path(config, found, options, env);
    if (found.templates_dir) {
        config.templates_dir = *found.templates_dir;
    } else {
        auto dir = default_config_dir(env);
        config.templates_dir = Setting{dir ? (*dir / "templates").string() : std::string{},
                                       std::string(k_default), false};
    }
    const auto file = config.providers.find("file");
    const bool needs_data_dir =
        (config.store_path.value.empty() && !config.uses_postgres()) ||
        (file != config.providers.end() && file->second.origin == k_default);
    if (config.data_dir.empty() && needs_data_dir) {
        throw Error{Exit::config,
                    "cannot locate the data directory: neither XDG_DATA_HOME nor "
                    "HOME is set",
                    "set HOME or XDG_DATA_HOME, or pass --db and configure the file provider"};
    }
    return config;
}

struct FoundFile {
    std::string path;
    std::string text;
};

// Reads a config file named by --config or $NOTIFY_CONFIG: it must exist.
FoundFile read_required(const std::string& given, const EnvLookup& env, const std::string& hint) {
    auto path = resolve_path(given, env, fs::current_path());
    if (!path) {
        throw Error{Exit::config, "config file " + in_quotes(given) + ": " + path.error(), hint};
    }
    auto text = read_whole_file(*path);
    if (!text) {
        throw Error{Exit::config, "config file " + path->string() + ": " + text.error(), hint};
    }
    return FoundFile{path->string(), std::move(*text)};
}

// Reads a config file from the search path, or nullopt when it does not exist.
std::optional<FoundFile> read_optional(const fs::path& path) {
    bool missing = false;
    auto text = read_whole_file(path, &missing);
    if (text) {
        return FoundFile{path.string(), std::move(*text)};
    }
    if (missing) {
        return std::nullopt;
    }
    throw Error{Exit::config, "config file " + path.string() + ": " + text.error()};
}

// Refuses, as ssh does with a private key, a config file that holds secrets written in the
// clear (see is_secret_key()) and that group or others may read. Throws Error{Exit::config}
// naming the file, the keys (never their values) and the mode.
void refuse_exposed_secrets(const FoundFile& found, const EnvLookup& env) {
    struct stat st {};
    if (::stat(found.path.c_str(), &st) != 0 || (st.st_mode & (S_IRGRP | S_IROTH)) == 0) {
        return;
    }
    const auto audit = audit_secrets(found.text, found.path, env);
    if (audit.literal_secrets.empty()) {
        return;
    }
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error{Exit::config, "config file " + found.path + " holds secrets (" +
                                  join(audit.literal_secrets) +
                                  ") and is readable by group or others (mode " + mode +
                                  "): chmod 600 it, or use ${env:NAME} / ${file:PATH} references"};
}

std::optional<FoundFile> find_config(const LoadOptions& options, const EnvLookup& env) {
    if (options.config_flag) {
        if (options.config_flag->empty()) {
            throw Error{Exit::usage, "--config needs a path"};
        }
        return read_required(*options.config_flag, env, {});
    }
    if (auto value = non_empty_env(env, "NOTIFY_CONFIG")) {
        return read_required(*value, env, "the path comes from $NOTIFY_CONFIG");
    }
    if (auto dir = default_config_dir(env)) {
        if (auto found = read_optional(*dir / "config.yaml")) {
            return found;
        }
    }
    if (options.system_config_path.empty()) {
        return std::nullopt;
    }
    return read_optional(options.system_config_path);
}

} // namespace

EnvLookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) {
            return std::nullopt;
        }
        return std::string(value);
    };
}

const Setting* ProviderConfig::find(std::string_view key) const {
    auto it = options.find(std::string(key));
    return it == options.end() ? nullptr : &it->second;
}

const DeliveryPolicy& Config::delivery_for(std::string_view channel) const {
    auto it = channel_delivery.find(std::string(channel));
    return it == channel_delivery.end() ? delivery : it->second;
}

const ChannelRoute* Config::route(std::string_view channel) const {
    for (const auto& route : channels) {
        if (route.channel == channel) {
            return &route;
        }
    }
    return nullptr;
}

std::vector<std::string> Config::channel_names() const {
    std::vector<std::string> names;
    names.reserve(channels.size());
    for (const auto& route : channels) {
        names.push_back(route.channel);
    }
    return names;
}

bool DigestConfig::covers(std::string_view channel) const {
    return channels.empty() ||
           std::find(channels.begin(), channels.end(), channel) != channels.end();
}

const DigestConfig* Config::digest_for(const std::optional<std::string>& category,
                                       std::string_view channel) const {
    if (!category) {
        return nullptr;
    }
    auto it = categories.find(*category);
    if (it == categories.end() || !it->second.digest || !it->second.digest->covers(channel)) {
        return nullptr;
    }
    return &*it->second.digest;
}

Config load(const LoadOptions& options) {
    const EnvLookup env = options.env ? options.env : process_env();
    if (auto found = find_config(options, env)) {
        refuse_exposed_secrets(*found, env);
        return build(std::string_view{found->text}, found->path, options, env);
    }
    return build(std::nullopt, {}, options, env);
}

std::optional<std::string> find_config_file(const LoadOptions& options) {
    const EnvLookup env = options.env ? options.env : process_env();
    if (auto found = find_config(options, env)) {
        return found->path;
    }
    return std::nullopt;
}

Config load_text(std::string_view yaml, const std::string& file_name, const LoadOptions& options) {
    const EnvLookup env = options.env ? options.env : process_env();
    return build(yaml, file_name, options, env);
}

bool valid_category_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::optional<audience::CategoryPolicy>
category_policy(const Config& config, const std::optional<std::string>& category) {
    audience::CategoryPolicy policy;
    if (!category) {
        return policy;
    }
    auto it = config.categories.find(*category);
    if (it == config.categories.end()) {
        return std::nullopt;
    }
    policy.critical = it->second.critical;
    policy.quiet =
        audience::parse_quiet_action(it->second.quiet_hours).value_or(audience::QuietAction::delay);
    return policy;
}

} // namespace notify::config
