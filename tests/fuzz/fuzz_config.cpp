// Fuzz target: config::load_text, the whole config file parser (YAML, keys, shapes, provider
// blocks, durations, cron digests, regions), on arbitrary text. A notify::Error is the
// expected rejection.
#include "common/config/config.hpp"
#include "common/error.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = notify::fuzz::as_text(data, size);
    // ${file:PATH} reads PATH: /dev/zero or a FIFO would only test the machine.
    for (std::string_view device : {"${file:", "/dev", "/proc", "/sys"}) {
        if (text.find(device) != std::string_view::npos) {
            return 0;
        }
    }
    notify::config::LoadOptions options;
    options.env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "HOME") {
            return "/nonexistent/notify-fuzz/home";
        }
        if (name == "FUZZ_SECRET") {
            return "s3cret";
        }
        return std::nullopt;
    };
    options.system_config_path = "/nonexistent/notify-fuzz/etc/config.yaml";
    try {
        const auto config =
            notify::config::load_text(text, "/nonexistent/notify-fuzz/config.yaml", options);
        notify::config::describe(config);
    } catch (const notify::Error&) {
    }
    return 0;
}
