#!/usr/bin/env bash
# Where appvault's start-up goes: wall time (hyperfine), CPU time and page faults (perf stat),
# instructions (callgrind, repeatable on a busy machine) of `appvault --version`,
# `appvault agent status` (through a running agent) and `appvault list` (key-file vault, no
# Argon2id), for the static release build that `make install` ships and a dynamic one, against
# an empty Swift program importing Foundation (the floor) and `pass show` with a warm gpg-agent.
# Then callgrind's inclusive counts for the parts of `agent status`. docs/performance.md quotes it.
# Usage: scripts/startup-profile.sh [RUNS]   (hyperfine runs per command, default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh hyperfine valgrind linux-perf pass gnupg binutils
runs=${1:-60}
static_bin=$(scripts/install/build-release.sh)/appvault
swift build -c release --product appvault --scratch-path .build-release-dyn > /dev/null
dynamic_bin=$(swift build -c release --scratch-path .build-release-dyn --show-bin-path)/appvault
work=$(mktemp -d /tmp/appvault-startup-XXXXXX)
agent_pid=""
cleanup() {
    [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
    gpgconf --kill gpg-agent 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The floor: empty programs, one importing Foundation, linked both ways.
printf 'import Foundation\nprint(Date().timeIntervalSince1970 > 0)\n' > "$work/floor.swift"
swiftc -O -static-stdlib "$work/floor.swift" -o "$work/floor-static" 2>/dev/null
swiftc -O "$work/floor.swift" -o "$work/floor-dynamic" 2>/dev/null
# Symbols without DWARF 5, which valgrind 3.19 cannot read (as scripts/bench-profile.sh does).
objcopy --strip-debug "$static_bin" "$work/appvault-static"
objcopy --strip-debug "$dynamic_bin" "$work/appvault-dynamic"

export APPVAULT_VAULT=$work/vault/vault.db APPVAULT_KEY_FILE=$work/vault.key APPVAULT_AGENT_SOCK=$work/agent/agent.sock
"$static_bin" init --key-file "$APPVAULT_KEY_FILE" > /dev/null
for i in 1 2 3 4 5; do
    head -c 400 /dev/urandom | tr -dc a-z | head -c 16 | "$static_bin" add "acct$i" --provider gmail --email "acct$i@gmail.com" > /dev/null
done
"$static_bin" agent --idle-lock off 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 50); do "$static_bin" agent status > /dev/null 2>&1 && break; sleep 0.1; done
"$static_bin" unlock > /dev/null

export GNUPGHOME=$work/gnupg PASSWORD_STORE_DIR=$work/pass
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key startup@example.invalid default default never 2>/dev/null
pass init "$(gpg --batch --with-colons --list-keys startup@example.invalid | awk -F: '/^fpr/ { print $10; exit }')" > /dev/null
head -c 400 /dev/urandom | tr -dc a-z | head -c 16 | pass insert -e acct1 > /dev/null
pass show acct1 > /dev/null   # gpg-agent now warm

commands=(
    "floor, static|$work/floor-static"
    "floor, dynamic|$work/floor-dynamic"
    "appvault --version, static|$work/appvault-static --version"
    "appvault --version, dynamic|$work/appvault-dynamic --version"
    "appvault agent status, static|$work/appvault-static agent status"
    "appvault agent status, dynamic|$work/appvault-dynamic agent status"
    "appvault list, static|$work/appvault-static list"
    "appvault list, dynamic|$work/appvault-dynamic list"
    "pass show (warm gpg-agent)|pass show acct1"
)
echo "| command | wall ms (hyperfine) | CPU ms | page faults | instructions (M) |"
echo "|---|---|---|---|---|"
for entry in "${commands[@]}"; do
    label=${entry%%|*} command=${entry#*|}
    wall=$(hyperfine -N --warmup 5 -r "$runs" --export-json "$work/hf.json" "$command" > /dev/null 2>&1 &&
        python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ± %.1f" % (r["mean"]*1e3, r["stddev"]*1e3))' "$work/hf.json")
    read -r cpu faults < <(perf stat -r 30 -x, -e task-clock,page-faults $command 2>&1 >/dev/null |
        awk -F, '/task-clock/ { c = $1 } /page-faults/ { f = $1 } END { printf "%.2f %d\n", c, f }')
    instructions="-"
    case $label in pass*) ;; *)
        valgrind --tool=callgrind --callgrind-out-file="$work/cg" $command > /dev/null 2> "$work/vg"
        instructions=$(awk '/Collected/ { printf "%.1f", $4 / 1e6 }' "$work/vg") ;;
    esac
    echo "| $label | $wall | $cpu | $faults | $instructions |"
done

# Where `appvault agent status` (static) spends its instructions: callgrind inclusive counts.
valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$work/appvault-static" agent status > /dev/null 2> "$work/vg"
total=$(awk '/Collected/ { print $4 }' "$work/vg")
callgrind_annotate --inclusive=yes "$work/cg" > "$work/annotate" 2>/dev/null
part() {   # part LABEL PATTERN: the largest inclusive count of a function matching PATTERN
    local count
    count=$(grep -E "$2" "$work/annotate" | head -1 | awk '{ gsub(",", "", $1); print $1 }')
    printf '| %s | %.1f | %d%% |\n' "$1" "$(echo "${count:-0} / 1000000" | bc -l)" $(( ${count:-0} * 100 / total ))
}
echo
echo "| appvault agent status (static): part | instructions (M) | share |"
echo "|---|---|---|"
part "dynamic loader: relocating the executable and 8 libraries" '_dl_relocate_object \['
part "ArgumentParser parseAsRoot (whole)" 'parseAsRoot'
part "… String(describing:) for commands without commandName" '_commandNameSSvgZ \['
part "… checkForCompletionScriptRequest" 'checkForCompletionScriptRequest'
part "… Mirror(reflecting:) of the command types" 'MirrorV10reflecting'
part "the command's run(), socket round trip included" 'AgentStatusCommandV3runyyKFTm'
part "… SocketLocation.defaultPath (ProcessInfo.environment)" 'SocketLocationO11defaultPath'
printf '| total | %.1f | 100%% |\n' "$(echo "$total / 1000000" | bc -l)"
