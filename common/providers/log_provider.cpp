// Logs delivered messages to stderr through a dedicated spdlog logger.
#include "common/providers/log_provider.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/providers/message_json.hpp"

namespace notify::providers {

namespace {

// Deliveries are the provider's output, so they are shown whatever the process log level is.
std::shared_ptr<spdlog::logger> delivery_logger() {
    auto logger = spdlog::get("delivery");
    if (!logger) {
        logger = spdlog::stderr_logger_mt("delivery");
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::trace);
    }
    return logger;
}

class LogProvider final : public Provider {
  public:
    LogProvider(std::string name, spdlog::level::level_enum level)
        : m_name(std::move(name)), m_level(level) {}

    const std::string& name() const override { return m_name; }

    std::string render(const Message& message) const override {
        return "delivered " + message_json(message);
    }

    SendResult send(const Message& message) override {
        delivery_logger()->log(m_level, "{}", render(message));
        return SendResult::sent("logged");
    }

  private:
    std::string m_name;
    spdlog::level::level_enum m_level;
};

} // namespace

std::unique_ptr<Provider> make_log_provider(const config::ProviderConfig& cfg) {
    auto level = spdlog::level::info;
    if (const auto* setting = cfg.find("level")) {
        level = spdlog::level::from_str(setting->value);
    }
    return std::make_unique<LogProvider>(cfg.name, level);
}

} // namespace notify::providers
