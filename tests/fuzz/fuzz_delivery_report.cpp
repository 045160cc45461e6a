// Fuzz target: the delivery reports notifyd accepts from the internet: SendGrid's event
// webhook body (observe::sendgrid_reports) and Twilio's status callback form
// (providers::form_decode, then observe::twilio_report), both on the same input.
#include <map>

#include "common/observe/delivery_report.hpp"
#include "common/providers/form_encoding.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = notify::fuzz::as_text(data, size);
    notify::observe::sendgrid_reports(text);
    std::map<std::string, std::string> form;
    for (auto& field : notify::providers::form_decode(text)) {
        form[field.name] = std::move(field.value);
    }
    notify::observe::twilio_report(form);
    return 0;
}
