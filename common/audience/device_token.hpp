// Push device tokens per platform: APNs tokens, FCM registration tokens, Web Push subscriptions.
#pragma once

#include <string>
#include <string_view>

#include "common/audience/platform.hpp"
#include "common/expected.hpp"

namespace notify::audience {

// ios: APNs token, 64 hex chars (accept upper case, return lower case; also accept 64..200 hex
// for future lengths, even length); android: FCM registration token 100..4096 chars of
// [A-Za-z0-9:_-]; web: a Web Push subscription JSON {"endpoint":"https://...","keys":{"p256dh":
// base64url of a 65-byte uncompressed P-256 point,"auth": base64url of 16 bytes}} — returned
// re-serialised compactly (nlohmann::json dump) with only endpoint and keys.
// In detail: the web endpoint is an https:// URL with a host, no userinfo, spaces or control
// characters (http:// is let through for loopback hosts only, for tests against a local push
// service; the webpush provider refuses it unless its allow_http is set); p256dh must be a point on
// P-256; base64url may carry "=" padding and is kept as given; other members (e.g.
// "expirationTime") are dropped; the output's keys are sorted:
// {"endpoint":...,"keys":{"auth":...,"p256dh":...}}.
// Returns an Unexpected such as `invalid ios device token "ab12": expected 64 to 200 hex
// digits, found 4`; the quoted token is cut to 64 bytes followed by "...".
Expected<std::string> normalize_device_token(Platform platform, std::string_view text);

} // namespace notify::audience
