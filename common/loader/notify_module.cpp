// open_module(): where notify's own modules are looked for; see shared_library.hpp.
#include <cstdlib>
#include <string>
#include <vector>

#include "common/loader/shared_library.hpp"

namespace notify::loader {

SharedLibrary open_module(const std::string& file, const std::string& what) {
    std::vector<std::string> candidates;
    if (const char* dir = std::getenv("NOTIFY_MODULE_DIR"); dir != nullptr && *dir != '\0') {
        candidates.push_back(std::string(dir) + "/" + file);
    }
    if (auto exe_dir = executable_dir(); !exe_dir.empty()) {
        candidates.push_back(exe_dir + "/" NOTIFY_MODULE_DIR_FROM_BINDIR "/" + file);
    }
    candidates.push_back(NOTIFY_BUILD_MODULE_DIR "/" + file);
    return SharedLibrary::open(candidates, what);
}

} // namespace notify::loader
