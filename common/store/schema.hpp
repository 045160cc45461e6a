// The SQLite schema of the job store as an ordered list of migrations.
#pragma once

#include <string_view>
#include <vector>

namespace notify::store {

// Migration i (0-based) brings the schema from version i to i + 1 (PRAGMA user_version).
// Never edit a released migration; append a new one.
const std::vector<std::string_view>& sqlite_migrations();

} // namespace notify::store
