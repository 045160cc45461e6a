// Unit tests of common/providers/file_provider.cpp: JSON lines appended to a real file.
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "common/config/config.hpp"
#include "common/providers/file_provider.hpp"
#include "common/providers/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using testing::HasSubstr;

config::Config load_config(const std::string& yaml, const test::TempDir& home) {
    config::LoadOptions options;
    const std::string h = home.path().string();
    options.env = [h](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return h;
        }
        return std::nullopt;
    };
    options.system_config_path = "/nonexistent/notify-test/config.yaml";
    return config::load_text(yaml, h + "/config.yaml", options);
}

Message message(std::int64_t id = 1, std::string to = "ann@example.com") {
    Message m;
    m.id = id;
    m.channel = "email";
    m.to = std::move(to);
    m.subject = "Hi";
    m.body = "Hello";
    m.data_json = R"({"k":1})";
    m.attempt = 1;
    return m;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

class FileProviderTest : public testing::Test {
  protected:
    std::unique_ptr<Provider> provider_at(const std::string& path) {
        m_config =
            load_config("providers:\n  out:\n    type: file\n    path: " + path + "\n", m_dir);
        validate(m_config);
        return create(m_config, "out");
    }

    test::TempDir m_dir{"file-provider"};
    config::Config m_config;
};

TEST_F(FileProviderTest, AppendsOneJsonLinePerSend) {
    const std::string path = m_dir.file("delivered.jsonl");
    auto p = provider_at(path);
    EXPECT_EQ(p->name(), "out");
    SendResult first = p->send(message(1, "ann@example.com"));
    ASSERT_TRUE(first.ok) << first.detail;
    EXPECT_EQ(first.detail, "appended to " + path);
    SendResult second = p->send(message(2, "bob@example.com"));
    ASSERT_TRUE(second.ok) << second.detail;

    const std::string text = test::TempDir::read_file(path);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    auto lines = lines_of(text);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], R"({"id":1,"channel":"email","to":"ann@example.com","user":null,)"
                        R"("template":null,"event_id":null,"priority":"normal","subject":"Hi",)"
                        R"("title":null,"body":"Hello","data":{"k":1},"attempt":1})");
    auto j = nlohmann::json::parse(lines[1]);
    EXPECT_EQ(j["id"], 2);
    EXPECT_EQ(j["to"], "bob@example.com");
}

TEST_F(FileProviderTest, RenderIsTheLineWithoutWritingAnything) {
    const std::string path = m_dir.file("delivered.jsonl");
    auto p = provider_at(path);
    std::string rendered = p->render(message(5));
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_TRUE(p->send(message(5)).ok);
    EXPECT_EQ(test::TempDir::read_file(path), rendered + "\n");
}

TEST_F(FileProviderTest, KeepsExistingContentAndCreatesTheFile0600) {
    const std::string path = m_dir.write("out/delivered.jsonl", "earlier line\n");
    auto p = provider_at(path);
    ASSERT_TRUE(p->send(message()).ok);
    auto lines = lines_of(test::TempDir::read_file(path));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "earlier line");

    const std::string fresh = m_dir.file("new/deeper/delivered.jsonl");
    auto q = provider_at(fresh);
    ASSERT_TRUE(q->send(message()).ok);
    struct stat st {};
    ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileProviderTest, InvalidDataJsonBecomesAnEmptyObject) {
    const std::string path = m_dir.file("delivered.jsonl");
    auto p = provider_at(path);
    Message m = message();
    m.data_json = "{not json";
    ASSERT_TRUE(p->send(m).ok);
    auto j = nlohmann::json::parse(lines_of(test::TempDir::read_file(path)).at(0));
    EXPECT_EQ(j["data"], nlohmann::json::object());
}

TEST_F(FileProviderTest, PathUnderARegularFileIsATransientFailureNamingThePath) {
    m_dir.write("blocker", "I am a file\n");
    const std::string path = m_dir.file("blocker/sub/delivered.jsonl");
    auto p = provider_at(path);
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "cannot open " + path + ": Not a directory");
    EXPECT_EQ(r.retry_after, std::nullopt);
}

TEST_F(FileProviderTest, PathThatIsADirectoryIsATransientFailure) {
    std::filesystem::create_directories(m_dir.file("dir.jsonl"));
    auto p = provider_at(m_dir.file("dir.jsonl"));
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_THAT(r.detail, HasSubstr("cannot open " + m_dir.file("dir.jsonl") + ": "));
}

TEST(FileProviderConfig, RelativePathIsTakenFromTheDataDirectory) {
    test::TempDir home("file-provider");
    auto config = load_config("providers:\n  out:\n    type: file\n    path: sub/x.jsonl\n", home);
    auto p = create(config, "out");
    const std::string expected = config.data_dir + "/sub/x.jsonl";
    EXPECT_EQ(expected, home.path().string() + "/.local/share/notify/sub/x.jsonl");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "appended to " + expected);
    EXPECT_EQ(lines_of(test::TempDir::read_file(expected)).size(), 1u);
}

TEST(FileProviderConfig, BuiltInFileProviderWritesDeliveredJsonlInTheDataDirectory) {
    test::TempDir home("file-provider");
    auto config = load_config("", home);
    auto p = create(config, "file");
    SendResult r = p->send(message());
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "appended to " + config.data_dir + "/delivered.jsonl");
    EXPECT_TRUE(std::filesystem::exists(config.data_dir + "/delivered.jsonl"));
}

} // namespace
} // namespace notify::providers
