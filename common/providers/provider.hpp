// The provider plugin interface: render a message the way a provider would send it, send it,
// and classify failures for the retry policy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/model/notification.hpp"
#include "common/schedule/clock.hpp"

namespace notify::providers {

// What a provider is asked to deliver: one notification's rendered content.
struct Message {
    std::int64_t id = 0; // 0 in previews
    std::string channel;
    std::string to;
    std::optional<std::string> user;
    std::optional<std::string> template_name;
    std::optional<std::string> event_id;
    model::Priority priority = model::Priority::normal;
    std::optional<std::string> subject;
    std::optional<std::string> title;
    std::optional<std::string> body;
    std::string data_json = "{}";
    int attempt = 0; // 1-based; 0 in previews
    std::optional<TimePoint> expires_at;
    // Files to send with an e-mail, bytes loaded (the dispatcher reads them from the store).
    std::vector<model::Attachment> attachments;
};

// Builds a Message from a stored notification (without its attachments).
Message message_from(const model::Notification& n);

// The text of an SMS: the title (else the subject) and the body, on separate lines.
std::string sms_text(const Message& message);

// How a send failed; the retry policy acts on the kind.
enum class FailureKind {
    transient,         // try again later (timeouts, 5xx, SMTP 4xx)
    rate_limited,      // try again, not before retry_after
    permanent,         // never succeeds for this message: dead at once
    invalid_recipient, // the address/token is bad: dead at once
    auth,              // credentials/config refused: the provider needs an operator
    opted_out,         // the recipient opted out at the provider (SMS STOP): suppressed
};

std::string_view to_string(FailureKind kind);

struct SendResult {
    bool ok = false;
    std::string detail; // receipt id on success, error text on failure (no secrets)
    FailureKind kind = FailureKind::transient; // meaningful when !ok
    std::optional<Millis> retry_after;         // from Retry-After and the like

    static SendResult sent(std::string receipt) {
        return {true, std::move(receipt), FailureKind::transient, std::nullopt};
    }
    static SendResult failed(FailureKind kind, std::string detail,
                             std::optional<Millis> retry_after = std::nullopt) {
        return {false, std::move(detail), kind, retry_after};
    }
};

class Provider {
  public:
    virtual ~Provider() = default;

    // The instance name from the config (e.g. "mail").
    virtual const std::string& name() const = 0;

    // Exactly what send() would transmit for `message` (request body, line, ...); no I/O.
    virtual std::string render(const Message& message) const = 0;

    // Delivers `message`. Never throws for delivery problems: they are classified results.
    virtual SendResult send(const Message& message) = 0;
};

} // namespace notify::providers
