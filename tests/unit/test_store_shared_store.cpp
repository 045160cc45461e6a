// Unit tests of common/store/shared_store.cpp: the mode of new files beside a store, and the
// hint for a user outside the store's group.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/store/shared_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {
namespace {

TEST(SharedStore, OnlyASetgidGroupWritableDirectorySharesItsFiles) {
    test::TempDir dir("shared");
    const std::string d = dir.path().string();
    ASSERT_EQ(::chmod(d.c_str(), 0700), 0);
    EXPECT_EQ(file_mode_in(d), 0600);
    ASSERT_EQ(::chmod(d.c_str(), 0770), 0);
    EXPECT_EQ(file_mode_in(d), 0600) << "group-writable but not setgid: files keep the user's";
    ASSERT_EQ(::chmod(d.c_str(), 02750), 0);
    EXPECT_EQ(file_mode_in(d), 0600) << "setgid but the group may not write";
    ASSERT_EQ(::chmod(d.c_str(), 02770), 0);
    EXPECT_EQ(file_mode_in(d), 0660);
    EXPECT_EQ(file_mode_in(d + "/missing"), 0600);
}

TEST(SharedStore, NoHintForAStoreOfOurOwn) {
    test::TempDir dir("shared");
    EXPECT_EQ(group_access_hint(dir.file("notify.db")), "");
    EXPECT_EQ(group_access_hint(dir.file("a/b/notify.db")), "") << "nearest existing: ours";
}

TEST(SharedStore, TheHintNamesTheGroupOfADirectoryWeAreNotIn) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to hand a directory to another user and group";
    }
    test::TempDir dir("shared");
    const std::string shared = dir.file("shared");
    ASSERT_EQ(::mkdir(shared.c_str(), 02770), 0);
    ASSERT_EQ(::chown(shared.c_str(), 65534, 65534), 0); // nobody:nogroup, root is in neither
    const std::string hint = group_access_hint(shared + "/notify.db");
    EXPECT_NE(hint.find(shared + " is for members of group "), std::string::npos) << hint;
    EXPECT_NE(hint.find("usermod -aG "), std::string::npos) << hint;
    ASSERT_EQ(::chmod(shared.c_str(), 0700), 0);
    EXPECT_EQ(group_access_hint(shared + "/notify.db"), "") << "the group has no access: not it";
}

} // namespace
} // namespace notify::store
