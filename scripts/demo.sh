#!/bin/sh
# The main job on the embedded defaults: builds notify, then in a throwaway HOME enqueues a few
# notifications (one scheduled a few seconds ahead, one sent twice with the same --event-id),
# runs notifyd until they are delivered, and shows the queue and the delivered file.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$root/build" -DNOTIFY_TESTS=OFF

notify="$root/build/cli/notify"
notifyd="$root/build/daemon/notifyd"
home=$(mktemp -d /tmp/notify-demo.XXXXXX)
export HOME="$home"
unset XDG_CONFIG_HOME XDG_DATA_HOME NOTIFY_CONFIG NOTIFY_DB
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "demo home: $home (no config file: built-in defaults)"
run "$notify" config check

say "enqueue"
run "$notify" send --channel email --to ops@example.com --subject "Backup finished" \
  --body "nightly backup of db1 took 4m12s"
run "$notify" send --channel sms --to "+1 415 555 0123" --body "disk /var is 91% full" \
  --priority high
run "$notify" send --channel push --to a1b2c3d4e5f60718 --title "Order shipped" \
  --body "Your order 1042 is on its way" --in 5s
run "$notify" send --channel email --to alice@example.com --subject "Invoice" \
  --body "Invoice 2026-11 is ready" --event-id invoice-2026-11-alice
echo "(the same --event-id again prints the existing id and enqueues nothing)"
run "$notify" send --channel email --to alice@example.com --subject "Invoice" \
  --body "Invoice 2026-11 is ready" --event-id invoice-2026-11-alice
run "$notify" ls

say "run notifyd until everything is delivered"
"$notifyd" &
daemon_pid=$!
i=0
while :; do
  pending=$("$notify" ls --status scheduled 2>/dev/null | wc -l)
  pending=$((pending + $("$notify" ls --status queued 2>/dev/null | wc -l)))
  pending=$((pending + $("$notify" ls --status sending 2>/dev/null | wc -l)))
  [ "$pending" -eq 0 ] && break
  i=$((i + 1))
  if [ "$i" -gt 300 ]; then echo "demo: not delivered after 30s" >&2; exit 1; fi
  sleep 0.1
done
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""

say "result"
run "$notify" ls
run "$notify" stats
run "$notify" show 3
say "delivered file ($home/.local/share/notify/delivered.jsonl)"
cat "$home/.local/share/notify/delivered.jsonl"
