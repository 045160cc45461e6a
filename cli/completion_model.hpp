// What a shell completion script needs to know of notify's command line: every command path,
// its subcommands, its options and what their values are, read from the CLI11 app.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace notify::cli {

// Where the candidates for a value come from. The dynamic ones are listed by running notify
// itself (`provider ls`, `template ls`, `schedule ls`) when the user presses TAB.
enum class ValueKind {
    none,       // a flag: no value
    free_text,  // a value nothing can guess (an address, a duration, ...)
    files,      // a path
    channels,   // the channels of the effective config (dynamic)
    statuses,   // the contract's statuses (fixed)
    priorities, // high, normal, low (fixed)
    templates,  // template names (dynamic)
    schedules,  // schedule names (dynamic)
    providers,  // provider names (dynamic)
};

// The name a script uses for `kind`: "channels", "files", ...
std::string_view kind_name(ValueKind kind);

// The fixed candidates of `kind` (statuses, priorities); empty for the others.
std::vector<std::string> fixed_values(ValueKind kind);

// Where a dynamic kind's candidates come from: a notify command whose plain output has them in
// one tab-separated column, comma-separated within it for channels ("-" for none).
struct Listing {
    ValueKind kind;
    std::string_view command; // "provider ls"
    int column;               // 1-based
    bool comma_separated;
};

// The kinds with fixed candidates, and how every dynamic kind is listed.
const std::vector<ValueKind>& fixed_kinds();
const std::vector<Listing>& listings();

struct CompletionOption {
    std::vector<std::string> flags; // "--channel", "-n", ...
    std::string description;
    ValueKind value = ValueKind::none;
};

struct CompletionChild {
    std::string name;
    std::vector<std::string> aliases;
    std::string description;
};

// One command path: "" (the top), "send", "schedule add", ...
struct CompletionCommand {
    std::string path;
    std::vector<CompletionChild> children;
    std::vector<CompletionOption> options;  // this command's own (the top's are global)
    ValueKind positional = ValueKind::none; // what its positional arguments are
};

// Every command path of `app`, the top first, depth first in --help order.
std::vector<CompletionCommand> completion_commands(const CLI::App& app);

} // namespace notify::cli
