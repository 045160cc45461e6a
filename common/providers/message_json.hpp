// The JSON form of a provider message, shared by the file, log, webhook and exec providers.
#pragma once

#include <string>

#include "common/providers/provider.hpp"

namespace notify::providers {

// One-line JSON object: id, channel, to, user, template, event_id, priority, subject, title,
// body, data (an object), attempt. Absent optional fields are null; keys in that order.
std::string message_json(const Message& message);

} // namespace notify::providers
