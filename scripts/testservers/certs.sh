#!/usr/bin/env bash
# Makes the test PKI in "$1": a CA, a server certificate for localhost/127.0.0.1, an expired one
# and one for the wrong host name. Existing files are kept, so repeated runs reuse the same CA.
set -euo pipefail
dir=$1
cd "$dir"
[ -s ca.pem ] && [ -s server.pem ] && [ -s expired.pem ] && [ -s wrongname.pem ] && exit 0
rm -rf ca-db && mkdir -p ca-db && touch ca-db/index.txt && echo 1000 > ca-db/serial
cat > ca.cnf <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $dir/ca-db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = copy
[ anything ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = appvault test CA
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_localhost ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ server_wrongname ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.test
CNF
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 3650 -config ca.cnf -extensions v3_ca 2>/dev/null
sign() { # name, common name, extensions section, extra `openssl ca` arguments
    local name=$1 cn=$2 ext=$3; shift 3
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
        -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
    openssl ca -batch -config ca.cnf -extensions "$ext" -in "$name.csr" -out "$name.pem" -notext "$@" 2>/dev/null
    rm -f "$name.csr"
}
sign server localhost server_localhost -days 825
sign expired localhost server_localhost -startdate 20200101000000Z -enddate 20200201000000Z
sign wrongname wrong.example.test server_wrongname -days 825
chmod 600 ./*.key
