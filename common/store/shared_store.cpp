// Who may use a store: the mode of new files beside it, and the hint for a refused user.
#include "common/store/shared_store.hpp"

#include <filesystem>
#include <vector>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

namespace notify::store {

namespace {

bool in_group(gid_t gid) {
    if (::getegid() == gid) {
        return true;
    }
    const int count = ::getgroups(0, nullptr);
    if (count <= 0) {
        return false;
    }
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    const int got = ::getgroups(count, groups.data());
    for (int i = 0; i < got; ++i) {
        if (groups[static_cast<std::size_t>(i)] == gid) {
            return true;
        }
    }
    return false;
}

std::string group_name(gid_t gid) {
    if (const group* g = ::getgrgid(gid)) {
        return g->gr_name;
    }
    return std::to_string(gid);
}

} // namespace

mode_t file_mode_in(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.empty() ? "." : dir.c_str(), &st) != 0) {
        return 0600;
    }
    const bool shared = (st.st_mode & S_ISGID) != 0 && (st.st_mode & S_IWGRP) != 0;
    return shared ? 0660 : 0600;
}

std::string group_access_hint(const std::string& path) {
    // The store itself if it exists, else the nearest directory on its way that does.
    std::filesystem::path at = std::filesystem::absolute(path);
    struct stat st {};
    while (::stat(at.c_str(), &st) != 0) {
        if (!at.has_parent_path() || at.parent_path() == at) {
            return {};
        }
        at = at.parent_path();
    }
    if (st.st_uid == ::geteuid() || (st.st_mode & (S_IRGRP | S_IWGRP)) == 0 ||
        in_group(st.st_gid)) {
        return {};
    }
    const std::string group = group_name(st.st_gid);
    return at.string() + " is for members of group " + group + "; an administrator adds you with " +
           "'usermod -aG " + group + " USER' (then log in again), or use a store of your own " +
           "with --db PATH";
}

} // namespace notify::store
