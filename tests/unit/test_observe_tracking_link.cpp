// Unit tests of common/observe/tracking_link: signed click and open links, forged and altered
// links, the host allowlist, and expansion of tracked-link markers in a message.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/observe/tracking_link.hpp"
#include "common/render/track_marker.hpp"

namespace notify::observe {
namespace {

config::TrackingConfig tracking() {
    config::TrackingConfig t;
    t.base_url = "https://notify.example.net";
    t.secret = "0123456789abcdef0123456789abcdef";
    t.allowed_hosts = {"example.com", "*.shop.example"};
    return t;
}

// Splits ".../t/c/<id>/<sig>/<url>" into its three parts.
std::vector<std::string> parts(const std::string& link, const std::string& prefix) {
    EXPECT_EQ(link.rfind(prefix, 0), 0u) << link;
    std::vector<std::string> out;
    std::string rest = link.substr(prefix.size());
    std::size_t pos = 0;
    while (true) {
        auto slash = rest.find('/', pos);
        out.push_back(rest.substr(pos, slash - pos));
        if (slash == std::string::npos) {
            return out;
        }
        pos = slash + 1;
    }
}

TEST(ObserveTrackingLink, ClickLinkVerifiesAndCarriesTheUrl) {
    const std::string url = "https://example.com/orders/7?x=1&y=2";
    const std::string link = click_link(tracking(), 42, url);
    auto p = parts(link, "https://notify.example.net/t/c/");
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0], "42");
    auto click = verify_click(tracking(), p[0], p[1], p[2]);
    ASSERT_TRUE(click);
    EXPECT_EQ(click->id, 42);
    EXPECT_EQ(click->url, url);
}

TEST(ObserveTrackingLink, ForgedOrAlteredLinksDoNotVerify) {
    const std::string url = "https://example.com/a";
    auto p = parts(click_link(tracking(), 42, url), "https://notify.example.net/t/c/");
    ASSERT_EQ(p.size(), 3u);
    EXPECT_FALSE(verify_click(tracking(), "43", p[1], p[2])) << "another id";
    auto other = parts(click_link(tracking(), 42, "https://example.com/b"),
                       "https://notify.example.net/t/c/");
    EXPECT_FALSE(verify_click(tracking(), p[0], p[1], other[2])) << "another url";
    std::string flipped = p[1];
    flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_click(tracking(), p[0], flipped, p[2])) << "altered signature";
    EXPECT_FALSE(verify_click(tracking(), p[0], p[1].substr(1), p[2])) << "short signature";
    EXPECT_FALSE(verify_click(tracking(), "4x", p[1], p[2]));
    EXPECT_FALSE(verify_click(tracking(), p[0], p[1], "!!"));
    config::TrackingConfig other_secret = tracking();
    other_secret.secret = "another secret of 32 bytes......";
    EXPECT_FALSE(verify_click(other_secret, p[0], p[1], p[2])) << "signed with another key";
    config::TrackingConfig off;
    EXPECT_FALSE(verify_click(off, p[0], p[1], p[2])) << "tracking off";
}

TEST(ObserveTrackingLink, OpenPixelVerifies) {
    const std::string link = open_pixel_link(tracking(), 9);
    auto p = parts(link, "https://notify.example.net/t/o/");
    ASSERT_EQ(p.size(), 2u);
    ASSERT_GT(p[1].size(), 4u);
    EXPECT_EQ(p[1].substr(p[1].size() - 4), ".gif");
    const std::string sig = p[1].substr(0, p[1].size() - 4);
    EXPECT_EQ(verify_open(tracking(), "9", sig), 9);
    EXPECT_FALSE(verify_open(tracking(), "10", sig));
    // A click signature never passes as an open one.
    auto c =
        parts(click_link(tracking(), 9, "https://example.com/"), "https://notify.example.net/t/c/");
    EXPECT_FALSE(verify_open(tracking(), "9", c[1]));
}

TEST(ObserveTrackingLink, HostAllowlist) {
    const auto t = tracking();
    EXPECT_TRUE(host_allowed(t, "https://example.com/x"));
    EXPECT_TRUE(host_allowed(t, "http://EXAMPLE.com:8080/x"));
    EXPECT_TRUE(host_allowed(t, "https://a.shop.example?q"));
    EXPECT_TRUE(host_allowed(t, "https://b.a.shop.example#f"));
    EXPECT_FALSE(host_allowed(t, "https://shop.example/")) << "*.x does not cover x itself";
    EXPECT_FALSE(host_allowed(t, "https://evil.com/example.com"));
    EXPECT_FALSE(host_allowed(t, "https://example.com.evil.com/"));
    EXPECT_FALSE(host_allowed(t, "https://example.com@evil.com/"));
    EXPECT_FALSE(host_allowed(t, "https://evilexample.com/"));
    EXPECT_FALSE(host_allowed(t, "javascript:alert(1)"));
    EXPECT_FALSE(host_allowed(t, "ftp://example.com/"));
    EXPECT_FALSE(host_allowed(t, "//example.com/"));
}

TEST(ObserveTrackingLink, TrackMessageSignsAllowedLinksAndAddsThePixel) {
    providers::Message m;
    m.id = 5;
    m.channel = "email";
    m.body = "Track: " + render::track_marker("https://example.com/a?b=1&c=2") +
             " Other: " + render::track_marker("https://evil.com/");
    nlohmann::json data = {{"html", "<html><body><a href=\"" +
                                        render::track_marker("https://example.com/a?b=1&c=2") +
                                        "\">x</a></BODY></html>"}};
    m.data_json = data.dump();
    auto untracked = track_message(m, tracking());
    ASSERT_EQ(untracked.size(), 1u);
    EXPECT_EQ(untracked[0], "https://evil.com/");
    const std::string link = click_link(tracking(), 5, "https://example.com/a?b=1&c=2");
    EXPECT_EQ(*m.body, "Track: " + link + " Other: https://evil.com/");
    const std::string html = nlohmann::json::parse(m.data_json)["html"];
    EXPECT_NE(html.find("href=\"" + link + "\""), std::string::npos) << html;
    const auto pixel = html.find(open_pixel_link(tracking(), 5));
    ASSERT_NE(pixel, std::string::npos) << html;
    EXPECT_LT(pixel, html.find("</BODY>"));
}

TEST(ObserveTrackingLink, WithoutTrackingMarkersBecomePlainEscapedUrls) {
    providers::Message m;
    m.id = 5;
    m.channel = "email";
    m.body = render::track_marker("https://example.com/?a=1&b=2");
    m.data_json = nlohmann::json{{"html", "<a href=\"" +
                                              render::track_marker("https://example.com/?a=1&b=2") +
                                              "\">x</a>"}}
                      .dump();
    EXPECT_TRUE(track_message(m, config::TrackingConfig{}).empty());
    EXPECT_EQ(*m.body, "https://example.com/?a=1&b=2");
    EXPECT_EQ(nlohmann::json::parse(m.data_json)["html"],
              "<a href=\"https://example.com/?a=1&amp;b=2\">x</a>");
}

TEST(ObserveTrackingLink, PreviewsAndNonEmailGetNoPixel) {
    providers::Message preview;
    preview.channel = "email";
    preview.data_json = R"({"html":"<p>hi</p>"})";
    track_message(preview, tracking());
    EXPECT_EQ(preview.data_json, R"({"html":"<p>hi</p>"})");
    providers::Message push;
    push.id = 3;
    push.channel = "push";
    push.data_json = R"({"html":"<p>hi</p>"})";
    track_message(push, tracking());
    EXPECT_EQ(push.data_json, R"({"html":"<p>hi</p>"})");
}

} // namespace
} // namespace notify::observe
