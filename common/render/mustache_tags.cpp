// Mustache tag scanning and the data walk that finds missing variables.
#include "common/render/mustache_tags.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/render/track_marker.hpp"

namespace notify::render {

namespace {

constexpr int k_max_partial_depth = 16;

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

SyntaxError at_line(int line, const std::string& what) {
    return SyntaxError{line, what};
}

std::string opener_text(const Tag& opener) {
    return (opener.kind == TagKind::inverted ? "{{^" : "{{#") + opener.name + "}}";
}

struct Node {
    Tag tag;
    std::vector<Node> children;
};

// Nests the tags of a balanced scan into sections.
std::vector<Node> build_tree(const std::vector<Tag>& tags) {
    std::vector<Node> root;
    std::vector<std::vector<Node>*> open{&root};
    for (const Tag& tag : tags) {
        if (tag.kind == TagKind::end) {
            open.pop_back();
            continue;
        }
        open.back()->push_back(Node{tag, {}});
        if (tag.kind == TagKind::section || tag.kind == TagKind::inverted) {
            open.push_back(&open.back()->back().children);
        }
    }
    return root;
}

using Stack = std::vector<const nlohmann::json*>; // innermost last

const nlohmann::json* resolve(const std::string& name, const Stack& stack) {
    if (name == ".") {
        return stack.back();
    }
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        parts.push_back(name.substr(start, dot - start));
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    for (auto frame = stack.rbegin(); frame != stack.rend(); ++frame) {
        const nlohmann::json* current = *frame;
        for (const auto& part : parts) {
            if (!current->is_object()) {
                current = nullptr;
                break;
            }
            auto it = current->find(part);
            if (it == current->end()) {
                current = nullptr;
                break;
            }
            current = &*it;
        }
        if (current != nullptr) {
            return current;
        }
    }
    return nullptr;
}

bool falsy(const nlohmann::json* value) {
    return value == nullptr || value->is_null() || (value->is_boolean() && !value->get<bool>()) ||
           (value->is_array() && value->empty());
}

class Walker {
  public:
    Walker(const PartialLookup& partials, DataCheck& out) : m_partials(partials), m_out(out) {}

    void walk(const std::vector<Node>& nodes, Stack& stack, int depth) {
        for (const Node& node : nodes) {
            switch (node.tag.kind) {
            case TagKind::variable:
            case TagKind::unescaped:
                variable(node.tag.name, stack);
                break;
            case TagKind::section:
                section(node, stack, depth);
                break;
            case TagKind::inverted:
                if (falsy(resolve(node.tag.name, stack))) {
                    walk(node.children, stack, depth);
                }
                break;
            case TagKind::partial:
                partial(node.tag.name, stack, depth);
                break;
            case TagKind::end:
            case TagKind::comment:
                break;
            }
        }
    }

  private:
    void variable(const std::string& name, const Stack& stack) {
        const nlohmann::json* value = resolve(name, stack);
        if (value == nullptr || value->is_null()) {
            add_unique(m_out.missing, name);
            return;
        }
        const char* kind = value->is_object()    ? "an object"
                           : value->is_array()   ? "a list"
                           : value->is_boolean() ? "a boolean"
                                                 : nullptr;
        if (kind != nullptr) {
            add_unique(m_out.problems, "variable \"" + name + "\" is " + kind +
                                           ", not text (use it as a {{#section}})");
        }
    }

    void section(const Node& node, Stack& stack, int depth) {
        if (node.tag.name == k_track_section) { // built in: its contents use the same data
            walk(node.children, stack, depth);
            return;
        }
        const nlohmann::json* value = resolve(node.tag.name, stack);
        if (falsy(value)) {
            return;
        }
        if (value->is_array()) {
            for (const auto& item : *value) {
                stack.push_back(&item);
                walk(node.children, stack, depth);
                stack.pop_back();
            }
            return;
        }
        stack.push_back(value);
        walk(node.children, stack, depth);
        stack.pop_back();
    }

    void partial(const std::string& name, Stack& stack, int depth) {
        if (depth >= k_max_partial_depth) {
            add_unique(m_out.problems, "partial \"" + name + "\" nests deeper than " +
                                           std::to_string(k_max_partial_depth) +
                                           " levels (does it include itself?)");
            return;
        }
        std::optional<std::string> text = m_partials ? m_partials(name) : std::nullopt;
        if (!text) {
            add_unique(m_out.problems, "partial \"" + name + "\" not found");
            return;
        }
        auto tags = scan_tags(*text);
        if (!tags) {
            add_unique(m_out.problems, "partial \"" + name + "\": " + tags.error());
            return;
        }
        walk(build_tree(*tags), stack, depth + 1);
    }

    static void add_unique(std::vector<std::string>& list, const std::string& item) {
        if (std::find(list.begin(), list.end(), item) == list.end()) {
            list.push_back(item);
        }
    }

    const PartialLookup& m_partials;
    DataCheck& m_out;
};

// Scans `text` into `tags`; returns the first syntax error, if any.
std::optional<SyntaxError> scan(std::string_view text, std::vector<Tag>& tags) {
    std::vector<std::size_t> open_index;
    int line = 1;
    std::size_t pos = 0;
    while (true) {
        const auto start = text.find("{{", pos);
        if (start == std::string_view::npos) {
            break;
        }
        line +=
            static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos),
                                        text.begin() + static_cast<std::ptrdiff_t>(start), '\n'));
        const bool triple = start + 2 < text.size() && text[start + 2] == '{';
        const std::string_view close = triple ? "}}}" : "}}";
        const std::size_t inner = start + (triple ? 3 : 2);
        const auto end = text.find(close, inner);
        if (end == std::string_view::npos) {
            return at_line(line, "tag \"" + std::string(text.substr(start, 12)) +
                                     "\" is not closed with " + std::string(close));
        }
        std::string contents = trim(text.substr(inner, end - inner));
        Tag tag;
        tag.line = line;
        if (triple) {
            tag.kind = TagKind::unescaped;
            tag.name = contents;
        } else if (!contents.empty() && contents[0] == '=') {
            return at_line(line, "set-delimiter tags ({{=...=}}) are not supported");
        } else {
            const char sigil = contents.empty() ? '\0' : contents[0];
            switch (sigil) {
            case '#':
                tag.kind = TagKind::section;
                break;
            case '^':
                tag.kind = TagKind::inverted;
                break;
            case '/':
                tag.kind = TagKind::end;
                break;
            case '>':
                tag.kind = TagKind::partial;
                break;
            case '&':
                tag.kind = TagKind::unescaped;
                break;
            case '!':
                tag.kind = TagKind::comment;
                break;
            default:
                tag.kind = TagKind::variable;
                break;
            }
            tag.name = tag.kind == TagKind::variable ? contents : trim(contents.substr(1));
        }
        if (tag.name.empty() && tag.kind != TagKind::comment) {
            return at_line(line, "empty tag \"" + std::string(text.substr(start, end - start)) +
                                     std::string(close) + "\"");
        }
        line += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(start),
                                            text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
        pos = end + close.size();
        if (tag.kind == TagKind::end) {
            if (open_index.empty()) {
                return at_line(tag.line, "{{/" + tag.name + "}} closes no open section");
            }
            const Tag& opener = tags[open_index.back()];
            if (opener.name != tag.name) {
                return SyntaxError{tag.line, "{{/" + tag.name + "}} closes " + opener_text(opener),
                                   opener.line};
            }
            open_index.pop_back();
        } else if (tag.kind == TagKind::section || tag.kind == TagKind::inverted) {
            open_index.push_back(tags.size());
        }
        tags.push_back(std::move(tag));
    }
    if (!open_index.empty()) {
        const Tag& opener = tags[open_index.back()];
        return at_line(opener.line, "section " + opener_text(opener) + " is never closed");
    }
    return std::nullopt;
}

} // namespace

Expected<std::vector<Tag>> scan_tags(std::string_view text) {
    std::vector<Tag> tags;
    if (auto error = scan(text, tags)) {
        return Unexpected{"line " + std::to_string(error->line) + ": " + error->describe()};
    }
    return tags;
}

std::string SyntaxError::describe(int line_offset) const {
    return opened_line > 0 ? what + " (line " + std::to_string(opened_line + line_offset) + ")"
                           : what;
}

std::optional<SyntaxError> syntax_error(std::string_view text) {
    std::vector<Tag> tags;
    return scan(text, tags);
}

DataCheck check_data(std::string_view text, const nlohmann::json& data,
                     const PartialLookup& partials) {
    DataCheck out;
    auto tags = scan_tags(text);
    if (!tags) {
        out.problems.push_back(tags.error());
        return out;
    }
    Stack stack{&data};
    Walker walker(partials, out);
    walker.walk(build_tree(*tags), stack, 0);
    return out;
}

std::string describe_missing(const std::vector<std::string>& missing) {
    std::string text = missing.size() == 1 ? "variable " : "variables ";
    for (std::size_t i = 0; i < missing.size(); ++i) {
        text += (i == 0 ? "\"" : ", \"") + missing[i] + "\"";
    }
    return text;
}

} // namespace notify::render
