#include "common/observe/prometheus_text.hpp"

#include <cstdio>
#include <sstream>

namespace notify::observe {

namespace {

std::string number(double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

std::string seconds_since_epoch(TimePoint t) {
    return number(static_cast<double>(to_unix_ms(t)) / 1000.0);
}

// Writes HELP and TYPE once per metric family.
void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << '\n' << "# TYPE " << name << ' ' << type << '\n';
}

void histogram(std::ostringstream& out, const char* name, const char* label,
               const std::map<std::string, dispatch::Histogram>& by_label) {
    const auto& bounds = dispatch::duration_buckets_seconds();
    for (const auto& [value, h] : by_label) {
        const std::string labels = std::string(label) + "=\"" + escape_label_value(value) + "\"";
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            cumulative += i < h.counts.size() ? h.counts[i] : 0;
            out << name << "_bucket{" << labels << ",le=\"" << number(bounds[i]) << "\"} "
                << cumulative << '\n';
        }
        out << name << "_bucket{" << labels << ",le=\"+Inf\"} " << h.count << '\n';
        out << name << "_sum{" << labels << "} " << number(h.sum_seconds) << '\n';
        out << name << "_count{" << labels << "} " << h.count << '\n';
    }
}

} // namespace

std::string escape_label_value(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string prometheus_text(const store::Stats& stats,
                            const dispatch::DispatchMetrics::Snapshot& dispatched, TimePoint now) {
    std::ostringstream out;
    family(out, "notify_notifications", "gauge",
           "Notifications in the store by status and channel.");
    for (const auto& [channel, by_status] : stats.by_channel) {
        for (const auto& [status, count] : by_status) {
            out << "notify_notifications{status=\"" << model::to_string(status) << "\",channel=\""
                << escape_label_value(channel) << "\"} " << count << '\n';
        }
    }
    family(out, "notify_due", "gauge",
           "Notifications due now and not yet claimed (scheduled, queued, retrying).");
    out << "notify_due " << stats.due_now << '\n';
    family(out, "notify_oldest_due_age_seconds", "gauge",
           "How long the oldest due notification has waited past its due time (0: none due).");
    out << "notify_oldest_due_age_seconds "
        << number(stats.oldest_due_age ? static_cast<double>(stats.oldest_due_age->count()) / 1000.0
                                       : 0.0)
        << '\n';
    family(out, "notify_attempts_total", "counter",
           "Delivery attempts by provider and result class since notifyd started.");
    for (const auto& [key, count] : dispatched.attempts) {
        out << "notify_attempts_total{provider=\"" << escape_label_value(key.first) << "\",class=\""
            << escape_label_value(key.second) << "\"} " << count << '\n';
    }
    family(out, "notify_send_duration_seconds", "histogram",
           "Time from claim to the provider's answer, by channel.");
    histogram(out, "notify_send_duration_seconds", "channel", dispatched.send_duration);
    family(out, "notify_dispatch_delay_seconds", "histogram",
           "Time from a notification's due time to its sending, by channel.");
    histogram(out, "notify_dispatch_delay_seconds", "channel", dispatched.dispatch_delay);
    family(out, "notify_rate_limit_delays_total", "counter",
           "Sends put off by a rate limit, by limit (per-user limits together as \"user\").");
    for (const auto& [limit, count] : dispatched.rate_limited) {
        out << "notify_rate_limit_delays_total{limit=\"" << escape_label_value(limit) << "\"} "
            << count << '\n';
    }
    family(out, "notify_breaker_open", "gauge",
           "1 while a provider is paused by its circuit breaker, else 0.");
    for (const auto& [provider, until] : dispatched.breaker_open_until) {
        out << "notify_breaker_open{provider=\"" << escape_label_value(provider) << "\"} "
            << (until > now ? 1 : 0) << '\n';
    }
    family(out, "notify_daemon_start_time_seconds", "gauge",
           "When notifyd started, in seconds since the Unix epoch.");
    out << "notify_daemon_start_time_seconds " << seconds_since_epoch(dispatched.started_at)
        << '\n';
    return out.str();
}

} // namespace notify::observe
