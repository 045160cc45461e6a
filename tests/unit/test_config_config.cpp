// Unit tests of common/config/: search order, precedence, shapes, secrets and describe().
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "common/config/config.hpp"
#include "common/config/references.hpp"
#include "common/error.hpp"

namespace notify::config {
namespace {

namespace fs = std::filesystem;

const std::string k_file = "/cfg/config.yaml";

using Vars = std::map<std::string, std::string>;

EnvLookup fake_env(Vars vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

const Vars k_home{{"HOME", "/home/u"}};

LoadOptions options_with(Vars vars = k_home) {
    LoadOptions options;
    options.env = fake_env(std::move(vars));
    options.system_config_path = "/nonexistent/notify-test/config.yaml";
    return options;
}

Config parse(const std::string& yaml, Vars vars = k_home) {
    return load_text(yaml, k_file, options_with(std::move(vars)));
}

// Returns the message of the Error that loading `yaml` throws; fails the test otherwise.
std::string error_of(const std::string& yaml, Vars vars = k_home) {
    try {
        parse(yaml, std::move(vars));
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::config) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << yaml;
    return {};
}

Error error_from(const std::string& yaml, Vars vars = k_home) {
    try {
        parse(yaml, std::move(vars));
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "no error for:\n" << yaml;
    return Error{Exit::ok, ""};
}

const ShownSetting* shown(const std::vector<ShownSetting>& lines, const std::string& key) {
    for (const auto& line : lines) {
        if (line.key == key) {
            return &line;
        }
    }
    return nullptr;
}

// A fresh directory under /tmp, removed with everything in it at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "notify-config-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return m_path; }

    // Writes `text` to the relative `name`, creating parent directories; returns the path.
    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path file = m_path / name;
        fs::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out << text;
        return file;
    }

  private:
    fs::path m_path;
};

// ---- defaults ---------------------------------------------------------------------------

TEST(ConfigDefaults, NoFileYieldsTheBuiltInDefaults) {
    TempDir home;
    auto options = options_with({{"HOME", home.path().string()}});
    const Config config = load(options);
    const std::string h = home.path().string();
    EXPECT_EQ(config.source_file, "");
    EXPECT_EQ(config.data_dir, h + "/.local/share/notify");
    EXPECT_EQ(config.store_path.value, h + "/.local/share/notify/notify.db");
    EXPECT_EQ(config.store_path.origin, "default");
    EXPECT_EQ(config.templates_dir.value, h + "/.config/notify/templates");
    EXPECT_EQ(config.templates_dir.origin, "default");
    EXPECT_EQ(config.store_durability.value, "full");
    EXPECT_EQ(config.durability, Durability::full);
    EXPECT_EQ(config.store_busy_timeout.value, "5s");
    EXPECT_EQ(config.busy_timeout, Millis{5000});
    EXPECT_EQ(config.daemon_listen.value, "");
    EXPECT_EQ(config.daemon_poll_interval.value, "5s");
    EXPECT_EQ(config.poll_interval, Millis{5000});
    EXPECT_EQ(config.daemon_batch.value, "64");
    EXPECT_EQ(config.batch, 64);
    EXPECT_EQ(config.audience_default_region.value, "");
    EXPECT_EQ(config.audience_default_region.origin, "default");

    ASSERT_EQ(config.providers.size(), 2u);
    const auto& file = config.providers.at("file");
    EXPECT_EQ(file.type, "file");
    EXPECT_EQ(file.origin, "default");
    ASSERT_NE(file.find("path"), nullptr);
    EXPECT_EQ(file.find("path")->value, h + "/.local/share/notify/delivered.jsonl");
    EXPECT_EQ(config.providers.at("log").type, "log");

    EXPECT_EQ(config.channel_names(),
              (std::vector<std::string>{"email", "sms", "push", "webhook", "slack"}));
    for (const auto& route : config.channels) {
        EXPECT_EQ(route.providers, std::vector<std::string>{"file"});
        EXPECT_EQ(route.origin, "default");
    }
}

TEST(ConfigDefaults, LoadingCreatesNoDirectoryOrFile) {
    TempDir home;
    load(options_with({{"HOME", home.path().string()}}));
    EXPECT_TRUE(fs::is_empty(home.path()));
}

TEST(ConfigDefaults, XdgDirectoriesWinOverHome) {
    const Config config =
        parse("", {{"HOME", "/home/u"}, {"XDG_DATA_HOME", "/xd"}, {"XDG_CONFIG_HOME", "/xc"}});
    EXPECT_EQ(config.data_dir, "/xd/notify");
    EXPECT_EQ(config.store_path.value, "/xd/notify/notify.db");
    EXPECT_EQ(config.templates_dir.value, "/xc/notify/templates");
}

TEST(ConfigDefaults, EmptyOrRelativeXdgVariablesCountAsUnset) {
    const Config empty =
        parse("", {{"HOME", "/home/u"}, {"XDG_DATA_HOME", ""}, {"XDG_CONFIG_HOME", ""}});
    EXPECT_EQ(empty.store_path.value, "/home/u/.local/share/notify/notify.db");
    EXPECT_EQ(empty.templates_dir.value, "/home/u/.config/notify/templates");
    const Config relative = parse("", {{"HOME", "/home/u"}, {"XDG_DATA_HOME", "rel"}});
    EXPECT_EQ(relative.data_dir, "/home/u/.local/share/notify");
}

TEST(ConfigDefaults, EmptyFileAndCommentOnlyFileAreValid) {
    for (const std::string text : {"", "\n\n", "# nothing here\n  # still nothing\n", "---\n"}) {
        const Config config = parse(text);
        EXPECT_EQ(config.source_file, k_file);
        EXPECT_EQ(config.store_path.origin, "default");
        EXPECT_EQ(config.channels.size(), 5u);
    }
}

TEST(ConfigDefaults, EmptySectionsKeepTheDefaults) {
    const Config config = parse("store:\ntemplates:\ndaemon:\nproviders:\nchannels:\n");
    EXPECT_EQ(config.store_path.origin, "default");
    EXPECT_EQ(config.providers.size(), 2u);
    EXPECT_EQ(config.channels.size(), 5u);
}

TEST(ConfigDefaults, WithoutHomeOrXdgDataTheDataDirectoryIsAnError) {
    try {
        parse("", {});
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::config);
        EXPECT_STREQ(e.what(),
                     "cannot locate the data directory: neither XDG_DATA_HOME nor HOME is set");
    }
}

TEST(ConfigDefaults, WithoutHomeAnExplicitStoreAndFileProviderAreEnough) {
    auto options = options_with({});
    options.db_flag = "/db/n.db";
    const Config config =
        load_text("providers:\n  file: {type: file, path: /out.jsonl}\n", k_file, options);
    EXPECT_EQ(config.store_path.value, "/db/n.db");
    EXPECT_EQ(config.data_dir, "");
    EXPECT_EQ(config.templates_dir.value, "");
}

// ---- document shape ---------------------------------------------------------------------

TEST(ConfigShape, RootMustBeAMap) {
    EXPECT_EQ(error_of("- a\n- b\n"),
              "/cfg/config.yaml:1: expected a map of sections at the top level, found a list");
    EXPECT_EQ(error_of("just text\n"),
              "/cfg/config.yaml:1: expected a map of sections at the top level, found a scalar");
}

TEST(ConfigShape, YamlSyntaxErrorsNameTheLine) {
    const std::string message = error_of("store:\n  path: /a\n  durability: [full\n");
    EXPECT_EQ(message.rfind("/cfg/config.yaml:", 0), 0u) << message;
    EXPECT_NE(message.find(": invalid YAML: "), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ConfigShape, UnknownTopLevelKeySuggestsTheSection) {
    const Error e = error_from("store:\n  path: /a.db\nstor:\n  path: /b.db\n");
    EXPECT_STREQ(e.what(),
                 "/cfg/config.yaml:3: unknown key \"stor\" at top level (did you mean \"store\"?)");
    EXPECT_EQ(e.hint(),
              "known sections: store, templates, daemon, providers, channels, delivery, alerts, "
              "categories, audience, tracking");
}

TEST(ConfigShape, UnknownKeyInDaemonSuggestsTheKey) {
    const Error e = error_from("daemon:\n  listen: ''\n  pol_interval: 5s\n");
    EXPECT_STREQ(e.what(), "/cfg/config.yaml:3: unknown key \"pol_interval\" in daemon (did you "
                           "mean \"poll_interval\"?)");
    EXPECT_EQ(e.hint(),
              "known keys in daemon: listen, token, poll_interval, batch, lease, shutdown_grace");
}

TEST(ConfigShape, UnknownKeyWithoutACloseMatchHasNoSuggestion) {
    EXPECT_EQ(error_of("daemon:\n  retires: 3\n"),
              "/cfg/config.yaml:2: unknown key \"retires\" in daemon");
}

TEST(ConfigShape, UnknownKeysInStoreAndTemplates) {
    EXPECT_EQ(error_of("store:\n  durabilty: full\n"),
              "/cfg/config.yaml:2: unknown key \"durabilty\" in store (did you mean "
              "\"durability\"?)");
    EXPECT_EQ(error_of("templates:\n  dirs: /t\n"),
              "/cfg/config.yaml:2: unknown key \"dirs\" in templates (did you mean \"dir\"?)");
}

TEST(ConfigShape, DuplicateKeysAreRejected) {
    EXPECT_EQ(error_of("store:\n  path: /a\n  path: /b\n"),
              "/cfg/config.yaml:3: duplicate key \"path\" in store");
    EXPECT_EQ(error_of("daemon: {}\ndaemon: {}\n"),
              "/cfg/config.yaml:2: duplicate key \"daemon\" at top level");
}

TEST(ConfigShape, SectionsMustBeMaps) {
    EXPECT_EQ(error_of("store: /var/notify.db\n"),
              "/cfg/config.yaml:1: store: expected a map, found a scalar");
    EXPECT_EQ(error_of("daemon:\n  - listen\n"),
              "/cfg/config.yaml:1: daemon: expected a map, found a list");
    EXPECT_EQ(error_of("providers: [mail]\n"),
              "/cfg/config.yaml:1: providers: expected a map, found a list");
    EXPECT_EQ(error_of("channels: email\n"),
              "/cfg/config.yaml:1: channels: expected a map, found a scalar");
}

TEST(ConfigShape, ScalarKeysRejectMapsAndLists) {
    EXPECT_EQ(error_of("store:\n  path:\n    a: b\n"),
              "/cfg/config.yaml:2: store.path: expected a scalar, found a map");
    EXPECT_EQ(error_of("daemon:\n  batch: [1, 2]\n"),
              "/cfg/config.yaml:2: daemon.batch: expected a scalar, found a list");
}

// ---- store ------------------------------------------------------------------------------

TEST(ConfigStore, UrlSelectsPostgres) {
    const Config config = parse("store:\n  url: postgresql://db.example.com/notify\n");
    EXPECT_TRUE(config.uses_postgres());
    EXPECT_EQ(config.store_url.value, "postgresql://db.example.com/notify");
    EXPECT_EQ(config.store_url.origin, "/cfg/config.yaml:2");
    EXPECT_EQ(config.store_path.value, "");
    EXPECT_EQ(config.instance_timeout, Millis{30'000});
    EXPECT_FALSE(parse("").uses_postgres());
}

TEST(ConfigStore, UrlWithAPasswordByReferenceIsSecret) {
    const Config config = parse("store:\n  url: ${env:STORE_URL}\n",
                                {{"HOME", "/home/u"}, {"STORE_URL", "postgresql://n:s3cret@db/n"}});
    EXPECT_EQ(config.store_url.value, "postgresql://n:s3cret@db/n");
    EXPECT_TRUE(config.store_url.secret);
}

TEST(ConfigStore, UrlMustBePostgresAndExcludesPath) {
    EXPECT_EQ(error_of("store:\n  url: mysql://db/notify\n"),
              "/cfg/config.yaml:2: store.url: mysql://db/notify is not a postgresql:// URL");
    EXPECT_EQ(error_of("store:\n  path: /x/n.db\n  url: postgresql://db/notify\n"),
              "/cfg/config.yaml:3: store.url and store.path are both set; keep one");
    EXPECT_EQ(error_of("store:\n  url: postgres://db/notify\n  path: /x/n.db\n"),
              "/cfg/config.yaml:3: store.url and store.path are both set; keep one");
}

TEST(ConfigStore, InstanceTimeout) {
    EXPECT_EQ(parse("store:\n  instance_timeout: 10s\n").instance_timeout, Millis{10'000});
    EXPECT_EQ(error_of("store:\n  instance_timeout: 0s\n"),
              "/cfg/config.yaml:2: store.instance_timeout: must be greater than 0s");
}

TEST(ConfigStore, DbFlagOrEnvUrlSelectsPostgresOverTheFile) {
    const std::string yaml = "store:\n  path: /file/n.db\n";
    auto options = options_with({{"HOME", "/home/u"}, {"NOTIFY_DB", "postgres://env/n"}});
    options.db_flag = "postgresql://flag/n";
    Config config = load_text(yaml, k_file, options);
    EXPECT_EQ(config.store_url.value, "postgresql://flag/n");
    EXPECT_EQ(config.store_url.origin, "--db");
    options.db_flag.reset();
    config = load_text(yaml, k_file, options);
    EXPECT_EQ(config.store_url.value, "postgres://env/n");
    EXPECT_EQ(config.store_url.origin, "env NOTIFY_DB");
    options.db_flag = "/flag/n.db"; // a path on the command line beats a URL in the environment
    config = load_text(yaml, k_file, options);
    EXPECT_FALSE(config.uses_postgres());
    EXPECT_EQ(config.store_path.value, "/flag/n.db");
}

TEST(ConfigStore, Durability) {
    const Config config = parse("store:\n  durability: normal\n");
    EXPECT_EQ(config.durability, Durability::normal);
    EXPECT_EQ(config.store_durability.value, "normal");
    EXPECT_EQ(config.store_durability.origin, "/cfg/config.yaml:2");
    EXPECT_EQ(error_of("\nstore:\n  durability: fast\n"),
              "/cfg/config.yaml:3: store.durability: \"fast\" is not one of full, normal");
    EXPECT_EQ(error_of("store:\n  durability:\n"),
              "/cfg/config.yaml:2: store.durability: \"\" is not one of full, normal");
}

TEST(ConfigStore, BusyTimeout) {
    const Config config = parse("store:\n  busy_timeout: 30s\n");
    EXPECT_EQ(config.busy_timeout, Millis{30000});
    EXPECT_EQ(config.store_busy_timeout.value, "30s");
    EXPECT_EQ(config.store_busy_timeout.origin, "/cfg/config.yaml:2");
    EXPECT_EQ(parse("store:\n  busy_timeout: 0s\n").busy_timeout, Millis{0});
    const std::string message = error_of("store:\n  busy_timeout: 5x\n");
    EXPECT_EQ(message.rfind("/cfg/config.yaml:2: store.busy_timeout: invalid duration \"5x\"", 0),
              0u)
        << message;
}

TEST(ConfigStore, RelativePathIsRelativeToTheConfigFile) {
    const Config config = parse("store:\n  path: data/../db/notify.db\n");
    EXPECT_EQ(config.store_path.value, "/cfg/db/notify.db");
    EXPECT_EQ(config.store_path.origin, "/cfg/config.yaml:2");
}

TEST(ConfigStore, TildeExpandsToHome) {
    EXPECT_EQ(parse("store:\n  path: ~/n.db\n").store_path.value, "/home/u/n.db");
    EXPECT_EQ(parse("store:\n  path: /abs/n.db\n").store_path.value, "/abs/n.db");
    EXPECT_EQ(error_of("store:\n  path: ~/n.db\n", {{"XDG_DATA_HOME", "/xd"}}),
              "/cfg/config.yaml:2: store.path: cannot expand \"~/n.db\": HOME is not set");
    EXPECT_EQ(error_of("store:\n  path: ~bob/n.db\n"),
              "/cfg/config.yaml:2: store.path: \"~bob/n.db\": ~user paths are not supported "
              "(use ~/ or an absolute path)");
}

TEST(ConfigStore, EmptyPathIsAnError) {
    EXPECT_EQ(error_of("store:\n  path: ''\n"),
              "/cfg/config.yaml:2: store.path: must not be empty");
}

TEST(ConfigStore, PathPrecedenceIsFlagThenEnvThenFileThenDefault) {
    const std::string yaml = "store:\n  path: /file/n.db\n";
    auto options = options_with({{"HOME", "/home/u"}, {"NOTIFY_DB", "/env/n.db"}});
    options.db_flag = "/flag/n.db";
    Config config = load_text(yaml, k_file, options);
    EXPECT_EQ(config.store_path.value, "/flag/n.db");
    EXPECT_EQ(config.store_path.origin, "--db");

    options.db_flag.reset();
    config = load_text(yaml, k_file, options);
    EXPECT_EQ(config.store_path.value, "/env/n.db");
    EXPECT_EQ(config.store_path.origin, "env NOTIFY_DB");

    options.env = fake_env({{"HOME", "/home/u"}, {"NOTIFY_DB", ""}});
    config = load_text(yaml, k_file, options);
    EXPECT_EQ(config.store_path.value, "/file/n.db");
    EXPECT_EQ(config.store_path.origin, "/cfg/config.yaml:2");

    config = load_text("", k_file, options);
    EXPECT_EQ(config.store_path.value, "/home/u/.local/share/notify/notify.db");
    EXPECT_EQ(config.store_path.origin, "default");
}

TEST(ConfigStore, RelativeDbFlagIsRelativeToTheWorkingDirectory) {
    auto options = options_with();
    options.db_flag = "rel/n.db";
    const Config config = load_text("", k_file, options);
    EXPECT_EQ(config.store_path.value, (fs::current_path() / "rel/n.db").lexically_normal());
}

TEST(ConfigStore, FileStorePathIsStillCheckedWhenTheFlagWins) {
    auto options = options_with();
    options.db_flag = "/flag/n.db";
    EXPECT_THROW(load_text("store:\n  path: {a: b}\n", k_file, options), Error);
}

TEST(ConfigStore, EmptyDbFlagIsAUsageError) {
    auto options = options_with();
    options.db_flag = "";
    try {
        load_text("", k_file, options);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::usage);
        EXPECT_STREQ(e.what(), "--db needs a path");
    }
}

// ---- templates --------------------------------------------------------------------------

TEST(ConfigTemplates, DirIsResolvedLikeStorePath) {
    Config config = parse("templates:\n  dir: tpl\n");
    EXPECT_EQ(config.templates_dir.value, "/cfg/tpl");
    EXPECT_EQ(config.templates_dir.origin, "/cfg/config.yaml:2");
    config = parse("templates:\n  dir: ~/t\n");
    EXPECT_EQ(config.templates_dir.value, "/home/u/t");
}

// ---- daemon -----------------------------------------------------------------------------

TEST(ConfigDaemon, Listen) {
    for (const std::string address :
         {"127.0.0.1:9464", "localhost:0", "[::1]:8080", "example.org:65535"}) {
        const Config config = parse("daemon:\n  listen: \"" + address + "\"\n");
        EXPECT_EQ(config.daemon_listen.value, address);
        EXPECT_EQ(config.daemon_listen.origin, "/cfg/config.yaml:2");
    }
    EXPECT_EQ(parse("daemon:\n  listen: ''\n").daemon_listen.value, "");
    for (const std::string address : {"9464", "localhost", ":9464", "host:", "host:65536",
                                      "host:-1", "host:http", "::1:80", "[::1:80"}) {
        EXPECT_EQ(error_of("daemon:\n  listen: \"" + address + "\"\n"),
                  "/cfg/config.yaml:2: daemon.listen: \"" + address +
                      "\" is not host:port (e.g. 127.0.0.1:9464)");
    }
}

TEST(ConfigDaemon, PollInterval) {
    const Config config = parse("daemon:\n  poll_interval: 2m\n");
    EXPECT_EQ(config.poll_interval, Millis{120000});
    EXPECT_EQ(config.daemon_poll_interval.value, "2m");
    EXPECT_EQ(error_of("daemon:\n  poll_interval: 0s\n"),
              "/cfg/config.yaml:2: daemon.poll_interval: must be greater than 0s");
    const std::string message = error_of("daemon:\n  poll_interval: often\n");
    EXPECT_EQ(message.rfind("/cfg/config.yaml:2: daemon.poll_interval: invalid duration", 0), 0u)
        << message;
}

TEST(ConfigDaemon, Batch) {
    EXPECT_EQ(parse("daemon:\n  batch: 1\n").batch, 1);
    EXPECT_EQ(parse("daemon:\n  batch: 10000\n").batch, 10000);
    const Config config = parse("daemon:\n  batch: 200\n");
    EXPECT_EQ(config.batch, 200);
    EXPECT_EQ(config.daemon_batch.value, "200");
    EXPECT_EQ(config.daemon_batch.origin, "/cfg/config.yaml:2");
    EXPECT_EQ(error_of("daemon:\n  batch: lots\n"),
              "/cfg/config.yaml:2: daemon.batch: \"lots\" is not an integer");
    EXPECT_EQ(error_of("daemon:\n  batch: 1.5\n"),
              "/cfg/config.yaml:2: daemon.batch: \"1.5\" is not an integer");
    EXPECT_EQ(error_of("daemon:\n  batch:\n"),
              "/cfg/config.yaml:2: daemon.batch: \"\" is not an integer");
    EXPECT_EQ(error_of("daemon:\n  batch: 0\n"),
              "/cfg/config.yaml:2: daemon.batch: 0 is not between 1 and 10000");
    EXPECT_EQ(error_of("daemon:\n  batch: -5\n"),
              "/cfg/config.yaml:2: daemon.batch: -5 is not between 1 and 10000");
    EXPECT_EQ(error_of("daemon:\n  batch: 10001\n"),
              "/cfg/config.yaml:2: daemon.batch: 10001 is not between 1 and 10000");
    EXPECT_EQ(error_of("daemon:\n  batch: 99999999999999999999999\n"),
              "/cfg/config.yaml:2: daemon.batch: 99999999999999999999999 is not between 1 and "
              "10000");
}

// ---- providers --------------------------------------------------------------------------

TEST(ConfigProviders, KeepsScalarsListsAndFlattenedMaps) {
    const Config config = parse(R"(providers:
  hook:
    type: webhook
    url: http://127.0.0.1:8080/in
    headers:
      X-A: b
      X-Nested:
        deep: 1
    empty:
  script:
    type: exec
    command: [/usr/local/bin/pager, --fast]
    timeout: 10s
)");
    const auto& hook = config.providers.at("hook");
    EXPECT_EQ(hook.name, "hook");
    EXPECT_EQ(hook.type, "webhook");
    EXPECT_EQ(hook.origin, "/cfg/config.yaml:2");
    ASSERT_NE(hook.find("url"), nullptr);
    EXPECT_EQ(hook.find("url")->value, "http://127.0.0.1:8080/in");
    EXPECT_EQ(hook.find("url")->origin, "/cfg/config.yaml:4");
    EXPECT_FALSE(hook.find("url")->secret);
    ASSERT_NE(hook.find("headers.X-A"), nullptr);
    EXPECT_EQ(hook.find("headers.X-A")->value, "b");
    EXPECT_EQ(hook.find("headers.X-A")->origin, "/cfg/config.yaml:6");
    ASSERT_NE(hook.find("headers.X-Nested.deep"), nullptr);
    EXPECT_EQ(hook.find("headers.X-Nested.deep")->value, "1");
    ASSERT_NE(hook.find("empty"), nullptr);
    EXPECT_EQ(hook.find("empty")->value, "");
    EXPECT_EQ(hook.find("type"), nullptr);
    EXPECT_EQ(hook.find("headers"), nullptr);

    const auto& script = config.providers.at("script");
    EXPECT_EQ(script.type, "exec");
    ASSERT_EQ(script.lists.count("command"), 1u);
    const auto& command = script.lists.at("command");
    ASSERT_EQ(command.size(), 2u);
    EXPECT_EQ(command[0].value, "/usr/local/bin/pager");
    EXPECT_EQ(command[1].value, "--fast");
    EXPECT_EQ(command[0].origin, "/cfg/config.yaml:12");
    EXPECT_EQ(script.find("command"), nullptr);
    EXPECT_EQ(script.find("timeout")->value, "10s");

    // Built-ins stay next to the file's providers.
    EXPECT_EQ(config.providers.count("file"), 1u);
    EXPECT_EQ(config.providers.count("log"), 1u);
}

TEST(ConfigProviders, BlockListItemsKeepTheirLines) {
    const Config config = parse("providers:\n  s:\n    type: exec\n    command:\n      - a\n"
                                "      - b\n");
    const auto& command = config.providers.at("s").lists.at("command");
    EXPECT_EQ(command[0].origin, "/cfg/config.yaml:5");
    EXPECT_EQ(command[1].origin, "/cfg/config.yaml:6");
}

TEST(ConfigProviders, TypeIsRequired) {
    EXPECT_EQ(error_of("providers:\n  mail:\n    url: smtp://h\n"),
              "/cfg/config.yaml:2: providers.mail: missing key \"type\"");
    EXPECT_EQ(error_of("providers:\n  mail:\n    type: ''\n"),
              "/cfg/config.yaml:3: providers.mail.type: must not be empty");
    EXPECT_EQ(error_of("providers:\n  mail:\n    type: [smtp]\n"),
              "/cfg/config.yaml:3: providers.mail.type: expected a scalar, found a list");
}

TEST(ConfigProviders, ProviderMustBeAMap) {
    EXPECT_EQ(error_of("providers:\n  mail: smtp\n"),
              "/cfg/config.yaml:2: providers.mail: expected a map, found a scalar");
    EXPECT_EQ(error_of("providers:\n  mail:\n"),
              "/cfg/config.yaml:2: providers.mail: expected a map, found nothing");
}

TEST(ConfigProviders, NamesAreLowercaseWordCharacters) {
    EXPECT_NO_THROW(parse("providers:\n  mail-2_b:\n    type: smtp\n"));
    EXPECT_EQ(error_of("providers:\n  Mail:\n    type: smtp\n"),
              "/cfg/config.yaml:2: providers: invalid provider name \"Mail\" (use a-z, 0-9, _ "
              "and -)");
    EXPECT_EQ(error_of("providers:\n  \"my mail\":\n    type: smtp\n"),
              "/cfg/config.yaml:2: providers: invalid provider name \"my mail\" (use a-z, 0-9, "
              "_ and -)");
}

TEST(ConfigProviders, ListItemsMustBeScalars) {
    EXPECT_EQ(
        error_of("providers:\n  s:\n    type: exec\n    command:\n      - a\n      - {b: c}\n"),
        "/cfg/config.yaml:6: providers.s.command[1]: expected a scalar, found a map");
}

TEST(ConfigProviders, FlattenedKeyCollisionIsADuplicate) {
    EXPECT_EQ(error_of("providers:\n  h:\n    type: webhook\n    headers.a: x\n    headers:\n"
                       "      a: y\n"),
              "/cfg/config.yaml:6: duplicate key \"headers.a\" in providers.h");
}

TEST(ConfigProviders, FileOverridesABuiltIn) {
    const Config config = parse("providers:\n  file:\n    type: file\n    path: out.jsonl\n");
    const auto& file = config.providers.at("file");
    EXPECT_EQ(file.origin, "/cfg/config.yaml:2");
    // Type-specific keys are not resolved here: the path stays as written.
    EXPECT_EQ(file.find("path")->value, "out.jsonl");
}

// ---- channels ---------------------------------------------------------------------------

TEST(ConfigChannels, FileRoutesReplaceTheDefaultsInFileOrder) {
    const Config config = parse(R"(channels:
  pager: [script, log]
  email: mail
providers:
  mail: {type: smtp}
  script: {type: exec}
)");
    ASSERT_EQ(config.channel_names(), (std::vector<std::string>{"pager", "email"}));
    ASSERT_NE(config.route("pager"), nullptr);
    EXPECT_EQ(config.route("pager")->providers, (std::vector<std::string>{"script", "log"}));
    EXPECT_EQ(config.route("pager")->origin, "/cfg/config.yaml:2");
    EXPECT_EQ(config.route("email")->providers, std::vector<std::string>{"mail"});
    EXPECT_EQ(config.route("sms"), nullptr);
}

TEST(ConfigChannels, EmptyMapMeansNoRoutes) {
    EXPECT_TRUE(parse("channels: {}\n").channels.empty());
}

TEST(ConfigChannels, UnknownProviderSuggestsTheClosest) {
    const Error e =
        error_from("providers:\n  mail: {type: smtp}\nchannels:\n  email: [file, mial]\n");
    EXPECT_STREQ(e.what(),
                 "/cfg/config.yaml:4: channels.email: unknown provider \"mial\" (did you mean "
                 "\"mail\"?)");
    EXPECT_EQ(e.hint(), "defined providers: file, log, mail");
    EXPECT_EQ(error_of("channels:\n  sms:\n    - twilio\n"),
              "/cfg/config.yaml:3: channels.sms: unknown provider \"twilio\"");
}

TEST(ConfigChannels, BadShapes) {
    EXPECT_EQ(error_of("channels:\n  email: []\n"),
              "/cfg/config.yaml:2: channels.email: needs at least one provider");
    EXPECT_EQ(error_of("channels:\n  email:\n"),
              "/cfg/config.yaml:2: channels.email: expected a provider name or a list of them, "
              "found nothing");
    EXPECT_EQ(error_of("channels:\n  email: {a: b}\n"),
              "/cfg/config.yaml:2: channels.email: expected a provider name or a list of them, "
              "found a map");
    EXPECT_EQ(error_of("channels:\n  email: [[file]]\n"),
              "/cfg/config.yaml:2: channels.email[0]: expected a provider name, found a list");
    EXPECT_EQ(error_of("channels:\n  email: [file, file]\n"),
              "/cfg/config.yaml:2: channels.email: provider \"file\" is listed twice");
    EXPECT_EQ(error_of("channels:\n  E-mail: [file]\n"),
              "/cfg/config.yaml:2: channels: invalid channel name \"E-mail\" (use a-z, 0-9, _ "
              "and -)");
}

// ---- secrets ----------------------------------------------------------------------------

const std::string k_mail = R"(providers:
  mail:
    type: smtp
    username: ops
    password: ${env:SMTP_PASSWORD}
)";

TEST(ConfigSecrets, EnvReferenceIsResolvedAndSecret) {
    const Config config = parse(k_mail, {{"HOME", "/h"}, {"SMTP_PASSWORD", "hunter2"}});
    const Setting* password = config.providers.at("mail").find("password");
    ASSERT_NE(password, nullptr);
    EXPECT_EQ(password->value, "hunter2");
    EXPECT_TRUE(password->secret);
    EXPECT_EQ(password->origin, "/cfg/config.yaml:5");
    EXPECT_FALSE(config.providers.at("mail").find("username")->secret);
}

TEST(ConfigSecrets, UnsetVariableIsAnError) {
    EXPECT_EQ(error_of(k_mail),
              "/cfg/config.yaml:5: providers.mail.password: environment variable SMTP_PASSWORD "
              "is not set");
}

TEST(ConfigSecrets, SetButEmptyVariableIsAnEmptySecret) {
    const Config config = parse(k_mail, {{"HOME", "/h"}, {"SMTP_PASSWORD", ""}});
    EXPECT_EQ(config.providers.at("mail").find("password")->value, "");
}

TEST(ConfigSecrets, FileReferenceStripsOneTrailingNewline) {
    TempDir dir;
    dir.write("secret", "s3cret\n\n");
    dir.write("crlf", "abc\r\n");
    dir.write("plain", "xyz");
    const std::string yaml =
        "providers:\n  p:\n    type: webhook\n    a: ${file:" + (dir.path() / "secret").string() +
        "}\n    b: ${file:crlf}\n" + "    c: ${file:./plain}\n";
    const Config config = load_text(yaml, (dir.path() / "config.yaml").string(), options_with());
    const auto& p = config.providers.at("p");
    EXPECT_EQ(p.find("a")->value, "s3cret\n");
    EXPECT_TRUE(p.find("a")->secret);
    EXPECT_EQ(p.find("b")->value, "abc");
    EXPECT_EQ(p.find("c")->value, "xyz");
}

TEST(ConfigSecrets, FileReferenceExpandsHome) {
    TempDir home;
    home.write("token.txt", "tok\n");
    const Config config = parse("providers:\n  p:\n    type: slack\n    x: ${file:~/token.txt}\n",
                                {{"HOME", home.path().string()}});
    EXPECT_EQ(config.providers.at("p").find("x")->value, "tok");
}

TEST(ConfigSecrets, UnreadableFileIsAnError) {
    EXPECT_EQ(error_of("providers:\n  p:\n    type: slack\n    token: ${file:/x}\n"),
              "/cfg/config.yaml:4: providers.p.token: cannot read secret file /x: No such file or "
              "directory");
    TempDir dir;
    EXPECT_EQ(error_of("providers:\n  p:\n    type: slack\n    token: ${file:" +
                       dir.path().string() + "}\n"),
              "/cfg/config.yaml:4: providers.p.token: cannot read secret file " +
                  dir.path().string() + ": Is a directory");
}

TEST(ConfigSecrets, ReferenceMustBeTheWholeValue) {
    EXPECT_EQ(error_of("providers:\n  h:\n    type: webhook\n    headers:\n      Authorization: "
                       "Bearer ${env:TOKEN}\n"),
              "/cfg/config.yaml:5: providers.h.headers.Authorization: a ${env:...} or "
              "${file:...} reference must be the whole value");
    EXPECT_EQ(error_of("providers:\n  h:\n    type: webhook\n    url: ${env:A}x\n"),
              "/cfg/config.yaml:4: providers.h.url: a ${env:...} or ${file:...} reference must "
              "be the whole value");
}

TEST(ConfigSecrets, MalformedVariableName) {
    EXPECT_EQ(error_of("providers:\n  h:\n    type: webhook\n    url: ${env:A B}\n"),
              "/cfg/config.yaml:4: providers.h.url: invalid environment variable name \"A B\" in "
              "reference");
    EXPECT_EQ(error_of("providers:\n  h:\n    type: webhook\n    url: ${env:}\n"),
              "/cfg/config.yaml:4: providers.h.url: invalid environment variable name \"\" in "
              "reference");
}

TEST(ConfigSecrets, OtherDollarTextIsLiteral) {
    const Config config =
        parse("providers:\n  h:\n    type: exec\n    command: [sh, -c, 'echo ${HOME} $x']\n");
    EXPECT_EQ(config.providers.at("h").lists.at("command")[2].value, "echo ${HOME} $x");
    EXPECT_FALSE(config.providers.at("h").lists.at("command")[2].secret);
}

TEST(ConfigSecrets, ReferencesWorkInListsAndFixedSections) {
    const Config config =
        parse("store:\n  busy_timeout: ${env:BT}\nproviders:\n  s:\n    type: exec\n"
              "    command: [run, '${env:ARG}']\n",
              {{"HOME", "/h"}, {"BT", "7s"}, {"ARG", "a1"}});
    EXPECT_EQ(config.busy_timeout, Millis{7000});
    EXPECT_TRUE(config.store_busy_timeout.secret);
    const auto& command = config.providers.at("s").lists.at("command");
    EXPECT_FALSE(command[0].secret);
    EXPECT_EQ(command[1].value, "a1");
    EXPECT_TRUE(command[1].secret);
}

TEST(ConfigSecrets, CredentialKeyNamesAreSecretEvenWhenLiteral) {
    const Config config = parse(R"(providers:
  p:
    type: webhook
    password: literal1
    key_id: ABC
    api_key: literal2
    headers:
      Authorization: Bearer literal3
      X-Api-Token: literal4
)");
    const auto& p = config.providers.at("p");
    EXPECT_TRUE(p.find("password")->secret);
    EXPECT_EQ(p.find("password")->value, "literal1");
    EXPECT_FALSE(p.find("key_id")->secret);
    EXPECT_TRUE(p.find("api_key")->secret);
    EXPECT_TRUE(p.find("headers.Authorization")->secret);
    EXPECT_TRUE(p.find("headers.X-Api-Token")->secret);
}

TEST(ConfigSecrets, SecretKeyNames) {
    for (const char* key : {"password", "token", "secret", "api_key", "auth_token", "private_key",
                            "access_token", "signing_secret", "client_secret", "bot_token",
                            "smtp_password", "PASSWORD", "headers.Authorization", "X-Auth-Token"}) {
        EXPECT_TRUE(is_secret_key(key)) << key;
    }
    for (const char* key : {"key_id", "username", "url", "from", "tokens", "password_file",
                            "team_id", "secretary", "path"}) {
        EXPECT_FALSE(is_secret_key(key)) << key;
    }
}

TEST(ConfigSecrets, ValuesNeverAppearInErrorMessages) {
    const Vars vars{{"HOME", "/h"}, {"S", "hunter2"}};
    const std::vector<std::string> documents{
        "store:\n  durability: ${env:S}\n",
        "store:\n  busy_timeout: ${env:S}\n",
        "daemon:\n  poll_interval: ${env:S}\n",
        "daemon:\n  batch: ${env:S}\n",
        "daemon:\n  listen: ${env:S}\n",
        "channels:\n  email: ${env:S}\n",
        "channels:\n  email: [file, '${env:S}']\n",
    };
    for (const auto& yaml : documents) {
        const Error e = error_from(yaml, vars);
        const std::string text = std::string(e.what()) + "\n" + e.hint();
        EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
        EXPECT_NE(text.find("********"), std::string::npos) << text;
    }
    EXPECT_EQ(error_of("store:\n  durability: ${env:S}\n", vars),
              "/cfg/config.yaml:2: store.durability: ******** is not one of full, normal");
    EXPECT_EQ(error_of("daemon:\n  batch: ${env:S}\n", vars),
              "/cfg/config.yaml:2: daemon.batch: ******** is not an integer");
}

TEST(ConfigSecrets, SecretFileContentsNeverAppearInErrors) {
    TempDir dir;
    const auto file = dir.write("s", "hunter2\n");
    const Error e = error_from("daemon:\n  batch: ${file:" + file.string() + "}\n");
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
}

// ---- describe ---------------------------------------------------------------------------

TEST(ConfigDescribe, DefaultsInStableOrder) {
    const auto lines = describe(parse(""));
    std::vector<std::string> keys;
    for (const auto& line : lines) {
        keys.push_back(line.key);
        EXPECT_EQ(line.origin, "default") << line.key;
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"store.path",
                                              "store.durability",
                                              "store.busy_timeout",
                                              "templates.dir",
                                              "daemon.listen",
                                              "daemon.token",
                                              "daemon.poll_interval",
                                              "daemon.batch",
                                              "daemon.lease",
                                              "daemon.shutdown_grace",
                                              "providers.file.type",
                                              "providers.file.path",
                                              "providers.log.type",
                                              "channels.email",
                                              "channels.sms",
                                              "channels.push",
                                              "channels.webhook",
                                              "channels.slack",
                                              "delivery.retry_base",
                                              "delivery.retry_cap",
                                              "delivery.jitter_percent",
                                              "delivery.max_attempts",
                                              "delivery.max_age",
                                              "delivery.concurrency",
                                              "delivery.breaker_failures",
                                              "delivery.breaker_base",
                                              "delivery.breaker_cap",
                                              "delivery.user_limit",
                                              "delivery.user_limit_action",
                                              "delivery.attachment_max_bytes",
                                              "alerts.min_interval",
                                              "alerts.backlog",
                                              "alerts.oldest_due",
                                              "categories.marketing.critical",
                                              "categories.marketing.quiet_hours",
                                              "categories.security.critical",
                                              "categories.security.quiet_hours",
                                              "categories.transactional.critical",
                                              "categories.transactional.quiet_hours",
                                              "audience.default_region",
                                              "tracking.base_url",
                                              "tracking.secret",
                                              "tracking.allowed_hosts",
                                              "tracking.opens"}));
    EXPECT_EQ(shown(lines, "channels.email")->value, "[file]");
    EXPECT_EQ(shown(lines, "daemon.batch")->value, "64");
}

TEST(ConfigTracking, ParsedAndShownWithTheSecretMasked) {
    const Config config = parse("tracking:\n  base_url: https://n.example.com/\n"
                                "  secret: 0123456789abcdef0123\n"
                                "  allowed_hosts: [example.com, \"*.example.org\"]\n"
                                "  opens: false\ndaemon:\n  token: tok-123\n");
    EXPECT_TRUE(config.tracking.enabled());
    EXPECT_EQ(config.tracking.base_url, "https://n.example.com");
    EXPECT_EQ(config.tracking.allowed_hosts,
              (std::vector<std::string>{"example.com", "*.example.org"}));
    EXPECT_FALSE(config.tracking.opens);
    const auto lines = describe(config);
    EXPECT_EQ(shown(lines, "tracking.secret")->value, "********");
    EXPECT_EQ(shown(lines, "daemon.token")->value, "********");
    EXPECT_EQ(shown(lines, "tracking.allowed_hosts")->value, "[example.com, *.example.org]");
}

TEST(ConfigTracking, IncompleteOrWeakSettingsAreRefused) {
    EXPECT_EQ(error_of("tracking:\n  base_url: https://n.example.com\n"),
              "/cfg/config.yaml:1: tracking: give both base_url and secret, or neither");
    EXPECT_EQ(error_of("tracking:\n  base_url: ftp://n.example.com\n  secret: "
                       "0123456789abcdef\n  allowed_hosts: [a.example]\n"),
              "/cfg/config.yaml:2: tracking.base_url: \"ftp://n.example.com\" is not an http:// "
              "or https:// URL");
    EXPECT_EQ(error_of("tracking:\n  base_url: https://n.example.com\n  secret: short\n"
                       "  allowed_hosts: [a.example]\n"),
              "/cfg/config.yaml:3: tracking.secret: too short; use at least 16 random bytes");
    EXPECT_EQ(error_of("tracking:\n  base_url: https://n.example.com\n  secret: "
                       "0123456789abcdef\n"),
              "/cfg/config.yaml:1: tracking: allowed_hosts is empty, so no link could be tracked");
}

TEST(ConfigDelivery, AttachmentMaxBytesIsBytesPerChannel) {
    const Config config = parse(R"(delivery:
  attachment_max_bytes: 1000
  channels:
    email:
      attachment_max_bytes: 0
)");
    EXPECT_EQ(config.delivery.attachment_max_bytes, 1000);
    EXPECT_EQ(config.delivery_for("email").attachment_max_bytes, 0);
    EXPECT_EQ(config.delivery_for("sms").attachment_max_bytes, 1000);
    EXPECT_EQ(Config{}.delivery.attachment_max_bytes, 10 * 1024 * 1024);
}

TEST(ConfigDescribe, ProvidersSortedWithOptionsAndListsInterleaved) {
    const Config config = parse(R"(daemon:
  listen: 127.0.0.1:9464
providers:
  script:
    type: exec
    timeout: 10s
    command: [/bin/pager, --fast]
    args: [x]
  mail:
    type: smtp
    url: smtp://127.0.0.1:2525
    password: ${env:SMTP_PASSWORD}
    from: "Ops <ops@example.com>"
channels:
  pager: [script, mail]
  email: [mail]
)",
                                {{"HOME", "/h"}, {"SMTP_PASSWORD", "hunter2"}});
    std::vector<std::string> rows;
    for (const auto& line : describe(config)) {
        rows.push_back(line.key + "=" + line.value + " @" + line.origin);
    }
    const std::vector<std::string> expected{
        "store.path=/h/.local/share/notify/notify.db @default",
        "store.durability=full @default",
        "store.busy_timeout=5s @default",
        "templates.dir=/h/.config/notify/templates @default",
        "daemon.listen=127.0.0.1:9464 @/cfg/config.yaml:2",
        "daemon.token= @default",
        "daemon.poll_interval=5s @default",
        "daemon.batch=64 @default",
        "daemon.lease=5m @default",
        "daemon.shutdown_grace=10s @default",
        "providers.file.type=file @default",
        "providers.file.path=/h/.local/share/notify/delivered.jsonl @default",
        "providers.log.type=log @default",
        "providers.mail.type=smtp @/cfg/config.yaml:9",
        "providers.mail.from=Ops <ops@example.com> @/cfg/config.yaml:13",
        "providers.mail.password=******** @/cfg/config.yaml:12",
        "providers.mail.url=smtp://127.0.0.1:2525 @/cfg/config.yaml:11",
        "providers.script.type=exec @/cfg/config.yaml:4",
        "providers.script.args=[x] @/cfg/config.yaml:8",
        "providers.script.command=[/bin/pager, --fast] @/cfg/config.yaml:7",
        "providers.script.timeout=10s @/cfg/config.yaml:6",
        "channels.pager=[script, mail] @/cfg/config.yaml:15",
        "channels.email=[mail] @/cfg/config.yaml:16",
        "delivery.retry_base=30s @default",
        "delivery.retry_cap=1h @default",
        "delivery.jitter_percent=20 @default",
        "delivery.max_attempts=12 @default",
        "delivery.max_age=24h @default",
        "delivery.concurrency=4 @default",
        "delivery.breaker_failures=5 @default",
        "delivery.breaker_base=30s @default",
        "delivery.breaker_cap=1h @default",
        "delivery.user_limit= @default",
        "delivery.user_limit_action=delay @default",
        "delivery.attachment_max_bytes=10485760 @default",
        "alerts.min_interval=5m @default",
        "alerts.backlog= @default",
        "alerts.oldest_due= @default",
        "categories.marketing.critical=false @default",
        "categories.marketing.quiet_hours=delay @default",
        "categories.security.critical=true @default",
        "categories.security.quiet_hours=ignore @default",
        "categories.transactional.critical=false @default",
        "categories.transactional.quiet_hours=ignore @default",
        "audience.default_region= @default",
        "tracking.base_url= @default",
        "tracking.secret= @default",
        "tracking.allowed_hosts=[] @default",
        "tracking.opens=true @default",
    };
    EXPECT_EQ(rows, expected);
}

TEST(ConfigDescribe, SecretsNeverAppear) {
    TempDir dir;
    const auto file = dir.write("key", "file-secret-value\n");
    const Config config = parse("providers:\n  p:\n    type: webhook\n    token: literal-token\n"
                                "    a: ${env:S}\n    b: ${file:" +
                                    file.string() + "}\n    list: [ok, '${env:S}']\n",
                                {{"HOME", "/h"}, {"S", "env-secret-value"}});
    for (const auto& line : describe(config)) {
        for (const char* secret : {"literal-token", "env-secret-value", "file-secret-value"}) {
            EXPECT_EQ(line.value.find(secret), std::string::npos) << line.key;
        }
    }
    const auto lines = describe(config);
    EXPECT_EQ(shown(lines, "providers.p.token")->value, "********");
    EXPECT_EQ(shown(lines, "providers.p.a")->value, "********");
    EXPECT_EQ(shown(lines, "providers.p.b")->value, "********");
    EXPECT_EQ(shown(lines, "providers.p.list")->value, "[ok, ********]");
}

// ---- the search for the config file -----------------------------------------------------

class ConfigSearch : public ::testing::Test {
  protected:
    // HOME, XDG_CONFIG_HOME and an "/etc" stand-in, each with its own config file.
    void SetUp() override {
        m_home_file = m_home.write(".config/notify/config.yaml", "daemon:\n  batch: 2\n");
        m_xdg_file = m_xdg.write("notify/config.yaml", "daemon:\n  batch: 3\n");
        m_env_file = m_other.write("env.yaml", "daemon:\n  batch: 4\n");
        m_flag_file = m_other.write("flag.yaml", "daemon:\n  batch: 5\n");
        m_etc_file = m_etc.write("config.yaml", "daemon:\n  batch: 6\n");
    }

    LoadOptions options(Vars vars) const {
        LoadOptions options;
        options.env = fake_env(std::move(vars));
        options.system_config_path = m_etc_file.string();
        return options;
    }

    Vars all() const {
        return {{"HOME", m_home.path().string()},
                {"XDG_CONFIG_HOME", m_xdg.path().string()},
                {"NOTIFY_CONFIG", m_env_file.string()}};
    }

    TempDir m_home, m_xdg, m_other, m_etc;
    fs::path m_home_file, m_xdg_file, m_env_file, m_flag_file, m_etc_file;
};

TEST_F(ConfigSearch, FlagComesFirst) {
    auto opts = options(all());
    opts.config_flag = m_flag_file.string();
    const Config config = load(opts);
    EXPECT_EQ(config.batch, 5);
    EXPECT_EQ(config.source_file, m_flag_file.string());
    EXPECT_EQ(config.daemon_batch.origin, m_flag_file.string() + ":2");
}

TEST_F(ConfigSearch, ThenNotifyConfig) {
    const Config config = load(options(all()));
    EXPECT_EQ(config.batch, 4);
    EXPECT_EQ(config.source_file, m_env_file.string());
}

TEST_F(ConfigSearch, ThenXdgConfigHome) {
    Vars vars = all();
    vars.erase("NOTIFY_CONFIG");
    EXPECT_EQ(load(options(vars)).batch, 3);
    vars["NOTIFY_CONFIG"] = ""; // empty counts as unset
    EXPECT_EQ(load(options(vars)).batch, 3);
}

TEST_F(ConfigSearch, ThenHomeDotConfig) {
    EXPECT_EQ(load(options({{"HOME", m_home.path().string()}})).batch, 2);
    EXPECT_EQ(load(options({{"HOME", m_home.path().string()}, {"XDG_CONFIG_HOME", ""}})).batch, 2);
}

TEST_F(ConfigSearch, XdgConfigHomeReplacesHomeDotConfig) {
    TempDir empty_xdg;
    const Config config = load(options(
        {{"HOME", m_home.path().string()}, {"XDG_CONFIG_HOME", empty_xdg.path().string()}}));
    EXPECT_EQ(config.batch, 6);
    EXPECT_EQ(config.source_file, m_etc_file.string());
}

TEST_F(ConfigSearch, ThenTheSystemFile) {
    TempDir empty_home;
    EXPECT_EQ(load(options({{"HOME", empty_home.path().string()}})).batch, 6);
}

TEST_F(ConfigSearch, NoFileAnywhereIsValid) {
    TempDir empty_home;
    auto opts = options({{"HOME", empty_home.path().string()}});
    opts.system_config_path = (empty_home.path() / "none.yaml").string();
    const Config config = load(opts);
    EXPECT_EQ(config.source_file, "");
    EXPECT_EQ(config.batch, 64);
    EXPECT_TRUE(fs::is_empty(empty_home.path()));
}

TEST_F(ConfigSearch, MissingFlagFileIsAnError) {
    auto opts = options(all());
    const std::string missing = (m_other.path() / "none.yaml").string();
    opts.config_flag = missing;
    try {
        load(opts);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::config);
        EXPECT_EQ(std::string(e.what()), "config file " + missing + ": No such file or directory");
    }
}

TEST_F(ConfigSearch, MissingNotifyConfigFileIsAnError) {
    Vars vars = all();
    const std::string missing = (m_other.path() / "none.yaml").string();
    vars["NOTIFY_CONFIG"] = missing;
    try {
        load(options(vars));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::config);
        EXPECT_EQ(std::string(e.what()), "config file " + missing + ": No such file or directory");
        EXPECT_EQ(e.hint(), "the path comes from $NOTIFY_CONFIG");
    }
}

TEST_F(ConfigSearch, ErrorsNameTheFileFound) {
    m_other.write("bad.yaml", "daemon:\n  batch: 0\n");
    auto opts = options(all());
    opts.config_flag = (m_other.path() / "bad.yaml").string();
    try {
        load(opts);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), (m_other.path() / "bad.yaml").string() +
                                             ":2: daemon.batch: 0 is not between 1 and 10000");
    }
}

TEST_F(ConfigSearch, PathsInTheFileAreRelativeToItsDirectory) {
    m_other.write("rel.yaml", "store:\n  path: db/n.db\ntemplates:\n  dir: tpl\n");
    auto opts = options(all());
    opts.config_flag = (m_other.path() / "rel.yaml").string();
    const Config config = load(opts);
    EXPECT_EQ(config.store_path.value, (m_other.path() / "db/n.db").string());
    EXPECT_EQ(config.templates_dir.value, (m_other.path() / "tpl").string());
    EXPECT_FALSE(fs::exists(m_other.path() / "db"));
}

// ---- secrets written in a file others can read (refused like ssh refuses such keys) ------

TEST_F(ConfigSearch, LiteralSecretInAFileOthersCanReadIsRefused) {
    const auto file = m_other.write("loose.yaml", "providers:\n  mail:\n    type: smtp\n"
                                                  "    url: smtp://127.0.0.1:2525\n"
                                                  "    password: hunter2-literal\n");
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    auto opts = options(all());
    opts.config_flag = file.string();
    try {
        load(opts);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Exit::config);
        EXPECT_EQ(std::string(e.what()),
                  "config file " + file.string() +
                      " holds secrets (providers.mail.password) and is readable by group or "
                      "others (mode 0644): chmod 600 it, or use ${env:NAME} / ${file:PATH} "
                      "references");
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
    }
    fs::permissions(file, fs::perms::group_read, fs::perm_options::remove);
    EXPECT_THROW(load(opts), Error) << "others can still read it";
    fs::permissions(file, fs::perms::others_read, fs::perm_options::remove);
    EXPECT_EQ(load(opts).providers.at("mail").type, "smtp");
}

TEST_F(ConfigSearch, ReferencesOnlyInAFileOthersCanReadAreAccepted) {
    const auto file = m_other.write("refs.yaml", "providers:\n  mail:\n    type: smtp\n"
                                                 "    url: smtp://127.0.0.1:2525\n"
                                                 "    password: ${env:SMTP_PASSWORD}\n");
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    Vars vars = all();
    vars["SMTP_PASSWORD"] = "from-env";
    auto opts = options(vars);
    opts.config_flag = file.string();
    EXPECT_EQ(load(opts).providers.at("mail").find("password")->value, "from-env");
}

// ---- audience ---------------------------------------------------------------------------

TEST(ConfigAudience, DefaultRegionIsAKnownRegion) {
    const Config de = parse("audience:\n  default_region: DE\n");
    EXPECT_EQ(de.audience_default_region.value, "DE");
    EXPECT_EQ(de.audience_default_region.origin, "/cfg/config.yaml:2");
    EXPECT_EQ(parse("audience:\n  default_region: ''\n").audience_default_region.value, "");
    EXPECT_EQ(parse("audience:\n").audience_default_region.value, "");
    const Config from_env =
        parse("audience:\n  default_region: ${env:REGION}\n", {{"HOME", "/h"}, {"REGION", "JP"}});
    EXPECT_EQ(from_env.audience_default_region.value, "JP");
}

TEST(ConfigAudience, UnknownRegionIsAConfigError) {
    const Error lower = error_from("audience:\n  default_region: us\n");
    EXPECT_EQ(lower.code(), Exit::config);
    EXPECT_STREQ(lower.what(), "/cfg/config.yaml:2: audience.default_region: \"us\" is not a "
                               "known region (did you mean \"US\"?)");
    EXPECT_EQ(lower.hint(), "use an upper-case ISO 3166 alpha-2 code such as US, DE or GB, or "
                            "leave it empty");
    EXPECT_EQ(error_of("audience:\n  default_region: XX\n"),
              "/cfg/config.yaml:2: audience.default_region: \"XX\" is not a known region");
    EXPECT_EQ(error_of("audience:\n  default_region: UK\n"),
              "/cfg/config.yaml:2: audience.default_region: \"UK\" is not a known region");
    EXPECT_EQ(error_of("audience:\n  default_region: [US]\n"),
              "/cfg/config.yaml:2: audience.default_region: expected a scalar, found a list");
    // A secret value is not repeated, and gets no suggestion.
    EXPECT_EQ(error_of("audience:\n  default_region: ${env:R}\n", {{"HOME", "/h"}, {"R", "us"}}),
              "/cfg/config.yaml:2: audience.default_region: ******** is not a known region");
}

TEST(ConfigAudience, UnknownKeySuggestsDefaultRegion) {
    const Error e = error_from("audience:\n  default_regoin: US\n");
    EXPECT_STREQ(e.what(), "/cfg/config.yaml:2: unknown key \"default_regoin\" in audience (did "
                           "you mean \"default_region\"?)");
    EXPECT_EQ(e.hint(), "known keys in audience: default_region");
}

TEST(ConfigCategories, DigestWindowWithChannels) {
    const Config config = parse("categories:\n  orders:\n    digest: {window: 1h, channels: "
                                "[email]}\n");
    const auto& digest = config.categories.at("orders").digest;
    ASSERT_TRUE(digest.has_value());
    EXPECT_EQ(digest->window, Millis{3'600'000});
    EXPECT_EQ(digest->template_name, "digest");
    EXPECT_EQ(digest->origin, "/cfg/config.yaml:3");
    EXPECT_NE(config.digest_for(std::string("orders"), "email"), nullptr);
    EXPECT_EQ(config.digest_for(std::string("orders"), "sms"), nullptr);
    EXPECT_EQ(config.digest_for(std::nullopt, "email"), nullptr);
    EXPECT_EQ(config.digest_for(std::string("marketing"), "email"), nullptr);
    const auto lines = describe(config);
    EXPECT_EQ(shown(lines, "categories.orders.digest.window")->value, "1h");
    EXPECT_EQ(shown(lines, "categories.orders.digest.channels")->value, "[email]");
    EXPECT_EQ(shown(lines, "categories.orders.digest.template")->value, "digest");
}

TEST(ConfigCategories, DigestCronWithZoneCoversEveryChannelByDefault) {
    const Config config = parse("categories:\n  news:\n    digest:\n      cron: \"0 8 * * *\"\n"
                                "      tz: Europe/Berlin\n      template: weekly\n");
    const auto& digest = *config.categories.at("news").digest;
    EXPECT_EQ(digest.cron, "0 8 * * *");
    EXPECT_EQ(digest.tz, "Europe/Berlin");
    EXPECT_EQ(digest.template_name, "weekly");
    EXPECT_NE(config.digest_for(std::string("news"), "push"), nullptr);
    EXPECT_EQ(shown(describe(config), "categories.news.digest.channels")->value, "[all]");
}

TEST(ConfigCategories, DigestErrorsNameTheLine) {
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest: {channels: [email]}\n"),
              "/cfg/config.yaml:3: categories.orders.digest: give exactly one of window and cron");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest: {window: 1h, cron: '@daily'}\n"),
              "/cfg/config.yaml:3: categories.orders.digest: give exactly one of window and cron");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest: 1h\n"),
              "/cfg/config.yaml:3: categories.orders.digest: expected a map such as {window: 1h}, "
              "found a scalar");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest:\n      window: 0s\n"),
              "/cfg/config.yaml:4: categories.orders.digest.window: must be greater than 0s");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest:\n      cron: '61 * * * *'\n"),
              "/cfg/config.yaml:4: categories.orders.digest.cron: invalid cron expression \"61 * * "
              "* *\": minute 61 out of range 0-59");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest:\n      window: 1h\n      "
                       "channels: [emial]\n"),
              "/cfg/config.yaml:5: categories.orders.digest.channels[0]: unknown channel "
              "\"emial\" (did you mean \"email\"?)");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest:\n      windw: 1h\n"),
              "/cfg/config.yaml:4: unknown key \"windw\" in categories.digest (did you mean "
              "\"window\"?)");
    EXPECT_EQ(error_of("categories:\n  orders:\n    digest:\n      window: 1h\n      tz: UTC\n"),
              "/cfg/config.yaml:5: categories.orders.digest.tz: applies to cron only");
}

} // namespace
} // namespace notify::config

namespace {

notify::config::Config load_policy_yaml(const std::string& yaml) {
    notify::config::LoadOptions options;
    options.env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return std::string("/h");
        }
        return std::nullopt;
    };
    return notify::config::load_text(yaml, "/cfg/config.yaml", options);
}

} // namespace

TEST(ConfigDelivery, DefaultsMatchTheQueueAnchors) {
    auto c = load_policy_yaml("");
    EXPECT_EQ(c.delivery.retry_base, notify::Millis{30'000});
    EXPECT_EQ(c.delivery.retry_cap, notify::Millis{3'600'000});
    EXPECT_EQ(c.delivery.jitter_percent, 20);
    EXPECT_EQ(c.delivery.max_attempts, 12);
    EXPECT_EQ(c.delivery.max_age, notify::Millis{24LL * 3'600'000});
    EXPECT_EQ(c.delivery.concurrency, 4);
    EXPECT_EQ(c.lease, notify::Millis{300'000});
    EXPECT_TRUE(c.alerts.command.empty());
}

TEST(ConfigDelivery, ChannelOverridesInheritTheRest) {
    auto c = load_policy_yaml("delivery:\n  max_attempts: 5\n  channels:\n    sms:\n"
                              "      concurrency: 2\n");
    EXPECT_EQ(c.delivery_for("email").max_attempts, 5);
    EXPECT_EQ(c.delivery_for("email").concurrency, 4);
    EXPECT_EQ(c.delivery_for("sms").max_attempts, 5);
    EXPECT_EQ(c.delivery_for("sms").concurrency, 2);
}

TEST(ConfigDelivery, BadValuesSayWhere) {
    try {
        load_policy_yaml("delivery:\n  jitter_percent: 150\n");
        FAIL() << "no error";
    } catch (const notify::Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/cfg/config.yaml:2: delivery.jitter_percent: \"150\" is not an integer "
                  "between 0 and 100");
    }
    try {
        load_policy_yaml("delivery:\n  channels:\n    pager:\n      max_attempts: 2\n");
        FAIL() << "no error";
    } catch (const notify::Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "/cfg/config.yaml:3: delivery.channels: unknown channel \"pager\" (not in "
                  "channels)");
    }
    try {
        load_policy_yaml("delivery:\n  max_atempts: 2\n");
        FAIL() << "no error";
    } catch (const notify::Error& e) {
        EXPECT_EQ(std::string(e.what()), "/cfg/config.yaml:2: unknown key \"max_atempts\" in "
                                         "delivery (did you mean \"max_attempts\"?)");
    }
}

TEST(ConfigAlerts, RouteNeedsBothChannelAndTo) {
    auto c = load_policy_yaml("alerts:\n  command: [/bin/true, x]\n  channel: email\n"
                              "  to: ops@example.com\n  min_interval: 1m\n");
    EXPECT_EQ(c.alerts.command, (std::vector<std::string>{"/bin/true", "x"}));
    EXPECT_EQ(c.alerts.to, "ops@example.com");
    EXPECT_EQ(c.alerts.min_interval, notify::Millis{60'000});
    EXPECT_FALSE(c.alerts.backlog.has_value());
    EXPECT_FALSE(c.alerts.oldest_due.has_value());
    EXPECT_THROW(load_policy_yaml("alerts:\n  channel: email\n"), notify::Error);
    EXPECT_THROW(load_policy_yaml("alerts:\n  command: /bin/true\n"), notify::Error);
}
