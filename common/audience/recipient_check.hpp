// Validation and normalisation of a recipient address for its channel, at the door.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace notify::audience {

// Checks `to` for `channel` and returns its normalised form:
//  - email: local@domain per RFC 5321 shapes (dot-atom local part up to 64 octets, domain of
//    LDH labels with at least one dot, up to 253 octets; an optional "Name <addr>" form is
//    rejected: give the bare address); the domain is lowercased;
//  - sms: E.164, "+" then 8 to 15 digits; spaces, dots, dashes and parentheses are removed;
//  - push: a device token of 8 to 4096 characters from [A-Za-z0-9:_.-];
//  - webhook and slack: an http:// or https:// URL without spaces;
//  - any other channel: non-empty, at most 1024 bytes, no control characters.
// Returns an Unexpected such as `invalid email address "bob@": missing domain`.
Expected<std::string> check_recipient(std::string_view channel, std::string_view to);

} // namespace notify::audience
