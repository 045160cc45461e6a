#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang (build-fuzz/, -DNOTIFY_FUZZ=ON) and
# runs each for SECONDS_PER_TARGET (default 60) on a scratch copy of its committed corpus
# (tests/fuzz/corpus/<name>/) plus its dictionary (tests/fuzz/<name>.dict) if there is one.
# Installs clang and libFuzzer's runtime (libclang-rt-14-dev) when missing.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   e.g. scripts/fuzz.sh 300 cron config
# Exit 0 when no target found anything; 1 otherwise. Crashing inputs and logs are kept in
# build-fuzz/findings/<name>/; to keep one, fix the cause, add a unit test and copy the input
# into the corpus.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
dir="$root/build-fuzz"

"$root/scripts/deps.sh"
fuzzer_rt=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -n1 || true)
if ! command -v clang++ >/dev/null 2>&1 || [ -z "$fuzzer_rt" ]; then
  echo "fuzz: installing clang libclang-rt-14-dev" >&2
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "fuzz: need root to install clang libclang-rt-14-dev" >&2; exit 1
    fi
  else
    SUDO=
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev
fi

generator=""
if command -v ninja >/dev/null 2>&1; then
  generator="-G Ninja"
fi
if [ ! -f "$dir/CMakeCache.txt" ]; then
  # shellcheck disable=SC2086
  CC=clang CXX=clang++ cmake -S "$root" -B "$dir" $generator -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNOTIFY_FUZZ=ON -DNOTIFY_TESTS=OFF -DNOTIFY_WERROR=ON >/dev/null
fi

if [ $# -gt 0 ]; then
  names="$*"
else
  names=$(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/^fuzz_//; s/\.cpp$//')
fi
targets=""
for name in $names; do
  targets="$targets fuzz_$name"
done
# shellcheck disable=SC2086
cmake --build "$dir" -j"$(nproc)" --target $targets

failed=""
for name in $names; do
  work="$dir/findings/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  cp "$root/tests/fuzz/corpus/$name/"* "$work/corpus/" 2>/dev/null || true
  dict=""
  if [ -f "$root/tests/fuzz/$name.dict" ]; then
    dict="-dict=$root/tests/fuzz/$name.dict"
  fi
  echo "fuzz: $name for ${seconds}s" >&2
  # -timeout: one input taking longer is a finding (a hang); -rss_limit_mb likewise for memory.
  # shellcheck disable=SC2086
  if (cd "$work" && TZ=UTC "$dir/tests/fuzz/fuzz_$name" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 $dict \
        -artifact_prefix="$work/" corpus >"$work/log" 2>&1); then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
    echo "fuzz: $name: $runs runs ($rate/s), nothing found" >&2
  else
    echo "fuzz: $name: FOUND something, see $work/log and $work/crash-* | timeout-* | oom-*" >&2
    tail -n 40 "$work/log" >&2
    failed="$failed $name"
  fi
done

if [ -n "$failed" ]; then
  echo "fuzz: findings in:$failed" >&2
  exit 1
fi
echo "fuzz: no findings" >&2
