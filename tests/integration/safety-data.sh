#!/bin/bash
# Never lose an acknowledged write, against two essim clusters with
# Elasticsearch's hard cases switched on: a follower holding operations
# above a hole is promoted and the old leader comes back (its extra
# operations are kept, never deleted silently, and it is fenced); a copy
# that does not start blocks the delete; an old leader that cannot reach
# the new one keeps its index; a 45-second restore completes a failback;
# a promotion retried after one index failed never closes the others
# again. Each checks what the clusters really hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# one_shard_setup: clusterA with logs1 (one shard, 3 documents), clusterB
# following it as logs1-dr; the daemon configured for them.
one_shard_setup() {
	local j
	AT_N=1
	AT_A=" logs1"
	AT_B=" logs1-dr"
	at_start_a || return 1
	at_start_b || return 1
	es_status PUT "$B/_cluster/settings" \
	    "$(at_remote_json clusterA "$ESSIM_clusterA_PORT")" >/dev/null
	es_status PUT "$A/logs1" '{"settings":{"number_of_shards":1}}' \
	    >/dev/null
	for j in 0 1 2; do
		es_status PUT "$A/logs1/_doc/$j" "{\"n\":$j}" >/dev/null
	done
	[ "$(es_status PUT "$B/logs1-dr/_ccr/follow?wait_for_active_shards=1" \
	    '{"remote_cluster":"clusterA","leader_index":"logs1","read_poll_timeout":"200ms"}')" \
	    = 200 ]
}

# shard_stat FIELD: shard 0's FIELD in clusterB's logs1-dr _ccr/stats.
shard_stat() {
	es_body GET "$B/logs1-dr/_ccr/stats" | jq -r ".indices[0].shards[0].$1"
}

# copies: the names of clusterA's -diverged- copies of logs1.
copies() {
	es_body GET "$A/_cat/indices?format=json" |
	    jq -r '.[].index | select(startswith("logs1-diverged-"))'
}

# --- a follower with a gap, promoted; the old leader comes back ---------------
at_scenario d-gap
one_shard_setup
at_config
daemon_start
ok "d-gap: replicating" wait_state 10 REPLICATING clusterA
ok "d-gap: hold back operations 4..5 on the follower" \
    [ "$(es_status PUT "$B/_essim/knobs/logs1-dr" \
    '{"hold_back":{"shard":0,"from_seq_no":4,"to_seq_no":5}}')" = 200 ]
for j in 3 4 5 6 7; do
	es_status PUT "$A/logs1/_doc/$j" "{\"n\":$j}" >/dev/null
done
ok "d-gap: the follower holds 7 above a hole at 4" \
    wait_for 10 eval '[ "$(shard_stat follower_max_seq_no)" = 7 ] &&
    [ "$(shard_stat follower_global_checkpoint)" = 3 ]'
at_kill clusterA KILL
ok "d-gap: promoted" wait_state 15 PROMOTED clusterB
ok "d-gap: the journal counts the hole: at least operations lost" \
    log_has "at least"
ok "d-gap: the hole's documents are gone from clusterB" \
    [ "$(es_status GET "$B/logs1-dr/_doc/4")" = 404 ]
at_start_a
ok "d-gap: the failback holds the divergent index for the operator" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
ok "d-gap: clusterA's logs1 still holds all 8 documents" \
    [ "$(count "$A" logs1)" = 8 ]
ok "d-gap: the old leader is fenced: a write to logs1 is refused" \
    eval '[ "$(es_status POST "$A/logs1/_doc" "{\"late\":1}")" != 201 ]'
ok "d-gap: confirm" ctl_ok confirm
ok "d-gap: failed back" wait_state 20 REPLICATING clusterB
ok "d-gap: the copy keeps all 8 documents, 4 and 5 among them" \
    eval 'c=$(copies); [ -n "$c" ] && [ "$(count "$A" "$c")" = 8 ] &&
    [ "$(es_status GET "$A/$c/_doc/4")" = 200 ]'
ok "d-gap: logs1 on clusterA follows clusterB" \
    wait_for 10 eval '[ "$(leader_of "$A" logs1)" = clusterB:logs1-dr ]'

# --- the old leader answers again while the failback waits: fenced ------------
at_scenario d-fence
at_setup 1
at_config "confirm_failback = true;"
daemon_start
ok "d-fence: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "d-fence: promoted" wait_state 15 PROMOTED clusterB
at_start_a
ok "d-fence: the failback waits for confirm" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
ok "d-fence: writes to the returning old leader are refused" \
    wait_for 5 eval '[ "$(es_status POST "$A/logs1/_doc" "{\"late\":1}")" != 201 ]'
ok "d-fence: the journal says clusterA is fenced" log_has "fenced"
ok "d-fence: status says so" [ "$(status_get .fenced)" = clusterA ]

# --- a copy that cannot start blocks the delete --------------------------------
at_scenario d-clone
at_setup 1
at_config "confirm_failback = false;"
daemon_start
ok "d-clone: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "d-clone: promoted" wait_state 15 PROMOTED clusterB
# A write that reached only clusterA, before the daemon saw it back.
ok "d-clone: held while clusterA comes back" ctl_ok hold
at_start_a
ok "d-clone: a write only clusterA takes" \
    [ "$(es_status POST "$A/logs1/_doc" '{"only":"on A"}')" = 201 ]
ok "d-clone: resumed" ctl_ok resume
fault "$A" '{"path":"/_cluster/health/logs1-diverged-*","action":"error","status":503}'
ok "d-clone: the divergent index waits for the operator" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
before=$(count "$A" logs1)
ok "d-clone: confirm" ctl_ok confirm
ok "d-clone: the copy is made" wait_for 10 eval '[ -n "$(copies)" ]'
sleep 2
ok "d-clone: while the copy is not shown started, logs1 is not deleted" \
    eval '[ "$(ccr_info "$A" logs1)" = none ] && [ "$(count "$A" logs1)" = "$before" ]'
es_status DELETE "$A/_essim/faults" >/dev/null
ok "d-clone: once it is, the failback finishes" \
    wait_state 20 REPLICATING clusterB

# --- an old leader that cannot reach the new one keeps its index ----------------
at_scenario d-reach
at_setup 1
at_config "confirm_failback = false;"
daemon_start
ok "d-reach: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "d-reach: promoted" wait_state 15 PROMOTED clusterB
at_start_a
es_body POST "$A/_essim/link" '{"mode":"refuse"}' >/dev/null
ok "d-reach: the failback stops for the operator" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
ok "d-reach: ... saying why" eval 'status_get .reason | grep -q "cannot reach"'
ok "d-reach: logs1 is kept on clusterA" \
    eval 'sleep 1; index_open "$A" logs1 && [ "$(ccr_info "$A" logs1)" = none ]'
es_body POST "$A/_essim/link" '{"mode":"ok"}' >/dev/null
ok "d-reach: confirm once the link is back" ctl_ok confirm
ok "d-reach: failed back" wait_state 20 REPLICATING clusterB
ok "d-reach: logs1 follows clusterB" \
    wait_for 10 eval '[ "$(ccr_info "$A" logs1)" = active ]'

# --- an old-leader index re-created since it led is refused --------------------
at_scenario d-recreated
at_setup 1
at_config "confirm_failback = false;"
daemon_start
ok "d-recreated: replicating" wait_state 10 REPLICATING clusterA
uuid=$(es_body GET "$A/logs1/_settings" | jq -r '.logs1.settings.index.uuid')
ok "d-recreated: logs1's uuid pinned in state.json" \
    wait_for 10 eval '[ "$(state_get .index_uuids.clusterA.logs1)" = "$uuid" ]'
at_kill clusterA KILL
ok "d-recreated: promoted" wait_state 15 PROMOTED clusterB
ok "d-recreated: held while clusterA comes back" ctl_ok hold
at_start_a
es_status DELETE "$A/logs1" >/dev/null
es_status PUT "$A/logs1" '{"settings":{"number_of_shards":2}}' >/dev/null
es_status POST "$A/logs1/_doc" '{"new":"life"}' >/dev/null
ok "d-recreated: resumed" ctl_ok resume
ok "d-recreated: the failback refuses it" wait_state 20 FAILED clusterB
ok "d-recreated: ... saying so" \
    eval 'status_get ".indices[0].error" | grep -q index_recreated'
ok "d-recreated: the new logs1 is kept, with its document" \
    [ "$(count "$A" logs1)" = 1 ]

# --- a 45-second restore completes a failback -----------------------------------
at_scenario d-restore
at_setup 1
at_config "confirm_failback = false;"
daemon_start
ok "d-restore: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "d-restore: promoted" wait_state 15 PROMOTED clusterB
at_start_a
es_status PUT "$A/_essim/knobs" '{"restore_ms":45000}' >/dev/null
ok "d-restore: failing back" wait_state 15 FAILING_BACK clusterB
ok "d-restore: status shows the restore" \
    wait_for 15 eval '[ "$(status_get ".indices[0].action_step")" = restore ]'
ok "d-restore: ... and how far it is" \
    wait_for 10 eval 'status_get ".indices[0].error" | grep -q "restore has copied [0-9]*%"'
ok "d-restore: the failback completes" wait_state 75 REPLICATING clusterB
ok "d-restore: logs1 follows clusterB, active" \
    eval '[ "$(ccr_info "$A" logs1)" = active ]'

# --- a retried promotion never closes the indices it opened ---------------------
at_scenario d-retry
at_setup 2
at_config
daemon_start
ok "d-retry: replicating" wait_state 10 REPLICATING clusterA
fault "$B" '{"path":"/*logs2-dr*/_close*","action":"error","status":400,"type":"illegal_argument_exception","reason":"injected"}'
at_kill clusterA KILL
ok "d-retry: the promotion fails on logs2-dr" wait_state 20 FAILED clusterA
ok "d-retry: logs1-dr was promoted" all_plain "$B" logs1-dr
es_status DELETE "$B/_essim/faults" >/dev/null
fault "$B" '{"path":"/*logs1-dr*/_close*","action":"error","status":400,"type":"illegal_argument_exception","reason":"closed again"}'
ok "d-retry: promote again" ctl_ok promote
ok "d-retry: promoted, without closing logs1-dr again" \
    wait_state 20 PROMOTED clusterB
ok "d-retry: both are plain open indices" all_plain "$B" logs1-dr logs2-dr

at_end
finish
