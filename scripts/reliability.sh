#!/bin/sh
# Runs the full form of the reliability suite (tests/reliability, issue #9) on the plain
# (RelWithDebInfo) binaries: 20 SIGKILLs while 20,000 notifications are dispatched, 8 writers x
# 5,000 sends under an operator loop, the disk-full and damaged-store tests (the disk-full one
# needs root to mount a tmpfs) and the secrets audit. CI runs the same tests in their small
# form (scripts/test.sh). Takes tens of minutes; prints each test's timings.
# Usage: scripts/reliability.sh [BUILD_DIR] [extra ctest arguments, e.g. -R crash]
# Sizes can be overridden one by one: NOTIFY_REL_CRASH_KILLS, NOTIFY_REL_CRASH_NOTIFICATIONS,
# NOTIFY_REL_WRITERS, NOTIFY_REL_SENDS_PER_WRITER; NOTIFY_REL_SEED replays the kill moments.
# Idempotent; a second run only rebuilds what changed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --test

dir=${1:-"$root/build"}
[ $# -gt 0 ] && shift
"$root/scripts/build.sh" "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
export NOTIFY_REL_SCALE=full
(cd "$dir" && ctest --output-on-failure -V -L '^reliability$' "$@")
