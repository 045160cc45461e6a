// How the CLI prints users, devices and preferences (JSON and plain).
#pragma once

#include <iosfwd>

#include <nlohmann/json.hpp>

#include "common/model/audience.hpp"

namespace notify::cli {

nlohmann::ordered_json user_json(const model::User& u);
nlohmann::ordered_json device_json(const model::Device& d);
nlohmann::ordered_json preference_json(const model::Preference& p);
// user_json plus quiet_hours, devices and preferences.
nlohmann::ordered_json profile_json(const model::UserProfile& p);

// One tab-separated line per device: id, user, platform, state, app, token (shortened on a
// terminal).
void print_devices(std::ostream& out, const std::vector<model::Device>& devices, bool tty);

} // namespace notify::cli
