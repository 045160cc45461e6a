// Fuzz target: providers::classify_sendgrid_response, SendGrid's answer to mail/send.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/sendgrid_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_sendgrid_response(response, "mail", notify::fuzz::fixed_now());
    return 0;
}
