// The certificate authorities that verify TLS peers when a provider names no ca_file.
// libcurl would read the system bundle (about 150 certificates) again for every new handle,
// that is for every sending thread: tens of milliseconds each, and seconds when many threads
// start at once (OpenSSL 3 serialises much of the parsing). Here the bundle libcurl was built
// to use is read once per process into one certificate store that every connection shares.
#pragma once

namespace notify::providers {

// Sets the libcurl easy handle `curl` to verify TLS peers against the shared system store,
// read on the first TLS connection: the files SSL_CERT_FILE and SSL_CERT_DIR name when either
// is set, else the bundle and directory libcurl was built with. A bundle that cannot be read fails
// that connection as CURLE_SSL_CACERT_BADFILE, as libcurl itself would. With a libcurl that is not
// built on OpenSSL the handle keeps libcurl's own defaults.
void trust_system_authorities(void* curl);

} // namespace notify::providers
