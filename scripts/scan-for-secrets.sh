#!/usr/bin/env bash
# Fails when a known test secret appears in captured output (test logs, CLI output).
# Usage: scan-for-secrets.sh LOG [SECRETS_FILE]
set -euo pipefail
log=$1
secrets=${2:-"$(dirname "$0")/../Tests/test-secrets.txt"}
found=0
while IFS= read -r secret; do
    [[ -z "$secret" || "$secret" == \#* ]] && continue
    if grep -qF -- "$secret" "$log"; then
        echo "LEAK: a test secret (line $(grep -nxF -- "$secret" "$secrets" | cut -d: -f1) of $secrets) appears in $log" >&2
        found=1
    fi
done < "$secrets"
if ((found)); then exit 1; fi
echo "secret scan: no test secret in $(wc -l < "$log") lines of test output"
