// Digest slots: windows since the epoch, or cron fire times.
#include "common/audience/digest_slot.hpp"

#include "common/schedule/cron.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"
#include "common/schedule/zone.hpp"

namespace notify::audience {

namespace {
constexpr std::string_view k_digest_prefix = "digest:";
} // namespace

std::optional<TimePoint> digest_slot_end(const config::DigestConfig& digest, TimePoint due) {
    if (digest.window) {
        const std::int64_t window = digest.window->count();
        const std::int64_t ms = to_unix_ms(due);
        std::int64_t slots = ms / window;
        if (slots * window < ms) {
            ++slots;
        }
        return from_unix_ms(slots * window);
    }
    auto cron = schedule::parse_cron(digest.cron);
    auto zone = schedule::Zone::find(digest.tz);
    if (!cron || !zone) {
        return std::nullopt;
    }
    // Fire times are whole minutes, so "strictly after due - 1 ms" is "at or after due".
    return cron->next_after(due - Millis{1}, *zone);
}

std::string digest_period(const config::DigestConfig& digest) {
    if (digest.window) {
        return "in the last " + schedule::format_duration(*digest.window);
    }
    return "since the last digest";
}

std::string digest_event_id(const std::string& user, const std::string& channel,
                            const std::string& category, TimePoint slot) {
    return std::string(k_digest_prefix) + user + ":" + channel + ":" + category + ":" +
           schedule::format_rfc3339(slot);
}

bool is_digest_event(const std::optional<std::string>& event_id) {
    return event_id && event_id->starts_with(k_digest_prefix);
}

} // namespace notify::audience
