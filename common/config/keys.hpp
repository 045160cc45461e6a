// The table of known configuration keys: section, name, default and one line of documentation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace notify::config {

struct KeyInfo {
    std::string_view section;       // "" for the top-level sections themselves
    std::string_view name;          // key inside the section
    std::string_view default_value; // "" when computed from the environment or empty
    std::string_view doc;           // one line for `notify config keys` and the man page
};

// Every known key, top-level sections first, then the keys of each section in describe()
// order. `providers` and `channels` hold user-named entries and have no rows.
const std::vector<KeyInfo>& known_keys();

// Returns the names of `section`'s keys in table order ("" = the top-level sections).
std::vector<std::string> key_names(std::string_view section);

// Returns the row of `section`.`name`, or nullptr.
const KeyInfo* find_key(std::string_view section, std::string_view name);

} // namespace notify::config
