// Fuzz target: schedule::parse_duration, and format_duration's output parses back to the same.
#include <cstdlib>

#include "common/schedule/duration.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::schedule;
    const auto parsed = parse_duration(notify::fuzz::as_text(data, size));
    if (!parsed) {
        return 0;
    }
    const std::string text = format_duration(*parsed);
    const auto again = parse_duration(text);
    if (!again || *again != *parsed) {
        std::abort(); // format_duration wrote what parse_duration does not read back
    }
    return 0;
}
