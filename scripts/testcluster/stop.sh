#!/usr/bin/env bash
# Stops every server of the PostgreSQL test cluster and removes its network namespaces and
# bridge. The folder (certificates, data) is kept; start.sh makes the servers anew.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${APPVAULT_TEST_CLUSTER_DIR:-${TMPDIR:-/tmp}/appvault-testcluster}
[ -s "$dir/cluster.conf" ] || exit 0
# shellcheck source=/dev/null
source "$dir/cluster.conf"
for data in "$dir"/*/data; do
    [ -d "$data" ] || continue
    name=$(basename "$(dirname "$data")")
    APPVAULT_TEST_CLUSTER=$dir "$here/instance.sh" kill "$name"
done
if [ "${NETNS:-no}" = yes ]; then
    for host in 1 2 3; do ip netns del "${NETNS_PREFIX}h$host" 2>/dev/null || true; done
    ip link del "${NETNS_PREFIX}br" 2>/dev/null || true
fi
rm -f "$dir/cluster.conf"
echo "stopped the test cluster in $dir"
