#!/bin/bash
# Credentials: clusterA with username + password_file, clusterB with
# api_key_file. The secrets (and the Basic header made from the password)
# never reach the daemon's log, status.json or state.json, at debug level
# and through failures, reloads and a lost leader; the headers do reach the
# clusters (checked with a small header-recording server, since essim
# looks at Authorization only with security on, under CCR_TEST_HTTPS;
# skipped without python3). A secret file others may read is refused
# without quoting it. Also: -t on a typo, and -n.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

PASSWORD='pw-Xyzzy-7731-not-for-logs'
API_KEY='a2V5LWlkOmFwaS1rZXktUGx1Z2gtNDQxMA=='
BASIC=$(printf 'ccr_monitor:%s' "$PASSWORD" | base64 -w0)
printf '%s\n' "$PASSWORD" >"$TEST_DIR/a.password"
printf '%s\n' "$API_KEY" >"$TEST_DIR/b.key"
chmod 600 "$TEST_DIR/a.password" "$TEST_DIR/b.key"
CONF_A_EXTRA="username = \"ccr_monitor\"; password_file = \"$TEST_DIR/a.password\";"
CONF_B_EXTRA="api_key_file = \"$TEST_DIR/b.key\";"
# Over HTTPS (CCR_TEST_HTTPS) the essims check both credentials.
tls_principal_add users ccr_monitor "$PASSWORD"
tls_principal_add api_keys key-id api-key-Plugh-4410

# no_secret FILE...: none of the files holds a secret or the Basic token.
no_secret() {
	! grep -lF -e "$PASSWORD" -e "$API_KEY" -e "$BASIC" -e "${BASIC%%=*}" \
	    "$@"
}

# --- -t ----------------------------------------------------------------------
ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
A=$ESSIM_clusterA_URL
CONF="$TEST_DIR/secrets.conf"
conf_write "$CONF"
ok "-t accepts the configuration" "$FAILOVERD" -t -c "$CONF"
sed 's/password_file/pasword_file/' "$CONF" >"$TEST_DIR/typo.conf"
"$FAILOVERD" -t -c "$TEST_DIR/typo.conf" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
rc=$?
line=$(grep -n pasword_file "$TEST_DIR/typo.conf" | cut -d: -f1)
ok "-t on a typo exits 1" [ "$rc" -eq 1 ]
ok "... with FILE:LINE: message" [ "$(cat "$TEST_DIR/err")" = \
    "$TEST_DIR/typo.conf:$line: clusters.clusterA.pasword_file: unknown key" ]

# --- a file others may read --------------------------------------------------
daemon_dirs loose
chmod 644 "$TEST_DIR/a.password"
"$FAILOVERD" -c "$CONF" --state-dir "$DAEMON_STATE" \
    --runtime-dir "$DAEMON_RUN" 2>"$DAEMON_LOG" &
pid=$!
track_pid "$pid"
wait "$pid"
ok "a password file others may read: the daemon does not start" [ $? -eq 1 ]
ok "... saying which file and why" \
    log_has "$TEST_DIR/a.password: others may read or write it \(chmod o-rw\)"
ok "... without quoting it" no_secret "$DAEMON_LOG"
chmod 600 "$TEST_DIR/a.password"

# --- never in a log or file --------------------------------------------------
daemon_dirs debug
ok "the daemon starts at debug level" daemon_start "$CONF" --log-level debug
ok "REPLICATING" wait_for 5 state_is REPLICATING
ok "debug lines are logged" wait_for 5 log_has ': debug: poll: round [0-9]+: '
es_body POST "$A/_essim/faults" \
    '{"path":"/_cluster/health","action":"error","status":401,"type":"security_exception","reason":"unable to authenticate user [ccr_monitor]","count":2}' \
    >/dev/null
ok "a 401 from the leader is a refusal, not a failed poll" \
    wait_for 5 log_has 'leader refuses the daemon: credentials rejected'
ok "... logged at debug level with the answer's error" \
    log_has 'debug: poll: leader health failed after [0-9]+ ms: security_exception: unable to authenticate user \[ccr_monitor\]$'
ok "... and passes" wait_for 5 state_is REPLICATING
kill -HUP "$DAEMON_PID"
ok "a reload reads the secrets again" \
    wait_for 5 log_has 'configuration reloaded'
chmod 644 "$TEST_DIR/b.key"
kill -HUP "$DAEMON_PID"
ok "a reload with an API key file others may read: rejected" \
    wait_for 5 log_has "reload rejected, keeping the running configuration: $TEST_DIR/b.key: others may read or write it"
chmod 600 "$TEST_DIR/b.key"
ok "... the daemon polls on" polls_pass 2
essim_kill clusterA KILL
ok "leader killed: leader-lost" wait_for 10 log_has 'warning: leader-lost: '
ok "... and the promotion done" wait_for 10 promoted_to_b
ok "SIGTERM: exit 0" daemon_stop
ok "no secret in the log" no_secret "$DAEMON_LOG"
ok "... nor in status.json" no_secret "$DAEMON_RUN/status.json"
ok "... nor in state.json" no_secret "$DAEMON_STATE/state.json"

# --- -n ----------------------------------------------------------------------
ok "clusterA restarts" essim_restart clusterA
ok "clusterB's $IDX2 follows clusterA's $IDX again, afresh" ccr_refollow
daemon_dirs dry
ok "-n: the daemon starts" daemon_start "$CONF" -n
ok "... and says it is a dry run" \
    log_has 'info: started .*: leader clusterA, follower clusterB, 1 indices, dry run'
ok "... REPLICATING" wait_for 5 state_is REPLICATING
essim_kill clusterA KILL
ok "... a lost leader is decided" \
    wait_for 10 log_has 'warning: leader-lost: leader lost after 3 polls'
ok "... the promotion starts as a dry run" \
    wait_for 10 log_has 'notice: promote started: clusterB to lead, clusterA to follow, 1 indices \(dry run\)'
ok "... each request is logged, not sent" wait_for 10 log_has \
    "info: dry run: POST /$IDX2/_ccr/unfollow on clusterB"
dry_promoted() {
	[ "$(st '"\(.state) \(.leader)"')" = "PROMOTED clusterB" ]
}
ok "... the daemon counts it PROMOTED, clusterB leading" \
    wait_for 10 dry_promoted
ok "... while clusterB's $IDX2 still follows, untouched" \
    [ "$(follow_status_b "$IDX2")" = active ]
ok "SIGTERM: exit 0" daemon_stop
ok "no secret in the log" no_secret "$DAEMON_LOG"

# --- the headers are sent ----------------------------------------------------
if command -v python3 >/dev/null 2>&1; then
	# header_server NAME: a server that records each request's
	# Authorization header in $TEST_DIR/NAME.auth and answers 503 (over
	# HTTPS with the test certificate under CCR_TEST_HTTPS).
	header_server() {
		python3 - "$TEST_DIR/$1" ${TLS_CA:+"$TEST_DIR/tls"} <<'EOF' &
import http.server, os, ssl, sys
base = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(base + ".auth", "a") as f:
            f.write((self.headers.get("Authorization") or "-") + "\n")
        body = b'{"error":{"type":"x","reason":"y"},"status":503}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    do_HEAD = do_GET
    def log_message(self, *args):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 2:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(sys.argv[2] + "/cert.pem", sys.argv[2] + "/key.pem")
    s.socket = tls.wrap_socket(s.socket, server_side=True)
with open(base + ".tmp", "w") as f:
    f.write(str(s.server_port))
os.rename(base + ".tmp", base + ".port")
s.serve_forever()
EOF
		track_pid $!
		wait_for 10 test -s "$TEST_DIR/$1.port"
	}
	ok "a header server for clusterA" header_server ha
	ok "... and one for clusterB" header_server hb
	daemon_dirs headers
	CONF_A_URL=$ESSIM_SCHEME://127.0.0.1:$(cat "$TEST_DIR/ha.port") \
	    CONF_B_URL=$ESSIM_SCHEME://127.0.0.1:$(cat "$TEST_DIR/hb.port") \
	    conf_write "$TEST_DIR/headers.conf"
	ok "the daemon polls them" daemon_start "$TEST_DIR/headers.conf"
	ok "... clusterA gets requests" wait_for 5 test -s "$TEST_DIR/ha.auth"
	ok "... clusterB gets requests" wait_for 5 test -s "$TEST_DIR/hb.auth"
	ok "clusterA: every request carries Basic username:password" \
	    [ "$(sort -u "$TEST_DIR/ha.auth")" = "Basic $BASIC" ]
	ok "clusterB: every request carries ApiKey" \
	    [ "$(sort -u "$TEST_DIR/hb.auth")" = "ApiKey $API_KEY" ]
	ok "SIGTERM: exit 0" daemon_stop
	ok "no secret in the log" no_secret "$DAEMON_LOG"
else
	echo "# python3 not found: the header check is skipped"
fi

ok "no sanitizer report from the daemons" \
    bash -c '! grep -l Sanitizer "$1"/*/daemon.log' _ "$TEST_DIR"
ok "clusterB stops cleanly" essim_stop_all

finish
