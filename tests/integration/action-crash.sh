#!/bin/bash
# kill -9 of the daemon inside each step of a promotion and of a failback,
# against two essim clusters. A hang fault on the step's path keeps the
# daemon inside the step until state.json's action record shows it; the
# daemon is killed, the fault cleared (the hung request then takes effect,
# its answer lost, as after a real crash), and a restarted daemon must
# finish the action: every index on both clusters is then checked for what
# it really is, so none is left closed, paused or half-followed. A kill
# while a divergent failback waits for the operator loses neither the gate
# nor the data.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# in_step STEP: state.json records an action with an index at STEP (or a
# phase of that name) that was sent.
in_step() {
	jq -e --arg s "$1" '.action != null and
	    (.action.phase == $s or
	    ([.action.indices[] | select(.step == $s and .sent)] | length > 0))' \
	    "$DAEMON_STATE/state.json" >/dev/null 2>&1
}

# in_read STEP: the same for a step that only reads (never marked sent).
in_read() {
	jq -e --arg s "$1" '.action != null and
	    ([.action.indices[] | select(.step == $s)] | length > 0)' \
	    "$DAEMON_STATE/state.json" >/dev/null 2>&1
}

# follows_b NAMES...: each index on clusterA actively follows clusterB's.
follows_b() {
	local i
	for i in "$@"; do
		[ "$(leader_of "$A" "$i")" = "clusterB:$i-dr" ] || return 1
		[ "$(ccr_info "$A" "$i")" = active ] || return 1
	done
}

# crash_restart TAG CLUSTER-URL CHECK STEP: wait until CHECK STEP holds,
# kill -9 the daemon, clear the faults on the cluster, start it again. An
# action that had sent nothing mutating is decided afresh, not resumed.
crash_restart() {
	local tag=$1 url=$2 check=$3 step=$4
	ok "$tag: the daemon is inside $step" wait_for 15 "$check" "$step"
	daemon_kill KILL
	faults_clear "$url"
	daemon_start
	if [ "$step" = record ]; then
		ok "$tag: nothing was sent: the restarted daemon decides afresh" \
		    wait_for 5 log_has "deciding afresh"
		ok "$tag: ... and resumes no record" \
		    eval '! log_has "resuming the recorded"'
	else
		ok "$tag: the restarted daemon resumes the recorded action" \
		    wait_for 5 log_has "resuming the recorded"
	fi
}

# crash_promote TAG STEP CHECK FAULT...: a promotion killed inside STEP.
crash_promote() {
	local tag=$1 step=$2 check=$3 f
	shift 3
	at_scenario "$tag"
	at_setup 3
	at_config
	daemon_start
	ok "$tag: replicating" wait_state 10 REPLICATING clusterA
	auto_follow_add "$B" from-a clusterA
	for f in "$@"; do
		fault "$B" "$f"
	done
	at_kill clusterA KILL
	crash_restart "$tag" "$B" "$check" "$step"
	ok "$tag: promoted, clusterB leads" wait_state 15 PROMOTED clusterB
	ok "$tag: every index on clusterB is a plain open index" \
	    all_plain "$B" $AT_B
	ok "$tag: the new leader takes writes" writable "$B" logs2-dr
	ok "$tag: no action left in the state file" \
	    [ "$(state_get .action)" = null ]
	ok "$tag: the auto-follow pattern from clusterA is paused" \
	    [ "$(auto_follow_active "$B" from-a)" = false ]
}

# crash_failback TAG STEP CHECK FAULT [diverged]: a failback killed inside
# STEP. The daemon is held while clusterA restarts so the fault is in place
# before the failback begins. With "diverged", clusterA took a write
# clusterB never received, and the operator confirms the copy.
crash_failback() {
	local tag=$1 step=$2 check=$3 fault=$4 diverged=${5:-}
	at_scenario "$tag"
	at_setup 3
	at_config
	daemon_start
	ok "$tag: replicating" wait_state 10 REPLICATING clusterA
	if [ -n "$diverged" ]; then
		es_body POST "$B/_essim/link" \
		    '{"mode":"refuse","remote":"clusterA"}' >/dev/null
		wait_for 5 eval 'es_body GET "$B/logs1-dr/_ccr/stats" |
		    jq -e "[.indices[].shards[].failed_read_requests] |
		    length == 2 and all(. > 0)" >/dev/null'
		es_status POST "$A/logs1/_doc" '{"extra":1}' >/dev/null
	fi
	at_kill clusterA KILL
	ok "$tag: promoted" wait_state 15 PROMOTED clusterB
	es_body POST "$B/_essim/link" '{"mode":"ok"}' >/dev/null
	writable "$B" logs1-dr
	ok "$tag: held while clusterA comes back" ctl_ok hold
	at_start_a
	# The index is fenced before it is counted: a fault on the copy's
	# own write block waits for the confirmation.
	[ "$step" = write_block ] || fault "$A" "$fault"
	ok "$tag: resumed with the fault in place" ctl_ok resume
	if [ -n "$diverged" ]; then
		ok "$tag: the divergent index waits for confirmation" \
		    wait_state 15 AWAITING_CONFIRMATION
		[ "$step" != write_block ] || fault "$A" "$fault"
		ok "$tag: confirmed" ctl_ok confirm
	fi
	crash_restart "$tag" "$A" "$check" "$step"
	ok "$tag: failed back, clusterB leads" \
	    wait_state 15 REPLICATING clusterB
	ok "$tag: every index on clusterA follows clusterB's" \
	    follows_b $AT_A
	ok "$tag: every index on clusterB is a plain open index" \
	    all_plain "$B" $AT_B
	ok "$tag: logs1 on clusterA holds clusterB's 4 documents" \
	    wait_for 5 eval '[ "$(count "$A" logs1)" = 4 ]'
	if [ -n "$diverged" ]; then
		c=$(es_body GET "$A/logs1-diverged-*/_settings" |
		    jq -r 'keys[]' 2>/dev/null)
		ok "$tag: one copy of the diverged index ($c)" \
		    [ "$(echo "$c" | grep -c .)" = 1 ]
		ok "$tag: ... holding its 4 documents" \
		    [ "$(count "$A" "$c")" = 4 ]
		ok "$tag: ... among them the write clusterB never got" \
		    has "$(es_body GET "$A/$c/_count?q=extra:1")" '"count":1'
		ok "$tag: ... a plain open index" all_plain "$A" "$c"
	fi
	ok "$tag: no action left in the state file" \
	    [ "$(state_get .action)" = null ]
}

crash_promote p-record record in_read \
    '{"path":"/*/_ccr/stats","method":"GET","action":"hang"}'
crash_promote p-pause pause_follow in_step \
    '{"path":"/*/_ccr/pause_follow","action":"hang"}'
crash_promote p-close close in_step \
    '{"path":"/*/_close","action":"hang"}'
crash_promote p-unfollow unfollow in_step \
    '{"path":"/*/_ccr/unfollow","action":"hang"}'
# An unfollow whose connection drops is ambiguous: _ccr/info must tell.
crash_promote p-verify verify_unfollow in_read \
    '{"path":"/*/_ccr/unfollow","action":"drop"}' \
    '{"path":"/*/_ccr/info","method":"GET","action":"hang"}'
crash_promote p-open open in_step \
    '{"path":"/*/_open","action":"hang"}'
crash_promote p-autofollow auto_follow in_step \
    '{"path":"/_ccr/auto_follow/from-a/pause","action":"hang"}'

crash_failback f-remote remote in_step \
    '{"path":"/_cluster/settings","method":"PUT","action":"hang"}'
crash_failback f-divergence divergence_check in_read \
    '{"path":"/*/_stats","method":"GET","action":"hang"}'
crash_failback f-fence fence in_step \
    '{"path":"/*/_block/write","method":"PUT","action":"hang"}'
crash_failback f-delete delete in_step \
    '{"path":"/logs*","method":"DELETE","action":"hang"}'
crash_failback f-follow follow in_step \
    '{"path":"/*/_ccr/follow","method":"PUT","action":"hang"}'
crash_failback f-block write_block in_step \
    '{"path":"/*/_block/write","method":"PUT","action":"hang"}' diverged
crash_failback f-clone clone in_step \
    '{"path":"/*/_clone/*","method":"POST","action":"hang"}' diverged

# kill -9 while a divergent failback waits at the gate: the restarted daemon
# still waits, deletes nothing, and carries on when confirmed.
at_scenario f-gate
at_setup 3
at_config
daemon_start
ok "f-gate: replicating" wait_state 10 REPLICATING clusterA
es_body POST "$B/_essim/link" '{"mode":"refuse","remote":"clusterA"}' >/dev/null
wait_for 5 eval 'es_body GET "$B/logs1-dr/_ccr/stats" |
    jq -e "[.indices[].shards[].failed_read_requests] |
    length == 2 and all(. > 0)" >/dev/null'
es_status POST "$A/logs1/_doc" '{"extra":1}' >/dev/null
at_kill clusterA KILL
ok "f-gate: promoted" wait_state 15 PROMOTED clusterB
es_body POST "$B/_essim/link" '{"mode":"ok"}' >/dev/null
at_start_a
ok "f-gate: the failback waits for confirmation" \
    wait_state 15 AWAITING_CONFIRMATION clusterB
daemon_kill KILL
daemon_start
ok "f-gate: after a restart it still waits" \
    wait_state 5 AWAITING_CONFIRMATION clusterB
ok "f-gate: ... with a pending failback" \
    [ "$(status_get .pending)" = failback ]
sleep 1
ok "f-gate: logs1 on clusterA keeps its 4 documents" \
    [ "$(count "$A" logs1)" = 4 ]
ok "f-gate: confirm is accepted" ctl_ok confirm
ok "f-gate: failed back" wait_state 15 REPLICATING clusterB
ok "f-gate: every index on clusterA follows clusterB's" follows_b $AT_A
ok "f-gate: the copy holds the 4 documents" \
    has "$(es_body GET "$A/logs1-diverged-*/_count")" '"count":4'

at_end
finish
