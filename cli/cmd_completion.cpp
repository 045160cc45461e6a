// notify completion bash|zsh|fish: prints a shell completion script made from the same command
// table that builds notify's command line, so the two cannot drift apart.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/completion_model.hpp"
#include "cli/completion_scripts.hpp"
#include "cli/global_options.hpp"
#include "common/error.hpp"

namespace notify::cli {

namespace {

// Every command path of notify as `notify --help` builds it. The commands are bound to a context
// of their own that is never run.
std::vector<CompletionCommand> every_command(Context& ctx) {
    Context unused(ctx.out, ctx.err, ctx.in, false);
    CLI::App app("notify", "notify");
    add_global_options(app, unused.globals);
    add_every_command(app, unused);
    return completion_commands(app);
}

} // namespace

void add_completion_command(CLI::App& app, Context& ctx) {
    auto shell = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "completion", "Print a completion script for bash, zsh or fish (see notify(1) to install)");
    cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->type_name("SHELL");
    cmd->footer("Examples:\n"
                "  source <(notify completion bash)\n"
                "  notify completion zsh > ~/.zfunc/_notify\n"
                "  notify completion fish > ~/.config/fish/completions/notify.fish");
    cmd->callback([&ctx, shell] {
        ctx.action = [&ctx, shell] {
            if (*shell == "bash") {
                write_bash_completion(ctx.out, every_command(ctx));
            } else if (*shell == "zsh") {
                write_zsh_completion(ctx.out, every_command(ctx));
            } else if (*shell == "fish") {
                write_fish_completion(ctx.out, every_command(ctx));
            } else {
                throw Error(Exit::usage, "completion: unknown shell \"" + *shell + "\"",
                            "shells: bash, zsh, fish");
            }
        };
    });
}

} // namespace notify::cli
