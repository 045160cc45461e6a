// Fuzz target: providers::classify_http and parse_retry_after, the generic HTTP classification.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/http_client.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_http(response, "http", notify::fuzz::fixed_now());
    if (auto it = response.headers.find("retry-after"); it != response.headers.end()) {
        parse_retry_after(it->second, notify::fuzz::fixed_now());
    };
    return 0;
}
