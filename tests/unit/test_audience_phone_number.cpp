// Unit tests of common/audience/phone_number.cpp: E.164 normalisation through libphonenumber.
#include <string>

#include <gtest/gtest.h>

#include "common/audience/phone_number.hpp"

namespace notify::audience {
namespace {

// The E.164 number, or "ERROR: <message>".
std::string phone(std::string_view text, std::string_view region) {
    auto result = normalize_phone(text, region);
    return result ? *result : "ERROR: " + result.error();
}

TEST(PhoneNumber, UnitedStatesNationalAndInternational) {
    EXPECT_EQ(phone("+14155550123", ""), "+14155550123");
    EXPECT_EQ(phone("+1 (415) 555-0123", ""), "+14155550123");
    EXPECT_EQ(phone("+1.415.555.0123", ""), "+14155550123");
    EXPECT_EQ(phone("(201) 555-0123", "US"), "+12015550123");
    EXPECT_EQ(phone("201-555-0123", "US"), "+12015550123");
    EXPECT_EQ(phone("1 201 555 0123", "US"), "+12015550123");
    EXPECT_EQ(phone("011 49 30 123456", "US"), "+4930123456"); // US international prefix
    EXPECT_EQ(phone("+1 800 356 9377", "US"), "+18003569377");
}

TEST(PhoneNumber, Germany) {
    EXPECT_EQ(phone("030 123456", "DE"), "+4930123456");
    EXPECT_EQ(phone("030/1234567", "DE"), "+49301234567");
    EXPECT_EQ(phone("0151 23456789", "DE"), "+4915123456789");
    EXPECT_EQ(phone("+49 30 123456", ""), "+4930123456");
    EXPECT_EQ(phone("+49 (0)30 123456", ""), "+4930123456");
    EXPECT_EQ(phone("0049 30 123456", "DE"), "+4930123456");
}

TEST(PhoneNumber, UnitedKingdom) {
    EXPECT_EQ(phone("0121 234 5678", "GB"), "+441212345678");
    EXPECT_EQ(phone("07400 123456", "GB"), "+447400123456");
    EXPECT_EQ(phone("+44 7400 123456", "US"), "+447400123456"); // + wins over the region
    EXPECT_EQ(phone("+44 20.7946.0958", ""), "+442079460958");
}

TEST(PhoneNumber, India) {
    EXPECT_EQ(phone("074104 10123", "IN"), "+917410410123");
    EXPECT_EQ(phone("98765 43210", "IN"), "+919876543210");
    EXPECT_EQ(phone("+91 74104 10123", ""), "+917410410123");
    EXPECT_EQ(phone("022 2345 6789", "IN"), "+912223456789");
}

TEST(PhoneNumber, Japan) {
    EXPECT_EQ(phone("03-1234-5678", "JP"), "+81312345678");
    EXPECT_EQ(phone("090-1234-5678", "JP"), "+819012345678");
    EXPECT_EQ(phone("+81 3 1234 5678", ""), "+81312345678");
    // Full-width digits and dashes, as typed with a Japanese input method.
    EXPECT_EQ(phone("\xef\xbc\x90\xef\xbc\x93\xe2\x88\x92\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93"
                    "\xef\xbc\x94\xe2\x88\x92\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98",
                    "JP"),
              "+81312345678");
}

TEST(PhoneNumber, Brazil) {
    EXPECT_EQ(phone("(11) 2345-6789", "BR"), "+551123456789");
    EXPECT_EQ(phone("(11) 96123-4567", "BR"), "+5511961234567");
    EXPECT_EQ(phone("+55 11 96123-4567", ""), "+5511961234567");
}

TEST(PhoneNumber, EmptyRegionAcceptsOnlyInternationalNumbers) {
    EXPECT_EQ(phone("4155550123", ""),
              "ERROR: invalid phone number \"4155550123\": no default region to read a national "
              "number: use the international form, e.g. +14155550123");
    EXPECT_EQ(phone("030 123456", ""),
              "ERROR: invalid phone number \"030 123456\": no default region to read a national "
              "number: use the international form, e.g. +14155550123");
    EXPECT_EQ(phone("00 49 30 123456", ""),
              "ERROR: invalid phone number \"00 49 30 123456\": no default region to read a "
              "national number: use the international form, e.g. +14155550123");
}

TEST(PhoneNumber, RejectsNumbersThatAreNotValid) {
    EXPECT_EQ(phone("123", "US"), "ERROR: invalid phone number \"123\": too short");
    EXPECT_EQ(phone("12345", "US"), "ERROR: invalid phone number \"12345\": too short");
    EXPECT_EQ(phone("+1234", ""), "ERROR: invalid phone number \"+1234\": too short");
    EXPECT_EQ(phone("+1415555012345678", ""),
              "ERROR: invalid phone number \"+1415555012345678\": too long");
    EXPECT_EQ(phone("+0123456789", ""),
              "ERROR: invalid phone number \"+0123456789\": unknown country calling code");
    EXPECT_EQ(phone("+999 1234567", ""),
              "ERROR: invalid phone number \"+999 1234567\": unknown country calling code");
    // Right length, but 555 is not an area code in service.
    EXPECT_EQ(phone("+15551234567", ""),
              "ERROR: invalid phone number \"+15551234567\": not a number in use in its region");
    EXPECT_EQ(phone("+12345678", ""),
              "ERROR: invalid phone number \"+12345678\": too short (a local number without "
              "its area code?)");
    EXPECT_EQ(phone("0301", "DE"),
              "ERROR: invalid phone number \"0301\": not a number in use in its region");
}

TEST(PhoneNumber, RejectsLettersPunctuationAndControlCharacters) {
    EXPECT_EQ(phone("+1415555O123", ""),
              "ERROR: invalid phone number \"+1415555O123\": unexpected character 'O'");
    EXPECT_EQ(phone("1-800-FLOWERS", "US"),
              "ERROR: invalid phone number \"1-800-FLOWERS\": unexpected character 'F'");
    EXPECT_EQ(phone("+1 415 555 0123 ext. 5", ""),
              "ERROR: invalid phone number \"+1 415 555 0123 ext. 5\": unexpected character 'e'");
    EXPECT_EQ(phone("+14155550123#", ""),
              "ERROR: invalid phone number \"+14155550123#\": unexpected character '#'");
    EXPECT_EQ(phone("+1415555\n0123", ""),
              "ERROR: invalid phone number \"+1415555\n0123\": control characters are not "
              "allowed");
    EXPECT_EQ(phone("", "US"), "ERROR: invalid phone number \"\": empty");
    EXPECT_EQ(phone("+-()", ""), "ERROR: invalid phone number \"+-()\": not a phone number");
    EXPECT_EQ(phone(std::string(251, '1'), "US"), "ERROR: invalid phone number \"" +
                                                      std::string(32, '1') +
                                                      "\": longer than 250 bytes");
}

TEST(PhoneNumber, RejectsAnUnknownDefaultRegion) {
    EXPECT_EQ(phone("030 123456", "XX"),
              "ERROR: invalid phone number \"030 123456\": unknown default region \"XX\"");
    EXPECT_EQ(phone("+4930123456", "de"),
              "ERROR: invalid phone number \"+4930123456\": unknown default region \"de\"");
}

TEST(PhoneNumber, KnownRegions) {
    for (const char* region : {"US", "DE", "GB", "IN", "JP", "BR", "FR", "CH", "AU", "NZ"}) {
        EXPECT_TRUE(known_region(region)) << region;
    }
    for (const char* region : {"", "us", "De", "XX", "ZZ", "001", "UK", "USA", "U"}) {
        EXPECT_FALSE(known_region(region)) << region;
    }
}

} // namespace
} // namespace notify::audience
