// Phone numbers: forwards to the libphonenumber module (phone_number_module.cpp), opened on the
// first call so that processes which never parse a number do not load libphonenumber,
// protobuf, ICU and abseil (about 5 million instructions of dynamic linking per start).
#include "common/audience/phone_number.hpp"

#include <cstdlib>

#include "common/audience/phone_number_module.hpp"
#include "common/loader/shared_library.hpp"

namespace notify::audience {
namespace {

struct PhoneModule {
    decltype(&notify_phone_normalize) normalize;
    decltype(&notify_phone_known_region) known_region;
};

// Looked for beside the executable as installed (bin/../lib/notify), then where this build
// put it; NOTIFY_MODULE_DIR overrides both.
const PhoneModule& phone_module() {
    static const PhoneModule k_module = [] {
        const std::string file = NOTIFY_PHONE_MODULE_FILE;
        std::vector<std::string> candidates;
        if (const char* dir = std::getenv("NOTIFY_MODULE_DIR"); dir != nullptr && *dir != '\0') {
            candidates.push_back(std::string(dir) + "/" + file);
        }
        if (auto exe_dir = loader::executable_dir(); !exe_dir.empty()) {
            candidates.push_back(exe_dir + "/" NOTIFY_MODULE_DIR_FROM_BINDIR "/" + file);
        }
        candidates.push_back(NOTIFY_BUILD_MODULE_DIR "/" + file);
        const auto lib = loader::SharedLibrary::open(candidates, "phone numbers (libphonenumber)");
        return PhoneModule{
            lib.function<decltype(&notify_phone_normalize)>("notify_phone_normalize"),
            lib.function<decltype(&notify_phone_known_region)>("notify_phone_known_region")};
    }();
    return k_module;
}

} // namespace

Expected<std::string> normalize_phone(std::string_view text, std::string_view default_region) {
    std::string result;
    if (phone_module().normalize(text, default_region, &result)) {
        return result;
    }
    return Unexpected{std::move(result)};
}

bool known_region(std::string_view region) {
    return phone_module().known_region(region);
}

} // namespace notify::audience
