// The receiving end of benchmarks 3, 4 and 6: an HTTP/1.1 server on 127.0.0.1 that answers
// every POST with 200 at once and remembers, per notification, when it arrived.
//   http_sink PORT [THREADS]
// POST /any/path     -> 200 "ok"; the body's "id" (notify's webhook JSON) is counted
// GET  /count        -> "<requests> <unique ids>"
// GET  /arrivals     -> one "<id> <unix ms>" line per unique id, first arrival
// GET  /reset        -> forgets everything
// Speed: see BENCHMARKS.md (measured with wrk in the same run).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include <httplib.h>

namespace {

// The value of "id" in a JSON body, without parsing the rest: {"id": 123, ...}.
long long body_id(const std::string& body) {
    auto key = body.find("\"id\"");
    if (key == std::string::npos) {
        return -1;
    }
    auto colon = body.find(':', key);
    if (colon == std::string::npos) {
        return -1;
    }
    return std::strtoll(body.c_str() + colon + 1, nullptr, 10);
}

long long now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: http_sink PORT [THREADS]\n");
        return 64;
    }
    const int port = std::atoi(argv[1]);
    const int threads = argc > 2 ? std::atoi(argv[2]) : 8;
    std::mutex mutex;
    long long requests = 0;
    std::unordered_map<long long, long long> first_arrival;

    httplib::Server server;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(1000000);
    server.set_tcp_nodelay(true); // else Nagle and delayed ACKs hold each reply ~40 ms
    server.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
        const long long id = body_id(req.body);
        const long long at = now_ms();
        {
            std::lock_guard lock(mutex);
            ++requests;
            if (id >= 0) {
                first_arrival.emplace(id, at);
            }
        }
        res.set_content("ok", "text/plain");
    });
    server.Get("/count", [&](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex);
        res.set_content(std::to_string(requests) + " " + std::to_string(first_arrival.size()),
                        "text/plain");
    });
    server.Get("/arrivals", [&](const httplib::Request&, httplib::Response& res) {
        std::string out;
        std::lock_guard lock(mutex);
        for (const auto& [id, at] : first_arrival) {
            out += std::to_string(id) + " " + std::to_string(at) + "\n";
        }
        res.set_content(out, "text/plain");
    });
    server.Get("/reset", [&](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex);
        requests = 0;
        first_arrival.clear();
        res.set_content("ok", "text/plain");
    });
    if (!server.listen("127.0.0.1", port)) {
        std::fprintf(stderr, "http_sink: cannot listen on 127.0.0.1:%d\n", port);
        return 69;
    }
    return 0;
}
