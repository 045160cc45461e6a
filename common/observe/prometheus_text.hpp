// The Prometheus text exposition format (version 0.0.4) of notifyd's /metrics: the store's
// queue (depth by status and channel, due now, oldest due age) beside what the dispatchers did
// since the daemon started (attempts, durations, rate-limit delays, breakers).
#pragma once

#include <string>

#include "common/dispatch/metrics.hpp"
#include "common/schedule/clock.hpp"
#include "common/store/job_store.hpp"

namespace notify::observe {

// The media type to serve it with.
inline constexpr const char* k_prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_text(const store::Stats& stats,
                            const dispatch::DispatchMetrics::Snapshot& dispatched, TimePoint now);

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(const std::string& value);

} // namespace notify::observe
