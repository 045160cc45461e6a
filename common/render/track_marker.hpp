// Tracked links in rendered content. A template writes {{#track}}https://...{{/track}}; the
// rendered row keeps a marker (the URL base64url-encoded, so no escaping can touch it) because
// the notification's id, which the signed link carries, does not exist yet. The dispatcher
// expands each marker when it builds the message: into a signed link through notifyd's
// tracking endpoint, or back into the plain URL when tracking is off.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace notify::render {

// The reserved section name: {{#track}}...{{/track}}.
inline constexpr std::string_view k_track_section = "track";

// The marker of `url` as stored in a rendered row: "[[notify-track:<base64url>]]".
std::string track_marker(std::string_view url);

// `text` with every well-formed marker replaced by link(url); malformed markers stay as they
// are.
std::string expand_track_markers(std::string_view text,
                                 const std::function<std::string(const std::string& url)>& link);

// True if `text` holds at least one marker.
bool has_track_marker(std::string_view text);

// Undoes render escaping of a rendered section (HTML entities or JSON string escapes) so the
// marker carries the URL itself.
std::string unescape_html(std::string_view text);
std::string unescape_json(std::string_view text);

} // namespace notify::render
