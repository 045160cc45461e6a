// How the CLI prints users, devices and preferences (JSON and plain).
#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "cli/table.hpp"
#include "common/model/audience.hpp"

namespace notify::cli {

nlohmann::ordered_json user_json(const model::User& u);
nlohmann::ordered_json device_json(const model::Device& d);
nlohmann::ordered_json preference_json(const model::Preference& p);
// user_json plus quiet_hours, devices and preferences.
nlohmann::ordered_json profile_json(const model::UserProfile& p);

// The table of devices: ID USER PLATFORM STATE APP TOKEN, the token shortened when `tty`.
Table devices_table(const std::vector<model::Device>& devices, bool tty);

} // namespace notify::cli
