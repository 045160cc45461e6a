// Unit tests of common/render/catalog: locales and fallback, shadowing, partial lookup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/render/catalog.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::render {
namespace {

using ::testing::ElementsAre;

const std::string k_welcome = "description: Welcome\n"
                              "sample: {name: Al}\n"
                              "channels:\n"
                              "  sms: {body: \"Hi {{name}}\"}\n";

TEST(RenderCatalog, NormalizesLocales) {
    EXPECT_EQ(*normalize_locale("de"), "de");
    EXPECT_EQ(*normalize_locale("de_AT.UTF-8"), "de-AT");
    EXPECT_EQ(*normalize_locale("EN-us"), "en-US");
    EXPECT_EQ(*normalize_locale("zh-hant-tw"), "zh-Hant-TW");
    EXPECT_EQ(*normalize_locale("sr@latin"), "sr");
    EXPECT_FALSE(normalize_locale(""));
    EXPECT_FALSE(normalize_locale("d"));
    EXPECT_FALSE(normalize_locale("de-"));
    EXPECT_FALSE(normalize_locale("../x"));
    EXPECT_EQ(normalize_locale("1x").error(),
              "invalid locale \"1x\" (expected a language tag like de or de-AT)");
}

TEST(RenderCatalog, LocaleChainFallsBackToDefault) {
    EXPECT_THAT(locale_chain("de-AT"), ElementsAre("de-AT", "de", ""));
    EXPECT_THAT(locale_chain("zh-Hant-TW"), ElementsAre("zh-Hant-TW", "zh-Hant", "zh", ""));
    EXPECT_THAT(locale_chain(""), ElementsAre(""));
}

TEST(RenderCatalog, TemplateNames) {
    EXPECT_TRUE(valid_template_name("password-reset_2"));
    EXPECT_FALSE(valid_template_name(""));
    EXPECT_FALSE(valid_template_name("a.b"));
    EXPECT_FALSE(valid_template_name("../x"));
}

TEST(RenderCatalog, LoadsTheClosestLocale) {
    test::TempDir dir("catalog");
    dir.write("welcome.yaml", k_welcome);
    dir.write("welcome.de.yaml", "channels:\n  sms: {body: \"Hallo {{name}}\"}\n");
    dir.write("welcome.de-CH.yaml", "channels:\n  sms: {body: \"Grüezi {{name}}\"}\n");
    Catalog catalog({{dir.path().string(), "user"}}, {});
    auto entry = catalog.find("welcome");
    ASSERT_TRUE(entry);
    EXPECT_THAT(entry->locales, ElementsAre("de", "de-CH"));

    auto at = catalog.load("welcome", "de-AT");
    ASSERT_TRUE(at) << at.error();
    EXPECT_EQ(at->locale, "de");
    EXPECT_EQ(at->channels[0].fields[0].text, "Hallo {{name}}");
    // The variant takes description and sample from the default file.
    EXPECT_EQ(at->description, "Welcome");
    EXPECT_EQ(at->sample["name"], "Al");

    EXPECT_EQ(catalog.load("welcome", "de-CH")->locale, "de-CH");
    EXPECT_EQ(catalog.load("welcome", "fr")->locale, "");
    EXPECT_EQ(catalog.load("welcome", "")->locale, "");
}

TEST(RenderCatalog, UserTemplatesShadowShippedOnes) {
    test::TempDir user("user");
    test::TempDir shipped("shipped");
    user.write("welcome.yaml", k_welcome);
    shipped.write("welcome.yaml", k_welcome);
    shipped.write("welcome.de.yaml", k_welcome);
    shipped.write("alert.yaml", k_welcome);
    shipped.write("orphan.de.yaml", k_welcome);
    shipped.write("notes.txt", "x");
    Catalog catalog({{user.path().string(), "user"}, {shipped.path().string(), "shipped"}}, {});
    auto all = catalog.list();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].name, "alert");
    EXPECT_EQ(all[0].source, "shipped");
    EXPECT_EQ(all[1].name, "welcome");
    EXPECT_EQ(all[1].source, "user");
    EXPECT_TRUE(all[1].locales.empty()); // the shipped de variant is shadowed too
    EXPECT_EQ(catalog.load("welcome", "de")->path, user.file("welcome.yaml"));
}

TEST(RenderCatalog, MissingDirectoriesAreEmpty) {
    Catalog catalog({{"/nonexistent/notify-templates", "user"}}, {});
    EXPECT_TRUE(catalog.list().empty());
    auto t = catalog.load("welcome", "");
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error(), "no template named \"welcome\"");
}

TEST(RenderCatalog, UnknownNamesSuggest) {
    test::TempDir dir("catalog");
    dir.write("welcome.yaml", k_welcome);
    Catalog catalog({{dir.path().string(), "user"}}, {});
    EXPECT_EQ(catalog.load("welcom", "").error(),
              "no template named \"welcom\" (did you mean \"welcome\"?)");
}

TEST(RenderCatalog, InvalidFilesFailWithFileAndLine) {
    test::TempDir dir("catalog");
    dir.write("bad.yaml", "channels:\n  sms:\n    bdy: x\n");
    Catalog catalog({{dir.path().string(), "user"}}, {});
    EXPECT_EQ(catalog.load("bad", "").error(),
              dir.file("bad.yaml") +
                  ":3: unknown field \"bdy\" in sms (did you mean \"body\"?); sms takes body "
                  "(and 1 more)");
}

TEST(RenderCatalog, PartialsFollowLocaleThenSearchOrder) {
    test::TempDir user("user");
    test::TempDir shipped("shipped");
    shipped.write("partials/footer.mustache", "shipped footer");
    shipped.write("partials/footer.de.mustache", "shipped Fußzeile");
    user.write("partials/header.mustache", "user header");
    shipped.write("partials/header.mustache", "shipped header");
    Catalog catalog({{user.path().string(), "user"}, {shipped.path().string(), "shipped"}}, {});
    auto en = catalog.partials("");
    auto de_at = catalog.partials("de-AT");
    EXPECT_EQ(en("footer"), "shipped footer");
    EXPECT_EQ(de_at("footer"), "shipped Fußzeile");
    EXPECT_EQ(de_at("header"), "user header");
    EXPECT_EQ(en("nope"), std::nullopt);
    EXPECT_EQ(en("../footer"), std::nullopt);
    EXPECT_EQ(catalog.partial_files().size(), 4U);
}

} // namespace
} // namespace notify::render
