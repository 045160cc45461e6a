// Fuzz target: providers::collect_smtp_replies and classify_smtp_result, the SMTP server's
// reply lines and the classification of a transaction. Input: the first line is
// "<curl code index> <last reply code> <curl's error text>", the rest what the server sent,
// handed over in two pieces as curl's debug callback would.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "common/providers/smtp_provider.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace notify::providers;
    static constexpr std::array<CURLcode, 14> k_codes{
        CURLE_OK,
        CURLE_LOGIN_DENIED,
        CURLE_USE_SSL_FAILED,
        CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_CACERT_BADFILE,
        CURLE_SSL_CERTPROBLEM,
        CURLE_UNSUPPORTED_PROTOCOL,
        CURLE_URL_MALFORMAT,
        CURLE_WEIRD_SERVER_REPLY,
        CURLE_SEND_ERROR,
        CURLE_RECV_ERROR,
        CURLE_OPERATION_TIMEDOUT,
        CURLE_COULDNT_CONNECT,
        CURLE_SEND_FAIL_REWIND,
    };
    std::string_view text = notify::fuzz::as_text(data, size);
    std::string_view first = notify::fuzz::take_line(text);
    const auto index = static_cast<unsigned long long>(notify::fuzz::leading_number(first));
    first.remove_prefix(std::min(first.size(), first.find(' ') + 1));
    const long code = static_cast<long>(notify::fuzz::leading_number(first));
    first.remove_prefix(std::min(first.size(), first.find(' ') + 1));
    const CURLcode rc = k_codes[index % k_codes.size()];
    const std::string what = first.empty() ? curl_easy_strerror(rc) : std::string(first);
    std::vector<std::string> replies;
    collect_smtp_replies(text.substr(0, text.size() / 2), replies);
    collect_smtp_replies(text.substr(text.size() / 2), replies);
    classify_smtp_result(rc, code, what, replies, "1.2@notify", "mail");
    return 0;
}
