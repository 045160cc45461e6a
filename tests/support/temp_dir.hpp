// A fresh directory under the system temp dir (mkdtemp), removed with its contents at scope end.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace notify::test {

class TempDir {
  public:
    // Creates <tmp>/notify-<tag>-XXXXXX with mode 0700. Throws std::runtime_error on failure.
    explicit TempDir(const std::string& tag = "test") {
        std::string pattern =
            (std::filesystem::temp_directory_path() / ("notify-" + tag + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        m_path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::permissions(m_path, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ignored);
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }

    // Returns path()/name as a string; nothing is created.
    std::string file(const std::string& name) const { return (m_path / name).string(); }

    // Writes `text` to path()/name, creating parent directories; returns the path.
    std::string write(const std::string& name, const std::string& text) const {
        const std::filesystem::path target = m_path / name;
        std::filesystem::create_directories(target.parent_path());
        std::ofstream out(target, std::ios::binary);
        out << text;
        return target.string();
    }

    // Returns the whole content of path()/name, or "" when it cannot be read.
    std::string read(const std::string& name) const { return read_file(file(name)); }

    static std::string read_file(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

  private:
    std::filesystem::path m_path;
};

} // namespace notify::test
