// The buckets of the queue shape (notify stats), shared by every store.
#include "common/store/job_store.hpp"

namespace notify::store {

const std::vector<Millis>& age_bucket_edges() {
    static const std::vector<Millis> k_edges = [] {
        std::vector<Millis> edges;
        for (long long minutes : {1, 2, 4, 8, 16, 32, 60, 120, 240, 480, 960}) {
            edges.emplace_back(minutes * 60'000);
        }
        return edges;
    }();
    return k_edges;
}

} // namespace notify::store
