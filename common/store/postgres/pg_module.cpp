// The entry point of notify_pg.so, found with dlsym by postgres_loader.cpp.
#include "common/store/postgres/pg_module.hpp"

#include "common/store/postgres/pg_job_store.hpp"

extern "C" void notify_pg_open(const notify::store::PostgresOptions* options,
                               std::unique_ptr<notify::store::JobStore>* out) {
    *out = notify::store::pg::open_store(*options);
}
