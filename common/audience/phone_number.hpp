// Phone number validation and E.164 normalisation with libphonenumber.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace notify::audience {

// Parses `text` (national or international form) with libphonenumber, using `default_region`
// (ISO 3166 alpha-2 such as "US", "DE"; may be empty: then only +international numbers parse)
// and returns E.164 ("+14155550123"). Rejects numbers libphonenumber says are not valid
// (is_valid_number) with a one-line reason: `invalid phone number "123": too short` style.
// Besides digits, `text` may hold spaces and the separators + - . ( ) /, and non-ASCII
// characters libphonenumber understands (full-width digits, Unicode dashes); ASCII letters
// (vanity numbers, "ext. 12" extensions), other punctuation and control characters are
// rejected. A non-empty `default_region` that is not known_region() is rejected too.
Expected<std::string> normalize_phone(std::string_view text, std::string_view default_region);

// True if `region` is a region code libphonenumber knows (upper case: "US", "DE", not "us";
// the non-geographical "001" is not a region).
bool known_region(std::string_view region);

} // namespace notify::audience
