// Unit tests of common/render/lint (`notify template check`): the shipped templates pass; a
// broken directory yields one file:line problem per fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/render/lint.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::render {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> texts(const CheckReport& report) {
    std::vector<std::string> out;
    for (const auto& p : report.problems) {
        out.push_back(p.text());
    }
    return out;
}

TEST(TemplateCheck, ShippedTemplatesPass) {
    Catalog catalog({{std::string(NOTIFY_TEST_SOURCE_DIR) + "/templates", "shipped"}},
                    {"email", "sms", "push", "webhook", "slack"});
    CheckReport report = check_templates(catalog, {});
    EXPECT_THAT(texts(report), ElementsAre());
    EXPECT_GE(report.templates, 8);
    EXPECT_GT(report.files, report.templates);
    for (const char* name : {"welcome", "password-reset", "login-alert", "order-shipped",
                             "payment-failed", "weekly-digest", "digest", "alert"}) {
        EXPECT_TRUE(catalog.find(name)) << name;
    }
}

TEST(TemplateCheck, BrokenTemplatesYieldFileAndLine) {
    test::TempDir dir("lint");
    const std::string d = dir.path().string();
    dir.write("ok.yaml", "sample: {name: Al}\nchannels:\n  sms: {body: \"Hi {{name}}\"}\n");
    dir.write("syntax.yaml", "channels:\n  sms:\n    body: \"Hi {{name}\"\n");
    dir.write("yaml.yaml", "channels:\n  sms:\n    body: a: b\n");
    dir.write("sample.yaml", "sample: {name: Al}\n"
                             "channels:\n"
                             "  email:\n"
                             "    subject: Hi {{name}}\n"
                             "    text: |\n"
                             "      Hello {{name}}\n"
                             "      {{#items}}\n"
                             "      - {{title}}\n"
                             "      {{/item}}\n"
                             "    html: \"{{> missing}} {{code}}\"\n"
                             "  emial:\n"
                             "    subject: x\n");
    dir.write("long.yaml", "sample: {text: \"" + std::string(1600, 'a') +
                               "\"}\n"
                               "channels:\n"
                               "  sms: {body: \"{{text}}\"}\n");
    dir.write("ok.de.yaml", "channels:\n  sms: {body: \"Hallo {{nme}}\"}\n");
    dir.write("orphan.fr.yaml", "channels:\n  sms: {body: x}\n");
    dir.write("x.de_AT.yaml", "channels:\n  sms: {body: x}\n");
    dir.write("old.yml", "channels:\n  sms: {body: x}\n");
    dir.write("partials/bad.mustache", "ok\n{{#open}}\n");
    Catalog catalog({{d, "user"}}, {});
    CheckReport report = check_templates(catalog, {});
    EXPECT_THAT(
        texts(report),
        ElementsAre(
            d + "/old.yml: ignored: template files end in .yaml",
            d + "/orphan.fr.yaml: ignored: a locale variant needs orphan.yaml beside it",
            d + "/x.de_AT.yaml: ignored: write the locale as \"de-AT\" (x.de-AT.yaml)",
            d + "/partials/bad.mustache:2: section {{#open}} is never closed",
            d + "/long.yaml:3: template \"long\" sms.body: 11 SMS segments (GSM-7, 1600 "
                "septets); at most 10",
            d + "/ok.de.yaml:2: sms.body: the sample has no value for \"nme\"",
            d + "/sample.yaml:11: unknown channel \"emial\" (did you mean \"email\"?); parts are "
                "email, sms, push, webhook, default",
            d + "/sample.yaml:9: email.text: {{/item}} closes {{#items}} (line 7)",
            d + "/sample.yaml:10: email.html: the sample has no value for \"code\"",
            d + "/sample.yaml:10: email.html: partial \"missing\" not found",
            d + "/syntax.yaml:3: sms.body: tag \"{{name}\" is not closed with }}",
            d + "/yaml.yaml:3: invalid YAML: illegal map value"));
    EXPECT_EQ(report.templates, 5);
    EXPECT_EQ(report.files, 6);
}

TEST(TemplateCheck, NamedTemplatesOnly) {
    test::TempDir dir("lint");
    dir.write("ok.yaml", "sample: {name: Al}\nchannels:\n  sms: {body: \"Hi {{name}}\"}\n");
    dir.write("bad.yaml", "channels:\n  sms: {body: \"Hi {{name}}\"}\n");
    Catalog catalog({{dir.path().string(), "user"}}, {});
    CheckReport ok = check_templates(catalog, {"ok"});
    EXPECT_TRUE(ok.problems.empty());
    EXPECT_EQ(ok.templates, 1);
    CheckReport missing = check_templates(catalog, {"ok", "okk"});
    EXPECT_THAT(texts(missing),
                ElementsAre("okk: no template named \"okk\" (did you mean \"ok\"?)"));
}

} // namespace
} // namespace notify::render
