#!/bin/sh
# The main job on the embedded defaults: builds notify, then in a throwaway HOME enqueues a few
# notifications (one scheduled a few seconds ahead, one sent twice with the same --event-id),
# adds a cron schedule, runs notifyd until they are delivered and the schedule has fired, then
# shows a retry through a provider that fails once, the queue and the delivered file.
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

say "users: a template to every channel of a user, in their language, respecting opt-outs"
run "$notify" user add alice --email alice@example.com --phone "+49 151 23456789" --locale de \
  --tz Europe/Berlin
run "$notify" device add alice --platform ios \
  --token 0f3c9a8b7c6d5e4f0f3c9a8b7c6d5e4f0f3c9a8b7c6d5e4f0f3c9a8b7c6d5e4f
run "$notify" prefs set alice --channel sms --opt-out
run "$notify" send --user alice --template order-shipped --data-json \
  '{"name": "Alice", "order_id": "A-17", "carrier": "DHL", "tracking_url": "https://track.example.com/A-17"}'
run "$notify" ls --user alice

say "a cron schedule: every minute, in the host's zone"
run "$notify" schedule add heartbeat --cron '* * * * *' --channel webhook \
  --to https://hooks.example.com/heartbeat --body "still alive"
run "$notify" schedule next heartbeat -n 3

say "run notifyd until everything is delivered and the schedule has fired (up to a minute)"
"$notifyd" &
daemon_pid=$!
wait_until() { # wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s
  limit=$1; shift
  i=0
  until "$@"; do
    i=$((i + 1))
    if [ "$i" -gt $((limit * 5)) ]; then echo "demo: timed out waiting for: $*" >&2; exit 1; fi
    sleep 0.2
  done
}
nothing_pending() {
  [ -z "$("$notify" ls --status scheduled 2>/dev/null)" ] &&
    [ -z "$("$notify" ls --status queued 2>/dev/null)" ] &&
    [ -z "$("$notify" ls --status sending 2>/dev/null)" ]
}
schedule_fired() { "$notify" ls --channel webhook >/dev/null 2>&1; }
wait_until 30 nothing_pending
wait_until 75 schedule_fired
wait_until 30 nothing_pending
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""

say "retries: a provider that fails once (an exec plugin), then succeeds"
mkdir -p "$home/.config/notify"
cat > "$home/flaky-pager.sh" <<'PLUGIN'
#!/bin/sh
# An exec provider plugin: the message arrives as JSON on stdin.
# Exit 75 = temporary failure (retry later), 0 = sent.
cat > /dev/null
if [ ! -e "$HOME/pager.ok" ]; then touch "$HOME/pager.ok"; echo "pager gateway busy" >&2; exit 75; fi
echo '{"id": "page-1", "detail": "paged"}'
PLUGIN
chmod +x "$home/flaky-pager.sh"
cat > "$home/.config/notify/config.yaml" <<CONFIG
providers:
  pager:
    type: exec
    command: [$home/flaky-pager.sh]
    timeout: 5s
channels:
  email: [file]
  pager: [pager]
delivery:
  retry_base: 2s      # the default is 30s; short for the demo
CONFIG
run "$notify" config check
run "$notify" send --channel pager --to oncall --body "db1 replication lag 120s" --priority high
"$notifyd" &
daemon_pid=$!
pager_sent() { "$notify" ls --status sent --channel pager >/dev/null 2>&1; }
wait_until 30 pager_sent
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=""
pager_id=$("$notify" ls --channel pager | cut -f1)
run "$notify" show "$pager_id"

say "result"
run "$notify" ls
run "$notify" stats --shape
run "$notify" show 3
run "$notify" events --type suppressed
say "delivered file ($home/.local/share/notify/delivered.jsonl)"
cat "$home/.local/share/notify/delivered.jsonl"
