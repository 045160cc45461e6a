// One X509_STORE for the system certificate authorities, shared through libcurl's SSL_CTX
// callback (the libcurl way to give a connection certificates it did not load itself).
#include "common/providers/tls_trust.hpp"

#include <cstdlib>
#include <cstring>

#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include "common/loader/shared_library.hpp"

namespace notify::providers {

namespace {

using SetCertStore = void (*)(void* ssl_ctx, X509_STORE* store);

struct SharedStore {
    X509_STORE* store = nullptr;            // null: the bundle could not be read
    SetCertStore set1_cert_store = nullptr; // libssl's SSL_CTX_set1_cert_store
};

// Reads the bundle and directory once: SSL_CERT_FILE and SSL_CERT_DIR when either is set (the
// OpenSSL convention), else libcurl's built-in ones. libssl is the one libcurl has loaded
// already (notify links only libcrypto), so opening it by soname maps nothing new.
const SharedStore& shared_store() {
    static const SharedStore k_store = [] {
        SharedStore s;
        const auto ssl = loader::SharedLibrary::open({"libssl.so.3"}, "TLS (OpenSSL libssl)");
        s.set1_cert_store = ssl.function<SetCertStore>("SSL_CTX_set1_cert_store");
        const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
        const char* file = std::getenv("SSL_CERT_FILE");
        const char* dir = std::getenv("SSL_CERT_DIR");
        if (file == nullptr && dir == nullptr) {
            file = info->cainfo;
            dir = info->capath;
        }
        X509_STORE* store = X509_STORE_new();
        bool loaded = false;
        if (store != nullptr && file != nullptr) {
            loaded = X509_STORE_load_file(store, file) == 1;
        }
        if (store != nullptr && dir != nullptr) {
            loaded = X509_STORE_load_path(store, dir) == 1 || loaded;
        }
        if (loaded) {
            s.store = store;
        } else {
            X509_STORE_free(store);
        }
        return s;
    }();
    return k_store;
}

CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void*) {
    const SharedStore& shared = shared_store();
    if (shared.store == nullptr) {
        return CURLE_SSL_CACERT_BADFILE;
    }
    shared.set1_cert_store(ssl_ctx, shared.store); // takes its own reference
    return CURLE_OK;
}

bool curl_uses_openssl() {
    static const bool k_openssl = [] {
        const char* ssl = curl_version_info(CURLVERSION_NOW)->ssl_version;
        return ssl != nullptr && std::strncmp(ssl, "OpenSSL/", 8) == 0;
    }();
    return k_openssl;
}

} // namespace

void trust_system_authorities(void* curl) {
    if (!curl_uses_openssl()) {
        return;
    }
    auto* handle = static_cast<CURL*>(curl);
    // No file or directory for libcurl to read: the callback gives the connection the store.
    curl_easy_setopt(handle, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    curl_easy_setopt(handle, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    curl_easy_setopt(handle, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
}

} // namespace notify::providers
