// SQLite migrations of the job store. Times are integer UTC milliseconds since the epoch.
#include "common/store/schema.hpp"

namespace notify::store {

const std::vector<std::string_view>& sqlite_migrations() {
    static const std::vector<std::string_view> k_migrations = {
        // 1: notifications, attempts, events.
        R"sql(
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    status      TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    user_id     TEXT,
    provider    TEXT,
    template    TEXT,
    event_id    TEXT,
    priority    INTEGER NOT NULL DEFAULT 1,
    subject     TEXT,
    title       TEXT,
    body        TEXT,
    data        TEXT    NOT NULL DEFAULT '{}',
    due_at      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    sent_at     INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
) STRICT;
CREATE INDEX notifications_claimable ON notifications (priority, due_at, id)
    WHERE status IN ('scheduled', 'queued', 'retrying');
CREATE INDEX notifications_leased ON notifications (lease_until) WHERE status = 'sending';
CREATE INDEX notifications_status ON notifications (status, channel);
CREATE INDEX notifications_event_id ON notifications (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX notifications_user ON notifications (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    n               INTEGER NOT NULL,
    provider        TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    outcome         TEXT    NOT NULL,
    detail          TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX attempts_notification ON attempts (notification_id, id);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    type            TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    detail          TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_notification ON events (notification_id, id);
)sql",
        // 2: cron schedules and the slots they fired (unique: a slot never fires twice).
        R"sql(
CREATE TABLE schedules (
    name       TEXT    PRIMARY KEY,
    cron       TEXT    NOT NULL,
    tz         TEXT    NOT NULL,
    paused     INTEGER NOT NULL DEFAULT 0,
    content    TEXT    NOT NULL,
    catch_up   TEXT    NOT NULL DEFAULT 'one',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    next_at    INTEGER,
    last_slot  INTEGER
) STRICT;
CREATE TABLE schedule_fires (
    schedule TEXT    NOT NULL,
    slot_at  INTEGER NOT NULL,
    fired_at INTEGER NOT NULL,
    ids      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (schedule, slot_at)
) STRICT;
)sql",
        // 3: per-channel claims for the dispatcher's lanes.
        R"sql(
CREATE INDEX notifications_lane ON notifications (channel, priority, due_at, id)
    WHERE status IN ('scheduled', 'queued', 'retrying');
)sql",
        // 4: token buckets of rate limits, shared by every dispatcher and kept across restarts.
        R"sql(
CREATE TABLE rate_buckets (
    key        TEXT    PRIMARY KEY,
    tokens     REAL    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
)sql",
        // 5: the audience (users, devices, preferences), the category of a notification, and
        // events and attempts by time (notify events --since, stats rates).
        R"sql(
ALTER TABLE notifications ADD COLUMN category TEXT;
CREATE TABLE users (
    id          TEXT    PRIMARY KEY,
    name        TEXT,
    email       TEXT,
    phone       TEXT,
    locale      TEXT,
    tz          TEXT,
    quiet_start INTEGER,
    quiet_end   INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX users_email ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
CREATE TABLE devices (
    id             INTEGER PRIMARY KEY,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform       TEXT    NOT NULL,
    token          TEXT    NOT NULL,
    app            TEXT,
    registered_at  INTEGER NOT NULL,
    invalidated_at INTEGER,
    invalid_reason TEXT,
    UNIQUE (platform, token)
) STRICT;
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_token ON devices (token);
CREATE TABLE preferences (
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    opted_in   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, channel, category)
) STRICT;
CREATE INDEX events_at ON events (at);
CREATE INDEX attempts_finished ON attempts (finished_at);
)sql",
        // 6: e-mail attachments, read at enqueue; `content` is set to NULL once the
        // notification is sent (name, type and size stay).
        R"sql(
CREATE TABLE attachments (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    filename        TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    content         BLOB
) STRICT;
CREATE INDEX attachments_notification ON attachments (notification_id, id);
)sql",
        // 7: delivery reports (status callbacks) find a notification by its provider receipt.
        R"sql(
CREATE INDEX attempts_receipt ON attempts (provider, detail) WHERE outcome = 'sent';
)sql",
        // 8: rows per (status, channel), kept by triggers, so that `notify stats` and /metrics
        // read a few counters instead of counting a million rows.
        R"sql(
CREATE TABLE status_counts (
    status  TEXT    NOT NULL,
    channel TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (status, channel)
) WITHOUT ROWID, STRICT;
INSERT INTO status_counts (status, channel, n)
    SELECT status, channel, count(*) FROM notifications GROUP BY status, channel;
CREATE TRIGGER status_counts_insert AFTER INSERT ON notifications BEGIN
    INSERT INTO status_counts (status, channel, n) VALUES (new.status, new.channel, 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER status_counts_delete AFTER DELETE ON notifications BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = old.status AND channel = old.channel;
END;
CREATE TRIGGER status_counts_update AFTER UPDATE OF status, channel ON notifications
    WHEN old.status IS NOT new.status OR old.channel IS NOT new.channel BEGIN
    UPDATE status_counts SET n = n - 1 WHERE status = old.status AND channel = old.channel;
    INSERT INTO status_counts (status, channel, n) VALUES (new.status, new.channel, 1)
        ON CONFLICT (status, channel) DO UPDATE SET n = n + 1;
END;
)sql",
        // 9: notifyd looks for rows whose TTL ran out every second; without an index that read
        // every waiting row. Only rows with a TTL are in it.
        R"sql(
CREATE INDEX notifications_expiry ON notifications (expires_at)
    WHERE expires_at IS NOT NULL AND status IN ('scheduled', 'queued', 'retrying');
)sql",
        // 10: every claim and the next wake-up read the lane index channel by channel, so the
        // claimable index (the same rows without the channel) only cost every insert and
        // every change of status its upkeep.
        R"sql(
DROP INDEX IF EXISTS notifications_claimable;
)sql",
    };
    return k_migrations;
}

} // namespace notify::store
