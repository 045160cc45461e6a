// The notify CLI as a function: parse argv, run one command, map errors to exit codes.
#pragma once

#include <iosfwd>

namespace notify::cli {

// Runs `notify` with `argv`. Results go to `out`, one-line errors to `err`; `in` feeds
// `--body -` and `-` id lists. Returns the contract's exit code. Never throws.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, std::istream& in,
        bool out_is_tty);

} // namespace notify::cli
