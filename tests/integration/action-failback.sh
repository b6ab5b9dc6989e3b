#!/bin/bash
# Failback against two essim clusters and the real daemon: the old leader
# returns and becomes the follower of the promoted cluster (role reversal),
# the write made on the new leader is found on it; an old leader that comes
# back holding writes the new leader never received keeps them until an
# operator confirms, and then keeps a copy of them before it follows. The
# on_failback and on_state_change hooks are told what happened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# hook_env NAME VAR: the value the hook last saw for VAR.
hook_env() {
	grep "^$2=" "$AT_DIR/hook-$1.env" 2>/dev/null | tail -n 1 |
	    cut -d= -f2-
}

# follows_b NAMES...: each index on clusterA actively follows its clusterB
# counterpart.
follows_b() {
	local i
	for i in "$@"; do
		[ "$(leader_of "$A" "$i")" = "clusterB:$i-dr" ] || return 1
		[ "$(ccr_info "$A" "$i")" = active ] || return 1
	done
}

# copies INDEX: names of the divergence copies of INDEX on clusterA.
copies() {
	es_body GET "$A/$1-diverged-*/_settings" | jq -r 'keys[]' 2>/dev/null
}

# count_is URL INDEX N
count_is() {
	[ "$(count "$1" "$2")" = "$3" ]
}

# --- the old leader comes back ------------------------------------------------
at_scenario back
at_setup 5
at_config "$(at_hooks on_failback on_state_change)"
daemon_start
ok "back: replicating, clusterA leads" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "back: promoted" wait_state 15 PROMOTED clusterB
ok "back: kimchy written on the new leader" writable "$B" logs2-dr
ok "back: the old leader is watched as the follower" \
    [ "$(status_get .follower)" = clusterA ]
at_start_a
ok "back: failed back, REPLICATING with clusterB leading" \
    wait_state 15 REPLICATING clusterB
ok "back: status names clusterA the follower" \
    [ "$(status_get .follower)" = clusterA ]
ok "back: ready again (the pass at the promotion saw clusterA down)" \
    wait_for 5 eval '[ "$(status_get .ready)" = true ]'
ok "back: clusterA registered clusterB as a remote" \
    has "$(es_body GET "$A/_remote/info")" '"clusterB"'
ok "back: every index on clusterA follows clusterB's" follows_b $AT_A
ok "back: clusterB's indices stay plain leaders" all_plain "$B" $AT_B
ok "back: the kimchy document is searchable on clusterA" \
    has "$(es_body GET "$A/logs2/_search?q=user:kimchy&filter_path=hits.total.value")" \
    '{"hits":{"total":{"value":1}}}'
ok "back: clusterA holds what clusterB holds" count_is "$A" logs2 4
es_status POST "$B/logs5-dr/_doc" '{"user":"after"}' >/dev/null
ok "back: a new write on clusterB replicates to clusterA" \
    wait_for 5 count_is "$A" logs5 4
ok "back: writes on clusterA are refused (it follows)" \
    [ "$(es_status POST "$A/logs5/_doc" '{"user":"x"}')" = 403 ]
ok "back: no promotion record left" [ "$(state_get .promotion)" = null ]
ok "back: on_failback ran" wait_for 5 test -s "$AT_DIR/hook-on_failback.env"
ok "back: ... CCR_EVENT" \
    [ "$(hook_env on_failback CCR_EVENT)" = failback-finished ]
ok "back: ... CCR_NEW_LEADER" \
    [ "$(hook_env on_failback CCR_NEW_LEADER)" = clusterB ]
ok "back: ... CCR_OLD_LEADER" \
    [ "$(hook_env on_failback CCR_OLD_LEADER)" = clusterA ]
ok "back: ... CCR_STATE" [ "$(hook_env on_failback CCR_STATE)" = REPLICATING ]
# transition FROM TO: on_state_change was told of it (the sorted variables
# put CCR_OLD_STATE right before CCR_STATE).
transition() {
	grep -A1 "^CCR_OLD_STATE=$1\$" "$AT_DIR/hook-on_state_change.env" |
	    grep -q "^CCR_STATE=$2\$"
}
for t in "REPLICATING LEADER_SUSPECT" "LEADER_SUSPECT PROMOTING" \
    "PROMOTING PROMOTED" "PROMOTED FAILING_BACK" "FAILING_BACK REPLICATING"; do
	ok "back: on_state_change told of ${t% *} -> ${t#* }" \
	    wait_for 5 transition $t
done

# --- the isolated old leader took writes the new leader never got -------------
at_scenario diverged
at_setup 5
at_config
daemon_start
ok "diverged: replicating" wait_state 10 REPLICATING clusterA
es_body POST "$B/_essim/link" '{"mode":"refuse","remote":"clusterA"}' >/dev/null
b_cut() {
	es_body GET "$B/logs1-dr,logs2-dr/_ccr/stats" |
	    jq -e '[.indices[].shards[].failed_read_requests] |
	    length == 4 and all(. > 0)' \
	    >/dev/null
}
ok "diverged: clusterB's reads from clusterA fail (link cut)" \
    wait_for 5 b_cut
for i in 1 2 3 4; do
	es_status POST "$A/logs1/_doc" "{\"extra\":$i}" >/dev/null
done
for i in 1 2; do
	es_status POST "$A/logs2/_doc" "{\"extra\":$i}" >/dev/null
done
ok "diverged: clusterA took 4 + 2 writes" \
    eval 'count_is "$A" logs1 7 && count_is "$A" logs2 5'
ok "diverged: clusterB never got them" \
    eval 'count_is "$B" logs1-dr 3 && count_is "$B" logs2-dr 3'
at_kill clusterA KILL
ok "diverged: promoted" wait_state 15 PROMOTED clusterB
es_body POST "$B/_essim/link" '{"mode":"ok"}' >/dev/null
ok "diverged: kimchy written on the new leader" writable "$B" logs1-dr
at_start_a
ok "diverged: failback waits for confirmation" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
ok "diverged: pending failback" [ "$(status_get .pending)" = failback ]
# Each index reaches the guard on its own; the first one opens the gate.
ok "diverged: status counts 2 divergent indices" \
    wait_for 5 eval '[ "$(status_get .divergence.indices)" = 2 ]'
ok "diverged: ... and 6 operations" \
    [ "$(status_get .divergence.operations)" = 6 ]
ok "diverged: the indices that did not diverge follow clusterB" \
    wait_for 5 follows_b logs3 logs4 logs5
sleep 1
ok "diverged: a second later, logs1 on clusterA still holds its 7 documents" \
    count_is "$A" logs1 7
ok "diverged: ... and logs2 its 5" count_is "$A" logs2 5
ok "diverged: ... no copy was made yet" [ -z "$(copies logs1)" ]
ok "diverged: still waiting" state_is AWAITING_CONFIRMATION
ok "diverged: confirm is accepted" ctl_ok confirm
ok "diverged: failed back" wait_state 15 REPLICATING clusterB
c1=$(copies logs1)
c2=$(copies logs2)
ok "diverged: one copy of logs1 ($c1)" [ "$(echo "$c1" | grep -c .)" = 1 ]
ok "diverged: one copy of logs2 ($c2)" [ "$(echo "$c2" | grep -c .)" = 1 ]
ok "diverged: the logs1 copy holds all 7 documents" count_is "$A" "$c1" 7
ok "diverged: ... the 4 writes clusterB never got among them" \
    has "$(es_body GET "$A/$c1/_count?q=extra:4")" '"count":1'
ok "diverged: the logs2 copy holds its 5" count_is "$A" "$c2" 5
ok "diverged: the copies are plain indices" all_plain "$A" "$c1" "$c2"
ok "diverged: every index on clusterA follows clusterB's" follows_b $AT_A
ok "diverged: logs1 now holds what clusterB holds (3 + kimchy)" \
    wait_for 5 count_is "$A" logs1 4
ok "diverged: the copies are in the log" log_has "$c1"

at_end
finish
