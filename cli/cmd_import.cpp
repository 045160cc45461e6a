// notify import FILE|-: bulk enqueue from NDJSON, one send request per line, all of them in one
// transaction, streamed into it in chunks.
#include <algorithm>
#include <fstream>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/send_options.hpp"
#include "common/error.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

struct ImportOptions {
    std::string file;
    bool partial = false;
};

const std::vector<std::string>& known_fields() {
    static const std::vector<std::string> k_fields = {
        "channel", "to",   "user", "category", "template", "locale",   "data", "subject",
        "title",   "body", "at",   "in",       "event_id", "priority", "ttl",  "attach",
    };
    return k_fields;
}

std::optional<std::string> text_field(const nlohmann::json& line, const char* key) {
    auto it = line.find(key);
    if (it == line.end() || it->is_null()) {
        return std::nullopt;
    }
    if (!it->is_string()) {
        throw Error(Exit::data, std::string("field \"") + key + "\" must be a string");
    }
    return it->get<std::string>();
}

// The send options of one NDJSON line (the same fields as `send`'s flags).
SendOptions options_of(const std::string& text) {
    auto line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_discarded()) {
        throw Error(Exit::data, "not valid JSON");
    }
    if (!line.is_object()) {
        throw Error(Exit::data, "expected a JSON object");
    }
    for (const auto& [key, value] : line.items()) {
        const auto& fields = known_fields();
        if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
            auto guess = text::closest_match(key, fields);
            throw Error(Exit::data, "unknown field \"" + key + "\"" +
                                        (guess ? " (did you mean \"" + *guess + "\"?)" : ""));
        }
    }
    SendOptions o;
    o.body_from_stdin = false;
    o.channel = text_field(line, "channel");
    o.to = text_field(line, "to");
    o.user = text_field(line, "user");
    o.category = text_field(line, "category");
    o.template_name = text_field(line, "template");
    o.locale = text_field(line, "locale");
    o.subject = text_field(line, "subject");
    o.title = text_field(line, "title");
    o.body = text_field(line, "body");
    o.at = text_field(line, "at");
    o.in = text_field(line, "in");
    o.event_id = text_field(line, "event_id");
    o.ttl = text_field(line, "ttl");
    if (auto p = text_field(line, "priority")) {
        o.priority = *p;
    }
    if (o.at && o.in) {
        throw Error(Exit::data, "give \"at\" or \"in\", not both");
    }
    if (auto it = line.find("attach"); it != line.end() && !it->is_null()) {
        const bool paths = it->is_array() && std::all_of(it->begin(), it->end(), [](const auto& v) {
                               return v.is_string();
                           });
        if (!paths) {
            throw Error(Exit::data, "field \"attach\" must be an array of file paths");
        }
        o.attach = it->get<std::vector<std::string>>();
    }
    if (auto it = line.find("data"); it != line.end() && !it->is_null()) {
        if (!it->is_object()) {
            throw Error(Exit::data, "field \"data\" must be a JSON object");
        }
        o.data_json = it->dump();
    }
    return o;
}

struct Rejected {
    std::size_t line = 0;
    std::string error;
};

// What the batch made of the requests it took.
struct Tally {
    std::size_t enqueued = 0; // notifications (a fan-out line makes several)
    std::size_t duplicates = 0;

    void count(const store::EnqueueResult& result) {
        if (result.duplicate) {
            ++duplicates;
        } else {
            enqueued += result.ids.size();
        }
    }
};

// Lines checked and held in memory before they go into the store's transaction.
constexpr std::size_t k_chunk = 10'000;

} // namespace

void add_import_command(CLI::App& app, Context& ctx) {
    auto o = std::make_shared<ImportOptions>();
    auto* cmd = app.add_subcommand(
        "import", "Enqueue many notifications from NDJSON (one send request per line)");
    cmd->add_option("FILE", o->file, "NDJSON file, or '-' for stdin")->required();
    cmd->add_flag("--partial", o->partial,
                  "Enqueue the valid lines and report the bad ones (default: a bad line "
                  "rejects the whole file)");
    cmd->footer("Each line is a JSON object with send's fields: channel, to, user, category,\n"
                "template, locale, data (object), subject, title, body, at, in, event_id,\n"
                "priority, ttl, attach (array of file paths, relative to the current\n"
                "directory). All lines go in one transaction; past 10,000 lines they are\n"
                "streamed into it, holding the store's write lock to the end of the input.\n"
                "Example line:\n"
                "  {\"user\": \"alice\", \"template\": \"order-shipped\", \"data\": "
                "{\"order\": \"A-17\"}, \"event_id\": \"ship-A-17\"}");
    cmd->callback([&ctx, o] {
        ctx.action = [&ctx, o] {
            std::ifstream file;
            std::istream* input = &ctx.in;
            if (o->file != "-") {
                file.open(o->file, std::ios::binary);
                if (!file) {
                    throw Error(Exit::io, "cannot read " + o->file);
                }
                input = &file;
            }
            const TimePoint now = ctx.clock().now();
            Tally tally;
            std::vector<Rejected> rejected;
            // Checked lines wait here until k_chunk of them are ready; then the batch (and
            // the store's write lock) starts and takes them, and every later chunk, so that
            // a long file is never held in memory. A small file is read and checked before
            // the write lock is taken.
            std::vector<store::EnqueueRequest> pending;
            std::unique_ptr<store::EnqueueBatch> batch;
            auto flush = [&] {
                if (!batch) {
                    batch = ctx.store().begin_enqueue(now);
                }
                for (const auto& request : pending) {
                    tally.count(batch->add(request));
                }
                pending.clear();
            };
            std::string text;
            std::size_t number = 0;
            std::size_t lines = 0;
            while (std::getline(*input, text)) {
                ++number;
                if (text.find_first_not_of(" \t\r") == std::string::npos) {
                    continue;
                }
                ++lines;
                try {
                    SendRequest request = build_send_request(options_of(text), ctx, now);
                    if (!rejected.empty() && !o->partial) {
                        continue; // nothing will be written: only look for more bad lines
                    }
                    store::EnqueueRequest enqueue;
                    enqueue.rows = std::move(request.rows);
                    enqueue.event_id = std::move(request.event_id);
                    pending.push_back(std::move(enqueue));
                } catch (const Error& e) {
                    if (e.code() == Exit::config || e.code() == Exit::io ||
                        e.code() == Exit::tempfail) {
                        throw; // not the line's fault
                    }
                    rejected.push_back({number, e.what()});
                    if (!o->partial) {
                        pending.clear();
                        batch.reset(); // rolled back, and the write lock given up at once
                        tally = {};
                    }
                }
                if (pending.size() >= k_chunk) {
                    flush(); // outside the try: a store error is not the line's fault
                }
            }
            if (input->bad()) {
                throw Error(Exit::io, "error reading " + o->file);
            }
            const bool write = rejected.empty() || o->partial;
            if (write && (batch || !pending.empty())) {
                flush();
                batch->commit();
                if (tally.enqueued > 0) {
                    ctx.poke_dispatcher();
                }
            }
            const std::size_t enqueued = tally.enqueued;
            const std::size_t duplicates = tally.duplicates;
            if (ctx.globals.json) {
                auto bad = nlohmann::ordered_json::array();
                for (const auto& r : rejected) {
                    bad.push_back({{"line", r.line}, {"error", r.error}});
                }
                print_json(ctx.out, {{"lines", lines},
                                     {"enqueued", enqueued},
                                     {"duplicates", duplicates},
                                     {"rejected", bad},
                                     {"written", write}});
            } else if (write) {
                ctx.out << "imported " << enqueued << " notifications from "
                        << lines - rejected.size() << " lines (" << duplicates << " duplicates, "
                        << rejected.size() << " rejected)\n";
            }
            if (rejected.empty()) {
                return;
            }
            // The bad lines go into the hint: one "line N: ..." each, indented by run().
            constexpr std::size_t k_shown = 20;
            std::string hint;
            for (std::size_t i = 0; i < rejected.size() && i < k_shown; ++i) {
                hint += (i > 0 ? "\n  line " : "line ") + std::to_string(rejected[i].line) + ": " +
                        rejected[i].error;
            }
            if (rejected.size() > k_shown) {
                hint +=
                    "\n  ... and " + std::to_string(rejected.size() - k_shown) + " more bad lines";
            }
            if (!write) {
                hint += "\n  fix them, or enqueue the valid lines with --partial";
            }
            throw Error(
                Exit::data,
                std::to_string(rejected.size()) + " of " + std::to_string(lines) +
                    " lines rejected; " +
                    (write ? "the valid lines were enqueued" : std::string("nothing was enqueued")),
                hint);
        };
    });
}

} // namespace notify::cli
