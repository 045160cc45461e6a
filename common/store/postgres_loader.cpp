// open_postgres_store(): opens the module notify_pg.so (postgres/) on first use.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/loader/shared_library.hpp"
#include "common/store/job_store.hpp"
#include "common/store/postgres/pg_module.hpp"

namespace notify::store {

std::unique_ptr<JobStore> open_postgres_store(const PostgresOptions& options) {
    // Looked for beside the executable as installed (bin/../lib/notify), then where this build
    // put it; NOTIFY_MODULE_DIR overrides both.
    static const auto k_open = [] {
        const std::string file = NOTIFY_PG_MODULE_FILE;
        std::vector<std::string> candidates;
        if (const char* dir = std::getenv("NOTIFY_MODULE_DIR"); dir != nullptr && *dir != '\0') {
            candidates.push_back(std::string(dir) + "/" + file);
        }
        if (auto exe_dir = loader::executable_dir(); !exe_dir.empty()) {
            candidates.push_back(exe_dir + "/" NOTIFY_MODULE_DIR_FROM_BINDIR "/" + file);
        }
        candidates.push_back(NOTIFY_BUILD_MODULE_DIR "/" + file);
        const auto lib = loader::SharedLibrary::open(candidates, "the PostgreSQL store (libpqxx)");
        return lib.function<decltype(&notify_pg_open)>("notify_pg_open");
    }();
    std::unique_ptr<JobStore> store;
    k_open(&options, &store);
    return store;
}

} // namespace notify::store
