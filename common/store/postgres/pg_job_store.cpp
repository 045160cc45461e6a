// The PostgreSQL job store: the semantics of the SQLite store (sqlite_job_store.cpp) for
// several notifyd instances sharing one database. Claims take rows with FOR UPDATE SKIP LOCKED,
// completions are fenced by status, lease owner and attempt, each dispatcher heartbeats in
// `instances`, and the rows of one that went silent are rescued by the others.
#include "common/store/postgres/pg_job_store.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/schedule/time_text.hpp"
#include "common/store/completion_rows.hpp"
#include "common/store/operator_verbs.hpp"
#include "common/store/postgres/pg_audience_store.hpp"
#include "common/store/postgres/pg_schema.hpp"

namespace notify::store::pg {

namespace {

using model::Notification;
using model::Status;

// Identifies the store's metadata and serialises migrations: pg_advisory_xact_lock(key).
constexpr std::int64_t k_migration_lock = 0x4e544659; // "NTFY"

// Effective status: scheduled and queued are told apart by due_at against $1 (now).
constexpr const char* k_columns =
    "id, CASE WHEN status IN ('scheduled', 'queued') THEN CASE WHEN due_at > $1 THEN "
    "'scheduled' ELSE 'queued' END ELSE status END, channel, recipient, user_id, provider, "
    "template, event_id, priority, subject, title, body, data, due_at, created_at, "
    "updated_at, expires_at, attempts, last_error, sent_at, category";

constexpr const char* k_claimable = "status IN ('scheduled', 'queued', 'retrying')";

std::optional<std::string> opt_text(const pqxx::field& f) {
    if (f.is_null()) {
        return std::nullopt;
    }
    return std::string(f.c_str(), f.size());
}

std::string text(const pqxx::field& f) {
    return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}

std::int64_t int64(const pqxx::field& f) {
    return f.is_null() ? 0 : f.as<std::int64_t>();
}

std::optional<TimePoint> opt_time(const pqxx::field& f) {
    if (f.is_null()) {
        return std::nullopt;
    }
    return from_unix_ms(f.as<std::int64_t>());
}

Notification read_notification(const pqxx::row& r) {
    Notification n;
    n.id = int64(r[0]);
    n.status = model::parse_status(text(r[1])).value_or(Status::queued);
    n.channel = text(r[2]);
    n.to = text(r[3]);
    n.user = opt_text(r[4]);
    n.provider = opt_text(r[5]);
    n.template_name = opt_text(r[6]);
    n.event_id = opt_text(r[7]);
    n.priority = static_cast<model::Priority>(std::clamp<std::int64_t>(int64(r[8]), 0, 2));
    n.subject = opt_text(r[9]);
    n.title = opt_text(r[10]);
    n.body = opt_text(r[11]);
    n.data_json = text(r[12]);
    n.due_at = from_unix_ms(int64(r[13]));
    n.created_at = from_unix_ms(int64(r[14]));
    n.updated_at = from_unix_ms(int64(r[15]));
    n.expires_at = opt_time(r[16]);
    n.attempts = static_cast<int>(int64(r[17]));
    n.last_error = opt_text(r[18]);
    n.sent_at = opt_time(r[19]);
    n.category = opt_text(r[20]);
    return n;
}

std::string status_sql(Status s) {
    return std::string(model::to_string(s));
}

// Events and attempt rows written with a completion, as parallel text arrays.
struct Rows {
    std::vector<std::string> a, b, c;
    void add(std::string x, std::string y, std::string z = {}) {
        a.push_back(std::move(x));
        b.push_back(std::move(y));
        c.push_back(std::move(z));
    }
};

class PgJobStore;

// The transaction of begin_enqueue(): open until commit() or destruction (rollback).
class Batch final : public EnqueueBatch {
  public:
    Batch(PgJobStore& store, TimePoint now);
    ~Batch() override;
    EnqueueResult add(const EnqueueRequest& request) override;
    void commit() override;

  private:
    PgJobStore& m_store;
    std::unique_ptr<pqxx::work> m_work;
    TimePoint m_now;
};

class Import final : public RowImport {
  public:
    explicit Import(PgJobStore& store);
    ~Import() override;
    void add(const PortableTable& table, const Row& row) override;
    void commit() override;

  private:
    PgJobStore& m_store;
    std::unique_ptr<pqxx::work> m_work;
};

class PgJobStore final : public JobStore {
  public:
    explicit PgJobStore(const PostgresOptions& options) : m_conn(options), m_audience(m_conn) {
        if (options.migrate) {
            migrate();
        }
        refresh_clock();
    }

    SchemaVersion schema_version() override {
        return m_conn.run("reading the schema version", [&](Tx& tx) {
            SchemaVersion v;
            v.latest = static_cast<std::int64_t>(migrations().size());
            if (!tx.exec("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                         "current_schema() AND tablename = 'notify_meta'")
                     .empty()) {
                auto r = tx.exec("SELECT value FROM notify_meta WHERE key = 'schema_version'");
                v.current = r.empty() ? 0 : std::stoll(text(r[0][0]));
            }
            return v;
        });
    }

    AudienceStore& audience() override { return m_audience; }
    bool shared() const override { return true; }
    std::string describe() const override { return m_conn.display(); }
    std::optional<Millis> clock_offset() override { return m_offset; }
    Connection& connection() { return m_conn; }

    EnqueueResult enqueue(const EnqueueRequest& request, TimePoint now) override {
        return m_conn.run("enqueuing", [&](Tx& tx) { return enqueue_locked(tx, request, now); });
    }

    std::unique_ptr<EnqueueBatch> begin_enqueue(TimePoint now) override {
        return std::make_unique<Batch>(*this, now);
    }

    std::vector<Notification> list(const ListFilter& filter, TimePoint now) override {
        std::string sql = std::string("SELECT ") + k_columns + " FROM notifications WHERE true";
        Params p;
        p.add(now);
        if (filter.status) {
            switch (*filter.status) {
            case Status::scheduled:
                sql += " AND status IN ('scheduled', 'queued') AND due_at > $1";
                break;
            case Status::queued:
                sql += " AND status IN ('scheduled', 'queued') AND due_at <= $1";
                break;
            default:
                p.add(status_sql(*filter.status));
                sql += " AND status = $" + std::to_string(p.size());
            }
        }
        if (filter.channel) {
            p.add(*filter.channel);
            sql += " AND channel = $" + std::to_string(p.size());
        }
        if (filter.user) {
            p.add(*filter.user);
            sql += " AND user_id = $" + std::to_string(p.size());
        }
        sql += " ORDER BY id";
        if (filter.limit > 0) {
            p.add(filter.limit);
            sql += " LIMIT $" + std::to_string(p.size());
        }
        return m_conn.once("listing notifications", [&](Tx& tx) {
            std::vector<Notification> rows;
            for (const auto& r : tx.exec(sql, p)) {
                rows.push_back(read_notification(r));
            }
            return rows;
        });
    }

    std::optional<model::NotificationDetail> find(std::int64_t id, TimePoint now) override {
        return m_conn.run(
            "reading a notification", [&](Tx& tx) -> std::optional<model::NotificationDetail> {
                auto r = tx.exec(std::string("SELECT ") + k_columns +
                                     " FROM notifications WHERE id = $2",
                                 Params().add(now).add(id));
                if (r.empty()) {
                    return std::nullopt;
                }
                model::NotificationDetail detail;
                detail.notification = read_notification(r[0]);
                for (const auto& a : tx.exec("SELECT n, provider, started_at, finished_at, "
                                             "outcome, detail FROM attempts WHERE "
                                             "notification_id = $1 ORDER BY id",
                                             Params().add(id))) {
                    model::Attempt attempt;
                    attempt.n = static_cast<int>(int64(a[0]));
                    attempt.provider = text(a[1]);
                    attempt.started_at = from_unix_ms(int64(a[2]));
                    attempt.finished_at = opt_time(a[3]);
                    attempt.outcome = text(a[4]);
                    attempt.detail = text(a[5]);
                    detail.attempts.push_back(std::move(attempt));
                }
                for (const auto& e : tx.exec("SELECT type, at, detail FROM events WHERE "
                                             "notification_id = $1 ORDER BY id",
                                             Params().add(id))) {
                    detail.events.push_back({text(e[0]), from_unix_ms(int64(e[1])), text(e[2])});
                }
                for (const auto& f : tx.exec("SELECT filename, content_type, size, content IS NOT "
                                             "NULL FROM attachments WHERE notification_id = $1 "
                                             "ORDER BY id",
                                             Params().add(id))) {
                    model::Attachment file;
                    file.filename = text(f[0]);
                    file.content_type = text(f[1]);
                    file.size = int64(f[2]);
                    file.stored = f[3].as<bool>();
                    detail.attachments.push_back(std::move(file));
                }
                return detail;
            });
    }

    std::vector<model::Attachment> attachments(std::int64_t id) override {
        return m_conn.once("reading attachments", [&](Tx& tx) {
            std::vector<model::Attachment> files;
            for (const auto& f : tx.exec("SELECT filename, content_type, size, content FROM "
                                         "attachments WHERE notification_id = $1 ORDER BY id",
                                         Params().add(id))) {
                model::Attachment file;
                file.filename = text(f[0]);
                file.content_type = text(f[1]);
                file.size = int64(f[2]);
                file.stored = !f[3].is_null();
                if (file.stored) {
                    pqxx::binarystring bytes(f[3]);
                    file.bytes = bytes.str();
                }
                files.push_back(std::move(file));
            }
            return files;
        });
    }

    VerbResult apply(Verb verb, const std::vector<std::int64_t>& ids, TimePoint now) override {
        return m_conn.run("changing notifications", [&](Tx& tx) {
            VerbResult result;
            struct Target {
                std::int64_t id;
                Status status;
                int attempts;
                TimePoint due_at;
            };
            std::vector<Target> targets;
            std::set<std::int64_t> seen;
            for (std::int64_t id : ids) {
                if (!seen.insert(id).second) {
                    continue; // the same id twice acts (or is reported) once
                }
                auto r = tx.exec(std::string("SELECT ") + k_columns +
                                     " FROM notifications WHERE id = $2 FOR UPDATE",
                                 Params().add(now).add(id));
                if (r.empty()) {
                    result.missing.push_back(id);
                    continue;
                }
                Notification n = read_notification(r[0]);
                if (auto why = verb_refusal(verb, n.status)) {
                    result.refused.push_back(std::to_string(id) + " is " +
                                             std::string(model::to_string(n.status)) + "; " + *why);
                    continue;
                }
                targets.push_back({id, n.status, n.attempts, n.due_at});
            }
            if (!result.missing.empty() || !result.refused.empty()) {
                tx.rollback_only();
                return result;
            }
            for (const Target& t : targets) {
                apply_one(tx, verb, t.id, t.status, t.attempts, t.due_at, now);
                result.changed.push_back(t.id);
            }
            return result;
        });
    }

    std::int64_t purge(TimePoint before, std::optional<Status> status) override {
        std::string sql = "DELETE FROM notifications WHERE updated_at < $1 AND ";
        Params p;
        p.add(before);
        if (status) {
            p.add(status_sql(*status));
            sql += "status = $2";
        } else {
            sql += "status IN ('sent', 'dead', 'cancelled', 'suppressed')";
        }
        return m_conn.run("purging", [&](Tx& tx) {
            return static_cast<std::int64_t>(tx.exec(sql, p).affected_rows());
        });
    }

    // PostgreSQL counts the rows by status and channel through the status index; the shape of
    // the queue reads only the rows that are due or being sent.
    Stats stats(TimePoint now) override {
        return m_conn.run("reading queue statistics", [&](Tx& tx) {
            Stats stats;
            std::map<std::string, std::int64_t> waiting;
            for (const auto& r : tx.exec("SELECT status, channel, count(*) FROM notifications "
                                         "GROUP BY status, channel")) {
                auto status = model::parse_status(text(r[0]));
                if (!status) {
                    continue;
                }
                const std::int64_t n = int64(r[2]);
                stats.total += n;
                if (*status == Status::scheduled || *status == Status::queued) {
                    waiting[text(r[1])] += n;
                    continue;
                }
                stats.by_status[*status] += n;
                stats.by_channel[text(r[1])][*status] += n;
            }
            const auto& edges = age_bucket_edges();
            std::string bucket = "CASE";
            for (std::size_t i = 0; i < edges.size(); ++i) {
                bucket += " WHEN $1 - due_at < " + std::to_string(edges[i].count()) + " THEN " +
                          std::to_string(i);
            }
            bucket += " ELSE " + std::to_string(edges.size()) + " END";
            auto add_shape = [&](const std::string& channel, std::int64_t b, std::int64_t n) {
                auto& shape = stats.waiting_by_age[channel];
                shape.resize(edges.size() + 1, 0);
                shape[static_cast<std::size_t>(b)] += n;
            };
            std::optional<std::int64_t> oldest;
            std::map<std::string, std::int64_t> due_waiting;
            for (const auto& r :
                 tx.exec(std::string("SELECT channel, status = 'retrying', ") + bucket +
                             ", count(*), min(due_at) FROM notifications WHERE " + k_claimable +
                             " AND due_at <= $1 GROUP BY 1, 2, 3",
                         Params().add(now))) {
                const std::string channel = text(r[0]);
                const std::int64_t n = int64(r[3]);
                stats.due_now += n;
                oldest = oldest ? std::min(*oldest, int64(r[4])) : int64(r[4]);
                add_shape(channel, int64(r[2]), n);
                if (!r[1].as<bool>()) {
                    due_waiting[channel] += n;
                }
            }
            for (const auto& [channel, stored] : waiting) {
                auto it = due_waiting.find(channel);
                const std::int64_t due = it == due_waiting.end() ? 0 : it->second;
                if (due > 0) {
                    stats.by_status[Status::queued] += due;
                    stats.by_channel[channel][Status::queued] += due;
                }
                if (stored > due) {
                    stats.by_status[Status::scheduled] += stored - due;
                    stats.by_channel[channel][Status::scheduled] += stored - due;
                }
            }
            if (oldest) {
                stats.oldest_due_age = now - from_unix_ms(*oldest);
            }
            for (const auto& r : tx.exec("SELECT channel, " + bucket +
                                             ", count(*) FROM notifications WHERE status = "
                                             "'sending' GROUP BY 1, 2",
                                         Params().add(now))) {
                add_shape(text(r[0]), int64(r[1]), int64(r[2]));
            }
            auto rates = tx.exec("SELECT count(*) FILTER (WHERE outcome = 'sent'), count(*) "
                                 "FILTER (WHERE outcome NOT IN ('sent', 'rescued')) FROM "
                                 "attempts WHERE finished_at >= $1",
                                 Params().add(now - stats.rate_window));
            stats.sent_in_window = int64(rates[0][0]);
            stats.failed_in_window = int64(rates[0][1]);
            return stats;
        });
    }

    std::vector<TemplateEngagement> engagement(TimePoint since) override {
        return m_conn.run("reading engagement", [&](Tx& tx) {
            std::vector<TemplateEngagement> rows;
            for (const auto& r :
                 tx.exec("SELECT n.template, count(*), "
                         "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events o WHERE "
                         "o.notification_id = n.id AND o.type = 'opened')), "
                         "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events c WHERE "
                         "c.notification_id = n.id AND c.type = 'clicked')) "
                         "FROM notifications n WHERE n.id IN (SELECT notification_id FROM attempts "
                         "WHERE finished_at >= $1 AND outcome = 'sent') GROUP BY n.template "
                         "ORDER BY n.template NULLS FIRST",
                         Params().add(since))) {
                rows.push_back(
                    TemplateEngagement{opt_text(r[0]), int64(r[1]), int64(r[2]), int64(r[3])});
            }
            return rows;
        });
    }

    std::vector<EventRecord> events(const EventFilter& filter) override {
        std::string sql = "SELECT e.id, e.notification_id, n.channel, e.type, e.at, e.detail FROM "
                          "events e JOIN notifications n ON n.id = e.notification_id WHERE "
                          "e.id > $1";
        Params p;
        p.add(filter.after_seq);
        if (filter.since) {
            p.add(*filter.since);
            sql += " AND e.at >= $" + std::to_string(p.size());
        }
        if (filter.id) {
            p.add(*filter.id);
            sql += " AND e.notification_id = $" + std::to_string(p.size());
        }
        if (!filter.types.empty()) {
            p.add_array(filter.types);
            sql += " AND e.type = ANY($" + std::to_string(p.size()) + "::text[])";
        }
        if (filter.settled) {
            auto settled = settled_seq();
            if (!settled) {
                return {};
            }
            p.add(*settled);
            sql += " AND e.id <= $" + std::to_string(p.size());
        }
        sql += " ORDER BY e.id";
        if (filter.limit > 0) {
            p.add(filter.limit);
            sql += " LIMIT $" + std::to_string(p.size());
        }
        return m_conn.once("reading events", [&](Tx& tx) {
            std::vector<EventRecord> out;
            for (const auto& r : tx.exec(sql, p)) {
                out.push_back({int64(r[0]), int64(r[1]), text(r[2]), text(r[3]),
                               from_unix_ms(int64(r[4])), text(r[5])});
            }
            return out;
        });
    }

    // The highest event sequence number below which no event can still appear: the last one
    // handed out, once every transaction that was writing events when it was read has ended
    // (each holds the shared lock k_event_writer_lock from its first event on: schema
    // migration 2). Without a wait, a follower could pass a lower number that an open
    // transaction commits after a higher one. nullopt if they do not end within a while.
    std::optional<std::int64_t> settled_seq() {
        static constexpr auto k_wait = std::chrono::seconds(2);
        const auto last = m_conn.once("reading events", [&](Tx& tx) {
            return int64(tx.exec("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 "
                                 "END FROM events_id_seq")[0][0]);
        });
        // Read after `last`: a transaction that took a number up to it held the lock by then.
        const std::string writers =
            "SELECT virtualtransaction FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND "
            "granted AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
            "current_database()) AND classid = $1 AND objid = $2 AND objsubid = 2";
        auto still_open = [&](const std::vector<std::string>* among) {
            Params p = Params().add(k_lock_class).add(k_event_writer_lock);
            std::string sql = writers;
            if (among != nullptr) {
                p.add_array(*among);
                sql += " AND virtualtransaction = ANY($3::text[])";
            }
            return m_conn.once("reading events", [&](Tx& tx) {
                std::vector<std::string> out;
                for (const auto& r : tx.exec(sql, p)) {
                    out.push_back(text(r[0]));
                }
                return out;
            });
        };
        auto open = still_open(nullptr);
        const auto deadline = std::chrono::steady_clock::now() + k_wait;
        auto pause = std::chrono::milliseconds(2);
        while (!open.empty()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return std::nullopt;
            }
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::milliseconds(50));
            open = still_open(&open);
        }
        return last;
    }

    bool record_event(std::int64_t id, const std::string& type, const std::string& detail,
                      TimePoint at) override {
        return m_conn.once("recording an event", [&](Tx& tx) {
            auto r = tx.exec("INSERT INTO events (notification_id, type, at, detail) SELECT id, "
                             "$2, $3, $4 FROM notifications WHERE id = $1",
                             Params().add(id).add(type).add(at).add(detail));
            return r.affected_rows() > 0;
        });
    }

    std::optional<std::int64_t> find_by_receipt(const std::string& provider,
                                                const std::string& receipt) override {
        return m_conn.once("finding a receipt", [&](Tx& tx) -> std::optional<std::int64_t> {
            auto r = tx.exec("SELECT notification_id FROM attempts WHERE provider = $1 AND "
                             "detail = $2 AND outcome = 'sent' ORDER BY id DESC LIMIT 1",
                             Params().add(provider).add(receipt));
            if (r.empty()) {
                return std::nullopt;
            }
            return int64(r[0][0]);
        });
    }

    // One statement: picks due rows no other dispatcher holds (SKIP LOCKED), leases them,
    // writes their `claimed` events and refreshes this owner's heartbeat.
    std::vector<Claim> claim(const std::string& owner, int max, Millis lease, TimePoint now,
                             const ClaimFilter& filter) override {
        if (max <= 0) {
            return {};
        }
        const TimePoint until = now + lease;
        Params p;
        p.add(now).add(owner).add(until).add(max);
        std::string where = std::string(k_claimable) +
                            " AND due_at <= $1 AND (expires_at IS NULL OR expires_at > $1)";
        if (filter.channel) {
            p.add(*filter.channel);
            where += " AND channel = $" + std::to_string(p.size());
        } else if (!filter.exclude_channels.empty()) {
            p.add_array(filter.exclude_channels);
            where += " AND channel <> ALL($" + std::to_string(p.size()) + "::text[])";
        }
        if (filter.high_only) {
            where += " AND priority = 0";
        }
        const std::string sql =
            "WITH picked AS (SELECT id FROM notifications WHERE " + where +
            " ORDER BY priority, due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED), " +
            claimed_cte("picked", "''") + " SELECT " + k_columns +
            " FROM claimed ORDER BY priority, due_at, id";
        return m_conn.once("claiming notifications", [&](Tx& tx) {
            std::vector<Claim> claims;
            for (const auto& r : tx.exec(sql, p)) {
                claims.push_back({read_notification(r), owner, until});
            }
            return claims;
        });
    }

    std::vector<Claim> claim_digest_items(const std::string& owner, Millis lease, TimePoint now,
                                          const DigestKey& key) override {
        const TimePoint until = now + lease;
        const std::string sql =
            std::string("WITH picked AS (SELECT id FROM notifications WHERE ") + k_claimable +
            " AND due_at <= $1 AND (expires_at IS NULL OR expires_at > $1) AND user_id = $4 AND "
            "channel = $5 AND category = $6 AND recipient = $7 AND (event_id IS NULL OR "
            "substr(event_id, 1, 7) <> 'digest:') FOR UPDATE SKIP LOCKED), " +
            claimed_cte("picked", "' (digest)'") + " SELECT " + k_columns +
            " FROM claimed ORDER BY due_at, id";
        return m_conn.once("claiming digest items", [&](Tx& tx) {
            std::vector<Claim> claims;
            for (const auto& r : tx.exec(sql, Params()
                                                  .add(now)
                                                  .add(owner)
                                                  .add(until)
                                                  .add(key.user)
                                                  .add(key.channel)
                                                  .add(key.category)
                                                  .add(key.to))) {
                claims.push_back({read_notification(r), owner, until});
            }
            return claims;
        });
    }

    DigestResult merge_digest(const DigestMerge& merge) override {
        return m_conn.run("merging a digest", [&](Tx& tx) {
            DigestResult result;
            std::int64_t id = insert_locked(tx, merge.digest, merge.event_id, merge.now,
                                            "digest of " + std::to_string(merge.items.size()) +
                                                " notification(s)");
            const std::string why = "merged into digest " + std::to_string(id);
            for (Completion c : merge.items) {
                c.outcome = Outcome::suppressed;
                c.detail = why;
                c.attempt_class.clear();
                c.failed_tries.clear();
                if (!complete_locked(tx, c)) {
                    result.fenced.push_back(c.id);
                }
            }
            if (!result.fenced.empty()) {
                tx.rollback_only(); // the digest row is not kept either
                return result;
            }
            result.id = id;
            return result;
        });
    }

    bool complete(const Completion& c) override {
        return m_conn.run("recording a result", [&](Tx& tx) { return complete_locked(tx, c); });
    }

    std::vector<bool> complete_all(const std::vector<Completion>& completions) override {
        if (completions.empty()) {
            return {};
        }
        return m_conn.run("recording results", [&](Tx& tx) {
            std::vector<bool> applied;
            applied.reserve(completions.size());
            for (const Completion& c : completions) {
                applied.push_back(complete_locked(tx, c));
            }
            return applied;
        });
    }

    // The leases that expired, and the leases of dispatchers whose heartbeat is older than the
    // instance timeout (by the server's clock). Rows another dispatcher is completing right
    // now are skipped (SKIP LOCKED): its completion decides them.
    int rescue(TimePoint now, const std::optional<std::string>& current_owner) override {
        // Back from an outage of our own, the others may not have reconnected yet either: their
        // silence is judged only once they had an instance timeout to heartbeat again.
        const bool judge_silence = std::chrono::steady_clock::now() - m_conn.reconnected_at() >
                                   m_conn.options().instance_timeout;
        const std::string sql =
            "WITH r AS (SELECT id, attempts, lease_owner, coalesce(provider, '-') AS provider, "
            "updated_at FROM notifications WHERE status = 'sending' AND (lease_until <= $1 OR "
            "($4::integer = 1 AND lease_owner IS DISTINCT FROM $2 AND NOT EXISTS (SELECT 1 FROM "
            "instances i WHERE i.owner = notifications.lease_owner AND i.seen_at > "
            "notify_now_ms() - $3))) FOR UPDATE SKIP LOCKED), "
            "u AS (UPDATE notifications n SET status = 'retrying', due_at = $1, updated_at = $1, "
            "lease_owner = NULL, lease_until = NULL, last_error = 'attempt ' || r.attempts || "
            "' by ' || coalesce(r.lease_owner, '-') || ' did not finish (lease expired or "
            "dispatcher gone)' FROM r WHERE n.id = r.id RETURNING n.id, r.attempts, r.provider, "
            "r.updated_at, n.last_error), "
            "a AS (INSERT INTO attempts (notification_id, n, provider, started_at, finished_at, "
            "outcome, detail) SELECT id, attempts, provider, updated_at, $1, 'rescued', "
            "last_error FROM u), "
            "e AS (INSERT INTO events (notification_id, type, at, detail) SELECT id, 'rescued', "
            "$1, last_error FROM u) "
            "SELECT count(*) FROM u";
        return m_conn.once("rescuing abandoned leases", [&](Tx& tx) {
            auto r = tx.exec(
                sql, Params()
                         .add(now)
                         .add(current_owner)
                         .add(static_cast<std::int64_t>(m_conn.options().instance_timeout.count()))
                         .add(judge_silence ? 1 : 0));
            return static_cast<int>(int64(r[0][0]));
        });
    }

    int expire(TimePoint now) override {
        const std::string why = "expired: not sent before its TTL ran out";
        const std::string sql = std::string("WITH x AS (SELECT id FROM notifications WHERE "
                                            "expires_at IS NOT NULL AND ") +
                                k_claimable +
                                " AND expires_at <= $1 FOR UPDATE SKIP LOCKED), "
                                "u AS (UPDATE notifications n SET status = 'suppressed', "
                                "last_error = $2, updated_at = $1 FROM x WHERE n.id = x.id "
                                "RETURNING n.id), "
                                "e AS (INSERT INTO events (notification_id, type, at, detail) "
                                "SELECT id, 'suppressed', $1, $2 FROM u) "
                                "SELECT count(*) FROM u";
        return m_conn.once("expiring notifications", [&](Tx& tx) {
            return static_cast<int>(int64(tx.exec(sql, Params().add(now).add(why))[0][0]));
        });
    }

    std::optional<TimePoint> next_wakeup() override {
        return m_conn.once("reading the next wake-up", [&](Tx& tx) -> std::optional<TimePoint> {
            auto r = tx.exec(
                std::string("SELECT least((SELECT min(m) FROM (SELECT (SELECT due_at FROM "
                            "notifications WHERE ") +
                k_claimable +
                " AND priority = p ORDER BY due_at LIMIT 1) AS m FROM (VALUES (0), (1), (2)) "
                "AS v (p)) AS d), (SELECT min(lease_until) FROM notifications WHERE status = "
                "'sending'), (SELECT min(next_at) FROM schedules WHERE paused = 0))");
            return opt_time(r[0][0]);
        });
    }

    // Each bucket key is locked (a transaction-level advisory lock, in key order) before it is
    // read, so dispatchers on several hosts take tokens one after the other, even from a bucket
    // that has no row yet.
    std::vector<TokenResult> take_tokens(const std::vector<TokenRequest>& requests,
                                         TimePoint now) override {
        return m_conn.run("taking rate-limit tokens", [&](Tx& tx) {
            std::vector<TokenResult> out;
            for (const TokenRequest& request : requests) {
                std::vector<std::string> keys;
                for (const auto& [key, limit] : request.buckets) {
                    keys.push_back(key);
                }
                tx.exec(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT DISTINCT k "
                    "FROM unnest($1::text[]) AS k ORDER BY k) AS s",
                    Params().add_array(keys));
                std::map<std::string, policy::BucketState> stored;
                for (const auto& r : tx.exec("SELECT key, tokens, updated_at FROM rate_buckets "
                                             "WHERE key = ANY($1::text[])",
                                             Params().add_array(keys))) {
                    stored[text(r[0])] = {r[1].as<double>(), from_unix_ms(int64(r[2]))};
                }
                std::vector<std::pair<std::string, policy::TakeResult>> results;
                std::optional<Millis> wait;
                std::size_t limiting = 0;
                for (const auto& [key, limit] : request.buckets) {
                    policy::BucketState state;
                    if (auto it = stored.find(key); it != stored.end()) {
                        state = it->second;
                    }
                    auto r = policy::take_token(state, limit, now, false);
                    if (r.wait && (!wait || *r.wait > *wait)) {
                        wait = r.wait;
                        limiting = results.size();
                    }
                    results.emplace_back(key, r);
                }
                for (auto& [key, r] : results) {
                    if (!wait) {
                        r.state.tokens -= 1.0;
                    }
                    tx.exec("INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, $2, "
                            "$3) ON CONFLICT (key) DO UPDATE SET tokens = EXCLUDED.tokens, "
                            "updated_at = EXCLUDED.updated_at",
                            Params().add(key).add(r.state.tokens).add(r.state.updated_at));
                }
                out.push_back({wait, limiting});
            }
            return out;
        });
    }

    bool add_schedule(const Schedule& sc) override {
        return m_conn.run("adding a schedule", [&](Tx& tx) {
            auto r = tx.exec("INSERT INTO schedules (name, cron, tz, paused, content, catch_up, "
                             "created_at, updated_at, next_at) VALUES ($1, $2, $3, $4, $5, $6, "
                             "$7, $7, $8) ON CONFLICT (name) DO NOTHING",
                             Params()
                                 .add(sc.name)
                                 .add(sc.cron)
                                 .add(sc.tz)
                                 .add(sc.paused ? 1 : 0)
                                 .add(sc.content_json)
                                 .add(sc.catch_up)
                                 .add(sc.created_at)
                                 .add(sc.next_at));
            return r.affected_rows() > 0;
        });
    }

    std::vector<Schedule> list_schedules() override {
        return m_conn.run("listing schedules", [&](Tx& tx) {
            std::vector<Schedule> out;
            for (const auto& r : tx.exec(std::string("SELECT ") + k_schedule_columns +
                                         " FROM schedules ORDER BY name COLLATE \"C\"")) {
                out.push_back(read_schedule(r));
            }
            return out;
        });
    }

    std::optional<Schedule> find_schedule(const std::string& name) override {
        return m_conn.run("reading a schedule", [&](Tx& tx) -> std::optional<Schedule> {
            auto r = tx.exec(std::string("SELECT ") + k_schedule_columns +
                                 " FROM schedules WHERE name = $1",
                             Params().add(name));
            if (r.empty()) {
                return std::nullopt;
            }
            return read_schedule(r[0]);
        });
    }

    bool remove_schedule(const std::string& name) override {
        return m_conn.run("removing a schedule", [&](Tx& tx) {
            if (tx.exec("DELETE FROM schedules WHERE name = $1", Params().add(name))
                    .affected_rows() == 0) {
                return false;
            }
            tx.exec("DELETE FROM schedule_fires WHERE schedule = $1", Params().add(name));
            return true;
        });
    }

    bool set_schedule_paused(const std::string& name, bool paused, std::optional<TimePoint> next_at,
                             TimePoint now) override {
        return m_conn.run("pausing or resuming a schedule", [&](Tx& tx) {
            return tx.exec("UPDATE schedules SET paused = $1, next_at = $2, updated_at = $3 "
                           "WHERE name = $4",
                           Params().add(paused ? 1 : 0).add(next_at).add(now).add(name))
                       .affected_rows() > 0;
        });
    }

    // The slot's row in schedule_fires is the once-ever guard: an instance that inserts it
    // second waits for the first one's commit and then inserts nothing.
    std::vector<std::int64_t> fire_schedule(const std::string& name, TimePoint slot,
                                            const std::vector<NewNotification>& rows,
                                            std::optional<TimePoint> next_at,
                                            TimePoint now) override {
        return m_conn.run("firing a schedule", [&](Tx& tx) {
            std::vector<std::int64_t> ids;
            const bool fresh = tx.exec("INSERT INTO schedule_fires (schedule, slot_at, fired_at) "
                                       "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                       Params().add(name).add(slot).add(now))
                                   .affected_rows() > 0;
            if (fresh) {
                const std::string event_id =
                    "schedule:" + name + ":" + schedule::format_rfc3339(slot);
                for (const NewNotification& row : rows) {
                    ids.push_back(insert_locked(tx, row, event_id, now,
                                                "from schedule " + name + ", slot " +
                                                    schedule::format_rfc3339(slot)));
                }
                std::string list;
                for (auto id : ids) {
                    list += (list.empty() ? "" : ",") + std::to_string(id);
                }
                tx.exec("UPDATE schedule_fires SET ids = $1 WHERE schedule = $2 AND slot_at = $3",
                        Params().add(list).add(name).add(slot));
            }
            tx.exec("UPDATE schedules SET next_at = $1, last_slot = greatest(coalesce(last_slot, "
                    "0), $2), updated_at = $3 WHERE name = $4",
                    Params().add(next_at).add(slot).add(now).add(name));
            return ids;
        });
    }

    void set_schedule_next(const std::string& name, std::optional<TimePoint> next_at,
                           TimePoint now) override {
        m_conn.run("moving a schedule", [&](Tx& tx) {
            tx.exec("UPDATE schedules SET next_at = $1, updated_at = $2 WHERE name = $3",
                    Params().add(next_at).add(now).add(name));
        });
    }

    // The heartbeat is written with the server's clock; the same round trip measures the
    // offset of this host's clock against it.
    void heartbeat(const std::string& owner, TimePoint /*now*/) override {
        m_conn.run("writing the heartbeat", [&](Tx& tx) {
            const auto before = std::chrono::system_clock::now();
            auto r = tx.exec("INSERT INTO instances (owner, started_at, seen_at) VALUES ($1, "
                             "notify_now_ms(), notify_now_ms()) ON CONFLICT (owner) DO UPDATE "
                             "SET seen_at = EXCLUDED.seen_at RETURNING seen_at",
                             Params().add(owner));
            const auto after = std::chrono::system_clock::now();
            note_offset(int64(r[0][0]), before, after);
            // Every listener hears it: the proof its connection is alive (pg_due_signal.cpp).
            tx.exec("SELECT pg_notify($1, $2)",
                    Params().add(k_due_channel).add(k_heartbeat_payload));
            // Instances gone for a day are forgotten (their rows were rescued long ago).
            tx.exec("DELETE FROM instances WHERE seen_at < notify_now_ms() - 86400000");
        });
    }

    void leave(const std::string& owner) override {
        m_conn.run("unregistering", [&](Tx& tx) {
            tx.exec("DELETE FROM instances WHERE owner = $1", Params().add(owner));
        });
    }

    std::vector<Instance> instances() override {
        return m_conn.run("listing instances", [&](Tx& tx) {
            std::vector<Instance> out;
            for (const auto& r :
                 tx.exec("SELECT i.owner, i.started_at, i.seen_at, (SELECT count(*) FROM "
                         "notifications n WHERE n.status = 'sending' AND n.lease_owner = i.owner) "
                         "FROM instances i ORDER BY i.started_at, i.owner")) {
                out.push_back({text(r[0]), from_unix_ms(int64(r[1])), from_unix_ms(int64(r[2])),
                               int64(r[3])});
            }
            return out;
        });
    }

    std::unique_ptr<DueSignal> open_due_signal() override {
        return make_due_signal(m_conn.options());
    }

    void export_rows(const PortableTable& table,
                     const std::function<void(const Row&)>& each) override {
        std::string sql = "SELECT ";
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            sql += (i > 0 ? ", " : "") + table.columns[i];
        }
        // The first columns are the primary key in every portable table.
        sql += " FROM " + table.name + " ORDER BY 1, 2";
        m_conn.run("reading " + table.name, [&](Tx& tx) {
            auto r = tx.exec(sql);
            std::vector<pqxx::oid> types;
            for (pqxx::row::size_type c = 0; c < r.columns(); ++c) {
                types.push_back(r.column_type(c));
            }
            Row row;
            for (const auto& rec : r) {
                row.clear();
                for (std::size_t c = 0; c < types.size(); ++c) {
                    row.push_back(read_cell(rec[static_cast<int>(c)], types[c]));
                }
                each(row);
            }
        });
    }

    std::unique_ptr<RowImport> begin_import() override { return std::make_unique<Import>(*this); }

    // enqueue() inside the caller's transaction. An advisory lock on the event id makes two
    // hosts enqueueing the same key at once see each other: the second finds the first's rows.
    EnqueueResult enqueue_locked(Tx& tx, const EnqueueRequest& request, TimePoint now) {
        EnqueueResult result;
        if (request.event_id) {
            // One of 1024 locks, not one per key: an import of a million keys in one
            // transaction must not run out of the server's lock table.
            tx.exec("SELECT pg_advisory_xact_lock($1, (hashtext($2) & $3)::integer)",
                    Params().add(k_lock_class).add(*request.event_id).add(k_dedup_buckets - 1));
            for (const auto& r :
                 tx.exec("SELECT id FROM notifications WHERE event_id = $1 AND (status IN "
                         "('scheduled', 'queued', 'sending', 'retrying', 'held') OR (status IN "
                         "('sent', 'suppressed') AND created_at >= $2)) ORDER BY id",
                         Params().add(*request.event_id).add(now - request.dedup_window))) {
                result.ids.push_back(int64(r[0]));
            }
            if (!result.ids.empty()) {
                result.duplicate = true;
                return result;
            }
        }
        for (const NewNotification& row : request.rows) {
            result.ids.push_back(insert_locked(
                tx, row, request.event_id, now,
                row.due_at > now ? "scheduled for " + schedule::format_rfc3339(row.due_at)
                                 : "queued"));
        }
        return result;
    }

  private:
    static constexpr const char* k_schedule_columns =
        "name, cron, tz, paused, content, catch_up, created_at, updated_at, next_at, last_slot";

    static Schedule read_schedule(const pqxx::row& r) {
        Schedule sc;
        sc.name = text(r[0]);
        sc.cron = text(r[1]);
        sc.tz = text(r[2]);
        sc.paused = int64(r[3]) != 0;
        sc.content_json = text(r[4]);
        sc.catch_up = text(r[5]);
        sc.created_at = from_unix_ms(int64(r[6]));
        sc.updated_at = from_unix_ms(int64(r[7]));
        sc.next_at = opt_time(r[8]);
        sc.last_slot = opt_time(r[9]);
        return sc;
    }

    static Cell read_cell(const pqxx::field& f, pqxx::oid type) {
        if (f.is_null()) {
            return std::monostate{};
        }
        switch (type) {
        case 20: // int8
        case 21: // int2
        case 23: // int4
            return f.as<std::int64_t>();
        case 700: // float4
        case 701: // float8
            return f.as<double>();
        case 17: { // bytea
            pqxx::binarystring bytes(f);
            return Blob{bytes.str()};
        }
        default:
            return std::string(f.c_str(), f.size());
        }
    }

    // The CTE `claimed` that leases the rows of `picked` to $2 until $3 at $1, writes their
    // `claimed` events (detail suffixed with `suffix`, an SQL literal) and the heartbeat.
    static std::string claimed_cte(const char* picked, const char* suffix) {
        return std::string("claimed AS (UPDATE notifications n SET status = 'sending', "
                           "lease_owner = $2, lease_until = $3, attempts = n.attempts + 1, "
                           "updated_at = $1 FROM ") +
               picked + " WHERE n.id = " + picked +
               ".id RETURNING n.*), "
               "ev AS (INSERT INTO events (notification_id, type, at, detail) SELECT id, "
               "'claimed', $1, 'attempt ' || attempts || ' by ' || $2 || " +
               suffix +
               " FROM claimed ORDER BY priority, due_at, id), "
               "hb AS (INSERT INTO instances (owner, started_at, seen_at) VALUES ($2, "
               "notify_now_ms(), notify_now_ms()) ON CONFLICT (owner) DO UPDATE SET seen_at = "
               "EXCLUDED.seen_at)";
    }

    void apply_one(Tx& tx, Verb verb, std::int64_t id, Status status, int attempts,
                   TimePoint due_at, TimePoint now) {
        const VerbEffect e = verb_effect(verb, status, attempts, due_at, now);
        tx.exec("UPDATE notifications SET status = $1, updated_at = $2, due_at = CASE WHEN "
                "$3::integer = 1 THEN $2 ELSE due_at END, expires_at = CASE WHEN $4::integer = 1 "
                "THEN NULL ELSE expires_at END WHERE id = $5",
                Params()
                    .add(e.status)
                    .add(now)
                    .add(e.due_now ? 1 : 0)
                    .add(e.clear_expiry ? 1 : 0)
                    .add(id));
        add_event(tx, id, e.event, now, e.detail);
    }

    // Inserts one row with its first event ("created" with `created_detail`, or "suppressed"
    // with the row's reason) and its attachments, inside the caller's transaction.
    std::int64_t insert_locked(Tx& tx, const NewNotification& row,
                               const std::optional<std::string>& event_id, TimePoint now,
                               const std::string& created_detail) {
        const char* status = row.suppressed     ? "suppressed"
                             : row.due_at > now ? "scheduled"
                                                : "queued";
        std::string event_type = row.suppressed ? "suppressed" : "created";
        std::string event_detail =
            row.suppressed ? *row.suppressed
                           : (row.note ? created_detail + " (" + *row.note + ")" : created_detail);
        auto r = tx.exec(
            "WITH n AS (INSERT INTO notifications (status, channel, recipient, user_id, template, "
            "event_id, priority, subject, title, body, data, due_at, created_at, updated_at, "
            "expires_at, category, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, $12, $13, $13, $14, $15, $16) RETURNING id), "
            "e AS (INSERT INTO events (notification_id, type, at, detail) SELECT id, $17, $13, "
            "$18 FROM n) SELECT id FROM n",
            Params()
                .add(status)
                .add(row.channel)
                .add(row.to)
                .add(row.user)
                .add(row.template_name)
                .add(event_id)
                .add(static_cast<int>(row.priority))
                .add(row.subject)
                .add(row.title)
                .add(row.body)
                .add(row.data_json)
                .add(row.due_at)
                .add(now)
                .add(row.expires_at)
                .add(row.category)
                .add(row.suppressed)
                .add(event_type)
                .add(event_detail));
        const std::int64_t id = int64(r[0][0]);
        for (const model::Attachment& file : row.attachments) {
            tx.exec("INSERT INTO attachments (notification_id, filename, content_type, size, "
                    "content) VALUES ($1, $2, $3, $4, $5::bytea)",
                    Params()
                        .add(id)
                        .add(file.filename)
                        .add(file.content_type)
                        .add(static_cast<std::int64_t>(file.size))
                        .add_bytes(file.bytes.value_or(std::string())));
        }
        return id;
    }

    // complete() inside the caller's transaction, in one statement: the fenced update, then
    // (only if it applied) the attempt rows, the events and the dropped attachment bytes.
    bool complete_locked(Tx& tx, const Completion& c) {
        if (c.outcome == Outcome::deferred) {
            return defer_locked(tx, c);
        }
        const char* status = completed_status(c.outcome);
        const CompletionRows rows = completion_rows(c);
        Rows attempts; // provider, class, detail
        Rows events;   // type, detail
        for (const auto& a : rows.attempts) {
            attempts.add(a.provider, a.outcome, a.detail);
        }
        for (const auto& e : rows.events) {
            events.add(e.type, e.detail);
        }
        Params p;
        p.add(status).add(c.provider);
        if (c.outcome == Outcome::sent) {
            p.add_null().add(c.finished_at);
        } else {
            p.add(c.detail).add_null();
        }
        if (c.outcome == Outcome::retry) {
            p.add(c.next_due);
        } else {
            p.add_null();
        }
        p.add(c.finished_at).add(c.id).add(c.owner).add(c.attempt).add(c.started_at);
        p.add_array(attempts.a).add_array(attempts.b).add_array(attempts.c);
        p.add_array(events.a).add_array(events.b);
        p.add(c.outcome == Outcome::sent ? 1 : 0);
        auto r = tx.exec(
            "WITH u AS (UPDATE notifications SET status = $1, provider = $2, last_error = $3, "
            "sent_at = $4::bigint, due_at = coalesce($5::bigint, due_at), updated_at = $6, "
            "lease_owner = NULL, lease_until = NULL WHERE id = $7 AND status = 'sending' AND "
            "lease_owner = $8 AND attempts = $9 RETURNING id), "
            "a AS (INSERT INTO attempts (notification_id, n, provider, started_at, finished_at, "
            "outcome, detail) SELECT u.id, $9, t.provider, $10, $6, t.outcome, t.detail FROM u, "
            "unnest($11::text[], $12::text[], $13::text[]) WITH ORDINALITY AS t (provider, "
            "outcome, detail, ord) ORDER BY t.ord), "
            "e AS (INSERT INTO events (notification_id, type, at, detail) SELECT u.id, t.type, "
            "$6, t.detail FROM u, unnest($14::text[], $15::text[]) WITH ORDINALITY AS t (type, "
            "detail, ord) ORDER BY t.ord), "
            "d AS (UPDATE attachments SET content = NULL WHERE $16::integer = 1 AND "
            "notification_id IN (SELECT id FROM u) AND content IS NOT NULL) "
            "SELECT count(*) FROM u",
            p);
        return int64(r[0][0]) > 0;
    }

    // Gives the attempt back: the row is claimable again at next_due, attempts not counted.
    bool defer_locked(Tx& tx, const Completion& c) {
        Rows attempts;
        if (!c.attempt_class.empty()) {
            // A real try that failed for the provider's sake: logged, but not counted.
            attempts.add(c.provider, c.attempt_class, c.detail);
        }
        const std::string event = c.detail + "; next try at " +
                                  schedule::format_rfc3339(c.next_due) + " (attempt not counted)";
        auto r = tx.exec(
            "WITH u AS (UPDATE notifications SET status = CASE WHEN attempts > 1 THEN 'retrying' "
            "ELSE 'queued' END, attempts = attempts - 1, due_at = $1, updated_at = $2, "
            "lease_owner = NULL, lease_until = NULL, last_error = $6 WHERE id = $3 AND status = "
            "'sending' AND lease_owner = $4 AND attempts = $5 RETURNING id), "
            "a AS (INSERT INTO attempts (notification_id, n, provider, started_at, finished_at, "
            "outcome, detail) SELECT u.id, $5, t.provider, $7, $2, t.outcome, t.detail FROM u, "
            "unnest($8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS t (provider, "
            "outcome, detail, ord) ORDER BY t.ord), "
            "e AS (INSERT INTO events (notification_id, type, at, detail) SELECT id, 'deferred', "
            "$2, $11 FROM u) "
            "SELECT count(*) FROM u",
            Params()
                .add(c.next_due)
                .add(c.finished_at)
                .add(c.id)
                .add(c.owner)
                .add(c.attempt)
                .add(c.detail)
                .add(c.started_at)
                .add_array(attempts.a)
                .add_array(attempts.b)
                .add_array(attempts.c)
                .add(event));
        return int64(r[0][0]) > 0;
    }

    void add_event(Tx& tx, std::int64_t id, const std::string& type, TimePoint at,
                   const std::string& detail) {
        tx.exec("INSERT INTO events (notification_id, type, at, detail) VALUES ($1, $2, $3, $4)",
                Params().add(id).add(type).add(at).add(detail));
    }

    void note_offset(std::int64_t server_ms, std::chrono::system_clock::time_point before,
                     std::chrono::system_clock::time_point after) {
        const auto middle = std::chrono::time_point_cast<Millis>(before + (after - before) / 2);
        m_offset = Millis{server_ms - middle.time_since_epoch().count()};
        warn_skew();
    }

    void refresh_clock() {
        m_offset = m_conn.measure_clock_offset();
        warn_skew();
    }

    // Warns once when the clocks drift apart, and again only after they agreed in between.
    void warn_skew() {
        const bool skewed = m_offset && std::chrono::abs(*m_offset) > m_conn.options().skew_warning;
        if (skewed && !m_skew_warned && m_conn.options().warn) {
            m_conn.options().warn("clock skew: this host's clock is " +
                                  std::to_string(-m_offset->count()) +
                                  " ms off the PostgreSQL server's; due times and cron slots "
                                  "follow the server's clock (run NTP on every host)");
        }
        m_skew_warned = skewed;
    }

    // Creates or upgrades the schema, one instance at a time (an advisory lock).
    void migrate() {
        const auto& steps = migrations();
        const auto latest = static_cast<std::int64_t>(steps.size());
        m_conn.run("migrating the store", [&](Tx& tx) {
            tx.exec("SELECT pg_advisory_xact_lock($1)", Params().add(k_migration_lock));
            const bool has_meta = !tx.exec("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = "
                                           "current_schema() AND tablename = 'notify_meta'")
                                       .empty();
            std::int64_t version = 0;
            if (has_meta) {
                auto r = tx.exec("SELECT value FROM notify_meta WHERE key = 'schema_version'");
                version = r.empty() ? 0 : std::stoll(text(r[0][0]));
            } else {
                auto others = tx.exec("SELECT count(*) FROM pg_catalog.pg_tables WHERE "
                                      "schemaname = current_schema()");
                if (int64(others[0][0]) != 0) {
                    throw Error(Exit::io,
                                m_conn.display() + " is not a notify store (its schema holds "
                                                   "other tables)",
                                "point store.url at an empty database (or one notify created)");
                }
                tx.exec("CREATE TABLE notify_meta (key text PRIMARY KEY, value text NOT NULL)");
                tx.exec("INSERT INTO notify_meta (key, value) VALUES ('application', 'notify')");
            }
            if (version > latest) {
                throw Error(Exit::io,
                            "store " + m_conn.display() + " has schema version " +
                                std::to_string(version) + ", newer than this notify understands (" +
                                std::to_string(latest) + ")",
                            "upgrade notify on this host");
            }
            for (std::int64_t v = version; v < latest; ++v) {
                tx.work().exec(std::string(steps[static_cast<std::size_t>(v)]));
            }
            tx.exec("INSERT INTO notify_meta (key, value) VALUES ('schema_version', $1) ON "
                    "CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    Params().add(std::to_string(latest)));
        });
    }

    Connection m_conn;
    PgAudienceStore m_audience;
    std::optional<Millis> m_offset;
    bool m_skew_warned = false;
};

// While the batch is open, the store's other calls (the audience lookups of an import line) run
// in savepoints of its transaction, as with SQLite.
Batch::Batch(PgJobStore& store, TimePoint now)
    : m_store(store), m_work(store.connection().begin("starting an import")), m_now(now) {
    m_store.connection().set_outer(m_work.get());
}

Batch::~Batch() {
    m_store.connection().set_outer(nullptr);
}

EnqueueResult Batch::add(const EnqueueRequest& request) {
    try {
        Tx tx(*m_work);
        return m_store.enqueue_locked(tx, request, m_now);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        m_store.connection().fail("importing", e);
    }
}

void Batch::commit() {
    try {
        m_work->commit();
    } catch (const std::exception& e) {
        m_store.connection().fail("committing an import", e); // the destructor lets go
    }
    m_store.connection().set_outer(nullptr);
}

Import::Import(PgJobStore& store)
    : m_store(store), m_work(store.connection().begin("starting a migration")) {
    m_store.connection().set_outer(m_work.get());
    try {
        Tx tx(*m_work);
        auto r = tx.exec("SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM "
                         "schedules), (SELECT count(*) FROM users)");
        const auto notifications = r[0][0].as<std::int64_t>();
        const auto schedules = r[0][1].as<std::int64_t>();
        const auto users = r[0][2].as<std::int64_t>();
        if (notifications + schedules + users > 0) {
            throw Error(Exit::data, "destination store is not empty: it holds " +
                                        std::to_string(notifications) + " notification(s), " +
                                        std::to_string(schedules) + " schedule(s), " +
                                        std::to_string(users) + " user(s)");
        }
        // Buckets outlive purged notifications; the copied ones replace them.
        tx.exec("DELETE FROM rate_buckets");
    } catch (const Error&) {
        m_store.connection().set_outer(nullptr);
        throw;
    } catch (const std::exception& e) {
        m_store.connection().set_outer(nullptr);
        m_store.connection().fail("checking the destination", e);
    }
}

Import::~Import() {
    m_store.connection().set_outer(nullptr);
}

void Import::add(const PortableTable& table, const Row& row) {
    std::string sql = "INSERT INTO " + table.name + " (";
    std::string values;
    Params p;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        sql += (i > 0 ? ", " : "") + table.columns[i];
        values += (i > 0 ? ", $" : "$") + std::to_string(i + 1);
        const Cell& cell = i < row.size() ? row[i] : Cell{};
        if (std::holds_alternative<std::monostate>(cell)) {
            p.add_null();
        } else if (const auto* n = std::get_if<std::int64_t>(&cell)) {
            p.add(*n);
        } else if (const auto* d = std::get_if<double>(&cell)) {
            p.add(*d);
        } else if (const auto* s = std::get_if<std::string>(&cell)) {
            p.add(*s);
        } else {
            p.add_bytes(std::get<Blob>(cell).bytes);
        }
    }
    sql += ") VALUES (" + values + ")";
    try {
        Tx tx(*m_work);
        tx.exec(sql, p);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        m_store.connection().fail("copying into " + table.name, e);
    }
}

void Import::commit() {
    try {
        Tx tx(*m_work);
        for (const char* table :
             {"notifications", "attempts", "events", "attachments", "devices"}) {
            tx.exec(std::string("SELECT setval(pg_get_serial_sequence('") + table +
                    "', 'id'), coalesce(max(id), 0) + 1, false) FROM " + table);
        }
        m_work->commit();
    } catch (const std::exception& e) {
        m_store.connection().fail("committing the migration", e); // the destructor lets go
    }
    m_store.connection().set_outer(nullptr);
}

} // namespace

std::unique_ptr<JobStore> open_store(const PostgresOptions& options) {
    return std::make_unique<PgJobStore>(options);
}

} // namespace notify::store::pg
