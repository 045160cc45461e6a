// Store locations given as URLs; see store_url.hpp.
#include "common/text/store_url.hpp"

namespace notify::text {

bool is_postgres_url(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string mask_url_password(std::string_view url) {
    std::string out(url);
    // scheme://user:password@host...: the password runs from the first ':' after the scheme to
    // the last '@' of the authority (a password may hold an '@' that was not percent-encoded).
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
        const auto start = scheme + 3;
        const auto authority_end = out.find_first_of("/?", start);
        const auto at =
            out.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
        if (at != std::string::npos && at >= start) {
            const auto colon = out.find(':', start);
            if (colon != std::string::npos && colon < at) {
                out.replace(colon + 1, at - colon - 1, "***");
            }
        }
    }
    // ...?password=secret&sslpassword=secret...: libpq's parameters that hold a password.
    if (const auto query = out.find('?'); query != std::string::npos) {
        for (auto start = query + 1; start < out.size();) {
            auto end = out.find('&', start);
            if (end == std::string::npos) {
                end = out.size();
            }
            for (std::string_view key : {"password=", "sslpassword="}) {
                if (std::string_view(out).substr(start, end - start).starts_with(key)) {
                    out.replace(start + key.size(), end - start - key.size(), "***");
                    end = start + key.size() + 3;
                    break;
                }
            }
            start = end + 1;
        }
    }
    return out;
}

bool url_has_password(std::string_view url) {
    return mask_url_password(url) != url;
}

} // namespace notify::text
