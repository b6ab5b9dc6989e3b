#!/bin/bash
# Promotion against two essim clusters and the real daemon: a killed leader
# and a hanging one are promoted away from (the promoted cluster's
# auto-follow patterns that point at the lost leader paused, the on_promote
# hook told what happened); a leader that flaps below the
# failure threshold, or that only the daemon cannot reach, is not; a dry run
# decides and logs but leaves the clusters alone. Every verdict is read from
# the clusters themselves, not only from the daemon's status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# no_promotion_logged: the daemon never started a promotion.
no_promotion_logged() {
	! log_has "promote started" && ! grep -q PROMOT "$DAEMON_RUN/status.json"
}

# hook_env NAME VAR: the value the hook last saw for VAR.
hook_env() {
	grep "^$2=" "$AT_DIR/hook-$1.env" 2>/dev/null | tail -n 1 |
	    cut -d= -f2-
}

# --- the leader process is killed ---------------------------------------------
at_scenario killed
at_setup 5
at_config "$(at_hooks on_promote)"
ok "killed: an auto-follow pattern on clusterB follows clusterA" \
    auto_follow_add "$B" from-a clusterA
daemon_start
ok "killed: replicating, clusterA leads" wait_state 10 REPLICATING clusterA
ok "killed: clusterB's indices are active followers" all_active "$B" $AT_B
at_kill clusterA KILL
ok "killed: promoted, clusterB leads" wait_state 15 PROMOTED clusterB
ok "killed: every follower index on clusterB is a plain open index" \
    all_plain "$B" $AT_B
ok "killed: the kimchy write on the new leader answers 201" \
    writable "$B" logs3-dr
ok "killed: the promotion record is kept for the failback" \
    [ "$(state_get '.promotion.indices | length')" = 5 ]
ok "killed: no action left in the state file" \
    [ "$(state_get .action)" = null ]
ok "killed: on_promote ran" wait_for 5 test -s "$AT_DIR/hook-on_promote.env"
ok "killed: ... with CCR_EVENT" \
    [ "$(hook_env on_promote CCR_EVENT)" = promotion-finished ]
ok "killed: ... CCR_OLD_LEADER" \
    [ "$(hook_env on_promote CCR_OLD_LEADER)" = clusterA ]
ok "killed: ... CCR_NEW_LEADER" \
    [ "$(hook_env on_promote CCR_NEW_LEADER)" = clusterB ]
ok "killed: ... CCR_INDICES" [ "$(hook_env on_promote CCR_INDICES)" = \
    logs1-dr,logs2-dr,logs3-dr,logs4-dr,logs5-dr ]
ok "killed: ... CCR_LOST_OPERATIONS (nothing was lost)" \
    [ "$(hook_env on_promote CCR_LOST_OPERATIONS)" = 0 ]
ok "killed: the promotion is in the log" log_has "promote started"
ok "killed: the auto-follow pattern pointing at clusterA is paused" \
    [ "$(auto_follow_active "$B" from-a)" = false ]

# --- the leader hangs (blackholed: every request times out) -------------------
at_scenario hang
at_setup 3
at_config
daemon_start
ok "hang: replicating" wait_state 10 REPLICATING clusterA
fault "$A" '{"path":"/","action":"hang"}'
ok "hang: promoted, clusterB leads" wait_state 20 PROMOTED clusterB
ok "hang: every follower index is a plain open index" all_plain "$B" $AT_B
ok "hang: the new leader takes writes" writable "$B" logs1-dr
ok "hang: status saw timeouts on clusterA" \
    [ "$(status_get .clusters.clusterA.reachable)" = false ]
faults_clear "$A"

# --- the leader flaps, each outage shorter than the failure threshold ---------
at_scenario flap
at_setup 3
at_config "failure_threshold = 4;"
daemon_start
ok "flap: replicating" wait_state 10 REPLICATING clusterA
suspected=0
for i in 1 2 3 4; do
	es_status POST "$A/_essim/refuse" '{"duration_ms":350}' >/dev/null
	wait_for 2 state_is LEADER_SUSPECT && suspected=$((suspected + 1))
	wait_for 5 state_is REPLICATING
done
ok "flap: the outages were seen (LEADER_SUSPECT)" [ "$suspected" -ge 2 ]
ok "flap: back to REPLICATING, clusterA leads" \
    wait_state 5 REPLICATING clusterA
ok "flap: no promotion started" no_promotion_logged
ok "flap: clusterB's indices are still active followers of clusterA" \
    all_active "$B" $AT_B
ok "flap: ... of clusterA's indices" \
    [ "$(leader_of "$B" logs2-dr)" = clusterA:logs2 ]

# --- only the daemon loses the leader; clusterB still reaches it --------------
at_scenario partition
essim_start dead
dead_port=$ESSIM_dead_PORT
at_kill dead
at_setup 3
AT_URL_A="$ESSIM_SCHEME://127.0.0.1:$dead_port"
at_config
daemon_start
unreachable() {
	[ "$(status_get .clusters.clusterA.reachable)" = false ] &&
	    [ "$(status_get .clusters.clusterA.consecutive_failures)" -ge 6 ]
}
ok "partition: the daemon cannot reach clusterA" wait_for 15 unreachable
ok "partition: clusterA still leads" \
    [ "$(status_get .leader)" = clusterA ]
ok "partition: no promotion started" no_promotion_logged
ok "partition: clusterB still follows clusterA" all_active "$B" $AT_B
es_status POST "$A/logs1/_doc" '{"n":100}' >/dev/null
ok "partition: ... and replicates from it" wait_for 5 \
    eval '[ "$(count "$B" logs1-dr)" = 4 ]'

# --- dry run: decide and log, send nothing that changes a cluster -------------
at_scenario dryrun
at_setup 3
at_config
daemon_start -n
ok "dry run: replicating" wait_state 10 REPLICATING clusterA
ok "dry run: said so at start" log_has "dry run"
at_kill clusterA KILL
ok "dry run: the decision is made" wait_for 15 log_has "promote started"
ok "dry run: the leader loss is logged" log_has "leader-lost"
for i in $AT_B; do
	ok "dry run: pause_follow on $i logged" wait_for 5 \
	    log_has "dry run: POST /$i/_ccr/pause_follow on clusterB"
	ok "dry run: unfollow on $i logged" wait_for 5 \
	    log_has "/_ccr/unfollow on clusterB"
done
ok "dry run: close and open logged" \
    eval 'log_has "dry run: POST /logs" && grep -q "dry run: POST .*_open" "$DAEMON_LOG"'
ok "dry run: clusterB's indices are untouched followers" \
    all_active "$B" $AT_B
ok "dry run: ... that still refuse writes" \
    [ "$(es_status POST "$B/logs1-dr/_doc" '{"user":"kimchy"}')" = 403 ]

at_end
finish
