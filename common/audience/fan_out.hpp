// Which channels and addresses a user is reached on: `notify send --user` fan-out.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/model/audience.hpp"

namespace notify::audience {

// The channel each kind of address goes to: "email", "phone", and device platforms "ios",
// "android", "web" (config `audience.channels`).
using AddressChannels = std::map<std::string, std::string>;

struct Target {
    std::string channel;
    std::string to;
};

// Every address of `profile` on a channel that `is_configured` accepts, in the order email,
// phone, devices (by id); invalidated devices are skipped. With `only_channel`, just the
// addresses on that channel.
std::vector<Target> fan_out(const model::UserProfile& profile, const AddressChannels& channels,
                            const std::function<bool(const std::string&)>& is_configured,
                            const std::optional<std::string>& only_channel);

} // namespace notify::audience
