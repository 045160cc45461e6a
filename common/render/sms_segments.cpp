// SMS segment counting (GSM-7 default alphabet and extension table, UCS-2).
#include "common/render/sms_segments.hpp"

#include <vector>

namespace notify::render {

namespace {

// The GSM 03.38 default alphabet, as Unicode code points (one septet each).
constexpr char32_t k_gsm_basic[] = {
    U'@',  U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø',
    U'\r', U'Å', U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',  U'Σ', U'Θ',
    U'Ξ',  U'Æ', U'æ', U'ß', U'É', U' ', U'!', U'"', U'#', U'¤', U'%',  U'&', U'\'',
    U'(',  U')', U'*', U'+', U',', U'-', U'.', U'/', U':', U';', U'<',  U'=', U'>',
    U'?',  U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ',  U'ü', U'à',
};

// The extension table: an escape septet plus one (two septets each).
constexpr char32_t k_gsm_extension[] = {U'\f', U'^', U'{', U'}', U'\\',
                                        U'[',  U'~', U']', U'|', U'€'};

// Septets of `c` in GSM-7: 1, 2 (extension table), or 0 when it is not representable.
int gsm_septets(char32_t c) {
    if ((c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z')) {
        return 1;
    }
    for (char32_t b : k_gsm_basic) {
        if (b == c) {
            return 1;
        }
    }
    for (char32_t e : k_gsm_extension) {
        if (e == c) {
            return 2;
        }
    }
    return 0;
}

// Decodes UTF-8; an invalid byte becomes U+FFFD (not GSM-7, one UCS-2 unit).
std::vector<char32_t> decode_utf8(std::string_view s) {
    std::vector<char32_t> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        int len = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
        if (len == 0 || i + len > s.size()) {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = true;
        for (int k = 1; k < len; ++k) {
            const auto cont = static_cast<unsigned char>(s[i + k]);
            if ((cont & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            c = (c << 6) | (cont & 0x3F);
        }
        if (!ok) {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        out.push_back(c);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

// Packs characters of `widths` units into segments of `per_segment`, never splitting one.
int pack(const std::vector<int>& widths, int per_segment) {
    int segments = 1;
    int used = 0;
    for (int w : widths) {
        if (used + w > per_segment) {
            ++segments;
            used = 0;
        }
        used += w;
    }
    return segments;
}

} // namespace

SmsCount count_sms(std::string_view utf8_text) {
    const std::vector<char32_t> chars = decode_utf8(utf8_text);
    std::vector<int> widths;
    widths.reserve(chars.size());
    SmsCount count;
    for (char32_t c : chars) {
        const int septets = gsm_septets(c);
        if (septets == 0) {
            count.encoding = SmsEncoding::ucs2;
            break;
        }
        widths.push_back(septets);
    }
    if (count.encoding == SmsEncoding::ucs2) {
        widths.clear();
        for (char32_t c : chars) {
            widths.push_back(c > 0xFFFF ? 2 : 1);
        }
    }
    for (int w : widths) {
        count.units += w;
    }
    const int single = count.encoding == SmsEncoding::gsm7 ? 160 : 70;
    const int multi = count.encoding == SmsEncoding::gsm7 ? 153 : 67;
    if (count.units == 0) {
        count.segments = 0;
    } else if (count.units <= single) {
        count.segments = 1;
    } else {
        count.segments = pack(widths, multi);
    }
    return count;
}

const char* to_string(SmsEncoding encoding) {
    return encoding == SmsEncoding::gsm7 ? "GSM-7" : "UCS-2";
}

} // namespace notify::render
