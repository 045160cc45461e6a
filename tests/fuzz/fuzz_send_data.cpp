// Fuzz target: render::merge_template_data, the --data-file, --data-json and --data KEY=VALUE
// merging of `notify send`. Input: the first line is --data-json (none when empty), then
// KEY=VALUE pairs one a line up to a line "---", then the --data-file's text.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/render/template_data.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = notify::fuzz::as_text(data, size);
    notify::render::DataSources sources;
    const std::string_view json = notify::fuzz::take_line(text);
    if (!json.empty()) {
        sources.json = std::string(json);
    }
    while (!text.empty()) {
        const std::string_view line = notify::fuzz::take_line(text);
        if (line == "---") {
            sources.file_text = std::string(text);
            sources.file_label = "--data-file data.json";
            break;
        }
        sources.pairs.emplace_back(line);
    }
    const auto merged = notify::render::merge_template_data(sources);
    if (merged && !nlohmann::json::parse(*merged).is_object()) {
        std::abort(); // the merged data must be a JSON object
    }
    return 0;
}
