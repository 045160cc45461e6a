#!/bin/sh
# Installs what is missing, builds with AddressSanitizer and UBSan and runs every test (CTest)
# but the reliability suite; then builds the plain (RelWithDebInfo) binaries and runs the
# full-volume concurrency test and the small form of the reliability suite on them, since
# sanitized processes start too slowly for thousands of sends (scripts/reliability.sh runs its
# full form); as root, ends with scripts/package-test.sh on the plain build (the .deb).
# Idempotent; a second run only rebuilds what changed. Extra arguments go to the first ctest.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --test

export ASAN_OPTIONS=detect_leaks=1
export LSAN_OPTIONS="suppressions=$root/tests/lsan-suppressions.txt"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

sanitized="$root/build-test"
"$root/scripts/build.sh" "$sanitized" -DCMAKE_BUILD_TYPE=Debug "-DNOTIFY_SANITIZE=address;undefined" \
  -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON
(cd "$sanitized" && ctest --output-on-failure -j"$(nproc)" -E '^reliability\.' "$@")

plain="$root/build"
"$root/scripts/build.sh" "$plain" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOTIFY_WERROR=ON -DNOTIFY_TESTS=ON \
  -DCMAKE_INSTALL_PREFIX=/usr
(cd "$plain" && ctest --output-on-failure -R '^(e2e\.test_concurrency|reliability\..*)$')

# Last, as root only (CI's throwaway machine): the plain build packaged as a .deb, installed with
# dpkg -i, used as a member and a non-member of group notify, removed and purged.
if [ "$(id -u)" -ne 0 ]; then
  echo "test: package test skipped: it needs root (dpkg -i, useradd)" >&2
elif dpkg-query -W -f='${Status}' notify 2>/dev/null | grep -q "install ok installed"; then
  echo "test: package test skipped: a notify package is installed on this machine" >&2
else
  "$root/scripts/package-test.sh" "$plain"
fi
