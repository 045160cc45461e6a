// Unit tests of common/providers/form_encoding.cpp.
#include <gtest/gtest.h>

#include "common/providers/form_encoding.hpp"

namespace notify::providers {
namespace {

TEST(FormEncoding, KeepsUnreservedCharacters) {
    EXPECT_EQ(form_escape("AZaz09*-._"), "AZaz09*-._");
}

TEST(FormEncoding, SpaceBecomesPlus) {
    EXPECT_EQ(form_escape("a b  c"), "a+b++c");
}

TEST(FormEncoding, ReservedAndOtherAsciiArePercentEncodedUpperCase) {
    EXPECT_EQ(form_escape("+&=%/?#:~'\"\n"), "%2B%26%3D%25%2F%3F%23%3A%7E%27%22%0A");
}

TEST(FormEncoding, Utf8BytesArePercentEncoded) {
    EXPECT_EQ(form_escape("é€"), "%C3%A9%E2%82%AC");
}

TEST(FormEncoding, EmptyTextAndNoFields) {
    EXPECT_EQ(form_escape(""), "");
    EXPECT_EQ(form_encode({}), "");
}

TEST(FormEncoding, EncodeJoinsFieldsInOrder) {
    EXPECT_EQ(form_encode({{"To", "+1 555"}, {"Body", "a&b=c"}, {"client-ref", "notify-1"}}),
              "To=%2B1+555&Body=a%26b%3Dc&client-ref=notify-1");
    EXPECT_EQ(form_encode({{"empty", ""}}), "empty=");
}

TEST(FormEncoding, DecodeInvertsEncode) {
    const std::vector<FormField> fields = {
        {"To", "+15017122661"}, {"Body", "Line 1\nLine 2: 100% ok & done ☃"}, {"x", ""}};
    auto decoded = form_decode(form_encode(fields));
    ASSERT_EQ(decoded.size(), fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        EXPECT_EQ(decoded[i].name, fields[i].name);
        EXPECT_EQ(decoded[i].value, fields[i].value);
    }
}

TEST(FormEncoding, DecodeKeepsMalformedEscapesAndBareNames) {
    auto decoded = form_decode("a=%zz%4&flag&&b=%41");
    ASSERT_EQ(decoded.size(), 3u);
    EXPECT_EQ(decoded[0].value, "%zz%4");
    EXPECT_EQ(decoded[1].name, "flag");
    EXPECT_EQ(decoded[1].value, "");
    EXPECT_EQ(decoded[2].value, "A");
}

TEST(FormEncoding, DecodeOfEmptyBodyIsEmpty) {
    EXPECT_TRUE(form_decode("").empty());
}

} // namespace
} // namespace notify::providers
