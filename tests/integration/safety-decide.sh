#!/bin/bash
# The daemon's decision against two essim clusters in the cases where a
# naive one promotes a living leader: a cluster that refuses the daemon's
# credentials, another cluster behind a url, a follower that cannot know
# (no remote_cluster_client role), a probe rejected for credentials, a
# daemon-only partition while replication visibly works, and a restart
# after a kill -9 while pre_promote ran. Each asserts what the clusters
# really hold, not only what the daemon says.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# daemon_only_partition URL ACTION: the daemon's requests to the cluster
# fail (by its User-Agent); the peer and the test still reach it.
daemon_only_partition() {
	fault "$1" "{\"path\":\"/\",\"from\":\"clients\",\"header\":\"User-Agent: ccr-failoverd\",\"action\":\"$2\"}"
}

# never_promoted SECONDS: for that long the state is never PROMOTING,
# PROMOTED or AWAITING_CONFIRMATION, and clusterB's index still follows.
never_promoted() {
	local end=$(( $(date +%s) + $1 )) s
	while [ "$(date +%s)" -lt "$end" ]; do
		s=$(status_get .state)
		case "$s" in
		PROMOTING|PROMOTED|AWAITING_CONFIRMATION)
			echo "# state $s: $(status_get .reason)" >&2
			return 1 ;;
		esac
		sleep 0.1
	done
	[ "$(ccr_info "$B" logs1-dr)" = active ]
}

# reason_has TEXT: status.json's reason holds the fixed string.
reason_has() {
	status_get .reason | grep -qF -- "$1"
}

# --- a leader that answers 401 is alive --------------------------------------
# With agreement not required, a leader "down" for failure_threshold polls is
# promoted at once: a 401 must not count as down.
at_scenario s-denied
at_setup 1
at_config "require_follower_agreement = false;"
daemon_start
ok "s-denied: replicating" wait_state 10 REPLICATING clusterA
fault "$A" '{"path":"/","from":"clients","header":"User-Agent: ccr-failoverd","action":"error","status":401,"type":"security_exception","reason":"unable to authenticate user [ccr] for REST request [/_cluster/health]"}'
ok "s-denied: DEGRADED, credentials rejected" \
    wait_for 10 eval 'state_is DEGRADED && reason_has "credentials rejected"'
ok "s-denied: never promoted, clusterB still follows" never_promoted 3
es_status DELETE "$A/_essim/faults" >/dev/null
ok "s-denied: replicating once the leader accepts us again" \
    wait_state 10 REPLICATING clusterA

# --- a follower that refuses a privilege cannot agree -----------------------
at_scenario s-privilege
at_setup 1
at_config
daemon_start
ok "s-privilege: replicating" wait_state 10 REPLICATING clusterA
fault "$B" '{"path":"/_ccr/stats","from":"clients","action":"error","status":403,"type":"security_exception","reason":"action [cluster:monitor/ccr/stats] is unauthorized for user [ccr] with effective roles [ccr_role]"}'
ok "s-privilege: DEGRADED, privilege missing named" \
    wait_for 10 eval 'state_is DEGRADED && reason_has "privilege missing: cluster:monitor/ccr/stats"'
at_kill clusterA KILL
ok "s-privilege: leader dead, still never promoted" never_promoted 3

# --- another cluster behind the follower's url -------------------------------
at_scenario s-identity
at_setup 1
at_config
daemon_start
ok "s-identity: replicating" wait_state 10 REPLICATING clusterA
uuid_b=$(es_body GET "$B/" | jq -r .cluster_uuid)
ok "s-identity: clusterB's cluster_uuid pinned in state.json" \
    wait_for 5 eval '[ "$(state_get .identity.clusterB)" = "$uuid_b" ]'
at_kill clusterB KILL
mv "$AT_DIR/b.journal" "$AT_DIR/b.journal.old"
at_start_b
uuid_new=$(es_body GET "$B/" | jq -r .cluster_uuid)
ok "s-identity: the new cluster has another uuid" [ "$uuid_new" != "$uuid_b" ]
ok "s-identity: DEGRADED, identity changed" \
    wait_for 10 eval 'state_is DEGRADED && reason_has "identity changed"'
at_kill clusterA KILL
ok "s-identity: leader dead, nothing promoted" \
    eval '! wait_for 3 eval "state_is PROMOTING || state_is PROMOTED || state_is AWAITING_CONFIRMATION"'
ok "s-identity: the pin is kept" [ "$(state_get .identity.clusterB)" = "$uuid_b" ]
ok "s-identity: promote is refused until reset-identity" \
    eval '! ctl_ok promote'
ok "s-identity: reset-identity of an unknown cluster is refused" \
    eval '! ctl_ok reset-identity clusterZ'
ok "s-identity: reset-identity clusterB accepted" ctl_ok reset-identity clusterB
ok "s-identity: the new uuid is pinned" \
    wait_for 5 eval '[ "$(state_get .identity.clusterB)" = "$uuid_new" ]'
ok "s-identity: the journal names the reset" log_has "reset-identity clusterB"

# --- a daemon-only partition while replication works --------------------------
# The daemon cannot reach clusterA, and the follower's probe of it hangs, but
# clusterB keeps reading from clusterA: no promotion. Five failed polls
# (1 s) rather than three give the follower's reads time to show on a
# loaded machine.
at_scenario s-replicating
at_setup 1
at_config "failure_threshold = 5;"
daemon_start
ok "s-replicating: replicating" wait_state 10 REPLICATING clusterA
daemon_only_partition "$A" drop
fault "$B" '{"path":"/_resolve/cluster","from":"clients","action":"hang"}'
before=$(count "$B" logs1-dr)
for i in 1 2 3 4 5; do
	es_status POST "$A/logs1/_doc" "{\"w\":$i}" >/dev/null
	sleep 0.3
done
ok "s-replicating: the leader is suspect" \
    wait_for 5 eval 'state_is LEADER_SUSPECT || state_is DEGRADED'
ok "s-replicating: never promoted" never_promoted 3
ok "s-replicating: writes to clusterA still reached clusterB" \
    wait_for 5 eval '[ "$(count "$B" logs1-dr)" -ge $((before + 5)) ]'
# Each round weighs the evidence afresh; a round between two reads may
# find none, so the reason is awaited, not sampled once.
ok "s-replicating: the reason names working replication" \
    wait_for 5 reason_has "the follower still replicates"

# --- a restart after kill -9 inside pre_promote -------------------------------
at_scenario s-prepromote
at_setup 1
cat >"$AT_DIR/pre_promote" <<EOF
#!/bin/sh
if [ -f "$AT_DIR/slow" ]; then
	echo \$\$ >"$AT_DIR/hook.pid"
	exec sleep 30
fi
exit 0
EOF
chmod 755 "$AT_DIR/pre_promote"
touch "$AT_DIR/slow"
at_config "hooks = { timeout_ms = 60000; pre_promote = \"$AT_DIR/pre_promote\"; };"
daemon_start
ok "s-prepromote: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "s-prepromote: pre_promote runs" wait_for 10 test -s "$AT_DIR/hook.pid"
ok "s-prepromote: the promotion is recorded, held for its veto" \
    wait_for 5 eval '[ "$(state_get .action.phase)" = pre_promote ]'
ok "s-prepromote: ... and nothing sent" \
    [ "$(state_get '[.action.indices[].sent] | any')" = false ]
daemon_kill KILL
hook_pid=$(cat "$AT_DIR/hook.pid")
kill "$hook_pid" 2>/dev/null
rm -f "$AT_DIR/slow"
at_start_a
ok "s-prepromote: clusterB follows clusterA again" \
    wait_for 10 eval '[ "$(ccr_info "$B" logs1-dr)" = active ]'
daemon_start
ok "s-prepromote: the restart decides afresh" \
    wait_for 5 log_has "deciding afresh"
ok "s-prepromote: nothing promoted with the leader back" never_promoted 3
ok "s-prepromote: replicating from clusterA" state_is REPLICATING clusterA
ok "s-prepromote: no action recorded" [ "$(state_get .action)" = null ]

# --- a follower without the remote_cluster_client role ------------------------
at_scenario s-noremote
at_setup 1
at_config
daemon_start
ok "s-noremote: replicating" wait_state 10 REPLICATING clusterA
ok "s-noremote: essim drops the remote role" \
    [ "$(es_status PUT "$B/_essim/knobs" '{"remote_cluster_client":false}')" = 200 ]
daemon_only_partition "$A" drop
ok "s-noremote: DEGRADED, the follower cannot know" \
    wait_for 10 eval 'state_is DEGRADED && reason_has "_remote/info"'
ok "s-noremote: never promoted" never_promoted 3
ok "s-noremote: promote by the operator still works" ctl_ok promote
ok "s-noremote: ... and promotes" wait_state 15 PROMOTED clusterB
ok "s-noremote: clusterB's index is a plain open index" \
    all_plain "$B" logs1-dr

# --- the leader rejects the follower's credentials ---------------------------
at_scenario s-rejected
at_setup 1
at_config
daemon_start
ok "s-rejected: replicating" wait_state 10 REPLICATING clusterA
ok "s-rejected: essim rejects the peer's credentials" \
    [ "$(es_status PUT "$A/_essim/knobs" '{"reject_peer_credentials":true}')" = 200 ]
daemon_only_partition "$A" drop
ok "s-rejected: the leader is suspect" \
    wait_for 5 eval 'state_is LEADER_SUSPECT || state_is DEGRADED'
ok "s-rejected: never promoted" never_promoted 3
ok "s-rejected: the reason names the answered probe" \
    reason_has "something answered"

# --- SIGTERM while an action's request hangs ---------------------------------
# Stopping cancels the engine's requests in flight: through the transport
# the daemon gave it, in that transport's own context.
at_scenario s-stop
at_setup 1
at_config
daemon_start
ok "s-stop: replicating" wait_state 10 REPLICATING clusterA
fault "$B" '{"path":"/*/_ccr/pause_follow","action":"hang"}'
at_kill clusterA KILL
ok "s-stop: the promotion's pause hangs" \
    wait_for 10 eval '[ "$(state_get ".action.indices[0].step")" = pause_follow ]'
ok "s-stop: SIGTERM: a clean exit" daemon_stop
DAEMON_PID=

at_end
finish
