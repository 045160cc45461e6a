#!/bin/sh
# Installs what is missing, builds with AddressSanitizer and UBSan, and runs every test (CTest).
# Idempotent; a second run only rebuilds what changed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --test
dir="$root/build-test"
"$root/scripts/build.sh" "$dir" -DCMAKE_BUILD_TYPE=Debug "-DNOTIFY_SANITIZE=address;undefined" \
  -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$dir"
ctest --output-on-failure -j"$(nproc)" "$@"
