// dlopen/dlsym with the project's error style.
#include "common/loader/shared_library.hpp"

#include <filesystem>
#include <system_error>

#include <dlfcn.h>

#include "common/error.hpp"

namespace notify::loader {

SharedLibrary SharedLibrary::open(const std::vector<std::string>& candidates,
                                  const std::string& what) {
    std::string failures;
    for (const auto& candidate : candidates) {
        if (candidate.empty()) {
            continue;
        }
        if (void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL)) {
            return SharedLibrary(handle, candidate);
        }
        const char* reason = ::dlerror();
        failures += failures.empty() ? "" : "; ";
        failures += reason != nullptr ? reason : candidate + ": cannot be loaded";
    }
    throw Error(Exit::software, "cannot load the library for " + what + ": " + failures,
                "reinstall notify, or install the missing package");
}

void* SharedLibrary::symbol(const char* name) const {
    ::dlerror();
    void* address = ::dlsym(m_handle, name);
    if (address == nullptr) {
        throw Error(Exit::software, m_path + " has no symbol " + name,
                    "the library is older than the one notify was built with");
    }
    return address;
}

std::string executable_dir() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

} // namespace notify::loader
