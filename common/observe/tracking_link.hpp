// Signed tracking links. A click link leads through notifyd's endpoint to the original URL:
//   <base_url>/t/c/<id>/<signature>/<base64url(url)>
// and an open pixel is <base_url>/t/o/<id>/<signature>.gif. The signature is the first 16
// bytes of HMAC-SHA256(tracking.secret, "click\n<id>\n<url>" or "open\n<id>"), base64url: a
// forged or altered link does not verify, records nothing and redirects nowhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/config.hpp"
#include "common/providers/provider.hpp"

namespace notify::observe {

std::string click_link(const config::TrackingConfig& tracking, std::int64_t id,
                       const std::string& url);
std::string open_pixel_link(const config::TrackingConfig& tracking, std::int64_t id);

struct Click {
    std::int64_t id = 0;
    std::string url;
};

// The parts of a click path; nullopt unless the id is a number, the URL decodes and the
// signature matches.
std::optional<Click> verify_click(const config::TrackingConfig& tracking, std::string_view id,
                                  std::string_view signature, std::string_view encoded_url);
// The parts of an open path (the signature without ".gif").
std::optional<std::int64_t> verify_open(const config::TrackingConfig& tracking, std::string_view id,
                                        std::string_view signature);

// True for an http(s) URL without user info whose host is in tracking.allowed_hosts (exactly,
// or under a "*.domain" entry).
bool host_allowed(const config::TrackingConfig& tracking, std::string_view url);

// Expands the tracked-link markers of a message about to be sent (subject, title, body and
// every string in data_json): into signed click links when tracking is on and the host is
// allowed, else into the plain URL. With tracking on and `opens`, an e-mail's HTML part gets
// an open pixel. Returns the URLs left untracked because their host is not allowed.
std::vector<std::string> track_message(providers::Message& message,
                                       const config::TrackingConfig& tracking);

} // namespace notify::observe
