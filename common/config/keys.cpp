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
        {"store", "path", "", "SQLite file; default $XDG_DATA_HOME/notify/notify.db"},
        {"store", "durability", "full",
         "full: sync every commit; normal: faster, a power loss may drop the last commits"},
        {"store", "busy_timeout", "5s", "how long to wait for a locked store before giving up"},
        {"templates", "dir", "", "user templates; default $XDG_CONFIG_HOME/notify/templates"},
        {"daemon", "listen", "",
         "host:port of the HTTP endpoint (/healthz, /metrics); empty = off"},
        {"daemon", "poll_interval", "5s", "how often notifyd re-checks the store for due rows"},
        {"daemon", "batch", "64", "rows claimed per dispatch pass, 1..10000"},
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
