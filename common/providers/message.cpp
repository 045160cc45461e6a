// Conversion of stored notifications into provider messages, and failure-kind names.
#include "common/providers/provider.hpp"

namespace notify::providers {

Message message_from(const model::Notification& n) {
    Message m;
    m.id = n.id;
    m.channel = n.channel;
    m.to = n.to;
    m.user = n.user;
    m.template_name = n.template_name;
    m.event_id = n.event_id;
    m.priority = n.priority;
    m.subject = n.subject;
    m.title = n.title;
    m.body = n.body;
    m.data_json = n.data_json;
    m.attempt = n.attempts;
    m.expires_at = n.expires_at;
    return m;
}

std::string sms_text(const Message& message) {
    const std::string head = message.title ? *message.title : message.subject.value_or("");
    const std::string body = message.body.value_or("");
    if (head.empty() || body.empty()) {
        return head + body;
    }
    return head + "\n" + body;
}

std::string_view to_string(FailureKind kind) {
    switch (kind) {
    case FailureKind::transient:
        return "transient";
    case FailureKind::rate_limited:
        return "rate_limited";
    case FailureKind::permanent:
        return "permanent";
    case FailureKind::invalid_recipient:
        return "invalid_recipient";
    case FailureKind::auth:
        return "auth";
    case FailureKind::opted_out:
        return "opted_out";
    }
    return "transient";
}

} // namespace notify::providers
