// Names of statuses and priorities.
#include "common/model/notification.hpp"

#include <array>

namespace notify::model {

namespace {

constexpr std::array<std::string_view, 9> k_status_names = {
    "scheduled", "queued", "sending", "retrying", "sent", "dead", "cancelled", "held", "suppressed",
};
constexpr std::array<std::string_view, 3> k_priority_names = {"high", "normal", "low"};

} // namespace

std::string_view to_string(Status s) {
    return k_status_names[static_cast<std::size_t>(s)];
}

std::optional<Status> parse_status(std::string_view text) {
    for (std::size_t i = 0; i < k_status_names.size(); ++i) {
        if (k_status_names[i] == text) {
            return static_cast<Status>(i);
        }
    }
    return std::nullopt;
}

const std::vector<Status>& all_statuses() {
    static const std::vector<Status> k_all = {
        Status::scheduled, Status::queued,    Status::sending, Status::retrying,   Status::sent,
        Status::dead,      Status::cancelled, Status::held,    Status::suppressed,
    };
    return k_all;
}

bool is_terminal(Status s) {
    return s == Status::sent || s == Status::dead || s == Status::cancelled ||
           s == Status::suppressed;
}

std::string_view to_string(Priority p) {
    return k_priority_names[static_cast<std::size_t>(p)];
}

std::optional<Priority> parse_priority(std::string_view text) {
    for (std::size_t i = 0; i < k_priority_names.size(); ++i) {
        if (k_priority_names[i] == text) {
            return static_cast<Priority>(i);
        }
    }
    return std::nullopt;
}

} // namespace notify::model
