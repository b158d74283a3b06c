#!/usr/bin/env bash
# Plays the mail provider issuing an app password: gives USER a new random password on the test
# servers (Dovecot's passwd-file, which the SMTP server reads too) and prints it on standard
# output, for a pipe straight into `appvault add` or `rotate` (never onto a screen).
# Usage: issue-password.sh USER    (needs APPVAULT_TEST_SERVERS from start.sh)
set -euo pipefail
user=${1:?usage: issue-password.sh USER}
dir=${APPVAULT_TEST_SERVERS:?run eval "\$(scripts/testservers/start.sh)" first}
password="${user%%@*}-$(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
( flock 9
  grep -v "^$user:" "$dir/passwd" > "$dir/passwd.new" || true
  echo "$user:{PLAIN}$password::::::" >> "$dir/passwd.new"
  chmod 644 "$dir/passwd.new"
  mv "$dir/passwd.new" "$dir/passwd"
) 9> "$dir/passwd.lock"
sleep 1.1   # Dovecot re-reads its passwd-file at most once a second
printf '%s' "$password"
