// Typed command-line arguments: notification ids (also from stdin via "-"), statuses.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "common/model/notification.hpp"

namespace notify::cli {

// Parses `args` as positive integer ids. An argument "-" reads ids from `in`: the first
// whitespace-separated field of each non-empty line (so `notify ls | notify cancel -` works),
// lines starting with "ID" (a table header) or "#" skipped. Throws notify::Error{usage} on
// anything else, and notify::Error{no_match} when stdin held no id.
std::vector<std::int64_t> parse_ids(const std::vector<std::string>& args, std::istream& in);

// Parses a --status value. Throws notify::Error{usage} with a "did you mean".
model::Status status_or_throw(const std::string& text);

} // namespace notify::cli
