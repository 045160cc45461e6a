// Unit tests of common/render/template_data.cpp: merging --data-file, --data-json and --data.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/render/template_data.hpp"

namespace notify::render {
namespace {

using nlohmann::json;

TEST(TemplateData, NothingGivenIsAnEmptyObject) {
    auto data = merge_template_data({});
    ASSERT_TRUE(data) << data.error();
    EXPECT_EQ(*data, "{}");
}

TEST(TemplateData, LaterSourcesReplaceEarlierKeys) {
    DataSources sources;
    sources.file_text = R"({"name": "File", "city": "Berlin", "n": 1})";
    sources.file_label = "--data-file data.json";
    sources.json = R"({"name": "Json", "n": {"deep": true}})";
    sources.pairs = {"name=Pair", "empty=", "eq=a=b"};
    auto data = merge_template_data(sources);
    ASSERT_TRUE(data) << data.error();
    EXPECT_EQ(json::parse(*data), json::parse(R"({"name": "Pair", "city": "Berlin",
        "n": {"deep": true}, "empty": "", "eq": "a=b"})"));
}

TEST(TemplateData, BadSourcesAreNamed) {
    DataSources file;
    file.file_text = "{";
    file.file_label = "--data-file data.json";
    EXPECT_EQ(merge_template_data(file).error(), "--data-file data.json: not valid JSON");
    DataSources array;
    array.json = "[1, 2]";
    EXPECT_EQ(merge_template_data(array).error(), "--data-json: must be a JSON object");
    DataSources pair;
    pair.pairs = {"a=1", "=x"};
    EXPECT_EQ(merge_template_data(pair).error(), R"(--data "=x": expected KEY=VALUE)");
    pair.pairs = {"novalue"};
    EXPECT_EQ(merge_template_data(pair).error(), R"(--data "novalue": expected KEY=VALUE)");
}

// Fuzz finding (corpus send_data/06): a --data value in Latin-1 made nlohmann::json::dump() throw
// type_error 316 out of `notify send` (exit 70, "internal error") instead of a data error.
TEST(TemplateData, PairThatIsNotUtf8IsADataErrorNotAnException) {
    DataSources sources;
    sources.pairs = {"ok=caf\xc3\xa9", "name=\xe9t\xe9"};
    auto data = merge_template_data(sources);
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error(), "--data #2: not valid UTF-8 (convert it, e.g. with iconv -t UTF-8)");
    sources.pairs = {"k\xff=v"};
    EXPECT_FALSE(merge_template_data(sources));
}

} // namespace
} // namespace notify::render
