// The C entry point of the PostgreSQL module (notify_pg.so). It lives in a module of its own so
// that processes using SQLite never load libpqxx, libpq and what they link (Kerberos, LDAP,
// GnuTLS: millions of instructions of dynamic linking at every start).
#pragma once

#include <memory>

#include "common/store/job_store.hpp"

#define NOTIFY_PG_MODULE_FILE "notify_pg.so"

// Opens the store into *out; throws notify::Error as open_postgres_store() documents.
extern "C" void notify_pg_open(const notify::store::PostgresOptions* options,
                               std::unique_ptr<notify::store::JobStore>* out);
