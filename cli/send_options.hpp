// The recipient, content and timing options shared by `send` and `preview`, and their
// validation into store rows.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.hpp"
#include "common/store/job_store.hpp"

namespace CLI {
class App;
}

namespace notify::cli {

struct SendOptions {
    std::optional<std::string> to;
    std::optional<std::string> channel;
    std::optional<std::string> user;
    std::optional<std::string> category; // preferences / quiet hours category
    std::optional<std::string> template_name;
    std::optional<std::string> locale;   // template locale variant, e.g. de-AT
    std::vector<std::string> data_pairs; // KEY=VALUE
    std::optional<std::string> data_json;
    std::optional<std::string> data_file;
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::optional<std::string> body; // "-" reads stdin when body_from_stdin
    bool body_from_stdin = true;     // false for import lines: "-" is a literal body
    std::optional<std::string> at;
    std::optional<std::string> in;
    std::optional<std::string> event_id;
    std::string priority = "normal";
    std::optional<std::string> ttl;
    std::vector<std::string> attach; // files for the e-mail rows (send, preview, import)
};

// Adds the options of SendOptions to `cmd`, except --attach.
void add_send_options(CLI::App& cmd, SendOptions& options);

// Adds --attach FILE (repeatable): for send and preview, not for schedules (a schedule
// would have to keep the file's bytes for every future slot).
void add_attach_option(CLI::App& cmd, SendOptions& options);

// The validated request: rows to insert plus the dedup key.
struct SendRequest {
    std::vector<store::NewNotification> rows;
    std::optional<std::string> event_id;
};

// The hint shown under an invalid-recipient error: for an sms number without "+" while
// audience.default_region is empty, how to accept national numbers; otherwise "".
std::string recipient_hint(std::string_view channel, std::string_view to,
                           std::string_view default_region);

// Checks the options against the config and turns them into rows, due at `now` unless --at
// or --in say otherwise. Reads stdin for `--body -`. Throws notify::Error: usage for
// missing/conflicting options and unparsable times/durations, data for invalid recipients,
// unknown channels, malformed --data and bad data JSON, io for an unreadable --data-file.
// With --template, renders the template's part for the channel (locale variant from
// --locale) into subject/title/body/data and records the template name; throws
// notify::Error{data} for an unknown or invalid template, missing template data, an SMS
// over the segment limit or a push payload over 4096 bytes.
// With --attach, reads every file into the e-mail rows (content type from the extension);
// throws notify::Error: usage when the channel is not email or no recipient has an e-mail
// address, io for a missing or unreadable file or a directory, data when the files together
// exceed delivery.attachment_max_bytes of the email channel.
SendRequest build_send_request(const SendOptions& options, Context& ctx, TimePoint now);

} // namespace notify::cli
