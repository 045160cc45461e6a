#include "common/observe/delivery_report.hpp"

#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include "common/providers/jwt_signer.hpp"

namespace notify::observe {

namespace {

// Standard base64 (with + / and padding) by way of the base64url helpers.
std::string base64_encode(std::string_view bytes) {
    std::string text = providers::base64url_encode(bytes);
    for (char& c : text) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (text.size() % 4 != 0) {
        text += '=';
    }
    return text;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string url(text);
    for (char& c : url) {
        if (c == '+' || c == '-') {
            c = c == '+' ? '-' : '+'; // '-' is not standard base64: make it fail below
        } else if (c == '/') {
            c = '_';
        }
    }
    if (url.find('+') != std::string::npos) {
        return std::nullopt;
    }
    return providers::base64url_decode(url);
}

std::string text_of(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

} // namespace

std::optional<DeliveryReport> twilio_report(const std::map<std::string, std::string>& form) {
    auto sid = form.find("MessageSid");
    auto status = form.find("MessageStatus");
    if (sid == form.end() || status == form.end() || sid->second.empty()) {
        return std::nullopt;
    }
    DeliveryReport report;
    report.receipt = sid->second;
    if (status->second == "delivered") {
        report.type = "delivered";
        report.detail = "twilio: delivered";
    } else if (status->second == "undelivered" || status->second == "failed") {
        report.type = "failed";
        report.detail = "twilio: " + status->second;
        if (auto code = form.find("ErrorCode"); code != form.end() && !code->second.empty()) {
            report.detail += " (error " + code->second + ")";
        }
    } else {
        return std::nullopt;
    }
    return report;
}

std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             const std::map<std::string, std::string>& form) {
    std::string data = url;
    for (const auto& [key, value] : form) { // std::map: sorted by key
        data += key;
        data += value;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
    return base64_encode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

bool twilio_signature_valid(const std::string& auth_token, const std::string& url,
                            const std::map<std::string, std::string>& form,
                            std::string_view signature) {
    const std::string expected = twilio_signature(auth_token, url, form);
    return expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

Expected<std::vector<DeliveryReport>> sendgrid_reports(std::string_view body) {
    nlohmann::json events = nlohmann::json::parse(body, nullptr, false);
    if (!events.is_array()) {
        return Unexpected{"expected a JSON array of events"};
    }
    std::vector<DeliveryReport> reports;
    for (const auto& event : events) {
        if (!event.is_object()) {
            return Unexpected{"expected a JSON array of events"};
        }
        const std::string kind = text_of(event, "event");
        std::string receipt = text_of(event, "sg_message_id");
        receipt = receipt.substr(0, receipt.find('.'));
        if (receipt.empty()) {
            continue;
        }
        DeliveryReport report;
        report.receipt = receipt;
        if (kind == "delivered") {
            report.type = "delivered";
            report.detail = "sendgrid: delivered";
        } else if (kind == "bounce" || kind == "dropped") {
            report.type = "failed";
            report.detail = "sendgrid: " + kind;
            if (std::string reason = text_of(event, "reason"); !reason.empty()) {
                report.detail += ": " + reason;
            }
        } else if (kind == "open") {
            report.type = "opened";
            report.detail = "sendgrid: open";
        } else if (kind == "click") {
            report.type = "clicked";
            report.detail = "sendgrid: " + text_of(event, "url");
        } else {
            continue;
        }
        if (auto ts = event.find("timestamp"); ts != event.end() && ts->is_number_integer()) {
            // Unix seconds from 1970 to 9999-12-31; anything else is not a time (and would
            // overflow as milliseconds): the report then has none.
            constexpr long long k_max_unix_seconds = 253'402'300'799;
            const long long seconds = ts->get<long long>();
            if (seconds >= 0 && seconds <= k_max_unix_seconds) {
                report.at = from_unix_ms(seconds * 1000);
            }
        }
        reports.push_back(std::move(report));
    }
    return reports;
}

Expected<bool> sendgrid_signature_valid(const std::string& verification_key,
                                        std::string_view timestamp, std::string_view body,
                                        std::string_view signature) {
    auto der = base64_decode(verification_key);
    if (!der) {
        return Unexpected{"the verification key is not base64"};
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())), EVP_PKEY_free);
    if (!key) {
        return Unexpected{"the verification key is not a DER public key"};
    }
    auto sig = base64_decode(signature);
    if (!sig) {
        return false;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::string signed_data = std::string(timestamp) + std::string(body);
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
        return Unexpected{"the verification key cannot verify ECDSA signatures"};
    }
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                            sig->size(), reinterpret_cast<const unsigned char*>(signed_data.data()),
                            signed_data.size()) == 1;
}

} // namespace notify::observe
