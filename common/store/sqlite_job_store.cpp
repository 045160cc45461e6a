// The SQLite job store: WAL, durable commits, BEGIN IMMEDIATE writes, fenced completions.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/schedule/time_text.hpp"
#include "common/store/completion_rows.hpp"
#include "common/store/job_store.hpp"
#include "common/store/operator_verbs.hpp"
#include "common/store/schema.hpp"
#include "common/store/shared_store.hpp"
#include "common/store/sqlite_audience_store.hpp"
#include "common/store/sqlite_db.hpp"

namespace notify::store {

namespace {

using model::Notification;
using model::Status;

constexpr std::int64_t k_application_id = 0x4e544659; // "NTFY"

// Effective status: scheduled and queued are told apart by due_at against ?1 (now).
constexpr const char* k_columns =
    "id, CASE WHEN status IN ('scheduled', 'queued') THEN CASE WHEN due_at > ?1 THEN "
    "'scheduled' ELSE 'queued' END ELSE status END, channel, recipient, user_id, provider, "
    "template, event_id, priority, subject, title, body, data, due_at, created_at, "
    "updated_at, expires_at, attempts, last_error, sent_at, category";

constexpr const char* k_claimable = "status IN ('scheduled', 'queued', 'retrying')";

std::optional<TimePoint> optional_time(const Statement& s, int column) {
    auto v = s.optional_int64(column);
    if (!v) {
        return std::nullopt;
    }
    return from_unix_ms(*v);
}

Notification read_notification(const Statement& s) {
    Notification n;
    n.id = s.int64(0);
    n.status = model::parse_status(s.text(1)).value_or(Status::queued);
    n.channel = s.text(2);
    n.to = s.text(3);
    n.user = s.optional_text(4);
    n.provider = s.optional_text(5);
    n.template_name = s.optional_text(6);
    n.event_id = s.optional_text(7);
    n.priority = static_cast<model::Priority>(std::clamp<std::int64_t>(s.int64(8), 0, 2));
    n.subject = s.optional_text(9);
    n.title = s.optional_text(10);
    n.body = s.optional_text(11);
    n.data_json = s.text(12);
    n.due_at = from_unix_ms(s.int64(13));
    n.created_at = from_unix_ms(s.int64(14));
    n.updated_at = from_unix_ms(s.int64(15));
    n.expires_at = optional_time(s, 16);
    n.attempts = static_cast<int>(s.int64(17));
    n.last_error = s.optional_text(18);
    n.sent_at = optional_time(s, 19);
    n.category = s.optional_text(20);
    return n;
}

std::string status_sql(Status s) {
    return std::string(model::to_string(s));
}

// An unopenable store: the error, with the hint naming the group that may use it when the
// user is not in it.
Error cannot_open(const std::string& path, int err) {
    return Error(Exit::io, "cannot open store " + path + ": " + std::strerror(err),
                 err == EACCES ? group_access_hint(path) : std::string());
}

// Creates the parent directories (0700) and the file before SQLite opens it: 0600, or 0660 in
// a directory shared with a group (file_mode_in), so the store never exists with looser
// permissions, even for a moment. An existing file is only stat()ed, never opened: closing any
// descriptor of a database file drops every POSIX lock this process holds on it, including
// those of SQLite connections already open (notifyd has two: the dispatcher's and the HTTP
// endpoint's), and other processes could then write under them. SQLite gives the -wal and
// -shm files the store's mode.
void create_store_file(const std::string& path) {
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0) {
        if (!S_ISREG(existing.st_mode)) {
            throw Error(Exit::io, "cannot open store " + path + ": not a regular file");
        }
        if (::access(path.c_str(), R_OK | W_OK) != 0) {
            throw cannot_open(path, errno);
        }
        return;
    }
    if (errno == EACCES) {
        throw cannot_open(path, errno); // a directory on the way is not ours to enter
    }
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
        // Create each missing component 0700 (mkdir -p would use the umask).
        std::filesystem::path partial;
        for (const auto& part : parent) {
            partial /= part;
            if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
                throw Error(Exit::io, "cannot create store directory " + partial.string() + ": " +
                                          std::strerror(errno));
            }
        }
    }
    const mode_t mode = file_mode_in(parent.string());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) {
        throw cannot_open(path, errno);
    }
    struct stat st {};
    ::fstat(fd, &st);
    if (S_ISREG(st.st_mode) && st.st_size == 0 && (st.st_mode & 0777) != mode) {
        ::fchmod(fd, mode); // the umask took group bits a shared directory needs
    }
    ::close(fd);
    if (!S_ISREG(st.st_mode)) {
        throw Error(Exit::io, "cannot open store " + path + ": not a regular file");
    }
}

} // namespace

namespace {

class SqliteJobStore final : public JobStore {
  public:
    explicit SqliteJobStore(const SqliteOptions& options)
        : m_db(prepare_path(options.path)), m_audience(m_db),
          m_synced(options.durability == Durability::full) {
        m_db.exec("PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count()));
        refuse_foreign(); // before anything changes the file
        configure(options);
        migrate();
    }

    AudienceStore& audience() override { return m_audience; }

    std::string describe() const override { return m_db.path(); }

    SchemaVersion schema_version() override {
        return {pragma_int("PRAGMA user_version"),
                static_cast<std::int64_t>(sqlite_migrations().size())};
    }

    void export_rows(const PortableTable& table,
                     const std::function<void(const Row&)>& each) override {
        ReadTransaction snapshot(m_db);
        auto& q = m_db.prepare("SELECT " + column_list(table) + " FROM \"" + table.name +
                               "\" ORDER BY " + key_order(table.name));
        Row row(table.columns.size());
        while (q.step()) {
            for (std::size_t i = 0; i < row.size(); ++i) {
                row[i] = read_cell(q, static_cast<int>(i));
            }
            each(row);
        }
    }

    std::unique_ptr<RowImport> begin_import() override { return std::make_unique<Import>(*this); }

    EnqueueResult enqueue(const EnqueueRequest& request, TimePoint now) override {
        Transaction tx(m_db);
        EnqueueResult result = enqueue_locked(request, now);
        if (!result.duplicate) {
            tx.commit();
        }
        return result;
    }

    std::unique_ptr<EnqueueBatch> begin_enqueue(TimePoint now) override {
        return std::make_unique<Batch>(*this, now);
    }

    std::vector<Notification> list(const ListFilter& filter, TimePoint now) override {
        std::string sql = std::string("SELECT ") + k_columns + " FROM notifications WHERE 1";
        if (filter.status) {
            switch (*filter.status) {
            case Status::scheduled:
                sql += " AND status IN ('scheduled', 'queued') AND due_at > ?1";
                break;
            case Status::queued:
                sql += " AND status IN ('scheduled', 'queued') AND due_at <= ?1";
                break;
            default:
                sql += " AND status = ?2";
            }
        }
        if (filter.channel) {
            sql += " AND channel = ?3";
        }
        if (filter.user) {
            sql += " AND user_id = ?4";
        }
        sql += " ORDER BY id";
        if (filter.limit > 0) {
            sql += " LIMIT ?5";
        }
        auto& q = m_db.prepare(sql);
        q.bind(1, to_unix_ms(now));
        if (filter.status) {
            q.bind(2, status_sql(*filter.status));
        }
        if (filter.channel) {
            q.bind(3, *filter.channel);
        }
        if (filter.user) {
            q.bind(4, *filter.user);
        }
        if (filter.limit > 0) {
            q.bind(5, filter.limit);
        }
        std::vector<Notification> rows;
        while (q.step()) {
            rows.push_back(read_notification(q));
        }
        return rows;
    }

    std::optional<model::NotificationDetail> find(std::int64_t id, TimePoint now) override {
        ReadTransaction rtx(m_db);
        auto& q =
            m_db.prepare(std::string("SELECT ") + k_columns + " FROM notifications WHERE id = ?2");
        q.bind(1, to_unix_ms(now)).bind(2, id);
        if (!q.step()) {
            return std::nullopt;
        }
        model::NotificationDetail detail;
        detail.notification = read_notification(q);
        q.reset();
        auto& a = m_db.prepare("SELECT n, provider, started_at, finished_at, outcome, detail "
                               "FROM attempts WHERE notification_id = ?1 ORDER BY id");
        a.bind(1, id);
        while (a.step()) {
            model::Attempt attempt;
            attempt.n = static_cast<int>(a.int64(0));
            attempt.provider = a.text(1);
            attempt.started_at = from_unix_ms(a.int64(2));
            attempt.finished_at = optional_time(a, 3);
            attempt.outcome = a.text(4);
            attempt.detail = a.text(5);
            detail.attempts.push_back(std::move(attempt));
        }
        auto& e = m_db.prepare(
            "SELECT type, at, detail FROM events WHERE notification_id = ?1 ORDER BY id");
        e.bind(1, id);
        while (e.step()) {
            detail.events.push_back({e.text(0), from_unix_ms(e.int64(1)), e.text(2)});
        }
        auto& f = m_db.prepare("SELECT filename, content_type, size, content IS NOT NULL FROM "
                               "attachments WHERE notification_id = ?1 ORDER BY id");
        f.bind(1, id);
        while (f.step()) {
            model::Attachment file;
            file.filename = f.text(0);
            file.content_type = f.text(1);
            file.size = f.int64(2);
            file.stored = f.int64(3) != 0;
            detail.attachments.push_back(std::move(file));
        }
        return detail;
    }

    std::vector<model::Attachment> attachments(std::int64_t id) override {
        auto& f = m_db.prepare("SELECT filename, content_type, size, content FROM attachments "
                               "WHERE notification_id = ?1 ORDER BY id");
        f.bind(1, id);
        std::vector<model::Attachment> files;
        while (f.step()) {
            model::Attachment file;
            file.filename = f.text(0);
            file.content_type = f.text(1);
            file.size = f.int64(2);
            file.stored = !f.is_null(3);
            if (file.stored) {
                file.bytes = f.blob(3);
            }
            files.push_back(std::move(file));
        }
        return files;
    }

    VerbResult apply(Verb verb, const std::vector<std::int64_t>& ids, TimePoint now) override {
        Transaction tx(m_db);
        VerbResult result;
        struct Row {
            std::int64_t id;
            Status status;
            int attempts;
            TimePoint due_at;
        };
        std::vector<Row> rows;
        std::set<std::int64_t> seen;
        for (std::int64_t id : ids) {
            if (!seen.insert(id).second) {
                continue; // the same id twice acts (or is reported) once
            }
            auto& q = m_db.prepare(std::string("SELECT ") + k_columns +
                                   " FROM notifications WHERE id = ?2");
            q.bind(1, to_unix_ms(now)).bind(2, id);
            if (!q.step()) {
                result.missing.push_back(id);
                continue;
            }
            Notification n = read_notification(q);
            q.reset();
            if (auto why = verb_refusal(verb, n.status)) {
                result.refused.push_back(std::to_string(id) + " is " +
                                         std::string(model::to_string(n.status)) + "; " + *why);
                continue;
            }
            rows.push_back({id, n.status, n.attempts, n.due_at});
        }
        if (!result.missing.empty() || !result.refused.empty()) {
            return result;
        }
        for (const Row& row : rows) {
            apply_one(verb, row.id, row.status, row.attempts, row.due_at, now);
            result.changed.push_back(row.id);
        }
        tx.commit();
        return result;
    }

    std::int64_t purge(TimePoint before, std::optional<Status> status) override {
        Transaction tx(m_db);
        std::string sql = "DELETE FROM notifications WHERE updated_at < ?1 AND ";
        sql += status ? "status = ?2" : "status IN ('sent', 'dead', 'cancelled', 'suppressed')";
        auto& d = m_db.prepare(sql);
        d.bind(1, to_unix_ms(before));
        if (status) {
            d.bind(2, status_sql(*status));
        }
        d.run();
        std::int64_t count = m_db.changes();
        tx.commit();
        return count;
    }

    // Counts come from status_counts (kept by triggers); only the rows due now and the rows
    // being sent are visited, through the lane index: a million rows due tomorrow cost nothing.
    Stats stats(TimePoint now) override {
        ReadTransaction rtx(m_db);
        Stats stats;
        const std::int64_t now_ms = to_unix_ms(now);
        // Rows stored as scheduled or queued, by channel: shown as queued when due, else
        // scheduled.
        std::map<std::string, std::int64_t> waiting;
        auto& counts = m_db.prepare("SELECT status, channel, n FROM status_counts WHERE n > 0");
        while (counts.step()) {
            auto status = model::parse_status(counts.text(0));
            if (!status) {
                continue;
            }
            const std::int64_t n = counts.int64(2);
            stats.total += n;
            if (*status == model::Status::scheduled || *status == model::Status::queued) {
                waiting[counts.text(1)] += n;
                continue;
            }
            stats.by_status[*status] += n;
            stats.by_channel[counts.text(1)][*status] += n;
        }
        const auto& edges = age_bucket_edges();
        std::string bucket = "CASE";
        for (std::size_t i = 0; i < edges.size(); ++i) {
            bucket += " WHEN ?1 - due_at < " + std::to_string(edges[i].count()) + " THEN " +
                      std::to_string(i);
        }
        bucket += " ELSE " + std::to_string(edges.size()) + " END";
        auto add_shape = [&](const std::string& channel, std::int64_t b, std::int64_t n) {
            auto& shape = stats.waiting_by_age[channel];
            shape.resize(edges.size() + 1, 0);
            shape[static_cast<std::size_t>(b)] += n;
        };
        std::optional<std::int64_t> oldest;
        auto& due =
            m_db.prepare(std::string("SELECT status = 'retrying', ") + bucket +
                         " AS b, count(*), min(due_at) FROM notifications WHERE " + k_claimable +
                         " AND channel = ?2 AND priority IN (0, 1, 2) AND due_at <= ?1 "
                         "GROUP BY 1, 2");
        for (const std::string& channel : claimable_channels_except({})) {
            std::int64_t due_waiting = 0;
            due.reset();
            due.bind(1, now_ms).bind(2, channel);
            while (due.step()) {
                const std::int64_t n = due.int64(2);
                stats.due_now += n;
                oldest = oldest ? std::min(*oldest, due.int64(3)) : due.int64(3);
                add_shape(channel, due.int64(1), n);
                if (due.int64(0) == 0) {
                    due_waiting += n;
                }
            }
            auto it = waiting.find(channel);
            const std::int64_t stored = it == waiting.end() ? 0 : it->second;
            if (due_waiting > 0) {
                stats.by_status[model::Status::queued] += due_waiting;
                stats.by_channel[channel][model::Status::queued] += due_waiting;
            }
            if (stored > due_waiting) {
                stats.by_status[model::Status::scheduled] += stored - due_waiting;
                stats.by_channel[channel][model::Status::scheduled] += stored - due_waiting;
            }
        }
        due.reset();
        if (oldest) {
            stats.oldest_due_age = now - from_unix_ms(*oldest);
        }
        auto& sending = m_db.prepare("SELECT channel, " + bucket +
                                     " AS b, count(*) FROM notifications WHERE status = "
                                     "'sending' GROUP BY 1, 2");
        sending.bind(1, now_ms);
        while (sending.step()) {
            add_shape(sending.text(0), sending.int64(1), sending.int64(2));
        }
        auto& rates = m_db.prepare(
            "SELECT coalesce(sum(outcome = 'sent'), 0), coalesce(sum(outcome NOT IN ('sent', "
            "'rescued')), 0) FROM attempts WHERE finished_at >= ?1");
        rates.bind(1, to_unix_ms(now - stats.rate_window));
        if (rates.step()) {
            stats.sent_in_window = rates.int64(0);
            stats.failed_in_window = rates.int64(1);
        }
        rates.reset();
        return stats;
    }

    std::vector<TemplateEngagement> engagement(TimePoint since) override {
        auto& q = m_db.prepare(
            "SELECT n.template, count(*), "
            "sum(EXISTS (SELECT 1 FROM events o WHERE o.notification_id = n.id AND o.type = "
            "'opened')), "
            "sum(EXISTS (SELECT 1 FROM events c WHERE c.notification_id = n.id AND c.type = "
            "'clicked')) "
            "FROM notifications n WHERE n.id IN (SELECT notification_id FROM attempts WHERE "
            "finished_at >= ?1 AND outcome = 'sent') GROUP BY n.template ORDER BY n.template");
        q.bind(1, to_unix_ms(since));
        std::vector<TemplateEngagement> rows;
        while (q.step()) {
            rows.push_back(
                TemplateEngagement{q.optional_text(0), q.int64(1), q.int64(2), q.int64(3)});
        }
        return rows;
    }

    // filter.settled needs no wait here: one writer at a time, so events commit in the order
    // of their numbers.
    std::vector<EventRecord> events(const EventFilter& filter) override {
        std::string sql = "SELECT e.id, e.notification_id, n.channel, e.type, e.at, e.detail FROM "
                          "events e JOIN notifications n ON n.id = e.notification_id WHERE "
                          "e.id > ?1";
        if (filter.since) {
            sql += " AND e.at >= ?2";
        }
        if (filter.id) {
            sql += " AND e.notification_id = ?3";
        }
        if (!filter.types.empty()) {
            sql += " AND e.type IN (";
            for (std::size_t i = 0; i < filter.types.size(); ++i) {
                sql += (i > 0 ? ", ?" : "?") + std::to_string(10 + i);
            }
            sql += ")";
        }
        sql += " ORDER BY e.id";
        if (filter.limit > 0) {
            sql += " LIMIT ?4";
        }
        auto& q = m_db.prepare(sql);
        q.bind(1, filter.after_seq);
        if (filter.since) {
            q.bind(2, to_unix_ms(*filter.since));
        }
        if (filter.id) {
            q.bind(3, *filter.id);
        }
        if (filter.limit > 0) {
            q.bind(4, filter.limit);
        }
        for (std::size_t i = 0; i < filter.types.size(); ++i) {
            q.bind(static_cast<int>(10 + i), filter.types[i]);
        }
        std::vector<EventRecord> out;
        while (q.step()) {
            out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), from_unix_ms(q.int64(4)),
                           q.text(5)});
        }
        return out;
    }

    std::vector<Claim> claim(const std::string& owner, int max, Millis lease, TimePoint now,
                             const ClaimFilter& filter) override {
        // Every claim reads the lane index (channel, priority, due_at, id), one channel at a
        // time: without a channel no index serves it, and scanning every due row on each turn
        // made the dispatcher's work grow with the queue. The counters name the channels with
        // claimable rows.
        std::vector<std::string> channels;
        if (filter.channel) {
            channels.push_back(*filter.channel);
        } else {
            channels = claimable_channels_except(filter.exclude_channels);
        }
        // SQLite allows 500 terms in a compound SELECT: 3 per channel, so a few dozen
        // channels per statement.
        constexpr std::size_t k_channels_per_claim = 50;
        std::vector<Claim> claims;
        for (std::size_t first = 0; first < channels.size(); first += k_channels_per_claim) {
            const int left = max - static_cast<int>(claims.size());
            if (left <= 0) {
                break;
            }
            const auto from = channels.begin() + static_cast<std::ptrdiff_t>(first);
            const auto to = channels.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                   channels.size(), first + k_channels_per_claim));
            auto more = claim_in(owner, left, lease, now, {from, to}, filter.high_only);
            claims.insert(claims.end(), std::make_move_iterator(more.begin()),
                          std::make_move_iterator(more.end()));
        }
        return claims;
    }

    // Channels that hold scheduled, queued or retrying rows, but for `except`.
    std::vector<std::string> claimable_channels_except(const std::vector<std::string>& except) {
        auto& q = m_db.prepare(std::string("SELECT DISTINCT channel FROM status_counts WHERE "
                                           "n > 0 AND ") +
                               k_claimable + " ORDER BY channel");
        std::vector<std::string> channels;
        while (q.step()) {
            std::string channel = q.text(0);
            if (std::find(except.begin(), except.end(), channel) == except.end()) {
                channels.push_back(std::move(channel));
            }
        }
        q.reset();
        return channels;
    }

    // Claims up to `max` due rows of `channels`, the highest priority first, then the earliest
    // due, in one transaction: one index range per channel and priority.
    std::vector<Claim> claim_in(const std::string& owner, int max, Millis lease, TimePoint now,
                                const std::vector<std::string>& channels, bool high_only) {
        // A lease is not an acceptance. Should the power fail before a later synced commit
        // (the results', an enqueue's) carries this one to disk, the rows are claimable again
        // and at most sent twice, as at-least-once allows; so a claim skips its fsync.
        UnsyncedCommits unsynced(m_db, m_synced);
        Transaction tx(m_db);
        std::string pick;
        const int priorities = high_only ? 1 : 3;
        for (std::size_t c = 0; c < channels.size(); ++c) {
            for (int priority = 0; priority < priorities; ++priority) {
                if (!pick.empty()) {
                    pick += " UNION ALL ";
                }
                pick += std::string("SELECT * FROM (SELECT id, priority, due_at FROM "
                                    "notifications WHERE ") +
                        k_claimable + " AND channel = ?" + std::to_string(10 + c) +
                        " AND priority = " + std::to_string(priority) +
                        " AND due_at <= ?1 AND (expires_at IS NULL OR expires_at > ?1) "
                        "ORDER BY due_at, id LIMIT ?4)";
            }
        }
        auto& q = m_db.prepare(
            std::string("UPDATE notifications SET status = 'sending', lease_owner = ?2, "
                        "lease_until = ?3, attempts = attempts + 1, updated_at = ?1 WHERE id IN "
                        "(SELECT id FROM (") +
            pick + ") ORDER BY priority, due_at, id LIMIT ?4) RETURNING " + k_columns);
        TimePoint until = now + lease;
        q.bind(1, to_unix_ms(now)).bind(2, owner).bind(3, to_unix_ms(until)).bind(4, max);
        for (std::size_t c = 0; c < channels.size(); ++c) {
            q.bind(static_cast<int>(10 + c), channels[c]);
        }
        std::vector<Claim> claims;
        while (q.step()) {
            claims.push_back({read_notification(q), owner, until});
        }
        std::sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) {
            const auto& x = a.notification;
            const auto& y = b.notification;
            return std::tie(x.priority, x.due_at, x.id) < std::tie(y.priority, y.due_at, y.id);
        });
        for (const Claim& c : claims) {
            add_event(c.notification.id, "claimed", now,
                      "attempt " + std::to_string(c.notification.attempts) + " by " + owner);
        }
        tx.commit();
        return claims;
    }

    std::vector<Claim> claim_digest_items(const std::string& owner, Millis lease, TimePoint now,
                                          const DigestKey& key) override {
        Transaction tx(m_db);
        auto& q = m_db.prepare(
            std::string("UPDATE notifications SET status = 'sending', lease_owner = ?2, "
                        "lease_until = ?3, attempts = attempts + 1, updated_at = ?1 WHERE ") +
            k_claimable +
            " AND due_at <= ?1 AND (expires_at IS NULL OR expires_at > ?1) AND user_id = ?4 AND "
            "channel = ?5 AND category = ?6 AND recipient = ?7 AND (event_id IS NULL OR "
            "substr(event_id, 1, 7) <> 'digest:') RETURNING " +
            k_columns);
        TimePoint until = now + lease;
        q.bind(1, to_unix_ms(now))
            .bind(2, owner)
            .bind(3, to_unix_ms(until))
            .bind(4, key.user)
            .bind(5, key.channel)
            .bind(6, key.category)
            .bind(7, key.to);
        std::vector<Claim> claims;
        while (q.step()) {
            claims.push_back({read_notification(q), owner, until});
        }
        std::sort(claims.begin(), claims.end(), [](const Claim& a, const Claim& b) {
            return std::tie(a.notification.due_at, a.notification.id) <
                   std::tie(b.notification.due_at, b.notification.id);
        });
        for (const Claim& c : claims) {
            add_event(c.notification.id, "claimed", now,
                      "attempt " + std::to_string(c.notification.attempts) + " by " + owner +
                          " (digest)");
        }
        tx.commit();
        return claims;
    }

    DigestResult merge_digest(const DigestMerge& merge) override {
        Transaction tx(m_db);
        DigestResult result;
        std::int64_t id =
            insert_locked(merge.digest, merge.event_id, merge.now,
                          "digest of " + std::to_string(merge.items.size()) + " notification(s)");
        const std::string why = "merged into digest " + std::to_string(id);
        for (Completion c : merge.items) {
            c.outcome = Outcome::suppressed;
            c.detail = why;
            c.attempt_class.clear();
            c.failed_tries.clear();
            if (!complete_locked(c)) {
                result.fenced.push_back(c.id);
            }
        }
        if (!result.fenced.empty()) {
            return result; // rolled back: the digest row is not kept either
        }
        tx.commit();
        result.id = id;
        return result;
    }

    bool record_event(std::int64_t id, const std::string& type, const std::string& detail,
                      TimePoint at) override {
        Transaction tx(m_db);
        auto& q = m_db.prepare("SELECT 1 FROM notifications WHERE id = ?1");
        q.bind(1, id);
        if (!q.step()) {
            return false;
        }
        q.reset();
        add_event(id, type, at, detail);
        tx.commit();
        return true;
    }

    std::optional<std::int64_t> find_by_receipt(const std::string& provider,
                                                const std::string& receipt) override {
        auto& q = m_db.prepare("SELECT notification_id FROM attempts WHERE provider = ?1 AND "
                               "detail = ?2 AND outcome = 'sent' ORDER BY id DESC LIMIT 1");
        q.bind(1, provider).bind(2, receipt);
        std::optional<std::int64_t> id;
        if (q.step()) {
            id = q.int64(0);
        }
        q.reset();
        return id;
    }

    bool complete(const Completion& c) override {
        Transaction tx(m_db);
        bool applied = complete_locked(c);
        if (applied) {
            tx.commit();
        }
        return applied;
    }

    std::vector<bool> complete_all(const std::vector<Completion>& completions) override {
        Transaction tx(m_db);
        std::vector<bool> applied;
        applied.reserve(completions.size());
        for (const Completion& c : completions) {
            applied.push_back(complete_locked(c));
        }
        tx.commit();
        return applied;
    }

    std::vector<TokenResult> take_tokens(const std::vector<TokenRequest>& requests,
                                         TimePoint now) override {
        Transaction tx(m_db);
        std::vector<TokenResult> out;
        for (const TokenRequest& request : requests) {
            std::vector<std::pair<std::string, policy::TakeResult>> results;
            std::optional<Millis> wait;
            std::size_t limiting = 0;
            for (const auto& [key, limit] : request.buckets) {
                auto& q =
                    m_db.prepare("SELECT tokens, updated_at FROM rate_buckets WHERE key = ?1");
                q.bind(1, key);
                policy::BucketState state;
                if (q.step()) {
                    state.tokens = static_cast<double>(q.real(0));
                    state.updated_at = from_unix_ms(q.int64(1));
                }
                q.reset();
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
                auto& u = m_db.prepare("INSERT INTO rate_buckets (key, tokens, updated_at) VALUES "
                                       "(?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET tokens = "
                                       "excluded.tokens, updated_at = excluded.updated_at");
                u.bind(1, key).bind_real(2, r.state.tokens).bind(3, to_unix_ms(r.state.updated_at));
                u.run();
            }
            out.push_back({wait, limiting});
        }
        tx.commit();
        return out;
    }

  private:
    // complete() inside the caller's transaction; false (nothing written) when fenced out.
    bool complete_locked(const Completion& c) {
        if (c.outcome == Outcome::deferred) {
            return defer_locked(c);
        }
        const char* status = completed_status(c.outcome);
        auto& u = m_db.prepare(
            "UPDATE notifications SET status = ?1, provider = ?2, last_error = ?3, "
            "sent_at = ?4, due_at = coalesce(?5, due_at), updated_at = ?6, lease_owner = NULL, "
            "lease_until = NULL WHERE id = ?7 AND status = 'sending' AND lease_owner = ?8 AND "
            "attempts = ?9");
        std::int64_t finished = to_unix_ms(c.finished_at);
        u.bind(1, status).bind(2, c.provider);
        if (c.outcome == Outcome::sent) {
            u.bind_null(3).bind(4, finished);
        } else {
            u.bind(3, c.detail).bind_null(4);
        }
        if (c.outcome == Outcome::retry) {
            u.bind(5, to_unix_ms(c.next_due));
        } else {
            u.bind_null(5);
        }
        u.bind(6, finished).bind(7, c.id).bind(8, c.owner).bind(9, c.attempt);
        u.run();
        if (m_db.changes() == 0) {
            return false; // fenced: rescued, cancelled or completed by someone else
        }
        const CompletionRows rows = completion_rows(c);
        for (const auto& a : rows.attempts) {
            add_attempt(c.id, c.attempt, a.provider, c.started_at, c.finished_at, a.outcome,
                        a.detail);
        }
        for (const auto& e : rows.events) {
            add_event(c.id, e.type, c.finished_at, e.detail);
        }
        if (c.outcome == Outcome::sent) {
            drop_attachment_bytes(c.id);
        }
        return true;
    }

    // Gives the attempt back: the row is claimable again at next_due, attempts not counted.
    bool defer_locked(const Completion& c) {
        auto& u = m_db.prepare(
            "UPDATE notifications SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE "
            "'queued' END, attempts = attempts - 1, due_at = ?1, updated_at = ?2, lease_owner = "
            "NULL, lease_until = NULL, last_error = ?6 WHERE id = ?3 AND status = 'sending' AND "
            "lease_owner = ?4 AND attempts = ?5");
        u.bind(1, to_unix_ms(c.next_due))
            .bind(2, to_unix_ms(c.finished_at))
            .bind(3, c.id)
            .bind(4, c.owner)
            .bind(5, c.attempt)
            .bind(6, c.detail);
        u.run();
        if (m_db.changes() == 0) {
            return false;
        }
        if (!c.attempt_class.empty()) {
            // A real try that failed for the provider's sake: logged, but not counted.
            add_attempt(c.id, c.attempt, c.provider, c.started_at, c.finished_at, c.attempt_class,
                        c.detail);
        }
        add_event(c.id, "deferred", c.finished_at,
                  c.detail + "; next try at " + schedule::format_rfc3339(c.next_due) +
                      " (attempt not counted)");
        return true;
    }

  public:
    int rescue(TimePoint now, const std::optional<std::string>& current_owner) override {
        Transaction tx(m_db);
        std::string sql = "SELECT id, attempts, lease_owner, coalesce(provider, '-'), updated_at "
                          "FROM notifications WHERE status = 'sending' AND ";
        sql += current_owner ? "(lease_until <= ?1 OR lease_owner IS NOT ?2)" : "lease_until <= ?1";
        auto& q = m_db.prepare(sql);
        q.bind(1, to_unix_ms(now));
        if (current_owner) {
            q.bind(2, *current_owner);
        }
        struct Row {
            std::int64_t id;
            int attempts;
            std::string owner;
            std::string provider;
            TimePoint claimed_at;
        };
        std::vector<Row> rows;
        while (q.step()) {
            rows.push_back({q.int64(0), static_cast<int>(q.int64(1)), q.text(2), q.text(3),
                            from_unix_ms(q.int64(4))});
        }
        q.reset();
        for (const Row& r : rows) {
            auto& u = m_db.prepare(
                "UPDATE notifications SET status = 'retrying', due_at = ?1, updated_at = ?1, "
                "lease_owner = NULL, lease_until = NULL, last_error = ?2 WHERE id = ?3 AND "
                "status = 'sending' AND lease_owner IS ?4 AND attempts = ?5");
            std::string why = "attempt " + std::to_string(r.attempts) + " by " + r.owner +
                              " did not finish (lease expired or dispatcher gone)";
            u.bind(1, to_unix_ms(now))
                .bind(2, why)
                .bind(3, r.id)
                .bind(4, r.owner)
                .bind(5, r.attempts);
            u.run();
            add_attempt(r.id, r.attempts, r.provider, r.claimed_at, now, "rescued", why);
            add_event(r.id, "rescued", now, why);
        }
        tx.commit();
        return static_cast<int>(rows.size());
    }

    // Runs every second in notifyd: it reads through the expiry index, and takes the write
    // lock only when something expired.
    int expire(TimePoint now) override {
        auto expired = [&] {
            // Without statistics SQLite prefers the status index, which holds every waiting row.
            auto& q = m_db.prepare(std::string("SELECT id FROM notifications INDEXED BY "
                                               "notifications_expiry WHERE expires_at IS NOT "
                                               "NULL AND ") +
                                   k_claimable + " AND expires_at <= ?1");
            q.bind(1, to_unix_ms(now));
            std::vector<std::int64_t> ids;
            while (q.step()) {
                ids.push_back(q.int64(0));
            }
            q.reset();
            return ids;
        };
        if (expired().empty()) {
            return 0;
        }
        Transaction tx(m_db);
        const std::vector<std::int64_t> ids = expired(); // again, under the write lock
        const std::string why = "expired: not sent before its TTL ran out";
        for (std::int64_t id : ids) {
            auto& u = m_db.prepare("UPDATE notifications SET status = 'suppressed', "
                                   "last_error = ?1, updated_at = ?2 WHERE id = ?3");
            u.bind(1, why).bind(2, to_unix_ms(now)).bind(3, id);
            u.run();
            add_event(id, "suppressed", now, why);
        }
        tx.commit();
        return static_cast<int>(ids.size());
    }

    std::optional<TimePoint> next_wakeup() override {
        std::optional<std::int64_t> best;
        auto consider = [&](std::optional<std::int64_t> v) {
            if (v && (!best || *v < *best)) {
                best = v;
            }
        };
        // The earliest due row: one seek in the lane index per channel with claimable rows
        // (the counters name them) and priority.
        auto& q = m_db.prepare(
            std::string("SELECT min((SELECT min(due_at) FROM notifications WHERE ") + k_claimable +
            " AND channel = c.channel AND priority = p.priority)) FROM (SELECT DISTINCT channel "
            "FROM status_counts WHERE n > 0 AND " +
            k_claimable +
            ") AS c, (SELECT 0 AS priority UNION ALL SELECT 1 UNION ALL SELECT 2) AS p");
        if (q.step()) {
            consider(q.optional_int64(0));
        }
        q.reset();
        auto& l =
            m_db.prepare("SELECT min(lease_until) FROM notifications WHERE status = 'sending'");
        if (l.step()) {
            consider(l.optional_int64(0));
        }
        l.reset();
        auto& c = m_db.prepare("SELECT min(next_at) FROM schedules WHERE paused = 0");
        if (c.step()) {
            consider(c.optional_int64(0));
        }
        c.reset();
        if (!best) {
            return std::nullopt;
        }
        return from_unix_ms(*best);
    }

    bool add_schedule(const Schedule& sc) override {
        Transaction tx(m_db);
        auto& exists = m_db.prepare("SELECT 1 FROM schedules WHERE name = ?1");
        exists.bind(1, sc.name);
        if (exists.step()) {
            return false;
        }
        exists.reset();
        auto& i = m_db.prepare(
            "INSERT INTO schedules (name, cron, tz, paused, content, catch_up, created_at, "
            "updated_at, next_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)");
        i.bind(1, sc.name)
            .bind(2, sc.cron)
            .bind(3, sc.tz)
            .bind(4, sc.paused ? 1 : 0)
            .bind(5, sc.content_json)
            .bind(6, sc.catch_up)
            .bind(7, to_unix_ms(sc.created_at));
        bind_time(i, 8, sc.next_at);
        i.run();
        tx.commit();
        return true;
    }

    std::vector<Schedule> list_schedules() override {
        auto& q = m_db.prepare(std::string("SELECT ") + k_schedule_columns +
                               " FROM schedules ORDER BY name");
        std::vector<Schedule> out;
        while (q.step()) {
            out.push_back(read_schedule(q));
        }
        return out;
    }

    std::optional<Schedule> find_schedule(const std::string& name) override {
        auto& q = m_db.prepare(std::string("SELECT ") + k_schedule_columns +
                               " FROM schedules WHERE name = ?1");
        q.bind(1, name);
        if (!q.step()) {
            return std::nullopt;
        }
        Schedule sc = read_schedule(q);
        q.reset();
        return sc;
    }

    bool remove_schedule(const std::string& name) override {
        Transaction tx(m_db);
        auto& d = m_db.prepare("DELETE FROM schedules WHERE name = ?1");
        d.bind(1, name);
        d.run();
        if (m_db.changes() == 0) {
            return false;
        }
        auto& f = m_db.prepare("DELETE FROM schedule_fires WHERE schedule = ?1");
        f.bind(1, name);
        f.run();
        tx.commit();
        return true;
    }

    bool set_schedule_paused(const std::string& name, bool paused, std::optional<TimePoint> next_at,
                             TimePoint now) override {
        Transaction tx(m_db);
        auto& u = m_db.prepare("UPDATE schedules SET paused = ?1, next_at = ?2, updated_at = ?3 "
                               "WHERE name = ?4");
        u.bind(1, paused ? 1 : 0);
        bind_time(u, 2, next_at);
        u.bind(3, to_unix_ms(now)).bind(4, name);
        u.run();
        if (m_db.changes() == 0) {
            return false;
        }
        tx.commit();
        return true;
    }

    std::vector<std::int64_t> fire_schedule(const std::string& name, TimePoint slot,
                                            const std::vector<NewNotification>& rows,
                                            std::optional<TimePoint> next_at,
                                            TimePoint now) override {
        Transaction tx(m_db);
        std::vector<std::int64_t> ids;
        auto& f = m_db.prepare("INSERT INTO schedule_fires (schedule, slot_at, fired_at) VALUES "
                               "(?1, ?2, ?3) ON CONFLICT DO NOTHING");
        f.bind(1, name).bind(2, to_unix_ms(slot)).bind(3, to_unix_ms(now));
        f.run();
        bool fresh = m_db.changes() > 0;
        if (fresh) {
            std::string event_id = "schedule:" + name + ":" + schedule::format_rfc3339(slot);
            for (const NewNotification& row : rows) {
                ids.push_back(insert_locked(row, event_id, now,
                                            "from schedule " + name + ", slot " +
                                                schedule::format_rfc3339(slot)));
            }
            std::string list;
            for (auto id : ids) {
                list += (list.empty() ? "" : ",") + std::to_string(id);
            }
            auto& u = m_db.prepare(
                "UPDATE schedule_fires SET ids = ?1 WHERE schedule = ?2 AND slot_at = ?3");
            u.bind(1, list).bind(2, name).bind(3, to_unix_ms(slot));
            u.run();
        }
        auto& n = m_db.prepare("UPDATE schedules SET next_at = ?1, last_slot = max(coalesce("
                               "last_slot, 0), ?2), updated_at = ?3 WHERE name = ?4");
        bind_time(n, 1, next_at);
        n.bind(2, to_unix_ms(slot)).bind(3, to_unix_ms(now)).bind(4, name);
        n.run();
        tx.commit();
        return ids;
    }

    void set_schedule_next(const std::string& name, std::optional<TimePoint> next_at,
                           TimePoint now) override {
        Transaction tx(m_db);
        auto& n =
            m_db.prepare("UPDATE schedules SET next_at = ?1, updated_at = ?2 WHERE name = ?3");
        bind_time(n, 1, next_at);
        n.bind(2, to_unix_ms(now)).bind(3, name);
        n.run();
        tx.commit();
    }

  private:
    // The transaction of begin_enqueue(): BEGIN IMMEDIATE now, ROLLBACK unless committed.
    class Batch final : public EnqueueBatch {
      public:
        Batch(SqliteJobStore& store, TimePoint now)
            : m_store(store), m_tx(store.m_db), m_now(now) {}
        EnqueueResult add(const EnqueueRequest& request) override {
            return m_store.enqueue_locked(request, m_now);
        }
        void commit() override { m_tx.commit(); }

      private:
        SqliteJobStore& m_store;
        Transaction m_tx;
        TimePoint m_now;
    };

    // The transaction of begin_import(): BEGIN IMMEDIATE, a refusal unless the store is empty,
    // then one INSERT per row; ROLLBACK unless committed.
    class Import final : public RowImport {
      public:
        explicit Import(SqliteJobStore& store) : m_store(store), m_tx(store.m_db) {
            store.prepare_import();
        }
        void add(const PortableTable& table, const Row& row) override {
            std::string& sql = m_insert[table.name];
            if (sql.empty()) {
                sql = "INSERT INTO \"" + table.name + "\" (" + column_list(table) + ") VALUES (";
                for (std::size_t i = 1; i <= table.columns.size(); ++i) {
                    sql += (i > 1 ? ", ?" : "?") + std::to_string(i);
                }
                sql += ")";
            }
            if (row.size() != table.columns.size()) {
                throw Error(Exit::software, "a row of " + table.name + " has " +
                                                std::to_string(row.size()) + " values for " +
                                                std::to_string(table.columns.size()) + " columns");
            }
            auto& insert = m_store.m_db.prepare(sql);
            for (std::size_t i = 0; i < row.size(); ++i) {
                bind_cell(insert, static_cast<int>(i) + 1, row[i]);
            }
            insert.run();
        }
        // SQLite needs no sequence moved: INTEGER PRIMARY KEY takes the largest id plus one.
        void commit() override { m_tx.commit(); }

      private:
        SqliteJobStore& m_store;
        Transaction m_tx;
        std::map<std::string, std::string> m_insert; // table -> its INSERT
    };

    // Inside the import's transaction: Error(data) unless the store holds no notification,
    // schedule or user. Nothing else can be there without them but rate-limit buckets, which
    // the copy replaces.
    void prepare_import() {
        std::string held;
        for (const auto& [table, noun] :
             {std::pair{"notifications", "notification(s)"}, std::pair{"schedules", "schedule(s)"},
              std::pair{"users", "user(s)"}}) {
            std::int64_t n = pragma_int((std::string("SELECT count(*) FROM ") + table).c_str());
            if (n > 0) {
                held += (held.empty() ? "" : ", ") + std::to_string(n) + " " + noun;
            }
        }
        if (!held.empty()) {
            throw Error(Exit::data,
                        "destination store " + m_db.path() + " is not empty: it holds " + held,
                        "migrate into a new store (a path that does not exist yet)");
        }
        m_db.exec("DELETE FROM rate_buckets");
    }

    static std::string column_list(const PortableTable& table) {
        std::string list;
        for (const std::string& column : table.columns) {
            list += (list.empty() ? "\"" : ", \"") + column + "\"";
        }
        return list;
    }

    // "a, b": the primary key columns of `table`, for ORDER BY. Throws if it has none.
    std::string key_order(const std::string& table) {
        auto& q = m_db.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk");
        q.bind(1, table);
        std::string order;
        while (q.step()) {
            order += (order.empty() ? "\"" : ", \"") + q.text(0) + "\"";
        }
        if (order.empty()) {
            throw Error(Exit::software, "store " + m_db.path() + " has no table " + table);
        }
        return order;
    }

    static Cell read_cell(const Statement& q, int column) {
        switch (q.type(column)) {
        case ColumnType::integer:
            return q.int64(column);
        case ColumnType::real:
            return q.real(column);
        case ColumnType::text:
            return q.text(column);
        case ColumnType::blob:
            return Blob{q.blob(column)};
        case ColumnType::null:
            break;
        }
        return std::monostate{};
    }

    static void bind_cell(Statement& s, int index, const Cell& cell) {
        std::visit(
            [&](const auto& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    s.bind_null(index);
                } else if constexpr (std::is_same_v<T, double>) {
                    s.bind_real(index, value);
                } else if constexpr (std::is_same_v<T, Blob>) {
                    s.bind_blob(index, value.bytes);
                } else {
                    s.bind(index, value);
                }
            },
            cell);
    }

    static constexpr const char* k_schedule_columns =
        "name, cron, tz, paused, content, catch_up, created_at, updated_at, next_at, last_slot";

    static Schedule read_schedule(const Statement& q) {
        Schedule sc;
        sc.name = q.text(0);
        sc.cron = q.text(1);
        sc.tz = q.text(2);
        sc.paused = q.int64(3) != 0;
        sc.content_json = q.text(4);
        sc.catch_up = q.text(5);
        sc.created_at = from_unix_ms(q.int64(6));
        sc.updated_at = from_unix_ms(q.int64(7));
        sc.next_at = optional_time(q, 8);
        sc.last_slot = optional_time(q, 9);
        return sc;
    }

    static void bind_time(Statement& s, int index, const std::optional<TimePoint>& t) {
        if (t) {
            s.bind(index, to_unix_ms(*t));
        } else {
            s.bind_null(index);
        }
    }

    static const std::string& prepare_path(const std::string& path) {
        create_store_file(path);
        return path;
    }

    // Throws if the file is an SQLite database that notify did not create.
    void refuse_foreign() {
        // One snapshot for both reads: a process migrating a fresh store at the same moment
        // commits its tables and user_version together, so we see both or neither.
        std::int64_t version = 0;
        std::int64_t tables = 0;
        {
            ReadTransaction snapshot(m_db);
            version = pragma_int("PRAGMA user_version");
            tables = pragma_int("SELECT count(*) FROM sqlite_schema");
        }
        if (version == 0) {
            if (tables != 0) {
                throw Error(Exit::io, m_db.path() + " is not a notify store (it holds other "
                                                    "tables)");
            }
            return;
        }
        check_application_id();
    }

    void configure(const SqliteOptions& options) {
        auto& mode = m_db.prepare("PRAGMA journal_mode = WAL");
        std::string journal = mode.step() ? mode.text(0) : "";
        mode.reset();
        if (journal != "wal") {
            throw Error(Exit::io,
                        "cannot use store " + m_db.path() +
                            ": WAL journal mode unavailable (got \"" + journal + "\")",
                        "the store must be on a local filesystem that supports shared memory");
        }
        m_db.exec(options.durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                         : "PRAGMA synchronous = NORMAL");
        m_db.exec("PRAGMA foreign_keys = ON");
        if (options.cache_kib > 0) {
            m_db.exec("PRAGMA cache_size = -" + std::to_string(options.cache_kib));
        }
    }

    std::int64_t pragma_int(const char* sql) {
        auto& q = m_db.prepare(sql);
        std::int64_t v = q.step() ? q.int64(0) : 0;
        q.reset();
        return v;
    }

    void migrate() {
        const auto& migrations = sqlite_migrations();
        const auto latest = static_cast<std::int64_t>(migrations.size());
        std::int64_t version = pragma_int("PRAGMA user_version");
        if (version == latest) {
            check_application_id();
            return;
        }
        Transaction tx(m_db);
        version = pragma_int("PRAGMA user_version"); // another process may have migrated
        if (version > latest) {
            throw Error(Exit::io,
                        "store " + m_db.path() + " has schema version " + std::to_string(version) +
                            ", newer than this notify understands (" + std::to_string(latest) + ")",
                        "upgrade notify, or point --db at another store");
        }
        if (version == 0) {
            if (pragma_int("SELECT count(*) FROM sqlite_schema") != 0) {
                throw Error(Exit::io, m_db.path() + " is not a notify store (it holds other "
                                                    "tables)");
            }
            m_db.exec("PRAGMA application_id = " + std::to_string(k_application_id));
        } else {
            check_application_id();
        }
        for (std::int64_t v = version; v < latest; ++v) {
            m_db.exec(migrations[static_cast<std::size_t>(v)]);
        }
        m_db.exec("PRAGMA user_version = " + std::to_string(latest));
        tx.commit();
    }

    void check_application_id() {
        if (pragma_int("PRAGMA application_id") != k_application_id) {
            throw Error(Exit::io, m_db.path() + " is not a notify store (wrong application id)");
        }
    }

    void apply_one(Verb verb, std::int64_t id, Status status, int attempts, TimePoint due_at,
                   TimePoint now) {
        const VerbEffect e = verb_effect(verb, status, attempts, due_at, now);
        auto& u = m_db.prepare(
            "UPDATE notifications SET status = ?1, updated_at = ?2, due_at = CASE WHEN ?3 THEN ?2 "
            "ELSE due_at END, expires_at = CASE WHEN ?4 THEN NULL ELSE expires_at END WHERE id = "
            "?5");
        u.bind(1, e.status)
            .bind(2, to_unix_ms(now))
            .bind(3, e.due_now ? 1 : 0)
            .bind(4, e.clear_expiry ? 1 : 0)
            .bind(5, id);
        u.run();
        add_event(id, e.event, now, e.detail);
    }

    // enqueue() inside the caller's transaction.
    EnqueueResult enqueue_locked(const EnqueueRequest& request, TimePoint now) {
        EnqueueResult result;
        if (request.event_id) {
            auto& find = m_db.prepare(
                "SELECT id FROM notifications WHERE event_id = ?1 AND (status IN ('scheduled', "
                "'queued', 'sending', 'retrying', 'held') OR (status IN ('sent', 'suppressed') "
                "AND created_at >= ?2)) ORDER BY id");
            find.bind(1, *request.event_id).bind(2, to_unix_ms(now - request.dedup_window));
            while (find.step()) {
                result.ids.push_back(find.int64(0));
            }
            if (!result.ids.empty()) {
                result.duplicate = true;
                return result;
            }
        }
        for (const NewNotification& row : request.rows) {
            result.ids.push_back(insert_locked(
                row, request.event_id, now,
                row.due_at > now ? "scheduled for " + schedule::format_rfc3339(row.due_at)
                                 : "queued"));
        }
        return result;
    }

    // Inserts one row inside the caller's transaction with its first event ("created" with
    // `created_detail`, or "suppressed" with the row's reason). Returns its id.
    std::int64_t insert_locked(const NewNotification& row,
                               const std::optional<std::string>& event_id, TimePoint now,
                               const std::string& created_detail) {
        auto& insert = m_db.prepare(
            "INSERT INTO notifications (status, channel, recipient, user_id, template, event_id, "
            "priority, subject, title, body, data, due_at, created_at, updated_at, expires_at, "
            "category, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?13, ?14, ?15, ?16) RETURNING id");
        const char* status = row.suppressed     ? "suppressed"
                             : row.due_at > now ? "scheduled"
                                                : "queued";
        insert.bind(1, status)
            .bind(2, row.channel)
            .bind(3, row.to)
            .bind(4, row.user)
            .bind(5, row.template_name)
            .bind(6, event_id)
            .bind(7, static_cast<int>(row.priority))
            .bind(8, row.subject)
            .bind(9, row.title)
            .bind(10, row.body)
            .bind(11, row.data_json)
            .bind(12, to_unix_ms(row.due_at))
            .bind(13, to_unix_ms(now));
        bind_time(insert, 14, row.expires_at);
        insert.bind(15, row.category).bind(16, row.suppressed);
        insert.step();
        std::int64_t id = insert.int64(0);
        insert.run();
        for (const model::Attachment& file : row.attachments) {
            auto& a = m_db.prepare("INSERT INTO attachments (notification_id, filename, "
                                   "content_type, size, content) VALUES (?1, ?2, ?3, ?4, ?5)");
            a.bind(1, id).bind(2, file.filename).bind(3, file.content_type).bind(4, file.size);
            a.bind_blob(5, file.bytes.value_or(std::string()));
            a.run();
        }
        if (row.suppressed) {
            add_event(id, "suppressed", now, *row.suppressed);
        } else {
            add_event(id, "created", now,
                      row.note ? created_detail + " (" + *row.note + ")" : created_detail);
        }
        return id;
    }

    // A sent notification's attachments keep their name, type and size, not their bytes.
    void drop_attachment_bytes(std::int64_t id) {
        auto& d = m_db.prepare("UPDATE attachments SET content = NULL WHERE notification_id = ?1 "
                               "AND content IS NOT NULL");
        d.bind(1, id);
        d.run();
    }

    void add_event(std::int64_t id, const std::string& type, TimePoint at,
                   const std::string& detail) {
        auto& e = m_db.prepare(
            "INSERT INTO events (notification_id, type, at, detail) VALUES (?1, ?2, ?3, ?4)");
        e.bind(1, id).bind(2, type).bind(3, to_unix_ms(at)).bind(4, detail);
        e.run();
    }

    void add_attempt(std::int64_t id, int n, const std::string& provider, TimePoint started,
                     TimePoint finished, const std::string& outcome, const std::string& detail) {
        auto& a = m_db.prepare(
            "INSERT INTO attempts (notification_id, n, provider, started_at, finished_at, "
            "outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        a.bind(1, id)
            .bind(2, n)
            .bind(3, provider)
            .bind(4, to_unix_ms(started))
            .bind(5, to_unix_ms(finished))
            .bind(6, outcome)
            .bind(7, detail);
        a.run();
    }

    Database m_db;
    SqliteAudienceStore m_audience;
    bool m_synced = true; // store.durability: full
};

} // namespace

std::unique_ptr<JobStore> open_sqlite_store(const SqliteOptions& options) {
    return std::make_unique<SqliteJobStore>(options);
}

} // namespace notify::store
