// Fuzz target: providers::classify_fcm_response, FCM's answer to messages:send.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/fcm_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_fcm_response(response, "https://fcm.googleapis.com/v1/projects/p/messages:send",
                          notify::fuzz::fixed_now());
    return 0;
}
