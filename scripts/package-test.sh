#!/bin/sh
# Builds the .deb from a Release build installed to /usr (build-deb/), installs it with dpkg -i,
# checks the installed notify as the notify user, as a member of group notify (who shares the
# daemon's store) and as a user outside it (refused), then removes and purges the package. For CI as root on a throwaway machine: it
# adds two users (notify-member, notify-outsider) and removes them again.
# Usage: scripts/package-test.sh [BUILD_DIR]   (default: build-deb, a Release build made here)
# A BUILD_DIR already configured with CMAKE_INSTALL_PREFIX=/usr (scripts/test.sh's plain build)
# is packaged as it is, without configuring it again.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-"$root/build-deb"}

if [ "$(id -u)" -ne 0 ]; then
    echo "package-test: must run as root (dpkg -i, useradd)" >&2
    exit 1
fi
if dpkg-query -W -f='${Status}' notify 2>/dev/null | grep -q "install ok installed"; then
    echo "package-test: a notify package is already installed; refusing to replace it" >&2
    exit 1
fi
"$root/scripts/deps.sh" --test
if grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$dir/CMakeCache.txt" 2>/dev/null; then
    cmake --build "$dir"
else
    "$root/scripts/build.sh" "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DNOTIFY_TESTS=OFF
fi
rm -f "$dir"/notify_*.deb
(cd "$dir" && cpack -G DEB >/dev/null)
deb=$(ls "$dir"/notify_*.deb)
echo "package-test: built $deb"

fail() {
    echo "package-test: FAIL: $*" >&2
    exit 1
}
cleanup() {
    userdel -r notify-member 2>/dev/null || true
    userdel -r notify-outsider 2>/dev/null || true
    if dpkg-query -W -f='${Status}' notify 2>/dev/null | grep -q "installed"; then
        dpkg -P notify >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

dpkg -i "$deb" || fail "dpkg -i"
getent passwd notify >/dev/null || fail "postinst did not create user notify"
getent group notify >/dev/null || fail "postinst did not create group notify"
[ "$(stat -c '%U:%G %a' /var/lib/notify)" = "notify:notify 2770" ] ||
    fail "/var/lib/notify is $(stat -c '%U:%G %a' /var/lib/notify), not notify:notify 2770"
dpkg-query -W -f='${Conffiles}\n' notify | grep -q "/etc/notify/config.yaml" ||
    fail "/etc/notify/config.yaml is not a conffile"
[ -f /usr/lib/systemd/system/notifyd.service ] || fail "no notifyd.service"
notify --version | grep -q "^notify " || fail "notify --version"
notify --config /etc/notify/config.yaml config check >/dev/null ||
    fail "notify config check on /etc/notify/config.yaml"

useradd --create-home --groups notify notify-member
useradd --create-home notify-outsider
db=/var/lib/notify/notify.db
as() {
    user=$1
    shift
    runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$(getent passwd "$user" | cut -d: -f6)" \
        "$@"
}

# The daemon's user owns the store; it enqueues and delivers as notifyd.service would.
id=$(as notify notify --db "$db" send --channel email --to ops@example.com --body "package test") ||
    fail "notify send as user notify"
as notify notifyd --config /etc/notify/config.yaml --db "$db" --once 2>/dev/null ||
    fail "notifyd --once as user notify"
as notify notify --db "$db" show "$id" | grep -q sent || fail "notification $id not sent"
grep -q "package test" /var/lib/notify/delivered.jsonl || fail "nothing in delivered.jsonl"
[ "$(stat -c '%a %G' "$db")" = "660 notify" ] ||
    fail "store mode and group $(stat -c '%a %G' "$db"), not 660 notify"

# Everyone may run notify on a store of their own, with the shipped templates and completions.
for user in notify-member notify-outsider; do
    as "$user" notify template ls | grep -q "^welcome" || fail "template ls as $user"
    as "$user" sh -c 'notify --db "$HOME/own.db" send --channel email --to a@example.com --body x' \
        >/dev/null || fail "send to a store of its own as $user"
    as "$user" bash -c '. /usr/share/bash-completion/completions/notify &&
        COMP_WORDS=(notify sch) COMP_CWORD=1 && _notify && [ "${COMPREPLY[*]}" = schedule ]' ||
        fail "bash completion as $user"
done

# Without --db a user with no config of their own gets /etc/notify/config.yaml, so the shared
# store: a member of group notify enqueues and lists there, notifyd delivers it; anyone else is
# refused with exit 74 and a hint naming the group.
for user in notify-member notify-outsider; do
    as "$user" notify config show | grep -q "$db" || fail "$user does not get store.path $db"
done
mid=$(as notify-member notify send --channel email --to a@example.com --body "from a member") ||
    fail "notify send to $db as notify-member"
as notify-member notify ls | cut -f1 | grep -qx "$mid" || fail "notify ls as notify-member misses $mid"
as notify notifyd --config /etc/notify/config.yaml --db "$db" --once 2>/dev/null ||
    fail "notifyd --once after a member's send"
as notify-member notify show "$mid" | grep -q sent || fail "the member's $mid was not sent"
for f in "$db" "$db-wal" "$db-shm"; do
    [ ! -e "$f" ] || [ "$(stat -c '%G' "$f")" = notify ] || fail "$f is not group notify"
done
code=0
err=$(as notify-outsider notify send --channel email --to a@example.com --body x 2>&1) || code=$?
[ "$code" -eq 74 ] || fail "notify send to $db as notify-outsider exited $code, expected 74"
echo "$err" | grep -q "members of group notify" || fail "no group hint for the outsider: $err"
code=0
as notify-outsider notify --db "$db" ls >/dev/null 2>&1 || code=$?
[ "$code" -eq 74 ] || fail "notify ls on $db as notify-outsider exited $code, expected 74"

dpkg -r notify >/dev/null || fail "dpkg -r"
[ ! -e /usr/bin/notify ] || fail "/usr/bin/notify left after dpkg -r"
[ -f /etc/notify/config.yaml ] || fail "dpkg -r removed the conffile"
dpkg -P notify >/dev/null || fail "dpkg -P"
[ ! -e /etc/notify/config.yaml ] || fail "dpkg -P left /etc/notify/config.yaml"
echo "package-test: ok"
