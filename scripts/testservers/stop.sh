#!/usr/bin/env bash
# Stops the test servers started by start.sh. The state folder (certificates, mail) is kept.
set -uo pipefail
dir=${APPVAULT_TEST_SERVERS_DIR:-${TMPDIR:-/tmp}/appvault-testservers}
[ -d "$dir" ] || exit 0
stop_pid() {
    [ -s "$1" ] || return 0
    local pid; pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1"
}
stop_pid "$dir/smtp.pid"
stop_pid "$dir/fakes.pid"
stop_pid "$dir/run/master.pid"
echo "stopped test servers in $dir"
