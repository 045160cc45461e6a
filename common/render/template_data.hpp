// Template data given on the command line: a --data-file's text, --data-json and --data
// KEY=VALUE pairs merged into one JSON object.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"

namespace notify::render {

// Where template data came from, merged in this order (later keys replace earlier ones).
struct DataSources {
    std::optional<std::string> file_text; // the --data-file's contents
    std::string file_label;               // how messages name it: "--data-file data.json"
    std::optional<std::string> json;      // --data-json
    std::vector<std::string> pairs;       // --data KEY=VALUE, each value a string
};

// Returns the merged data as compact JSON text (an object), or an Unexpected such as
// `--data-json: not valid JSON`, `--data-file data.json: must be a JSON object` or
// `--data "x": expected KEY=VALUE`, `--data #2: not valid UTF-8 (...)`.
Expected<std::string> merge_template_data(const DataSources& sources);

} // namespace notify::render
