// Rate limits as token buckets: "N/DURATION" (at most N per DURATION, refilled smoothly).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"

namespace notify::policy {

struct RateLimit {
    int count = 0; // bucket capacity and tokens added per `per`
    Millis per{0};
};

// Parses "10/1h", "100/1s", "5/90s": a positive count, "/", a positive duration.
// Returns an Unexpected such as `invalid rate "10/x": ...` otherwise.
Expected<RateLimit> parse_rate(std::string_view text);

// A bucket's stored state.
struct BucketState {
    double tokens = 0;
    TimePoint updated_at{};
};

struct TakeResult {
    BucketState state;          // the state to store (refilled, and decremented if taken)
    std::optional<Millis> wait; // nullopt: a token was taken; else time until one is available
};

// Refills `state` to `now` (a new bucket, updated_at == epoch, starts full) and takes one
// token if there is one.
TakeResult take_token(const BucketState& state, const RateLimit& limit, TimePoint now,
                      bool take = true);

} // namespace notify::policy
