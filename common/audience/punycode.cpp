// RFC 3492 Punycode encoder (section 6.3), with the bootstring parameters of section 5.
#include "common/audience/punycode.hpp"

#include <cstdint>
#include <limits>

namespace notify::audience {
namespace {

constexpr std::uint32_t k_base = 36;
constexpr std::uint32_t k_tmin = 1;
constexpr std::uint32_t k_tmax = 26;
constexpr std::uint32_t k_skew = 38;
constexpr std::uint32_t k_damp = 700;
constexpr std::uint32_t k_initial_bias = 72;
constexpr std::uint32_t k_initial_n = 0x80;
constexpr std::uint32_t k_max = std::numeric_limits<std::uint32_t>::max();

// The basic code point of digit `d` (0..35): a..z then 0..9.
char encode_digit(std::uint32_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

// Bias adaptation, RFC 3492 section 6.1.
std::uint32_t adapt(std::uint32_t delta, std::uint32_t num_points, bool first_time) {
    delta = first_time ? delta / k_damp : delta / 2;
    delta += delta / num_points;
    std::uint32_t k = 0;
    while (delta > ((k_base - k_tmin) * k_tmax) / 2) {
        delta /= k_base - k_tmin;
        k += k_base;
    }
    return k + (k_base - k_tmin + 1) * delta / (delta + k_skew);
}

// The threshold t of position k, clamped to [tmin, tmax].
std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) {
    if (k <= bias) {
        return k_tmin;
    }
    if (k >= bias + k_tmax) {
        return k_tmax;
    }
    return k - bias;
}

} // namespace

std::optional<std::string> punycode_encode(std::u32string_view input) {
    if (input.size() >= k_max) {
        return std::nullopt;
    }
    std::string out;
    for (char32_t c : input) {
        if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return std::nullopt;
        }
        if (c < 0x80) {
            out += static_cast<char>(c);
        }
    }
    const auto basic = static_cast<std::uint32_t>(out.size());
    std::uint32_t handled = basic;
    if (basic > 0) {
        out += '-';
    }
    std::uint32_t n = k_initial_n;
    std::uint32_t delta = 0;
    std::uint32_t bias = k_initial_bias;
    const auto length = static_cast<std::uint32_t>(input.size());
    while (handled < length) {
        // The smallest code point not yet handled.
        std::uint32_t m = k_max;
        for (char32_t c : input) {
            if (c >= n && c < m) {
                m = c;
            }
        }
        if ((m - n) > (k_max - delta) / (handled + 1)) {
            return std::nullopt;
        }
        delta += (m - n) * (handled + 1);
        n = m;
        for (char32_t c : input) {
            if (c < n) {
                if (delta == k_max) {
                    return std::nullopt;
                }
                ++delta;
            } else if (c == n) {
                std::uint32_t q = delta;
                for (std::uint32_t k = k_base;; k += k_base) {
                    const std::uint32_t t = threshold(k, bias);
                    if (q < t) {
                        break;
                    }
                    out += encode_digit(t + (q - t) % (k_base - t));
                    q = (q - t) / (k_base - t);
                }
                out += encode_digit(q);
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                ++handled;
            }
        }
        if (delta == k_max) {
            return std::nullopt;
        }
        ++delta;
        ++n;
    }
    return out;
}

} // namespace notify::audience
