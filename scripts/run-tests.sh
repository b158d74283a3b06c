#!/usr/bin/env bash
# Builds appvault, runs every test suite (the multi-host one only as root: its hosts are network
# namespaces), scans all test output for leaked test secrets, then fuzzes each decoder briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/appvault-test-log-XXXXXX)
# The real servers the connector tests log in to: Dovecot IMAP and an SMTP submission server,
# on loopback high ports, with certificates from a CA made now.
servers=$(scripts/testservers/start.sh) || { echo "could not start the test servers (scripts/testservers/start.sh)" >&2; exit 1; }
eval "$servers"
trap 'scripts/testservers/stop.sh >/dev/null 2>&1 || true; scripts/testcluster/stop.sh >/dev/null 2>&1 || true' EXIT
# PostgreSQL from Debian with TLS from a test CA: the store tests run against it as well as SQLite;
# as root, three hosts in network namespaces share a vault on it (ClusterTests, about 2.5 minutes).
cluster=$(scripts/testcluster/start.sh) || { echo "could not start the PostgreSQL test cluster (scripts/testcluster/start.sh)" >&2; exit 1; }
eval "$cluster"
# Build output is not scanned: compiler diagnostics quote source lines, which hold test secrets.
build_log=$(mktemp /tmp/appvault-build-log-XXXXXX)
if ! swift build --build-tests > "$build_log" 2>&1; then
    grep -E "error" -A3 "$build_log" | head -60
    echo "build failed; full log: $build_log" >&2
    exit 1
fi
grep -E "warning:|Build complete" "$build_log" | grep -v "^\[" || true
set +e
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
scripts/scan-for-secrets.sh "$log"
((status == 0)) || exit "$status"
# Short libFuzzer runs of every decoder (the long form is `make torture`).
scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
