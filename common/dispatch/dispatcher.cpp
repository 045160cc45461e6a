// The dispatch pass.
#include "common/dispatch/dispatcher.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/dispatch/scheduler.hpp"
#include "common/providers/registry.hpp"

namespace notify::dispatch {

std::string make_owner_id() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
        host[0] = '?';
    }
    std::random_device rd;
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "%08x", rd());
    return std::string(host) + ":" + std::to_string(::getpid()) + ":" + suffix;
}

Dispatcher::Dispatcher(store::JobStore& store, const config::Config& config,
                       const schedule::Clock& clock, DispatchOptions options)
    : m_store(store), m_config(config), m_clock(clock), m_options(std::move(options)),
      m_random(m_options.seed != 0 ? m_options.seed : std::random_device{}()) {}

Dispatcher::~Dispatcher() = default;

PassReport Dispatcher::run_until_idle(int max_batches) {
    PassReport total;
    SchedulerReport fired = fire_due_schedules(m_store, m_clock.now());
    total.scheduled = fired.enqueued;
    for (const auto& error : fired.errors) {
        spdlog::error("{} (schedule paused)", error);
    }
    for (int i = 0; i < max_batches; ++i) {
        PassReport r = run_batch();
        total.rescued += r.rescued;
        total.expired += r.expired;
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.dead += r.dead;
        total.fenced += r.fenced;
        if (r.claimed < m_options.batch || (m_options.should_stop && m_options.should_stop())) {
            break;
        }
    }
    return total;
}

PassReport Dispatcher::run_batch() {
    PassReport report;
    TimePoint now = m_clock.now();
    report.rescued = m_store.rescue(now, std::nullopt);
    report.expired = m_store.expire(now);
    auto claims = m_store.claim(m_options.owner, m_options.batch, m_options.lease, now);
    report.claimed = static_cast<int>(claims.size());
    for (const auto& claim : claims) {
        deliver(claim, report);
    }
    return report;
}

providers::Provider* Dispatcher::provider(const std::string& name, std::string& error) {
    auto it = m_providers.find(name);
    if (it != m_providers.end()) {
        return it->second.get();
    }
    try {
        auto created = providers::create(m_config, name);
        auto* raw = created.get();
        m_providers.emplace(name, std::move(created));
        return raw;
    } catch (const Error& e) {
        error = e.what();
        return nullptr;
    }
}

void Dispatcher::deliver(const store::Claim& claim, PassReport& report) {
    const model::Notification& n = claim.notification;
    providers::Message message = providers::message_from(n);
    store::Completion completion;
    completion.id = n.id;
    completion.owner = claim.owner;
    completion.attempt = n.attempts;
    completion.started_at = m_clock.now();

    providers::SendResult last = providers::SendResult::failed(
        providers::FailureKind::transient, "no provider is configured for channel " + n.channel);
    std::string last_provider = "-";
    const config::ChannelRoute* route = m_config.route(n.channel);
    if (route != nullptr) {
        for (const std::string& name : route->providers) {
            if (!last.ok && last_provider != "-") {
                completion.failed_tries.push_back(
                    {last_provider, std::string(providers::to_string(last.kind)), last.detail});
            }
            last_provider = name;
            std::string error;
            providers::Provider* p = provider(name, error);
            if (p == nullptr) {
                last = providers::SendResult::failed(providers::FailureKind::auth, error);
                continue;
            }
            last = p->send(message);
            if (last.ok || last.kind == providers::FailureKind::permanent ||
                last.kind == providers::FailureKind::invalid_recipient) {
                break; // delivered, or no other provider would do better
            }
        }
    }
    completion.finished_at = m_clock.now();
    completion.provider = last_provider;
    completion.detail = last.detail;
    if (last.ok) {
        completion.outcome = store::Outcome::sent;
        completion.attempt_class = "sent";
    } else {
        completion.attempt_class = std::string(providers::to_string(last.kind));
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        policy::Decision d =
            policy::decide(m_options.retry, n, last, completion.finished_at, unit(m_random));
        if (d.verdict == policy::Verdict::retry) {
            completion.outcome = store::Outcome::retry;
            completion.next_due = d.next_due;
        } else {
            completion.outcome = store::Outcome::dead;
            completion.detail = d.reason;
        }
    }
    if (!m_store.complete(completion)) {
        ++report.fenced;
        spdlog::warn("notification {}: result of attempt {} discarded: no longer leased to us",
                     n.id, n.attempts);
        return;
    }
    switch (completion.outcome) {
    case store::Outcome::sent:
        ++report.sent;
        spdlog::info("notification {} sent via {} ({})", n.id, last_provider, last.detail);
        break;
    case store::Outcome::retry:
        ++report.retrying;
        spdlog::warn("notification {} attempt {} failed via {}: {}", n.id, n.attempts,
                     last_provider, last.detail);
        break;
    case store::Outcome::dead:
        ++report.dead;
        spdlog::error("notification {} is dead: {}", n.id, completion.detail);
        break;
    case store::Outcome::suppressed:
        break;
    }
}

} // namespace notify::dispatch
