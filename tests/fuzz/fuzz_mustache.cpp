// Fuzz target: mustache rendering as templates use it: check_data, then render_text in each
// escaping mode, with partials that include each other (and themselves). Input: the first
// line is the data (JSON), the rest the template text.
#include <nlohmann/json.hpp>

#include "common/render/mustache_render.hpp"
#include "common/render/mustache_tags.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::render;
    std::string_view text = notify::fuzz::as_text(data, size);
    auto json = nlohmann::json::parse(notify::fuzz::take_line(text), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        json = nlohmann::json::object();
    }
    const std::string tmpl(text);
    const PartialLookup partials = [&tmpl](const std::string& name) -> std::optional<std::string> {
        if (name == "self") {
            return tmpl;
        }
        if (name == "footer") {
            return "{{#footer}}{{text}}{{/footer}} {{> header}}";
        }
        if (name == "header") {
            return "{{title}}";
        }
        return std::nullopt;
    };
    syntax_error(tmpl);
    const DataCheck check = check_data(tmpl, json, partials);
    if (!check.problems.empty()) {
        return 0; // callers never render what check_data refuses
    }
    for (Escape escape : {Escape::none, Escape::html, Escape::json}) {
        render_text(tmpl, json, escape, partials);
    }
    return 0;
}
