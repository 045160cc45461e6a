// Who may use a store: its owner alone (mode 0600, the default), or a group when the store's
// directory is shared with one (the system-wide store of the package, /var/lib/notify).
#pragma once

#include <string>

#include <sys/types.h>

namespace notify::store {

// The mode of a file notify creates in `dir` (the store, its lock): 0660 when `dir` is
// group-writable and setgid, so that every new file there belongs to the directory's group;
// 0600 otherwise.
mode_t file_mode_in(const std::string& dir);

// A hint for a store `path` this user may not open: when the store (or the first directory
// on its way that exists) belongs to a group this user is not in, names that group and how
// to join it. Empty when that is not the cause.
std::string group_access_hint(const std::string& path);

} // namespace notify::store
