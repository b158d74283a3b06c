#!/usr/bin/env bash
# Starts appvault's PostgreSQL test cluster (idempotent) and prints
# `export APPVAULT_TEST_CLUSTER=<state dir>`. Usage: eval "$(scripts/testcluster/start.sh)"
#
# - A CA from scripts/testservers/certs.sh; a server certificate for 127.0.0.1 and the virtual
#   network's two server addresses; a client certificate for the database user `appvault`; a
#   random password for the user `appvault_pw` in a pgpass file (pgpass.conf).
# - As root: a bridge with the server addresses NET.1 and NET.2 and three "hosts", network
#   namespaces with their own address NET.11, NET.12, NET.13 on a veth pair each, which reach the
#   servers over the bridge. NET is 10.77.K with K = (APPVAULT_TEST_PORT_OFFSET / 1000) % 250.
#   Without root the namespaces are left out (cluster.conf says NETNS=no).
# - The server `main` (fsync off: the tests that use it check behaviour, not durability) on port
#   20432 + APPVAULT_TEST_PORT_OFFSET, on 127.0.0.1 and NET.1. The tests make and remove the
#   other servers themselves with instance.sh (the next ports up), since they stop and kill them.
#
# Everything lives in $APPVAULT_TEST_CLUSTER_DIR (default ${TMPDIR:-/tmp}/appvault-testcluster);
# stop.sh stops the servers and removes the namespaces.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${APPVAULT_TEST_CLUSTER_DIR:-${TMPDIR:-/tmp}/appvault-testcluster}
offset=${APPVAULT_TEST_PORT_OFFSET:-0}
[[ "$offset" =~ ^[0-9]+$ ]] && [ "$offset" -le 40000 ] || { echo "APPVAULT_TEST_PORT_OFFSET must be 0-40000" >&2; exit 2; }
export APPVAULT_TEST_CLUSTER=$dir
base=$((20432 + offset))
k=$(((offset / 1000) % 250))
net=10.77.$k
prefix=av$k
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql); scripts/install-deps.sh installs it" >&2; exit 1; }

netns_up() {
    [ -e "/run/netns/${prefix}h1" ] && [ -e "/run/netns/${prefix}h2" ] && [ -e "/run/netns/${prefix}h3" ] \
        && ip -n "${prefix}h3" addr show 2>/dev/null | grep -q "$net.13/"
}
if [ -s "$dir/cluster.conf" ] && grep -q "^PORT_BASE=$base$" "$dir/cluster.conf" \
    && "$pg_bin/pg_isready" -q -h "$dir/run" -p "$base" -t 1 2>/dev/null \
    && { ! grep -q '^NETNS=yes' "$dir/cluster.conf" || netns_up; }; then
    echo "export APPVAULT_TEST_CLUSTER=$dir"
    exit 0
fi
APPVAULT_TEST_CLUSTER_DIR=$dir "$here/stop.sh" >/dev/null 2>&1 || true

mkdir -p "$dir" && chmod 711 "$dir"
owner=$(id -un)
[ "$(id -u)" -eq 0 ] && owner=postgres
mkdir -p "$dir/run" "$dir/pg-certs"
chown "$owner" "$dir/run" "$dir/pg-certs" && chmod 700 "$dir/run" "$dir/pg-certs"
"$here/../testservers/certs.sh" "$dir"

# The servers' certificate names every address a client may dial; the client certificate's
# common name is the database user it logs in as (pg_hba `cert`).
(
    cd "$dir"
    cat > pg-extensions.cnf <<CNF
[ pg_server ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:$net.1, IP:$net.2
[ pg_client ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
CNF
    issue() { # file, common name, extensions section
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
            -subj "/CN=$2" 2>/dev/null
        openssl ca -batch -config ca.cnf -extfile pg-extensions.cnf -extensions "$3" -in "$1.csr" -out "$1.pem" \
            -notext -days 825 2>/dev/null
        rm -f "$1.csr"
        chmod 600 "$1.key"
    }
    issue pg-certs/server localhost pg_server
    chown "$owner" pg-certs/server.key pg-certs/server.pem
    issue client appvault pg_client
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > pg-password
    chmod 600 pg-password
    printf '*:*:*:appvault_pw:%s\n' "$(cat pg-password)" > pgpass.conf
    chmod 600 pgpass.conf
)

netns=no
address=127.0.0.1
if [ "$(id -u)" -eq 0 ]; then
    bridge=${prefix}br
    ip link add "$bridge" type bridge
    ip addr add "$net.1/24" dev "$bridge"
    ip addr add "$net.2/24" dev "$bridge"
    ip link set "$bridge" up
    for host in 1 2 3; do
        ns=${prefix}h$host
        ip netns add "$ns"
        ip link add "${ns}a" type veth peer name "${ns}b"
        ip link set "${ns}a" netns "$ns"
        ip link set "${ns}b" master "$bridge" up
        ip -n "$ns" addr add "$net.1$host/24" dev "${ns}a"
        ip -n "$ns" link set "${ns}a" up
        ip -n "$ns" link set lo up
    done
    netns=yes
    address=$net.1
fi

cat > "$dir/cluster.conf" <<CONF
# Written by scripts/testcluster/start.sh; read by instance.sh and the tests.
PG_BIN=$pg_bin
PORT_BASE=$base
NET=$net
NETNS=$netns
NETNS_PREFIX=$prefix
SERVER_ADDRESS=$address
SECOND_ADDRESS=$net.2
CONF

"$here/instance.sh" init main "$base" "$address" fast
echo "export APPVAULT_TEST_CLUSTER=$dir"
