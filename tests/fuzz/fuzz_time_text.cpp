// Fuzz target: schedule::parse_time (RFC 3339 and local wall time in a zone with DST), and
// format_rfc3339_ms's output parses back to the same instant.
#include <cstdlib>

#include "common/schedule/time_text.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::schedule;
    // Local times are read in the process's zone: make it one with gaps and folds.
    static const bool k_zone_set = ::setenv("TZ", "Europe/Berlin", 1) == 0;
    (void)k_zone_set;
    const auto parsed = parse_time(notify::fuzz::as_text(data, size));
    if (!parsed) {
        return 0;
    }
    const std::string text = format_rfc3339_ms(*parsed);
    const auto again = parse_time(text);
    if (!again || *again != *parsed) {
        std::abort(); // format_rfc3339_ms wrote what parse_time does not read back
    }
    format_rfc3339(*parsed);
    return 0;
}
