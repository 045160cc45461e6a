// How the CLI prints notifications: the contract's JSON, and the table of `ls`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/table.hpp"
#include "common/model/notification.hpp"

namespace notify::cli {

// The contract's JSON object of a notification (CONTRACT.md "JSON of a notification").
nlohmann::ordered_json notification_json(const model::Notification& n);

// notification_json plus attempts_log and events, for `show --json`.
nlohmann::ordered_json detail_json(const model::NotificationDetail& d);

// The table of `ls`: ID STATUS CHANNEL TO DUE ATTEMPTS LAST_ERROR ("-" if none); tabs and
// newlines inside fields become spaces.
Table notifications_table(const std::vector<model::Notification>& rows);

// Prints JSON followed by a newline.
void print_json(std::ostream& out, const nlohmann::ordered_json& j);

// Prints the records of a listing: as one JSON array (--json), or with `lines` (--jsonl) each
// element as one compact JSON object a line.
void print_json_records(std::ostream& out, const nlohmann::ordered_json& array, bool lines);

} // namespace notify::cli
