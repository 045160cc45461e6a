// Reading template files: YAML shape, channel parts and fields, file:line problems.
#include "common/render/template_file.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>

#include <yaml-cpp/yaml.h>

#include "common/text/spelling.hpp"

namespace notify::render {

namespace {

const std::vector<std::string> k_top_keys = {"description", "category", "sample", "channels"};
const std::vector<std::string> k_part_names = {"email", "sms", "push", "webhook", "default"};

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    auto guess = text::closest_match(word, candidates);
    return guess ? " (did you mean \"" + *guess + "\"?)" : "";
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

int line_of(const YAML::Node& node) {
    return node.Mark().line + 1;
}

// A scalar in YAML as JSON: unquoted true/false/null become booleans/null, all else text.
nlohmann::json scalar_json(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    if (node.Tag() == "?") { // plain (unquoted)
        if (s == "true" || s == "True" || s == "TRUE") {
            return true;
        }
        if (s == "false" || s == "False" || s == "FALSE") {
            return false;
        }
        if (s == "null" || s == "Null" || s == "NULL" || s == "~") {
            return nullptr;
        }
    }
    return s;
}

// How deep sample data may nest; deeper (or an alias that contains itself) is a problem.
constexpr int k_max_sample_depth = 32;

// The YAML node as JSON, or nullopt when it nests deeper than k_max_sample_depth.
std::optional<nlohmann::json> to_json(const YAML::Node& node, int depth = 0) {
    if (depth > k_max_sample_depth) {
        return std::nullopt;
    }
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& entry : node) {
            auto value = to_json(entry.second, depth + 1);
            if (!value) {
                return std::nullopt;
            }
            object[entry.first.Scalar()] = std::move(*value);
        }
        return object;
    }
    case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        for (const auto& item : node) {
            auto value = to_json(item, depth + 1);
            if (!value) {
                return std::nullopt;
            }
            array.push_back(std::move(*value));
        }
        return array;
    }
    case YAML::NodeType::Scalar:
        return scalar_json(node);
    default:
        return nullptr;
    }
}

class Parser {
  public:
    Parser(std::string_view yaml, const std::string& path,
           const std::vector<std::string>& known_channels, LoadResult& out)
        : m_yaml(yaml), m_path(path), m_out(out) {
        for (const auto& name : k_part_names) {
            m_channel_names.push_back(name);
        }
        for (const auto& name : known_channels) {
            if (std::find(m_channel_names.begin(), m_channel_names.end(), name) ==
                m_channel_names.end()) {
                m_channel_names.push_back(name);
            }
        }
    }

    void parse(const YAML::Node& root, TemplateFile& t) {
        if (!root.IsMap()) {
            problem(root.IsNull() ? 0 : line_of(root),
                    "a template is a map with description, sample and channels");
            return;
        }
        bool has_channels = false;
        for (const auto& entry : root) {
            const std::string key = entry.first.Scalar();
            const YAML::Node& value = entry.second;
            if (key == "description") {
                if (auto s = text_of(value, "description")) {
                    t.description = *s;
                }
            } else if (key == "category") {
                if (auto s = text_of(value, "category")) {
                    t.category = *s;
                }
            } else if (key == "sample") {
                if (!value.IsMap() && !value.IsNull()) {
                    problem(line_of(value), "sample must be a map of sample data");
                } else if (auto sample =
                               value.IsNull() ? nlohmann::json::object() : to_json(value)) {
                    t.has_sample = true;
                    t.sample = std::move(*sample);
                } else {
                    problem(line_of(value), "sample nests deeper than " +
                                                std::to_string(k_max_sample_depth) +
                                                " levels (or an alias contains itself)");
                }
            } else if (key == "channels") {
                has_channels = true;
                parse_channels(value, t);
            } else {
                problem(line_of(entry.first), "unknown key \"" + key + "\"" +
                                                  did_you_mean(key, k_top_keys) +
                                                  "; a template has " + join(k_top_keys));
            }
        }
        if (!has_channels) {
            problem(0, "no channels: give at least one part (email, sms, push, webhook, default)");
        }
    }

  private:
    void problem(int line, std::string message) {
        m_out.problems.push_back(Problem{m_path, line, std::move(message)});
    }

    std::optional<std::string> text_of(const YAML::Node& value, const std::string& what) {
        if (!value.IsScalar()) {
            problem(line_of(value), what + " must be text");
            return std::nullopt;
        }
        return value.Scalar();
    }

    Field field(const std::string& name, const YAML::Node& value) {
        Field f;
        f.name = name;
        f.text = value.Scalar();
        f.line = line_of(value);
        f.text_line = f.line;
        const auto pos = static_cast<std::size_t>(value.Mark().pos);
        if (pos < m_yaml.size() && (m_yaml[pos] == '|' || m_yaml[pos] == '>')) {
            f.text_line = f.line + 1;
        }
        return f;
    }

    void parse_channels(const YAML::Node& node, TemplateFile& t) {
        if (!node.IsMap() || node.size() == 0) {
            problem(line_of(node), "channels must be a map of channel parts (email, sms, push, "
                                   "webhook, default)");
            return;
        }
        for (const auto& entry : node) {
            const std::string channel = entry.first.Scalar();
            const int line = line_of(entry.first);
            if (std::find(m_channel_names.begin(), m_channel_names.end(), channel) ==
                m_channel_names.end()) {
                problem(line, "unknown channel \"" + channel + "\"" +
                                  did_you_mean(channel, m_channel_names) + "; parts are " +
                                  join(m_channel_names));
                continue;
            }
            ChannelPart part;
            part.channel = channel;
            part.line = line;
            parse_part(entry.second, part);
            t.channels.push_back(std::move(part));
        }
    }

    void parse_part(const YAML::Node& node, ChannelPart& part) {
        const PartKind kind = part_kind(part.channel);
        const std::vector<std::string>& allowed = part_fields(kind);
        if (!node.IsMap()) {
            problem(node.IsNull() ? part.line : line_of(node),
                    part.channel + " must be a map of " + join(allowed));
            return;
        }
        for (const auto& entry : node) {
            const std::string name = entry.first.Scalar();
            const YAML::Node& value = entry.second;
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                problem(line_of(entry.first), "unknown field \"" + name + "\" in " + part.channel +
                                                  did_you_mean(name, allowed) + "; " +
                                                  part.channel + " takes " + join(allowed));
                continue;
            }
            if (kind == PartKind::push && name == "data") {
                parse_push_data(value, part);
                continue;
            }
            if (!value.IsScalar()) {
                problem(value.IsNull() ? line_of(entry.first) : line_of(value),
                        part.channel + "." + name + " must be text");
                continue;
            }
            part.fields.push_back(field(name, value));
        }
        check_required(kind, part);
    }

    void parse_push_data(const YAML::Node& node, ChannelPart& part) {
        if (!node.IsMap()) {
            problem(line_of(node), part.channel + ".data must be a map of KEY: text");
            return;
        }
        for (const auto& entry : node) {
            const std::string key = entry.first.Scalar();
            if (!entry.second.IsScalar()) {
                problem(line_of(entry.first), part.channel + ".data." + key + " must be text");
                continue;
            }
            part.fields.push_back(field("data." + key, entry.second));
        }
    }

    void check_required(PartKind kind, const ChannelPart& part) {
        auto has = [&part](std::string_view name) { return part.find(name) != nullptr; };
        const std::string& c = part.channel;
        switch (kind) {
        case PartKind::email:
            if (!has("subject")) {
                problem(part.line, c + " needs a subject");
            }
            if (!has("text") && !has("html")) {
                problem(part.line, c + " needs text or html");
            }
            break;
        case PartKind::sms:
        case PartKind::webhook:
            if (!has("body")) {
                problem(part.line, c + " needs a body");
            }
            break;
        case PartKind::push:
            if (!has("title") && !has("body")) {
                problem(part.line, c + " needs a title or a body");
            }
            break;
        case PartKind::generic:
            if (!has("subject") && !has("title") && !has("body")) {
                problem(part.line, c + " needs a subject, title or body");
            }
            break;
        }
    }

    std::string_view m_yaml;
    const std::string& m_path;
    LoadResult& m_out;
    std::vector<std::string> m_channel_names;
};

} // namespace

PartKind part_kind(std::string_view channel) {
    if (channel == "email") {
        return PartKind::email;
    }
    if (channel == "sms") {
        return PartKind::sms;
    }
    if (channel == "push") {
        return PartKind::push;
    }
    if (channel == "webhook") {
        return PartKind::webhook;
    }
    return PartKind::generic;
}

const std::vector<std::string>& part_fields(PartKind kind) {
    static const std::vector<std::string> k_email = {"subject", "text", "html"};
    static const std::vector<std::string> k_body = {"body"};
    static const std::vector<std::string> k_push = {"title", "body", "data", "badge", "sound"};
    static const std::vector<std::string> k_generic = {"subject", "title", "body"};
    switch (kind) {
    case PartKind::email:
        return k_email;
    case PartKind::sms:
    case PartKind::webhook:
        return k_body;
    case PartKind::push:
        return k_push;
    case PartKind::generic:
        break;
    }
    return k_generic;
}

const Field* ChannelPart::find(std::string_view field_name) const {
    for (const auto& f : fields) {
        if (f.name == field_name) {
            return &f;
        }
    }
    return nullptr;
}

const ChannelPart* TemplateFile::part_for(std::string_view channel) const {
    const ChannelPart* fallback = nullptr;
    for (const auto& part : channels) {
        if (part.channel == channel) {
            return &part;
        }
        if (part.channel == "default") {
            fallback = &part;
        }
    }
    return fallback;
}

std::string Problem::text() const {
    return file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + message;
}

LoadResult parse_template(std::string_view yaml, const std::string& path, const std::string& name,
                          const std::string& locale,
                          const std::vector<std::string>& known_channels) {
    LoadResult out;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        out.problems.push_back(Problem{path, e.mark.line + 1, "invalid YAML: " + e.msg});
        return out;
    }
    TemplateFile t;
    t.name = name;
    t.locale = locale;
    t.path = path;
    Parser parser(yaml, path, known_channels, out);
    parser.parse(root, t);
    out.file = std::move(t);
    return out;
}

LoadResult load_template_file(const std::string& path, const std::string& name,
                              const std::string& locale,
                              const std::vector<std::string>& known_channels) {
    std::ifstream in(path, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in && !in.eof()) {
        LoadResult out;
        out.problems.push_back(Problem{path, 0, "cannot read the file"});
        return out;
    }
    return parse_template(text, path, name, locale, known_channels);
}

} // namespace notify::render
