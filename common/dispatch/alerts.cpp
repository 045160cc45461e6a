// Rate-limited alert routing.
#include "common/dispatch/alerts.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.hpp"
#include "common/providers/registry.hpp"
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

} // namespace notify::dispatch
