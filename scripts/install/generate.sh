#!/usr/bin/env bash
# Generates what is derived from the command tree rather than written by hand: the man page (by
# swift-argument-parser's generate-manual, from `appvault --experimental-dump-help`) and the bash,
# zsh and fish completion scripts (`appvault --generate-completion-script`).
# Usage: generate.sh BIN_DIR OUT_DIR   (BIN_DIR holds appvault and generate-manual)
set -euo pipefail
bin=$1 out=$2
mkdir -p "$out/man" "$out/completions"
# A fixed date keeps the page reproducible: the last commit's, else SOURCE_DATE_EPOCH's, else today.
date=$(git -C "$(dirname "$0")" log -1 --format=%cs 2>/dev/null || true)
[ -n "$date" ] || date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%F)
"$bin/generate-manual" "$bin/appvault" --date "$date" --output-directory "$out/man" >/dev/null
# Blank lines inside a discussion are paragraph breaks for the help text but an mdoc warning;
# make them paragraph macros so `man --warnings` (and lintian) stay quiet.
sed -i 's/^$/.Pp/' "$out/man/appvault.1"
# The bash script is sourced, never run: no #! line (lintian: bash-completion-with-hashbang).
"$bin/appvault" --generate-completion-script bash | sed '1{/^#!/d}' > "$out/completions/appvault.bash"
"$bin/appvault" --generate-completion-script zsh > "$out/completions/_appvault"
"$bin/appvault" --generate-completion-script fish > "$out/completions/appvault.fish"
