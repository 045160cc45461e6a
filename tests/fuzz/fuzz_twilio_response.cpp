// Fuzz target: providers::classify_twilio_response, Twilio's answer to a Messages POST.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/twilio_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_twilio_response(response, notify::fuzz::fixed_now());
    return 0;
}
