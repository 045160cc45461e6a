// Unit tests of common/render/mustache_tags: syntax errors with lines, the missing-variable
// walk (sections, lists, dotted names, partials).
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/render/mustache_tags.hpp"

namespace notify::render {
namespace {

using ::testing::ElementsAre;
using json = nlohmann::json;

std::string scan_error(const std::string& text) {
    auto tags = scan_tags(text);
    EXPECT_FALSE(tags) << text;
    return tags ? std::string{} : tags.error();
}

PartialLookup partials(std::map<std::string, std::string> texts) {
    return [texts = std::move(texts)](const std::string& name) -> std::optional<std::string> {
        auto it = texts.find(name);
        if (it == texts.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

TEST(RenderMustacheTags, ScansKindsAndLines) {
    auto tags =
        scan_tags("Hi {{ name }}\n{{#items}}{{{raw}}}{{&amp}}{{/items}}\n{{> footer}}{{! c }}");
    ASSERT_TRUE(tags) << tags.error();
    ASSERT_EQ(tags->size(), 7U);
    EXPECT_EQ((*tags)[0].kind, TagKind::variable);
    EXPECT_EQ((*tags)[0].name, "name");
    EXPECT_EQ((*tags)[0].line, 1);
    EXPECT_EQ((*tags)[1].kind, TagKind::section);
    EXPECT_EQ((*tags)[1].line, 2);
    EXPECT_EQ((*tags)[2].kind, TagKind::unescaped);
    EXPECT_EQ((*tags)[3].kind, TagKind::unescaped);
    EXPECT_EQ((*tags)[3].name, "amp");
    EXPECT_EQ((*tags)[4].kind, TagKind::end);
    EXPECT_EQ((*tags)[5].kind, TagKind::partial);
    EXPECT_EQ((*tags)[5].name, "footer");
    EXPECT_EQ((*tags)[5].line, 3);
    EXPECT_EQ((*tags)[6].kind, TagKind::comment);
}

TEST(RenderMustacheTags, SyntaxErrorsNameTheLine) {
    EXPECT_EQ(scan_error("a\n{{#x}}\nb"), "line 2: section {{#x}} is never closed");
    EXPECT_EQ(scan_error("a\n\n{{/y}}"), "line 3: {{/y}} closes no open section");
    EXPECT_EQ(scan_error("{{#a}}\n{{/b}}"), "line 2: {{/b}} closes {{#a}} (line 1)");
    EXPECT_EQ(scan_error("{{^a}}{{/b}}"), "line 1: {{/b}} closes {{^a}} (line 1)");
    EXPECT_EQ(scan_error("x\nHi {{name"), "line 2: tag \"{{name\" is not closed with }}");
    EXPECT_EQ(scan_error("{{{raw}}"), "line 1: tag \"{{{raw}}\" is not closed with }}}");
    EXPECT_EQ(scan_error("{{=<% %>=}}"),
              "line 1: set-delimiter tags ({{=...=}}) are not supported");
    EXPECT_EQ(scan_error("a {{ }}"), "line 1: empty tag \"{{ }}\"");
    auto error = syntax_error("ok\n{{#a}}");
    ASSERT_TRUE(error);
    EXPECT_EQ(error->line, 2);
    EXPECT_FALSE(syntax_error("{{#a}}{{b}}{{/a}}"));
}

TEST(RenderMustacheTags, MissingVariablesInOrderOfUse) {
    DataCheck c = check_data("Hi {{name}}, {{user.email}} {{name}} {{{raw}}}", json::object(), {});
    EXPECT_THAT(c.missing, ElementsAre("name", "user.email", "raw"));
    EXPECT_TRUE(c.problems.empty());
    EXPECT_FALSE(c.ok());
}

TEST(RenderMustacheTags, NullCountsAsMissingEmptyStringDoesNot) {
    DataCheck c = check_data("{{a}}{{b}}", json{{"a", nullptr}, {"b", ""}}, {});
    EXPECT_THAT(c.missing, ElementsAre("a"));
}

TEST(RenderMustacheTags, DottedNamesWalkObjects) {
    json data = {{"user", {{"name", "Al"}, {"address", {{"city", "Graz"}}}}}};
    EXPECT_TRUE(check_data("{{user.name}} {{user.address.city}}", data, {}).ok());
    EXPECT_THAT(check_data("{{user.address.zip}}", data, {}).missing,
                ElementsAre("user.address.zip"));
}

TEST(RenderMustacheTags, SkippedSectionsNeedNothing) {
    EXPECT_TRUE(check_data("{{#coupon}}Use {{coupon.code}}{{/coupon}}", json::object(), {}).ok());
    EXPECT_TRUE(check_data("{{#vip}}{{perk}}{{/vip}}", json{{"vip", false}}, {}).ok());
    EXPECT_TRUE(
        check_data("{{#items}}{{name}}{{/items}}", json{{"items", json::array()}}, {}).ok());
    EXPECT_TRUE(check_data("{{#x}}{{y}}{{/x}}", json{{"x", nullptr}}, {}).ok());
}

TEST(RenderMustacheTags, InvertedSectionsRenderWhenAbsent) {
    EXPECT_THAT(check_data("{{^vip}}{{offer}}{{/vip}}", json::object(), {}).missing,
                ElementsAre("offer"));
    EXPECT_TRUE(check_data("{{^vip}}{{offer}}{{/vip}}", json{{"vip", true}}, {}).ok());
}

TEST(RenderMustacheTags, ListItemsResolveInnermostFirst) {
    json data = {{"name", "outer"}, {"items", json::array({{{"name", "a"}}, json::object()})}};
    // The second item has no name: the outer one is used, as mustache does.
    EXPECT_TRUE(check_data("{{#items}}{{name}}{{/items}}", data, {}).ok());
    json no_outer = {{"items", json::array({{{"name", "a"}}, {{"qty", "1"}}})}};
    EXPECT_THAT(check_data("{{#items}}{{name}}{{/items}}", no_outer, {}).missing,
                ElementsAre("name"));
    EXPECT_TRUE(check_data("{{#tags}}{{.}} {{/tags}}", json{{"tags", {"a", "b"}}}, {}).ok());
}

TEST(RenderMustacheTags, NonTextValuesAreProblems) {
    DataCheck c = check_data("{{user}} {{items}} {{flag}}",
                             json{{"user", json::object()}, {"items", {1}}, {"flag", true}}, {});
    EXPECT_TRUE(c.missing.empty());
    EXPECT_THAT(c.problems,
                ElementsAre("variable \"user\" is an object, not text (use it as a {{#section}})",
                            "variable \"items\" is a list, not text (use it as a {{#section}})",
                            "variable \"flag\" is a boolean, not text (use it as a {{#section}})"));
}

TEST(RenderMustacheTags, PartialsAreWalkedInPlace) {
    auto lookup = partials({{"footer", "Bye {{name}} {{#help}}{{help_url}}{{/help}}"}});
    EXPECT_THAT(check_data("Hi {{> footer}}", json::object(), lookup).missing, ElementsAre("name"));
    EXPECT_TRUE(check_data("Hi {{> footer}}", json{{"name", "Al"}}, lookup).ok());
    EXPECT_THAT(check_data("{{> nope}}", json::object(), lookup).problems,
                ElementsAre("partial \"nope\" not found"));
    EXPECT_THAT(check_data("{{> bad}}", json::object(), partials({{"bad", "{{#x}}"}})).problems,
                ElementsAre("partial \"bad\": line 1: section {{#x}} is never closed"));
    EXPECT_THAT(
        check_data("{{> loop}}", json::object(), partials({{"loop", "{{> loop}}"}})).problems,
        ElementsAre("partial \"loop\" nests deeper than 16 levels (does it include "
                    "itself?)"));
}

TEST(RenderMustacheTags, DescribeMissing) {
    EXPECT_EQ(describe_missing({"a"}), "variable \"a\"");
    EXPECT_EQ(describe_missing({"a", "b.c"}), "variables \"a\", \"b.c\"");
}

} // namespace
} // namespace notify::render
