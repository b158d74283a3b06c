#!/usr/bin/env bash
# Builds appvault, runs every test suite, scans all test output for leaked test secrets,
# then fuzzes each decoder briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/appvault-test-log-XXXXXX)
# The real servers the connector tests log in to: Dovecot IMAP and an SMTP submission server,
# on loopback high ports, with certificates from a CA made now.
eval "$(scripts/testservers/start.sh)"
trap 'scripts/testservers/stop.sh >/dev/null 2>&1 || true' EXIT
swift build --build-tests 2>&1 | tee "$log" | grep -E "error|warning: unre|Compiling|Build" | grep -v "^\[" || true
set +e
swift test --skip-build 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
set -e
scripts/scan-for-secrets.sh "$log"
((status == 0)) || exit "$status"
# Short libFuzzer runs of every decoder (the long form is `make torture`).
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
