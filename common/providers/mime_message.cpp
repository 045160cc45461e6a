// RFC 5322 message construction for the smtp provider.
#include "common/providers/mime_message.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

namespace notify::providers {

namespace {

constexpr std::size_t k_line_limit = 78;    // RFC 5322 SHOULD
constexpr std::size_t k_word_limit = 75;    // RFC 2047 encoded-word maximum
constexpr std::size_t k_word_overhead = 12; // "=?UTF-8?B?" + "?="
constexpr std::size_t k_qp_line_limit = 76; // RFC 2045 quoted-printable
constexpr std::size_t k_long_token = 76;    // longer unbreakable ASCII runs get encoded
constexpr const char* k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool valid_address(std::string_view a) {
    auto at = a.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == a.size() ||
        a.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    for (char c : a) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            return false;
        }
        if (std::string_view("<>()[]\\,;:\"").find(c) != std::string_view::npos) {
            return false;
        }
    }
    std::string_view domain = a.substr(at + 1);
    return domain.front() != '.' && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

std::string base64(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += k_b64[(n >> 18) & 63];
        out += k_b64[(n >> 12) & 63];
        out += k_b64[(n >> 6) & 63];
        out += k_b64[n & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        out += k_b64[(n >> 18) & 63];
        out += k_b64[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += k_b64[(n >> 18) & 63];
        out += k_b64[(n >> 12) & 63];
        out += k_b64[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

// CR, LF and TAB become spaces: a header value never breaks the header block.
std::string header_text(std::string_view value) {
    std::string out(value);
    for (char& c : out) {
        if (c == '\r' || c == '\n' || c == '\t') {
            c = ' ';
        }
    }
    return out;
}

bool needs_encoding(std::string_view text) {
    if (text.find("=?") != std::string_view::npos) {
        return true;
    }
    std::size_t run = 0;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f) {
            return true;
        }
        run = c == ' ' ? 0 : run + 1;
        if (run > k_long_token) {
            return true;
        }
    }
    return false;
}

// UTF-8 "B" encoded-words for `text`, separated by CRLF SP; the first word fits after `used`
// characters, the others after the one-space indent. Words end between UTF-8 sequences.
std::string encoded_words(std::string_view text, std::size_t used) {
    std::string out;
    std::size_t pos = 0;
    bool first = true;
    do {
        std::size_t room = k_word_limit;
        if (first && used + k_word_limit > k_line_limit) {
            room = k_line_limit > used ? k_line_limit - used : 0;
        }
        std::size_t b64_room = room > k_word_overhead ? (room - k_word_overhead) / 4 * 4 : 0;
        std::size_t take = std::max<std::size_t>(b64_room / 4 * 3, 4);
        take = std::min(take, text.size() - pos);
        // Back off to the start of a UTF-8 sequence, unless that would leave nothing.
        std::size_t end = pos + take;
        while (end < text.size() && end > pos &&
               (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
            --end;
        }
        if (end == pos) {
            end = pos + take;
        }
        out += (first ? "" : "\r\n ");
        out += "=?UTF-8?B?" + base64(text.substr(pos, end - pos)) + "?=";
        pos = end;
        first = false;
    } while (pos < text.size());
    return out;
}

// ASCII text folded at spaces after `used` characters.
std::string folded_ascii(std::string_view text, std::size_t used) {
    std::string out;
    std::size_t line = used;
    std::size_t pos = 0;
    bool first = true;
    while (pos <= text.size()) {
        std::size_t space = text.find(' ', pos);
        std::size_t end = space == std::string_view::npos ? text.size() : space;
        std::string_view word = text.substr(pos, end - pos);
        if (first) {
            out += word;
            line += word.size();
        } else if (line + 1 + word.size() > k_line_limit && line > 1) {
            out += "\r\n ";
            out += word;
            line = 1 + word.size();
        } else {
            out += ' ';
            out += word;
            line += 1 + word.size();
        }
        first = false;
        if (space == std::string_view::npos) {
            break;
        }
        pos = space + 1;
    }
    return out;
}

bool is_atext_phrase(std::string_view name) {
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
              std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos)) {
            return false;
        }
    }
    return true;
}

std::string quoted_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// Splits text into lines at LF, CRLF or CR; a final line break yields a final empty line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' || text[i] == '\r') {
            lines.push_back(text.substr(start, i - start));
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            start = i + 1;
        }
    }
    lines.push_back(text.substr(start));
    return lines;
}

std::string crlf_text(std::string_view text) {
    std::string out;
    auto lines = split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i];
        if (i + 1 < lines.size()) {
            out += "\r\n";
        }
    }
    return out;
}

struct EncodedBody {
    std::string encoding;
    std::string text; // ends with CRLF
};

EncodedBody encode_body(std::string_view text) {
    std::size_t high = 0;
    for (char c : text) {
        high += static_cast<unsigned char>(c) >= 0x80 ? 1 : 0;
    }
    EncodedBody body;
    if (high * 3 > text.size()) {
        body.encoding = "base64";
        body.text = base64_lines(crlf_text(text));
    } else {
        body.encoding = "quoted-printable";
        body.text = quoted_printable(text);
    }
    if (body.text.size() < 2 || body.text.compare(body.text.size() - 2, 2, "\r\n") != 0) {
        body.text += "\r\n";
    }
    return body;
}

std::string mailbox_header(std::string_view name, const Mailbox& mailbox) {
    std::string head = std::string(name) + ": ";
    return head + format_mailbox(mailbox, head.size()) + "\r\n";
}

} // namespace

std::string Mailbox::domain() const {
    auto at = address.rfind('@');
    return at == std::string::npos ? std::string() : address.substr(at + 1);
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            return std::nullopt;
        }
    }
    text = trim(text);
    Mailbox box;
    if (!text.empty() && text.back() == '>') {
        auto open = text.rfind('<');
        if (open == std::string_view::npos) {
            return std::nullopt;
        }
        box.address = std::string(trim(text.substr(open + 1, text.size() - open - 2)));
        std::string_view name = trim(text.substr(0, open));
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
            name = name.substr(1, name.size() - 2);
            for (std::size_t i = 0; i < name.size(); ++i) {
                if (name[i] == '\\' && i + 1 < name.size()) {
                    ++i;
                }
                box.name += name[i];
            }
        } else {
            if (name.find('"') != std::string_view::npos) {
                return std::nullopt;
            }
            box.name = std::string(name);
        }
    } else {
        box.address = std::string(text);
    }
    if (!valid_address(box.address)) {
        return std::nullopt;
    }
    return box;
}

std::string format_mailbox(const Mailbox& mailbox, std::size_t used) {
    const std::string addr = "<" + mailbox.address + ">";
    if (mailbox.name.empty()) {
        return mailbox.address;
    }
    std::string name = header_text(mailbox.name);
    std::string phrase;
    if (needs_encoding(name)) {
        phrase = encoded_words(name, used);
    } else if (is_atext_phrase(name)) {
        phrase = name;
    } else {
        phrase = quoted_string(name);
    }
    auto last_break = phrase.rfind("\r\n");
    std::size_t line =
        last_break == std::string::npos ? used + phrase.size() : phrase.size() - last_break - 2;
    return phrase + (line + 1 + addr.size() > k_line_limit ? "\r\n " : " ") + addr;
}

std::string encode_header(std::string_view name, std::string_view value) {
    std::string text = header_text(value);
    std::string head = std::string(name) + ": ";
    if (needs_encoding(text)) {
        return head + encoded_words(text, head.size());
    }
    return head + folded_ascii(text, head.size());
}

std::string format_rfc5322_date(TimePoint at) {
    static constexpr std::array<const char*, 7> k_days{"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  k_days[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                  k_months[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    return buffer;
}

std::string quoted_printable(std::string_view text) {
    static constexpr const char* k_hex = "0123456789ABCDEF";
    std::string out;
    auto lines = split_lines(text);
    for (std::size_t l = 0; l < lines.size(); ++l) {
        std::string_view line = lines[l];
        std::size_t column = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            auto u = static_cast<unsigned char>(line[i]);
            const bool last = i + 1 == line.size();
            std::string token;
            if ((u >= 33 && u <= 126 && u != '=') || (is_space(line[i]) && !last)) {
                token.assign(1, line[i]);
            } else {
                token = {'=', k_hex[u >> 4], k_hex[u & 15]};
            }
            // Keep room for the soft break "=" unless this token ends the line.
            std::size_t limit = last ? k_qp_line_limit : k_qp_line_limit - 1;
            if (column + token.size() > limit) {
                out += "=\r\n";
                column = 0;
            }
            out += token;
            column += token.size();
        }
        if (l + 1 < lines.size()) {
            out += "\r\n";
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    return base64(bytes);
}

std::string base64_lines(std::string_view bytes) {
    std::string encoded = base64(bytes);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += k_qp_line_limit) {
        out += (i == 0 ? "" : "\r\n") + encoded.substr(i, k_qp_line_limit);
    }
    return out;
}

std::string mime_parameter(std::string_view name, std::string_view value) {
    const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
    });
    if (plain) {
        return std::string(name) + "=\"" + std::string(value) + "\"";
    }
    // RFC 2231 section 4: attribute-char is ASCII printable except specials, space, * ' %.
    static constexpr const char* k_hex = "0123456789ABCDEF";
    std::string out = std::string(name) + "*=UTF-8''";
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        const bool keep = std::isalnum(u) != 0 ||
                          std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
        if (keep) {
            out += c;
        } else {
            out += '%';
            out += k_hex[u >> 4];
            out += k_hex[u & 15];
        }
    }
    return out;
}

std::string build_mime_message(const MailContent& c) {
    std::string out;
    out += "Date: " + format_rfc5322_date(c.date) + "\r\n";
    out += "Message-ID: <" + c.message_id + ">\r\n";
    out += mailbox_header("From", c.from);
    out += mailbox_header("To", c.to);
    if (c.reply_to) {
        out += mailbox_header("Reply-To", *c.reply_to);
    }
    out += encode_header("Subject", c.subject) + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    auto part = [](std::string_view type, std::string_view text) {
        EncodedBody body = encode_body(text);
        return "Content-Type: " + std::string(type) +
               "; charset=UTF-8\r\n"
               "Content-Transfer-Encoding: " +
               body.encoding + "\r\n\r\n" + body.text;
    };
    std::string body;
    if (!c.html) {
        body = part("text/plain", c.text);
    } else {
        body = "Content-Type: multipart/alternative; boundary=\"" + c.boundary + "\"\r\n\r\n";
        body += "--" + c.boundary + "\r\n" + part("text/plain", c.text);
        body += "--" + c.boundary + "\r\n" + part("text/html", *c.html);
        body += "--" + c.boundary + "--\r\n";
    }
    if (c.attachments.empty()) {
        return out + body;
    }
    // "--=_mixed<b>" never starts a line of the inner parts, nor "--<b>" one of the outer.
    const std::string mixed = "=_mixed" + c.boundary;
    out += "Content-Type: multipart/mixed; boundary=\"" + mixed + "\"\r\n\r\n";
    out += "--" + mixed + "\r\n" + body;
    for (const auto& file : c.attachments) {
        out += "--" + mixed + "\r\n";
        out += "Content-Type: " + file.content_type + ";\r\n " +
               mime_parameter("name", file.filename) + "\r\n";
        out += "Content-Transfer-Encoding: base64\r\n";
        out += "Content-Disposition: attachment;\r\n " + mime_parameter("filename", file.filename) +
               "\r\n\r\n";
        const std::string encoded = base64_lines(file.bytes.value_or(std::string()));
        out += encoded + (encoded.empty() ? "" : "\r\n");
    }
    out += "--" + mixed + "--\r\n";
    return out;
}

std::string make_message_id(std::int64_t id, int attempt, std::string_view token,
                            std::string_view domain) {
    return "notify-" + std::to_string(id) + "-" + std::to_string(attempt) + "." +
           std::string(token) + "@" + std::string(domain);
}

std::string random_hex(std::size_t bytes) {
    thread_local std::mt19937_64 engine = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    static constexpr const char* k_hex = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        auto byte = static_cast<unsigned>(engine() & 0xff);
        out += k_hex[byte >> 4];
        out += k_hex[byte & 15];
    }
    return out;
}

} // namespace notify::providers
