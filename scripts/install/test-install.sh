#!/usr/bin/env bash
# `make test-install`: make install and make uninstall into scratch prefixes, and what they install:
# the binary runs without the Swift toolchain's libraries, the man page renders without warnings
# and covers every subcommand, the bash, zsh and fish completions complete, the unit names the
# installed binary and passes `systemd-analyze --user verify`, uninstall removes exactly what
# install wrote (and leaves what others put in the same folders), and a damaged manifest cannot
# make uninstall delete outside the prefix.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh systemd man-db zsh fish binutils
began=$SECONDS
passed=0 failed=0
check() {   # check NAME COMMAND...: one test
    local name=$1; shift
    if "$@" > "$work/out" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$work/out" | head -20
    fi
}
work=$(mktemp -d /tmp/appvault-test-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
bin=$(scripts/install/build-release.sh)
export APPVAULT_BIN_DIR=$bin

prefix=$work/prefix
mkdir -p "$prefix/bin" "$prefix/share/doc"
echo other > "$prefix/bin/other-tool"              # someone else's files in shared folders
echo other > "$prefix/share/doc/other-readme"
t0=$SECONDS
PREFIX=$prefix DESTDIR= scripts/install/install.sh install > "$work/install.log"
install_seconds=$((SECONDS - t0))
manifest=$prefix/share/appvault/install-manifest.txt
av=$prefix/bin/appvault

no_toolchain_libraries() {
    ! ldd "$av" | grep -E "libswift|libFoundation|libdispatch|libBlocksRuntime|/opt/swift"
}
runs_without_toolchain() {
    # No Swift library on the search path: only the system's.
    [ "$(env -i LD_LIBRARY_PATH= PATH=/usr/bin:/bin "$av" --version)" = "$("$bin/appvault" --version)" ]
}
stripped() { ! file "$av" | grep -q "not stripped"; }
check "the binary links no Swift toolchain library" no_toolchain_libraries
check "the binary runs with a bare environment" runs_without_toolchain
check "the installed binary is stripped" stripped

manifest_lists_every_file() {
    diff <(cd "$prefix" && find . -type f ! -name other-tool ! -name other-readme ! -name install-manifest.txt \
        | sed "s|^\.|$prefix|" | sort) <(sed -n 's/^file //p' "$manifest" | sort)
}
check "the manifest lists every installed file" manifest_lists_every_file

man_page_clean() {
    local warnings
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$prefix/share/man/man1/appvault.1" 2>&1 >/dev/null)
    [ -z "$warnings" ] || { echo "$warnings"; return 1; }
}
man_page_covers_subcommands() {
    local text name names
    text=$(MANPATH="$prefix/share/man" MANWIDTH=100 man -P cat appvault)
    names=$("$av" --help | sed -n '/^SUBCOMMANDS:/,/^$/p' | awk '/^  [a-z]/ { print $1 }')
    [ -n "$names" ] || { echo "no subcommands in --help"; return 1; }
    for name in $names; do grep -qw -- "$name" <<< "$text" || { echo "missing: $name"; return 1; }; done
    # A nested subcommand's own option, too (agent run --idle-lock).
    grep -q -- "--idle-lock" <<< "$text" || { echo "missing: --idle-lock"; return 1; }
}
check "man appvault renders without warnings" man_page_clean
check "man appvault (found through MANPATH) covers every subcommand" man_page_covers_subcommands

bash_complete() {   # bash_complete LINE: what bash offers for the last word, as it calls the function
    bash -c 'shopt -s extglob; source "$1"
        COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$COMP_LINE"
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _appvault appvault "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/appvault" "$1"
}
bash_completes() {
    local out
    out=$(bash_complete "appvault ag"); [ "$out" = agent ] || { echo "appvault ag: $out"; return 1; }
    out=$(bash_complete "appvault agent run --idle"); [ "$out" = --idle-lock ] || { echo "agent run --idle: $out"; return 1; }
    out=$(bash_complete "appvault init --kdf mod"); [ "$out" = moderate ] || { echo "init --kdf mod: $out"; return 1; }
}
fish_completes() {
    local out
    out=$(HOME=$work XDG_CONFIG_HOME=$work/config fish --no-config -c "source $prefix/share/fish/vendor_completions.d/appvault.fish; complete -C 'appvault ag'")
    grep -q "^agent" <<< "$out" || { echo "got: $out"; return 1; }
}
zsh_loads() {
    # zsh completion needs a terminal to run; check that the function parses and compinit loads it.
    zsh -n "$prefix/share/zsh/site-functions/_appvault" &&
        HOME=$work zsh -f -c "fpath=($prefix/share/zsh/site-functions \$fpath); autoload -Uz compinit; compinit -u -d $work/zcompdump; [[ \${_comps[appvault]} == _appvault ]]"
}
check "bash completion completes subcommands and options" bash_completes
check "fish completion completes subcommands" fish_completes
check "zsh completion parses and compinit binds it to appvault" zsh_loads

unit=$prefix/lib/systemd/user/appvault-agent.service
unit_names_prefix() {
    grep -qx "ExecStart=$prefix/bin/appvault agent --idle-lock 15m" "$unit" && ! grep -q /usr/local "$unit"
}
unit_verifies() {   # unit_verifies FILE: systemd-analyze exits 0 and prints nothing
    local out
    mkdir -p -m 700 "$work/run"
    out=$(MANPATH="$prefix/share/man" XDG_RUNTIME_DIR=$work/run systemd-analyze --user verify "$1" 2>&1) || { echo "$out"; return 1; }
    [ -z "$out" ] || { echo "$out"; return 1; }
}
verify_catches_a_typo() {   # the check above can fail: a misspelt key is reported
    sed 's/^ProtectHome=/ProtectHomee=/' "$unit" > "$work/appvault-agent.service"
    ! unit_verifies "$work/appvault-agent.service"
}
check "the unit starts the installed binary" unit_names_prefix
check "systemd-analyze --user verify: the installed unit is clean" unit_verifies "$unit"
check "systemd-analyze --user verify reports a misspelt key" verify_catches_a_typo

reinstall_is_idempotent() {
    local before after
    before=$(cd "$prefix" && find . | sort)
    PREFIX=$prefix scripts/install/install.sh install > /dev/null
    after=$(cd "$prefix" && find . | sort)
    [ "$before" = "$after" ]
}
check "installing again gives the same tree" reinstall_is_idempotent

uninstall_removes_exactly_what_was_installed() {
    PREFIX=$prefix scripts/install/install.sh uninstall > /dev/null
    diff <(cd "$prefix" && find . | sort) <(printf '%s\n' . ./bin ./bin/other-tool ./share ./share/doc ./share/doc/other-readme)
}
check "uninstall removes exactly what install wrote, keeps other files" uninstall_removes_exactly_what_was_installed

destdir_stages() {
    local stage=$work/stage
    PREFIX=/opt/av DESTDIR=$stage scripts/install/install.sh install > /dev/null
    [ -x "$stage/opt/av/bin/appvault" ] && [ ! -e /opt/av ] &&
        grep -qx "file /opt/av/bin/appvault" "$stage/opt/av/share/appvault/install-manifest.txt" &&
        grep -qx "ExecStart=/opt/av/bin/appvault agent --idle-lock 15m" "$stage/opt/av/lib/systemd/user/appvault-agent.service" &&
        PREFIX=/opt/av DESTDIR=$stage scripts/install/install.sh uninstall > /dev/null &&
        [ -z "$(find "$stage" -mindepth 1 ! -path "$stage/opt" ! -path "$stage/opt/av")" ]
}
check "DESTDIR stages under DESTDIR/PREFIX; uninstall with the same DESTDIR empties it" destdir_stages

damaged_manifest_stays_inside_prefix() {
    local victim=$work/victim
    echo keep > "$victim"
    PREFIX=$prefix scripts/install/install.sh install > /dev/null
    printf 'file %s\nfile %s/../victim\n' "$victim" "$prefix" >> "$manifest"
    PREFIX=$prefix scripts/install/install.sh uninstall > /dev/null 2>&1
    [ "$(cat "$victim")" = keep ] && [ ! -e "$prefix/bin/appvault" ]
}
check "a manifest naming files outside the prefix deletes none of them" damaged_manifest_stays_inside_prefix

echo "make install took ${install_seconds} s (release build already done); $(du -sh --apparent-size "$bin/appvault" | cut -f1) unstripped"
echo "($((SECONDS - began)) s)"
echo "test-install: $passed passed, $failed failed"
((failed == 0))
