// Runs a plugin program per message: the message JSON on stdin, the exit code and an optional
// JSON reply on stdout classify the result (notify-providers(7)).
#include "common/providers/exec_provider.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/providers/message_json.hpp"
#include "common/schedule/duration.hpp"

extern char** environ;

namespace notify::providers {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr Millis k_default_timeout{30'000};
constexpr std::size_t k_default_max_output = 65'536;
constexpr std::size_t k_max_max_output = std::size_t{1} << 30;
constexpr std::size_t k_stderr_tail = 512;
constexpr std::size_t k_receipt_chars = 200;
constexpr std::size_t k_detail_chars = 300;
constexpr Millis k_kill_grace{1000};

// The sysexits.h codes the protocol gives a meaning; every other code is transient.
constexpr int k_ex_dataerr = 65;
constexpr int k_ex_nouser = 67;
constexpr int k_ex_unavailable = 69;
constexpr int k_ex_tempfail = 75;
constexpr int k_ex_noperm = 77;

std::string where(const std::string& origin) {
    return origin == "default" ? "" : origin + ": ";
}

// Owns one file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return m_fd; }
    bool open() const { return m_fd >= 0; }
    void reset(int fd = -1) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = fd;
    }

  private:
    int m_fd = -1;
};

// Creates a close-on-exec pipe whose ends are above the standard descriptors, so the dup2
// actions of the spawn cannot clobber each other. Returns errno, 0 on success.
int make_pipe(Fd& read_end, Fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return errno;
    }
    for (int i = 0; i < 2; ++i) {
        if (fds[i] < 3) {
            const int moved = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            const int err = errno;
            ::close(fds[i]);
            if (moved < 0) {
                ::close(fds[1 - i]);
                return err;
            }
            fds[i] = moved;
        }
    }
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return 0;
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Starts argv[0] (searched in $PATH when it has no "/") in a new process group, with the three
// descriptors as its stdin, stdout and stderr and no other descriptor open, no signal blocked
// and the usual signals at their default action. Returns the pid, or -1 with `error` set.
pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd, int err_fd, int& error) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig :
         {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD, SIGXFSZ}) {
        sigaddset(&defaults, sig);
    }
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);

    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        error = rc;
        return -1;
    }
    return pid;
}

// Waits until `pid` has exited, without reaping it (its zombie keeps the pid and process group
// id from reuse). Returns false if `deadline` passed first; true also when the child cannot be
// waited for (already reaped elsewhere).
bool wait_exit(pid_t pid, SteadyClock::time_point deadline) {
    auto step = std::chrono::milliseconds(1);
    for (;;) {
        siginfo_t info{};
        int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
        if (rc == 0 && info.si_pid == pid) {
            return true;
        }
        if (rc < 0 && errno != EINTR) {
            return true;
        }
        auto now = SteadyClock::now();
        if (now >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::min<SteadyClock::duration>(step, deadline - now));
        step = std::min(step * 2, std::chrono::milliseconds(25));
    }
}

// Reaps `pid`; returns its wait status, or nullopt if it was reaped elsewhere.
std::optional<int> reap(pid_t pid) {
    int status = 0;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, 0);
        if (r == pid) {
            return status;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return std::nullopt;
    }
}

// SIGTERM to the process group, SIGKILL to it after the grace period, then reaps the child.
std::optional<int> terminate(pid_t pid) {
    ::kill(-pid, SIGTERM);
    wait_exit(pid, SteadyClock::now() + k_kill_grace);
    ::kill(-pid, SIGKILL);
    return reap(pid);
}

// Blocks SIGPIPE in the calling thread while alive, so writing to a pipe whose reader is gone
// fails with EPIPE instead of a signal, whatever the process's SIGPIPE disposition. A SIGPIPE
// raised meanwhile is consumed before the mask is restored.
class SigpipeBlock {
  public:
    SigpipeBlock() {
        sigemptyset(&m_pipe);
        sigaddset(&m_pipe, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
        sigset_t pending;
        sigemptyset(&pending);
        ::sigpending(&pending);
        m_was_pending = sigismember(&pending, SIGPIPE) == 1;
    }
    ~SigpipeBlock() {
        if (m_raised && !m_was_pending) {
            timespec zero{};
            while (::sigtimedwait(&m_pipe, nullptr, &zero) < 0 && errno == EINTR) {
            }
        }
        ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

    // Records that a write failed with EPIPE (a SIGPIPE is pending for this thread).
    void raised() { m_raised = true; }

  private:
    sigset_t m_pipe;
    sigset_t m_old;
    bool m_was_pending = false;
    bool m_raised = false;
};

// Makes valid UTF-8 (invalid bytes become U+FFFD) on one line: control characters become
// spaces, runs of spaces collapse, the ends are trimmed; keeps at most `max_chars` code points.
std::string one_line(const std::string& text, std::size_t max_chars) {
    using Json = nlohmann::json;
    std::string valid = Json::parse(Json(text).dump(-1, ' ', false, Json::error_handler_t::replace))
                            .get<std::string>();
    std::string out;
    std::size_t chars = 0;
    for (char c : valid) {
        auto byte = static_cast<unsigned char>(c);
        const bool continuation = (byte & 0xC0) == 0x80;
        if (byte < 0x20 || byte == 0x7F) {
            c = ' ';
        }
        if (c == ' ' && (out.empty() || out.back() == ' ')) {
            continue;
        }
        if (!continuation) {
            if (chars == max_chars) {
                break;
            }
            ++chars;
        }
        out += c;
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

// The last line of `text` that is not blank, on one line; "" if none.
std::string last_line(const std::string& text) {
    std::size_t end = text.size();
    while (end > 0) {
        std::size_t start = text.rfind('\n', end - 1);
        start = start == std::string::npos ? 0 : start + 1;
        std::string line = one_line(text.substr(start, end - start), k_detail_chars);
        if (!line.empty()) {
            return line;
        }
        end = start == 0 ? 0 : start - 1;
    }
    return {};
}

// What the plugin printed on stdout, read as the protocol's optional JSON object.
struct Reply {
    bool object = false; // stdout held a JSON object
    std::optional<std::string> id;
    std::optional<std::string> detail;
    std::optional<Millis> retry_after;
};

Reply parse_reply(const std::string& out) {
    Reply reply;
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return reply;
    }
    reply.object = true;
    if (auto it = j.find("id"); it != j.end()) {
        if (it->is_string()) {
            reply.id = it->get<std::string>();
        } else if (it->is_number()) {
            reply.id = it->dump();
        }
    }
    if (auto it = j.find("detail"); it != j.end() && it->is_string()) {
        reply.detail = it->get<std::string>();
    }
    if (auto it = j.find("retry_after"); it != j.end() && it->is_number()) {
        double seconds = it->get<double>();
        if (std::isfinite(seconds) && seconds >= 0 && seconds <= 366.0 * 24 * 3600) {
            reply.retry_after = Millis(static_cast<Millis::rep>(std::llround(seconds * 1000)));
        }
    }
    return reply;
}

FailureKind kind_of_exit(int code) {
    switch (code) {
    case k_ex_dataerr:
        return FailureKind::permanent;
    case k_ex_nouser:
        return FailureKind::invalid_recipient;
    case k_ex_noperm:
        return FailureKind::auth;
    case k_ex_tempfail:
    case k_ex_unavailable:
    default:
        return FailureKind::transient;
    }
}

// What one run of the plugin produced.
struct Run {
    std::string out;      // stdout, at most max_output bytes
    std::string err_tail; // the last k_stderr_tail bytes of stderr
    bool timed_out = false;
    bool overflow = false;
    std::string io_error;      // poll() failed
    std::optional<int> status; // wait status; nullopt if it was lost
};

class ExecProvider final : public Provider {
  public:
    ExecProvider(std::string name, std::vector<std::string> argv, Millis timeout,
                 std::size_t max_output)
        : m_name(std::move(name)), m_argv(std::move(argv)), m_timeout(timeout),
          m_max_output(max_output) {}

    const std::string& name() const override { return m_name; }

    // The line written to the plugin's stdin, without its "\n".
    std::string render(const Message& message) const override {
        return message_json(message, AttachmentBytes::base64);
    }

    SendResult send(const Message& message) override {
        const std::string payload = render(message) + "\n";
        Fd in_read, in_write, out_read, out_write, err_read, err_write;
        int error = make_pipe(in_read, in_write);
        if (error == 0) {
            error = make_pipe(out_read, out_write);
        }
        if (error == 0) {
            error = make_pipe(err_read, err_write);
        }
        if (error != 0) {
            return SendResult::failed(FailureKind::transient,
                                      std::string("cannot create pipes: ") + std::strerror(error));
        }
        const pid_t pid = spawn(m_argv, in_read.get(), out_write.get(), err_write.get(), error);
        in_read.reset();
        out_write.reset();
        err_write.reset();
        if (pid < 0) {
            return spawn_failure(error);
        }
        Run run = exchange(pid, payload, in_write, out_read, err_read);
        return classify(run);
    }

  private:
    SendResult spawn_failure(int error) const {
        const std::string what = "cannot run " + m_argv.front() + ": ";
        const std::string fix = " (check providers." + m_name + ".command)";
        switch (error) {
        case ENOENT:
        case ENOTDIR:
            return SendResult::failed(FailureKind::auth, what + "program not found" + fix);
        case EACCES:
        case EPERM:
            return SendResult::failed(FailureKind::auth,
                                      what + "permission denied, is it executable?" + fix);
        case ENOEXEC:
            return SendResult::failed(FailureKind::auth,
                                      what + "not an executable format (a script needs a #! line)" +
                                          fix);
        default:
            return SendResult::failed(FailureKind::transient, what + std::strerror(error));
        }
    }

    // Feeds `payload` to the child's stdin, collects its output until both outputs close, then
    // waits for it to exit; kills its process group on timeout or too much output. Always reaps.
    Run exchange(pid_t pid, const std::string& payload, Fd& in, Fd& out, Fd& err) const {
        Run run;
        const auto deadline = SteadyClock::now() + m_timeout;
        set_nonblocking(in.get());
        set_nonblocking(out.get());
        set_nonblocking(err.get());
        std::size_t written = 0;
        char buffer[16384];
        {
            SigpipeBlock sigpipe;
            while (out.open() || err.open()) {
                const auto left = deadline - SteadyClock::now();
                if (left <= SteadyClock::duration::zero()) {
                    run.timed_out = true;
                    break;
                }
                pollfd fds[3];
                nfds_t count = 0;
                int in_at = -1, out_at = -1, err_at = -1;
                if (in.open()) {
                    in_at = static_cast<int>(count);
                    fds[count++] = {in.get(), POLLOUT, 0};
                }
                if (out.open()) {
                    out_at = static_cast<int>(count);
                    fds[count++] = {out.get(), POLLIN, 0};
                }
                if (err.open()) {
                    err_at = static_cast<int>(count);
                    fds[count++] = {err.get(), POLLIN, 0};
                }
                const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
                const int rc =
                    ::poll(fds, count, static_cast<int>(std::min<long long>(ms, INT_MAX)));
                if (rc < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    run.io_error = std::string("poll failed: ") + std::strerror(errno);
                    break;
                }
                if (in_at >= 0 && fds[in_at].revents != 0) {
                    const ssize_t n =
                        ::write(in.get(), payload.data() + written, payload.size() - written);
                    if (n > 0) {
                        written += static_cast<std::size_t>(n);
                        if (written == payload.size()) {
                            in.reset();
                        }
                    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        if (errno == EPIPE) {
                            sigpipe.raised(); // the plugin need not read its stdin
                        }
                        in.reset();
                    }
                }
                if (out_at >= 0 && fds[out_at].revents != 0) {
                    const ssize_t n = ::read(out.get(), buffer, sizeof buffer);
                    if (n > 0) {
                        if (run.out.size() + static_cast<std::size_t>(n) > m_max_output) {
                            run.overflow = true;
                            break;
                        }
                        run.out.append(buffer, static_cast<std::size_t>(n));
                    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        out.reset();
                    }
                }
                if (err_at >= 0 && fds[err_at].revents != 0) {
                    const ssize_t n = ::read(err.get(), buffer, sizeof buffer);
                    if (n > 0) {
                        run.err_tail.append(buffer, static_cast<std::size_t>(n));
                        if (run.err_tail.size() > k_stderr_tail) {
                            run.err_tail.erase(0, run.err_tail.size() - k_stderr_tail);
                        }
                    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        err.reset();
                    }
                }
            }
            in.reset();
        }
        out.reset();
        err.reset();
        if (!run.timed_out && !run.overflow && run.io_error.empty() && !wait_exit(pid, deadline)) {
            run.timed_out = true;
        }
        run.status =
            run.timed_out || run.overflow || !run.io_error.empty() ? terminate(pid) : reap(pid);
        return run;
    }

    SendResult classify(const Run& run) const {
        if (run.overflow) {
            return SendResult::failed(FailureKind::transient,
                                      "output exceeds " + std::to_string(m_max_output) + " bytes");
        }
        if (run.timed_out) {
            return SendResult::failed(FailureKind::transient,
                                      "timed out after " + schedule::format_duration(m_timeout));
        }
        if (!run.io_error.empty()) {
            return SendResult::failed(FailureKind::transient, run.io_error);
        }
        if (!run.status) {
            return SendResult::failed(FailureKind::transient,
                                      "exit status lost (is SIGCHLD ignored?)");
        }
        const std::string stderr_line = last_line(run.err_tail);
        if (WIFSIGNALED(*run.status)) {
            const int sig = WTERMSIG(*run.status);
            const char* abbrev = ::sigabbrev_np(sig);
            std::string detail = "killed by signal " + std::to_string(sig) +
                                 (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : "");
            return SendResult::failed(FailureKind::transient,
                                      stderr_line.empty() ? detail : detail + ": " + stderr_line);
        }
        return classify_exec_exit(WEXITSTATUS(*run.status), run.out, run.err_tail);
    }

    std::string m_name;
    std::vector<std::string> m_argv;
    Millis m_timeout;
    std::size_t m_max_output;
};

// The value of a scalar key, rejecting a list under that key.
const config::Setting* scalar_key(const config::ProviderConfig& cfg, const std::string& key,
                                  const std::string& what) {
    if (auto it = cfg.lists.find(key); it != cfg.lists.end()) {
        const std::string& origin = it->second.empty() ? cfg.origin : it->second.front().origin;
        throw Error(Exit::config, where(origin) + "providers." + cfg.name + "." + key +
                                      ": expected " + what + ", found a list");
    }
    return cfg.find(key);
}

Millis timeout_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = scalar_key(cfg, "timeout", "a duration such as 10s");
    if (setting == nullptr) {
        return k_default_timeout;
    }
    const std::string prefix = where(setting->origin) + "providers." + cfg.name + ".timeout: ";
    auto parsed = schedule::parse_duration(setting->value);
    if (!parsed) {
        throw Error(Exit::config, prefix + parsed.error());
    }
    if (parsed->count() <= 0) {
        throw Error(Exit::config, prefix + "must be more than 0");
    }
    return *parsed;
}

std::size_t max_output_of(const config::ProviderConfig& cfg) {
    const config::Setting* setting = scalar_key(cfg, "max_output", "a number of bytes");
    if (setting == nullptr) {
        return k_default_max_output;
    }
    const std::string& text = setting->value;
    unsigned long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > k_max_max_output) {
        throw Error(Exit::config,
                    where(setting->origin) + "providers." + cfg.name + ".max_output: \"" + text +
                        "\" is not a number of bytes from 1 to " + std::to_string(k_max_max_output),
                    "e.g. max_output: 65536");
    }
    return static_cast<std::size_t>(value);
}

std::vector<std::string> command_of(const config::ProviderConfig& cfg) {
    const std::string prefix = "providers." + cfg.name + ".command";
    if (const config::Setting* scalar = cfg.find("command")) {
        std::string suggestion;
        std::size_t pos = 0;
        const std::string& text = scalar->value;
        while ((pos = text.find_first_not_of(" \t", pos)) != std::string::npos) {
            std::size_t end = text.find_first_of(" \t", pos);
            suggestion += (suggestion.empty() ? "" : ", ") + text.substr(pos, end - pos);
            pos = end;
        }
        throw Error(Exit::config,
                    where(scalar->origin) + prefix +
                        ": must be a list of the program and its arguments, not a string",
                    "write command: [" + suggestion + "] (no shell runs it)");
    }
    auto it = cfg.lists.find("command");
    if (it == cfg.lists.end()) {
        throw Error(Exit::config, where(cfg.origin) + "providers." + cfg.name +
                                      ": missing required key \"command\" for type exec");
    }
    if (it->second.empty()) {
        throw Error(Exit::config, where(cfg.origin) + prefix + ": the list is empty",
                    "name the program first, e.g. command: [/usr/local/bin/notify-provider-pager, "
                    "--fast]");
    }
    if (it->second.front().value.empty()) {
        throw Error(Exit::config,
                    where(it->second.front().origin) + prefix + "[0]: the program name is empty");
    }
    std::vector<std::string> argv;
    for (const auto& item : it->second) {
        argv.push_back(item.value);
    }
    return argv;
}

} // namespace

SendResult classify_exec_exit(int code, const std::string& out, const std::string& err_tail) {
    const std::string stderr_line = last_line(err_tail);
    const Reply reply = parse_reply(out);
    if (code == 0) {
        if (reply.id) {
            return SendResult::sent(one_line(*reply.id, k_receipt_chars));
        }
        std::string receipt;
        if (reply.object) {
            receipt = reply.detail ? one_line(*reply.detail, k_receipt_chars) : "";
        } else {
            receipt = one_line(out, k_receipt_chars);
        }
        return SendResult::sent(receipt.empty() ? "exit 0" : receipt);
    }
    std::string why;
    if (reply.detail) {
        why = one_line(*reply.detail, k_detail_chars);
    }
    if (why.empty()) {
        why = stderr_line;
    }
    if (why.empty() && !reply.object) {
        why = one_line(out, k_detail_chars);
    }
    std::string detail = "exit " + std::to_string(code) + (why.empty() ? "" : ": " + why);
    return SendResult::failed(kind_of_exit(code), std::move(detail), reply.retry_after);
}

void check_exec_config(const config::ProviderConfig& cfg) {
    command_of(cfg);
    timeout_of(cfg);
    max_output_of(cfg);
}

std::unique_ptr<Provider> make_exec_provider(const config::ProviderConfig& cfg) {
    return std::make_unique<ExecProvider>(cfg.name, command_of(cfg), timeout_of(cfg),
                                          max_output_of(cfg));
}

} // namespace notify::providers
