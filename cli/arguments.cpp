// Parsing of id and status arguments, and id lists on stdin.
#include "cli/arguments.hpp"

#include <charconv>
#include <sstream>

#include "common/error.hpp"
#include "common/text/spelling.hpp"

namespace notify::cli {

namespace {

std::int64_t parse_id(const std::string& text, const std::string& where) {
    std::int64_t id = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, id);
    if (text.empty() || ec != std::errc() || ptr != end || id <= 0) {
        throw Error(Exit::usage,
                    "invalid id \"" + text + "\"" + where + ": expected a positive integer");
    }
    return id;
}

} // namespace

std::vector<std::int64_t> parse_ids(const std::vector<std::string>& args, std::istream& in) {
    std::vector<std::int64_t> ids;
    bool read_stdin = false;
    for (const auto& arg : args) {
        if (arg == "-") {
            if (read_stdin) {
                continue;
            }
            read_stdin = true;
            std::string line;
            int number = 0;
            while (std::getline(in, line)) {
                ++number;
                std::istringstream fields(line);
                std::string first;
                if (!(fields >> first) || first == "ID" || first[0] == '#') {
                    continue;
                }
                ids.push_back(parse_id(first, " on stdin line " + std::to_string(number)));
            }
        } else {
            ids.push_back(parse_id(arg, ""));
        }
    }
    if (ids.empty()) {
        // An empty pipe (`notify ls --status dead | notify retry -`) matched nothing.
        throw Error(Exit::no_match, "no ids on stdin");
    }
    return ids;
}

model::Status status_or_throw(const std::string& text) {
    if (auto s = model::parse_status(text)) {
        return *s;
    }
    std::vector<std::string> names;
    for (auto s : model::all_statuses()) {
        names.emplace_back(model::to_string(s));
    }
    auto guess = text::closest_match(text, names);
    std::string all;
    for (const auto& n : names) {
        all += (all.empty() ? "" : ", ") + n;
    }
    throw Error(Exit::usage,
                "--status: unknown status \"" + text + "\"" +
                    (guess ? " (did you mean \"" + *guess + "\"?)" : ""),
                "statuses: " + all);
}

} // namespace notify::cli
