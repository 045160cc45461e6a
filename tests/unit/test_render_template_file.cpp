// Unit tests of common/render/template_file: YAML shape, parts and fields, file:line problems.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/render/template_file.hpp"

namespace notify::render {
namespace {

using ::testing::ElementsAre;

const std::string k_path = "/t/welcome.yaml";

LoadResult parse(const std::string& yaml, std::vector<std::string> known = {}) {
    return parse_template(yaml, k_path, "welcome", "", known);
}

std::vector<std::string> problems_of(const std::string& yaml, std::vector<std::string> known = {}) {
    std::vector<std::string> out;
    for (const auto& p : parse(yaml, std::move(known)).problems) {
        out.push_back(p.text());
    }
    return out;
}

TEST(RenderTemplateFile, ParsesPartsFieldsAndLines) {
    LoadResult r = parse("description: Hi\n"
                         "category: account\n"
                         "sample:\n"
                         "  name: Al\n"
                         "  vip: true\n"
                         "  quoted: \"true\"\n"
                         "  nothing: ~\n"
                         "  items: [{n: \"1\"}]\n"
                         "channels:\n"
                         "  email:\n"
                         "    subject: Hi {{name}}\n"
                         "    text: |\n"
                         "      Hello {{name}}\n"
                         "  push:\n"
                         "    title: T\n"
                         "    data:\n"
                         "      screen: home\n"
                         "    badge: \"3\"\n");
    ASSERT_TRUE(r.problems.empty()) << r.problems.front().text();
    ASSERT_TRUE(r.file);
    const TemplateFile& t = *r.file;
    EXPECT_EQ(t.description, "Hi");
    EXPECT_EQ(t.category, "account");
    EXPECT_TRUE(t.has_sample);
    EXPECT_EQ(t.sample["name"], "Al");
    EXPECT_EQ(t.sample["vip"], true);
    EXPECT_EQ(t.sample["quoted"], "true");
    EXPECT_TRUE(t.sample["nothing"].is_null());
    EXPECT_EQ(t.sample["items"][0]["n"], "1");
    ASSERT_EQ(t.channels.size(), 2U);
    const ChannelPart& email = t.channels[0];
    EXPECT_EQ(email.channel, "email");
    EXPECT_EQ(email.line, 10);
    ASSERT_NE(email.find("subject"), nullptr);
    EXPECT_EQ(email.find("subject")->text, "Hi {{name}}");
    EXPECT_EQ(email.find("subject")->line, 11);
    EXPECT_EQ(email.find("text")->text, "Hello {{name}}\n");
    EXPECT_EQ(email.find("text")->line, 12);
    EXPECT_EQ(email.find("text")->text_line, 13);
    const ChannelPart& push = t.channels[1];
    ASSERT_NE(push.find("data.screen"), nullptr);
    EXPECT_EQ(push.find("data.screen")->text, "home");
    EXPECT_EQ(push.find("badge")->text, "3");
    EXPECT_EQ(t.part_for("push"), &push);
    EXPECT_EQ(t.part_for("sms"), nullptr);
}

// Fuzz finding (fuzz_template_file, corpus template_file/07): "sample: &x\n  a: *x" (an alias
// inside itself) recursed without end converting the sample to JSON: a stack overflow.
TEST(RenderTemplateFile, SampleThatContainsItselfIsAProblem) {
    EXPECT_THAT(problems_of("sample: &x\n  a: *x\nchannels:\n  sms:\n    body: hi\n"),
                ElementsAre(testing::HasSubstr(
                    "sample nests deeper than 32 levels (or an alias contains itself)")));
    std::string deep = "sample:\n  a: " + std::string(40, '[') + std::string(40, ']') +
                       "\nchannels:\n  sms:\n    body: hi\n";
    EXPECT_EQ(problems_of(deep).size(), 1u);
}

TEST(RenderTemplateFile, DefaultPartServesOtherChannels) {
    LoadResult r = parse("channels:\n  email: {subject: s, text: t}\n  default: {body: b}\n");
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->part_for("sms")->channel, "default");
    EXPECT_EQ(r.file->part_for("email")->channel, "email");
}

TEST(RenderTemplateFile, InvalidYamlNamesFileAndLine) {
    LoadResult r = parse("description: x\nchannels:\n  sms:\n    body: a: b\n");
    EXPECT_FALSE(r.file);
    EXPECT_THAT(problems_of("description: x\nchannels:\n  sms:\n    body: a: b\n"),
                ElementsAre("/t/welcome.yaml:4: invalid YAML: illegal map value"));
}

TEST(RenderTemplateFile, UnknownKeysChannelsAndFieldsWithSuggestions) {
    EXPECT_THAT(
        problems_of("descripton: x\n"
                    "channels:\n"
                    "  emial:\n"
                    "    subject: s\n"
                    "  sms:\n"
                    "    bdy: b\n"
                    "  slack:\n"
                    "    body: b\n"),
        ElementsAre("/t/welcome.yaml:1: unknown key \"descripton\" (did you mean "
                    "\"description\"?); a template has description, category, sample, channels",
                    "/t/welcome.yaml:3: unknown channel \"emial\" (did you mean \"email\"?); parts "
                    "are email, sms, push, webhook, default",
                    "/t/welcome.yaml:6: unknown field \"bdy\" in sms (did you mean \"body\"?); sms "
                    "takes body",
                    "/t/welcome.yaml:5: sms needs a body",
                    "/t/welcome.yaml:7: unknown channel \"slack\"; parts are email, sms, push, "
                    "webhook, default"));
}

TEST(RenderTemplateFile, ConfiguredChannelsMayHaveParts) {
    LoadResult r = parse("channels:\n  slack:\n    body: b\n", {"email", "slack"});
    EXPECT_TRUE(r.problems.empty());
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->channels[0].channel, "slack");
}

TEST(RenderTemplateFile, RequiredFieldsAndShapes) {
    EXPECT_THAT(problems_of("channels:\n"
                            "  email:\n"
                            "    html: <p>x</p>\n"
                            "  push:\n"
                            "    sound: default\n"
                            "    data: [a]\n"
                            "  webhook: {}\n"
                            "  default:\n"
                            "    body: [x]\n"),
                ElementsAre("/t/welcome.yaml:2: email needs a subject",
                            "/t/welcome.yaml:6: push.data must be a map of KEY: text",
                            "/t/welcome.yaml:4: push needs a title or a body",
                            "/t/welcome.yaml:7: webhook needs a body",
                            "/t/welcome.yaml:9: default.body must be text",
                            "/t/welcome.yaml:8: default needs a subject, title or body"));
    EXPECT_THAT(problems_of("description: x\n"), ElementsAre("/t/welcome.yaml: no channels: give "
                                                             "at least one part (email, sms, "
                                                             "push, webhook, default)"));
    EXPECT_THAT(problems_of("- a\n"), ElementsAre("/t/welcome.yaml:1: a template is a map with "
                                                  "description, sample and channels"));
    EXPECT_THAT(problems_of("sample: [1]\nchannels: {sms: {body: x}}\n"),
                ElementsAre("/t/welcome.yaml:1: sample must be a map of sample data"));
}

TEST(RenderTemplateFile, UnreadableFileIsOneProblem) {
    LoadResult r = load_template_file("/nonexistent/notify/x.yaml", "x", "", {});
    EXPECT_FALSE(r.file);
    ASSERT_EQ(r.problems.size(), 1U);
    EXPECT_EQ(r.problems[0].text(), "/nonexistent/notify/x.yaml: cannot read the file");
}

} // namespace
} // namespace notify::render
