// The rules of the operator verbs; see operator_verbs.hpp.
#include "common/store/operator_verbs.hpp"

namespace notify::store {

using model::Status;

std::optional<std::string> verb_refusal(Verb verb, Status s) {
    switch (verb) {
    case Verb::cancel:
        if (s == Status::scheduled || s == Status::queued || s == Status::retrying ||
            s == Status::held) {
            return std::nullopt;
        }
        return "cancel applies to scheduled, queued, retrying or held notifications";
    case Verb::hold:
        if (s == Status::scheduled || s == Status::queued || s == Status::retrying) {
            return std::nullopt;
        }
        return "hold applies to scheduled, queued or retrying notifications";
    case Verb::release:
        if (s == Status::held) {
            return std::nullopt;
        }
        return "release applies to held notifications";
    case Verb::retry:
        if (s == Status::sent || s == Status::sending || s == Status::held) {
            return "retry applies to scheduled, queued, retrying, dead, cancelled or "
                   "suppressed notifications" +
                   std::string(s == Status::held ? " (use release)" : "");
        }
        return std::nullopt;
    }
    return std::nullopt;
}

VerbEffect verb_effect(Verb verb, Status status, int attempts, TimePoint due_at, TimePoint now) {
    switch (verb) {
    case Verb::cancel:
        return {"cancelled", "cancelled", "by operator", false, false};
    case Verb::hold:
        return {"held", "held", "by operator", false, false};
    case Verb::release:
        return {attempts > 0 ? "retrying" : (due_at > now ? "scheduled" : "queued"), "released",
                "by operator", false, false};
    case Verb::retry:
        return {"queued", "retry", "operator asked for an attempt now", true,
                model::is_terminal(status)};
    }
    return {};
}

} // namespace notify::store
