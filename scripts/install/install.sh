#!/usr/bin/env bash
# `make install` and `make uninstall`.
# Usage: install.sh install|uninstall
#   PREFIX (default /usr/local) is where the files will live; DESTDIR (default empty) is prepended
#   when writing, for staging (the Debian package is staged this way).
#   APPVAULT_BIN_DIR: use the release build already in this folder instead of building.
# install records every file it wrote, and every folder it had to create, in
# PREFIX/share/appvault/install-manifest.txt; uninstall removes exactly those and nothing else.
# Installing over an earlier install first uninstalls what that one's manifest lists.
set -euo pipefail
cd "$(dirname "$0")/../.."
action=${1:?usage: install.sh install|uninstall}
prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
case $prefix in /*) ;; *) echo "PREFIX must be an absolute path: $prefix" >&2; exit 2 ;; esac
prefix=${prefix%/}
manifest="$prefix/share/appvault/install-manifest.txt"

uninstall() {
    local list="$destdir$manifest"
    [ -f "$list" ] || { echo "nothing to uninstall: no manifest at $list" >&2; return 0; }
    local kind path dirs=()
    while read -r kind path; do
        # Only paths under PREFIX: a damaged manifest must not make `make uninstall` delete elsewhere.
        case $path in "$prefix"/*) ;; *) echo "skipping $path: not under $prefix" >&2; continue ;; esac
        case $path in *..*) echo "skipping $path: contains .." >&2; continue ;; esac
        case $kind in
            file) rm -f -- "$destdir$path" ;;
            dir) dirs+=("$path") ;;
        esac
    done < "$list"
    rm -f -- "$list"
    # Folders this install created, deepest first, and only if nothing else has been put in them.
    local i
    for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
        rmdir -- "$destdir${dirs[i]}" 2>/dev/null || true
    done
    echo "uninstalled appvault from $destdir$prefix"
}

install_all() {
    [ ! -f "$destdir$manifest" ] || uninstall >/dev/null
    local bin
    if [ -n "${APPVAULT_BIN_DIR:-}" ]; then bin=$APPVAULT_BIN_DIR; else bin=$(scripts/install/build-release.sh); fi
    generated=$(mktemp -d /tmp/appvault-install-XXXXXX)
    trap 'rm -rf "$generated"' EXIT
    scripts/install/generate.sh "$bin" "$generated"
    # The systemd unit names the installed binary and documentation: substitute this PREFIX.
    sed "s|/usr/local/|$prefix/|g" Vault/appvault-agent.service > "$generated/appvault-agent.service"

    [ -z "$destdir" ] || mkdir -p -- "$destdir"
    local entries=()   # "kind path" lines for the manifest
    # make_dirs DIR: create DIR and its missing parents, recording those inside PREFIX (DESTDIR's own
    # folders belong to whoever stages).
    make_dirs() {
        local dir=$1 missing=()
        while [ "$dir" != / ] && [ ! -d "$destdir$dir" ]; do missing=("$dir" "${missing[@]}"); dir=$(dirname "$dir"); done
        for dir in "${missing[@]}"; do
            mkdir -m 755 -- "$destdir$dir"
            case $dir in "$prefix"/*) entries+=("dir $dir") ;; esac
        done
    }
    # put MODE SOURCE DEST: install SOURCE as PREFIX/DEST.
    put() {
        make_dirs "$(dirname "$prefix/$3")"
        install -m "$1" -- "$2" "$destdir$prefix/$3"
        entries+=("file $prefix/$3")
    }
    put 755 "$bin/appvault" bin/appvault
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$destdir$prefix/bin/appvault"
    put 644 "$generated/man/appvault.1" share/man/man1/appvault.1
    put 644 "$generated/completions/appvault.bash" share/bash-completion/completions/appvault
    put 644 "$generated/completions/_appvault" share/zsh/site-functions/_appvault
    put 644 "$generated/completions/appvault.fish" share/fish/vendor_completions.d/appvault.fish
    put 644 "$generated/appvault-agent.service" lib/systemd/user/appvault-agent.service
    local doc
    for doc in README.md docs/*.md; do put 644 "$doc" "share/doc/appvault/$(basename "$doc")"; done
    for doc in Vault/agent-policy.example.toml Vault/appvault.env.example Vault/providers.json; do
        put 644 "$doc" "share/doc/appvault/examples/$(basename "$doc")"
    done
    # The manifest itself is not listed: uninstall removes it last, by name.
    make_dirs "$(dirname "$manifest")"
    local list=$destdir$manifest
    printf '%s\n' "${entries[@]}" > "$list"
    chmod 644 "$list"
    echo "installed appvault $("$destdir$prefix/bin/appvault" --version) into $destdir$prefix ($(grep -c '^file' "$list") files; manifest $manifest)"
}

case $action in
    install) install_all ;;
    uninstall) uninstall ;;
    *) echo "usage: install.sh install|uninstall" >&2; exit 64 ;;
esac
