// Store locations given as URLs (postgresql://user:password@host/db?...): telling one from a
// file path, and showing one without its password.
#pragma once

#include <string>
#include <string_view>

namespace notify::text {

// True for "postgresql://..." and "postgres://...": a PostgreSQL store rather than a file.
bool is_postgres_url(std::string_view location);

// `url` with its password masked as ***: the one between the user name and the '@' of the
// authority, and the values of the password= and sslpassword= query parameters.
std::string mask_url_password(std::string_view url);

// True when `url` holds a password (mask_url_password() would change it).
bool url_has_password(std::string_view url);

} // namespace notify::text
