// Appends delivered messages to a JSON-lines file with O_APPEND and fsync.
#include "common/providers/file_provider.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "common/providers/message_json.hpp"

namespace notify::providers {

namespace {

class FileProvider final : public Provider {
  public:
    FileProvider(std::string name, std::string path)
        : m_name(std::move(name)), m_path(std::move(path)) {}

    const std::string& name() const override { return m_name; }

    std::string render(const Message& message) const override { return message_json(message); }

    SendResult send(const Message& message) override {
        std::string line = render(message) + "\n";
        std::filesystem::path parent = std::filesystem::path(m_path).parent_path();
        if (!parent.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(parent, ec);
        }
        int fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            return SendResult::failed(FailureKind::transient,
                                      "cannot open " + m_path + ": " + std::strerror(errno));
        }
        // One write() per line: O_APPEND makes concurrent appends land whole.
        const char* p = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            ssize_t n = ::write(fd, p, left);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                int err = errno;
                ::close(fd);
                return SendResult::failed(FailureKind::transient,
                                          "cannot write " + m_path + ": " + std::strerror(err));
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        if (::fsync(fd) != 0) {
            int err = errno;
            ::close(fd);
            return SendResult::failed(FailureKind::transient,
                                      "cannot sync " + m_path + ": " + std::strerror(err));
        }
        ::close(fd);
        return SendResult::sent("appended to " + m_path);
    }

  private:
    std::string m_name;
    std::string m_path;
};

} // namespace

std::unique_ptr<Provider> make_file_provider(const config::ProviderConfig& cfg,
                                             const config::Config& config) {
    std::string path = config.data_dir + "/delivered.jsonl";
    if (const auto* setting = cfg.find("path")) {
        path = setting->value;
        const char* home = std::getenv("HOME");
        if (path.rfind("~/", 0) == 0 && home != nullptr && *home != '\0') {
            path = std::string(home) + path.substr(1);
        } else if (!path.empty() && path[0] != '/') {
            path = config.data_dir + "/" + path;
        }
    }
    return std::make_unique<FileProvider>(cfg.name, path);
}

} // namespace notify::providers
