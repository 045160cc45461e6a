// The JSON form of a provider message, shared by the file, log, webhook and exec providers.
#pragma once

#include <string>

#include "common/providers/provider.hpp"

namespace notify::providers {

// Whether the JSON of a message carries attachment bytes.
enum class AttachmentBytes {
    omit,   // filename, content_type, size (file and log providers: a record, not a copy)
    base64, // and content: the bytes in base64 (exec and webhook: the receiver sends them on)
};

// One-line JSON object: id, channel, to, user, template, event_id, priority, subject, title,
// body, data (an object), attempt, and, only when the message has any, attachments (an array
// of {filename, content_type, size[, content]}). Absent optional fields are null; keys in
// that order.
std::string message_json(const Message& message, AttachmentBytes bytes = AttachmentBytes::omit);

} // namespace notify::providers
