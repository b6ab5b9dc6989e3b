#!/bin/bash
# A watcher reaches etcd over TLS with a client certificate: etcd (one
# member, https only, client certificates required) is verified against the
# test's CA (ca_file) and the daemon shows its certificate (cert_file,
# key_file). Without the certificate etcd refuses it: coordination is
# unavailable and nothing acts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"
. "$(dirname "$0")/ha-lib.sh"

for tool in "$ETCD" openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "# $tool not installed (tools/install-deps installs it)"
		ok "$tool is installed" false
		finish
	fi
done

PKI="$TEST_DIR/pki"
mkdir -p "$PKI"

# pki_cert NAME EXTENSIONS: a key and a certificate signed by the test CA.
pki_cert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" \
	    -out "$PKI/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	    printf '%s\n' "$2" >"$PKI/$1.ext" &&
	    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" \
	    -CAkey "$PKI/ca.key" -CAcreateserial -out "$PKI/$1.pem" -days 1 \
	    -extfile "$PKI/$1.ext" 2>/dev/null
}

ok "a CA" openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" \
    -out "$PKI/ca.pem" -days 1 -subj /CN=ccr-test-ca
# etcd's JSON gateway dials etcd itself with the server certificate, so it
# must be good for client authentication too.
ok "etcd's certificate for 127.0.0.1" pki_cert server \
    "$(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth')"
ok "the watcher's client certificate" pki_cert watcher \
    'extendedKeyUsage=clientAuth'
chmod 600 "$PKI"/*.key

ha_free_port
ETCD_C1=$HA_PORT
ha_free_port
ETCD_P1=$HA_PORT
"$ETCD" --name e1 --data-dir "$TEST_DIR/etcd-e1" \
    --listen-client-urls "https://127.0.0.1:$ETCD_C1" \
    --advertise-client-urls "https://127.0.0.1:$ETCD_C1" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_P1" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_P1" \
    --initial-cluster "e1=http://127.0.0.1:$ETCD_P1" \
    --cert-file "$PKI/server.pem" --key-file "$PKI/server.key" \
    --trusted-ca-file "$PKI/ca.pem" --client-cert-auth \
    --logger zap --log-level error >>"$TEST_DIR/etcd-e1.log" 2>&1 &
ETCD_PID1=$!
track_pid "$ETCD_PID1"
tls_healthy() {
	"$CURL" -s -m 2 --cacert "$PKI/ca.pem" --cert "$PKI/watcher.pem" \
	    --key "$PKI/watcher.key" "https://127.0.0.1:$ETCD_C1/health" |
	    grep -q '"health":"true"'
}
ok "etcd serves https and wants client certificates" wait_for 20 tls_healthy
ok "etcd refuses a client without a certificate" \
    eval '! "$CURL" -s -m 2 --cacert "$PKI/ca.pem" "https://127.0.0.1:$ETCD_C1/health" | grep -q true'
ETCD_ENDPOINTS="\"https://127.0.0.1:$ETCD_C1\""

at_scenario tls
ok "tls: clusters set up" at_setup 1
HA_QUORUM=1 ha_conf m1
sed -i "s|lease_ttl_s = $HA_TTL;|& ca_file = \"$PKI/ca.pem\"; cert_file = \"$PKI/watcher.pem\"; key_file = \"$PKI/watcher.key\";|" \
    "$AT_DIR/m1.conf"
ok "tls: m1 starts" ha_start m1
ok "tls: m1 reaches etcd and acts" wait_for 15 eval '[ "$(ha_actor)" = m1 ]'
ok "tls: m1 says etcd is reachable" \
    [ "$(ha_get m1 .coordination.etcd_reachable)" = true ]
ok "tls: m1 stops cleanly" ha_stop_all

at_scenario nocert
ok "nocert: clusters set up" at_setup 1
HA_QUORUM=1 ha_conf m2
sed -i "s|lease_ttl_s = $HA_TTL;|& ca_file = \"$PKI/ca.pem\";|" "$AT_DIR/m2.conf"
ok "nocert: m2 starts" ha_start m2
ok "nocert: coordination is unavailable" \
    wait_for 10 grep -q "coordination unavailable" "$AT_DIR/m2.log"
ok "nocert: nothing acts" [ -z "$(ha_actor)" ]
ok "nocert: m2 stops cleanly" ha_stop_all
at_end
etcd_stop

finish
