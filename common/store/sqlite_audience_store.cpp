// Users, devices and preferences in SQLite.
#include "common/store/sqlite_audience_store.hpp"

namespace notify::store {

namespace {

constexpr const char* k_user_columns =
    "id, name, email, phone, locale, tz, created_at, updated_at, quiet_start, quiet_end";

constexpr const char* k_device_columns =
    "id, user_id, platform, token, app, registered_at, invalidated_at, invalid_reason";

model::User read_user(const Statement& s) {
    model::User u;
    u.id = s.text(0);
    u.name = s.optional_text(1);
    u.email = s.optional_text(2);
    u.phone = s.optional_text(3);
    u.locale = s.optional_text(4);
    u.tz = s.optional_text(5);
    u.created_at = from_unix_ms(s.int64(6));
    u.updated_at = from_unix_ms(s.int64(7));
    return u;
}

model::Device read_device(const Statement& s) {
    model::Device d;
    d.id = s.int64(0);
    d.user_id = s.text(1);
    d.platform = s.text(2);
    d.token = s.text(3);
    d.app = s.optional_text(4);
    d.registered_at = from_unix_ms(s.int64(5));
    if (auto at = s.optional_int64(6)) {
        d.invalidated_at = from_unix_ms(*at);
    }
    d.invalid_reason = s.optional_text(7);
    return d;
}

} // namespace

bool SqliteAudienceStore::user_exists(const std::string& id) {
    auto& q = m_db.prepare("SELECT 1 FROM users WHERE id = ?1");
    q.bind(1, id);
    bool found = q.step();
    q.reset();
    return found;
}

bool SqliteAudienceStore::add_user(const model::User& u, TimePoint now) {
    Transaction tx(m_db);
    auto& q = m_db.prepare("INSERT INTO users (id, name, email, phone, locale, tz, created_at, "
                           "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) "
                           "ON CONFLICT (id) DO NOTHING");
    q.bind(1, u.id)
        .bind(2, u.name)
        .bind(3, u.email)
        .bind(4, u.phone)
        .bind(5, u.locale)
        .bind(6, u.tz)
        .bind(7, to_unix_ms(now));
    q.run();
    if (m_db.changes() == 0) {
        return false;
    }
    tx.commit();
    return true;
}

bool SqliteAudienceStore::update_user(const model::User& u, TimePoint now) {
    Transaction tx(m_db);
    auto& q = m_db.prepare("UPDATE users SET name = ?2, email = ?3, phone = ?4, locale = ?5, "
                           "tz = ?6, updated_at = ?7 WHERE id = ?1");
    q.bind(1, u.id)
        .bind(2, u.name)
        .bind(3, u.email)
        .bind(4, u.phone)
        .bind(5, u.locale)
        .bind(6, u.tz)
        .bind(7, to_unix_ms(now));
    q.run();
    if (m_db.changes() == 0) {
        return false;
    }
    tx.commit();
    return true;
}

std::optional<model::User> SqliteAudienceStore::find_user(const std::string& id) {
    auto& q = m_db.prepare(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) {
        return std::nullopt;
    }
    auto user = read_user(q);
    q.reset();
    return user;
}

std::vector<model::User> SqliteAudienceStore::list_users(int limit) {
    std::string sql = std::string("SELECT ") + k_user_columns + " FROM users ORDER BY id";
    if (limit > 0) {
        sql += " LIMIT ?1";
    }
    auto& q = m_db.prepare(sql);
    if (limit > 0) {
        q.bind(1, limit);
    }
    std::vector<model::User> users;
    while (q.step()) {
        users.push_back(read_user(q));
    }
    return users;
}

std::optional<RemovedUser> SqliteAudienceStore::remove_user(const std::string& id, TimePoint now) {
    Transaction tx(m_db);
    if (!user_exists(id)) {
        return std::nullopt;
    }
    RemovedUser removed;
    auto& count = m_db.prepare("SELECT count(*) FROM devices WHERE user_id = ?1");
    count.bind(1, id);
    count.step();
    removed.devices = static_cast<int>(count.int64(0));
    count.reset();

    // Unfinished rows end here; a row being sent right now is fenced out of its completion
    // because its status changes.
    auto& pending = m_db.prepare(
        "UPDATE notifications SET status = 'suppressed', last_error = 'user removed', "
        "updated_at = ?2, lease_owner = NULL, lease_until = NULL WHERE user_id = ?1 AND status "
        "IN ('scheduled', 'queued', 'sending', 'retrying', 'held') RETURNING id");
    pending.bind(1, id).bind(2, to_unix_ms(now));
    std::vector<std::int64_t> ids;
    while (pending.step()) {
        ids.push_back(pending.int64(0));
    }
    pending.reset();
    for (auto nid : ids) {
        auto& e = m_db.prepare(
            "INSERT INTO events (notification_id, type, at, detail) VALUES (?1, ?2, ?3, ?4)");
        e.bind(1, nid).bind(2, "suppressed").bind(3, to_unix_ms(now)).bind(4, "user removed");
        e.run();
    }
    removed.suppressed = static_cast<int>(ids.size());

    auto& anonymise = m_db.prepare("UPDATE notifications SET recipient = '(removed)', user_id = "
                                   "NULL, updated_at = ?2 WHERE user_id = ?1");
    anonymise.bind(1, id).bind(2, to_unix_ms(now));
    anonymise.run();
    removed.anonymised = m_db.changes();

    auto& del = m_db.prepare("DELETE FROM users WHERE id = ?1"); // cascades
    del.bind(1, id);
    del.run();
    tx.commit();
    return removed;
}

std::optional<model::UserProfile> SqliteAudienceStore::profile(const std::string& id) {
    ReadTransaction rtx(m_db);
    auto& q = m_db.prepare(std::string("SELECT ") + k_user_columns + " FROM users WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) {
        return std::nullopt;
    }
    model::UserProfile p;
    p.user = read_user(q);
    auto start = q.optional_int64(8);
    auto end = q.optional_int64(9);
    if (start && end) {
        p.quiet_hours = model::QuietHours{static_cast<int>(*start), static_cast<int>(*end)};
    }
    q.reset();
    auto& d = m_db.prepare(std::string("SELECT ") + k_device_columns +
                           " FROM devices WHERE user_id = ?1 ORDER BY id");
    d.bind(1, id);
    while (d.step()) {
        p.devices.push_back(read_device(d));
    }
    auto& pr = m_db.prepare("SELECT channel, category, opted_in, updated_at FROM preferences "
                            "WHERE user_id = ?1 ORDER BY channel, category");
    pr.bind(1, id);
    while (pr.step()) {
        p.preferences.push_back(
            {pr.text(0), pr.text(1), pr.int64(2) != 0, from_unix_ms(pr.int64(3))});
    }
    return p;
}

std::optional<std::int64_t> SqliteAudienceStore::add_device(const model::Device& d, TimePoint now) {
    Transaction tx(m_db);
    if (!user_exists(d.user_id)) {
        return std::nullopt;
    }
    auto& q = m_db.prepare(
        "INSERT INTO devices (user_id, platform, token, app, registered_at) VALUES (?1, ?2, ?3, "
        "?4, ?5) ON CONFLICT (platform, token) DO UPDATE SET user_id = excluded.user_id, app = "
        "excluded.app, registered_at = excluded.registered_at, invalidated_at = NULL, "
        "invalid_reason = NULL RETURNING id");
    q.bind(1, d.user_id)
        .bind(2, d.platform)
        .bind(3, d.token)
        .bind(4, d.app)
        .bind(5, to_unix_ms(now));
    q.step();
    std::int64_t id = q.int64(0);
    q.run();
    tx.commit();
    return id;
}

std::vector<model::Device>
SqliteAudienceStore::list_devices(const std::optional<std::string>& user) {
    std::string sql = std::string("SELECT ") + k_device_columns + " FROM devices";
    if (user) {
        sql += " WHERE user_id = ?1";
    }
    sql += " ORDER BY id";
    auto& q = m_db.prepare(sql);
    if (user) {
        q.bind(1, *user);
    }
    std::vector<model::Device> devices;
    while (q.step()) {
        devices.push_back(read_device(q));
    }
    return devices;
}

bool SqliteAudienceStore::remove_device(std::int64_t id) {
    Transaction tx(m_db);
    auto& q = m_db.prepare("DELETE FROM devices WHERE id = ?1");
    q.bind(1, id);
    q.run();
    if (m_db.changes() == 0) {
        return false;
    }
    tx.commit();
    return true;
}

int SqliteAudienceStore::invalidate_token(const std::string& token, const std::string& reason,
                                          TimePoint now) {
    Transaction tx(m_db);
    auto& q = m_db.prepare("UPDATE devices SET invalidated_at = ?2, invalid_reason = ?3 WHERE "
                           "token = ?1 AND invalidated_at IS NULL");
    q.bind(1, token).bind(2, to_unix_ms(now)).bind(3, reason);
    q.run();
    int marked = m_db.changes();
    tx.commit();
    return marked;
}

bool SqliteAudienceStore::set_preference(const std::string& user, const model::Preference& p,
                                         TimePoint now) {
    Transaction tx(m_db);
    if (!user_exists(user)) {
        return false;
    }
    auto& q = m_db.prepare(
        "INSERT INTO preferences (user_id, channel, category, opted_in, updated_at) VALUES (?1, "
        "?2, ?3, ?4, ?5) ON CONFLICT (user_id, channel, category) DO UPDATE SET opted_in = "
        "excluded.opted_in, updated_at = excluded.updated_at");
    q.bind(1, user)
        .bind(2, p.channel)
        .bind(3, p.category)
        .bind(4, p.opted_in ? 1 : 0)
        .bind(5, to_unix_ms(now));
    q.run();
    tx.commit();
    return true;
}

bool SqliteAudienceStore::clear_preference(const std::string& user, const std::string& channel,
                                           const std::string& category) {
    Transaction tx(m_db);
    auto& q = m_db.prepare(
        "DELETE FROM preferences WHERE user_id = ?1 AND channel = ?2 AND category = ?3");
    q.bind(1, user).bind(2, channel).bind(3, category);
    q.run();
    if (m_db.changes() == 0) {
        return false;
    }
    tx.commit();
    return true;
}

bool SqliteAudienceStore::set_quiet_hours(const std::string& user,
                                          const std::optional<model::QuietHours>& quiet,
                                          TimePoint now) {
    Transaction tx(m_db);
    auto& q = m_db.prepare(
        "UPDATE users SET quiet_start = ?2, quiet_end = ?3, updated_at = ?4 WHERE id = ?1");
    q.bind(1, user);
    if (quiet) {
        q.bind(2, quiet->start_minute).bind(3, quiet->end_minute);
    } else {
        q.bind_null(2).bind_null(3);
    }
    q.bind(4, to_unix_ms(now));
    q.run();
    if (m_db.changes() == 0) {
        return false;
    }
    tx.commit();
    return true;
}

int SqliteAudienceStore::opt_out_address(const std::string& address, const std::string& channel,
                                         TimePoint now) {
    Transaction tx(m_db);
    auto& q = m_db.prepare(
        "INSERT INTO preferences (user_id, channel, category, opted_in, updated_at) SELECT id, "
        "?2, '*', 0, ?3 FROM users WHERE phone = ?1 OR email = ?1 ON CONFLICT (user_id, "
        "channel, category) DO UPDATE SET opted_in = 0, updated_at = excluded.updated_at");
    q.bind(1, address).bind(2, channel).bind(3, to_unix_ms(now));
    q.run();
    int applied = m_db.changes();
    tx.commit();
    return applied;
}

} // namespace notify::store
