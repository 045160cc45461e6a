// Unit tests of common/render/sms_segments: GSM-7 with the extension table, UCS-2, packing.
#include <string>

#include <gtest/gtest.h>

#include "common/render/sms_segments.hpp"

namespace notify::render {
namespace {

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

TEST(RenderSmsSegments, EmptyTextHasNoSegments) {
    SmsCount c = count_sms("");
    EXPECT_EQ(c.encoding, SmsEncoding::gsm7);
    EXPECT_EQ(c.units, 0);
    EXPECT_EQ(c.segments, 0);
}

TEST(RenderSmsSegments, Gsm7SingleAndConcatenated) {
    EXPECT_EQ(count_sms("hello").units, 5);
    EXPECT_EQ(count_sms(repeat("a", 160)).segments, 1);
    EXPECT_EQ(count_sms(repeat("a", 161)).segments, 2);
    EXPECT_EQ(count_sms(repeat("a", 306)).segments, 2);
    EXPECT_EQ(count_sms(repeat("a", 307)).segments, 3);
    EXPECT_EQ(count_sms(repeat("a", 1530)).segments, 10);
    EXPECT_EQ(count_sms(repeat("a", 1531)).segments, 11);
}

TEST(RenderSmsSegments, Gsm7BasicTableIncludesAccentsAndGreek) {
    SmsCount c = count_sms("Ça coûte 5£ @ Δ ñ ü é\n");
    // û is not in the GSM alphabet.
    EXPECT_EQ(c.encoding, SmsEncoding::ucs2);
    c = count_sms("Ça va? 5£ @ Δ ñ ü é\n");
    EXPECT_EQ(c.encoding, SmsEncoding::gsm7);
    EXPECT_EQ(c.units, 20);
}

TEST(RenderSmsSegments, ExtensionCharactersCountDouble) {
    SmsCount c = count_sms("a[b]€{}|~^\\");
    EXPECT_EQ(c.encoding, SmsEncoding::gsm7);
    EXPECT_EQ(c.units, 2 + 9 * 2);
    EXPECT_EQ(count_sms(repeat("€", 80)).segments, 1);  // 160 septets
    EXPECT_EQ(count_sms(repeat("€", 81)).segments, 2);  // 162 septets, 76 per segment
    EXPECT_EQ(count_sms(repeat("[", 153)).segments, 3); // 306 septets, 76 + 76 + 1
}

TEST(RenderSmsSegments, EscapePairIsNeverSplitAcrossSegments) {
    // 152 + 2 + 152 = 306 septets: two segments by arithmetic, three on the air because the
    // euro sign cannot straddle the first boundary.
    SmsCount c = count_sms(repeat("a", 152) + "€" + repeat("a", 152));
    EXPECT_EQ(c.units, 306);
    EXPECT_EQ(c.segments, 3);
}

TEST(RenderSmsSegments, Ucs2ForOtherScripts) {
    SmsCount c = count_sms("Привет");
    EXPECT_EQ(c.encoding, SmsEncoding::ucs2);
    EXPECT_EQ(c.units, 6);
    EXPECT_EQ(c.segments, 1);
    EXPECT_EQ(count_sms(repeat("ж", 70)).segments, 1);
    EXPECT_EQ(count_sms(repeat("ж", 71)).segments, 2);
    EXPECT_EQ(count_sms(repeat("ж", 134)).segments, 2);
    EXPECT_EQ(count_sms(repeat("ж", 135)).segments, 3);
}

TEST(RenderSmsSegments, EmojiTakeTwoUtf16UnitsAndAreNotSplit) {
    SmsCount c = count_sms("ok 😀");
    EXPECT_EQ(c.encoding, SmsEncoding::ucs2);
    EXPECT_EQ(c.units, 5);
    EXPECT_EQ(count_sms(repeat("😀", 35)).segments, 1); // 70 units
    EXPECT_EQ(count_sms(repeat("😀", 36)).segments, 2); // 72 units, 33 emoji per segment
    EXPECT_EQ(count_sms(repeat("😀", 67)).segments, 3); // 134 units: 33 + 33 + 1
}

TEST(RenderSmsSegments, InvalidUtf8CountsAsUcs2) {
    SmsCount c = count_sms(std::string("ab\xff", 3));
    EXPECT_EQ(c.encoding, SmsEncoding::ucs2);
    EXPECT_EQ(c.units, 3);
}

} // namespace
} // namespace notify::render
