// One dispatch pass: rescue expired leases, expire TTLs, claim due rows, send each through
// its channel's providers in failover order, and record the fenced outcome.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "common/config/config.hpp"
#include "common/policy/retry_policy.hpp"
#include "common/providers/provider.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::dispatch {

struct DispatchOptions {
    std::string owner;        // lease owner, unique per process: "<host>:<pid>:<random>"
    int batch = 64;           // rows claimed per claim
    Millis lease{300'000};    // 5 min
    policy::RetryPolicy retry;
    unsigned seed = 0;        // jitter RNG seed; 0 = random
    // Checked between batches; true ends run_until_idle early (daemon shutdown).
    std::function<bool()> should_stop;
};

struct PassReport {
    int rescued = 0;
    int expired = 0;
    int claimed = 0;
    int sent = 0;
    int retrying = 0;
    int dead = 0;
    int fenced = 0;    // completions refused because the row was no longer ours
    int scheduled = 0; // notifications enqueued by cron schedules
};

// Returns "<hostname>:<pid>:<8 hex>".
std::string make_owner_id();

class Dispatcher {
  public:
    // The store, config and clock must outlive the dispatcher.
    Dispatcher(store::JobStore& store, const config::Config& config, const schedule::Clock& clock,
               DispatchOptions options);
    ~Dispatcher();

    // Fires due cron schedules, then runs batches until nothing due is left (or
    // `max_batches` claims were made).
    PassReport run_until_idle(int max_batches = 1'000'000);

    // One claim of up to `batch` rows and their delivery.
    PassReport run_batch();

  private:
    providers::Provider* provider(const std::string& name, std::string& error);
    void deliver(const store::Claim& claim, PassReport& report);

    store::JobStore& m_store;
    const config::Config& m_config;
    const schedule::Clock& m_clock;
    DispatchOptions m_options;
    std::mt19937 m_random;
    std::map<std::string, std::unique_ptr<providers::Provider>> m_providers;
};

} // namespace notify::dispatch
