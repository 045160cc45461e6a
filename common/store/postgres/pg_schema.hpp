// PostgreSQL migrations of the job store: the tables and columns of the SQLite schema
// (schema.cpp), times as bigint UTC milliseconds, plus what sharing needs (instances, the
// due-row notification).
#pragma once

#include <string_view>
#include <vector>

namespace notify::store::pg {

// Migration i (0-based) brings a store from version i to i + 1.
const std::vector<std::string_view>& migrations();

// The LISTEN/NOTIFY channel on which rows that became due are announced.
inline constexpr const char* k_due_channel = "notify_due";
// The payload of the NOTIFY each heartbeat sends on it: proof for every listener that its
// connection still hears, not a wake-up.
inline constexpr const char* k_heartbeat_payload = "heartbeat";

// The first key of the store's two-key advisory locks ("NT").
inline constexpr int k_lock_class = 0x4e54;
// Second keys: 0..1023 serialise enqueues of one event id (a bucket of its hash); this one is
// held, shared, by every transaction that writes events, from its first event to its end.
inline constexpr int k_dedup_buckets = 1024;
inline constexpr int k_event_writer_lock = k_dedup_buckets;

} // namespace notify::store::pg
