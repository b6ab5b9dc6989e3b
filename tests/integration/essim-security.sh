#!/bin/bash
# essim's security: HTTPS with --tls-cert/--tls-key (a certificate made
# here with openssl), replication between two HTTPS clusters, users and API
# keys limited to named privileges (--role and --security-file) answered
# 403 with Elasticsearch's action names, and _has_privileges.
. "$(dirname "$0")/lib.sh"

if ! command -v openssl >/dev/null; then
	echo "# openssl is needed to make the test certificate" >&2
	exit 1
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$TEST_DIR/key.pem" -out "$TEST_DIR/cert.pem" 2>/dev/null
ok "a test certificate is made" test -s "$TEST_DIR/cert.pem"

cat >"$TEST_DIR/security.json" <<'EOF'
{"users": {"reader": {"password": "r3ad", "role": "read_only",
                      "privileges": ["read", "monitor"]}},
 "api_keys": {"daemonkey": {"key": "s3cret", "user": "ccr_daemon",
                            "role": "ccr_role",
                            "privileges": ["monitor", "manage_ccr",
                                           "manage_follow_index"]}}}
EOF

essim_start clusterA --tls-cert "$TEST_DIR/cert.pem" --tls-key "$TEST_DIR/key.pem" \
    --auth-basic elastic:changeme
essim_start clusterB --tls-cert "$TEST_DIR/cert.pem" --tls-key "$TEST_DIR/key.pem" \
    --refresh-interval-ms 100 --read-poll-timeout-ms 300 \
    --auth-basic elastic:changeme --auth-basic ccr_daemon:d4emon \
    --role ccr_daemon:monitor,manage_ccr --security-file "$TEST_DIR/security.json"
A=https://127.0.0.1:$ESSIM_clusterA_PORT
B=https://127.0.0.1:$ESSIM_clusterB_PORT

# s USER:PASS METHOD URL [BODY]: a request over HTTPS checked against the
# test CA; body then status on the last line.
s() {
	local user=$1 method=$2 url=$3
	shift 3
	"$CURL" -s -m 20 --cacert "$TEST_DIR/cert.pem" -u "$user" -X "$method" \
	    -H 'Content-Type: application/json' ${1:+-d "$1"} \
	    -w '\n%{http_code}\n' "$url"
}
# key METHOD URL [BODY]: the same with the API key of the security file.
key() {
	local method=$1 url=$2
	shift 2
	"$CURL" -s -m 20 --cacert "$TEST_DIR/cert.pem" -X "$method" \
	    -H "Authorization: ApiKey $(printf daemonkey:s3cret | base64)" \
	    -H 'Content-Type: application/json' ${1:+-d "$1"} \
	    -w '\n%{http_code}\n' "$url"
}
status() {
	tail -n 1
}
E=elastic:changeme

# --- HTTPS --------------------------------------------------------------------
ok "HTTPS, verified against the test certificate" has \
    "$(s $E GET "$A/?filter_path=cluster_name")" '{"cluster_name":"clusterA"}'
ok "plain HTTP on the HTTPS port gets no answer" \
    [ "$("$CURL" -s -m 5 -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$ESSIM_clusterA_PORT/")" = 000 ]
s $E PUT "$A/l" '{"settings":{"number_of_replicas":0}}' >/dev/null
s $E PUT "$A/l/_doc/1" '{"n":1}' >/dev/null
ok "remote over TLS" [ "$(s $E PUT "$B/_cluster/settings" \
    "{\"persistent\":{\"cluster.remote.clusterA.mode\":\"proxy\",\"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$ESSIM_clusterA_PORT\"}}" | status)" = 200 ]
ok "put-follow between two HTTPS clusters" has "$(s $E PUT \
    "$B/f/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"l"}')" \
    '"index_following_started":true'
ok "... the document is replicated" has "$(s $E GET "$B/f/_doc/1")" '"found":true'
s $E PUT "$A/l/_doc/2" '{"n":2}' >/dev/null
doc2() {
	has "$(s $E GET "$B/f/_doc/2")" '"found":true'
}
ok "... and new writes follow" wait_for 5 doc2

# --- privileges -------------------------------------------------------------------
D=ccr_daemon:d4emon
ok "--role: monitor grants health" [ "$(s $D GET "$B/_cluster/health" | status)" = 200 ]
ok "... and GET /" [ "$(s $D GET "$B/" | status)" = 200 ]
ok "... and _ccr/stats" [ "$(s $D GET "$B/_ccr/stats" | status)" = 200 ]
out=$(s $D POST "$B/f/_close")
ok "close without manage: 403" [ "$(echo "$out" | status)" = 403 ]
ok "... security_exception with the action name and the granting privileges" has "$out" \
    '"type":"security_exception","reason":"action [indices:admin/close] is unauthorized for user [ccr_daemon] with effective roles [ccr_daemon] on indices [f], this action is granted by the index privileges [manage,all]"'
ok "manage_ccr grants pause_follow" [ "$(s $D POST "$B/f/_ccr/pause_follow" | status)" = 200 ]
ok "... and resume_follow" [ "$(s $D POST "$B/f/_ccr/resume_follow" | status)" = 200 ]
out=$(s $D POST "$B/f/_ccr/unfollow")
ok "unfollow without manage_follow_index: 403" has "$out" \
    'action [indices:admin/xpack/ccr/unfollow] is unauthorized for user [ccr_daemon]'
ok "... granted by manage_follow_index" has "$out" \
    'granted by the index privileges [manage_follow_index,manage,all]'
out=$(s $D PUT "$B/_cluster/settings" '{"persistent":{}}')
ok "cluster settings update needs manage" has "$out" \
    'action [cluster:admin/settings/update] is unauthorized for user [ccr_daemon] with effective roles [ccr_daemon], this action is granted by the cluster privileges [manage,all]'
ok "a write needs write" has "$(s $D PUT "$B/g/_doc/1" '{"n":1}')" \
    'action [indices:data/write/index] is unauthorized'
ok "a search needs read" has "$(s $D GET "$B/f/_search")" \
    'action [indices:data/read/search] is unauthorized'
R=reader:r3ad
ok "security file user: read grants search" [ "$(s $R GET "$B/f/_search" | status)" = 200 ]
ok "... but not pause_follow" has "$(s $R POST "$B/f/_ccr/pause_follow")" \
    'action [cluster:admin/xpack/ccr/pause_follow] is unauthorized for user [reader] with effective roles [read_only], this action is granted by the cluster privileges [manage_ccr,manage,all]'
out=$(key POST "$B/f/_close")
ok "API key: 403 names the key and its user" has "$out" \
    'action [indices:admin/close] is unauthorized for API key id [daemonkey] of user [ccr_daemon]'
s $E POST "$B/f/_ccr/pause_follow" >/dev/null
s $E POST "$B/f/_close" >/dev/null
ok "... the API key unfollows" [ "$(key POST "$B/f/_ccr/unfollow" | status)" = 200 ]
ok "an unrestricted user may do everything" [ "$(s $E POST "$B/f/_open" | status)" = 200 ]
ok "a wrong password is still 401" [ "$(s ccr_daemon:wrong GET "$B/" | status)" = 401 ]

# --- _has_privileges ------------------------------------------------------------
q='{"cluster":["monitor","manage_ccr","manage"],"index":[{"names":["f","g"],"privileges":["read","manage_follow_index"]}]}'
out=$(s $D POST "$B/_security/user/_has_privileges" "$q")
ok "POST _has_privileges: 200" [ "$(echo "$out" | status)" = 200 ]
ok "... per cluster privilege" has "$out" \
    '"username":"ccr_daemon","has_all_requested":false,"cluster":{"monitor":true,"manage_ccr":true,"manage":false}'
ok "... per index and privilege" has "$out" \
    '"index":{"f":{"read":false,"manage_follow_index":false},"g":{"read":false,"manage_follow_index":false}},"application":{}'
out=$(key GET "$B/_security/user/_has_privileges" \
    '{"cluster":["monitor"],"index":[{"names":["f"],"privileges":["manage_follow_index"]}]}')
ok "GET _has_privileges with the API key: all requested" has "$out" \
    '"username":"ccr_daemon","has_all_requested":true'
ok "the superuser has everything" has "$(s $E POST "$B/_security/user/_has_privileges" "$q")" \
    '"has_all_requested":true'

# --- bad command lines ----------------------------------------------------------
ok "--role for an unknown user is refused" sh -c \
    "! '$ESSIM' --name x --listen 127.0.0.1:0 --role nobody:read 2>/dev/null"
ok "--tls-cert without --tls-key is refused" sh -c \
    "! '$ESSIM' --name x --listen 127.0.0.1:0 --tls-cert '$TEST_DIR/cert.pem' 2>/dev/null"
ok "an unreadable certificate is refused" sh -c \
    "! '$ESSIM' --name x --listen 127.0.0.1:0 --tls-cert /nonexistent --tls-key /nonexistent 2>/dev/null"

ok "clusters stop cleanly" essim_stop_all
finish
