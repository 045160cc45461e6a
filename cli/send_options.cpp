// Validation of send/preview options into store rows.
#include "cli/send_options.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/audience/digest_slot.hpp"
#include "common/audience/fan_out.hpp"
#include "common/audience/preferences.hpp"
#include "common/audience/recipient_check.hpp"
#include "common/error.hpp"
#include "common/render/catalog.hpp"
#include "common/render/message_render.hpp"
#include "common/render/template_data.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

void add_send_options(CLI::App& cmd, SendOptions& o) {
    cmd.add_option("--to", o.to, "Recipient: e-mail address, E.164 phone, device token, URL")
        ->type_name("ADDRESS");
    cmd.add_option("--channel", o.channel, "Channel: email, sms, push, webhook, slack, ...")
        ->type_name("CHANNEL");
    cmd.add_option("--user", o.user,
                   "User: without --to, fan out to their opted-in channels and devices")
        ->type_name("USER_ID");
    cmd.add_option("--category", o.category,
                   "Category for preferences and quiet hours, e.g. marketing, security")
        ->type_name("NAME");
    cmd.add_option("--template", o.template_name,
                   "Render the content from this template (see 'notify template ls')")
        ->type_name("NAME");
    cmd.add_option("--locale", o.locale,
                   "Template locale variant, e.g. de-AT (falls back to de, then the default)")
        ->type_name("LOCALE");
    cmd.add_option("--data", o.data_pairs, "Template data KEY=VALUE (repeatable)")
        ->type_name("KEY=VALUE");
    cmd.add_option("--data-json", o.data_json, "Template data as a JSON object")->type_name("JSON");
    cmd.add_option("--data-file", o.data_file, "Template data from a JSON file")->type_name("PATH");
    cmd.add_option("--subject", o.subject, "Subject (e-mail)")->type_name("TEXT");
    cmd.add_option("--title", o.title, "Title (push)")->type_name("TEXT");
    cmd.add_option("--body", o.body, "Body text; '-' reads it from stdin")->type_name("TEXT");
    auto* at = cmd.add_option("--at", o.at, "When: RFC 3339, or YYYY-MM-DD HH:MM[:SS] local")
                   ->type_name("TIME");
    auto* in = cmd.add_option("--in", o.in, "When: after a duration such as 90s, 10m, 1h30m, 1d")
                   ->type_name("DURATION");
    at->excludes(in);
    cmd.add_option("--event-id", o.event_id, "Dedup key: a repeat enqueues nothing new")
        ->type_name("KEY");
    cmd.add_option("--priority", o.priority, "high, normal or low (default normal)")
        ->type_name("PRIORITY");
    cmd.add_option("--ttl", o.ttl, "Give up if not sent within this duration of its due time")
        ->type_name("DURATION");
}

void add_attach_option(CLI::App& cmd, SendOptions& o) {
    cmd.add_option("--attach", o.attach,
                   "Attach this file to the e-mail (repeatable); read now, kept in the store "
                   "until sent")
        ->type_name("FILE");
}

namespace {

Millis duration_or_throw(const std::string& flag, const std::string& text) {
    auto d = schedule::parse_duration(text);
    if (!d) {
        throw Error(Exit::usage, flag + ": " + d.error());
    }
    if (*d <= Millis{0}) {
        throw Error(Exit::usage, flag + ": duration must be positive");
    }
    if (*d > Millis{100LL * 365 * 24 * 3600 * 1000}) {
        throw Error(Exit::usage, flag + ": duration longer than 100 years");
    }
    return *d;
}

std::string build_data(const SendOptions& o) {
    render::DataSources sources;
    if (o.data_file) {
        std::error_code ec;
        if (std::filesystem::is_directory(*o.data_file, ec)) {
            throw Error(Exit::io, "--data-file: " + *o.data_file + " is a directory");
        }
        std::ifstream file(*o.data_file, std::ios::binary);
        std::ostringstream buffer;
        if (!file || !(buffer << file.rdbuf())) {
            throw Error(Exit::io, "--data-file: cannot read " + *o.data_file);
        }
        sources.file_text = buffer.str();
        sources.file_label = "--data-file " + *o.data_file;
    }
    sources.json = o.data_json;
    sources.pairs = o.data_pairs;
    auto data = render::merge_template_data(sources);
    if (!data) {
        throw Error(Exit::data, data.error());
    }
    return std::move(*data);
}

// "12582912 bytes (12.0 MiB)" for messages about sizes.
std::string bytes_text(std::int64_t bytes) {
    std::string text = std::to_string(bytes) + " bytes";
    if (bytes >= 1024) {
        const bool mib = bytes >= 1024 * 1024;
        const double scaled = static_cast<double>(bytes) / (mib ? 1024.0 * 1024.0 : 1024.0);
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, " (%.1f %s)", scaled, mib ? "MiB" : "KiB");
        text += buffer;
    }
    return text;
}

// Reads the --attach files, all or none; the total may not exceed `cap` bytes.
std::vector<model::Attachment> read_attachments(const std::vector<std::string>& paths,
                                                std::int64_t cap) {
    const char* k_hint = "send a link instead, or raise delivery.attachment_max_bytes in the "
                         "config (many mail servers refuse messages over 10 to 25 MB)";
    if (cap == 0) {
        throw Error(Exit::data,
                    "--attach: attachments are turned off "
                    "(delivery.attachment_max_bytes is 0)",
                    k_hint);
    }
    std::vector<model::Attachment> files;
    std::int64_t total = 0;
    for (const auto& path : paths) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) {
            throw Error(Exit::io, "--attach: " + path + " is a directory");
        }
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            throw Error(Exit::io, "--attach: cannot read " + path + ": " + std::strerror(errno));
        }
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && total + static_cast<std::int64_t>(size) > cap) {
            throw Error(Exit::data,
                        "--attach: " + path + " brings the attachments to " +
                            bytes_text(total + static_cast<std::int64_t>(size)) +
                            ", over the limit of " + bytes_text(cap),
                        k_hint);
        }
        std::ostringstream buffer;
        if (!(buffer << file.rdbuf()) && size > 0) {
            throw Error(Exit::io, "--attach: cannot read " + path);
        }
        model::Attachment a;
        a.bytes = std::move(buffer).str();
        a.size = static_cast<std::int64_t>(a.bytes->size());
        total += a.size;
        if (total > cap) { // the file grew while it was read
            throw Error(Exit::data,
                        "--attach: " + path + " brings the attachments to " + bytes_text(total) +
                            ", over the limit of " + bytes_text(cap),
                        k_hint);
        }
        a.filename = std::filesystem::path(path).filename().string();
        a.content_type = std::string(model::content_type_for(a.filename));
        files.push_back(std::move(a));
    }
    return files;
}

std::string read_all(std::istream& in) {
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// Renders --template for the row's channel into its content; the row's data_json holds the
// template data on entry and the rendered channel data on return.
void apply_template(const SendOptions& o, Context& ctx, const std::string& locale,
                    store::NewNotification& row) {
    const std::string& name = *o.template_name;
    if (!render::valid_template_name(name)) {
        throw Error(Exit::usage, "--template: \"" + name +
                                     "\" is not a template name (letters, digits, '-' and '_')");
    }
    const auto& tmpl = ctx.templates().load(name, locale);
    if (!tmpl) {
        throw Error(Exit::data, "--template: " + tmpl.error(),
                    tmpl.error().starts_with("no template named")
                        ? "list them with 'notify template ls'"
                        : "run 'notify template check " + name + "'");
    }
    const auto data = nlohmann::json::parse(row.data_json);
    auto rendered = render::render_for_channel(*tmpl, row.channel, data,
                                               ctx.templates().partials(tmpl->locale));
    if (!rendered) {
        const bool missing = rendered.error().find(": missing variable") != std::string::npos;
        throw Error(Exit::data, rendered.error(),
                    missing ? "give template data with --data KEY=VALUE, --data-json or --data-file"
                            : "run 'notify template check " + name + "'");
    }
    row.template_name = name;
    if (!row.category && tmpl->category && ctx.config().categories.count(*tmpl->category) > 0) {
        row.category = tmpl->category; // the template's category, when the config knows it
    }
    row.subject = rendered->subject;
    row.title = rendered->title;
    row.body = rendered->body;
    row.data_json = rendered->data_json;
}

} // namespace

namespace {

[[noreturn]] void unknown_channel(const config::Config& config, const std::string& channel) {
    auto names = config.channel_names();
    auto guess = text::closest_match(channel, names);
    std::string known;
    for (const auto& n : names) {
        known += (known.empty() ? "" : ", ") + n;
    }
    throw Error(Exit::data,
                "unknown channel \"" + channel + "\"" +
                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                "configured channels: " + known);
}

// The category's policy; throws notify::Error{data} for a category the config does not know.
audience::CategoryPolicy policy_or_throw(const config::Config& config,
                                         const std::optional<std::string>& category) {
    if (auto policy = config::category_policy(config, category)) {
        return *policy;
    }
    std::vector<std::string> names;
    std::string known;
    for (const auto& [name, c] : config.categories) {
        names.push_back(name);
        known += (known.empty() ? "" : ", ") + name;
    }
    auto guess = text::closest_match(*category, names);
    throw Error(Exit::data,
                "--category: unknown category \"" + *category + "\"" +
                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                "known categories: " + known + " (add more under categories: in the config)");
}

// The template locale: --locale, else the user's (when it is a valid locale), else none.
std::string locale_for(const SendOptions& o, const std::optional<model::UserProfile>& profile) {
    if (o.locale) {
        auto normal = render::normalize_locale(*o.locale);
        if (!normal) {
            throw Error(Exit::usage, "--locale: " + normal.error());
        }
        return *normal;
    }
    if (profile && profile->user.locale) {
        if (auto normal = render::normalize_locale(*profile->user.locale)) {
            return *normal;
        }
    }
    return {};
}

// A row of a user in a category digested on its channel is due at the end of its slot.
void delay_to_digest_slot(const config::Config& config, store::NewNotification& row) {
    const config::DigestConfig* digest = config.digest_for(row.category, row.channel);
    if (digest == nullptr) {
        return;
    }
    auto end = audience::digest_slot_end(*digest, row.due_at);
    if (!end) {
        throw Error(Exit::config, "categories." + *row.category + ".digest: cron \"" +
                                      digest->cron + "\" never fires again");
    }
    if (*end != row.due_at) {
        row.note = "digest of category " + *row.category + " on " + row.channel +
                   ": due at the end of its slot, was " + schedule::format_rfc3339(row.due_at);
        row.due_at = *end;
    } else {
        row.note = "digest of category " + *row.category + " on " + row.channel;
    }
}

} // namespace

std::string recipient_hint(std::string_view channel, std::string_view to,
                           std::string_view default_region) {
    if (channel != "sms" || !default_region.empty() || to.find('+') != std::string_view::npos) {
        return {};
    }
    return "give the number with its country code (+14155550123), or set "
           "audience.default_region (e.g. US) in the config to accept national numbers";
}

SendRequest build_send_request(const SendOptions& o, Context& ctx, TimePoint now) {
    if (o.template_name && (o.subject || o.title || o.body)) {
        throw Error(Exit::usage, "--template gives the content: drop --subject, --title and --body",
                    "or send inline content without --template");
    }
    if (o.locale && !o.template_name) {
        throw Error(Exit::usage, "--locale applies to --template only");
    }
    if (!o.to && !o.user) {
        throw Error(Exit::usage, "missing --to ADDRESS (or --user USER_ID)",
                    "e.g. notify send --to ops@example.com "
                    "--channel email --body 'disk full'");
    }
    if (o.to && !o.channel) {
        throw Error(Exit::usage, "missing --channel CHANNEL (email, sms, push, webhook, ...)");
    }
    auto priority = model::parse_priority(o.priority);
    if (!priority) {
        throw Error(Exit::usage,
                    "--priority: \"" + o.priority + "\" is not one of high, normal, low");
    }
    const config::Config& config = ctx.config();
    if (o.channel && config.route(*o.channel) == nullptr) {
        unknown_channel(config, *o.channel);
    }
    policy_or_throw(config, o.category); // an unknown --category fails before anything else

    TimePoint due = now;
    if (o.at) {
        auto t = schedule::parse_time(*o.at);
        if (!t) {
            throw Error(Exit::usage, "--at: " + t.error());
        }
        due = *t;
    } else if (o.in) {
        due = now + duration_or_throw("--in", *o.in);
    }
    std::optional<TimePoint> expires;
    if (o.ttl) {
        expires = due + duration_or_throw("--ttl", *o.ttl);
    }
    if (o.event_id && o.event_id->empty()) {
        throw Error(Exit::usage, "--event-id: empty key");
    }
    if (!o.attach.empty() && o.channel && *o.channel != "email") {
        throw Error(Exit::usage, "--attach applies to the email channel, not " + *o.channel,
                    "send the file as a link in the body, or use --channel email");
    }

    // Who: one address, or every address of a user from the directory.
    std::optional<model::UserProfile> profile;
    if (o.user) {
        if (o.user->empty()) {
            throw Error(Exit::usage, "--user: empty user id");
        }
        profile = ctx.store().audience().profile(*o.user);
        if (!profile && !o.to) {
            throw Error(Exit::data, "unknown user \"" + *o.user + "\"",
                        "add it with 'notify user add " + *o.user +
                            " --email ADDRESS' or give --to ADDRESS --channel CHANNEL");
        }
    }
    std::vector<audience::Target> targets;
    if (o.to) {
        const std::string& region = config.audience_default_region.value;
        auto to = audience::check_recipient(*o.channel, *o.to, region);
        if (!to) {
            throw Error(Exit::data, to.error(), recipient_hint(*o.channel, *o.to, region));
        }
        targets.push_back({*o.channel, *to});
    } else {
        targets = audience::fan_out(
            *profile, config.address_channels,
            [&](const std::string& channel) { return config.route(channel) != nullptr; },
            o.channel);
        if (targets.empty()) {
            throw Error(Exit::data,
                        "user \"" + *o.user + "\" has no " +
                            (o.channel ? "address on channel " + *o.channel
                                       : std::string("address on any configured channel")),
                        "give them one with 'notify user set " + *o.user +
                            " --email/--phone' or 'notify device add " + *o.user + " ...'");
        }
    }

    std::optional<std::string> body = o.body;
    if (!o.template_name && o.body && *o.body == "-" && o.body_from_stdin) {
        body = read_all(ctx.in);
    }
    if (!o.template_name && !o.subject && !o.title && !body) {
        throw Error(Exit::usage, "nothing to send: give --body, --subject or --title");
    }
    const std::string locale = o.template_name ? locale_for(o, profile) : std::string{};
    const std::string data_json = build_data(o);
    std::vector<model::Attachment> files;
    if (!o.attach.empty()) {
        if (std::none_of(targets.begin(), targets.end(),
                         [](const audience::Target& t) { return t.channel == "email"; })) {
            throw Error(Exit::usage,
                        "--attach applies to the email channel: user \"" + o.user.value_or("") +
                            "\" has no e-mail address",
                        "give them one with 'notify user set " + o.user.value_or("USER") +
                            " --email ADDRESS'");
        }
        files = read_attachments(o.attach, config.delivery_for("email").attachment_max_bytes);
    }

    SendRequest request;
    request.event_id = o.event_id;
    for (const auto& target : targets) {
        store::NewNotification row;
        row.channel = target.channel;
        row.to = target.to;
        row.user = o.user;
        row.priority = *priority;
        row.category = o.category;
        row.data_json = data_json;
        if (o.template_name) {
            apply_template(o, ctx, locale, row);
        } else {
            row.subject = o.subject;
            row.title = o.title;
            row.body = body;
        }
        row.due_at = due;
        row.expires_at = expires;
        if (profile) { // quiet hours are judged when it is due, at dispatch
            row.suppressed = audience::refusal(*profile, row.channel, row.to, row.category,
                                               policy_or_throw(config, row.category));
        }
        if (row.user && !row.suppressed) {
            delay_to_digest_slot(config, row);
        }
        if (row.channel == "email" && !row.suppressed) {
            row.attachments = files;
        }
        request.rows.push_back(std::move(row));
    }
    return request;
}

} // namespace notify::cli
