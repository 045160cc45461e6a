// The completion scripts `notify completion SHELL` prints, one writer per shell.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/completion_model.hpp"

namespace notify::cli {

// Each writes a complete script for `commands` (completion_commands() of the full app).
void write_bash_completion(std::ostream& out, const std::vector<CompletionCommand>& commands);
void write_zsh_completion(std::ostream& out, const std::vector<CompletionCommand>& commands);
void write_fish_completion(std::ostream& out, const std::vector<CompletionCommand>& commands);

// `text` in single quotes for sh, bash and zsh: 'it'\''s'.
std::string sh_quoted(const std::string& text);

// " scheduled queued ...": the fixed candidates of `kind`, each after a space.
std::string fixed_words(ValueKind kind);

// The rest of the command line that lists `listing`'s candidates one a line, after the notify
// to run: " provider ls 2>/dev/null | cut -f3 | ...". Plain sh syntax, which fish reads too.
std::string listing_pipeline(const Listing& listing);

// The functions bash and zsh share (both read the same POSIX-style syntax):
//   _notify_child PATH WORD   prints the subcommand WORD names at PATH (aliases resolved)
//   _notify_option PATH OPT   prints the value kind of OPT at PATH; fails for a flag
//   _notify_value_kind P OPT  the same, falling back to the global options
//   _notify_positional PATH   prints the kind of PATH's positional arguments
//   _notify_children PATH     prints "name:description" per subcommand and alias of PATH
//   _notify_flags PATH        prints "flag:description" per option of PATH
//   _notify_values KIND CMD.. prints the candidates of KIND, running CMD (notify and the
//                             --db/--config given) for the dynamic ones
//   _notify_scan WORDS...     sets _notify_path to the command path WORDS name and
//                             _notify_globals to their --db/--config options
void write_sh_functions(std::ostream& out, const std::vector<CompletionCommand>& commands);

} // namespace notify::cli
