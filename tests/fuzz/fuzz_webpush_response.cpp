// Fuzz target: providers::classify_webpush_response, a push service's answer.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/webpush_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_webpush_response(response, "https://updates.push.services.mozilla.com",
                              notify::fuzz::fixed_now());
    return 0;
}
