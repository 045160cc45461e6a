// Unit tests of common/audience/email_address.cpp: dot-atom local parts, LDH and IDN domains.
#include <string>

#include <gtest/gtest.h>

#include "common/audience/email_address.hpp"

namespace notify::audience {
namespace {

// The normalised address, or "ERROR: <message>".
std::string email(std::string_view text) {
    auto result = normalize_email(text);
    return result ? *result : "ERROR: " + result.error();
}

std::string error_for(std::string_view text, std::string_view why) {
    return "ERROR: invalid email address \"" + std::string(text) + "\": " + std::string(why);
}

// "abcdefghi." repeated, then "com": 10 * n + 3 octets.
std::string domain_of_length_10n_plus_3(int n) {
    std::string domain;
    for (int i = 0; i < n; ++i) {
        domain += "abcdefghi.";
    }
    return domain + "com";
}

// ---- local part -------------------------------------------------------------------------

TEST(EmailAddress, LocalPartDotsPlusAndAtext) {
    EXPECT_EQ(email("ann@example.com"), "ann@example.com");
    EXPECT_EQ(email("ann.lee@example.com"), "ann.lee@example.com");
    EXPECT_EQ(email("a.b.c.d@example.com"), "a.b.c.d@example.com");
    EXPECT_EQ(email("ann+tag@example.com"), "ann+tag@example.com");
    EXPECT_EQ(email("ann+@example.com"), "ann+@example.com");
    EXPECT_EQ(email("o'brien@example.org"), "o'brien@example.org");
    EXPECT_EQ(email("!#$%&'*+/=?^_`{|}~-@example.com"), "!#$%&'*+/=?^_`{|}~-@example.com");
}

TEST(EmailAddress, LocalPartCaseIsKeptDomainIsLowercased) {
    EXPECT_EQ(email("Ann.Lee@Example.COM"), "Ann.Lee@example.com");
    EXPECT_EQ(email("X@MAIL.EXAMPLE.CO.UK"), "X@mail.example.co.uk");
}

TEST(EmailAddress, LocalPartOf64OctetsButNot65) {
    const std::string l64(64, 'l');
    EXPECT_EQ(email(l64 + "@example.com"), l64 + "@example.com");
    const std::string l65(65, 'l');
    EXPECT_EQ(email(l65 + "@example.com"),
              error_for(l65 + "@example.com", "local part longer than 64 characters"));
}

TEST(EmailAddress, MisplacedDotsInTheLocalPart) {
    for (const char* text : {".ann@example.com", "ann.@example.com", "a..b@example.com",
                             ".@example.com", "a...b@example.com"}) {
        EXPECT_EQ(email(text), error_for(text, "misplaced \".\" in the local part"));
    }
}

TEST(EmailAddress, RejectedLocalParts) {
    EXPECT_EQ(email("ann lee@example.com"),
              error_for("ann lee@example.com", "character ' ' not allowed in the local part"));
    EXPECT_EQ(email("a@b@example.com"),
              error_for("a@b@example.com", "character '@' not allowed in the local part"));
    EXPECT_EQ(email("\"quoted\"@example.com"),
              error_for("\"quoted\"@example.com", "character '\"' not allowed in the local part"));
    EXPECT_EQ(email("a(b)@example.com"),
              error_for("a(b)@example.com", "character '(' not allowed in the local part"));
    EXPECT_EQ(email("a,b@example.com"),
              error_for("a,b@example.com", "character ',' not allowed in the local part"));
    EXPECT_EQ(email("a\tb@example.com"),
              error_for("a\tb@example.com", "control characters are not allowed"));
    EXPECT_EQ(
        email("j\xc3\xb6rg@example.com"),
        error_for("j\xc3\xb6rg@example.com", "non-ASCII local parts (SMTPUTF8) are not supported"));
    const auto angle = normalize_email("Ann Lee <ann@example.com>");
    ASSERT_FALSE(angle);
    EXPECT_EQ(angle.error().rfind("invalid email address \"Ann Lee <ann@example.com>\": ", 0), 0u);
}

TEST(EmailAddress, MissingParts) {
    EXPECT_EQ(email(""), error_for("", "empty"));
    EXPECT_EQ(email("ann.example.com"), error_for("ann.example.com", "missing \"@\""));
    EXPECT_EQ(email("@example.com"), error_for("@example.com", "missing local part before \"@\""));
    EXPECT_EQ(email("bob@"), error_for("bob@", "missing domain"));
    EXPECT_EQ(email("@"), error_for("@", "missing local part before \"@\""));
}

// ---- ASCII domains ----------------------------------------------------------------------

TEST(EmailAddress, DomainsNeedADotAndNonEmptyLabels) {
    EXPECT_EQ(email("x@a1.b2"), "x@a1.b2");
    EXPECT_EQ(email("x@ex-am-ple.com"), "x@ex-am-ple.com");
    EXPECT_EQ(email("ann@localhost"), error_for("ann@localhost", "domain has no \".\""));
    for (const char* text : {"ann@example..com", "ann@.example.com", "ann@example.com.", "ann@."}) {
        EXPECT_EQ(email(text), error_for(text, "empty label in the domain"));
    }
}

TEST(EmailAddress, DomainLabelCharactersAndHyphens) {
    EXPECT_EQ(email("ann@-example.com"),
              error_for("ann@-example.com", "domain label starts or ends with \"-\""));
    EXPECT_EQ(email("ann@example-.com"),
              error_for("ann@example-.com", "domain label starts or ends with \"-\""));
    EXPECT_EQ(email("ann@exa_mple.com"),
              error_for("ann@exa_mple.com", "character '_' not allowed in the domain"));
    EXPECT_EQ(email("ann@[127.0.0.1]"),
              error_for("ann@[127.0.0.1]", "character '[' not allowed in the domain"));
    EXPECT_EQ(email("ann@exa mple.com"),
              error_for("ann@exa mple.com", "character ' ' not allowed in the domain"));
    EXPECT_EQ(email("ann@exa\nmple.com"),
              error_for("ann@exa\nmple.com", "control characters are not allowed"));
}

TEST(EmailAddress, LabelOf63OctetsButNot64) {
    const std::string d63(63, 'd');
    EXPECT_EQ(email("u@" + d63 + ".com"), "u@" + d63 + ".com");
    const std::string d64(64, 'd');
    EXPECT_EQ(email("u@" + d64 + ".com"),
              error_for("u@" + d64 + ".com", "domain label longer than 63 characters"));
}

TEST(EmailAddress, DomainOf253OctetsButNot254) {
    // 25 * 10 + 3 = 253 octets.
    const std::string d253 = domain_of_length_10n_plus_3(25);
    ASSERT_EQ(d253.size(), 253u);
    EXPECT_EQ(email("u@" + d253), "u@" + d253);
    const std::string d254 = "a" + d253;
    EXPECT_EQ(email("u@" + d254), error_for("u@" + d254, "domain longer than 253 characters"));
    const std::string d263 = domain_of_length_10n_plus_3(26);
    EXPECT_EQ(email("u@" + d263), error_for("u@" + d263, "domain longer than 253 characters"));
}

// ---- IDN domains ------------------------------------------------------------------------

TEST(EmailAddress, IdnDomainsBecomeALabels) {
    EXPECT_EQ(email("info@b\xc3\xbc"
                    "cher.example"),
              "info@xn--bcher-kva.example");
    EXPECT_EQ(email("info@m\xc3\xbcnchen.de"), "info@xn--mnchen-3ya.de");
    EXPECT_EQ(email("Info@stra\xc3\x9f"
                    "e.de"),
              "Info@xn--strae-oqa.de"); // IDNA2008 keeps sharp s
    // пример.рф
    EXPECT_EQ(email("a@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84"),
              "a@xn--e1afmkfd.xn--p1ai");
    // 日本語.jp
    EXPECT_EQ(email("a@\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.jp"), "a@xn--wgv71a119e.jp");
    // Mixed IDN and ASCII labels; an already-encoded A-label passes through lowercased.
    EXPECT_EQ(email("a@mail.b\xc3\xbc"
                    "cher.example"),
              "a@mail.xn--bcher-kva.example");
    EXPECT_EQ(email("a@XN--BCHER-KVA.example"), "a@xn--bcher-kva.example");
}

TEST(EmailAddress, IdnCapitalsAreLowercasedBeforeEncoding) {
    EXPECT_EQ(email("a@B\xc3\x9c"
                    "CHER.EXAMPLE"),
              "a@xn--bcher-kva.example"); // BÜCHER
    EXPECT_EQ(email("a@M\xc3\x9cNCHEN.DE"), "a@xn--mnchen-3ya.de");
    // ΕΛΛΗΝΙΚΆ.gr and ελληνικά.gr
    EXPECT_EQ(email("a@\xce\x95\xce\x9b\xce\x9b\xce\x97\xce\x9d\xce\x99\xce\x9a\xce\x86.gr"),
              "a@xn--hxargifdar.gr");
    EXPECT_EQ(email("a@\xce\xb5\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac.gr"),
              "a@xn--hxargifdar.gr");
    // ПРИМЕР.РФ
    EXPECT_EQ(email("a@\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.\xd0\xa0\xd0\xa4"),
              "a@xn--e1afmkfd.xn--p1ai");
    // Ÿ (U+0178) lowercases to ÿ (U+00FF), Ā (U+0100) to ā (U+0101).
    EXPECT_EQ(email("a@\xc5\xb8.\xc4\x80.com"), email("a@\xc3\xbf.\xc4\x81.com"));
}

TEST(EmailAddress, IdnaSeparatorsAndFullWidthAscii) {
    // bücher。example (U+3002 ideographic full stop)
    EXPECT_EQ(email("a@b\xc3\xbc"
                    "cher\xe3\x80\x82"
                    "example"),
              "a@xn--bcher-kva.example");
    // ｅｘａｍｐｌｅ．ｃｏｍ (full-width letters and U+FF0E)
    EXPECT_EQ(email("a@\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d\xef\xbd\x90\xef\xbd\x8c"
                    "\xef\xbd\x85\xef\xbc\x8e\xef\xbd\x83\xef\xbd\x8f\xef\xbd\x8d"),
              "a@example.com");
}

TEST(EmailAddress, IdnRejections) {
    const std::string bad_utf8 = "a@b\xc3(cher.example";
    EXPECT_EQ(email(bad_utf8), error_for(bad_utf8, "domain is not valid UTF-8"));
    const std::string overlong = "a@b\xc0\xafx.example";
    EXPECT_EQ(email(overlong), error_for(overlong, "domain is not valid UTF-8"));
    const std::string surrogate = "a@b\xed\xa0\x80x.example";
    EXPECT_EQ(email(surrogate), error_for(surrogate, "domain is not valid UTF-8"));
    const std::string copyright = "a@\xc2\xa9.example";
    EXPECT_EQ(email(copyright), error_for(copyright, "character U+00A9 not allowed in the domain"));
    const std::string nbsp = "a@b\xc2\xa0x.example";
    EXPECT_EQ(email(nbsp), error_for(nbsp, "character U+00A0 not allowed in the domain"));
    const std::string emoji = "a@\xf0\x9f\x98\x80.example";
    EXPECT_EQ(email(emoji), error_for(emoji, "character U+1F600 not allowed in the domain"));
    const std::string hyphens = "a@\xc3\xbc"
                                "b--c.example";
    EXPECT_EQ(email(hyphens),
              error_for(hyphens, "domain label has \"--\" in the third and fourth positions"));
    const std::string combining = "a@\xcc\x88u.example";
    EXPECT_EQ(email(combining), error_for(combining, "domain label starts with a combining mark"));
    const std::string dash = "a@-b\xc3\xbc"
                             "cher.example";
    EXPECT_EQ(email(dash), error_for(dash, "domain label starts or ends with \"-\""));
}

TEST(EmailAddress, IdnLengthLimitsApplyToTheALabel) {
    // 60 x ü is 120 octets of UTF-8 but "xn--" + punycode of it is much longer than 63.
    std::string label;
    for (int i = 0; i < 60; ++i) {
        label += "\xc3\xbc";
    }
    EXPECT_EQ(
        email("a@" + label + ".de"),
        error_for("a@" + label + ".de", "domain label longer than 63 characters as punycode"));
    // Two labels of 9 x ü: each is xn--tdaaaaaaaaa (15 octets), well within limits.
    std::string nine;
    for (int i = 0; i < 9; ++i) {
        nine += "\xc3\xbc";
    }
    EXPECT_EQ(email("a@" + nine + "." + nine + ".de"), "a@xn--tdaaaaaaaaa.xn--tdaaaaaaaaa.de");
    // ASCII fills 241 octets; "." and 6 x ü as "xn--tdaaaaaa" (12) make 254, 5 x ü 253.
    std::string six;
    for (int i = 0; i < 6; ++i) {
        six += "\xc3\xbc";
    }
    const std::string ascii = "xxxxxxx." + domain_of_length_10n_plus_3(23);
    ASSERT_EQ(ascii.size(), 241u);
    EXPECT_EQ(email("a@" + six + "." + ascii),
              error_for("a@" + six + "." + ascii, "domain longer than 253 characters as punycode"));
    std::string five;
    for (int i = 0; i < 5; ++i) {
        five += "\xc3\xbc";
    }
    EXPECT_EQ(email("a@" + five + "." + ascii), "a@xn--tdaaaaa." + ascii);
}

} // namespace
} // namespace notify::audience
