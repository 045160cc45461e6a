#!/bin/sh
# Installs what is missing, builds with AddressSanitizer and UBSan and runs every test (CTest)
# but the reliability suite; then builds the plain (RelWithDebInfo) binaries and runs the
# full-volume concurrency test and the small form of the reliability suite on them, since
# sanitized processes start too slowly for thousands of sends (scripts/reliability.sh runs its
# full form).
# Idempotent; a second run only rebuilds what changed. Extra arguments go to the first ctest.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --test

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

sanitized="$root/build-test"
"$root/scripts/build.sh" "$sanitized" -DCMAKE_BUILD_TYPE=Debug "-DNOTIFY_SANITIZE=address;undefined" \
  -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
(cd "$sanitized" && ctest --output-on-failure -j"$(nproc)" -E '^reliability\.' "$@")

plain="$root/build"
"$root/scripts/build.sh" "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
(cd "$plain" && ctest --output-on-failure -R '^(e2e\.test_concurrency|reliability\..*)$')
