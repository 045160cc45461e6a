// Merging of command-line template data into one JSON object.
#include "common/render/template_data.hpp"

#include <nlohmann/json.hpp>

namespace notify::render {
namespace {

Expected<nlohmann::json> parse_object(const std::string& text, const std::string& what) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
        return Unexpected{what + ": not valid JSON"};
    }
    if (!j.is_object()) {
        return Unexpected{what + ": must be a JSON object"};
    }
    return j;
}

// True when `text` is valid UTF-8, as nlohmann::json::dump() demands of every string.
bool is_utf8(const std::string& text) {
    try {
        nlohmann::json(text).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

} // namespace

Expected<std::string> merge_template_data(const DataSources& sources) {
    nlohmann::json data = nlohmann::json::object();
    if (sources.file_text) {
        auto file = parse_object(*sources.file_text, sources.file_label);
        if (!file) {
            return Unexpected{file.error()};
        }
        data.update(*file);
    }
    if (sources.json) {
        auto json = parse_object(*sources.json, "--data-json");
        if (!json) {
            return Unexpected{json.error()};
        }
        data.update(*json);
    }
    for (std::size_t i = 0; i < sources.pairs.size(); ++i) {
        const std::string& pair = sources.pairs[i];
        if (!is_utf8(pair)) {
            return Unexpected{"--data #" + std::to_string(i + 1) +
                              ": not valid UTF-8 (convert it, e.g. with iconv -t UTF-8)"};
        }
        auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0) {
            return Unexpected{"--data \"" + pair + "\": expected KEY=VALUE"};
        }
        data[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    return data.dump();
}

} // namespace notify::render
