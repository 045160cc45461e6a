#!/bin/sh
# Installs what is missing, builds with AddressSanitizer and UBSan and runs every test (CTest);
# then builds the plain (RelWithDebInfo) binaries and runs the full-volume concurrency test
# on them, since sanitized processes start too slowly for 4000 sends.
# Idempotent; a second run only rebuilds what changed. Extra arguments go to the first ctest.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --test

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

sanitized="$root/build-test"
"$root/scripts/build.sh" "$sanitized" -DCMAKE_BUILD_TYPE=Debug "-DNOTIFY_SANITIZE=address;undefined" \
  -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
(cd "$sanitized" && ctest --output-on-failure -j"$(nproc)" "$@")

plain="$root/build"
"$root/scripts/build.sh" "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
(cd "$plain" && ctest --output-on-failure -R '^e2e\.test_concurrency$')
