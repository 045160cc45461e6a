// Phone numbers: forwards to the libphonenumber module (phone_number_module.cpp), opened on the
// first call so that processes which never parse a number do not load libphonenumber,
// protobuf, ICU and abseil (about 5 million instructions of dynamic linking per start).
#include "common/audience/phone_number.hpp"

#include "common/audience/phone_number_module.hpp"
#include "common/loader/shared_library.hpp"

namespace notify::audience {
namespace {

struct PhoneModule {
    decltype(&notify_phone_normalize) normalize;
    decltype(&notify_phone_known_region) known_region;
};

const PhoneModule& phone_module() {
    static const PhoneModule k_module = [] {
        const auto lib =
            loader::open_module(NOTIFY_PHONE_MODULE_FILE, "phone numbers (libphonenumber)");
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
