// The job store interface: everything notify and notifyd read and write about notifications.
// SQLite implements it (sqlite_job_store.cpp) for one host; PostgreSQL (postgres/) for several
// notifyd instances sharing one database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/model/notification.hpp"
#include "common/policy/rate_limit.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/audience_store.hpp"

namespace notify::store {

// A notification to insert. Its status follows from due_at vs now (scheduled or queued).
struct NewNotification {
    std::string channel;
    std::string to;
    std::optional<std::string> user;
    std::optional<std::string> template_name;
    model::Priority priority = model::Priority::normal;
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::optional<std::string> body;
    std::string data_json = "{}";
    TimePoint due_at{};
    std::optional<TimePoint> expires_at;
    std::optional<std::string> category; // e.g. marketing, security (preferences, quiet hours)
    // Set: the row is recorded as `suppressed` with this reason and never sent (the user
    // opted out), so the decision leaves a trace.
    std::optional<std::string> suppressed;
    // Appended to the detail of the `created` event (e.g. why due_at was moved).
    std::optional<std::string> note;
    // Files sent with it (e-mail), bytes included; kept until the row is sent.
    std::vector<model::Attachment> attachments;
};

struct EnqueueRequest {
    std::vector<NewNotification> rows;
    // Dedup key shared by all rows. A row with the same key that is unfinished (scheduled,
    // queued, sending, retrying, held; any age) or sent/suppressed and created within
    // `dedup_window` makes the request a duplicate: nothing is inserted. Dead and cancelled
    // rows never count, so an operator can send again.
    std::optional<std::string> event_id;
    Millis dedup_window{24LL * 3600 * 1000};
};

struct EnqueueResult {
    std::vector<std::int64_t> ids; // new ids, or the existing ones for a duplicate
    bool duplicate = false;
};

struct ListFilter {
    std::optional<model::Status> status;
    std::optional<std::string> channel;
    std::optional<std::string> user;
    int limit = 0; // 0: no limit
};

// Operator verbs on ids.
enum class Verb { cancel, retry, hold, release };

struct VerbResult {
    std::vector<std::int64_t> changed;
    std::vector<std::int64_t> missing; // ids with no row
    std::vector<std::string> refused;  // "42 is sent; cancel applies to ..." per id
};

struct Stats {
    std::map<model::Status, std::int64_t> by_status;
    std::map<std::string, std::map<model::Status, std::int64_t>> by_channel;
    std::int64_t total = 0;
    std::int64_t due_now = 0;             // scheduled/queued/retrying rows with due_at <= now
    std::optional<Millis> oldest_due_age; // now - min(due_at) over those rows

    // Queue shape (Postfix qshape): rows waiting to go out (due, or being sent) by channel,
    // counted per bucket of how long past due they are. Bucket i holds ages below
    // age_bucket_edges()[i] (and at or above the previous edge); the last bucket holds the
    // rest.
    std::map<std::string, std::vector<std::int64_t>> waiting_by_age;
    // Throughput over the last `rate_window`: attempts that sent, and attempts that failed.
    Millis rate_window{300'000};
    std::int64_t sent_in_window = 0;
    std::int64_t failed_in_window = 0;
};

// Engagement of one template: notifications sent in a window, and how many of those were
// opened or clicked at least once (events written by notifyd's tracking endpoint).
struct TemplateEngagement {
    std::optional<std::string> template_name; // nullopt: sent without a template
    std::int64_t sent = 0;
    std::int64_t opened = 0;
    std::int64_t clicked = 0;
};

// 1m 2m 4m 8m 16m 32m 1h 2h 4h 8h 16h: the upper edges of the queue-shape buckets.
const std::vector<Millis>& age_bucket_edges();

// A row claimed for sending: status is `sending`, `attempts` already counts this attempt.
struct Claim {
    model::Notification notification;
    std::string owner;
    TimePoint lease_until{};
};

// How an attempt ended, decided by the dispatcher's retry policy. `deferred` gives the attempt
// back (not counted) and makes the row due at next_due: the provider was paused (breaker,
// auth/config failure) or the dispatcher is shutting down.
enum class Outcome { sent, retry, dead, suppressed, deferred };

// Which rows a claim may take: one lane's channel (or every channel not in `exclude`), and
// optionally only the highest priority (the slot a lane keeps for `high`).
struct ClaimFilter {
    std::optional<std::string> channel;
    std::vector<std::string> exclude_channels;
    bool high_only = false;
};

// The fenced result of one attempt. Applied only while the row is still `sending` with the
// same lease owner and attempt number.
struct Completion {
    std::int64_t id = 0;
    std::string owner;
    int attempt = 0;
    Outcome outcome = Outcome::sent;
    std::string provider;      // the provider that decided the outcome
    std::string attempt_class; // sent, transient, permanent, invalid_recipient, opted_out,
                               // rate_limited, auth
    std::string detail;        // receipt or error text; never a secret
    TimePoint started_at{};
    TimePoint finished_at{};
    TimePoint next_due{}; // for Outcome::retry
    // Earlier tries of the same attempt on other providers (failover): provider, class, detail.
    struct Try {
        std::string provider;
        std::string attempt_class;
        std::string detail;
    };
    std::vector<Try> failed_tries;
};

// The rows one digest merges: a user's claimable rows on one address in one category.
struct DigestKey {
    std::string user;
    std::string channel;
    std::string category;
    std::string to;
};

// A digest to record: the new row and the claimed items it replaces.
struct DigestMerge {
    NewNotification digest;
    std::string event_id;          // "digest:<user>:<channel>:<category>:<slot>"
    std::vector<Completion> items; // id, owner and attempt of each item's claim
    TimePoint now{};
};

struct DigestResult {
    std::optional<std::int64_t> id;   // the digest row; nullopt when fenced
    std::vector<std::int64_t> fenced; // items no longer this owner's attempt
};

// A named cron schedule. `content_json` is the send request it enqueues at each slot, kept
// opaque here (see dispatch/scheduler.hpp).
struct Schedule {
    std::string name;
    std::string cron;
    std::string tz;
    bool paused = false;
    std::string content_json;
    std::string catch_up = "one"; // one | none | all
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> next_at;   // the next slot to fire; nullopt: never fires
    std::optional<TimePoint> last_slot; // the last slot fired
};

// Which events `events()` returns.
struct EventFilter {
    std::int64_t after_seq = 0;     // only events with a larger sequence number
    std::optional<TimePoint> since; // only events at or after this time
    std::vector<std::string> types; // only these types (empty: all)
    std::optional<std::int64_t> id; // only this notification's
    int limit = 0;                  // 0: no limit
    // Only events before which no other can still appear, for a reader that goes on from the
    // last sequence number it saw (`events --follow`). On a shared store, transactions commit
    // out of sequence order: this waits (briefly) for those still writing events, and returns
    // nothing new if they do not end in time.
    bool settled = false;
};

// One event with the notification it belongs to, in store order.
struct EventRecord {
    std::int64_t seq = 0; // increases with every event written
    std::int64_t id = 0;  // the notification
    std::string channel;
    std::string type;
    TimePoint at{};
    std::string detail;
};

// One notification's rate-limit check: a token from every bucket, or from none.
struct TokenRequest {
    std::vector<std::pair<std::string, policy::RateLimit>> buckets; // key, limit
};

struct TokenResult {
    std::optional<Millis> wait; // nullopt: every token taken
    std::size_t limiting = 0;   // index of the bucket with the longest wait
};

// A bulk enqueue in one transaction, fed one request at a time so that a million of them need
// not be held in memory. Destroyed without commit(), it rolls every add() back.
class EnqueueBatch {
  public:
    virtual ~EnqueueBatch() = default;
    // Enqueues `request` or finds it a duplicate as JobStore::enqueue() would; it sees the rows
    // of earlier add() calls. Throws the store's Error (then only destruction is left).
    virtual EnqueueResult add(const EnqueueRequest& request) = 0;
    // Makes every add() durable at once.
    virtual void commit() = 0;
};

// One value of a portable row (notify migrate): NULL, integer, real, text or bytes.
struct Blob {
    std::string bytes;
    bool operator==(const Blob&) const = default;
};
using Cell = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
using Row = std::vector<Cell>;

// A table every backend keeps under the same name and columns; `notify migrate` copies them.
struct PortableTable {
    std::string name;
    std::vector<std::string> columns;
};

// The portable tables, parents before children (notifications before attempts, users before
// devices). Counters and indexes are derived, not copied.
const std::vector<PortableTable>& portable_tables();

// Writes rows copied from another store, all in one transaction. Destroyed without commit(),
// nothing is kept.
class RowImport {
  public:
    virtual ~RowImport() = default;
    // Inserts `row` (values in the order of table.columns) as it is, ids included.
    virtual void add(const PortableTable& table, const Row& row) = 0;
    // Makes every add() durable and moves id sequences past the largest id copied.
    virtual void commit() = 0;
};

// The wake-up of a dispatcher sharing a store with others: readable when rows became due
// (PostgreSQL LISTEN/NOTIFY). The daemon polls the store anyway, so a dead source only delays.
class DueSignal {
  public:
    virtual ~DueSignal() = default;
    // A descriptor to poll for reading; -1 while disconnected.
    virtual int fd() const = 0;
    // Consumes what arrived. Returns true if rows became due since the last call.
    virtual bool drain() = 0;
    // Proves the connection alive (a round trip) when it has been quiet a while, and
    // reconnects a dead one with backoff. Never throws.
    virtual void check(TimePoint now) = 0;
};

// One dispatcher registered with a shared store.
struct Instance {
    std::string owner;
    TimePoint started_at{};
    TimePoint seen_at{}; // last heartbeat, by the store's clock
    std::int64_t sending = 0;
};

class JobStore {
  public:
    virtual ~JobStore() = default;

    // True when several dispatchers may share this store at once (PostgreSQL): no dispatch
    // lock, and rescue() takes over only leases of instances that stopped heartbeating.
    virtual bool shared() const { return false; }

    // The store's location for messages and logs: a path, or a URL without its password.
    virtual std::string describe() const = 0;

    // The store's clock minus this host's, measured at the last round trip that asked; nullopt
    // when the store has no clock of its own (SQLite: this host's clock is the store's).
    virtual std::optional<Millis> clock_offset() { return std::nullopt; }

    // Registers dispatcher `owner` or refreshes its heartbeat. Shared stores rescue the leases
    // of an instance whose heartbeat is older than their instance timeout.
    virtual void heartbeat(const std::string& /*owner*/, TimePoint /*now*/) {}
    // Unregisters `owner` (a clean stop, after its rows were given back).
    virtual void leave(const std::string& /*owner*/) {}
    // Registered dispatchers, oldest first; empty for a store that is not shared.
    virtual std::vector<Instance> instances() { return {}; }

    // The schema version of the store and the one this notify writes (the same once migrated).
    struct SchemaVersion {
        std::int64_t current = 0;
        std::int64_t latest = 0;
    };
    virtual SchemaVersion schema_version() = 0;

    // A wake-up source for a dispatcher of a shared store; nullptr when the store has none (the
    // daemon then binds the local wake-up socket).
    virtual std::unique_ptr<DueSignal> open_due_signal() { return nullptr; }

    // Calls `each` with every row of `table` in primary-key order.
    virtual void export_rows(const PortableTable& table,
                             const std::function<void(const Row&)>& each) = 0;
    // Starts a copy into this store, which must be empty (no notification, schedule or user):
    // Error(data) otherwise.
    virtual std::unique_ptr<RowImport> begin_import() = 0;

    // Users, devices and preferences, in the same database.
    virtual AudienceStore& audience() = 0;

    // Inserts all rows in one transaction, or none (duplicate event id).
    virtual EnqueueResult enqueue(const EnqueueRequest& request, TimePoint now) = 0;

    // Starts a bulk enqueue in one transaction (notify import). Holds the store's write lock
    // until the batch commits or is destroyed.
    virtual std::unique_ptr<EnqueueBatch> begin_enqueue(TimePoint now) = 0;

    // Rows matching `filter`, oldest id first.
    virtual std::vector<model::Notification> list(const ListFilter& filter, TimePoint now) = 0;

    // One row with its attempts, events and attachments (without bytes); nullopt if `id` does
    // not exist.
    virtual std::optional<model::NotificationDetail> find(std::int64_t id, TimePoint now) = 0;

    // The attachments of `id` with their bytes (nullopt for those dropped after sending), in
    // the order given at enqueue; empty when it has none.
    virtual std::vector<model::Attachment> attachments(std::int64_t id) = 0;

    // Applies `verb` to every id, or to none: if any id is missing or refused, nothing changes
    // and the result lists why.
    virtual VerbResult apply(Verb verb, const std::vector<std::int64_t>& ids, TimePoint now) = 0;

    // Deletes terminal rows (or only `status`, which must be terminal) last updated before
    // `before`, with their attempts and events. Returns the number deleted.
    virtual std::int64_t purge(TimePoint before, std::optional<model::Status> status) = 0;

    virtual Stats stats(TimePoint now) = 0;

    // Per template (no-template first, then by name): notifications sent (an attempt that
    // sent, finished at or after `since`), and how many of them have an `opened` / `clicked`
    // event.
    virtual std::vector<TemplateEngagement> engagement(TimePoint since) = 0;

    // Events matching `filter`, in the order they were written.
    virtual std::vector<EventRecord> events(const EventFilter& filter) = 0;

    // Records an event that arrives after the send: a delivery report (delivered, failed) or
    // tracking (opened, clicked). Returns false (and writes nothing) if `id` does not exist.
    virtual bool record_event(std::int64_t id, const std::string& type, const std::string& detail,
                              TimePoint at) = 0;

    // The notification sent through `provider` with receipt `receipt` (the provider's message
    // id, as stored on the attempt); nullopt if none.
    virtual std::optional<std::int64_t> find_by_receipt(const std::string& provider,
                                                        const std::string& receipt) = 0;

    // Atomically claims up to `max` due rows (highest priority, then oldest due first), leasing
    // them to `owner` until now + lease.
    virtual std::vector<Claim> claim(const std::string& owner, int max, Millis lease, TimePoint now,
                                     const ClaimFilter& filter = {}) = 0;

    // Claims, in one transaction, every due claimable row of `key` that is not itself a digest
    // (event_id not starting with "digest:"), leasing them to `owner` until now + lease.
    virtual std::vector<Claim> claim_digest_items(const std::string& owner, Millis lease,
                                                  TimePoint now, const DigestKey& key) = 0;

    // In one transaction: inserts merge.digest (with merge.event_id, no dedup) and records every
    // item as `suppressed` with last_error "merged into digest <id>", each fenced like
    // complete(). If any item is no longer its owner's attempt, writes nothing and lists them.
    virtual DigestResult merge_digest(const DigestMerge& merge) = 0;

    // Records an attempt's result; a sent row's attachment bytes are dropped. Returns false
    // (and writes nothing) if the row is no longer this owner's attempt (rescued, cancelled
    // meanwhile...).
    virtual bool complete(const Completion& completion) = 0;

    // Records several attempts in one transaction (one fsync). Returns, per completion, what
    // complete() would have returned.
    virtual std::vector<bool> complete_all(const std::vector<Completion>& completions) = 0;

    // Moves `sending` rows whose lease has expired back to `retrying`, due now, the attempt
    // counted. With `current_owner`, also every `sending` row of another owner: in a store that
    // is not shared the caller holds the dispatch lock, so those owners are dead; a shared store
    // takes only the rows of owners whose heartbeat stopped (see heartbeat()). Returns how many
    // were rescued.
    virtual int rescue(TimePoint now, const std::optional<std::string>& current_owner) = 0;

    // Suppresses due-able rows whose TTL has passed (reason "expired"). Returns the count.
    virtual int expire(TimePoint now) = 0;

    // The earliest due_at among claimable rows, the earliest lease expiry, or the earliest
    // unpaused schedule slot; nullopt if none.
    virtual std::optional<TimePoint> next_wakeup() = 0;

    // For each request, in one transaction: takes one token from each of its buckets if all
    // have one (nullopt), else takes none and returns how long until all would.
    virtual std::vector<TokenResult> take_tokens(const std::vector<TokenRequest>& requests,
                                                 TimePoint now) = 0;

    // Adds a schedule. Returns false (and writes nothing) if the name is taken.
    virtual bool add_schedule(const Schedule& schedule) = 0;
    // All schedules by name.
    virtual std::vector<Schedule> list_schedules() = 0;
    virtual std::optional<Schedule> find_schedule(const std::string& name) = 0;
    // Removes a schedule (its fired-slot records too). Returns false if it does not exist.
    virtual bool remove_schedule(const std::string& name) = 0;
    // Pauses or resumes; resuming sets next_at (missed slots are not replayed).
    // Returns false if the schedule does not exist.
    virtual bool set_schedule_paused(const std::string& name, bool paused,
                                     std::optional<TimePoint> next_at, TimePoint now) = 0;
    // Fires `slot` of schedule `name` at most once ever: records (name, slot) under a unique key
    // and enqueues `rows` in the same transaction, then moves next_at. Returns the new ids, or
    // an empty vector if that slot had already fired (next_at is still moved).
    virtual std::vector<std::int64_t> fire_schedule(const std::string& name, TimePoint slot,
                                                    const std::vector<NewNotification>& rows,
                                                    std::optional<TimePoint> next_at,
                                                    TimePoint now) = 0;
    // Moves next_at without firing (slots skipped by the catch-up policy).
    virtual void set_schedule_next(const std::string& name, std::optional<TimePoint> next_at,
                                   TimePoint now) = 0;
};

enum class Durability { full, normal };

struct SqliteOptions {
    std::string path;
    Durability durability = Durability::full;
    Millis busy_timeout{5000};
    // Most KiB of the page cache (PRAGMA cache_size); 0: SQLite's default (2 MiB). A bulk
    // insert with a small cache writes index pages to the WAL again and again.
    int cache_kib = 0;
};

// Opens (creating with mode 0600 if needed, parent directories 0700) and migrates the store.
// Throws notify::Error: io for unreadable/corrupt/not-a-database files, tempfail when the
// store stays locked past the busy timeout.
std::unique_ptr<JobStore> open_sqlite_store(const SqliteOptions& options);

struct PostgresOptions {
    std::string url;                // postgresql://[user[:password]@]host[:port]/dbname[?...]
    Millis connect_timeout{10'000}; // per connection attempt
    // A dispatcher whose heartbeat is older than this has its leases rescued by the others.
    Millis instance_timeout{30'000};
    // Store clock and host clock further apart than this: clock_skew_warning() says so.
    Millis skew_warning{2'000};
    // Called with warnings worth a log line (clock skew, reconnects); may be empty.
    std::function<void(const std::string&)> warn;
    // False: neither create nor migrate the schema (notify doctor); only schema_version(),
    // clock_offset(), instances() and stats() may be used then, and the last two only when
    // the schema is current.
    bool migrate = true;
};

// Connects to PostgreSQL and migrates the store (libpqxx, in the module notify_pg.so opened on
// first use). Throws notify::Error: io (74) when the server cannot be reached or the database
// is not a notify store, config (78) for a malformed URL. A store whose connection breaks later
// throws io from the call that found it broken and reconnects, with backoff, on a later call.
std::unique_ptr<JobStore> open_postgres_store(const PostgresOptions& options);

} // namespace notify::store
