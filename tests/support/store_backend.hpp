// The two JobStore backends for value-parameterised store tests: each test gets a store of its
// own (a SQLite file in a temp dir, or a PostgreSQL database of its own), can open more stores
// on the same data (another process, another host), and can read and write the tables directly
// with SQL both backends understand.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "common/store/job_store.hpp"
#include "tests/support/pg_test_database.hpp"
#include "tests/support/sqlite_raw_db.hpp"
#include "tests/support/temp_dir.hpp"

namespace notify::test {

enum class Backend { sqlite, postgres };

inline const char* to_string(Backend backend) {
    return backend == Backend::sqlite ? "sqlite" : "postgres";
}

// gtest prints a Backend parameter through this.
inline void PrintTo(Backend backend, std::ostream* out) {
    *out << to_string(backend);
}

// The name suffix of an instantiation: StoreContract/JobStoreTest.Claim/postgres.
inline std::string backend_name(const testing::TestParamInfo<Backend>& info) {
    return to_string(info.param);
}

// A test on one backend. SetUp() skips a PostgreSQL case when NOTIFY_TEST_PG_URL_FILE is unset,
// and fails it when the server named there cannot be used.
class StoreBackendTest : public testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (GetParam() == Backend::postgres) {
            std::optional<std::string> base;
            try {
                base = PgTestDatabase::base_url();
            } catch (const std::exception& e) {
                FAIL() << e.what();
            }
            if (!base) {
                GTEST_SKIP() << PgTestDatabase::k_skip_reason;
            }
            try {
                m_pg = std::make_unique<PgTestDatabase>(*base);
            } catch (const std::exception& e) {
                FAIL() << e.what();
            }
        } else {
            m_dir = std::make_unique<TempDir>("store");
        }
        try {
            m_store = open_store();
        } catch (const std::exception& e) {
            FAIL() << "opening the " << to_string(GetParam()) << " store failed: " << e.what();
        }
    }

    store::JobStore& store() { return *m_store; }
    bool is_postgres() const { return GetParam() == Backend::postgres; }

    // The store's location: the SQLite file, or the PostgreSQL database's URL.
    std::string location() const { return m_pg ? m_pg->url() : m_dir->file("notify.db"); }

    // Another store on the same data, as another process (SQLite) or host (PostgreSQL) opens
    // it; `busy_timeout` applies to SQLite only.
    std::unique_ptr<store::JobStore> open_store(Millis busy_timeout = Millis{5000}) const {
        if (m_pg) {
            store::PostgresOptions options;
            options.url = m_pg->url();
            return store::open_postgres_store(options);
        }
        store::SqliteOptions options;
        options.path = location();
        options.busy_timeout = busy_timeout;
        return store::open_sqlite_store(options);
    }

    // Runs `sql` on the tables directly (a connection of its own); false, and a test failure,
    // if it fails.
    bool execute(const std::string& sql) {
        if (m_pg) {
            try {
                raw_session().exec(sql);
                return true;
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                return false;
            }
        }
        RawDb raw(location());
        if (raw.exec(sql) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << raw.error();
            return false;
        }
        return true;
    }

    // The first column of the first row of `sql` as text ("" when there is no row).
    std::string query_text(const std::string& sql) {
        if (m_pg) {
            try {
                return raw_session().text(sql);
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                return "";
            }
        }
        RawDb raw(location());
        return raw.text(sql);
    }

    long long query_number(const std::string& sql) { return std::stoll("0" + query_text(sql)); }

  private:
    PgSession& raw_session() {
        if (!m_raw) {
            m_raw = std::make_unique<PgSession>(m_pg->url());
        }
        return *m_raw;
    }

    // Destroyed in reverse: stores and sessions first, then the database or directory.
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<PgTestDatabase> m_pg;
    std::unique_ptr<PgSession> m_raw;

  protected:
    std::unique_ptr<store::JobStore> m_store;
};

} // namespace notify::test
