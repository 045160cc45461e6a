#!/bin/sh
# Configures and builds notify into a build directory (default: build, RelWithDebInfo).
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake -D options...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build"}
[ $# -gt 0 ] && shift
generator=""
if command -v ninja >/dev/null 2>&1; then
  generator="-G Ninja"
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  cmake -S "$root" -B "$dir" $generator "$@" >/dev/null
else
  cmake -S "$root" -B "$dir" "$@" >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
