// A thin RAII layer over the SQLite C API: connection, cached prepared statements, and
// transactions that roll back unless committed. Errors become notify::Error with the
// contract's exit codes (busy/locked -> 75, I/O and corruption -> 74).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace notify::store {

class Statement;

// The storage class of a result column's value in the current row.
enum class ColumnType { null, integer, real, text, blob };

class Database {
  public:
    // Opens `path` read-write, creating it. Throws notify::Error(io) on failure.
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs one or more statements without results (pragmas, DDL). Throws on error.
    void exec(std::string_view sql);

    // Returns the cached prepared statement for `sql`, reset and with bindings cleared.
    Statement& prepare(std::string_view sql);

    // Resets every cached statement so none keeps a read snapshot open.
    void reset_all();

    // Rows changed by the last statement.
    int changes() const;

    // Throws the notify::Error matching SQLite result `rc`, naming what was being done.
    [[noreturn]] void fail(int rc, std::string_view doing) const;
    // As above with SQLite's message captured before a reset could clear it.
    [[noreturn]] void fail(int rc, std::string_view doing, const std::string& detail) const;

    const std::string& path() const { return m_path; }
    sqlite3* handle() const { return m_db; }

  private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::unordered_map<std::string, std::unique_ptr<Statement>> m_statements;
};

// A prepared statement. Bind with 1-based indexes; step() until it returns false.
class Statement {
  public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, long long value) {
        return bind(index, static_cast<std::int64_t>(value));
    }
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const std::string& value) {
        return bind(index, std::string_view(value));
    }
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind_null(int index);
    // Binds `bytes` as a BLOB (a string_view binds TEXT).
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_real(int index, double value);
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        if (value) {
            return bind(index, *value);
        }
        return bind_null(index);
    }

    // Advances; true if a row is available. Throws on error.
    bool step();
    // Steps to completion, ignoring rows.
    void run();
    void reset();

    bool is_null(int column) const;
    ColumnType type(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    // A BLOB (or TEXT) column's bytes.
    std::string blob(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;

  private:
    Database& m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_sql;
};

// BEGIN IMMEDIATE on construction; ROLLBACK in the destructor unless commit() was called.
// Inside another transaction (an import's batch) it is a savepoint of that one: commit()
// releases it into the outer transaction, destruction rolls back only its own writes.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();

  private:
    Database& m_db;
    bool m_nested; // inside another transaction: a savepoint of it
    bool m_done = false;
};

// While it lives, commits skip their fsync (PRAGMA synchronous = NORMAL): a process crash
// loses none of them; a power failure may lose those not yet carried to disk by a later synced
// commit or a checkpoint. FULL again on destruction. Made outside any transaction; with
// `active` false it does nothing.
class UnsyncedCommits {
  public:
    UnsyncedCommits(Database& db, bool active);
    ~UnsyncedCommits();
    UnsyncedCommits(const UnsyncedCommits&) = delete;
    UnsyncedCommits& operator=(const UnsyncedCommits&) = delete;

  private:
    Database& m_db;
    bool m_active;
};

// BEGIN (deferred) for consistent multi-statement reads; always rolled back. Inside another
// transaction it does nothing.
class ReadTransaction {
  public:
    explicit ReadTransaction(Database& db);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

  private:
    Database& m_db;
    bool m_nested; // inside another transaction, whose reads are consistent already
};

} // namespace notify::store
