// A file sent with an e-mail notification, and the content type guessed from its name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notify::model {

// Read at enqueue and kept in the store until the notification is sent; then the bytes are
// dropped and the name, type and size stay for `notify show`.
struct Attachment {
    std::string filename;             // base name, as given (UTF-8 in practice)
    std::string content_type;         // e.g. application/pdf
    std::int64_t size = 0;            // bytes
    std::optional<std::string> bytes; // nullopt: dropped after sending, or not loaded
    bool stored = true;               // false once the bytes were dropped from the store
};

// The media type of `filename` by its extension (case-insensitive): pdf, png, jpg/jpeg, gif,
// txt, csv, html/htm, json, xml, zip, gz, ics; anything else application/octet-stream.
std::string_view content_type_for(std::string_view filename);

} // namespace notify::model
