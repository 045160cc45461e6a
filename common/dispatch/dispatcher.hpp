// The dispatcher: one lane per channel with its own concurrency cap (so a stuck SMS provider
// never delays e-mail), sends on a thread pool, results recorded in batches with fencing,
// retries with backoff, a circuit breaker per provider, alerts, and cron schedules fired.
// Store access stays on the calling thread; only provider sends run on the pool.
// Each lane claims ahead (twice its concurrency, more when it sends fast), so a freed slot starts
// its next send at once, and records finished sends in group commits while the next ones run.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/dispatch/alerts.hpp"
#include "common/dispatch/breaker.hpp"
#include "common/dispatch/metrics.hpp"
#include "common/dispatch/send_pool.hpp"
#include "common/policy/rate_limit.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::dispatch {

struct DispatchOptions {
    std::string owner; // lease owner, unique per process: "<host>:<pid>:<random>"
    int batch = 64;    // most rows one lane claims at once
    unsigned seed = 0; // jitter RNG seed; 0 = random
    // Checked by run_until_idle between turns; true ends it early.
    std::function<bool()> should_stop;
    // Where attempts, durations, rate-limit delays and breaker changes are counted; optional.
    DispatchMetrics* metrics = nullptr;
};

struct PassReport {
    int rescued = 0;
    int expired = 0;
    int claimed = 0;
    int sent = 0;
    int retrying = 0;
    int dead = 0;
    int deferred = 0;   // attempts given back (provider paused, shutdown)
    int fenced = 0;     // results refused because the row was no longer ours
    int suppressed = 0; // opted out, quiet hours (drop), invalid device, user rate limit
    int scheduled = 0;  // notifications enqueued by cron schedules

    PassReport& operator+=(const PassReport& other);
};

// Returns "<hostname>:<pid>:<8 hex>".
std::string make_owner_id();

class Dispatcher {
  public:
    // The store, config and clock must outlive the dispatcher.
    Dispatcher(store::JobStore& store, const config::Config& config, const schedule::Clock& clock,
               DispatchOptions options);
    // Waits for sends in flight (their results are not recorded; use drain() first).
    ~Dispatcher();

    // Turns until nothing is due and nothing is in flight (for `dispatch --once`).
    PassReport run_until_idle();

    // One turn: record finished sends, fire due schedules, rescue expired leases, expire TTLs
    // (at most once a second) and compare the queue with the alert thresholds (every 15 s),
    // then fill every lane's free slots with claims. Throws the store's Error; results of
    // finished sends that could not be recorded are kept and recorded by a later turn.
    PassReport turn();

    // Readable when a send finished; poll it with the other wake-up sources.
    int completion_fd() const;

    // Sends in flight.
    int in_flight() const;

    // When the next turn has something to do (a due row, a lease to rescue, a schedule slot,
    // finished sends to record); nullopt if nothing is pending. May be <= now while lanes are
    // full.
    std::optional<TimePoint> next_wakeup();

    // Stops claiming for good; the next turn gives the rows claimed ahead back, later turns
    // only record sends still in flight.
    void retire() { m_draining = true; }

    // Stops claiming, gives the rows claimed ahead back, waits up to `grace` for sends in
    // flight and records them, then gives the attempts still running back to the store (due
    // now, attempt not counted). Returns how many were given back (in `deferred`); their sends
    // may still complete (at-least-once).
    PassReport drain(Millis grace);

  private:
    // A row claimed ahead, waiting for a free slot of its lane.
    struct Ready {
        store::Claim claim;
        TimePoint claimed_at{};
        // The row's attachments with their bytes, read from the store at claim time (the store
        // is not used from pool threads).
        std::shared_ptr<const std::vector<model::Attachment>> files;
    };
    struct Lane {
        std::optional<std::string> channel; // nullopt: the lane for unrouted channels
        std::vector<std::string> exclude;   // for the unrouted lane
        int concurrency = 1;
        int in_flight = 0;
        std::deque<Ready> ready; // by priority, due time, id
        // Sends started in the current and the last whole second, for the claim-ahead depth.
        TimePoint window_start{};
        int started_in_window = 0;
        int started_last_window = 0;

        // How many rows the lane may hold (in flight and ready): what it starts in 100 ms,
        // at least twice its concurrency and at most `batch` beyond that.
        int depth(int batch) const;
        void count_start(TimePoint now);
    };
    struct Try {
        std::string provider;
        providers::SendResult result;
    };
    struct Finished {
        store::Claim claim;
        std::size_t lane = 0;
        TimePoint started_at{};
        TimePoint finished_at{};
        std::vector<Try> tries;
        std::optional<TimePoint> paused_until; // every provider of the route was paused
        std::vector<std::pair<std::string, std::string>> paused; // providers this send paused
        bool slot_freed = false; // its lane slot was given to the next send already
    };

    // `files`: the row's attachments with their bytes, read from the store on the dispatch
    // thread (the store is not used from pool threads).
    void send_one(const store::Claim& claim, std::size_t lane, TimePoint started,
                  const std::vector<model::Attachment>& files);
    providers::Provider* provider(const std::string& name, std::string& error);
    // Collects finished sends, frees their slots and starts ready rows in them, then records
    // the results in one transaction: at once when `now_or_never`, when nothing else is out,
    // when at least as many have finished as are still out, or when the first of them has
    // waited k_group_commit; else a later call records them.
    PassReport record_finished(bool now_or_never = false);
    // Counts a finished send (its tries, duration, delay, breaker changes) into `metrics`.
    void observe(DispatchMetrics& metrics, const Finished& f, const store::Completion& c) const;
    store::Completion decide(const Finished& f, PassReport& report);
    void maintain(TimePoint now, PassReport& report);
    // Claims ahead into every lane's ready queue, up to the lane's depth().
    void fill_lanes(TimePoint now, PassReport& report);
    // Starts ready rows in every lane's free slots: high priority first; normal and low leave
    // the last slot of a lane with concurrency > 1 for high priority, so a flood of them
    // cannot starve an urgent notification. Does not use the store.
    void start_ready();
    // Gives ready rows back to the store when the dispatcher drains, or when a row has waited
    // half its lease (a slow lane must not let a lease expire before the send starts).
    void release_ready(TimePoint now, PassReport& report);
    // Gives `claims` back: due now, attempt not counted. Returns how many were ours still.
    int give_back(const std::vector<store::Claim>& claims, const std::string& detail,
                  TimePoint now);
    // Checks the users of `claims` against their preferences, quiet hours and devices; returns
    // those that may be sent and records the others as suppressed or deferred.
    std::vector<store::Claim> screen(std::vector<store::Claim> claims, TimePoint now,
                                     PassReport& report);
    // Merges the digest items among `claims` (category digested on their channel, not a digest
    // themselves), with the other due rows of their user, address and category, into digest
    // rows; returns the claims to send one by one (including items whose digest could not be
    // rendered).
    std::vector<store::Claim> digest(std::vector<store::Claim> claims, TimePoint now,
                                     PassReport& report);
    // Merges one group; returns the items left to send one by one.
    std::vector<store::Claim> merge_group(std::vector<store::Claim> items,
                                          const config::DigestConfig& digest, TimePoint now,
                                          PassReport& report);
    // Takes rate-limit tokens for `claims`; returns those that may be sent now and records
    // the others as deferred (or suppressed, for a user limit that drops).
    std::vector<store::Claim> admit(std::vector<store::Claim> claims, TimePoint now,
                                    PassReport& report);

    store::JobStore& m_store;
    const config::Config& m_config;
    const schedule::Clock& m_clock;
    DispatchOptions m_options;
    std::mt19937 m_random;
    std::vector<Lane> m_lanes;
    CircuitBreaker m_breaker;
    AlertSink m_alerts;
    ThresholdWatch m_thresholds;
    TimePoint m_next_maintenance{};
    TimePoint m_next_threshold_check{};
    bool m_draining = false;

    std::map<std::string, policy::RateLimit> m_provider_limits; // providers.NAME.rate_limit

    std::mutex m_providers_mutex;
    std::map<std::string, std::unique_ptr<providers::Provider>> m_providers;

    std::mutex m_finished_mutex;
    std::vector<Finished> m_finished;      // filled by pool threads
    std::vector<Finished> m_unrecorded;    // collected, waiting for a group commit (main thread)
    std::vector<store::Claim> m_orphans;   // claimed, then lost to a store error: to give back
    std::optional<TimePoint> m_record_due; // when m_unrecorded must be recorded
    std::map<std::int64_t, store::Claim> m_running; // by notification id (main thread)

    std::unique_ptr<SendPool> m_pool; // last: joined first on destruction
};

} // namespace notify::dispatch
