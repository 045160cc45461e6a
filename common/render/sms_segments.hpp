// SMS length: how many segments a text needs, GSM-7 or UCS-2.
#pragma once

#include <string_view>

namespace notify::render {

enum class SmsEncoding { gsm7, ucs2 };

struct SmsCount {
    SmsEncoding encoding = SmsEncoding::gsm7;
    int units = 0;    // GSM-7 septets (extension characters count 2), or UTF-16 code units
    int segments = 0; // 0 for an empty text
};

// The most segments one templated SMS may need (the contract's configurable maximum; a
// constant until the config grows a key for it).
inline constexpr int k_max_sms_segments = 10;

// Counts `utf8_text` the way a handset packs it: GSM-7 (3GPP TS 23.038 default alphabet;
// the extension table ^ { } \ [ ~ ] | € and form feed take two septets) when every
// character is in it, 160 septets in one segment, else 153 per segment of a concatenated
// message; otherwise UCS-2, 70 code units in one segment, else 67 per segment (characters
// outside the BMP, e.g. emoji, take two). A two-unit character is never split across
// segments. Invalid UTF-8 bytes count as one UCS-2 unit each.
SmsCount count_sms(std::string_view utf8_text);

const char* to_string(SmsEncoding encoding);

} // namespace notify::render
