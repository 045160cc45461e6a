// What the job store interface builds on its virtual members.
#include "common/store/job_store.hpp"

namespace notify::store {

std::vector<EnqueueResult> JobStore::enqueue_all(const std::vector<EnqueueRequest>& requests,
                                                 TimePoint now) {
    auto batch = begin_enqueue(now);
    std::vector<EnqueueResult> results;
    results.reserve(requests.size());
    for (const EnqueueRequest& request : requests) {
        results.push_back(batch->add(request));
    }
    batch->commit();
    return results;
}

} // namespace notify::store
