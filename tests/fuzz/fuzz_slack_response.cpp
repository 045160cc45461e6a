// Fuzz target: providers::classify_slack_response, Slack's answer to an incoming-webhook POST.
// Input: an HTTP response as text (see notify::fuzz::http_response).
#include "common/providers/slack_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    const HttpResponse response = notify::fuzz::http_response(notify::fuzz::as_text(data, size));
    classify_slack_response(response, response.body.size() % 2 == 0, notify::fuzz::fixed_now());
    return 0;
}
