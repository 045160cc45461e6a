// Fuzz target: render::parse_template, a template file's YAML, and rendering each of its parts
// with its own sample data as `notify template show` would.
#include "common/render/message_render.hpp"
#include "common/render/template_file.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::render;
    const auto result = parse_template(notify::fuzz::as_text(data, size), "welcome.yaml", "welcome",
                                       "", {"slack", "webpush"});
    if (!result.file || !result.problems.empty()) {
        for (const auto& problem : result.problems) {
            problem.text();
        }
        return 0;
    }
    const PartialLookup partials = [](const std::string& name) -> std::optional<std::string> {
        if (name == "footer") {
            return "-- {{company}}";
        }
        return std::nullopt;
    };
    for (const auto& part : result.file->channels) {
        render_part(*result.file, part, part.channel, result.file->sample, partials);
    }
    return 0;
}
