#!/usr/bin/env bash
# The main job end to end on a temporary vault: init, add, list, rotate, revoke, audit --verify.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build
APPVAULT="$PWD/.build/debug/appvault"
work=$(mktemp -d /tmp/appvault-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT
export APPVAULT_VAULT="$work/vault/vault.db"
export APPVAULT_PASSPHRASE_FILE="$work/passphrase"
( umask 077; echo "demo passphrase $(date +%s)" > "$APPVAULT_PASSPHRASE_FILE" )

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "appvault init (Argon2id interactive)"
"$APPVAULT" init --kdf interactive
step "appvault add work: a Gmail app password from standard input"
echo "abcd efgh ijkl mnop" | "$APPVAULT" add work --provider gmail --email finance@example.com
step "appvault list (metadata only, never the secret)"
"$APPVAULT" list
step "appvault rotate work"
echo "qrst uvwx yzab cdef" | "$APPVAULT" rotate work
step "appvault revoke work"
"$APPVAULT" revoke work
step "appvault audit --verify"
"$APPVAULT" audit
"$APPVAULT" audit --verify
step "demo finished"
