// Fuzz target: schedule::parse_cron, then the next fire times of what parses in UTC and in a
// zone with DST; they must be ascending and after the start.
#include <cstdlib>

#include "common/schedule/cron.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::schedule;
    const auto cron = parse_cron(notify::fuzz::as_text(data, size));
    if (!cron) {
        return 0;
    }
    if (!parse_cron(cron->text())) {
        std::abort(); // text() is not an expression parse_cron accepts
    }
    static const Zone k_berlin = Zone::find("Europe/Berlin").value();
    // Just before Berlin's spring-forward gap of 2026-03-29, 01:00 UTC.
    const notify::TimePoint start = notify::from_unix_ms(1'774'746'000'000 - 3'600'000);
    for (const Zone& zone : {Zone::utc(), k_berlin}) {
        notify::TimePoint previous = start;
        for (const notify::TimePoint t : cron->next_n(start, zone, 8)) {
            if (t <= previous) {
                std::abort(); // not ascending, or not after the start
            }
            previous = t;
        }
    }
    return 0;
}
