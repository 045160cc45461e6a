// The interface of the phone number module (notify_phone.so, built from
// phone_number_module.cpp), which phone_number.cpp opens on first use. Both sides are built
// by the same compiler and standard library in one build, so C++ types may cross it.
#pragma once

#include <string>
#include <string_view>

extern "C" {

// E.164 into *result and true, or the one-line reason into *result and false.
bool notify_phone_normalize(std::string_view text, std::string_view default_region,
                            std::string* result);

// True if libphonenumber knows the region code ("US", "DE").
bool notify_phone_known_region(std::string_view region);
}

// The module's file name, and where the build puts it relative to the executables.
#define NOTIFY_PHONE_MODULE_FILE "notify_phone.so"
