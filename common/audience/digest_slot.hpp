// When a digested notification is due: the end of its category's digest slot.
#pragma once

#include <optional>
#include <string>

#include "common/config/config.hpp"
#include "common/schedule/clock.hpp"

namespace notify::audience {

// The end of the digest slot holding `due`: the first multiple of `digest.window` since the
// Unix epoch at or after `due`, or the first fire time of `digest.cron` in `digest.tz` at or
// after `due`. nullopt when the cron expression never fires again (or its zone is unknown).
std::optional<TimePoint> digest_slot_end(const config::DigestConfig& digest, TimePoint due);

// The digest's period as the template's `period` reads it: "in the last 1h", or
// "since the last digest" for a cron slot.
std::string digest_period(const config::DigestConfig& digest);

// The event id that marks a digest row: "digest:<user>:<channel>:<category>:<slot RFC 3339>".
std::string digest_event_id(const std::string& user, const std::string& channel,
                            const std::string& category, TimePoint slot);

// True for a row made by a digest (its event id starts with "digest:").
bool is_digest_event(const std::optional<std::string>& event_id);

} // namespace notify::audience
