// libcrypto (OpenSSL 3), loaded on first use. The functions below are the OpenSSL API notify
// and its unit tests call; each forwards to the real libcrypto.so.3, opened by the first call and
// each function looked up by its own first call. notify_common does not link libcrypto, so the
// commands that never sign, encrypt or hash (`notify send` from a cron job, most of all) do not map
// its 4.7 MB and relocate it (about 4 million instructions: libcrypto is linked BIND_NOW) at every
// start. Each definition must match OpenSSL's own declaration (the compiler checks: the
// headers are included). A libcrypto function notify starts to use must be added here (the
// link fails until it is).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "common/loader/shared_library.hpp"

namespace {

const notify::loader::SharedLibrary& libcrypto() {
    static const auto k_lib =
        notify::loader::SharedLibrary::open({"libcrypto.so.3"}, "cryptography (OpenSSL libcrypto)");
    return k_lib;
}

} // namespace

// Defines `ret name params` as a call of libcrypto's `name` with `args`.
#define NOTIFY_CRYPTO(ret, name, params, args)                                                     \
    ret name params {                                                                              \
        static const auto k_real = libcrypto().function<ret(*) params>(#name);                     \
        return k_real args;                                                                        \
    }

extern "C" {

// BIO, BIGNUM, errors, random bytes, constant-time comparison
NOTIFY_CRYPTO(int, BIO_free, (BIO * a), (a))
NOTIFY_CRYPTO(BIO*, BIO_new_mem_buf, (const void* buf, int len), (buf, len))
NOTIFY_CRYPTO(BIGNUM*, BN_bin2bn, (const unsigned char* s, int len, BIGNUM* ret), (s, len, ret))
NOTIFY_CRYPTO(int, BN_bn2binpad, (const BIGNUM* a, unsigned char* to, int tolen), (a, to, tolen))
NOTIFY_CRYPTO(void, BN_clear_free, (BIGNUM * a), (a))
NOTIFY_CRYPTO(void, BN_free, (BIGNUM * a), (a))
NOTIFY_CRYPTO(int, CRYPTO_memcmp, (const void* a, const void* b, size_t len), (a, b, len))
NOTIFY_CRYPTO(void, CRYPTO_free, (void* ptr, const char* file, int line), (ptr, file, line))
NOTIFY_CRYPTO(void, ERR_clear_error, (void), ())
NOTIFY_CRYPTO(unsigned long, ERR_get_error, (void), ())
NOTIFY_CRYPTO(const char*, ERR_reason_error_string, (unsigned long e), (e))
NOTIFY_CRYPTO(int, RAND_bytes, (unsigned char* buf, int num), (buf, num))

// digests, MACs, signatures
NOTIFY_CRYPTO(const EVP_MD*, EVP_sha1, (void), ())
NOTIFY_CRYPTO(const EVP_MD*, EVP_sha256, (void), ())
NOTIFY_CRYPTO(unsigned char*, HMAC,
              (const EVP_MD* md, const void* key, int key_len, const unsigned char* data,
               size_t data_len, unsigned char* out, unsigned int* out_len),
              (md, key, key_len, data, data_len, out, out_len))
NOTIFY_CRYPTO(EVP_MD_CTX*, EVP_MD_CTX_new, (void), ())
NOTIFY_CRYPTO(void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_DigestSignInit,
              (EVP_MD_CTX * ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e,
               EVP_PKEY* pkey),
              (ctx, pctx, type, e, pkey))
NOTIFY_CRYPTO(int, EVP_DigestSign,
              (EVP_MD_CTX * ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs,
               size_t tbslen),
              (ctx, sig, siglen, tbs, tbslen))
NOTIFY_CRYPTO(int, EVP_DigestVerifyInit,
              (EVP_MD_CTX * ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e,
               EVP_PKEY* pkey),
              (ctx, pctx, type, e, pkey))
NOTIFY_CRYPTO(int, EVP_DigestVerify,
              (EVP_MD_CTX * ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,
               size_t tbslen),
              (ctx, sig, siglen, tbs, tbslen))
NOTIFY_CRYPTO(ECDSA_SIG*, ECDSA_SIG_new, (void), ())
NOTIFY_CRYPTO(void, ECDSA_SIG_free, (ECDSA_SIG * sig), (sig))
NOTIFY_CRYPTO(int, ECDSA_SIG_set0, (ECDSA_SIG * sig, BIGNUM* r, BIGNUM* s), (sig, r, s))
NOTIFY_CRYPTO(int, i2d_ECDSA_SIG, (const ECDSA_SIG* sig, unsigned char** out), (sig, out))
NOTIFY_CRYPTO(void, ECDSA_SIG_get0, (const ECDSA_SIG* sig, const BIGNUM** r, const BIGNUM** s),
              (sig, r, s))
NOTIFY_CRYPTO(ECDSA_SIG*, d2i_ECDSA_SIG, (ECDSA_SIG * *a, const unsigned char** in, long len),
              (a, in, len))

// ciphers
NOTIFY_CRYPTO(const EVP_CIPHER*, EVP_aes_128_gcm, (void), ())
NOTIFY_CRYPTO(EVP_CIPHER_CTX*, EVP_CIPHER_CTX_new, (void), ())
NOTIFY_CRYPTO(void, EVP_CIPHER_CTX_free, (EVP_CIPHER_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_CIPHER_CTX_ctrl, (EVP_CIPHER_CTX * ctx, int type, int arg, void* ptr),
              (ctx, type, arg, ptr))
NOTIFY_CRYPTO(int, EVP_EncryptInit_ex,
              (EVP_CIPHER_CTX * ctx, const EVP_CIPHER* cipher, ENGINE* impl,
               const unsigned char* key, const unsigned char* iv),
              (ctx, cipher, impl, key, iv))
NOTIFY_CRYPTO(int, EVP_EncryptUpdate,
              (EVP_CIPHER_CTX * ctx, unsigned char* out, int* outl, const unsigned char* in,
               int inl),
              (ctx, out, outl, in, inl))
NOTIFY_CRYPTO(int, EVP_EncryptFinal_ex, (EVP_CIPHER_CTX * ctx, unsigned char* out, int* outl),
              (ctx, out, outl))

// keys
NOTIFY_CRYPTO(void, EVP_PKEY_free, (EVP_PKEY * pkey), (pkey))
NOTIFY_CRYPTO(EVP_PKEY*, PEM_read_bio_PrivateKey,
              (BIO * bp, EVP_PKEY** x, pem_password_cb* cb, void* u), (bp, x, cb, u))
NOTIFY_CRYPTO(EVP_PKEY*, d2i_PUBKEY, (EVP_PKEY * *a, const unsigned char** pp, long length),
              (a, pp, length))
NOTIFY_CRYPTO(int, i2d_PUBKEY, (const EVP_PKEY* key, unsigned char** out), (key, out))
NOTIFY_CRYPTO(const char*, EVP_PKEY_get0_type_name, (const EVP_PKEY* key), (key))
NOTIFY_CRYPTO(int, EVP_PKEY_get_bits, (const EVP_PKEY* pkey), (pkey))
NOTIFY_CRYPTO(int, EVP_PKEY_get_bn_param, (const EVP_PKEY* pkey, const char* name, BIGNUM** bn),
              (pkey, name, bn))
NOTIFY_CRYPTO(int, EVP_PKEY_get_group_name,
              (const EVP_PKEY* pkey, char* name, size_t name_sz, size_t* gname_len),
              (pkey, name, name_sz, gname_len))
NOTIFY_CRYPTO(int, EVP_PKEY_is_a, (const EVP_PKEY* pkey, const char* name), (pkey, name))
NOTIFY_CRYPTO(EVP_PKEY_CTX*, EVP_PKEY_CTX_new_from_name,
              (OSSL_LIB_CTX * libctx, const char* name, const char* propquery),
              (libctx, name, propquery))
NOTIFY_CRYPTO(EVP_PKEY_CTX*, EVP_PKEY_CTX_new_from_pkey,
              (OSSL_LIB_CTX * libctx, EVP_PKEY* pkey, const char* propquery),
              (libctx, pkey, propquery))
NOTIFY_CRYPTO(void, EVP_PKEY_CTX_free, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_CTX_set_group_name, (EVP_PKEY_CTX * ctx, const char* name), (ctx, name))
NOTIFY_CRYPTO(int, EVP_PKEY_keygen_init, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_generate, (EVP_PKEY_CTX * ctx, EVP_PKEY** ppkey), (ctx, ppkey))
NOTIFY_CRYPTO(int, EVP_PKEY_fromdata_init, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_fromdata,
              (EVP_PKEY_CTX * ctx, EVP_PKEY** ppkey, int selection, OSSL_PARAM params[]),
              (ctx, ppkey, selection, params))
NOTIFY_CRYPTO(int, EVP_PKEY_public_check, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_pairwise_check, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_derive_init, (EVP_PKEY_CTX * ctx), (ctx))
NOTIFY_CRYPTO(int, EVP_PKEY_derive_set_peer, (EVP_PKEY_CTX * ctx, EVP_PKEY* peer), (ctx, peer))
NOTIFY_CRYPTO(int, EVP_PKEY_derive, (EVP_PKEY_CTX * ctx, unsigned char* key, size_t* keylen),
              (ctx, key, keylen))

// parameters
NOTIFY_CRYPTO(OSSL_PARAM_BLD*, OSSL_PARAM_BLD_new, (void), ())
NOTIFY_CRYPTO(void, OSSL_PARAM_BLD_free, (OSSL_PARAM_BLD * bld), (bld))
NOTIFY_CRYPTO(int, OSSL_PARAM_BLD_push_BN,
              (OSSL_PARAM_BLD * bld, const char* key, const BIGNUM* bn), (bld, key, bn))
NOTIFY_CRYPTO(int, OSSL_PARAM_BLD_push_octet_string,
              (OSSL_PARAM_BLD * bld, const char* key, const void* buf, size_t bsize),
              (bld, key, buf, bsize))
NOTIFY_CRYPTO(int, OSSL_PARAM_BLD_push_utf8_string,
              (OSSL_PARAM_BLD * bld, const char* key, const char* buf, size_t bsize),
              (bld, key, buf, bsize))
NOTIFY_CRYPTO(OSSL_PARAM*, OSSL_PARAM_BLD_to_param, (OSSL_PARAM_BLD * bld), (bld))
NOTIFY_CRYPTO(void, OSSL_PARAM_free, (OSSL_PARAM * p), (p))
NOTIFY_CRYPTO(OSSL_PARAM, OSSL_PARAM_construct_end, (void), ())
NOTIFY_CRYPTO(OSSL_PARAM, OSSL_PARAM_construct_octet_string,
              (const char* key, void* buf, size_t bsize), (key, buf, bsize))
NOTIFY_CRYPTO(OSSL_PARAM, OSSL_PARAM_construct_utf8_string,
              (const char* key, char* buf, size_t bsize), (key, buf, bsize))

// certificate stores (providers/tls_trust.cpp)
NOTIFY_CRYPTO(X509_STORE*, X509_STORE_new, (void), ())
NOTIFY_CRYPTO(void, X509_STORE_free, (X509_STORE * store), (store))
NOTIFY_CRYPTO(int, X509_STORE_load_file, (X509_STORE * store, const char* file), (store, file))
NOTIFY_CRYPTO(int, X509_STORE_load_path, (X509_STORE * store, const char* path), (store, path))

} // extern "C"
