// open_postgres_store(): opens the module notify_pg.so (postgres/) on first use.
#include "common/loader/shared_library.hpp"
#include "common/store/job_store.hpp"
#include "common/store/postgres/pg_module.hpp"

namespace notify::store {

std::unique_ptr<JobStore> open_postgres_store(const PostgresOptions& options) {
    static const auto k_open = [] {
        const auto lib =
            loader::open_module(NOTIFY_PG_MODULE_FILE, "the PostgreSQL store (libpqxx)");
        return lib.function<decltype(&notify_pg_open)>("notify_pg_open");
    }();
    std::unique_ptr<JobStore> store;
    k_open(&options, &store);
    return store;
}

} // namespace notify::store
