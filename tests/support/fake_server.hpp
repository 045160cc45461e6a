// Starts a loopback fake server (a script in tests/fakes/) for a test and stops it at scope end.
// The script must print "LISTENING <port>" on its first stdout line once it accepts
// connections on 127.0.0.1; everything after that line (one JSON object per request, by
// convention) is collected and can be read with requests().
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace notify::test {

class FakeServer {
  public:
    // Runs `/usr/bin/python3 <source>/tests/fakes/<script> args...` and waits (up to 10 s) for
    // its LISTENING line. Throws std::runtime_error if it does not come.
    explicit FakeServer(const std::string& script, const std::vector<std::string>& args = {}) {
        int out[2];
        if (::pipe(out) != 0) {
            throw std::runtime_error("pipe failed");
        }
        std::string path = std::string(NOTIFY_TEST_SOURCE_DIR) + "/tests/fakes/" + script;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::close(out[1]);
            std::vector<std::string> words = {"/usr/bin/python3", "-u", path};
            words.insert(words.end(), args.begin(), args.end());
            std::vector<char*> argv;
            for (auto& w : words) {
                argv.push_back(w.data());
            }
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(out[1]);
        m_fd = out[0];
        ::fcntl(m_fd, F_SETFL, O_NONBLOCK);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            pump(100);
            auto nl = m_buffer.find('\n');
            if (nl != std::string::npos) {
                std::string first = m_buffer.substr(0, nl);
                m_buffer.erase(0, nl + 1);
                if (first.rfind("LISTENING ", 0) == 0) {
                    m_port = std::stoi(first.substr(10));
                    return;
                }
                stop();
                throw std::runtime_error("fake server " + script + " said: " + first);
            }
        }
        stop();
        throw std::runtime_error("fake server " + script + " did not start");
    }

    ~FakeServer() { stop(); }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    int port() const { return m_port; }
    std::string url(const std::string& scheme = "http") const {
        return scheme + "://127.0.0.1:" + std::to_string(m_port);
    }

    // Lines the server printed after LISTENING (waits up to `wait_ms` for at least `at_least`).
    std::vector<std::string> requests(std::size_t at_least = 0, int wait_ms = 5000) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
        for (;;) {
            pump(0);
            split();
            if (m_lines.size() >= at_least || std::chrono::steady_clock::now() >= deadline) {
                return m_lines;
            }
            pump(50);
        }
    }

  private:
    void pump(int timeout_ms) {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) > 0) {
            char buf[4096];
            ssize_t n;
            while ((n = ::read(m_fd, buf, sizeof buf)) > 0) {
                m_buffer.append(buf, static_cast<std::size_t>(n));
            }
        }
    }

    void split() {
        std::size_t nl;
        while ((nl = m_buffer.find('\n')) != std::string::npos) {
            m_lines.push_back(m_buffer.substr(0, nl));
            m_buffer.erase(0, nl + 1);
        }
    }

    void stop() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
            m_pid = -1;
        }
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }

    pid_t m_pid = -1;
    int m_fd = -1;
    int m_port = 0;
    std::string m_buffer;
    std::vector<std::string> m_lines;
};

} // namespace notify::test
