// RFC 3492 Punycode: the encoding of IDN U-labels as ASCII (the part after "xn--").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace notify::audience {

// Encodes the code points of `input` as Punycode per RFC 3492 section 6.3, without the
// "xn--" ACE prefix: the basic (ASCII) code points copied in order, then "-" if there were
// any, then the deltas of the others. ASCII case is kept; no mapping or normalisation is done
// (that is the caller's job). Returns nullopt for a surrogate or a value above U+10FFFF, or
// when a delta would overflow 32 bits (only for absurdly long inputs).
std::optional<std::string> punycode_encode(std::u32string_view input);

} // namespace notify::audience
