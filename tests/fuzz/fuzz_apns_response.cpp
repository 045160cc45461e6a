// Fuzz target: providers::classify_apns_response, APNs' answer to a push.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/apns_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_apns_response(response, "https://api.push.apple.com", "production",
                           notify::fuzz::fixed_now());
    return 0;
}
