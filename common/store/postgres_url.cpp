// PostgreSQL store locations: telling a URL from a path, and showing one without its password.
#include <string>
#include <string_view>

#include "common/store/job_store.hpp"

namespace notify::store {

bool is_postgres_url(std::string_view location) {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redact_url(const std::string& url) {
    std::string out = url;
    // postgresql://user:password@host...: the password is between the first ':' after the
    // scheme and the last '@' of the authority.
    const auto scheme = out.find("://");
    if (scheme != std::string::npos) {
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
    // ...?password=secret&...
    for (std::string key : {"?password=", "&password="}) {
        auto pos = out.find(key);
        if (pos != std::string::npos) {
            const auto value = pos + key.size();
            const auto end = out.find('&', value);
            out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
        }
    }
    return out;
}

} // namespace notify::store
