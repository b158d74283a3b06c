#!/usr/bin/env bash
# Builds appvault, runs every test suite, then scans all test output for leaked test secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/appvault-test-log-XXXXXX)
swift build --build-tests 2>&1 | tee "$log" | grep -E "error|warning: unre|Compiling|Build" | grep -v "^\[" || true
set +e
swift test --skip-build 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
set -e
scripts/scan-for-secrets.sh "$log"
exit "$status"
