// A raw sqlite3 connection, for looking at a store file the way another program would.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace notify::test {

class RawDb {
  public:
    // Opens (creating) `path` read-write; a failure is a test failure.
    explicit RawDb(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "cannot open " << path;
        }
    }
    ~RawDb() { sqlite3_close(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    // Runs `sql`; returns SQLite's result code.
    int exec(const std::string& sql) {
        return sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
    }

    // The first column of the first row of `sql` as text ("" when no row).
    std::string text(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        std::string out;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << sqlite3_errmsg(m_db);
            return out;
        }
        if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        }
        sqlite3_finalize(stmt);
        return out;
    }

    long long number(const std::string& sql) { return std::stoll("0" + text(sql)); }

    // SQLite's message for the last failure.
    std::string error() const { return sqlite3_errmsg(m_db); }

  private:
    sqlite3* m_db = nullptr;
};

} // namespace notify::test
