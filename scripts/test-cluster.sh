#!/usr/bin/env bash
# `make test-cluster`: only the multi-host tests (issue 12; `make test` runs them too). Starts the
# PostgreSQL test cluster with its three hosts (network namespaces: needs root), runs the
# ClusterTests suite, and scans its output for leaked test secrets.
# APPVAULT_CLUSTER_RACE_ROUNDS (default 1000) sets the race's length.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "make test-cluster needs root: the hosts are network namespaces (ip netns)" >&2; exit 1; }
log=$(mktemp /tmp/appvault-cluster-log-XXXXXX)
build_log=$(mktemp /tmp/appvault-build-log-XXXXXX)
if ! swift build --build-tests > "$build_log" 2>&1; then
    grep -E "error" -A3 "$build_log" | head -60
    echo "build failed; full log: $build_log" >&2
    exit 1
fi
cluster=$(scripts/testcluster/start.sh) || { echo "could not start the PostgreSQL test cluster (scripts/testcluster/start.sh)" >&2; exit 1; }
eval "$cluster"
trap 'scripts/testcluster/stop.sh >/dev/null 2>&1 || true' EXIT
started=$(date +%s)
set +e
swift test --skip-build --filter ClusterTests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
scripts/scan-for-secrets.sh "$log"
echo "cluster tests took $(( $(date +%s) - started )) s"
exit "$status"
