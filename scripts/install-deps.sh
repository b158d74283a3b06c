#!/usr/bin/env bash
# Installs the Debian packages appvault needs to build, test and demo, when any is missing.
# Usage: install-deps.sh [PACKAGE...]   (default: the build, test and demo packages)
set -euo pipefail
packages=(libsodium-dev libssl-dev libsqlite3-dev libpq-dev pkg-config dovecot-imapd python3-aiosmtpd openssl curl sqlite3 util-linux procps
          libpython3.11-testsuite golang-github-jhillyerd-enmime-dev postgresql iproute2)
(($#)) && packages=("$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
