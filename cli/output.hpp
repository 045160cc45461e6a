// How the CLI prints notifications: the contract's JSON, and plain tab-separated lines.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model/notification.hpp"

namespace notify::cli {

// The contract's JSON object of a notification (CONTRACT.md "JSON of a notification").
nlohmann::ordered_json notification_json(const model::Notification& n);

// notification_json plus attempts_log and events, for `show --json`.
nlohmann::ordered_json detail_json(const model::NotificationDetail& d);

// One plain line: id, status, channel, to, due_at, attempts, last_error ("-" if none),
// separated by tabs; tabs and newlines inside fields become spaces.
std::string plain_line(const model::Notification& n);

// The header matching plain_line, for terminals.
std::string plain_header();

// Prints `rows` as an aligned table (terminal) or tab-separated lines (pipe).
void print_rows(std::ostream& out, const std::vector<model::Notification>& rows, bool tty);

// Prints JSON followed by a newline.
void print_json(std::ostream& out, const nlohmann::ordered_json& j);

} // namespace notify::cli
