// notifyd as a function: parse argv, dispatch until stopped, map errors to exit codes.
#pragma once

#include <iosfwd>

namespace notify::daemon {

// Runs `notifyd` with `argv`. Logs go to stderr. Returns the contract's exit code.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

} // namespace notify::daemon
