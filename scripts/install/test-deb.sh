#!/usr/bin/env bash
# `make test-deb`: the Debian package on a fresh Debian 12, as a user would meet it.
# Builds the package (make deb, lintian included), unpacks a throw-away Debian 12 root made by
# debootstrap, boots it with systemd-nspawn (a real systemd as PID 1 and a real user manager,
# so the user unit runs under its own sandboxing, not an imitation), and checks:
#   apt install ./appvault_*.deb pulls its Depends from the Debian mirror; appvault --version,
#   --help and `man appvault` work; every file is where docs/install.md says;
#   as a user: init, add --verify against the test mail servers on the host's loopback,
#   `systemctl --user start appvault-agent`, unlock, a mail command through the agent (a lease
#   written to the vault), socket folder and modes, the sandbox in force, and a login to the mail
#   servers from inside the unit's sandbox (its own settings, read from the installed unit);
#   apt purge --autoremove leaves no file behind.
# The debootstrap download (--make-tarball) and the finished root are cached in
# $APPVAULT_DEB_TEST_CACHE (default /var/cache/appvault-test-deb), so a repeat run does not
# download or configure the base system again. Needs root and a Debian mirror ($DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh debootstrap systemd-container dpkg-dev lintian binutils
began=$SECONDS
say() { printf '== [%3ds] %s\n' $((SECONDS - began)) "$*"; }
fail() { echo "test-deb FAILED: $*" >&2; exit 1; }

deb=$(scripts/install/deb.sh 2>"${TMPDIR:-/tmp}/appvault-deb-lintian.log" | tail -1) \
    || { cat "${TMPDIR:-/tmp}/appvault-deb-lintian.log" >&2; fail "make deb"; }
grep -E "^(E|W): " "${TMPDIR:-/tmp}/appvault-deb-lintian.log" || true
say "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
version=$(dpkg-deb -f "$deb" Version)

# The throw-away root: a cached finished root when there is one, else debootstrap (from a cached
# download when there is one).
cache=${APPVAULT_DEB_TEST_CACHE:-/var/cache/appvault-test-deb}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
include=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,man-db,ca-certificates
key=$(printf '%s %s' "$suite" "$include" | sha256sum | cut -c1-12)
download=$cache/debootstrap-$suite-$key.tgz
finished=$cache/root-$suite-$key.tar.gz
mkdir -p "$cache"
work=$(mktemp -d /tmp/appvault-test-deb-XXXXXX)
root=$work/root
nspawn_pid=""
export APPVAULT_TEST_SERVERS_DIR=${APPVAULT_TESTDEB_SERVERS_DIR:-${TMPDIR:-/tmp}/appvault-testdeb-servers}
export APPVAULT_TEST_PORT_OFFSET=${APPVAULT_TESTDEB_PORT_OFFSET:-4500}
cleanup() {
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid" 2>/dev/null || true   # nspawn turns SIGTERM into a clean shutdown
        for _ in $(seq 1 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$nspawn_pid" 2>/dev/null || true
    fi
    scripts/testservers/stop.sh >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
if [ ! -s "$finished" ]; then
    if [ ! -s "$download" ]; then
        say "debootstrap: downloading Debian $suite into $download"
        debootstrap --variant=minbase --include="$include" --make-tarball="$download.part" \
            "$suite" "$work/download" "$mirror" > "$work/debootstrap.log" 2>&1 \
            || { tail -20 "$work/debootstrap.log"; fail "debootstrap --make-tarball"; }
        mv "$download.part" "$download"
    fi
    say "debootstrap: installing the base system from $download"
    debootstrap --variant=minbase --include="$include" --unpack-tarball="$download" \
        "$suite" "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; fail "debootstrap --unpack-tarball"; }
    tar --numeric-owner -C "$root" -czf "$finished.part" . && mv "$finished.part" "$finished"
else
    mkdir -m 755 "$root"
    tar --numeric-owner -C "$root" -xzf "$finished"
fi
say "fresh Debian $suite root ready"

# An installed Debian has /etc/hosts (the installer writes it); debootstrap leaves none, and the test
# servers' certificates are for localhost.
[ -s "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
eval "$(scripts/testservers/start.sh)"
offset=$(cat "$APPVAULT_TEST_SERVERS/port-offset")

# Boot it. --keep-unit and --register=no: there is no systemd on the host to ask for a scope.
# CAP_IPC_LOCK: without it nspawn's own seccomp filter refuses mlock() to everything in the
# container (EPERM), which a real machine does not; the agent's keys must be locked in RAM.
systemd-nspawn -q -D "$root" --register=no --keep-unit --boot --console=passive --capability=CAP_IPC_LOCK \
    --machine="appvault-test-$$" > "$work/boot.log" 2>&1 &
nspawn_pid=$!
leader=""
for _ in $(seq 1 100); do
    leader=$(pgrep -P "$nspawn_pid" -x systemd || true)
    [ -n "$leader" ] && break
    sleep 0.1
done
[ -n "$leader" ] || { cat "$work/boot.log"; fail "the container did not start"; }
ct() { nsenter -t "$leader" -a "$@"; }
# PID 1 needs a moment before it answers on its socket; then wait for the boot to finish.
for _ in $(seq 1 100); do ct test -S /run/systemd/private && break; sleep 0.1; done
state=$(ct systemctl is-system-running --wait 2>&1 || true)
[ "$state" = running ] || { ct systemctl --failed --no-pager || true; fail "container boot state: $state"; }
say "booted (systemd in the container: $(ct systemctl --version | head -1))"

# The user who will run the agent, with a user manager that runs without a login (linger).
ct useradd --create-home --shell /bin/bash alice
uid=$(ct id -u alice)
ct loginctl enable-linger alice
for _ in $(seq 1 100); do ct test -S "/run/user/$uid/systemd/private" && break; sleep 0.1; done
as_alice() {
    ct setpriv --reuid="$uid" --regid="$uid" --init-groups --reset-env \
        env HOME=/home/alice USER=alice LOGNAME=alice XDG_RUNTIME_DIR="/run/user/$uid" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" PATH=/usr/bin:/bin "$@"
}

# Every path in the root, but for those that change by running the system (logs, caches, package
# lists, dpkg's own records, home folders, runtime and temporary folders).
tree() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
        -o -path ./var/tmp -o -path ./var/log -o -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
        -o -path ./var/lib/systemd -o -path ./home -o -path ./root \) -prune -o -print | sort)
}
tree > "$work/before"

say "apt install ./$(basename "$deb")"
cp "$deb" "$root/root/"
ct apt-get update -qq
t0=$SECONDS
ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/root/$(basename "$deb")" > "$work/apt.log" 2>&1 \
    || { cat "$work/apt.log"; fail "apt install"; }
say "installed in $((SECONDS - t0)) s, with: $(grep -o 'Setting up [^ ]*' "$work/apt.log" | cut -d' ' -f3 | tr '\n' ' ')"

# The command, its help and its manual page.
[ "$(ct appvault --version)-1" = "$version" ] || fail "appvault --version does not match the package version $version"
help=$(ct appvault --help)
grep -q "^USAGE: appvault" <<< "$help" || fail "appvault --help"
man=$(ct env MANWIDTH=100 man -P cat appvault 2>&1) || fail "man appvault: $man"
subcommands=$(sed -n '/^SUBCOMMANDS:/,/^$/p' <<< "$help" | awk '/^  [a-z]/ { print $1 }')
[ -n "$subcommands" ] || fail "no subcommands in appvault --help"
for name in $subcommands; do
    grep -qw -- "$name" <<< "$man" || fail "man appvault does not mention the subcommand $name"
done
say "appvault --version, --help, man appvault ($(wc -l <<< "$man") lines, all $(wc -w <<< "$subcommands") subcommands)"
for path in /usr/bin/appvault /usr/share/man/man1/appvault.1.gz /usr/share/bash-completion/completions/appvault \
    /usr/share/zsh/site-functions/_appvault /usr/share/fish/vendor_completions.d/appvault.fish \
    /usr/lib/systemd/user/appvault-agent.service /usr/share/doc/appvault/copyright \
    /usr/share/doc/appvault/examples/agent-policy.example.toml; do
    ct test -f "$path" || fail "$path is missing"
done
grep -qx "ExecStart=/usr/bin/appvault agent --idle-lock 15m" "$root/usr/lib/systemd/user/appvault-agent.service" \
    || fail "the installed unit does not start /usr/bin/appvault"
verify=$(as_alice systemd-analyze --user verify /usr/lib/systemd/user/appvault-agent.service 2>&1) \
    && [ -z "$verify" ] || fail "systemd-analyze --user verify: $verify"
say "files in place; systemd-analyze --user verify: clean"

# The user's vault, and a mail account on the host's test servers (the container shares the
# host's network). The app password goes from the server's passwd file to appvault through a pipe.
install -m 644 "$APPVAULT_TEST_SERVERS/ca.pem" "$root/home/alice/mail-ca.pem"
as_alice sh -c 'umask 077; mkdir -p ~/.config/appvault && head -c 24 /dev/urandom | base64 > ~/.config/appvault/passphrase'
export_user=(env APPVAULT_PASSPHRASE_FILE=/home/alice/.config/appvault/passphrase APPVAULT_CA_FILE=/home/alice/mail-ca.pem)
as_alice "${export_user[@]}" appvault init --kdf interactive > /dev/null
scripts/testservers/issue-password.sh debtest@example.test | as_alice "${export_user[@]}" appvault add debtest --provider custom \
    --email debtest@example.test --imap "localhost:$((10143 + offset)):starttls" \
    --smtp "localhost:$((10465 + offset)):tls" --verify > /dev/null || fail "appvault add --verify in the container"
say "as alice: vault made, account added after a real IMAP and SMTP login"

# The agent as a systemd user service, with the unit's sandbox. The agent logs in to the mail
# servers itself, so it is the one that must trust their private CA: a drop-in, as a user would
# add with `systemctl --user edit appvault-agent` (docs/install.md).
as_alice sh -c 'mkdir -p ~/.config/systemd/user/appvault-agent.service.d &&
    printf "[Service]\nEnvironment=APPVAULT_CA_FILE=/home/alice/mail-ca.pem\n" > ~/.config/systemd/user/appvault-agent.service.d/ca.conf'
as_alice systemctl --user daemon-reload
as_alice systemctl --user start appvault-agent || true
for _ in $(seq 1 50); do as_alice appvault agent status > /dev/null 2>&1 && break; sleep 0.1; done
if ! status=$(as_alice appvault agent status); then
    as_alice systemctl --user status appvault-agent --no-pager || true
    as_alice journalctl --user -u appvault-agent --no-pager | tail -20 || true
    fail "the agent did not start as a user service"
fi
grep -q "vault locked" <<< "$status" || fail "agent status: $status"
as_alice "${export_user[@]}" appvault unlock > /dev/null
as_alice appvault agent status | grep -q "vault unlocked" || fail "unlock through the service"
[ "$(ct stat -c '%a %U' "/run/user/$uid/appvault")" = "700 alice" ] || fail "socket folder is not 0700 alice"
[ "$(ct stat -c '%a %U' "/run/user/$uid/appvault/agent.sock")" = "600 alice" ] || fail "socket is not 0600 alice"
# inbox through the agent's IMAP endpoint: the agent takes a session lease (written to the vault
# under ProtectHome=read-only + ReadWritePaths) and logs in upstream; the client has no CA to give.
as_alice appvault inbox debtest --limit 1 > /dev/null || fail "appvault inbox through the agent"
pid=$(as_alice systemctl --user show -p MainPID --value appvault-agent)
proc=$(ct cat "/proc/$pid/status")
for want in "NoNewPrivs:	1" "Seccomp:	2"; do grep -qF "$want" <<< "$proc" || fail "the agent runs without '$want'"; done
locked=$(awk '/^VmLck/ { print $2 }' <<< "$proc")
# sodium_malloc ignores a failed mlock(); the agent's keys must really be locked (not swappable).
[ "${locked:-0}" -gt 0 ] || fail "the agent under the unit has no locked memory: mlock() fails in its sandbox"
limit=$(ct awk '/^Max locked memory/ { print $4 }' "/proc/$pid/limits")
say "user service: running, unlocked, lease granted and spent through it; sandboxed (no_new_privs, seccomp); ${locked} kB locked in RAM (limit $((limit / 1024)) kB)"

# A login to the mail servers from inside the same sandbox: the unit's settings, read from the
# installed unit, applied by the user manager to a transient service that runs appvault verify
# in-process (pointed away from the running agent, whose Unix socket would need no network).
# With the old AF_UNIX-only family list it must fail, which shows the check can fail.
mapfile -t sandbox < <(sed -n '/^\[Service\]/,/^\[/p' "$root/usr/lib/systemd/user/appvault-agent.service" \
    | grep -E '^[A-Z][A-Za-z]+=' | grep -vE '^(Type|ExecStart|Restart|RestartSec|RuntimeDirectory|RuntimeDirectoryMode)=' \
    | sed -e "s|%h|/home/alice|g" -e "s|%t|/run/user/$uid|g" -e 's/^/--property=/')
run_sandboxed() {
    as_alice systemd-run --user --quiet --wait --pipe --collect "${sandbox[@]}" "$@" \
        --setenv=APPVAULT_CA_FILE=/home/alice/mail-ca.pem --setenv=APPVAULT_AGENT_SOCK=/home/alice/.no-agent/agent.sock \
        --setenv=APPVAULT_PASSPHRASE_FILE=/home/alice/.config/appvault/passphrase /usr/bin/appvault verify debtest
}
run_sandboxed > "$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "appvault verify inside the unit's sandbox"; }
grep -q "login OK" "$work/verify.log" || fail "verify in the sandbox: $(cat "$work/verify.log")"
# (An empty assignment first: later assignments of RestrictAddressFamilies= add to the list.)
if run_sandboxed --property=RestrictAddressFamilies= --property=RestrictAddressFamilies=AF_UNIX > "$work/verify-unix.log" 2>&1; then
    fail "verify worked with only AF_UNIX allowed: the sandbox check proves nothing"
fi
say "appvault verify inside the unit's sandbox: IMAP and SMTP logins OK (and refused with AF_UNIX only)"

as_alice systemctl --user stop appvault-agent
ct test ! -e "/run/user/$uid/appvault" || fail "the socket folder outlived the service"

say "apt purge --autoremove appvault"
ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --autoremove appvault > "$work/purge.log" 2>&1 \
    || { cat "$work/purge.log"; fail "apt purge"; }
ct dpkg-query -W appvault > /dev/null 2>&1 && fail "dpkg still knows appvault after purge"
tree > "$work/after"
if ! diff "$work/before" "$work/after" > "$work/tree.diff"; then
    cat "$work/tree.diff"
    fail "purge left the file system different from before the install"
fi
say "purged: the root's files are exactly those before the install"
echo "test-deb: 1 passed, 0 failed ($((SECONDS - began)) s)"
