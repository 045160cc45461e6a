// The one error type that aborts a command, and the contract's exit codes (sysexits.h).
#pragma once

#include <stdexcept>
#include <string>

namespace notify {

// Exit codes pinned by CONTRACT.md.
enum class Exit : int {
    ok = 0,
    no_match = 1,
    usage = 64,
    data = 65,
    unavailable = 69,
    software = 70,
    io = 74,
    tempfail = 75,
    config = 78,
};

// Aborts the current command. Only the two run() functions catch it; they print
// "notify: <message>" and, if present, the hint on the following line(s).
class Error : public std::runtime_error {
  public:
    Error(Exit code, std::string message, std::string hint = {})
        : std::runtime_error(std::move(message)), m_code(code), m_hint(std::move(hint)) {}

    Exit code() const { return m_code; }
    const std::string& hint() const { return m_hint; }

  private:
    Exit m_code;
    std::string m_hint;
};

} // namespace notify
