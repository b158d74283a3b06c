#!/usr/bin/env bash
# The main job end to end against local servers: a real Dovecot (IMAP) and an SMTP submission
# server with a test CA, a vault, and the agent serving local IMAP and SMTP endpoints that a
# Python finance script uses with a client token. The app password never leaves the vault's process.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
APPVAULT="$PWD/.build/debug/appvault"
work=$(mktemp -d /tmp/appvault-demo-XXXXXX)
servers=$(scripts/testservers/start.sh) || { echo "could not start the test servers (scripts/testservers/start.sh)" >&2; exit 1; }
eval "$servers"
agent_pid=""; idler_pid=""
cleanup() {
    [ -n "$idler_pid" ] && kill "$idler_pid" 2>/dev/null
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    scripts/testservers/stop.sh >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
offset=$(cat "$APPVAULT_TEST_SERVERS/port-offset" 2>/dev/null || echo 0)
imap_port=$((10143 + offset)); smtp_port=$((10465 + offset))
local_imap=$((11143 + offset)); local_smtp=$((11587 + offset))
client="python3 scripts/demo/statement_client.py"

export APPVAULT_VAULT="$work/vault/vault.db"
export APPVAULT_PASSPHRASE_FILE="$work/passphrase"
export APPVAULT_CA_FILE="$APPVAULT_TEST_SERVERS/ca.pem"
export APPVAULT_AGENT_SOCK="$work/agent/agent.sock"
export APPVAULT_ANCHOR_DIR="$work/anchors"
umask 077
echo "demo passphrase $RANDOM$RANDOM" > "$APPVAULT_PASSPHRASE_FILE"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "appvault init"
"$APPVAULT" init --kdf interactive

step "appvault add demo --verify: the app password logs in over IMAP and SMTP before it is stored"
scripts/testservers/issue-password.sh demo@example.test | "$APPVAULT" add demo --provider custom --email demo@example.test \
    --imap "localhost:$imap_port:starttls" --smtp "localhost:$smtp_port:tls" --verify

step "appvault list: metadata and a fingerprint, never the secret (the file itself holds no name either)"
"$APPVAULT" list

step "appvault agent: holds the unlocked vault; local IMAP 127.0.0.1:$local_imap and SMTP 127.0.0.1:$local_smtp"
"$APPVAULT" agent --idle-lock 10m --imap-listen "127.0.0.1:$local_imap" --smtp-listen "127.0.0.1:$local_smtp" 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 50); do "$APPVAULT" agent status >/dev/null 2>&1 && break; sleep 0.1; done
"$APPVAULT" unlock
"$APPVAULT" agent status

step "appvault token add: the finance script's own credential, shown once, revocable"
"$APPVAULT" token add demo --client "statements script" > "$work/token"
echo "(saved to a 0600 file for the script: $(cut -c1-20 "$work/token")..., not the app password)"
"$APPVAULT" token list

step "the script sends a statement with smtplib and reads it with imaplib, through the agent"
subject="Statement $(date +%Y-%m-%d) #$RANDOM"
$client send 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" "$subject"
for _ in $(seq 1 20); do $client read 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" "$subject" >/dev/null 2>&1 && break; sleep 0.25; done
$client read 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" "$subject"

step "appvault fetch --save: the CLI is a client of the agent too (no passphrase, no password in this process)"
env -u APPVAULT_PASSPHRASE_FILE "$APPVAULT" fetch demo --subject "$subject" --save "$work/statements"
ls -l "$work/statements"
env -u APPVAULT_PASSPHRASE_FILE "$APPVAULT" inbox demo --limit 3

step "a script waits in IDLE; appvault rotate demo --verify: the provider issued a new password"
$client idle 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" - &
idler_pid=$!
sleep 1
scripts/testservers/issue-password.sh demo@example.test | "$APPVAULT" rotate demo --verify
wait "$idler_pid" || true; idler_pid=""
echo "rotation changed none of the script's settings: the same token logs in with the new password"
$client read 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" "$subject"

step "appvault token revoke: the script is cut off at once"
"$APPVAULT" token revoke "$("$APPVAULT" token list --json | sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p' | head -1)"
if $client read 127.0.0.1 "$local_imap" "$local_smtp" demo "$work/token" "$subject" 2> "$work/refused"; then
    echo "ERROR: a revoked token still works"; exit 1
fi
echo "refused: $(tail -1 "$work/refused")"

step "appvault revoke demo: secret destroyed, sessions ended, tokens deleted"
"$APPVAULT" revoke demo
"$APPVAULT" list

step "appvault audit --verify: every add, session, rotate and revoke, hash-chained, sealed"
"$APPVAULT" audit
"$APPVAULT" audit --verify
"$APPVAULT" lock
step "demo finished"
