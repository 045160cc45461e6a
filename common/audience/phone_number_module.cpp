// Phone numbers through libphonenumber: the only file that includes it. Built as its own
// module (notify_phone.so), which phone_number.cpp loads on first use: libphonenumber brings
// protobuf, ICU and abseil, which every process would otherwise map and relocate at start.
#include "common/audience/phone_number_module.hpp"

#include <set>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "common/expected.hpp"

namespace notify::audience {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// libphonenumber refuses longer input; so do we, before it does any work.
constexpr std::size_t k_max_input = 250;

Unexpected bad(std::string_view text, std::string_view why) {
    return Unexpected{"invalid phone number \"" + std::string(text) + "\": " + std::string(why)};
}

// Returns the first character that may not appear in a phone number, or '\0' when none.
// Bytes >= 0x80 are left to libphonenumber (full-width digits, Unicode dashes and spaces).
char forbidden_character(std::string_view text) {
    constexpr std::string_view k_allowed = " +-.()/";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || (c >= '0' && c <= '9') || k_allowed.find(c) != std::string_view::npos) {
            continue;
        }
        return c;
    }
    return '\0';
}

std::string_view parse_failure(PhoneNumberUtil::ErrorType error, bool international) {
    switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return international ? "unknown country calling code"
                             : "no default region to read a national number: use the "
                               "international form, e.g. +14155550123";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
        return "too short after the international prefix";
    case PhoneNumberUtil::TOO_SHORT_NSN:
        return "too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
        return "too long";
    case PhoneNumberUtil::NOT_A_NUMBER:
    case PhoneNumberUtil::NO_PARSING_ERROR:
        break;
    }
    return "not a phone number";
}

std::string_view invalid_reason(PhoneNumberUtil::ValidationResult result) {
    switch (result) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        return "unknown country calling code";
    case PhoneNumberUtil::TOO_SHORT:
        return "too short";
    case PhoneNumberUtil::TOO_LONG:
        return "too long";
    case PhoneNumberUtil::INVALID_LENGTH:
        return "wrong number of digits for its region";
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
        return "too short (a local number without its area code?)";
    case PhoneNumberUtil::IS_POSSIBLE:
        break;
    }
    return "not a number in use in its region";
}

const std::set<std::string>& supported_regions() {
    static const std::set<std::string> k_regions = [] {
        std::set<std::string> regions;
        PhoneNumberUtil::GetInstance()->GetSupportedRegions(&regions);
        return regions;
    }();
    return k_regions;
}

bool module_known_region(std::string_view region) {
    return supported_regions().count(std::string(region)) != 0;
}

Expected<std::string> module_normalize(std::string_view text, std::string_view default_region) {
    if (text.empty()) {
        return bad(text, "empty");
    }
    if (text.size() > k_max_input) {
        return bad(text.substr(0, 32), "longer than " + std::to_string(k_max_input) + " bytes");
    }
    if (char c = forbidden_character(text); c != '\0') {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            return bad(text, "control characters are not allowed");
        }
        return bad(text, std::string("unexpected character '") + c + "'");
    }
    if (!default_region.empty() && !module_known_region(default_region)) {
        return bad(text, "unknown default region \"" + std::string(default_region) + "\"");
    }
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    // "ZZ" is libphonenumber's "unknown region": only numbers with a leading + parse.
    const std::string region = default_region.empty() ? "ZZ" : std::string(default_region);
    const auto error = util.Parse(std::string(text), region, &number);
    if (error != PhoneNumberUtil::NO_PARSING_ERROR) {
        const bool international = text.find('+') != std::string_view::npos;
        return bad(text, parse_failure(error, international || !default_region.empty()));
    }
    if (!util.IsValidNumber(number)) {
        return bad(text, invalid_reason(util.IsPossibleNumberWithReason(number)));
    }
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    return e164;
}

} // namespace

} // namespace notify::audience

extern "C" {

bool notify_phone_normalize(std::string_view text, std::string_view default_region,
                            std::string* result) {
    auto normalized = notify::audience::module_normalize(text, default_region);
    *result = normalized ? *normalized : normalized.error();
    return normalized.has_value();
}

bool notify_phone_known_region(std::string_view region) {
    return notify::audience::module_known_region(region);
}

} // extern "C"
