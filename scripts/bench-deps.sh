#!/usr/bin/env bash
# Installs what `make bench` needs beyond `make deps`: the password stores it is compared with,
# and GNU time (peak memory of the fetch section's baselines).
set -euo pipefail
exec "$(dirname "$0")/install-deps.sh" pass gnupg keepassxc curl time
