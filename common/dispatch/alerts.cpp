// Rate-limited alert routing and queue threshold alerts.
#include "common/dispatch/alerts.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/providers/registry.hpp"
#include "common/schedule/duration.hpp"
#include "common/schedule/time_text.hpp"

namespace notify::dispatch {

AlertSink::AlertSink(const config::Config& config, store::JobStore& store)
    : m_route(config.alerts), m_store(store) {
    if (m_route.command.empty()) {
        return;
    }
    config::Config synthetic = config;
    config::ProviderConfig command;
    command.name = "alerts";
    command.type = "exec";
    command.origin = "alerts.command";
    for (const auto& word : m_route.command) {
        command.lists["command"].push_back(config::Setting{word, "alerts.command", false});
    }
    command.options["timeout"] = config::Setting{"10s", "alerts.command", false};
    synthetic.providers = {{"alerts", command}};
    try {
        providers::validate(synthetic);
        m_command = providers::create(synthetic, "alerts");
    } catch (const Error& e) {
        spdlog::error("alerts.command unusable, alerts go to the log only: {}", e.what());
    }
}

AlertSink::~AlertSink() = default;

void AlertSink::raise(const std::string& kind, const std::string& subject,
                      const std::string& detail, TimePoint now) {
    spdlog::error("ALERT {}: {}: {}", kind, subject, detail);
    KindState& state = m_kinds[kind];
    if (state.ever_sent && now - state.last_sent < m_route.min_interval) {
        ++state.held_back;
        return;
    }
    std::string body = detail;
    if (state.held_back > 0) {
        body += "\n(" + std::to_string(state.held_back) + " more " + kind +
                " alert(s) held back since the last one)";
    }
    state.ever_sent = true;
    state.last_sent = now;
    state.held_back = 0;

    if (m_command) {
        providers::Message m;
        m.channel = "alert";
        m.to = kind;
        m.subject = subject;
        m.body = body;
        m.data_json = nlohmann::json{{"kind", kind}, {"at", schedule::format_rfc3339(now)}}.dump();
        m.attempt = 1;
        auto result = m_command->send(m);
        if (!result.ok) {
            spdlog::error("alerts.command failed: {}", result.detail);
        }
    }
    if (!m_route.channel.empty()) {
        store::NewNotification row;
        row.channel = m_route.channel;
        row.to = m_route.to;
        row.priority = model::Priority::high;
        row.subject = "notify alert: " + subject;
        row.title = row.subject;
        row.body = body;
        row.due_at = now;
        store::EnqueueRequest request;
        request.rows.push_back(row);
        request.event_id =
            std::string(k_alert_event_prefix) + kind + ":" + schedule::format_rfc3339_ms(now);
        try {
            m_store.enqueue(request, now);
        } catch (const Error& e) {
            spdlog::error("could not enqueue the alert notification: {}", e.what());
        }
    }
}

ThresholdWatch::ThresholdWatch(const config::AlertRoute& route, AlertSink& sink)
    : m_route(route), m_sink(sink) {}

void ThresholdWatch::check(const store::Stats& stats, TimePoint now) {
    if (m_route.backlog) {
        const bool over = stats.due_now > *m_route.backlog;
        update("backlog", over, std::to_string(stats.due_now) + " notifications due",
               std::to_string(stats.due_now) +
                   " notifications are due and not yet claimed (alerts.backlog: " +
                   std::to_string(*m_route.backlog) + ")",
               now);
    }
    if (m_route.oldest_due) {
        const Millis age = stats.oldest_due_age.value_or(Millis{0});
        const std::string shown = schedule::format_duration(Millis{age.count() / 1000 * 1000});
        update("oldest_due", age > *m_route.oldest_due, "oldest due notification waited " + shown,
               "the oldest due notification has waited " + shown +
                   " (alerts.oldest_due: " + schedule::format_duration(*m_route.oldest_due) + ")",
               now);
    }
}

void ThresholdWatch::update(const std::string& kind, bool over, const std::string& subject,
                            const std::string& detail, TimePoint now) {
    Crossed& state = m_state[kind];
    if (!over) {
        if (state.active) {
            spdlog::info("alert {} recovered: {}", kind, subject);
            state.active = false;
        }
        return;
    }
    if (state.active && now - state.last_raised < m_route.min_interval) {
        return;
    }
    state.active = true;
    state.last_raised = now;
    m_sink.raise(kind, subject, detail, now);
}

} // namespace notify::dispatch
