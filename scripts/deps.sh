#!/bin/sh
# Installs the Debian 12 packages notify needs to build (and with --test to test, with --bench
# to run the benchmarks), if any are missing.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -eu

build_pkgs="build-essential cmake pkg-config ninja-build tzdata ca-certificates \
libcli11-dev libyaml-cpp-dev libcurl4-openssl-dev libssl-dev libjwt-dev libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev \
libgtest-dev libgmock-dev nlohmann-json3-dev libhowardhinnant-date-dev libsystemd-dev groff-base libkainjow-mustache-dev \
libphonenumber-dev libprotobuf-dev libcpp-httplib-dev libpqxx-dev libpq-dev"
test_pkgs="python3 clang-format python3-aiosmtpd python3-h2 python3-cryptography python3-prometheus-client openssl \
mount zsh fish bash-completion dpkg-dev file systemd adduser postgresql"

bench_pkgs="python3 sqlite3 wrk postgresql"

want="$build_pkgs"
case "${1:-}" in
  --test) want="$build_pkgs $test_pkgs" ;;
  --bench) want="$build_pkgs $bench_pkgs" ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "deps: need root to install:$missing" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
