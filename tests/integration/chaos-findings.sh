#!/bin/bash
# The daemon bugs make chaos found, each replayed deterministically against
# two essim clusters and the real daemon, checked on what the clusters
# really hold.
#
# A switchover that failed in its failback half (one index promoted on the
# new side, its old side deleted and not following yet): retried, it takes
# up each index where it stood, never waits for the lag of an index that no
# longer follows, and ends with the roles reversed; abort is refused (given
# up, it would leave the roles naming clusterA while logs1-dr takes the
# writes); with its record lost, run again, it sees by itself that
# logs1-dr follows nothing.
#
# A write sent to the old leader while the failback stands between its
# divergence check and its DELETE is refused (the index is write-blocked
# before its operations are counted; the block is cluster metadata, kept
# across a restart of that cluster), so no acknowledged write is lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# writable_sides PAIR: how many sides of logsPAIR / logsPAIR-dr take writes
# (exist, follow nothing, carry no write block).
writable_sides() {
	local n=0 side url name
	for side in "$A logs$1" "$B logs$1-dr"; do
		set -- $side
		url=$1 name=$2
		[ "$(ccr_info "$url" "$name")" = none ] || continue
		[ "$(es_body GET "$url/$name/_settings?flat_settings=true" |
		    jq -r ".\"$name\".settings.\"index.blocks.write\" // \"false\"")" = true ] &&
		    continue
		n=$((n + 1))
	done
	echo "$n"
}

# late_write ID: a client's write of document ID to logs1 on clusterA;
# LATE_CODE is the answer, LATE_ACKED gathers the acknowledged ids.
LATE_ACKED=
late_write() {
	LATE_CODE=$(es_status PUT "$A/logs1/_doc/$1" '{"late":true}')
	[ "$LATE_CODE" = 201 ] && LATE_ACKED="$LATE_ACKED $1"
	return 0
}

# kept_all ID...: each document is on clusterB's logs1-dr or in a kept
# logs1-diverged-* copy on clusterA.
kept_all() {
	local id copy found
	for id in "$@"; do
		[ "$(es_status GET "$B/logs1-dr/_doc/$id")" = 200 ] && continue
		found=
		for copy in $(es_body GET "$A/logs1-diverged-*/_settings" |
		    jq -r 'keys[]'); do
			[ "$(es_status GET "$A/$copy/_doc/$id")" = 200 ] &&
			    found=1
		done
		[ -n "$found" ] || return 1
	done
}

# switchover_half_done: a switchover whose failback half fails for logs1
# (clusterA refuses its put-follow for good), so it ends FAILED with
# logs1-dr promoted on clusterB and logs1 deleted on clusterA.
switchover_half_done() {
	at_setup 2
	at_config "switchover_timeout_ms = 3000;"
	daemon_start
	ok "$1: replicating, clusterA leads" wait_state 10 REPLICATING clusterA
	fault "$A" '{"path":"/logs1/_ccr/follow","action":"error","status":400,"type":"illegal_argument_exception","reason":"refused by the test"}'
	ok "$1: switchover accepted" ctl_ok switchover
	ok "$1: it fails in its failback half" wait_state 20 FAILED clusterA
	ok "$1: logs1-dr was promoted on clusterB" all_plain "$B" logs1-dr
	ok "$1: logs1 is not a follower on clusterA" \
	    [ "$(ccr_info "$A" logs1)" != active ]
	faults_clear "$A"
}

# promoted_and_held NAME: clusterA dies, logs1-dr is promoted on clusterB,
# and the failback is held while clusterA comes back.
promoted_and_held() {
	at_setup 1
	at_config
	daemon_start
	ok "$1: replicating" wait_state 10 REPLICATING clusterA
	at_kill clusterA KILL
	ok "$1: promoted" wait_state 15 PROMOTED clusterB
	ok "$1: held while clusterA comes back" ctl_ok hold
	at_start_a
}

# delete_out_then_recreated NAME: the resumed failback's DELETE of logs1
# reaches clusterA and hangs; the daemon is killed -9 with it out, the
# DELETE takes effect, and four client writes create logs1 again.
delete_out_then_recreated() {
	fault "$A" '{"path":"/logs1","method":"DELETE","action":"hang","count":1}'
	ok "$1: resumed" ctl_ok resume
	ok "$1: the failback's DELETE hangs at clusterA" \
	    wait_for 15 eval '[ "$(es_body GET "$A/_essim/faults" | jq ".faults | length")" = 0 ]'
	ok "$1: the record says the DELETE went out" \
	    wait_for 5 eval '[ "$(jq -r ".action.indices[0].step + \" \" +
	    (.action.indices[0].sent | tostring)" "$DAEMON_STATE/state.json")" = "delete true" ]'
	daemon_kill KILL
	faults_clear "$A"
	ok "$1: the DELETE took effect after the daemon died" \
	    wait_for 5 eval '[ "$(es_status GET "$A/logs1")" = 404 ]'
	recreate_logs1 "$1"
}

# recreate_logs1 NAME: four client writes create logs1 again on clusterA.
recreate_logs1() {
	local i
	LATE_ACKED=
	for i in 1 2 3 4; do
		late_write "$1$i"
	done
	ok "$1: four writes re-created logs1 and were acknowledged" \
	    [ "$(echo $LATE_ACKED | wc -w)" = 4 ]
}

# held_not_refused NAME: a new failback, started afresh, holds the new logs1
# for the operator instead of refusing it as re-created for ever.
held_not_refused() {
	ok "$1: a new failback is accepted" ctl_ok failback
	ok "$1: the new logs1 is held for the operator" \
	    wait_state 15 AWAITING_CONFIRMATION clusterB
	ok "$1: not refused as re-created" eval '! log_has "re-created since"'
}

# confirmed_failback_keeps_writes NAME: confirmed, the failback ends with
# logs1 on clusterA following clusterB and every acknowledged write kept.
confirmed_failback_keeps_writes() {
	ok "$1: confirm is accepted" ctl_ok confirm
	ok "$1: failed back, clusterB leads" wait_state 20 REPLICATING clusterB
	ok "$1: logs1 on clusterA follows clusterB" \
	    wait_for 10 eval '[ "$(ccr_info "$A" logs1)" = active ]'
	ok "$1: the acknowledged writes are kept" kept_all $LATE_ACKED
}

# --- a retried switchover takes up each index where it stood ------------------
at_scenario retry
switchover_half_done retry
ok "retry: the switchover again" ctl_ok switchover
ok "retry: switched over, clusterB leads" wait_state 15 REPLICATING clusterB
ok "retry: no lag wait on an index that no longer follows" \
    eval '! log_has "lag did not reach 0"'
ok "retry: every index on clusterB is a plain open index" \
    all_plain "$B" logs1-dr logs2-dr
ok "retry: every index on clusterA follows clusterB's" \
    all_active "$A" logs1 logs2
ok "retry: one writable side per pair" \
    eval '[ "$(writable_sides 1)" = 1 ] && [ "$(writable_sides 2)" = 1 ]'

# --- given up: refused, so never both sides writable ---------------------------
at_scenario abort
switchover_half_done abort
out=$(ctl abort 2>&1)
ok "abort: refused once the switchover changed the clusters" [ $? -eq 1 ]
ok "abort: ... saying to finish it" has "$out" "run it again to finish it"
ok "abort: still FAILED, clusterA in the roles" state_is FAILED clusterA
for i in 1 2; do
	ok "abort: pair $i: at most one writable side" \
	    eval '[ "$(writable_sides '$i')" -le 1 ]'
done
ok "abort: the switchover finishes when run again" ctl_ok switchover
ok "abort: switched over, clusterB leads" wait_state 15 REPLICATING clusterB
for i in 1 2; do
	ok "abort: pair $i: one writable side, on clusterB" \
	    eval '[ "$(writable_sides '$i')" = 1 ] && writable "$B" logs'$i'-dr'
done

# --- its record lost: taken up per index all the same ----------------------------
# The failed switchover's record is gone from state.json (written by hand,
# or unreadable): run again, it starts afresh, and must see by itself that
# logs1-dr no longer follows (logs1 was deleted: nothing to hold for).
at_scenario afresh
switchover_half_done afresh
daemon_kill TERM
jq '.failed_action = null' "$DAEMON_STATE/state.json" >"$AT_DIR/state.new" &&
    mv "$AT_DIR/state.new" "$DAEMON_STATE/state.json"
daemon_start
ok "afresh: FAILED after the restart" wait_state 10 FAILED clusterA
ok "afresh: the switchover again" ctl_ok switchover
ok "afresh: logs1-dr is seen promoted, its lag not waited for" \
    wait_for 10 log_has "logs1-dr on clusterB already follows nothing"
ok "afresh: switched over, clusterB leads" wait_state 15 REPLICATING clusterB
ok "afresh: every index on clusterA follows clusterB's" \
    all_active "$A" logs1 logs2
for i in 1 2; do
	ok "afresh: pair $i: one writable side" \
	    eval '[ "$(writable_sides '$i')" = 1 ]'
done

# --- a switchover that cannot register the new leader ---------------------------
# clusterA refuses the remote for good: the switchover fails before any
# index is promoted, and the write blocks its lag wait put on clusterA,
# which still leads, are lifted (they stayed, and nothing took writes).
at_scenario registration
at_setup 2
at_config "switchover_timeout_ms = 3000;"
daemon_start
ok "registration: replicating, clusterA leads" wait_state 10 REPLICATING clusterA
fault "$A" '{"path":"/_cluster/settings","method":"PUT","action":"error","status":400,"type":"illegal_argument_exception","reason":"refused by the test"}'
ok "registration: switchover accepted" ctl_ok switchover
ok "registration: it fails, clusterA still in the roles" \
    wait_state 20 FAILED clusterA
for i in 1 2; do
	ok "registration: pair $i: logs$i on clusterA takes writes again" \
	    wait_for 5 writable "$A" "logs$i"
	ok "registration: pair $i: one writable side" \
	    eval '[ "$(writable_sides '$i')" = 1 ]'
done
faults_clear "$A"

# --- a write between the failback's divergence check and its DELETE ------------
# The daemon's own fence of a returning old leader is off, so only the
# failback's guards stand: its DELETE of logs1 is served 3 s late, and
# meanwhile a client writes to logs1 on the old leader.
at_scenario window
at_setup 1
at_config "fence_old_leader = false;"
daemon_start
ok "window: replicating" wait_state 10 REPLICATING clusterA
at_kill clusterA KILL
ok "window: promoted" wait_state 15 PROMOTED clusterB
ok "window: held while clusterA comes back" ctl_ok hold
at_start_a
fault "$A" '{"path":"/logs1","method":"DELETE","action":"delay","delay_ms":3000,"count":1}'
ok "window: resumed" ctl_ok resume
ok "window: the failback's DELETE is held at clusterA" \
    wait_for 15 eval '[ "$(es_body GET "$A/_essim/faults" | jq ".faults | length")" = 0 ]'
ok "window: the divergence check found nothing to keep" \
    eval '! log_has "never received"'
refused=0
for i in 1 2 3 4 5; do
	late_write "late$i"
	[ "$LATE_CODE" = 403 ] && refused=$((refused + 1))
	sleep 0.2
done
ok "window: five writes to the old leader meanwhile, all refused" \
    [ "$refused" = 5 ]
ok "window: failed back, clusterB leads" wait_state 20 REPLICATING clusterB
ok "window: logs1 on clusterA follows clusterB" \
    wait_for 10 eval '[ "$(ccr_info "$A" logs1)" = active ]'
ok "window: every write clusterA acknowledged is on clusterB or kept" \
    kept_all $LATE_ACKED
# The block the guard relies on is cluster metadata: a restarted cluster
# keeps it (essim journals it, as Elasticsearch persists its cluster state),
# so nothing has to put it back.
es_status PUT "$A/scratch" '{}' >/dev/null
es_status PUT "$A/scratch/_block/write" >/dev/null
at_kill clusterA KILL
at_start_a
ok "window: a write block survives kill -9 and a restart of its cluster" \
    eval '[ "$(es_body GET "$A/scratch/_settings?flat_settings=true" |
    jq -r ".scratch.settings.\"index.blocks.write\"")" = true ] &&
    [ "$(es_status PUT "$A/scratch/_doc/x" "{\"x\":1}")" = 403 ]'

# --- kill -9 with the failback's DELETE out (seed 940085) ----------------------
# The DELETE reaches clusterA and the daemon dies before its answer; a
# client's write then creates logs1 again on clusterA (auto_create_index).
# Restarted, the daemon must not send the DELETE again unseen: the logs1
# there is another index (another uuid), whose writes nobody checked, so it
# is fenced and held for the operator, then copied before it is replaced.
at_scenario resent
promoted_and_held resent
delete_out_then_recreated resent
daemon_start
ok "resent: the new logs1 is held for the operator" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
es_status POST "$A/logs1/_refresh" >/dev/null
ok "resent: it was not deleted" \
    [ "$(es_body GET "$A/logs1/_count" | jq .count)" = 4 ]
ok "resent: the daemon said why" \
    log_has "deleted and created again since"
confirmed_failback_keeps_writes resent

# --- a failback given up after its DELETE (seed 970857) ----------------------
# The failback deletes logs1 on clusterA and fails at the follow; it is
# given up, and a client's write creates logs1 again there. What the state
# file held of the deleted index (its pinned uuid, the promotion's
# checkpoints) says nothing of the new one: the next failback, started
# afresh, must hold it as divergent and copy it, not refuse it as
# re-created for ever.
at_scenario given-up
promoted_and_held given-up
fault "$A" '{"path":"/logs1/_ccr/follow","action":"error","status":400,"type":"illegal_argument_exception","reason":"refused by the test"}'
ok "given-up: resumed" ctl_ok resume
ok "given-up: the failback fails at the follow" wait_state 20 FAILED clusterB
ok "given-up: ... after deleting logs1 on clusterA" \
    [ "$(es_status GET "$A/logs1")" = 404 ]
ok "given-up: held" ctl_ok hold
ok "given-up: the failed failback is given up" ctl_ok abort
faults_clear "$A"
recreate_logs1 given-up
held_not_refused given-up
confirmed_failback_keeps_writes given-up

# --- a failback given up with its DELETE's outcome unread (seed 990566) -------
# The daemon dies with the failback's DELETE out; the DELETE takes effect and
# a client's writes create logs1 again. The restarted failback cannot read
# what the DELETE did (the read is refused) and is given up: that DELETE may
# have deleted the index, so what the state file held of it must go as for
# one surely deleted, and the next failback must hold the new logs1 as
# divergent, not refuse it as re-created for ever.
at_scenario unread
promoted_and_held unread
delete_out_then_recreated unread
fault "$A" '{"path":"/logs1/_settings","method":"GET","from":"clients","header":"User-Agent: ccr-failoverd","action":"error","status":400,"type":"illegal_argument_exception","reason":"refused by the test"}'
daemon_start
ok "unread: the failback fails reading what its DELETE did" \
    wait_state 20 FAILED clusterB
ok "unread: ... at verify_delete" log_has "failed at verify_delete"
ok "unread: held" ctl_ok hold
ok "unread: the failed failback is given up" ctl_ok abort
faults_clear "$A"
held_not_refused unread
confirmed_failback_keeps_writes unread

at_end
finish
