// Users, devices and preferences in PostgreSQL.
#include "common/store/postgres/pg_audience_store.hpp"

namespace notify::store::pg {

namespace {

constexpr const char* k_user_columns =
    "id, name, email, phone, locale, tz, created_at, updated_at, quiet_start, quiet_end";

constexpr const char* k_device_columns =
    "id, user_id, platform, token, app, registered_at, invalidated_at, invalid_reason";

std::optional<std::string> optional_text(const pqxx::field& f) {
    if (f.is_null()) {
        return std::nullopt;
    }
    return std::string(f.c_str());
}

std::optional<std::int64_t> optional_int64(const pqxx::field& f) {
    if (f.is_null()) {
        return std::nullopt;
    }
    return f.as<std::int64_t>();
}

model::User read_user(const pqxx::row& r) {
    model::User u;
    u.id = r[0].c_str();
    u.name = optional_text(r[1]);
    u.email = optional_text(r[2]);
    u.phone = optional_text(r[3]);
    u.locale = optional_text(r[4]);
    u.tz = optional_text(r[5]);
    u.created_at = from_unix_ms(r[6].as<std::int64_t>());
    u.updated_at = from_unix_ms(r[7].as<std::int64_t>());
    return u;
}

model::Device read_device(const pqxx::row& r) {
    model::Device d;
    d.id = r[0].as<std::int64_t>();
    d.user_id = r[1].c_str();
    d.platform = r[2].c_str();
    d.token = r[3].c_str();
    d.app = optional_text(r[4]);
    d.registered_at = from_unix_ms(r[5].as<std::int64_t>());
    if (auto at = optional_int64(r[6])) {
        d.invalidated_at = from_unix_ms(*at);
    }
    d.invalid_reason = optional_text(r[7]);
    return d;
}

// Whether user `id` exists; if so, it cannot be deleted until `tx` ends (rows that refer to
// it can be written). A removal in progress is waited for.
bool lock_user(Tx& tx, const std::string& id) {
    return !tx.exec("SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE", Params().add(id)).empty();
}

} // namespace

bool PgAudienceStore::add_user(const model::User& u, TimePoint now) {
    return m_conn.run("adding a user", [&](Tx& tx) {
        auto r = tx.exec(
            "INSERT INTO users (id, name, email, phone, locale, tz, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) "
            "ON CONFLICT (id) DO NOTHING",
            Params().add(u.id).add(u.name).add(u.email).add(u.phone).add(u.locale).add(u.tz).add(
                now));
        return r.affected_rows() > 0;
    });
}

bool PgAudienceStore::update_user(const model::User& u, TimePoint now) {
    return m_conn.run("updating a user", [&](Tx& tx) {
        auto r = tx.exec(
            "UPDATE users SET name = $2, email = $3, phone = $4, locale = $5, "
            "tz = $6, updated_at = $7 WHERE id = $1",
            Params().add(u.id).add(u.name).add(u.email).add(u.phone).add(u.locale).add(u.tz).add(
                now));
        return r.affected_rows() > 0;
    });
}

std::optional<model::User> PgAudienceStore::find_user(const std::string& id) {
    return m_conn.run("reading a user", [&](Tx& tx) -> std::optional<model::User> {
        auto r = tx.exec(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = $1",
                         Params().add(id));
        if (r.empty()) {
            return std::nullopt;
        }
        return read_user(r[0]);
    });
}

std::vector<model::User> PgAudienceStore::list_users(int limit) {
    return m_conn.run("listing users", [&](Tx& tx) {
        std::string sql = std::string("SELECT ") + k_user_columns + " FROM users ORDER BY id";
        Params params;
        if (limit > 0) {
            sql += " LIMIT $1";
            params.add(limit);
        }
        std::vector<model::User> users;
        for (const auto& row : tx.exec(sql, params)) {
            users.push_back(read_user(row));
        }
        return users;
    });
}

std::optional<RemovedUser> PgAudienceStore::remove_user(const std::string& id, TimePoint now) {
    return m_conn.run("removing a user", [&](Tx& tx) -> std::optional<RemovedUser> {
        // One snapshot: a notification enqueued for the user meanwhile is neither suppressed
        // nor anonymised (as if enqueued after the removal), never anonymised while unfinished.
        // A row another transaction changed meanwhile is a serialization failure, which
        // run() retries.
        tx.snapshot(false);
        if (tx.exec("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", Params().add(id)).empty()) {
            return std::nullopt;
        }
        RemovedUser removed;
        auto count = tx.exec("SELECT count(*) FROM devices WHERE user_id = $1", Params().add(id));
        removed.devices = static_cast<int>(count[0][0].as<std::int64_t>());

        // Unfinished rows end here; a row being sent right now is fenced out of its completion
        // because its status changes.
        auto suppressed = tx.exec(
            "WITH ended AS (UPDATE notifications SET status = 'suppressed', last_error = 'user "
            "removed', updated_at = $2, lease_owner = NULL, lease_until = NULL WHERE user_id = "
            "$1 AND status IN ('scheduled', 'queued', 'sending', 'retrying', 'held') RETURNING "
            "id) INSERT INTO events (notification_id, type, at, detail) SELECT id, "
            "'suppressed', $2, 'user removed' FROM ended",
            Params().add(id).add(now));
        removed.suppressed = static_cast<int>(suppressed.affected_rows());

        auto anonymised = tx.exec("UPDATE notifications SET recipient = '(removed)', user_id = "
                                  "NULL, updated_at = $2 WHERE user_id = $1",
                                  Params().add(id).add(now));
        removed.anonymised = static_cast<int>(anonymised.affected_rows());

        tx.exec("DELETE FROM users WHERE id = $1", Params().add(id)); // cascades
        return removed;
    });
}

std::optional<model::UserProfile> PgAudienceStore::profile(const std::string& id) {
    return m_conn.run("reading a user profile", [&](Tx& tx) -> std::optional<model::UserProfile> {
        tx.snapshot(true);
        auto u = tx.exec(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = $1",
                         Params().add(id));
        if (u.empty()) {
            return std::nullopt;
        }
        model::UserProfile p;
        p.user = read_user(u[0]);
        auto start = optional_int64(u[0][8]);
        auto end = optional_int64(u[0][9]);
        if (start && end) {
            p.quiet_hours = model::QuietHours{static_cast<int>(*start), static_cast<int>(*end)};
        }
        for (const auto& row : tx.exec(std::string("SELECT ") + k_device_columns +
                                           " FROM devices WHERE user_id = $1 ORDER BY id",
                                       Params().add(id))) {
            p.devices.push_back(read_device(row));
        }
        for (const auto& row :
             tx.exec("SELECT channel, category, opted_in, updated_at FROM preferences "
                     "WHERE user_id = $1 ORDER BY channel, category",
                     Params().add(id))) {
            p.preferences.push_back({row[0].c_str(), row[1].c_str(), row[2].as<std::int64_t>() != 0,
                                     from_unix_ms(row[3].as<std::int64_t>())});
        }
        return p;
    });
}

std::optional<std::int64_t> PgAudienceStore::add_device(const model::Device& d, TimePoint now) {
    return m_conn.run("adding a device", [&](Tx& tx) -> std::optional<std::int64_t> {
        if (!lock_user(tx, d.user_id)) {
            return std::nullopt;
        }
        auto r = tx.exec(
            "INSERT INTO devices (user_id, platform, token, app, registered_at) VALUES ($1, $2, "
            "$3, $4, $5) ON CONFLICT (platform, token) DO UPDATE SET user_id = EXCLUDED.user_id, "
            "app = EXCLUDED.app, registered_at = EXCLUDED.registered_at, invalidated_at = NULL, "
            "invalid_reason = NULL RETURNING id",
            Params().add(d.user_id).add(d.platform).add(d.token).add(d.app).add(now));
        return r[0][0].as<std::int64_t>();
    });
}

std::vector<model::Device> PgAudienceStore::list_devices(const std::optional<std::string>& user) {
    return m_conn.run("listing devices", [&](Tx& tx) {
        std::string sql = std::string("SELECT ") + k_device_columns + " FROM devices";
        Params params;
        if (user) {
            sql += " WHERE user_id = $1";
            params.add(*user);
        }
        sql += " ORDER BY id";
        std::vector<model::Device> devices;
        for (const auto& row : tx.exec(sql, params)) {
            devices.push_back(read_device(row));
        }
        return devices;
    });
}

bool PgAudienceStore::remove_device(std::int64_t id) {
    return m_conn.run("removing a device", [&](Tx& tx) {
        auto r = tx.exec("DELETE FROM devices WHERE id = $1", Params().add(id));
        return r.affected_rows() > 0;
    });
}

int PgAudienceStore::invalidate_token(const std::string& token, const std::string& reason,
                                      TimePoint now) {
    return m_conn.run("invalidating a device token", [&](Tx& tx) {
        auto r = tx.exec("UPDATE devices SET invalidated_at = $2, invalid_reason = $3 WHERE "
                         "token = $1 AND invalidated_at IS NULL",
                         Params().add(token).add(now).add(reason));
        return static_cast<int>(r.affected_rows());
    });
}

bool PgAudienceStore::set_preference(const std::string& user, const model::Preference& p,
                                     TimePoint now) {
    return m_conn.run("setting a preference", [&](Tx& tx) {
        if (!lock_user(tx, user)) {
            return false;
        }
        tx.exec("INSERT INTO preferences (user_id, channel, category, opted_in, updated_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, channel, category) DO UPDATE "
                "SET opted_in = EXCLUDED.opted_in, updated_at = EXCLUDED.updated_at",
                Params().add(user).add(p.channel).add(p.category).add(p.opted_in ? 1 : 0).add(now));
        return true;
    });
}

bool PgAudienceStore::clear_preference(const std::string& user, const std::string& channel,
                                       const std::string& category) {
    return m_conn.run("clearing a preference", [&](Tx& tx) {
        auto r =
            tx.exec("DELETE FROM preferences WHERE user_id = $1 AND channel = $2 AND category = $3",
                    Params().add(user).add(channel).add(category));
        return r.affected_rows() > 0;
    });
}

bool PgAudienceStore::set_quiet_hours(const std::string& user,
                                      const std::optional<model::QuietHours>& quiet,
                                      TimePoint now) {
    return m_conn.run("setting quiet hours", [&](Tx& tx) {
        Params params;
        params.add(user);
        if (quiet) {
            params.add(quiet->start_minute).add(quiet->end_minute);
        } else {
            params.add_null().add_null();
        }
        params.add(now);
        auto r = tx.exec(
            "UPDATE users SET quiet_start = $2, quiet_end = $3, updated_at = $4 WHERE id = $1",
            params);
        return r.affected_rows() > 0;
    });
}

int PgAudienceStore::opt_out_address(const std::string& address, const std::string& channel,
                                     TimePoint now) {
    return m_conn.run("recording an opt-out", [&](Tx& tx) {
        // The lock skips a user removed meanwhile instead of failing on the foreign key.
        auto r = tx.exec(
            "INSERT INTO preferences (user_id, channel, category, opted_in, updated_at) SELECT "
            "id, $2, '*', 0, $3 FROM users WHERE phone = $1 OR email = $1 FOR KEY SHARE ON "
            "CONFLICT (user_id, channel, category) DO UPDATE SET opted_in = 0, updated_at = "
            "EXCLUDED.updated_at",
            Params().add(address).add(channel).add(now));
        return static_cast<int>(r.affected_rows());
    });
}

} // namespace notify::store::pg
