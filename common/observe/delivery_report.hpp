// Delivery reports that providers post back after accepting a message: Twilio's
// StatusCallback (a signed form) and SendGrid's Event Webhook (a signed JSON array). Each
// becomes an event on the notification whose attempt stored the provider's message id.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/schedule/clock.hpp"

namespace notify::observe {

struct DeliveryReport {
    std::string receipt; // the provider's message id, as stored on the sent attempt
    std::string type;    // delivered, failed, opened, clicked
    std::string detail;  // e.g. "twilio: undelivered (error 30003)"
    std::optional<TimePoint> at;
};

// Twilio's status callback form: MessageSid, MessageStatus, ErrorCode. delivered ->
// delivered; undelivered and failed -> failed; other statuses (queued, sent, ...) say nothing
// new: nullopt.
std::optional<DeliveryReport> twilio_report(const std::map<std::string, std::string>& form);

// X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + each form key and value, keys
// sorted)), `url` being the full URL Twilio requested.
std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             const std::map<std::string, std::string>& form);
bool twilio_signature_valid(const std::string& auth_token, const std::string& url,
                            const std::map<std::string, std::string>& form,
                            std::string_view signature);

// SendGrid's event webhook body. delivered -> delivered; bounce, dropped -> failed; open ->
// opened; click -> clicked (the URL in the detail); other events are skipped. The receipt is
// sg_message_id up to its first '.', which is the X-Message-Id of the send; `at` is the
// event's `timestamp` (unix seconds) when it is one from 1970 to 9999. Fails on a body that is
// not a JSON array of objects.
Expected<std::vector<DeliveryReport>> sendgrid_reports(std::string_view body);

// The Signed Event Webhook: an ECDSA P-256 SHA-256 signature (base64 DER, header
// X-Twilio-Email-Event-Webhook-Signature) over timestamp + body (header
// X-Twilio-Email-Event-Webhook-Timestamp), checked with the verification key SendGrid shows
// (base64 DER SubjectPublicKeyInfo). Fails when the key itself is unusable.
Expected<bool> sendgrid_signature_valid(const std::string& verification_key,
                                        std::string_view timestamp, std::string_view body,
                                        std::string_view signature);

} // namespace notify::observe
