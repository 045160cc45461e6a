// Unit tests of common/providers/mime_message.cpp: mailboxes, encoded headers, bodies, and the
// assembled RFC 5322 message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/providers/mime_message.hpp"

namespace notify::providers {
namespace {

using testing::HasSubstr;
using testing::Not;
using testing::StartsWith;

std::string decode_base64(std::string_view text) {
    static const std::string k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        auto pos = k_alphabet.find(c);
        if (pos == std::string::npos) {
            continue; // '=', CR, LF
        }
        buffer = (buffer << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    return out;
}

std::string decode_qp(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
            i += 2;
        } else if (text[i] == '=' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The text of every "=?UTF-8?B?...?=" word in `header`, decoded and concatenated.
std::string decode_words(const std::string& header) {
    std::string out;
    std::size_t pos = 0;
    while ((pos = header.find("=?UTF-8?B?", pos)) != std::string::npos) {
        auto end = header.find("?=", pos + 10);
        out += decode_base64(header.substr(pos + 10, end - pos - 10));
        pos = end + 2;
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    std::size_t crlf;
    while ((crlf = text.find("\r\n", start)) != std::string::npos) {
        lines.push_back(text.substr(start, crlf - start));
        start = crlf + 2;
    }
    lines.push_back(text.substr(start));
    return lines;
}

// True when every LF is preceded by CR and every CR followed by LF.
bool only_crlf(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
            return false;
        }
        if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
            return false;
        }
    }
    return true;
}

MailContent content() {
    MailContent c;
    c.from = {"Alerts", "alerts@example.com"};
    c.to = {"", "ann@example.org"};
    c.subject = "Disk almost full";
    c.text = "Hello Ann,\nthe disk is 91% full.\n";
    c.message_id = make_message_id(42, 3, "0123abcd", "example.com");
    c.date = from_unix_ms(1'709'629'623'000); // 2024-03-05 09:07:03 UTC, a Tuesday
    c.boundary = "=_notify_test";
    return c;
}

TEST(MimeMessageMailbox, ParsesBareAndNamedForms) {
    auto bare = parse_mailbox("  ann@example.org ");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->name, "");
    EXPECT_EQ(bare->address, "ann@example.org");
    EXPECT_EQ(bare->domain(), "example.org");

    auto named = parse_mailbox("Ann Lee <ann@example.org>");
    ASSERT_TRUE(named);
    EXPECT_EQ(named->name, "Ann Lee");
    EXPECT_EQ(named->address, "ann@example.org");

    auto quoted = parse_mailbox("\"Lee, Ann \\\"AL\\\"\" <ann@example.org>");
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->name, "Lee, Ann \"AL\"");

    auto angle = parse_mailbox("<ann@example.org>");
    ASSERT_TRUE(angle);
    EXPECT_EQ(angle->name, "");
}

TEST(MimeMessageMailbox, RejectsMalformedAddresses) {
    for (const char* bad :
         {"", "ann", "@example.org", "ann@", "ann@@example.org", "a b@example.org",
          "ann@example.org\r\nBcc: x@y.z", "Ann <ann@example.org", "ann@.org", "ann@example..org",
          "ann@exämple.org", "Ann <>", "ann@example.org>"}) {
        EXPECT_FALSE(parse_mailbox(bad)) << bad;
    }
}

TEST(MimeMessageMailbox, FormatsQuotesAndEncodesNames) {
    EXPECT_EQ(format_mailbox({"", "a@x.io"}), "a@x.io");
    EXPECT_EQ(format_mailbox({"Ann Lee", "a@x.io"}), "Ann Lee <a@x.io>");
    EXPECT_EQ(format_mailbox({"Lee, Ann", "a@x.io"}), "\"Lee, Ann\" <a@x.io>");
    std::string encoded = format_mailbox({"Zoë", "a@x.io"});
    EXPECT_THAT(encoded, StartsWith("=?UTF-8?B?"));
    EXPECT_EQ(decode_words(encoded), "Zoë");
    EXPECT_THAT(encoded, testing::EndsWith(" <a@x.io>"));
}

TEST(MimeMessageHeader, AsciiStaysReadable) {
    EXPECT_EQ(encode_header("Subject", "Disk almost full"), "Subject: Disk almost full");
}

TEST(MimeMessageHeader, LongAsciiIsFoldedAtSpaces) {
    std::string value;
    for (int i = 0; i < 30; ++i) {
        value += "word" + std::to_string(i) + " ";
    }
    value += "end";
    std::string header = encode_header("Subject", value);
    for (const auto& line : lines_of(header)) {
        EXPECT_LE(line.size(), 78u) << line;
    }
    std::string unfolded = header;
    for (std::size_t p; (p = unfolded.find("\r\n")) != std::string::npos;) {
        unfolded.erase(p, 2);
    }
    EXPECT_EQ(unfolded, "Subject: " + value);
}

TEST(MimeMessageHeader, NonAsciiBecomesFoldedEncodedWords) {
    std::string value;
    for (int i = 0; i < 20; ++i) {
        value += "Grüße aus Köln — 東京 ";
    }
    std::string header = encode_header("Subject", value);
    EXPECT_THAT(header, StartsWith("Subject: =?UTF-8?B?"));
    auto lines = lines_of(header);
    EXPECT_GT(lines.size(), 3u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_LE(lines[i].size(), 78u) << lines[i];
        if (i > 0) {
            EXPECT_THAT(lines[i], StartsWith(" =?UTF-8?B?"));
        }
        // Each encoded-word holds whole UTF-8 sequences.
        std::string word = decode_words(lines[i]);
        EXPECT_NE(static_cast<unsigned char>(word.front()) & 0xC0, 0x80u) << i;
    }
    EXPECT_EQ(decode_words(header), value);
}

TEST(MimeMessageHeader, LineBreaksCannotInjectHeaders) {
    std::string header = encode_header("Subject", "hi\r\nBcc: victim@example.org");
    EXPECT_EQ(header.find("\r\nBcc"), std::string::npos);
    EXPECT_EQ(header, "Subject: hi  Bcc: victim@example.org");
}

TEST(MimeMessageHeader, EncodedWordLookalikesAreEncoded) {
    std::string header = encode_header("Subject", "=?UTF-8?B?Zm9v?=");
    EXPECT_EQ(decode_words(header), "=?UTF-8?B?Zm9v?=");
}

TEST(MimeMessageDate, IsRfc5322InUtc) {
    EXPECT_EQ(format_rfc5322_date(from_unix_ms(1'709'629'623'000)),
              "Tue, 05 Mar 2024 09:07:03 +0000");
    EXPECT_EQ(format_rfc5322_date(from_unix_ms(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(MimeMessageBody, QuotedPrintableRoundTripsWithShortLines) {
    std::string text = "tab\tand trailing space \nequals = sign\n" + std::string(200, 'x') +
                       "\nümlaut and 東京\r\nlast";
    std::string qp = quoted_printable(text);
    EXPECT_TRUE(only_crlf(qp));
    for (const auto& line : lines_of(qp)) {
        EXPECT_LE(line.size(), 76u) << line;
        EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t')) << line;
    }
    EXPECT_THAT(qp, HasSubstr("space=20\r\n"));
    EXPECT_THAT(qp, HasSubstr("equals =3D sign"));
    std::string expected = text;
    for (std::size_t p = 0; (p = expected.find('\n', p)) != std::string::npos; p += 2) {
        if (p == 0 || expected[p - 1] != '\r') {
            expected.insert(p, "\r");
        }
    }
    EXPECT_EQ(decode_qp(qp), expected);
}

TEST(MimeMessageBody, Base64LinesAreWrapped) {
    std::string b = base64_lines(std::string(200, 'a'));
    for (const auto& line : lines_of(b)) {
        EXPECT_LE(line.size(), 76u);
    }
    EXPECT_EQ(decode_base64(b), std::string(200, 'a'));
    EXPECT_EQ(base64_lines("ab"), "YWI=");
}

TEST(MimeMessageBuild, PlainTextMessageHasEveryHeader) {
    std::string m = build_mime_message(content());
    EXPECT_EQ(m, "Date: Tue, 05 Mar 2024 09:07:03 +0000\r\n"
                 "Message-ID: <notify-42-3.0123abcd@example.com>\r\n"
                 "From: Alerts <alerts@example.com>\r\n"
                 "To: ann@example.org\r\n"
                 "Subject: Disk almost full\r\n"
                 "MIME-Version: 1.0\r\n"
                 "Auto-Submitted: auto-generated\r\n"
                 "Content-Type: text/plain; charset=UTF-8\r\n"
                 "Content-Transfer-Encoding: quoted-printable\r\n"
                 "\r\n"
                 "Hello Ann,\r\n"
                 "the disk is 91% full.\r\n");
}

TEST(MimeMessageBuild, HtmlMakesMultipartAlternative) {
    MailContent c = content();
    c.html = "<p>Hello <b>Ann</b></p>";
    c.reply_to = Mailbox{"Ops", "ops@example.com"};
    std::string m = build_mime_message(c);
    EXPECT_TRUE(only_crlf(m));
    EXPECT_THAT(m, HasSubstr("\r\nReply-To: Ops <ops@example.com>\r\n"));
    EXPECT_THAT(m, HasSubstr("\r\nContent-Type: multipart/alternative; "
                             "boundary=\"=_notify_test\"\r\n\r\n--=_notify_test\r\n"
                             "Content-Type: text/plain; charset=UTF-8\r\n"));
    auto plain = m.find("text/plain");
    auto html = m.find("Content-Type: text/html; charset=UTF-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                       "<p>Hello <b>Ann</b></p>\r\n--=_notify_test--\r\n");
    ASSERT_NE(html, std::string::npos);
    EXPECT_LT(plain, html);
    EXPECT_THAT(m, testing::EndsWith("--=_notify_test--\r\n"));
}

TEST(MimeMessageBuild, MostlyNonAsciiBodyIsBase64) {
    MailContent c = content();
    c.text = "東京の天気は晴れです。\n明日も晴れ。";
    c.subject = "天気";
    std::string m = build_mime_message(c);
    EXPECT_THAT(m, HasSubstr("Content-Transfer-Encoding: base64\r\n"));
    auto body = m.substr(m.find("\r\n\r\n") + 4);
    EXPECT_EQ(decode_base64(body), "東京の天気は晴れです。\r\n明日も晴れ。");
    auto subject = m.substr(m.find("Subject: "));
    EXPECT_EQ(decode_words(subject.substr(0, subject.find("\r\nMIME"))), "天気");
}

TEST(MimeMessageBuild, LongLinesAndBareLineBreaksAreSafe) {
    MailContent c = content();
    c.text = std::string(5000, 'y') + "\rmiddle\n\n.leading dot\r\n";
    c.html = std::string(3000, 'z');
    std::string m = build_mime_message(c);
    EXPECT_TRUE(only_crlf(m));
    for (const auto& line : lines_of(m)) {
        EXPECT_LE(line.size(), 998u);
    }
    EXPECT_THAT(m, HasSubstr("\r\n.leading dot\r\n")); // dot-stuffing is the SMTP client's job
}

TEST(MimeMessageParameter, AsciiIsQuotedOtherwiseRfc2231) {
    EXPECT_EQ(mime_parameter("filename", "q3 report.pdf"), "filename=\"q3 report.pdf\"");
    EXPECT_EQ(mime_parameter("filename", "Grüße.txt"), "filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt");
    EXPECT_EQ(mime_parameter("name", "a\"b\\c.txt"), "name*=UTF-8''a%22b%5Cc.txt");
    EXPECT_EQ(mime_parameter("name", "50% off*.txt"), "name=\"50% off*.txt\"");
    EXPECT_EQ(mime_parameter("name", "50% ö*.txt"), "name*=UTF-8''50%25%20%C3%B6%2A.txt");
}

TEST(MimeMessageBuild, AttachmentsMakeMultipartMixedAroundTheBody) {
    MailContent c = content();
    c.html = "<p>Hello</p>";
    std::string binary(300, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) {
        binary[i] = static_cast<char>(i * 7);
    }
    c.attachments = {{"report.pdf", "application/pdf", 300, binary, true},
                     {"Grüße.txt", "text/plain", 5, std::string("hallo"), true}};
    std::string m = build_mime_message(c);
    EXPECT_TRUE(only_crlf(m));
    for (const auto& line : lines_of(m)) {
        EXPECT_LE(line.size(), 998u);
    }
    EXPECT_THAT(m,
                HasSubstr("MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
                          "Content-Type: multipart/mixed; boundary=\"=_mixed=_notify_test\"\r\n"
                          "\r\n--=_mixed=_notify_test\r\n"
                          "Content-Type: multipart/alternative; boundary=\"=_notify_test\"\r\n"));
    const std::string pdf_head = "--=_mixed=_notify_test\r\n"
                                 "Content-Type: application/pdf;\r\n name=\"report.pdf\"\r\n"
                                 "Content-Transfer-Encoding: base64\r\n"
                                 "Content-Disposition: attachment;\r\n filename=\"report.pdf\"\r\n"
                                 "\r\n";
    auto pdf = m.find(pdf_head);
    ASSERT_NE(pdf, std::string::npos);
    EXPECT_GT(pdf, m.find("--=_notify_test--\r\n")); // after the whole alternative part
    auto pdf_body = m.substr(pdf + pdf_head.size());
    pdf_body = pdf_body.substr(0, pdf_body.find("--=_mixed"));
    EXPECT_EQ(decode_base64(pdf_body), binary);
    EXPECT_THAT(m, HasSubstr("Content-Type: text/plain;\r\n name*=UTF-8''Gr%C3%BC%C3%9Fe.txt\r\n"
                             "Content-Transfer-Encoding: base64\r\n"
                             "Content-Disposition: attachment;\r\n"
                             " filename*=UTF-8''Gr%C3%BC%C3%9Fe.txt\r\n\r\naGFsbG8=\r\n"
                             "--=_mixed=_notify_test--\r\n"));
    EXPECT_THAT(m, testing::EndsWith("--=_mixed=_notify_test--\r\n"));
}

TEST(MimeMessageBuild, PlainTextBodyWithAnAttachment) {
    MailContent c = content();
    c.attachments = {{"empty.bin", "application/octet-stream", 0, std::string(), true}};
    std::string m = build_mime_message(c);
    EXPECT_THAT(m, HasSubstr("\r\n--=_mixed=_notify_test\r\n"
                             "Content-Type: text/plain; charset=UTF-8\r\n"));
    EXPECT_THAT(m, HasSubstr("filename=\"empty.bin\"\r\n\r\n--=_mixed=_notify_test--\r\n"));
}

TEST(MimeMessageId, HasIdAttemptTokenAndDomain) {
    EXPECT_EQ(make_message_id(7, 2, "ab12", "example.com"), "notify-7-2.ab12@example.com");
    std::string token = random_hex(8);
    EXPECT_EQ(token.size(), 16u);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(random_hex(8), token);
}

} // namespace
} // namespace notify::providers
