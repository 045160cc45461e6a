#include "daemon/http_endpoint.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "cli/context.hpp"
#include "common/error.hpp"
#include "common/observe/delivery_report.hpp"
#include "common/observe/prometheus_text.hpp"
#include "common/observe/tracking_link.hpp"
#include "common/providers/form_encoding.hpp"

namespace notify::daemon {

namespace {

// The smallest transparent GIF (1x1), served as the open pixel.
constexpr unsigned char k_pixel_gif[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

// Callbacks and tracking hits are small; anything bigger is not from a provider.
constexpr std::size_t k_max_body = 1 << 20;

void text(httplib::Response& response, int status, const std::string& body) {
    response.status = status;
    response.set_content(body + "\n", "text/plain; charset=utf-8");
}

std::pair<std::string, int> split_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return {host, std::stoi(listen.substr(colon + 1))};
}

const config::ProviderConfig* provider_of_type(const config::Config& config,
                                               const std::string& name, const char* type) {
    auto it = config.providers.find(name);
    if (it == config.providers.end() || it->second.type != type) {
        return nullptr;
    }
    return &it->second;
}

} // namespace

HttpEndpoint::HttpEndpoint(const config::Config& config, const dispatch::DispatchMetrics& metrics,
                           const schedule::Clock& clock)
    : m_metrics(metrics), m_clock(clock), m_config(std::make_shared<const config::Config>(config)),
      m_store(cli::open_store(config)), m_last_beat(to_unix_ms(clock.now())),
      m_server(std::make_unique<httplib::Server>()) {
    m_server->set_payload_max_length(k_max_body);
    m_server->set_read_timeout(std::chrono::seconds(10));
    m_server->set_write_timeout(std::chrono::seconds(10));
    route();
    const auto [host, port] = split_listen(config.daemon_listen.value);
    if (port == 0) {
        m_port = m_server->bind_to_any_port(host);
    } else if (m_server->bind_to_port(host, port)) {
        m_port = port;
    } else {
        m_port = -1;
    }
    if (m_port <= 0) {
        throw Error(
            Exit::unavailable, "daemon.listen: cannot listen on " + config.daemon_listen.value,
            "is another process using the port? (set in " + config.daemon_listen.origin + ")");
    }
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    spdlog::info("http endpoint listening on {}:{}", host, m_port);
}

HttpEndpoint::~HttpEndpoint() {
    m_server->stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void HttpEndpoint::reconfigure(const config::Config& config) {
    std::lock_guard lock(m_config_mutex);
    m_config = std::make_shared<const config::Config>(config);
}

std::shared_ptr<const config::Config> HttpEndpoint::config() const {
    std::lock_guard lock(m_config_mutex);
    return m_config;
}

void HttpEndpoint::route() {
    using httplib::Request;
    using httplib::Response;
    m_server->Get("/healthz", [this](const Request& q, Response& r) { healthz(q, r); });
    m_server->Get("/metrics", [this](const Request& q, Response& r) { metrics(q, r); });
    m_server->Get(R"(/t/c/([0-9]+)/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]*))",
                  [this](const Request& q, Response& r) { click(q, r); });
    m_server->Get(R"(/t/o/([0-9]+)/([A-Za-z0-9_-]+)\.gif)",
                  [this](const Request& q, Response& r) { open(q, r); });
    m_server->Post(R"(/callbacks/twilio/([A-Za-z0-9_.-]+))",
                   [this](const Request& q, Response& r) { twilio(q, r); });
    m_server->Post(R"(/callbacks/sendgrid/([A-Za-z0-9_.-]+))",
                   [this](const Request& q, Response& r) { sendgrid(q, r); });
    m_server->set_exception_handler([](const Request& q, Response& r, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        spdlog::error("http {} {}: {}", q.method, q.path, what);
        text(r, 500, "internal error");
    });
}

bool HttpEndpoint::authorized(const httplib::Request& request, httplib::Response& response) {
    const std::string token = config()->daemon_token.value;
    if (token.empty()) {
        return true;
    }
    const std::string expected = "Bearer " + token;
    const std::string given = request.get_header_value("Authorization");
    if (given.size() == expected.size() &&
        CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) {
        return true;
    }
    response.set_header("WWW-Authenticate", "Bearer");
    text(response, 401, "unauthorized");
    return false;
}

void HttpEndpoint::healthz(const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) {
        return;
    }
    const TimePoint now = m_clock.now();
    nlohmann::json body;
    bool healthy = true;
    try {
        std::lock_guard lock(m_store_mutex);
        m_store->next_wakeup(); // an indexed read: the store opens and answers
        body["store"] = "ok";
    } catch (const std::exception& e) {
        body["store"] = std::string("error: ") + e.what();
        healthy = false;
    }
    const auto cfg = config();
    const Millis since_beat = now - from_unix_ms(m_last_beat.load());
    // The loop wakes at least every poll interval; a turn that stalls far longer is stuck.
    const Millis stale_after = 3 * cfg->poll_interval + Millis{30'000};
    body["dispatcher"] = since_beat <= stale_after ? "ok" : "stalled";
    body["last_turn_seconds_ago"] = static_cast<double>(since_beat.count()) / 1000.0;
    healthy = healthy && since_beat <= stale_after;
    body["status"] = healthy ? "ok" : "unhealthy";
    response.status = healthy ? 200 : 503;
    response.set_content(body.dump() + "\n", "application/json");
}

void HttpEndpoint::metrics(const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) {
        return;
    }
    const TimePoint now = m_clock.now();
    store::Stats stats;
    {
        std::lock_guard lock(m_store_mutex);
        stats = m_store->stats(now);
    }
    response.set_content(observe::prometheus_text(stats, m_metrics.snapshot(), now),
                         observe::k_prometheus_content_type);
}

bool HttpEndpoint::record(std::int64_t id, const std::string& type, const std::string& detail) {
    std::lock_guard lock(m_store_mutex);
    return m_store->record_event(id, type, detail, m_clock.now());
}

void HttpEndpoint::click(const httplib::Request& request, httplib::Response& response) {
    const auto cfg = config();
    auto hit = observe::verify_click(cfg->tracking, request.matches[1].str(),
                                     request.matches[2].str(), request.matches[3].str());
    if (!hit || !observe::host_allowed(cfg->tracking, hit->url)) {
        // Forged, altered, or leading to a host no longer allowed: no record, no redirect.
        text(response, 404, "not found");
        return;
    }
    if (!record(hit->id, "clicked", hit->url)) {
        text(response, 404, "not found");
        return;
    }
    response.set_header("Cache-Control", "no-store");
    response.set_redirect(hit->url, 302);
}

void HttpEndpoint::open(const httplib::Request& request, httplib::Response& response) {
    const auto cfg = config();
    auto id =
        observe::verify_open(cfg->tracking, request.matches[1].str(), request.matches[2].str());
    if (!id || !record(*id, "opened", request.get_header_value("User-Agent").substr(0, 200))) {
        text(response, 404, "not found");
        return;
    }
    response.set_header("Cache-Control", "no-store, max-age=0");
    response.set_content(
        std::string(reinterpret_cast<const char*>(k_pixel_gif), sizeof k_pixel_gif), "image/gif");
}

void HttpEndpoint::twilio(const httplib::Request& request, httplib::Response& response) {
    const auto cfg = config();
    const std::string name = request.matches[1].str();
    const config::ProviderConfig* provider = provider_of_type(*cfg, name, "twilio");
    if (provider == nullptr) {
        text(response, 404, "no twilio provider named " + name);
        return;
    }
    const config::Setting* token = provider->find("auth_token");
    const config::Setting* url = provider->find("status_callback");
    if (token == nullptr || token->value.empty() || url == nullptr) {
        spdlog::warn("twilio callback for {} refused: the provider needs auth_token and "
                     "status_callback to verify Twilio's signature",
                     name);
        text(response, 403, "signature cannot be verified");
        return;
    }
    std::map<std::string, std::string> form;
    for (auto& field : providers::form_decode(request.body)) {
        form[field.name] = field.value;
    }
    if (!observe::twilio_signature_valid(token->value, url->value, form,
                                         request.get_header_value("X-Twilio-Signature"))) {
        spdlog::warn("twilio callback for {} refused: bad X-Twilio-Signature", name);
        text(response, 403, "bad signature");
        return;
    }
    if (auto report = observe::twilio_report(form)) {
        std::optional<std::int64_t> id;
        {
            std::lock_guard lock(m_store_mutex);
            id = m_store->find_by_receipt(name, report->receipt);
        }
        if (id) {
            record(*id, report->type, report->detail);
            spdlog::info("notification {}: {} ({})", *id, report->type, report->detail);
        } else {
            spdlog::info("twilio callback for {}: no notification sent as {}", name,
                         report->receipt);
        }
    }
    response.status = 204;
}

void HttpEndpoint::sendgrid(const httplib::Request& request, httplib::Response& response) {
    const auto cfg = config();
    const std::string name = request.matches[1].str();
    const config::ProviderConfig* provider = provider_of_type(*cfg, name, "sendgrid");
    if (provider == nullptr) {
        text(response, 404, "no sendgrid provider named " + name);
        return;
    }
    const config::Setting* key = provider->find("event_webhook_key");
    if (key == nullptr || key->value.empty()) {
        spdlog::warn("sendgrid events for {} refused: the provider has no event_webhook_key", name);
        text(response, 403, "signature cannot be verified");
        return;
    }
    auto valid = observe::sendgrid_signature_valid(
        key->value, request.get_header_value("X-Twilio-Email-Event-Webhook-Timestamp"),
        request.body, request.get_header_value("X-Twilio-Email-Event-Webhook-Signature"));
    if (!valid || !*valid) {
        spdlog::warn("sendgrid events for {} refused: {}", name,
                     valid ? "bad signature"
                           : "providers." + name + ".event_webhook_key: " + valid.error());
        text(response, 403, "bad signature");
        return;
    }
    auto reports = observe::sendgrid_reports(request.body);
    if (!reports) {
        text(response, 400, reports.error());
        return;
    }
    std::lock_guard lock(m_store_mutex);
    for (const auto& report : *reports) {
        if (auto id = m_store->find_by_receipt(name, report.receipt)) {
            m_store->record_event(*id, report.type, report.detail,
                                  report.at.value_or(m_clock.now()));
        }
    }
    response.status = 204;
}

} // namespace notify::daemon
