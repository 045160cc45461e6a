// Fuzz target: providers::classify_exec_exit, an exec plugin's exit code, stdout (the
// protocol's JSON object) and stderr. Input: the first line is the exit code, then stdout up
// to a line "--stderr--", then stderr.
#include "common/providers/exec_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = notify::fuzz::as_text(data, size);
    const int code = static_cast<int>(notify::fuzz::leading_number(notify::fuzz::take_line(text)));
    std::string_view out = text;
    std::string_view err;
    if (const auto mark = text.find("\n--stderr--\n"); mark != std::string_view::npos) {
        out = text.substr(0, mark);
        err = text.substr(mark + 12);
    }
    notify::providers::classify_exec_exit(code & 0xff, std::string(out), std::string(err));
    return 0;
}
