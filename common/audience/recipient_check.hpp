// Validation and normalisation of a recipient address for its channel, at the door.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace notify::audience {

// Checks `to` for `channel` and returns its normalised form:
//  - email: normalize_email (dot-atom local part up to 64 octets, LDH or IDN domain with at
//    least one dot, up to 253 octets as A-labels; an optional "Name <addr>" form is rejected:
//    give the bare address); the domain is lowercased and IDN labels become "xn--" A-labels;
//  - sms: normalize_phone with `default_region` (ISO 3166 alpha-2 such as "US"; empty: only
//    +international numbers are accepted); the result is E.164, e.g. "+14155550123";
//  - push: a text starting with "{" is a Web Push subscription, checked and re-serialised by
//    normalize_device_token(Platform::web, ...); anything else is a device token of 8 to 4096
//    characters from [A-Za-z0-9:_.-] (the platform is unknown here), returned unchanged;
//  - webhook and slack: an http:// or https:// URL without spaces;
//  - any other channel: non-empty, at most 1024 bytes, no control characters.
// Returns an Unexpected such as `invalid email address "bob@": missing domain`.
Expected<std::string> check_recipient(std::string_view channel, std::string_view to,
                                      std::string_view default_region);

} // namespace notify::audience
