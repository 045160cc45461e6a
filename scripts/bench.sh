#!/bin/sh
# Builds notify in Release with the benchmark helpers (build-bench/) and runs the benchmarks of
# tests/bench/run.py; the figures go to build-bench/bench-results.json. See BENCHMARKS.md.
# Usage: scripts/bench.sh [run.py options: --only enqueue,import --quick --concurrency 4,16]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" --bench
build="$root/build-bench"
"$root/scripts/build.sh" "$build" -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DNOTIFY_TESTS=OFF -DNOTIFY_BENCH=ON
exec /usr/bin/python3 "$root/tests/bench/run.py" --build "$build" \
  --out "$build/bench-results.json" "$@"
