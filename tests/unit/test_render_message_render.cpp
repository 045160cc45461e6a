// Unit tests of common/render/message_render: field mapping, escaping per channel, missing
// data errors (exact text), SMS segments and push size limits, webhook JSON.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/render/message_render.hpp"

namespace notify::render {
namespace {

using json = nlohmann::json;

TemplateFile parse(const std::string& yaml, const std::string& locale = "") {
    LoadResult r = parse_template(yaml, "/t/welcome.yaml", "welcome", locale, {});
    EXPECT_TRUE(r.problems.empty()) << r.problems.front().text();
    return r.file ? *r.file : TemplateFile{};
}

const std::string k_yaml = "channels:\n"
                           "  email:\n"
                           "    subject: Hi {{name}}\n"
                           "    text: \"Hello {{name}} & co\"\n"
                           "    html: \"<p>Hello {{name}}</p>{{{trusted}}}\"\n"
                           "  sms:\n"
                           "    body: \"Hi {{name}} <3\"\n"
                           "  push:\n"
                           "    title: \"{{count}} new\"\n"
                           "    body: \"{{name}}\"\n"
                           "    badge: \"{{count}}\"\n"
                           "    sound: chime\n"
                           "    data:\n"
                           "      order: \"{{order}}\"\n"
                           "  webhook:\n"
                           "    body: '{\"name\": \"{{name}}\", \"count\": {{count}}}'\n"
                           "  default:\n"
                           "    title: \"T {{name}}\"\n"
                           "    body: \"B {{name}}\"\n";

const json k_data = {
    {"name", "<Tom & \"Jerry\">"}, {"trusted", "<hr>"}, {"count", 3}, {"order", "A-1"}};

RenderedMessage render(const std::string& channel, const json& data = k_data) {
    auto out = render_for_channel(parse(k_yaml), channel, data, {});
    EXPECT_TRUE(out) << out.error();
    return out ? *out : RenderedMessage{};
}

TEST(RenderMessageRender, EmailHtmlIsEscapedTextIsNot) {
    RenderedMessage m = render("email");
    EXPECT_EQ(m.subject, "Hi <Tom & \"Jerry\">");
    EXPECT_EQ(m.body, "Hello <Tom & \"Jerry\"> & co");
    EXPECT_FALSE(m.title);
    EXPECT_EQ(json::parse(m.data_json),
              json({{"html", "<p>Hello &lt;Tom &amp; &quot;Jerry&quot;&gt;</p><hr>"}}));
}

TEST(RenderMessageRender, SmsIsNotEscaped) {
    RenderedMessage m = render("sms");
    EXPECT_EQ(m.body, "Hi <Tom & \"Jerry\"> <3");
    EXPECT_EQ(m.data_json, "{}");
}

TEST(RenderMessageRender, PushCarriesDataBadgeAndSound) {
    RenderedMessage m = render("push");
    EXPECT_EQ(m.title, "3 new");
    EXPECT_EQ(m.body, "<Tom & \"Jerry\">");
    EXPECT_EQ(json::parse(m.data_json),
              json({{"order", "A-1"}, {"aps", {{"badge", 3}, {"sound", "chime"}}}}));
}

TEST(RenderMessageRender, WebhookBodyIsJsonEscapedAndBecomesTheData) {
    RenderedMessage m = render("webhook");
    json body = json::parse(*m.body);
    EXPECT_EQ(body["name"], "<Tom & \"Jerry\">");
    EXPECT_EQ(body["count"], 3);
    EXPECT_EQ(json::parse(m.data_json), body);
}

TEST(RenderMessageRender, OtherChannelsUseTheDefaultPart) {
    RenderedMessage m = render("slack");
    EXPECT_EQ(m.title, "T <Tom & \"Jerry\">");
    EXPECT_EQ(m.body, "B <Tom & \"Jerry\">");
}

TEST(RenderMessageRender, MissingVariableNamesTemplatePartAndVariable) {
    auto out = render_for_channel(parse(k_yaml), "email", json::object(), {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), "template \"welcome\" email.subject: missing variable \"name\"");

    TemplateFile de = parse("channels:\n  sms:\n    body: \"{{a}} {{b.c}} {{a}}\"\n", "de");
    auto sms = render_for_channel(de, "sms", json{{"b", json::object()}}, {});
    ASSERT_FALSE(sms);
    EXPECT_EQ(sms.error(), "template \"welcome\" (de) sms.body: missing variables \"a\", \"b.c\"");
}

TEST(RenderMessageRender, NoPartForTheChannel) {
    TemplateFile t = parse("channels:\n  sms: {body: x}\n  push: {title: y}\n");
    auto out = render_for_channel(t, "email", json::object(), {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), "template \"welcome\" has no part for channel \"email\" and no default "
                           "part (it has: sms, push)");
}

TEST(RenderMessageRender, SmsOverTheSegmentLimitIsRefused) {
    TemplateFile t =
        parse("channels:\n  sms: {body: \"{{text}}\"}\n  default: {body: \"{{text}}\"}\n");
    EXPECT_TRUE(render_for_channel(t, "sms", json{{"text", std::string(1530, 'a')}}, {}));
    auto gsm = render_for_channel(t, "sms", json{{"text", std::string(1531, 'a')}}, {});
    ASSERT_FALSE(gsm);
    EXPECT_EQ(gsm.error(),
              "template \"welcome\" sms.body: 11 SMS segments (GSM-7, 1531 septets); at most 10");
    std::string emoji;
    for (int i = 0; i < 400; ++i) {
        emoji += "😀";
    }
    auto ucs2 = render_for_channel(t, "sms", json{{"text", emoji}}, {});
    ASSERT_FALSE(ucs2);
    EXPECT_EQ(
        ucs2.error(),
        "template \"welcome\" sms.body: 13 SMS segments (UCS-2, 800 UTF-16 units); at most 10");
    // The limit is the channel's, not the part's: other channels take long text.
    EXPECT_TRUE(render_for_channel(t, "email", json{{"text", std::string(5000, 'a')}}, {}));
}

TEST(RenderMessageRender, PushOverFourKilobytesIsRefused) {
    TemplateFile t = parse("channels:\n  push:\n    title: \"{{t}}\"\n    body: \"{{b}}\"\n");
    // {"title":"","body":"...","data":{}} is 32 bytes plus the body.
    EXPECT_TRUE(render_for_channel(t, "push", json{{"t", ""}, {"b", std::string(4064, 'x')}}, {}));
    auto out = render_for_channel(t, "push", json{{"t", ""}, {"b", std::string(4065, 'x')}}, {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), "template \"welcome\" push: payload of 4097 bytes (title, body and data "
                           "as JSON); at most 4096");
}

TEST(RenderMessageRender, BadgeMustBeAWholeNumber) {
    TemplateFile t = parse("channels:\n  push:\n    title: x\n    badge: \"{{n}}\"\n");
    auto out = render_for_channel(t, "push", json{{"n", "many"}}, {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), "template \"welcome\" push.badge: \"many\" is not a whole number");
}

TEST(RenderMessageRender, WebhookBodyMustBeAJsonObject) {
    TemplateFile t = parse("channels:\n  webhook:\n    body: \"{{{raw}}}\"\n");
    auto bad = render_for_channel(t, "webhook", json{{"raw", "{nope"}}, {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), "template \"welcome\" webhook.body: does not render to valid JSON");
    auto list = render_for_channel(t, "webhook", json{{"raw", "[1]"}}, {});
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error(), "template \"welcome\" webhook.body: must render to a JSON object");
}

TEST(RenderMessageRender, PartialProblemsAreErrors) {
    TemplateFile t = parse("channels:\n  sms:\n    body: \"x {{> footer}}\"\n");
    auto out = render_for_channel(t, "sms", json::object(), {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), "template \"welcome\" sms.body: partial \"footer\" not found");
}

} // namespace
} // namespace notify::render
