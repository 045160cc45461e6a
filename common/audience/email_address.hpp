// E-mail address validation and normalisation, with IDN domains converted to A-labels.
#pragma once

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace notify::audience {

// Checks local@domain (RFC 5321/5322 dot-atom local part up to 64 octets, quoted local parts
// may be rejected; domain LDH labels with a dot, up to 253 octets, IDN domains in UTF-8 are
// accepted and converted to punycode A-labels — return normalised "local@domain" with the
// domain lowercased/A-label.
// In detail:
//  - the address is split at its last "@"; the local part is ASCII atext and single dots,
//    case kept; quoted local parts, non-ASCII local parts (SMTPUTF8) and the
//    "Name <addr>" form are rejected;
//  - the domain has at least two labels; ASCII labels are letters, digits and inner "-", at
//    most 63 octets, lowercased; "." and the IDNA separators U+3002, U+FF0E, U+FF61 split
//    labels; full-width ASCII (U+FF01..U+FF5E) is mapped to ASCII;
//  - a label with other non-ASCII characters must be valid UTF-8; capitals of Latin-1,
//    Latin Extended-A, Greek and Cyrillic are lowercased (a subset of UTS 46 mapping, no NFC
//    normalisation), symbols, punctuation, emoji, private-use and noncharacters are
//    refused, and the label becomes "xn--" + punycode_encode(label), at most 63 octets;
//  - the whole A-label domain is at most 253 octets.
// Returns an Unexpected such as `invalid email address "bob@": missing domain`.
Expected<std::string> normalize_email(std::string_view text);

} // namespace notify::audience
