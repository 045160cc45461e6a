// Fuzz target: schedule::Zone::find and Zone::from_tz_variable on arbitrary names, then the
// conversions of what is found.
#include <string>

#include "common/schedule/zone.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::schedule;
    const std::string text(notify::fuzz::as_text(data, size));
    const auto found = Zone::find(text);
    const Zone zone = found ? *found : Zone::from_tz_variable(text.c_str());
    const notify::TimePoint t = notify::fuzz::fixed_now();
    const LocalTime local = zone.to_local_time(t);
    zone.to_local(t);
    zone.resolve(local);
    zone.period_at(t);
    return 0;
}
