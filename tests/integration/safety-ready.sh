#!/bin/bash
# Readiness: before any disaster, the daemon knows whether a promotion and
# a failback would work. Against two essim clusters whose daemon user lacks
# a privilege the actions need: status.json says ready false and names the
# check, ccr-failoverctl status shows it, the journal records the change,
# and ccr-failoverd --preflight exits 1; with every privilege granted,
# --preflight exits 0. A privilege granted later is seen by the next pass,
# readiness_interval_s after the last one. Needs essim's users with limited privileges (skipped
# without them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

if ! "$ESSIM" -h 2>&1 | grep -q -- '--role'; then
	echo "# essim cannot limit privileges yet (--role): skipped"
	finish
fi

# The test's own requests go as an unlimited user.
cat >"$TEST_DIR/curl-admin" <<'EOF'
#!/bin/sh
exec curl -u admin:adminpw "$@"
EOF
chmod 755 "$TEST_DIR/curl-admin"
CURL="$TEST_DIR/curl-admin"
printf 'pw\n' >"$TEST_DIR/pw"
chmod 600 "$TEST_DIR/pw"

# ready_setup ROLE-B [SETTING...]: the clusters and the configuration (with
# the settings), the daemon as user ccr on both clusters; clusterB started
# with ccr limited to ROLE-B's privileges.
ready_setup() {
	local role=$1
	shift
	at_start_a --auth-basic admin:adminpw --auth-basic ccr:pw || return 1
	at_start_b --auth-basic admin:adminpw --auth-basic ccr:pw \
	    --role "ccr:$role" || return 1
	es_status PUT "$B/_cluster/settings" \
	    "$(at_remote_json clusterA "$ESSIM_clusterA_PORT")" >/dev/null
	es_status PUT "$A/logs1" '{"settings":{"number_of_shards":2}}' \
	    >/dev/null
	[ "$(es_status PUT "$B/logs1-dr/_ccr/follow?wait_for_active_shards=1" \
	    '{"remote_cluster":"clusterA","leader_index":"logs1","read_poll_timeout":"200ms"}')" \
	    = 200 ] || return 1
	AT_N=1
	AT_A=" logs1"
	AT_B=" logs1-dr"
	AT_CLUSTER_KEYS="username = \"ccr\"; password_file = \"$TEST_DIR/pw\";" \
	    at_config "$@"
	chmod 600 "$DAEMON_CONF"
}

# check_field NAME JQ: a field of readiness check NAME in status.json.
check_field() {
	status_get ".readiness[] | select(.check == \"$1\") | $2"
}

at_scenario r-missing
ready_setup monitor,manage_ccr,manage_follow_index,read,write
ok "r-missing: --preflight fails" \
    eval '! "$FAILOVERD" --preflight -c "$DAEMON_CONF" >"$AT_DIR/preflight.out"'
ok "r-missing: --preflight names the missing privilege and its steps" \
    grep -q '^FAIL privileges:clusterB: .*index privilege manage on logs1-dr missing (close, open' \
    "$AT_DIR/preflight.out"
ok "r-missing: --preflight passes what is fine" \
    grep -q '^ok   follow:logs1-dr: follows clusterA:logs1' "$AT_DIR/preflight.out"
ok "r-missing: --preflight ends NOT READY" \
    grep -q '^NOT READY$' "$AT_DIR/preflight.out"
daemon_start
ok "r-missing: replicating" wait_state 10 REPLICATING clusterA
ok "r-missing: status.json says not ready" \
    wait_for 5 eval '[ "$(status_get .ready)" = false ] && [ "$(check_field privileges:clusterB .ok)" = false ]'
ok "r-missing: the failed check's detail names the privilege" \
    eval 'check_field privileges:clusterB .detail | grep -q "index privilege manage on logs1-dr missing"'
ok "r-missing: clusterA's privileges pass" \
    [ "$(check_field privileges:clusterA .ok)" = true ]
ok "r-missing: ccr-failoverctl status shows the failed check" \
    eval 'ctl status | grep -q "failed:     privileges:clusterB: "'
ok "r-missing: the journal records it" log_has "readiness: NOT ready"

at_scenario r-granted
ready_setup monitor,manage,manage_ccr,manage_follow_index,read,write
ok "r-granted: --preflight passes" \
    eval '"$FAILOVERD" --preflight -c "$DAEMON_CONF" >"$AT_DIR/preflight.out"'
ok "r-granted: --preflight ends ready" grep -q '^ready$' "$AT_DIR/preflight.out"
daemon_start
ok "r-granted: status.json says ready" \
    wait_for 5 eval '[ "$(status_get .ready)" = true ]'

# readiness_interval_s: the privilege granted while the daemon runs (by
# restarting clusterB with it) is seen by the next periodic pass, with no
# reload and no role swap, and not before the interval has passed.
at_scenario r-interval
ready_setup monitor,manage_ccr,manage_follow_index,read,write \
    "readiness_interval_s = 10;"
daemon_start
ok "r-interval: the first pass says not ready" \
    wait_for 5 log_has "readiness: NOT ready"
at_kill clusterB
at_start_b --auth-basic admin:adminpw --auth-basic ccr:pw \
    --role ccr:monitor,manage,manage_ccr,manage_follow_index,read,write
ok "r-interval: a later pass says ready" \
    wait_for 30 eval '[ "$(status_get .ready)" = true ]'
# log_ms TEXT: the time of the first log line with TEXT, in ms.
log_ms() {
	date -d "$(grep -F -m 1 -- "$1" "$DAEMON_LOG" | cut -d' ' -f1)" +%s%3N
}
gap=$(($(log_ms "readiness: ready") - $(log_ms "readiness: NOT ready")))
echo "# ready $gap ms after the first pass"
ok "r-interval: ... no sooner than the interval after the first" \
    [ "$gap" -ge 9000 ]

at_end
finish
