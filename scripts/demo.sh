#!/usr/bin/env bash
# The main job end to end against local servers: a real Dovecot (IMAP) and an SMTP submission
# server with a test CA, a vault, the agent, and mail read and sent through one-use leases.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
APPVAULT="$PWD/.build/debug/appvault"
work=$(mktemp -d /tmp/appvault-demo-XXXXXX)
servers=$(scripts/testservers/start.sh) || { echo "could not start the test servers (scripts/testservers/start.sh)" >&2; exit 1; }
eval "$servers"
agent_pid=""
cleanup() {
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    scripts/testservers/stop.sh >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
offset=$(cat "$APPVAULT_TEST_SERVERS/port-offset" 2>/dev/null || echo 0)
imap_port=$((10143 + offset)); smtp_port=$((10465 + offset))

export APPVAULT_VAULT="$work/vault/vault.db"
export APPVAULT_PASSPHRASE_FILE="$work/passphrase"
export APPVAULT_CA_FILE="$APPVAULT_TEST_SERVERS/ca.pem"
export APPVAULT_AGENT_SOCK="$work/agent/agent.sock"
( umask 077; echo "demo passphrase $RANDOM$RANDOM" > "$APPVAULT_PASSPHRASE_FILE" )

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "appvault init"
"$APPVAULT" init --kdf interactive

step "appvault add demo --verify: the app password logs in over IMAP and SMTP before it is stored"
scripts/testservers/issue-password.sh demo@example.test | "$APPVAULT" add demo --provider custom --email demo@example.test \
    --imap "localhost:$imap_port:starttls" --smtp "localhost:$smtp_port:tls" --verify

step "appvault list: metadata and a fingerprint, never the secret"
"$APPVAULT" list

step "appvault agent: holds the unlocked vault, lends leases over a Unix socket"
"$APPVAULT" agent --idle-lock 10m 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 50); do "$APPVAULT" agent status >/dev/null 2>&1 && break; sleep 0.1; done
"$APPVAULT" unlock
"$APPVAULT" agent status

step "appvault send: an SMTP lease from the agent (no passphrase asked)"
subject="Statement $(date +%Y-%m-%d) #$RANDOM"
printf 'Your statement is ready.\n.\nA line with a lone dot above.\n' | "$APPVAULT" send demo --to demo@example.test --subject "$subject"

step "appvault inbox: an IMAP lease from the agent; the message arrived in Dovecot"
for _ in $(seq 1 20); do "$APPVAULT" inbox demo --limit 5 | grep -qF "$subject" && break; sleep 0.25; done
"$APPVAULT" inbox demo --limit 5

step "appvault lease grant: a connector holds a 2-use IMAP lease"
lease_id=$("$APPVAULT" lease grant demo --protocol imap --uses 2 --json | sed -n 's/.*"id" : "\([0-9a-f]*\)".*/\1/p')
"$APPVAULT" leases
"$APPVAULT" inbox demo --limit 1 --lease "$lease_id" > /dev/null && echo "lease $lease_id: first use works"

step "appvault rotate demo --verify: the provider issued a new password"
scripts/testservers/issue-password.sh demo@example.test | "$APPVAULT" rotate demo --verify

step "the old lease is refused: it is for the previous password"
if "$APPVAULT" inbox demo --limit 1 --lease "$lease_id"; then echo "ERROR: old lease still works"; exit 1; else echo "(refused, exit $?)"; fi
"$APPVAULT" verify demo

step "appvault revoke demo: secret destroyed, leases ended"
"$APPVAULT" revoke demo
"$APPVAULT" list

step "appvault audit --verify: every create, lease, use, rotate and revoke, hash-chained"
"$APPVAULT" audit
"$APPVAULT" audit --verify
"$APPVAULT" lock
step "demo finished"
