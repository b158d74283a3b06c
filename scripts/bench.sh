#!/usr/bin/env bash
# `make bench`: builds the benchmark in release mode, prepares throwaway `pass` and KeePassXC stores
# holding as many entries as the benchmark's vault, starts the local test mail servers and a
# PostgreSQL server with three hosts (scripts/testcluster; the hosts need root), runs appvault-bench
# and writes docs/benchmarks.md.
# Pass `--quick` for a short smoke run (fewer samples, 10 000 instead of 100 000 accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bench-deps.sh

scratch=.build-bench
swift build -c release --scratch-path "$scratch" --product appvault-bench
swift build -c release --scratch-path "$scratch" --product appvault
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
# The installed binary exactly as `make install` and `make deb` build it, and the start-up floor
# (a static Swift program importing Foundation) with the same flags.
static_bin=$(APPVAULT_RELEASE_SCRATCH="$scratch-static" scripts/install/build-release.sh --product startup-floor)

entries=1000
work=$(mktemp -d /tmp/appvault-bench-XXXXXX)
export GNUPGHOME="$work/gnupg"
# The login and CLI sections' mail servers (scripts/testservers), in a folder and on ports of their
# own so they never meet another checkout's test servers; stopped at the end.
export APPVAULT_TEST_SERVERS_DIR="${TMPDIR:-/tmp}/appvault-bench-testservers"
export APPVAULT_TEST_PORT_OFFSET=${APPVAULT_BENCH_PORT_OFFSET:-3000}
# The PostgreSQL sections' server: a server of the test cluster (its own folder, ports and network
# namespaces) with fsync on, next to the cluster's hosts, which the multi-host rows run in.
export APPVAULT_TEST_CLUSTER_DIR="${TMPDIR:-/tmp}/appvault-bench-testcluster"
cleanup() {
    gpgconf --kill gpg-agent 2>/dev/null || true
    rm -rf "$work"
    scripts/testservers/stop.sh >/dev/null 2>&1 || true
    scripts/testcluster/stop.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT
eval "$(scripts/testservers/start.sh)"
eval "$(scripts/testcluster/start.sh)"
pg_port=$((20432 + APPVAULT_TEST_PORT_OFFSET + 4))
pg_address=$(sed -n 's/^SERVER_ADDRESS=//p' "$APPVAULT_TEST_CLUSTER/cluster.conf")
scripts/testcluster/instance.sh init bench "$pg_port" "$pg_address"
mkdir -m 700 "$GNUPGHOME" "$work/plain"

echo "preparing a throwaway gpg key, a pass store and a KeePassXC database with $entries entries"
gpg --batch --quiet --passphrase '' --quick-gen-key appvault-bench@example.invalid default default never 2>/dev/null
fingerprint=$(gpg --batch --with-colons --list-keys appvault-bench@example.invalid | awk -F: '/^fpr/ { print $10; exit }')
export PASSWORD_STORE_DIR="$work/pass"
pass init "$fingerprint" >/dev/null
xml="$work/entries.xml"
letters=abcdefghijklmnopqrstuvwxyz
{
    echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    echo '<KeePassFile><Meta><Generator>appvault-bench</Generator></Meta><Root><Group><Name>Root</Name>'
    for ((i = 0; i < entries; i++)); do
        name=$(printf 'acct%06d' "$i")
        secret=""
        for ((j = 0; j < 16; j++)); do secret+=${letters:RANDOM%26:1}; done
        printf '%s\n' "$secret" > "$work/plain/$name"
        printf '<Entry><String><Key>Title</Key><Value>%s</Value></String><String><Key>UserName</Key><Value>%s@gmail.com</Value></String><String><Key>Password</Key><Value ProtectInMemory="True">%s</Value></String></Entry>\n' "$name" "$name" "$secret"
    done
    echo '</Group></Root></KeePassFile>'
} > "$xml"
(cd "$work/plain" && gpg --batch --quiet --yes --recipient "$fingerprint" --encrypt --multifile acct*)
mv "$work/plain"/*.gpg "$PASSWORD_STORE_DIR/"
rm -rf "$work/plain"
keepassxc-cli import --quiet --set-key-file "$work/kdbx.key" "$xml" "$work/entries.kdbx" </dev/null
rm -f "$xml"

APPVAULT_BENCH_APPVAULT="$bin/appvault" APPVAULT_BENCH_APPVAULT_STATIC="$static_bin/appvault" \
APPVAULT_BENCH_STARTUP_FLOOR="$static_bin/startup-floor" \
APPVAULT_BENCH_GNUPGHOME="$GNUPGHOME" \
APPVAULT_BENCH_PASS_STORE="$PASSWORD_STORE_DIR" APPVAULT_BENCH_KDBX="$work/entries.kdbx" \
APPVAULT_BENCH_KDBX_KEY="$work/kdbx.key" APPVAULT_BENCH_ENTRIES="$entries" \
APPVAULT_BENCH_PG_CLUSTER="$APPVAULT_TEST_CLUSTER" APPVAULT_BENCH_PG_PORT="$pg_port" \
    "$bin/appvault-bench" --output docs/benchmarks.md "$@"
