#!/usr/bin/env bash
# Counts the instructions of appvault's in-process lease + redeem with callgrind, which is stable on
# a busy machine where timings are not: seeds a vault (default 1 000 accounts) on tmpfs, runs
# appvault-bench's scale probe (~50 lease + redeem cycles) under valgrind and prints the costliest
# functions, inclusive. Usage: scripts/bench-profile.sh [ACCOUNTS]. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-1000}
command -v valgrind >/dev/null || { echo "bench-profile needs valgrind (apt-get install valgrind)" >&2; exit 1; }
scratch=.build-bench
swift build -c release --scratch-path "$scratch" --product appvault-bench
bench="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/appvault-bench"
work=$(mktemp -d /dev/shm/appvault-profile-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bench" seed "$work" "$accounts"
# Valgrind 3.19 cannot read Swift 6.3's DWARF 5; a copy without debug info keeps the symbol names.
objcopy --strip-debug "$bench" "$work/appvault-bench"
valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$work/appvault-bench" probe-scale "$work" "$accounts" 0.01
callgrind_annotate --inclusive=yes "$work/callgrind.out" \
    | grep -E "8AppVault|11VaultCrypto|4GRDB|sqlite3_(step|prepare)|sodium_(malloc|free)|PROGRAM TOTALS" \
    | sed -E 's/ \[\/.*//' | swift demangle --simplified | cut -c1-160 | head -40
