// A read-only look at a SQLite store for `notify doctor`: never creates, migrates or writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/schedule/clock.hpp"

namespace notify::store {

struct StoreHealth {
    bool exists = false;
    // Why the file could not be read as a notify store (not a database, corrupt, foreign
    // tables or application id, locked past the timeout); nullopt: readable.
    std::optional<std::string> error;
    unsigned mode = 0;               // permission bits of the file
    std::int64_t version = 0;        // PRAGMA user_version; 0: empty, created but never migrated
    std::int64_t latest = 0;         // the schema version this build migrates to
    std::string journal_mode;        // as recorded in the file: "wal" once notify opened it
    std::string integrity = "ok";    // PRAGMA quick_check: "ok" or its first complaint
    std::int64_t expired_leases = 0; // `sending` rows whose lease_until < now
    std::optional<TimePoint> oldest_lease_end; // the earliest of those lease_until
    std::int64_t due = 0;                      // claimable rows with due_at <= now
    std::optional<TimePoint> oldest_due;       // the earliest of those due_at
    std::optional<TimePoint> newest_event;     // max(events.at)
};

// Inspects the store at `path` as of `now`, waiting up to `busy_timeout` for locks.
// Throws nothing: every problem is reported in the result.
StoreHealth inspect_sqlite_store(const std::string& path, TimePoint now, Millis busy_timeout);

} // namespace notify::store
