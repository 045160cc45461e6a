// The dispatcher's lanes, sends and recorded outcomes.
#include "common/dispatch/dispatcher.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/audience/digest_slot.hpp"
#include "common/audience/preferences.hpp"
#include "common/dispatch/digest.hpp"
#include "common/dispatch/scheduler.hpp"
#include "common/error.hpp"
#include "common/observe/tracking_link.hpp"
#include "common/policy/retry_policy.hpp"
#include "common/providers/registry.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::dispatch {

namespace {

constexpr Millis k_maintenance_interval{1000};
// How often maintenance compares the queue with alerts.backlog and alerts.oldest_due.
constexpr Millis k_threshold_interval{15'000};
// How long a finished send may wait to be recorded with others in one transaction (one fsync)
// while more sends are out. Only the store's view lags by this; sends never wait for it.
constexpr Millis k_group_commit{10};

policy::RetryPolicy retry_policy_of(const config::DeliveryPolicy& d) {
    policy::RetryPolicy p;
    p.base = d.retry_base;
    p.cap = d.retry_cap;
    p.jitter = d.jitter_percent / 100.0;
    p.max_attempts = d.max_attempts;
    p.max_age = d.max_age;
    return p;
}

BreakerPolicy breaker_policy_of(const config::DeliveryPolicy& d) {
    return {d.breaker_failures, d.breaker_base, d.breaker_cap};
}

} // namespace

PassReport& PassReport::operator+=(const PassReport& o) {
    rescued += o.rescued;
    expired += o.expired;
    claimed += o.claimed;
    sent += o.sent;
    retrying += o.retrying;
    dead += o.dead;
    deferred += o.deferred;
    fenced += o.fenced;
    suppressed += o.suppressed;
    scheduled += o.scheduled;
    return *this;
}

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
      m_random(m_options.seed != 0 ? m_options.seed : std::random_device{}()),
      m_alerts(config, store), m_thresholds(config.alerts, m_alerts) {
    int threads = 0;
    Lane unrouted;
    for (const auto& route : config.channels) {
        Lane lane;
        lane.channel = route.channel;
        lane.concurrency = config.delivery_for(route.channel).concurrency;
        threads += lane.concurrency;
        m_lanes.push_back(lane);
        unrouted.exclude.push_back(route.channel);
    }
    m_lanes.push_back(unrouted); // rows whose channel lost its route: fail them visibly
    for (const auto& [name, provider] : config.providers) {
        if (const auto* rate = provider.find("rate_limit")) {
            if (auto parsed = policy::parse_rate(rate->value)) {
                m_provider_limits[name] = *parsed;
            }
        }
    }
    threads += 1;
    m_pool = std::make_unique<SendPool>(threads);
}

Dispatcher::~Dispatcher() {
    m_pool.reset();
}

int Dispatcher::completion_fd() const {
    return m_pool->completion_fd();
}

int Dispatcher::in_flight() const {
    return static_cast<int>(m_running.size());
}

PassReport Dispatcher::run_until_idle() {
    PassReport total;
    for (;;) {
        PassReport r = turn();
        total += r;
        bool ready = std::any_of(m_lanes.begin(), m_lanes.end(),
                                 [](const Lane& lane) { return !lane.ready.empty(); });
        if (m_running.empty() && !ready && r.claimed == 0 && r.scheduled == 0) {
            break;
        }
        if (m_options.should_stop && m_options.should_stop()) {
            total += drain(m_config.shutdown_grace);
            break;
        }
        if (!m_running.empty()) {
            long long wait = 200;
            if (m_record_due) {
                wait = std::clamp<long long>((*m_record_due - m_clock.now()).count(), 0, wait);
            }
            pollfd fd{completion_fd(), POLLIN, 0};
            ::poll(&fd, 1, static_cast<int>(wait));
        }
    }
    return total;
}

PassReport Dispatcher::turn() {
    PassReport report;
    TimePoint now = m_clock.now();
    if (!m_orphans.empty()) {
        report.deferred += give_back(m_orphans, "given back after a store error", now);
        m_orphans.clear();
    }
    release_ready(now, report); // before record_finished() starts ready rows in freed slots
    report += record_finished();
    if (now >= m_next_maintenance) {
        maintain(now, report);
        m_next_maintenance = now + k_maintenance_interval;
    }
    if (!m_draining) {
        fill_lanes(now, report);
        start_ready();
    }
    return report;
}

void Dispatcher::maintain(TimePoint now, PassReport& report) {
    SchedulerReport fired = fire_due_schedules(m_store, now);
    report.scheduled += fired.enqueued;
    for (const auto& error : fired.errors) {
        spdlog::error("{} (schedule paused)", error);
    }
    report.rescued += m_store.rescue(now, std::nullopt);
    report.expired += m_store.expire(now);
    if (m_thresholds.enabled() && now >= m_next_threshold_check) {
        m_thresholds.check(m_store.stats(now), now);
        m_next_threshold_check = now + k_threshold_interval;
    }
}

int Dispatcher::Lane::depth(int batch) const {
    const int least = 2 * concurrency;
    return std::clamp(started_last_window / 10, least, std::max(least, batch));
}

void Dispatcher::Lane::count_start(TimePoint now) {
    if (now - window_start >= std::chrono::seconds{1}) {
        started_last_window = now - window_start < std::chrono::seconds{2} ? started_in_window : 0;
        started_in_window = 0;
        window_start = now;
    }
    ++started_in_window;
}

void Dispatcher::fill_lanes(TimePoint now, PassReport& report) {
    for (Lane& lane : m_lanes) {
        const int held = lane.in_flight + static_cast<int>(lane.ready.size());
        const int depth = lane.depth(m_options.batch);
        // High priority is claimed whenever a slot is free, even into a full queue; the rest
        // when the queue is at most half full, so that claims come in batches.
        const int room = depth - held;
        const int free = lane.concurrency - lane.in_flight;
        store::ClaimFilter filter;
        filter.channel = lane.channel;
        filter.exclude_channels = lane.exclude;
        std::vector<store::Claim> claims;
        if (std::max(room, free) > 0) {
            filter.high_only = true;
            claims = m_store.claim(m_options.owner, std::min(std::max(room, free), m_options.batch),
                                   m_config.lease, now, filter);
        }
        const int others = room - static_cast<int>(claims.size());
        if (others > 0 && static_cast<int>(lane.ready.size()) <= depth / 2) {
            filter.high_only = false;
            auto more = m_store.claim(m_options.owner, std::min(others, m_options.batch),
                                      m_config.lease, now, filter);
            claims.insert(claims.end(), std::make_move_iterator(more.begin()),
                          std::make_move_iterator(more.end()));
        }
        if (claims.empty()) {
            continue;
        }
        report.claimed += static_cast<int>(claims.size());
        // The claims are committed: should the store fail before they reach the ready queue,
        // they are given back once it answers again, not left leased until the lease runs out.
        // Those already decided meanwhile are fenced off then.
        const std::vector<store::Claim> taken = claims;
        std::vector<Ready> ready;
        try {
            claims = screen(std::move(claims), now, report);
            claims = digest(std::move(claims), now, report);
            claims = admit(std::move(claims), now, report);
            for (auto& claim : claims) {
                auto files = std::make_shared<const std::vector<model::Attachment>>(
                    m_store.attachments(claim.notification.id));
                ready.push_back({std::move(claim), now, std::move(files)});
            }
        } catch (const Error&) {
            m_orphans.insert(m_orphans.end(), taken.begin(), taken.end());
            throw;
        }
        std::move(ready.begin(), ready.end(), std::back_inserter(lane.ready));
        std::stable_sort(lane.ready.begin(), lane.ready.end(), [](const Ready& a, const Ready& b) {
            const auto& x = a.claim.notification;
            const auto& y = b.claim.notification;
            return std::tie(x.priority, x.due_at, x.id) < std::tie(y.priority, y.due_at, y.id);
        });
    }
}

void Dispatcher::start_ready() {
    for (std::size_t i = 0; i < m_lanes.size(); ++i) {
        Lane& lane = m_lanes[i];
        while (lane.in_flight < lane.concurrency && !lane.ready.empty()) {
            const bool high =
                lane.ready.front().claim.notification.priority == model::Priority::high;
            if (!high && lane.concurrency > 1 && lane.in_flight == lane.concurrency - 1) {
                break; // the last slot waits for high priority
            }
            Ready next = std::move(lane.ready.front());
            lane.ready.pop_front();
            ++lane.in_flight;
            std::int64_t id = next.claim.notification.id;
            m_running.emplace(id, next.claim);
            TimePoint started = m_clock.now();
            lane.count_start(started);
            m_pool->submit(
                [this, claim = std::move(next.claim), i, started, files = std::move(next.files)] {
                    send_one(claim, i, started, *files);
                });
        }
    }
}

void Dispatcher::release_ready(TimePoint now, PassReport& report) {
    std::vector<store::Claim> back;
    for (Lane& lane : m_lanes) {
        std::erase_if(lane.ready, [&](Ready& r) {
            if (!m_draining && now - r.claimed_at < m_config.lease / 2) {
                return false;
            }
            back.push_back(std::move(r.claim));
            return true;
        });
    }
    if (back.empty()) {
        return;
    }
    const char* why = m_draining ? "released unsent: the dispatcher is stopping"
                                 : "released unsent: waited half its lease for a free slot";
    report.deferred += give_back(back, why, now);
    if (!m_draining) {
        spdlog::warn("{} notification(s) claimed ahead waited half the lease for a free slot; "
                     "given back",
                     back.size());
    }
}

int Dispatcher::give_back(const std::vector<store::Claim>& claims, const std::string& detail,
                          TimePoint now) {
    std::vector<store::Completion> released;
    for (const store::Claim& claim : claims) {
        store::Completion c;
        c.id = claim.notification.id;
        c.owner = claim.owner;
        c.attempt = claim.notification.attempts;
        c.outcome = store::Outcome::deferred;
        c.provider = "-";
        c.detail = detail;
        c.started_at = now;
        c.finished_at = now;
        c.next_due = now;
        released.push_back(std::move(c));
    }
    auto applied = m_store.complete_all(released);
    return static_cast<int>(std::count(applied.begin(), applied.end(), true));
}

std::vector<store::Claim> Dispatcher::screen(std::vector<store::Claim> claims, TimePoint now,
                                             PassReport& report) {
    std::map<std::string, std::optional<model::UserProfile>> profiles; // by user id
    std::vector<store::Claim> admitted;
    std::vector<store::Completion> held;
    for (auto& claim : claims) {
        const model::Notification& n = claim.notification;
        if (!n.user) {
            admitted.push_back(std::move(claim));
            continue;
        }
        auto it = profiles.find(*n.user);
        if (it == profiles.end()) {
            it = profiles.emplace(*n.user, m_store.audience().profile(*n.user)).first;
        }
        // An unknown category (removed from the config since) gets the default policy.
        auto policy =
            config::category_policy(m_config, n.category).value_or(audience::CategoryPolicy{});
        if (!it->second) { // not in the directory: a --to send that only records the user
            admitted.push_back(std::move(claim));
            continue;
        }
        auto verdict = audience::decide(*it->second, n.channel, n.to, n.category, policy, now);
        if (verdict.kind == audience::Verdict::Kind::send) {
            admitted.push_back(std::move(claim));
            continue;
        }
        store::Completion c;
        c.id = n.id;
        c.owner = claim.owner;
        c.attempt = n.attempts;
        c.provider = "-";
        c.started_at = now;
        c.finished_at = now;
        c.detail = verdict.reason;
        if (verdict.kind == audience::Verdict::Kind::delay) {
            c.outcome = store::Outcome::deferred;
            c.next_due = verdict.until;
            ++report.deferred;
        } else {
            c.outcome = store::Outcome::suppressed;
            ++report.suppressed;
        }
        held.push_back(std::move(c));
    }
    if (!held.empty()) {
        m_store.complete_all(held);
    }
    return admitted;
}

std::vector<store::Claim> Dispatcher::digest(std::vector<store::Claim> claims, TimePoint now,
                                             PassReport& report) {
    std::vector<store::Claim> single;
    std::map<std::tuple<std::string, std::string, std::string, std::string>,
             std::vector<store::Claim>>
        groups; // by user, channel, category, address
    // A notification with attachments goes out on its own: a digest would drop its files.
    auto has_files = [this](const model::Notification& n) {
        return n.channel == "email" && !m_store.attachments(n.id).empty();
    };
    for (auto& claim : claims) {
        const model::Notification& n = claim.notification;
        if (!n.user || audience::is_digest_event(n.event_id) ||
            m_config.digest_for(n.category, n.channel) == nullptr || has_files(n)) {
            single.push_back(std::move(claim));
            continue;
        }
        groups[{*n.user, n.channel, *n.category, n.to}].push_back(std::move(claim));
    }
    for (auto& [key, items] : groups) {
        const auto& [user, channel, category, to] = key;
        auto more = m_store.claim_digest_items(m_options.owner, m_config.lease, now,
                                               {user, channel, category, to});
        report.claimed += static_cast<int>(more.size());
        for (auto& claim : screen(std::move(more), now, report)) {
            (has_files(claim.notification) ? single : items).push_back(std::move(claim));
        }
        const config::DigestConfig& digest = *m_config.digest_for(category, channel);
        for (auto& claim : merge_group(std::move(items), digest, now, report)) {
            single.push_back(std::move(claim));
        }
    }
    return single;
}

std::vector<store::Claim> Dispatcher::merge_group(std::vector<store::Claim> items,
                                                  const config::DigestConfig& digest, TimePoint now,
                                                  PassReport& report) {
    const model::Notification first = items.front().notification;
    const std::string user = *first.user;
    auto profile = m_store.audience().profile(user);
    std::string name = user;
    std::string locale;
    if (profile) {
        name = profile->user.name.value_or(user);
        if (profile->user.locale) {
            if (auto normal = render::normalize_locale(*profile->user.locale)) {
                locale = *normal;
            }
        }
    }
    const render::Catalog catalog(render::default_search_path(m_config.templates_dir.value),
                                  m_config.channel_names());
    while (!items.empty()) {
        std::vector<model::Notification> rows;
        TimePoint slot{};
        for (const auto& claim : items) {
            rows.push_back(claim.notification);
            slot = std::max(slot, claim.notification.due_at);
        }
        auto row = render_digest(catalog, digest, locale, name, rows, now);
        if (!row) {
            spdlog::warn("digest of {} notification(s) to user {} on {}: {}; sending them one by "
                         "one",
                         items.size(), user, first.channel, row.error());
            return items;
        }
        store::DigestMerge merge;
        merge.digest = std::move(*row);
        merge.event_id =
            audience::digest_event_id(user, first.channel, first.category.value_or(""), slot);
        merge.now = now;
        for (const auto& claim : items) {
            store::Completion c;
            c.id = claim.notification.id;
            c.owner = claim.owner;
            c.attempt = claim.notification.attempts;
            c.provider = "-";
            c.started_at = now;
            c.finished_at = now;
            merge.items.push_back(std::move(c));
        }
        store::DigestResult result = m_store.merge_digest(merge);
        if (result.id) {
            report.suppressed += static_cast<int>(items.size());
            spdlog::info("digest {} merges {} notification(s) to user {} on {}", *result.id,
                         items.size(), user, first.channel);
            return {};
        }
        if (result.fenced.empty()) {
            return items; // not expected: send them one by one rather than loop
        }
        // Some items were taken from us meanwhile: merge the others without them.
        report.fenced += static_cast<int>(result.fenced.size());
        std::erase_if(items, [&](const store::Claim& claim) {
            return std::find(result.fenced.begin(), result.fenced.end(), claim.notification.id) !=
                   result.fenced.end();
        });
    }
    return items;
}

std::vector<store::Claim> Dispatcher::admit(std::vector<store::Claim> claims, TimePoint now,
                                            PassReport& report) {
    std::vector<store::TokenRequest> requests;
    std::vector<std::size_t> limited; // indexes of claims with a request
    for (std::size_t i = 0; i < claims.size(); ++i) {
        const model::Notification& n = claims[i].notification;
        store::TokenRequest request;
        const config::DeliveryPolicy& policy = m_config.delivery_for(n.channel);
        if (policy.user_limit && n.user) {
            request.buckets.emplace_back("user:" + *n.user + ":" + n.channel, *policy.user_limit);
        }
        if (const config::ChannelRoute* route = m_config.route(n.channel)) {
            auto it = m_provider_limits.find(route->providers.front());
            if (it != m_provider_limits.end()) {
                request.buckets.emplace_back("provider:" + it->first, it->second);
            }
        }
        if (!request.buckets.empty()) {
            requests.push_back(std::move(request));
            limited.push_back(i);
        }
    }
    if (requests.empty()) {
        return claims;
    }
    auto waits = m_store.take_tokens(requests, now);
    std::vector<bool> keep(claims.size(), true);
    std::vector<store::Completion> held;
    for (std::size_t k = 0; k < limited.size(); ++k) {
        if (!waits[k].wait) {
            continue;
        }
        const store::Claim& claim = claims[limited[k]];
        const model::Notification& n = claim.notification;
        keep[limited[k]] = false;
        const config::DeliveryPolicy& policy = m_config.delivery_for(n.channel);
        bool user_limited = policy.user_limit && n.user;
        store::Completion c;
        c.id = n.id;
        c.owner = claim.owner;
        c.attempt = n.attempts;
        c.provider = "-";
        c.started_at = now;
        c.finished_at = now;
        c.next_due = now + *waits[k].wait;
        const std::string& limiter = requests[k].buckets[waits[k].limiting].first;
        if (user_limited && policy.user_limit_drops && limiter.rfind("user:", 0) == 0) {
            c.outcome = store::Outcome::suppressed;
            ++report.suppressed;
            c.detail = "rate limited: more than " + std::to_string(policy.user_limit->count) +
                       " per " + schedule::format_duration(policy.user_limit->per) + " to user " +
                       *n.user + " on " + n.channel;
        } else {
            c.outcome = store::Outcome::deferred;
            c.detail = "rate limited by " + limiter;
            ++report.deferred;
        }
        if (m_options.metrics != nullptr) {
            // Per-user buckets would make a label per user: count them together.
            m_options.metrics->rate_limited(limiter.rfind("user:", 0) == 0 ? "user" : limiter);
        }
        held.push_back(c);
    }
    if (!held.empty()) {
        m_store.complete_all(held);
    }
    std::vector<store::Claim> admitted;
    for (std::size_t i = 0; i < claims.size(); ++i) {
        if (keep[i]) {
            admitted.push_back(std::move(claims[i]));
        }
    }
    return admitted;
}

providers::Provider* Dispatcher::provider(const std::string& name, std::string& error) {
    std::lock_guard lock(m_providers_mutex);
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

// Runs on a pool thread: tries the route's providers in order, skipping paused ones.
void Dispatcher::send_one(const store::Claim& claim, std::size_t lane, TimePoint started,
                          const std::vector<model::Attachment>& files) {
    Finished f;
    f.claim = claim;
    f.lane = lane;
    f.started_at = started;
    const model::Notification& n = claim.notification;
    providers::Message message = providers::message_from(n);
    message.attachments = files;
    for (const std::string& url : observe::track_message(message, m_config.tracking)) {
        spdlog::warn("notification {}: link to {} not tracked: its host is not in "
                     "tracking.allowed_hosts",
                     n.id, url);
    }
    const config::ChannelRoute* route = m_config.route(n.channel);
    const config::DeliveryPolicy& policy = m_config.delivery_for(n.channel);
    bool any_tried = false;
    std::optional<TimePoint> earliest_reopen;
    auto gone = std::find_if(files.begin(), files.end(),
                             [](const model::Attachment& file) { return !file.bytes; });
    if (gone != files.end()) {
        // Only a sent row loses its bytes, and a sent row is never sent again: a bug or a
        // store edited by hand. Sending without the file would be worse than not sending.
        f.tries.push_back({"-", providers::SendResult::failed(providers::FailureKind::permanent,
                                                              "attachment " + gone->filename +
                                                                  " is no longer stored")});
        any_tried = true;
    } else if (route != nullptr) {
        for (const std::string& name : route->providers) {
            TimePoint now = m_clock.now();
            if (auto until = m_breaker.paused_until(name, now)) {
                earliest_reopen = earliest_reopen ? std::min(*earliest_reopen, *until) : *until;
                continue;
            }
            any_tried = true;
            std::string error;
            providers::Provider* p = provider(name, error);
            providers::SendResult result =
                p == nullptr ? providers::SendResult::failed(providers::FailureKind::auth, error)
                             : p->send(message);
            f.tries.push_back({name, result});
            if (result.ok) {
                m_breaker.record_success(name);
                break;
            }
            if (m_breaker.record_failure(name, result.kind, result.detail, m_clock.now(),
                                         breaker_policy_of(policy))) {
                f.paused.emplace_back(name, m_breaker.reason(name));
            }
            if (result.kind == providers::FailureKind::permanent ||
                result.kind == providers::FailureKind::invalid_recipient ||
                result.kind == providers::FailureKind::opted_out) {
                break; // another provider would not do better
            }
        }
    } else {
        f.tries.push_back({"-", providers::SendResult::failed(
                                    providers::FailureKind::transient,
                                    "no provider is configured for channel " + n.channel)});
        any_tried = true;
    }
    if (!any_tried) {
        f.paused_until = earliest_reopen;
    }
    f.finished_at = m_clock.now();
    std::lock_guard lock(m_finished_mutex);
    m_finished.push_back(std::move(f));
}

store::Completion Dispatcher::decide(const Finished& f, PassReport& report) {
    const model::Notification& n = f.claim.notification;
    store::Completion c;
    c.id = n.id;
    c.owner = f.claim.owner;
    c.attempt = n.attempts;
    c.started_at = f.started_at;
    c.finished_at = f.finished_at;
    if (f.tries.empty()) {
        // Every provider was paused: give the attempt back, due when the first reopens.
        c.outcome = store::Outcome::deferred;
        c.provider = "-";
        c.next_due = f.paused_until.value_or(f.finished_at);
        c.detail = "every provider of channel " + n.channel + " is paused";
        ++report.deferred;
        return c;
    }
    for (std::size_t i = 0; i + 1 < f.tries.size(); ++i) {
        const auto& t = f.tries[i];
        c.failed_tries.push_back(
            {t.provider, std::string(providers::to_string(t.result.kind)), t.result.detail});
    }
    const Try& last = f.tries.back();
    c.provider = last.provider;
    c.detail = last.result.detail;
    if (last.result.ok) {
        c.outcome = store::Outcome::sent;
        c.attempt_class = "sent";
        return c;
    }
    c.attempt_class = std::string(providers::to_string(last.result.kind));
    if (last.result.kind == providers::FailureKind::auth) {
        // A credential/config problem is the provider's, not the notification's: pause and
        // wait for the operator without burning attempts.
        c.outcome = store::Outcome::deferred;
        c.next_due = m_breaker.paused_until(last.provider, f.finished_at)
                         .value_or(f.finished_at + m_config.delivery_for(n.channel).breaker_base);
        ++report.deferred;
        return c;
    }
    if (last.result.kind == providers::FailureKind::opted_out) {
        c.outcome = store::Outcome::suppressed;
        c.detail = "opted out at " + last.provider + ": " + last.result.detail;
        return c;
    }
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    policy::Decision d = policy::decide(retry_policy_of(m_config.delivery_for(n.channel)), n,
                                        last.result, f.finished_at, unit(m_random));
    if (d.verdict == policy::Verdict::retry) {
        c.outcome = store::Outcome::retry;
        c.next_due = d.next_due;
    } else {
        c.outcome = store::Outcome::dead;
        c.detail = d.reason;
    }
    return c;
}

void Dispatcher::observe(DispatchMetrics& metrics, const Finished& f,
                         const store::Completion& c) const {
    for (const Try& t : f.tries) {
        metrics.attempt(t.provider,
                        t.result.ok ? "sent" : std::string(providers::to_string(t.result.kind)));
        if (t.result.ok) {
            metrics.breaker(t.provider, std::nullopt);
        }
    }
    for (const auto& paused : f.paused) {
        metrics.breaker(paused.first, m_breaker.paused_until(paused.first, f.finished_at));
    }
    const model::Notification& n = f.claim.notification;
    std::optional<Millis> delay;
    if (c.outcome == store::Outcome::sent) {
        delay = f.finished_at - n.due_at;
    }
    metrics.finished(n.channel, f.finished_at - f.started_at, delay);
}

PassReport Dispatcher::record_finished(bool now_or_never) {
    PassReport report;
    {
        std::lock_guard lock(m_finished_mutex);
        m_unrecorded.insert(m_unrecorded.end(), std::make_move_iterator(m_finished.begin()),
                            std::make_move_iterator(m_finished.end()));
        m_finished.clear();
    }
    m_pool->drain_signal();
    if (m_unrecorded.empty()) {
        return report;
    }
    // The slots are free now: start the next sends, so that they run while the store records.
    const TimePoint now = m_clock.now();
    for (Finished& f : m_unrecorded) {
        if (!f.slot_freed) {
            --m_lanes[f.lane].in_flight;
            f.slot_freed = true;
        }
    }
    if (!m_draining) {
        start_ready();
    }
    if (!m_record_due) {
        m_record_due = now + k_group_commit;
    }
    // Group commit: one transaction for many results, unless nothing else is on its way.
    const std::size_t out = m_running.size() - m_unrecorded.size();
    if (!now_or_never && !m_draining && out > 0 && now < *m_record_due &&
        m_unrecorded.size() < static_cast<std::size_t>(m_options.batch)) {
        return report;
    }
    m_record_due.reset();
    std::vector<Finished> finished;
    finished.swap(m_unrecorded);
    std::vector<store::Completion> completions;
    completions.reserve(finished.size());
    for (const Finished& f : finished) {
        completions.push_back(decide(f, report));
    }
    std::vector<bool> applied;
    try {
        applied = m_store.complete_all(completions);
    } catch (const Error&) {
        // Not recorded (a full disk, say): keep the results for the next turn. Dropping them
        // would leave the rows `sending` until their lease ran out, and then send them again.
        m_unrecorded.insert(m_unrecorded.begin(), std::make_move_iterator(finished.begin()),
                            std::make_move_iterator(finished.end()));
        m_record_due = now;
        throw;
    }
    for (const Finished& f : finished) {
        for (const auto& [name, reason] : f.paused) {
            auto until = m_breaker.paused_until(name, f.finished_at);
            m_alerts.raise("breaker",
                           "provider " + name + " paused" +
                               (until ? " until " + schedule::format_rfc3339(*until) : ""),
                           reason, f.finished_at);
        }
        m_running.erase(f.claim.notification.id);
    }
    for (std::size_t i = 0; i < completions.size(); ++i) {
        const store::Completion& c = completions[i];
        const model::Notification& n = finished[i].claim.notification;
        if (m_options.metrics != nullptr) {
            observe(*m_options.metrics, finished[i], c);
        }
        if (!applied[i]) {
            ++report.fenced;
            spdlog::warn("notification {}: result of attempt {} discarded: no longer leased to us",
                         c.id, c.attempt);
            continue;
        }
        switch (c.outcome) {
        case store::Outcome::sent:
            ++report.sent;
            spdlog::info("notification {} sent via {} ({})", c.id, c.provider, c.detail);
            break;
        case store::Outcome::retry:
            ++report.retrying;
            spdlog::warn("notification {} attempt {} failed via {}: {}; next at {}", c.id,
                         c.attempt, c.provider, c.detail, schedule::format_rfc3339(c.next_due));
            break;
        case store::Outcome::dead:
            ++report.dead;
            if (!n.event_id || n.event_id->rfind(k_alert_event_prefix, 0) != 0) {
                m_alerts.raise("dead",
                               "notification " + std::to_string(c.id) + " (" + n.channel + " to " +
                                   n.to + ") is dead",
                               c.detail, c.finished_at);
            } else {
                spdlog::error("alert notification {} is dead: {}", c.id, c.detail);
            }
            break;
        case store::Outcome::deferred:
            spdlog::info("notification {} deferred until {}: {}", c.id,
                         schedule::format_rfc3339(c.next_due), c.detail);
            break;
        case store::Outcome::suppressed:
            ++report.suppressed;
            break;
        }
        if (c.attempt_class == "opted_out") {
            // The recipient told the provider to stop (SMS STOP): record it as the user's
            // opt-out of this channel so nothing more is even enqueued for them there.
            int users = m_store.audience().opt_out_address(n.to, n.channel, c.finished_at);
            spdlog::info("notification {}: {} opted out at {}; {} user(s) opted out of {}", c.id,
                         n.to, c.provider, users, n.channel);
        }
        if (c.attempt_class == "invalid_recipient") {
            // A push service said the token is gone: the user's device stops being used.
            int marked = m_store.audience().invalidate_token(n.to, c.detail, c.finished_at);
            if (marked > 0) {
                spdlog::info("notification {}: device token marked invalid ({})", c.id, c.detail);
            }
        }
    }
    return report;
}

std::optional<TimePoint> Dispatcher::next_wakeup() {
    std::optional<TimePoint> next = m_store.next_wakeup();
    if (m_record_due && (!next || *m_record_due < *next)) {
        next = m_record_due;
    }
    return next;
}

PassReport Dispatcher::drain(Millis grace) {
    m_draining = true;
    PassReport report;
    release_ready(m_clock.now(), report);
    TimePoint deadline = m_clock.now() + grace;
    while (!m_running.empty()) {
        report += record_finished(true);
        if (m_running.empty()) {
            break;
        }
        Millis left = deadline - m_clock.now();
        if (left <= Millis{0}) {
            break;
        }
        pollfd fd{completion_fd(), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    }
    report += record_finished(true);
    if (m_running.empty()) {
        return report;
    }
    std::vector<store::Claim> running;
    for (const auto& entry : m_running) {
        running.push_back(entry.second);
    }
    report.deferred +=
        give_back(running, "released at shutdown while its send was still running", m_clock.now());
    spdlog::warn("released {} notification(s) still being sent; they may be sent twice",
                 running.size());
    return report;
}

} // namespace notify::dispatch
