// "Did you mean" suggestions by edit distance.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notify::text {

// Returns the Damerau-Levenshtein (optimal string alignment) distance between `a` and `b`.
int edit_distance(std::string_view a, std::string_view b);

// Returns the candidate closest to `word` if its distance is at most max(1, size/3)
// (so "retires" -> "retries", "emial" -> "email"), ties broken by candidate order;
// nullopt if none is that close.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

} // namespace notify::text
