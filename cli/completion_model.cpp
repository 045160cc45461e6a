// Reads notify's CLI11 app into the command paths, options and value kinds of completion_model.hpp.
#include "cli/completion_model.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

#include "common/model/notification.hpp"

namespace notify::cli {

namespace {

// The type name an option was declared with ("CHANNEL"), without CLI11's validator suffix.
std::string declared_type(const CLI::Option& option) {
    std::string type = option.get_type_name();
    return type.substr(0, type.find(':'));
}

// The command that `path` extends: "schedule" of "schedule rm", "" of "send".
std::string parent_of(const std::string& path) {
    const auto space = path.rfind(' ');
    return space == std::string::npos ? "" : path.substr(0, space);
}

// What the positional arguments of the command at `path` name.
ValueKind positional_kind(const std::string& path, const CLI::Option& option) {
    const std::string type = declared_type(option);
    if (type == "PATH" || type == "FILE" || option.get_name(true) == "FILE") {
        return ValueKind::files;
    }
    if (type == "NAME") {
        const std::string parent = parent_of(path);
        if (parent == "schedule" && path != "schedule add") {
            return ValueKind::schedules;
        }
        if (parent == "template") {
            return ValueKind::templates;
        }
        if (parent == "provider") {
            return ValueKind::providers;
        }
    }
    return ValueKind::free_text;
}

// What the value of a named option is, from its declared type name.
ValueKind option_kind(const CLI::Option& option) {
    if (option.get_items_expected_max() == 0) {
        return ValueKind::none;
    }
    const std::string type = declared_type(option);
    if (type == "PATH" || type == "FILE" || type == "PATH|URL") {
        return ValueKind::files;
    }
    if (type == "CHANNEL") {
        return ValueKind::channels;
    }
    if (type == "STATUS") {
        return ValueKind::statuses;
    }
    if (type == "PRIORITY") {
        return ValueKind::priorities;
    }
    const auto& names = option.get_lnames();
    if (std::find(names.begin(), names.end(), "template") != names.end()) {
        return ValueKind::templates;
    }
    return ValueKind::free_text;
}

CompletionOption option_of(const CLI::Option& option) {
    CompletionOption out;
    for (const auto& name : option.get_lnames()) {
        out.flags.push_back("--" + name);
    }
    for (const auto& name : option.get_snames()) {
        out.flags.push_back("-" + name);
    }
    out.description = option.get_description();
    out.value = option_kind(option);
    return out;
}

void walk(const CLI::App& app, const std::string& path, std::vector<CompletionCommand>& out) {
    CompletionCommand command;
    command.path = path;
    for (const CLI::Option* option : app.get_options()) {
        if (option->get_group().empty()) {
            continue; // hidden
        }
        if (option->nonpositional()) {
            command.options.push_back(option_of(*option));
        } else if (command.positional == ValueKind::none) {
            command.positional = positional_kind(path, *option);
        }
    }
    const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
    for (const CLI::App* sub : subcommands) {
        command.children.push_back({sub->get_name(), sub->get_aliases(), sub->get_description()});
    }
    out.push_back(std::move(command));
    for (const CLI::App* sub : subcommands) {
        walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
    }
}

} // namespace

std::string_view kind_name(ValueKind kind) {
    switch (kind) {
    case ValueKind::none:
        return "none";
    case ValueKind::free_text:
        return "text";
    case ValueKind::files:
        return "files";
    case ValueKind::channels:
        return "channels";
    case ValueKind::statuses:
        return "statuses";
    case ValueKind::priorities:
        return "priorities";
    case ValueKind::templates:
        return "templates";
    case ValueKind::schedules:
        return "schedules";
    case ValueKind::providers:
        return "providers";
    }
    return "none";
}

std::vector<std::string> fixed_values(ValueKind kind) {
    std::vector<std::string> values;
    if (kind == ValueKind::statuses) {
        for (auto status : model::all_statuses()) {
            values.emplace_back(model::to_string(status));
        }
    } else if (kind == ValueKind::priorities) {
        for (auto priority :
             {model::Priority::high, model::Priority::normal, model::Priority::low}) {
            values.emplace_back(model::to_string(priority));
        }
    }
    return values;
}

const std::vector<ValueKind>& fixed_kinds() {
    static const std::vector<ValueKind> k_kinds = {ValueKind::statuses, ValueKind::priorities};
    return k_kinds;
}

const std::vector<Listing>& listings() {
    static const std::vector<Listing> k_listings = {
        {ValueKind::channels, "provider ls", 3, true},
        {ValueKind::providers, "provider ls", 1, false},
        {ValueKind::templates, "template ls", 1, false},
        {ValueKind::schedules, "schedule ls", 1, false},
    };
    return k_listings;
}

std::vector<CompletionCommand> completion_commands(const CLI::App& app) {
    std::vector<CompletionCommand> out;
    walk(app, "", out);
    return out;
}

} // namespace notify::cli
