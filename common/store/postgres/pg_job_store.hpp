// The PostgreSQL job store and its wake-up source (the module notify_pg.so).
#pragma once

#include <memory>

#include "common/store/job_store.hpp"

namespace notify::store::pg {

// Connects, migrates, and returns the store. Throws notify::Error (see open_postgres_store()).
std::unique_ptr<JobStore> open_store(const PostgresOptions& options);

// A LISTEN connection of its own on the due-rows channel (pg_due_signal.cpp).
std::unique_ptr<DueSignal> make_due_signal(const PostgresOptions& options);

} // namespace notify::store::pg
