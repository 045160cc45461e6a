// Token bucket arithmetic and rate parsing.
#include "common/policy/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/schedule/duration.hpp"

namespace notify::policy {

Expected<RateLimit> parse_rate(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return Unexpected{"invalid rate \"" + std::string(text) + "\": " + why +
                          " (use N/DURATION, e.g. 10/1h)"};
    };
    auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return fail("missing \"/\"");
    }
    int count = 0;
    auto head = text.substr(0, slash);
    auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), count);
    if (head.empty() || ec != std::errc() || end != head.data() + head.size() || count <= 0) {
        return fail("the count must be a positive integer");
    }
    auto per = schedule::parse_duration(text.substr(slash + 1));
    if (!per) {
        return fail(per.error());
    }
    if (per->count() <= 0) {
        return fail("the duration must be positive");
    }
    return RateLimit{count, *per};
}

TakeResult take_token(const BucketState& state, const RateLimit& limit, TimePoint now, bool take) {
    TakeResult r;
    const double capacity = limit.count;
    const double per_ms = capacity / static_cast<double>(limit.per.count());
    if (state.updated_at == TimePoint{}) {
        r.state.tokens = capacity;
    } else {
        double elapsed = static_cast<double>(std::max<long long>(
            0, std::chrono::duration_cast<Millis>(now - state.updated_at).count()));
        r.state.tokens = std::min(capacity, state.tokens + elapsed * per_ms);
    }
    r.state.updated_at = now;
    if (r.state.tokens >= 1.0) {
        if (take) {
            r.state.tokens -= 1.0;
        }
        return r;
    }
    r.wait = Millis{static_cast<long long>(std::ceil((1.0 - r.state.tokens) / per_ms))};
    return r;
}

} // namespace notify::policy
