// Unit tests of common/render/mustache_render: escaping per part, data conversion, partials.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/render/mustache_render.hpp"

namespace notify::render {
namespace {

using json = nlohmann::json;

std::string render(const std::string& text, const json& data, Escape escape,
                   const PartialLookup& partials = {}) {
    auto out = render_text(text, data, escape, partials);
    EXPECT_TRUE(out) << out.error();
    return out ? *out : std::string{};
}

const json k_data = {{"x", "<b>Tom & \"Jerry\"</b> 'n'"}};

TEST(RenderMustacheRender, HtmlEscapesDoubleBracesOnly) {
    EXPECT_EQ(render("<p>{{x}}</p>", k_data, Escape::html),
              "<p>&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; &apos;n&apos;</p>");
    EXPECT_EQ(render("{{{x}}}|{{&x}}", k_data, Escape::html),
              "<b>Tom & \"Jerry\"</b> 'n'|<b>Tom & \"Jerry\"</b> 'n'");
}

TEST(RenderMustacheRender, PlainTextIsNeverEscaped) {
    EXPECT_EQ(render("{{x}}", k_data, Escape::none), "<b>Tom & \"Jerry\"</b> 'n'");
}

TEST(RenderMustacheRender, JsonEscapingKeepsTheDocumentValid) {
    json data = {{"x", "say \"hi\"\\\n\tnow"}};
    std::string text = render(R"({"msg": "{{x}}"})", data, Escape::json);
    auto parsed = json::parse(text, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << text;
    EXPECT_EQ(parsed["msg"], "say \"hi\"\\\n\tnow");
    EXPECT_EQ(json_escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
}

TEST(RenderMustacheRender, NumbersPrintAsTextBooleansDriveSections) {
    json data = {{"n", 42}, {"price", 19.5}, {"vip", true}, {"none", nullptr}};
    EXPECT_EQ(render("{{n}} {{price}}{{#vip}} VIP{{/vip}}{{^none}} -{{/none}}", data, Escape::none),
              "42 19.5 VIP -");
}

TEST(RenderMustacheRender, ListsRepeatSections) {
    json data = {{"items", json::array({{{"name", "a"}}, {{"name", "b"}}})}};
    EXPECT_EQ(render("{{#items}}[{{name}}]{{/items}}", data, Escape::none), "[a][b]");
}

TEST(RenderMustacheRender, PartialsComeFromTheLookupNotTheData) {
    PartialLookup lookup = [](const std::string& name) -> std::optional<std::string> {
        if (name == "footer") {
            return std::string("-- {{who}}");
        }
        return std::nullopt;
    };
    json data = {{"who", "<ops>"}, {"footer", "from the data"}};
    EXPECT_EQ(render("Hi\n{{> footer}}", data, Escape::html, lookup), "Hi\n-- &lt;ops&gt;");
    EXPECT_EQ(render("Hi\n{{> footer}}", data, Escape::none, lookup), "Hi\n-- <ops>");
}

TEST(RenderMustacheRender, SyntaxErrorsFail) {
    EXPECT_FALSE(render_text("{{#a}}", json::object(), Escape::none, {}));
}

} // namespace
} // namespace notify::render
