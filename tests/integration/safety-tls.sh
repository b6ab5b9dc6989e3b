#!/bin/bash
# The daemon over HTTPS (certificates made here with openssl, verified
# against ca_file) with an API key limited to exactly the privileges the
# README and readiness document: cluster monitor, manage_ccr, manage; index
# monitor, manage, manage_follow_index, read, write. Readiness passes, a
# lost leader is promoted and the old leader failed back, every request
# authorized; the same key without manage is not ready.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

if ! command -v openssl >/dev/null; then
	echo "# openssl is needed to make the test certificate" >&2
	exit 1
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" 2>/dev/null
ok "a test certificate is made" test -s "$TEST_DIR/cert.pem"

cat >"$TEST_DIR/curl-admin" <<EOF
#!/bin/sh
exec curl --cacert "$TEST_DIR/cert.pem" -u admin:adminpw "\$@"
EOF
chmod 755 "$TEST_DIR/curl-admin"
CURL="$TEST_DIR/curl-admin"
printf '%s\n' "$(printf daemonkey:s3cret | base64)" >"$TEST_DIR/api.key"
chmod 600 "$TEST_DIR/api.key"

# tls_setup PRIVILEGES: both clusters over HTTPS, the daemon's API key
# limited to PRIVILEGES (a JSON list), clusterB following logs1; the
# configuration uses https urls, ca_file and the key.
tls_setup() {
	cat >"$AT_DIR/security.json" <<EOF
{"api_keys": {"daemonkey": {"key": "s3cret", "user": "ccr_daemon",
 "role": "ccr_role", "privileges": $1}}}
EOF
	at_start_a --tls-cert "$TEST_DIR/cert.pem" --tls-key "$TEST_DIR/key.pem" \
	    --auth-basic admin:adminpw --security-file "$AT_DIR/security.json" ||
	    return 1
	at_start_b --tls-cert "$TEST_DIR/cert.pem" --tls-key "$TEST_DIR/key.pem" \
	    --auth-basic admin:adminpw --security-file "$AT_DIR/security.json" ||
	    return 1
	A=https://127.0.0.1:$ESSIM_clusterA_PORT
	B=https://127.0.0.1:$ESSIM_clusterB_PORT
	AT_URL_A=$A
	es_status PUT "$B/_cluster/settings" \
	    "$(at_remote_json clusterA "$ESSIM_clusterA_PORT")" >/dev/null
	es_status PUT "$A/logs1" '{"settings":{"number_of_shards":2}}' >/dev/null
	es_status POST "$A/logs1/_doc" '{"n":1}' >/dev/null
	[ "$(es_status PUT "$B/logs1-dr/_ccr/follow?wait_for_active_shards=1" \
	    '{"remote_cluster":"clusterA","leader_index":"logs1","read_poll_timeout":"200ms"}')" \
	    = 200 ] || return 1
	AT_N=1
	# TLS handshakes under the sanitizers take more than the usual 250 ms.
	at_config "poll_interval_ms = 1000;" "request_timeout_ms = 950;"
	sed -i "s|^    urls = |    api_key_file = \"$TEST_DIR/api.key\"; ca_file = \"$TEST_DIR/cert.pem\";\n    urls = |" \
	    "$DAEMON_CONF"
	chmod 600 "$DAEMON_CONF"
}

# denied: a request of the daemon was refused in an essim log.
denied() {
	grep -q 'security_exception\|is unauthorized' "$DAEMON_LOG"
}

at_scenario t-documented
ok "t-documented: clusters over HTTPS" tls_setup \
    '["monitor","manage_ccr","manage","manage_follow_index","read","write"]'
ok "t-documented: --preflight passes with the documented privileges" \
    eval '"$FAILOVERD" --preflight -c "$DAEMON_CONF" >"$AT_DIR/preflight.out"'
ok "t-documented: ... TLS verified" \
    grep -q '^ok   connect:clusterA: https://.* answers, TLS verified' \
    "$AT_DIR/preflight.out"
daemon_start
ok "t-documented: replicating" wait_state 10 REPLICATING clusterA
ok "t-documented: ready" wait_for 5 eval '[ "$(status_get .ready)" = true ]'
at_kill clusterA KILL
ok "t-documented: promoted" wait_state 15 PROMOTED clusterB
ok "t-documented: clusterB's index is a plain open index" \
    all_plain "$B" logs1-dr
at_start_a --tls-cert "$TEST_DIR/cert.pem" --tls-key "$TEST_DIR/key.pem" \
    --auth-basic admin:adminpw --security-file "$AT_DIR/security.json"
A=https://127.0.0.1:$ESSIM_clusterA_PORT
ok "t-documented: failed back" wait_state 30 REPLICATING clusterB
ok "t-documented: logs1 on clusterA follows clusterB" \
    wait_for 10 eval '[ "$(leader_of "$A" logs1)" = clusterB:logs1-dr ]'
ok "t-documented: no request was refused" eval '! denied'

at_scenario t-short
ok "t-short: clusters over HTTPS" tls_setup \
    '["monitor","manage_ccr","manage_follow_index","read","write"]'
ok "t-short: --preflight fails without manage" \
    eval '! "$FAILOVERD" --preflight -c "$DAEMON_CONF" >"$AT_DIR/preflight.out"'
ok "t-short: ... naming it and the steps that need it" \
    grep -q 'cluster privilege manage missing (remote registration' \
    "$AT_DIR/preflight.out"
ok "t-short: ... on the indices too" \
    grep -q 'index privilege manage on logs1-dr missing (close, open' \
    "$AT_DIR/preflight.out"

at_end
finish
