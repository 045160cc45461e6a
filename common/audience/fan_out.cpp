// Fan-out of a user to channel addresses.
#include "common/audience/fan_out.hpp"

namespace notify::audience {

std::vector<Target> fan_out(const model::UserProfile& profile, const AddressChannels& channels,
                            const std::function<bool(const std::string&)>& is_configured,
                            const std::optional<std::string>& only_channel) {
    std::vector<Target> targets;
    const auto add = [&](const std::string& kind, const std::string& to) {
        auto it = channels.find(kind);
        if (it == channels.end() || !is_configured(it->second)) {
            return;
        }
        if (only_channel && *only_channel != it->second) {
            return;
        }
        targets.push_back({it->second, to});
    };
    if (profile.user.email) {
        add("email", *profile.user.email);
    }
    if (profile.user.phone) {
        add("phone", *profile.user.phone);
    }
    for (const auto& d : profile.devices) {
        if (!d.invalidated_at) {
            add(d.platform, d.token);
        }
    }
    return targets;
}

} // namespace notify::audience
