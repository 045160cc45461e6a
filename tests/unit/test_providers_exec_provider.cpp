// Unit tests of common/providers/exec_provider.cpp: real /bin/sh plugins in a temp directory.
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config/config.hpp"
#include "common/error.hpp"
#include "common/providers/exec_provider.hpp"
#include "common/providers/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::providers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::HasSubstr;
using testing::StartsWith;

Message message(std::int64_t id = 1, std::string body = "Hello") {
    Message m;
    m.id = id;
    m.channel = "pager";
    m.to = "ann@example.com";
    m.subject = "Hi";
    m.body = std::move(body);
    m.data_json = R"({"k":1})";
    m.attempt = 1;
    return m;
}

// Reads a pid written by a plugin; 0 if the file is missing or empty.
pid_t read_pid(const std::string& path) {
    std::ifstream in(path);
    long pid = 0;
    in >> pid;
    return static_cast<pid_t>(pid);
}

// True once `pid` is gone or a zombie (a reparented grandchild may await its reaper).
bool dead(pid_t pid) {
    for (int i = 0; i < 200; ++i) {
        if (::kill(pid, 0) != 0 && errno == ESRCH) {
            return true;
        }
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        std::getline(stat, line);
        auto close = line.rfind(')');
        if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
            return true;
        }
        std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
}

class ExecProviderTest : public testing::Test {
  protected:
    // Writes an executable /bin/sh script `name` with `body`; returns its path.
    std::string script(const std::string& name, const std::string& body) {
        std::string path = m_dir.write(name, "#!/bin/sh\n" + body);
        ::chmod(path.c_str(), 0755);
        return path;
    }

    config::Config load(const std::string& provider_yaml) {
        config::LoadOptions options;
        const std::string home = m_dir.path().string();
        options.env = [home](std::string_view name) -> std::optional<std::string> {
            if (name == "HOME") {
                return home;
            }
            return std::nullopt;
        };
        options.system_config_path = "/nonexistent/notify-test/config.yaml";
        return config::load_text("providers:\n  run:\n    type: exec\n" + provider_yaml,
                                 home + "/config.yaml", options);
    }

    // An exec provider `run` with `command: [argv...]` and extra YAML lines.
    std::unique_ptr<Provider> provider(const std::vector<std::string>& argv,
                                       const std::string& extra = "") {
        std::string list;
        for (const auto& arg : argv) {
            list += (list.empty() ? "" : ", ") + ("\"" + arg + "\"");
        }
        m_config = load("    command: [" + list + "]\n" + extra);
        validate(m_config);
        return create(m_config, "run");
    }

    test::TempDir m_dir{"exec"};
    config::Config m_config;
};

TEST_F(ExecProviderTest, SentWithJsonReceipt) {
    auto p = provider({script("ok.sh", "cat > /dev/null\necho '{\"id\": \"abc-1\"}'\n")});
    SendResult r = p->send(message());
    EXPECT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "abc-1");
    EXPECT_EQ(p->name(), "run");
}

TEST_F(ExecProviderTest, StdinIsTheRenderedLine) {
    const std::string out = m_dir.file("stdin.txt");
    auto p = provider({script("tee.sh", "cat > \"$1\"\n"), out});
    Message m = message(7, "line one\nline \"two\" é");
    SendResult r = p->send(m);
    ASSERT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.detail, "exit 0");
    EXPECT_EQ(test::TempDir::read_file(out), p->render(m) + "\n");
    EXPECT_EQ(p->render(m).find('\n'), std::string::npos);
}

TEST_F(ExecProviderTest, InvalidJsonOnSuccessIsStillSentWithTextReceipt) {
    auto p = provider({script("text.sh", "cat > /dev/null\nprintf 'queued\\n\\tas 42\\n'\n")});
    SendResult r = p->send(message());
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.detail, "queued as 42");
}

TEST_F(ExecProviderTest, LongTextReceiptKeepsTwoHundredCharacters) {
    auto p = provider({script("long.sh", "head -c 500 /dev/zero | tr '\\0' x\n")});
    SendResult r = p->send(message());
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.detail, std::string(200, 'x'));
}

TEST_F(ExecProviderTest, TempfailIsTransientWithRetryAfter) {
    auto p =
        provider({script("busy.sh", "cat > /dev/null\n"
                                    "echo '{\"detail\": \"queue full\", \"retry_after\": 30}'\n"
                                    "exit 75\n")});
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "exit 75: queue full");
    ASSERT_TRUE(r.retry_after.has_value());
    EXPECT_EQ(*r.retry_after, Millis(30'000));
}

TEST_F(ExecProviderTest, DataErrIsPermanentWithLastStderrLine) {
    auto p = provider({script("bad.sh", "echo first >&2\necho 'bad payload' >&2\necho >&2\n"
                                        "exit 65\n")});
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::permanent);
    EXPECT_EQ(r.detail, "exit 65: bad payload");
    EXPECT_FALSE(r.retry_after.has_value());
}

TEST_F(ExecProviderTest, NoUserIsInvalidRecipient) {
    auto p = provider({script("nouser.sh", "exit 67\n")});
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::invalid_recipient);
    EXPECT_EQ(r.detail, "exit 67");
}

TEST_F(ExecProviderTest, NoPermIsAuth) {
    auto p = provider({script("noperm.sh", "echo 'token revoked' >&2\nexit 77\n")});
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_EQ(r.detail, "exit 77: token revoked");
}

TEST_F(ExecProviderTest, UnavailableAndOtherCodesAreTransient) {
    auto p69 = provider({script("unavail.sh", "exit 69\n")});
    EXPECT_EQ(p69->send(message()).kind, FailureKind::transient);
    auto p3 = provider({script("three.sh", "echo oops >&2\nexit 3\n")});
    SendResult r = p3->send(message());
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "exit 3: oops");
}

TEST_F(ExecProviderTest, DeathBySignalIsTransient) {
    auto p = provider({script("crash.sh", "kill -9 $$\n")});
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "killed by signal 9 (SIGKILL)");
}

TEST_F(ExecProviderTest, MissingProgramIsAuth) {
    auto p = provider({m_dir.file("no-such-plugin")});
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("program not found"));
    EXPECT_THAT(r.detail, HasSubstr("providers.run.command"));
}

TEST_F(ExecProviderTest, MissingProgramInPathIsAuth) {
    auto p = provider({"notify-no-such-plugin-xyz"});
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("program not found"));
}

TEST_F(ExecProviderTest, NotExecutableIsAuth) {
    std::string path = m_dir.write("plain.sh", "#!/bin/sh\nexit 0\n");
    ::chmod(path.c_str(), 0644);
    auto p = provider({path});
    SendResult r = p->send(message());
    EXPECT_EQ(r.kind, FailureKind::auth);
    EXPECT_THAT(r.detail, HasSubstr("permission denied"));
}

TEST_F(ExecProviderTest, TimeoutKillsTheProcessGroupAndReaps) {
    const std::string pidfile = m_dir.file("pid");
    const std::string kidfile = m_dir.file("kid");
    auto p = provider({script("slow.sh", "echo $$ > \"$1\"\nsleep 5 &\necho $! > \"$2\"\nwait\n"),
                       pidfile, kidfile},
                      "    timeout: 200ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message());
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "timed out after 200ms");
    EXPECT_LT(elapsed, seconds(3));
    pid_t pid = read_pid(pidfile);
    ASSERT_GT(pid, 0);
    // Reaped by send(): no zombie is left behind.
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
    pid_t kid = read_pid(kidfile);
    ASSERT_GT(kid, 0);
    EXPECT_TRUE(dead(kid));
}

TEST_F(ExecProviderTest, TimeoutEscalatesToSigkill) {
    const std::string pidfile = m_dir.file("pid");
    auto p = provider({script("stubborn.sh", "trap '' TERM\necho $$ > \"$1\"\n"
                                             "while :; do sleep 0.05; done\n"),
                       pidfile},
                      "    timeout: 200ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message());
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.detail, "timed out after 200ms");
    EXPECT_GE(elapsed, milliseconds(1000));
    EXPECT_LT(elapsed, seconds(4));
    pid_t pid = read_pid(pidfile);
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), -1);
}

TEST_F(ExecProviderTest, ClosedOutputButStillRunningTimesOut) {
    auto p = provider({script("detach.sh", "exec >&- 2>&-\nsleep 5\n")}, "    timeout: 200ms\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message());
    EXPECT_EQ(r.detail, "timed out after 200ms");
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(ExecProviderTest, OutputBeyondMaxOutputIsTransient) {
    auto p = provider({script("chatty.sh", "head -c 100000 /dev/zero | tr '\\0' x\nsleep 5\n")},
                      "    max_output: 100\n");
    auto start = std::chrono::steady_clock::now();
    SendResult r = p->send(message());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.kind, FailureKind::transient);
    EXPECT_EQ(r.detail, "output exceeds 100 bytes");
    EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3));
}

TEST_F(ExecProviderTest, OutputAtMaxOutputIsAccepted) {
    auto p = provider({script("exact.sh", "head -c 100 /dev/zero | tr '\\0' y\n")},
                      "    max_output: 100\n");
    SendResult r = p->send(message());
    EXPECT_TRUE(r.ok) << r.detail;
}

TEST_F(ExecProviderTest, ChildThatIgnoresStdinWithLargeMessageIsSent) {
    // The test process keeps SIGPIPE's default action: a stray SIGPIPE would kill it.
    auto p = provider({script("deaf.sh", "exit 0\n")});
    SendResult r = p->send(message(1, std::string(4 << 20, 'b')));
    EXPECT_TRUE(r.ok) << r.detail;
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST_F(ExecProviderTest, ChildGetsOnlyTheStandardDescriptors) {
    int leaked = ::open("/dev/null", O_RDONLY); // deliberately without O_CLOEXEC
    ASSERT_GE(leaked, 0);
    // Probe with stat only: listing /proc/$$/fd would race with the shell's own pipe and
    // directory descriptors.
    const std::string probe = "cat > /dev/null; for n in 0 1 2 " + std::to_string(leaked) +
                              "; do [ -e /proc/$$/fd/$n ] && printf '%s ' $n; done; echo";
    auto p = provider({"/bin/sh", "-c", probe});
    SendResult r = p->send(message());
    ::close(leaked);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.detail, "0 1 2");
}

TEST_F(ExecProviderTest, ConcurrentSendsEachGetTheirOwnReply) {
    auto p =
        provider({script("echo.sh", "sed -n 's/^{\"id\":\\([0-9]*\\),.*/{\"id\": \"m\\1\"}/p'\n")});
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    std::vector<std::string> receipts(8);
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 5; ++round) {
                SendResult r = p->send(message(100 + i));
                if (r.ok && r.detail == "m" + std::to_string(100 + i)) {
                    ++good;
                } else {
                    receipts[i] = r.detail;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(good.load(), 40);
    for (const auto& receipt : receipts) {
        EXPECT_EQ(receipt, "");
    }
}

class ExecProviderConfigTest : public ExecProviderTest {
  protected:
    // The message of the Error that validate() or create() throws for `yaml`; "" if none.
    std::string error_of(const std::string& yaml) {
        try {
            m_config = load(yaml);
            validate(m_config);
            create(m_config, "run");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Exit::config);
            return std::string(e.what()) + " | " + e.hint();
        }
        return "";
    }
};

TEST_F(ExecProviderConfigTest, ScalarCommandAsksForAList) {
    std::string error = error_of("    command: /usr/bin/pager --fast\n");
    EXPECT_THAT(error, HasSubstr("config.yaml:4: providers.run.command: must be a list"));
    EXPECT_THAT(error, HasSubstr("command: [/usr/bin/pager, --fast]"));
}

TEST_F(ExecProviderConfigTest, CheckRejectsScalarCommandDirectly) {
    m_config = load("    command: pager\n");
    EXPECT_THROW(check_exec_config(m_config.providers.at("run")), Error);
}

TEST_F(ExecProviderConfigTest, MissingCommandIsRequired) {
    EXPECT_THAT(error_of("    timeout: 1s\n"), HasSubstr("missing required key \"command\""));
}

TEST_F(ExecProviderConfigTest, EmptyCommandListIsRejected) {
    EXPECT_THAT(error_of("    command: []\n"),
                HasSubstr("providers.run.command: the list is empty"));
}

TEST_F(ExecProviderConfigTest, BadTimeoutIsRejected) {
    EXPECT_THAT(error_of("    command: [/bin/true]\n    timeout: 10x\n"),
                HasSubstr("config.yaml:5: providers.run.timeout: invalid duration \"10x\""));
    EXPECT_THAT(error_of("    command: [/bin/true]\n    timeout: 0s\n"),
                HasSubstr("providers.run.timeout: must be more than 0"));
}

TEST_F(ExecProviderConfigTest, BadMaxOutputIsRejected) {
    for (const char* bad : {"abc", "0", "-1", "12kb", "99999999999"}) {
        EXPECT_THAT(
            error_of(std::string("    command: [/bin/true]\n    max_output: ") + bad + "\n"),
            HasSubstr("providers.run.max_output: \"" + std::string(bad) + "\""))
            << bad;
    }
}

TEST_F(ExecProviderConfigTest, UnknownKeyIsRejected) {
    EXPECT_THAT(error_of("    command: [/bin/true]\n    timout: 1s\n"),
                HasSubstr("did you mean \"timeout\""));
}

TEST_F(ExecProviderConfigTest, ValidConfigCreates) {
    EXPECT_EQ(
        error_of("    command: [/bin/true, --fast]\n    timeout: 10s\n    max_output: 1024\n"), "");
}

} // namespace
} // namespace notify::providers
