// Unit tests of common/render/track_marker and the {{#track}} section of render_text.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/render/mustache_render.hpp"
#include "common/render/mustache_tags.hpp"
#include "common/render/track_marker.hpp"

namespace notify::render {
namespace {

using json = nlohmann::json;

std::string plain(const std::string& text) {
    return expand_track_markers(text, [](const std::string& url) { return "<" + url + ">"; });
}

TEST(RenderTrackMarker, MarkerRoundTripsAnyUrl) {
    const std::string url = "https://shop.example.com/o?id=1&x=\"y\"#frag";
    const std::string marker = track_marker(url);
    EXPECT_TRUE(has_track_marker(marker));
    EXPECT_EQ(marker.find_first_of("&<>\"'\\"), std::string::npos) << marker;
    EXPECT_EQ(plain("go " + marker + " now"), "go <" + url + "> now");
}

TEST(RenderTrackMarker, MalformedMarkersStayAsTheyAre) {
    EXPECT_EQ(plain("[[notify-track:!!!]] and [[notify-track:abc"),
              "[[notify-track:!!!]] and [[notify-track:abc");
    EXPECT_FALSE(has_track_marker("no markers [[here]]"));
}

TEST(RenderTrackMarker, SectionRendersVariablesAndUndoesEachEscaping) {
    const json data = {{"id", "42"}, {"q", "a&b"}};
    const std::string url = "https://example.com/o/42?q=a&b";
    for (Escape escape : {Escape::none, Escape::html, Escape::json}) {
        auto out = render_text("see {{#track}} https://example.com/o/{{id}}?q={{q}} {{/track}}!",
                               data, escape, {});
        ASSERT_TRUE(out) << out.error();
        EXPECT_EQ(*out, "see " + track_marker(url) + "!");
        EXPECT_EQ(plain(*out), "see <" + url + ">!");
    }
}

TEST(RenderTrackMarker, DataCheckLooksInsideTheSection) {
    DataCheck check =
        check_data("{{#track}}https://x.example/{{missing}}{{/track}}", json{{"other", 1}}, {});
    ASSERT_EQ(check.missing.size(), 1u);
    EXPECT_EQ(check.missing[0], "missing");
    EXPECT_TRUE(check_data("{{#track}}https://x.example/{{id}}{{/track}}", json{{"id", 1}}, {})
                    .missing.empty());
}

TEST(RenderTrackMarker, UnescapeHelpers) {
    EXPECT_EQ(unescape_html("a&amp;b&lt;&gt;&quot;&#39;&apos;&nbsp;"), "a&b<>\"''&nbsp;");
    EXPECT_EQ(unescape_json(R"(a\"b\\c\/d)"), "a\"b\\c/d");
}

} // namespace
} // namespace notify::render
