#!/usr/bin/env bash
# Installs what `make bench` needs beyond `make deps`: the password stores it is compared with.
set -euo pipefail
exec "$(dirname "$0")/install-deps.sh" pass gnupg keepassxc curl
