// The completion functions bash and zsh share: case tables of notify's commands, and the scan
// of the words before the cursor.
#include <map>
#include <ostream>
#include <string>

#include "cli/completion_scripts.hpp"

namespace notify::cli {

namespace {

std::string case_key(const std::string& path, const std::string& word) {
    return sh_quoted(path + "|" + word);
}

void write_child_table(std::ostream& out, const std::vector<CompletionCommand>& commands) {
    out << "_notify_child() {\n    case \"$1|$2\" in\n";
    for (const auto& command : commands) {
        for (const auto& child : command.children) {
            out << "        " << case_key(command.path, child.name);
            for (const auto& alias : child.aliases) {
                out << "|" << case_key(command.path, alias);
            }
            out << ") echo " << child.name << " ;;\n";
        }
    }
    out << "        *) return 1 ;;\n    esac\n}\n";
}

void write_option_table(std::ostream& out, const std::vector<CompletionCommand>& commands) {
    out << "_notify_option() {\n    case \"$1|$2\" in\n";
    for (const auto& command : commands) {
        std::map<std::string_view, std::vector<std::string>> by_kind;
        for (const auto& option : command.options) {
            if (option.value == ValueKind::none) {
                continue;
            }
            for (const auto& flag : option.flags) {
                by_kind[kind_name(option.value)].push_back(case_key(command.path, flag));
            }
        }
        for (const auto& [kind, keys] : by_kind) {
            out << "        ";
            for (std::size_t i = 0; i < keys.size(); ++i) {
                out << (i == 0 ? "" : "|") << keys[i];
            }
            out << ") echo " << kind << " ;;\n";
        }
    }
    out << "        *) return 1 ;;\n    esac\n}\n"
           "_notify_value_kind() {\n"
           "    _notify_option \"$1\" \"$2\" || _notify_option '' \"$2\"\n}\n";
}

void write_positional_table(std::ostream& out, const std::vector<CompletionCommand>& commands) {
    out << "_notify_positional() {\n    case \"$1\" in\n";
    for (const auto& command : commands) {
        if (command.positional != ValueKind::none) {
            out << "        " << sh_quoted(command.path) << ") echo "
                << kind_name(command.positional) << " ;;\n";
        }
    }
    out << "        *) return 1 ;;\n    esac\n}\n";
}

void write_described_table(std::ostream& out, const std::vector<CompletionCommand>& commands,
                           const char* function, bool children) {
    out << function << "() {\n    case \"$1\" in\n";
    for (const auto& command : commands) {
        std::vector<std::string> lines;
        if (children) {
            for (const auto& child : command.children) {
                lines.push_back(child.name + ":" + child.description);
                for (const auto& alias : child.aliases) {
                    lines.push_back(alias + ":" + child.description);
                }
            }
        } else {
            for (const auto& option : command.options) {
                for (const auto& flag : option.flags) {
                    lines.push_back(flag + ":" + option.description);
                }
            }
        }
        if (lines.empty()) {
            continue;
        }
        out << "        " << sh_quoted(command.path) << ") printf '%s\\n'";
        for (const auto& line : lines) {
            out << " \\\n            " << sh_quoted(line);
        }
        out << " ;;\n";
    }
    out << "    esac\n}\n";
}

void write_values(std::ostream& out) {
    out << "_notify_values() {\n"
           "    local kind=$1\n"
           "    shift\n"
           "    case $kind in\n";
    for (ValueKind kind : fixed_kinds()) {
        out << "        " << kind_name(kind) << ") printf '%s\\n'" << fixed_words(kind) << " ;;\n";
    }
    for (const Listing& listing : listings()) {
        out << "        " << kind_name(listing.kind) << ") \"$@\"" << listing_pipeline(listing)
            << " ;;\n";
    }
    out << "    esac\n}\n";
}

constexpr const char* k_scan = R"sh(_notify_scan() {
    local child
    _notify_path=''
    _notify_globals=()
    while [ $# -gt 0 ]; do
        case $1 in
            --*=*) ;;
            -*)
                if _notify_value_kind "$_notify_path" "$1" >/dev/null && [ $# -gt 1 ]; then
                    case $1 in
                        --db|--config) _notify_globals+=("$1" "$2") ;;
                    esac
                    shift
                fi
                ;;
            *)
                if child=$(_notify_child "$_notify_path" "$1"); then
                    _notify_path=${_notify_path:+$_notify_path }$child
                fi
                ;;
        esac
        shift
    done
}
)sh";

} // namespace

std::string sh_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string fixed_words(ValueKind kind) {
    std::string out;
    for (const auto& value : fixed_values(kind)) {
        out += ' ' + value;
    }
    return out;
}

std::string listing_pipeline(const Listing& listing) {
    std::string out = " " + std::string(listing.command) + " 2>/dev/null | cut -f" +
                      std::to_string(listing.column);
    if (listing.comma_separated) {
        out += " | tr ',' '\\n' | grep -vx -- - | sort -u";
    }
    return out;
}

void write_sh_functions(std::ostream& out, const std::vector<CompletionCommand>& commands) {
    write_child_table(out, commands);
    write_option_table(out, commands);
    write_positional_table(out, commands);
    write_described_table(out, commands, "_notify_children", true);
    write_described_table(out, commands, "_notify_flags", false);
    write_values(out);
    out << k_scan;
}

} // namespace notify::cli
