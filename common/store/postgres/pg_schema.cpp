// PostgreSQL migrations of the job store; see pg_schema.hpp.
#include "common/store/postgres/pg_schema.hpp"

namespace notify::store::pg {

const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> k_migrations = {
        // 1: the whole schema of SQLite's ten migrations, and the registry of dispatchers.
        // Text keys that listings sort by are COLLATE "C": byte order, as SQLite's BINARY,
        // whatever the database's locale.
        R"sql(
CREATE FUNCTION notify_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
    $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    status      text    NOT NULL,
    channel     text    NOT NULL,
    recipient   text    NOT NULL,
    user_id     text COLLATE "C",
    provider    text,
    template    text COLLATE "C",
    event_id    text,
    priority    integer NOT NULL DEFAULT 1,
    subject     text,
    title       text,
    body        text,
    data        text    NOT NULL DEFAULT '{}',
    due_at      bigint  NOT NULL,
    created_at  bigint  NOT NULL,
    updated_at  bigint  NOT NULL,
    expires_at  bigint,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    sent_at     bigint,
    lease_owner text,
    lease_until bigint,
    category    text
);
CREATE INDEX notifications_lane ON notifications (channel, priority, due_at, id)
    WHERE status IN ('scheduled', 'queued', 'retrying');
CREATE INDEX notifications_claimable ON notifications (priority, due_at, id)
    WHERE status IN ('scheduled', 'queued', 'retrying');
CREATE INDEX notifications_leased ON notifications (lease_until) WHERE status = 'sending';
CREATE INDEX notifications_owner ON notifications (lease_owner) WHERE status = 'sending';
CREATE INDEX notifications_status ON notifications (status, channel);
CREATE INDEX notifications_event_id ON notifications (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX notifications_user ON notifications (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_expiry ON notifications (expires_at)
    WHERE expires_at IS NOT NULL AND status IN ('scheduled', 'queued', 'retrying');

CREATE TABLE attempts (
    id              bigserial PRIMARY KEY,
    notification_id bigint  NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    n               integer NOT NULL,
    provider        text    NOT NULL,
    started_at      bigint  NOT NULL,
    finished_at     bigint,
    outcome         text    NOT NULL,
    detail          text    NOT NULL DEFAULT ''
);
CREATE INDEX attempts_notification ON attempts (notification_id, id);
CREATE INDEX attempts_finished ON attempts (finished_at);
CREATE INDEX attempts_receipt ON attempts (provider, detail) WHERE outcome = 'sent';

CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    type            text   NOT NULL,
    at              bigint NOT NULL,
    detail          text   NOT NULL DEFAULT ''
);
CREATE INDEX events_notification ON events (notification_id, id);
CREATE INDEX events_at ON events (at);

CREATE TABLE attachments (
    id              bigserial PRIMARY KEY,
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    filename        text   NOT NULL,
    content_type    text   NOT NULL,
    size            bigint NOT NULL,
    content         bytea
);
CREATE INDEX attachments_notification ON attachments (notification_id, id);

CREATE TABLE schedules (
    name       text    COLLATE "C" PRIMARY KEY,
    cron       text    NOT NULL,
    tz         text    NOT NULL,
    paused     integer NOT NULL DEFAULT 0,
    content    text    NOT NULL,
    catch_up   text    NOT NULL DEFAULT 'one',
    created_at bigint  NOT NULL,
    updated_at bigint  NOT NULL,
    next_at    bigint,
    last_slot  bigint
);
-- A slot fires at most once, whichever instance gets there first.
CREATE TABLE schedule_fires (
    schedule text   COLLATE "C" NOT NULL,
    slot_at  bigint NOT NULL,
    fired_at bigint NOT NULL,
    ids      text   NOT NULL DEFAULT '',
    PRIMARY KEY (schedule, slot_at)
);

CREATE TABLE rate_buckets (
    key        text             COLLATE "C" PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_at bigint           NOT NULL
);

CREATE TABLE users (
    id          text    COLLATE "C" PRIMARY KEY,
    name        text,
    email       text,
    phone       text,
    locale      text,
    tz          text,
    quiet_start integer,
    quiet_end   integer,
    created_at  bigint  NOT NULL,
    updated_at  bigint  NOT NULL
);
CREATE INDEX users_email ON users (email) WHERE email IS NOT NULL;
CREATE INDEX users_phone ON users (phone) WHERE phone IS NOT NULL;
CREATE TABLE devices (
    id             bigserial PRIMARY KEY,
    user_id        text   COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform       text   NOT NULL,
    token          text   NOT NULL,
    app            text,
    registered_at  bigint NOT NULL,
    invalidated_at bigint,
    invalid_reason text,
    UNIQUE (platform, token)
);
CREATE INDEX devices_user ON devices (user_id);
CREATE INDEX devices_token ON devices (token);
CREATE TABLE preferences (
    user_id    text    COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    text    COLLATE "C" NOT NULL,
    category   text    COLLATE "C" NOT NULL,
    opted_in   integer NOT NULL,
    updated_at bigint  NOT NULL,
    PRIMARY KEY (user_id, channel, category)
);

-- Dispatchers sharing the store; seen_at is the server clock of the last heartbeat.
CREATE TABLE instances (
    owner      text   PRIMARY KEY,
    started_at bigint NOT NULL,
    seen_at    bigint NOT NULL
);

-- Rows that are due now (or within a second) wake the listening dispatchers. NOTIFY is
-- delivered at commit, once per transaction for the same payload.
CREATE FUNCTION notify_due_signal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('scheduled', 'queued', 'retrying') AND NEW.due_at <= notify_now_ms() + 1000
    THEN
        PERFORM pg_notify('notify_due', '');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_due AFTER INSERT OR UPDATE OF status, due_at ON notifications
    FOR EACH ROW EXECUTE FUNCTION notify_due_signal();
)sql",
        // 2: events take their sequence number under a shared advisory lock (20052, 1024:
        // k_lock_class, k_event_writer_lock) that their transaction holds until it ends, so a
        // reader following the log can wait for the writers that may still commit a lower one.
        // Shared locks do not conflict with each other: writers never wait for one another.
        R"sql(
CREATE FUNCTION notify_event_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(20052, 1024);
    RETURN nextval('events_id_seq');
END $$;
ALTER TABLE events ALTER COLUMN id SET DEFAULT notify_event_seq();
)sql",
    };
    return k_migrations;
}

} // namespace notify::store::pg
