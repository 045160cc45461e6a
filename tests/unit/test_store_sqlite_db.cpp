// Unit tests of common/store/sqlite_db.cpp: transactions inside transactions, and unsynced
// commits, against a real SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/store/sqlite_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::store {
namespace {

class SqliteDbTest : public testing::Test {
  protected:
    SqliteDbTest() {
        m_db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
        m_db.exec("CREATE TABLE t (v INTEGER NOT NULL)");
    }

    std::int64_t scalar(const std::string& sql) {
        auto& q = m_db.prepare(sql);
        std::int64_t v = q.step() ? q.int64(0) : -1;
        q.reset();
        return v;
    }
    std::int64_t rows() { return scalar("SELECT count(*) FROM t"); }
    void insert(int v) { m_db.prepare("INSERT INTO t (v) VALUES (?1)").bind(1, v).run(); }
    bool in_transaction() { return sqlite3_get_autocommit(m_db.handle()) == 0; }

    test::TempDir m_dir{"sqlite-db"};
    Database m_db{m_dir.file("db.sqlite")};
};

TEST_F(SqliteDbTest, ANestedTransactionCommitsIntoTheOuterOne) {
    {
        Transaction outer(m_db);
        insert(1);
        {
            Transaction inner(m_db);
            insert(2);
            inner.commit();
        }
        EXPECT_TRUE(in_transaction()) << "the inner commit must not end the outer transaction";
        // The outer one is rolled back: the inner rows go with it.
    }
    EXPECT_FALSE(in_transaction());
    EXPECT_EQ(rows(), 0);
}

TEST_F(SqliteDbTest, ANestedTransactionRolledBackKeepsTheOuterRows) {
    Transaction outer(m_db);
    insert(1);
    {
        Transaction inner(m_db);
        insert(2);
    }
    EXPECT_TRUE(in_transaction());
    outer.commit();
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(scalar("SELECT v FROM t"), 1);
}

TEST_F(SqliteDbTest, AReadTransactionInsideAWriteLeavesItOpen) {
    Transaction outer(m_db);
    insert(1);
    {
        ReadTransaction read(m_db);
        EXPECT_EQ(rows(), 1) << "it reads the outer transaction's rows";
    }
    EXPECT_TRUE(in_transaction());
    outer.commit();
    EXPECT_EQ(rows(), 1);
}

TEST_F(SqliteDbTest, UnsyncedCommitsLastForTheirScope) {
    EXPECT_EQ(scalar("PRAGMA synchronous"), 2); // FULL
    {
        UnsyncedCommits unsynced(m_db, true);
        EXPECT_EQ(scalar("PRAGMA synchronous"), 1); // NORMAL
        Transaction tx(m_db);
        insert(1);
        tx.commit();
    }
    EXPECT_EQ(scalar("PRAGMA synchronous"), 2);
    EXPECT_EQ(rows(), 1);
    {
        UnsyncedCommits inactive(m_db, false); // store.durability: normal sets nothing
        EXPECT_EQ(scalar("PRAGMA synchronous"), 2);
    }
}

} // namespace
} // namespace notify::store
