#!/usr/bin/env bash
# `make docs`: the DocC documentation of the public libraries (VaultCrypto, AppVault with the
# articles, MailConnectors, VaultAgent) as one combined static website, built by swift-docc-plugin
# in its own build folder (.build-docs) so that it never touches the .build that `make test` uses.
# Output: .build-docs/site (open index.html through any static web server, e.g.
# `python3 -m http.server -d .build-docs/site`, then /documentation/appvault).
# A DocC warning about a catalog (a broken ``Symbol`` link or topic in a .docc article) fails the
# build; warnings about doc comments in the sources are listed and counted, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-docs
out=$scratch/site
targets=(VaultCrypto AppVault MailConnectors VaultAgent)
args=()
for target in "${targets[@]}"; do args+=(--target "$target"); done
rm -rf "$out"
mkdir -p "$scratch"
if ! swift package --scratch-path "$scratch" --allow-writing-to-directory "$out" \
    generate-documentation "${args[@]}" --enable-experimental-combined-documentation \
    --output-path "$out" --transform-for-static-hosting --hosting-base-path / > "$scratch/docs.log" 2>&1; then
    grep -E "warning:|error:" -A3 "$scratch/docs.log" | head -60 >&2
    echo "make docs failed; full log: $scratch/docs.log" >&2
    exit 1
fi
# Each diagnostic is followed by a "  --> FILE:LINE" line; the catalogs' files end in .md.
awk '/^(warning|error): / { message = $0; next }
     message != "" && /^  --> / { print $2 ": " message; message = "" }' "$scratch/docs.log" | sort -u > "$scratch/diagnostics"
if grep -E '^[^:]*\.md:' "$scratch/diagnostics" >&2; then
    echo "make docs: the DocC catalogs have the diagnostics above; full log: $scratch/docs.log" >&2
    exit 1
fi
if [ -s "$scratch/diagnostics" ]; then
    echo "$(wc -l < "$scratch/diagnostics") diagnostics about doc comments in the sources (not fatal):"
    sed 's/^/  /' "$scratch/diagnostics"
fi
echo "documentation for ${targets[*]} in $out ($(find "$out" -type f | wc -l) files)"
