// RAII wrappers over sqlite3: connection, statements, transactions, error mapping.
#include "common/store/sqlite_db.hpp"

#include <sqlite3.h>

#include "common/error.hpp"

namespace notify::store {

namespace {

Exit exit_for(int rc) {
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Exit::tempfail;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return Exit::io;
    default:
        return Exit::software;
    }
}

// SQLite's message with every byte that is not printable ASCII shown as '?': a damaged
// store's schema text reaches the message, and an error must stay one clean line.
std::string printable(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            c = '?';
        }
    }
    return out;
}

} // namespace

Database::Database(const std::string& path) : m_path(path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &m_db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = printable(m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc));
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error(Exit::io, "cannot open store " + path + ": " + message);
    }
    sqlite3_extended_result_codes(m_db, 1);
}

Database::~Database() {
    m_statements.clear();
    sqlite3_close(m_db);
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        fail(rc, "cannot update store");
    }
}

Statement& Database::prepare(std::string_view sql) {
    std::string key(sql);
    auto it = m_statements.find(key);
    if (it == m_statements.end()) {
        it = m_statements.emplace(key, std::make_unique<Statement>(*this, sql)).first;
    } else {
        it->second->reset();
    }
    return *it->second;
}

void Database::reset_all() {
    for (auto& [sql, statement] : m_statements) {
        statement->reset();
    }
}

int Database::changes() const {
    return sqlite3_changes(m_db);
}

void Database::fail(int rc, std::string_view doing) const {
    fail(rc, doing, m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc));
}

void Database::fail(int rc, std::string_view doing, const std::string& raw_detail) const {
    const std::string detail = printable(raw_detail);
    Exit code = exit_for(rc);
    if (code == Exit::tempfail) {
        throw Error(code, "store " + m_path + " is locked by another process; try again",
                    "the busy timeout (store.busy_timeout) passed while waiting for it");
    }
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
        throw Error(code,
                    std::string(doing) + ": " + m_path + " is not a notify store (" + detail + ")");
    }
    throw Error(code, std::string(doing) + " " + m_path + ": " + detail);
}

Statement::Statement(Database& db, std::string_view sql) : m_db(db), m_sql(sql) {
    int rc = sqlite3_prepare_v3(db.handle(), m_sql.data(), static_cast<int>(m_sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr);
    if (rc != SQLITE_OK) {
        db.fail(rc, "cannot read store");
    }
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    sqlite3_bind_text(m_stmt, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_real(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob64(m_stmt, index, bytes.data(), static_cast<sqlite3_uint64>(bytes.size()),
                        SQLITE_TRANSIENT);
    return *this;
}

std::string Statement::blob(int column) const {
    const void* p = sqlite3_column_blob(m_stmt, column);
    if (p == nullptr) {
        return {};
    }
    return std::string(static_cast<const char*>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    std::string detail = sqlite3_errmsg(m_db.handle());
    sqlite3_reset(m_stmt);
    m_db.fail(rc, "cannot use store", detail);
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

ColumnType Statement::type(int column) const {
    switch (sqlite3_column_type(m_stmt, column)) {
    case SQLITE_INTEGER:
        return ColumnType::integer;
    case SQLITE_FLOAT:
        return ColumnType::real;
    case SQLITE_TEXT:
        return ColumnType::text;
    case SQLITE_BLOB:
        return ColumnType::blob;
    default:
        return ColumnType::null;
    }
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

std::string Statement::text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    if (p == nullptr) {
        return {};
    }
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return text(column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return int64(column);
}

namespace {

bool in_transaction(Database& db) {
    return sqlite3_get_autocommit(db.handle()) == 0;
}

} // namespace

Transaction::Transaction(Database& db) : m_db(db), m_nested(in_transaction(db)) {
    m_db.prepare(m_nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE").run();
}

Transaction::~Transaction() {
    if (m_done) {
        return;
    }
    // A rollback cannot be reported from a destructor; SQLite rolls back on close anyway.
    if (m_nested) {
        sqlite3_exec(m_db.handle(), "ROLLBACK TO nested; RELEASE nested", nullptr, nullptr,
                     nullptr);
        return;
    }
    m_db.reset_all();
    sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    if (!m_nested) {
        m_db.reset_all();
    }
    m_db.prepare(m_nested ? "RELEASE nested" : "COMMIT").run();
    m_done = true;
}

UnsyncedCommits::UnsyncedCommits(Database& db, bool active) : m_db(db), m_active(active) {
    if (m_active) {
        m_db.prepare("PRAGMA synchronous = NORMAL").run();
    }
}

UnsyncedCommits::~UnsyncedCommits() {
    if (m_active) {
        sqlite3_exec(m_db.handle(), "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
    }
}

ReadTransaction::ReadTransaction(Database& db) : m_db(db), m_nested(in_transaction(db)) {
    if (!m_nested) {
        m_db.prepare("BEGIN").run();
    }
}

ReadTransaction::~ReadTransaction() {
    if (m_nested) {
        return; // the enclosing transaction's reads are consistent already
    }
    m_db.reset_all();
    sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

} // namespace notify::store
