// Building RFC 5322 / MIME e-mail messages: mailboxes, RFC 2047 encoded headers, dates,
// quoted-printable and base64 bodies, multipart/alternative for text plus HTML, and
// multipart/mixed with attachments (RFC 2231 file names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/model/attachment.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// One address with an optional display name: "Ann <ann@example.com>" or "ann@example.com".
struct Mailbox {
    std::string name;    // display name, UTF-8, may be empty
    std::string address; // addr-spec "local@domain"

    // The domain part of the address ("" when there is none).
    std::string domain() const;
};

// Parses "addr", "<addr>", "Name <addr>" or "\"Name, Jr.\" <addr>". The address must be
// ASCII printable without spaces, "<>" or control characters, with exactly one "@" and a
// non-empty local part and domain. Returns nullopt for anything else (CR/LF included).
std::optional<Mailbox> parse_mailbox(std::string_view text);

// The header form of `mailbox`: "addr", or "Name <addr>" with the name quoted when it holds
// specials and RFC 2047 encoded (folded, lines of at most 78 characters counting `used`
// characters already on the first line) when it is not ASCII.
std::string format_mailbox(const Mailbox& mailbox, std::size_t used = 0);

// An unstructured header field "Name: value" folded to lines of at most 78 characters,
// without the final CRLF. ASCII values are folded at spaces; values holding non-ASCII
// bytes, control characters or "=?" become UTF-8 "B" encoded-words of at most 75 characters
// (split between UTF-8 sequences). CR, LF and TAB in `value` read as spaces.
std::string encode_header(std::string_view name, std::string_view value);

// An RFC 5322 date in UTC: "Tue, 05 Mar 2024 09:07:03 +0000".
std::string format_rfc5322_date(TimePoint at);

// Quoted-printable (RFC 2045) of UTF-8 text: line breaks (LF, CRLF or CR) become CRLF, lines
// are soft-broken at 76 characters, trailing spaces/tabs and "=" and non-ASCII are escaped.
std::string quoted_printable(std::string_view text);

// Base64 (RFC 4648, padded) of `bytes` on one line.
std::string base64_encode(std::string_view bytes);

// Base64 of `bytes` in lines of 76 characters separated by CRLF (no final CRLF).
std::string base64_lines(std::string_view bytes);

// The content and envelope-independent headers of one message.
struct MailContent {
    Mailbox from;
    Mailbox to;
    std::optional<Mailbox> reply_to;
    std::string subject;
    std::string text;                // text/plain body, UTF-8
    std::optional<std::string> html; // text/html alternative when present
    std::string message_id;          // without angle brackets: "local@domain"
    TimePoint date;
    std::string boundary; // for multipart bodies; must not occur in the encoded parts
    std::vector<model::Attachment> attachments; // each with its bytes
};

// The MIME parameter `name` for `value`: name="value" for printable ASCII without quotes or
// backslashes, else the RFC 2231 form name*=UTF-8''percent-encoded.
std::string mime_parameter(std::string_view name, std::string_view value);

// The complete message: Date, Message-ID, From, To, Reply-To, Subject, MIME-Version,
// Auto-Submitted and the body (text/plain, or multipart/alternative with text/plain then
// text/html). With attachments, the body is the first part of a multipart/mixed (boundary
// "=_mixed" + boundary) and each attachment follows as a base64 part with
// Content-Disposition: attachment and its file name. Every line ends with CRLF and is at
// most 998 characters; bodies are quoted-printable, or base64 when most bytes are non-ASCII.
// Dot-stuffing is left to the SMTP client.
std::string build_mime_message(const MailContent& content);

// A message id "notify-<id>-<attempt>.<token>@<domain>" (without angle brackets).
std::string make_message_id(std::int64_t id, int attempt, std::string_view token,
                            std::string_view domain);

// `bytes` random bytes as lower-case hex (thread-safe).
std::string random_hex(std::size_t bytes);

} // namespace notify::providers
