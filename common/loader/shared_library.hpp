// Shared libraries loaded on first use (dlopen), so that a process that never needs one does
// not pay for mapping and relocating it (and everything it links) at every start.
#pragma once

#include <string>
#include <vector>

namespace notify::loader {

// A library opened with dlopen(RTLD_NOW | RTLD_LOCAL) and never closed (its code may still run
// from other threads at exit). Failures throw notify::Error (exit 70) naming what was wanted
// and every place tried.
class SharedLibrary {
  public:
    // Opens the first of `candidates` that loads: a soname ("libcurl.so.4", searched the usual
    // way) or a path. `what` names the feature in the error ("HTTP and SMTP delivery").
    static SharedLibrary open(const std::vector<std::string>& candidates, const std::string& what);

    // The address of `name` in the library; throws if it is missing.
    void* symbol(const char* name) const;

    // A typed symbol: `library.function<CURL* (*)()>("curl_easy_init")`.
    template <typename Function>
    Function function(const char* name) const {
        return reinterpret_cast<Function>(symbol(name));
    }

  private:
    SharedLibrary(void* handle, std::string path) : m_handle(handle), m_path(std::move(path)) {}

    void* m_handle;
    std::string m_path;
};

// The directory holding the running executable (from /proc/self/exe), or "" if unknown.
std::string executable_dir();

// Opens one of notify's own modules (`file`, e.g. "notify_pg.so"): from $NOTIFY_MODULE_DIR
// when set, else beside the executable as installed (<bindir>/../<libdir>/notify), else where
// this build put it. `what` names the feature in the error, as in SharedLibrary::open().
SharedLibrary open_module(const std::string& file, const std::string& what);

} // namespace notify::loader
