// libcurl, loaded on first use. The functions below are the libcurl API notify calls; each
// forwards to the real libcurl.so.4, opened by the first call. notify_common does not link
// libcurl, so `notify send` and the other commands that never deliver do not map it and the
// ~25 libraries it brings (GnuTLS, Kerberos, LDAP, SSH, ...) at every start: about 13 million
// instructions of dynamic linking per process, half of a cold `notify --version`.
// A libcurl function notify starts to use must be added here (the link fails until it is).
#include <cstdarg>

#include <curl/curl.h>

#include "common/loader/shared_library.hpp"

namespace {

struct Curl {
    CURLcode (*global_init)(long);
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
    CURLcode (*easy_perform)(CURL*);
    CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
    void (*easy_cleanup)(CURL*);
    void (*easy_reset)(CURL*);
    const char* (*easy_strerror)(CURLcode);
    curl_slist* (*slist_append)(curl_slist*, const char*);
    void (*slist_free_all)(curl_slist*);
    time_t (*getdate)(const char*, const time_t*);
    curl_version_info_data* (*version_info)(CURLversion);
};

const Curl& curl() {
    static const Curl k_curl = [] {
        using notify::loader::SharedLibrary;
        const auto lib = SharedLibrary::open({"libcurl.so.4"}, "HTTP and SMTP delivery (libcurl)");
        Curl c{};
        c.global_init = lib.function<decltype(c.global_init)>("curl_global_init");
        c.easy_init = lib.function<decltype(c.easy_init)>("curl_easy_init");
        c.easy_setopt = lib.function<decltype(c.easy_setopt)>("curl_easy_setopt");
        c.easy_perform = lib.function<decltype(c.easy_perform)>("curl_easy_perform");
        c.easy_getinfo = lib.function<decltype(c.easy_getinfo)>("curl_easy_getinfo");
        c.easy_cleanup = lib.function<decltype(c.easy_cleanup)>("curl_easy_cleanup");
        c.easy_reset = lib.function<decltype(c.easy_reset)>("curl_easy_reset");
        c.easy_strerror = lib.function<decltype(c.easy_strerror)>("curl_easy_strerror");
        c.slist_append = lib.function<decltype(c.slist_append)>("curl_slist_append");
        c.slist_free_all = lib.function<decltype(c.slist_free_all)>("curl_slist_free_all");
        c.getdate = lib.function<decltype(c.getdate)>("curl_getdate");
        c.version_info = lib.function<decltype(c.version_info)>("curl_version_info");
        return c;
    }();
    return k_curl;
}

// A generic function pointer type for passing callbacks through.
using Callback = void (*)();

} // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
    return curl().global_init(flags);
}
CURL* curl_easy_init(void) {
    return curl().easy_init();
}
CURLcode curl_easy_perform(CURL* handle) {
    return curl().easy_perform(handle);
}
void curl_easy_cleanup(CURL* handle) {
    curl().easy_cleanup(handle);
}
void curl_easy_reset(CURL* handle) {
    curl().easy_reset(handle);
}
const char* curl_easy_strerror(CURLcode code) {
    return curl().easy_strerror(code);
}
curl_slist* curl_slist_append(curl_slist* list, const char* text) {
    return curl().slist_append(list, text);
}
void curl_slist_free_all(curl_slist* list) {
    curl().slist_free_all(list);
}
time_t curl_getdate(const char* text, const time_t* unused) {
    return curl().getdate(text, unused);
}
curl_version_info_data* curl_version_info(CURLversion version) {
    return curl().version_info(version);
}

// An option's number says the type of its one argument, as libcurl itself reads it.
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
    va_list args;
    va_start(args, option);
    CURLcode result;
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        result = curl().easy_setopt(handle, option, va_arg(args, long));
    } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
        result = curl().easy_setopt(handle, option, va_arg(args, void*));
    } else if (option < CURLOPTTYPE_OFF_T) {
        result = curl().easy_setopt(handle, option, va_arg(args, Callback));
    } else if (option < CURLOPTTYPE_BLOB) {
        result = curl().easy_setopt(handle, option, va_arg(args, curl_off_t));
    } else {
        result = curl().easy_setopt(handle, option, va_arg(args, void*));
    }
    va_end(args);
    return result;
}

// Every CURLINFO takes a pointer to where the value goes.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
    va_list args;
    va_start(args, info);
    void* out = va_arg(args, void*);
    va_end(args);
    return curl().easy_getinfo(handle, info, out);
}

} // extern "C"
