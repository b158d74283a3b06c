#!/usr/bin/env bash
# Builds the libFuzzer targets (instrumented, address sanitizer) and runs each for SECONDS.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 20 s each, all targets)
# A crash stops the run with a non-zero exit; its input is kept under $FUZZ_ARTIFACTS.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}; shift || true
declare -A corpus=(
    [FuzzAgentCodec]=agent-codec
    [FuzzVaultFile]=vault-file
    [FuzzVaultRows]=vault-rows
    [FuzzIMAPResponses]=imap-responses
    [FuzzSMTPReplies]=smtp-replies
    [FuzzProxyPreLogin]=proxy-prelogin
    [FuzzIMAPFetch]=imap-fetch
    [FuzzMIMEMessages]=mime-messages
    [FuzzPostgresRows]=postgres-rows
)
declare -A maxlen=([FuzzAgentCodec]=70000 [FuzzVaultFile]=200000 [FuzzVaultRows]=512 [FuzzIMAPResponses]=16384 [FuzzSMTPReplies]=8192
                   [FuzzProxyPreLogin]=16384 [FuzzIMAPFetch]=16384 [FuzzMIMEMessages]=65536 [FuzzPostgresRows]=8192)
targets=("$@")
((${#targets[@]})) || targets=("${!corpus[@]}")
scratch=.build-fuzz
artifacts=${FUZZ_ARTIFACTS:-/tmp/appvault-fuzz-artifacts}
mkdir -p "$artifacts"
flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xswiftc -DAPPVAULT_LIBFUZZER)
for target in "${targets[@]}"; do
    swift build --scratch-path "$scratch" "${flags[@]}" --product "$target" 2>&1 | grep -E "error|Compiling|Build complete" | grep -v "^\[" || true
done
summary=()
for target in "${targets[@]}"; do
    work=$(mktemp -d /tmp/appvault-corpus-XXXXXX)
    cp Tests/Fuzz/Corpus/"${corpus[$target]}"/* "$work"/
    log=$(mktemp /tmp/appvault-fuzz-log-XXXXXX)
    echo "fuzzing $target for ${seconds}s"
    if ! "$scratch/debug/$target" "$work" -max_total_time="$seconds" -max_len="${maxlen[$target]:-65536}" \
            -artifact_prefix="$artifacts/$target-" -print_final_stats=1 > "$log" 2>&1; then
        tail -40 "$log"
        echo "FUZZ FAILURE in $target: reproducer under $artifacts" >&2
        exit 1
    fi
    runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
    summary+=("$target: ${runs:-?} inputs in ${seconds}s, corpus $(ls "$work" | wc -l) entries, no crash")
    rm -rf "$work" "$log"
done
printf '%s\n' "${summary[@]}" | tee "${FUZZ_SUMMARY:-/dev/null}"
