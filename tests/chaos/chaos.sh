#!/bin/bash
# make chaos: random fault schedules against two essims and the daemon,
# checked against five invariants. Each schedule is drawn from its seed:
# the daemon's timers (polls of 100-200 ms, the configuration's floor),
# its gates, and 3 to 8 faults at random moments of a few seconds (kill -9
# of either cluster or the daemon, also inside an action step; refusals,
# blackholes, the daemon's path alone, the link between the clusters;
# 429/500/503 bursts, slow and truncated answers; follower gaps and hanging
# unfollows with essim's knobs; operator commands), while a client writes
# to whichever cluster accepts writes and logs every acknowledged write. Then every fault is lifted, the system is left to
# settle (an operator confirms what waits for confirmation, resumes a hold,
# runs a failed action again), and the invariants are checked on the
# clusters' real state and the daemon's log:
#   1. no automatic promotion while the follower could reach the leader;
#   2. every acknowledged write is on the cluster that leads at the end, or
#      in a kept <index>-diverged-* copy;
#   3. no configured index is left closed, paused or missing (and the
#      follower side follows the leader side);
#   4. for each index pair at most one side accepts writes;
#   5. the daemon never died on its own (every exit was our kill -9 or a
#      clean SIGTERM), and state.json always loads.
# CHAOS_RUNS=N CHAOS_SEED=S: N schedules, seeded S, S+1, ...; a violation
# prints its seed and schedule: CHAOS_SEED=<seed> CHAOS_RUNS=1 replays it
# (the same draws; the machine's timing may still differ). Ends with
# "chaos: N schedules, V violations".
#
# A fault kind is one function fault_<kind> (it acts, and schedules its own
# lifting with later_at) and one entry in FAULT_KINDS.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/action-lib.sh"

RUNS=${CHAOS_RUNS:-200}
SEED0=${CHAOS_SEED:-$(( $(date +%s%N) % 1000000000 ))}
PAIRS=2
SETTLE_S=${CHAOS_SETTLE_S:-30}
echo "chaos: $RUNS schedules from seed $SEED0"

FAULT_KINDS="kill_cluster refuse blackhole daemon_path link_cut burst slow
garbage kill_daemon kill_daemon_in_action operator follower_gap
unfollow_hang"

# --- the schedule's clock and log -------------------------------------------

T0=0
# now_ms: wall-clock milliseconds, without a process (bash 5).
now_ms() {
	local us=${EPOCHREALTIME/./}
	echo $((us / 1000))
}
now_rel() {
	echo $(( $(now_ms) - T0 ))
}
# note TEXT: the schedule's log, with the time since its start.
note() {
	echo "$(now_rel) $*" >>"$AT_DIR/timeline"
}
# unreachable FROM TO START_MS END_MS: the follower side FROM could not
# reach TO over this interval (absolute ms), for invariant 1.
unreachable() {
	echo "$1 $2 $3 $4" >>"$AT_DIR/unreachable"
}
# later_at REL_MS COMMAND...: run COMMAND when the schedule's clock says so
# (the pending list is run by the schedule loop).
later_at() {
	local t=$1
	shift
	printf '%s %s\n' "$t" "$*" >>"$AT_DIR/pending"
}
other() {
	[ "$1" = clusterA ] && echo clusterB || echo clusterA
}
url_of() {
	local v="ESSIM_${1}_URL"
	echo "${!v}"
}
# pick VAR WORD...: set VAR to one of the words. Not in a $(...): a
# subshell's RANDOM would not advance the schedule's, and replays differ.
pick() {
	local var=$1
	shift
	shift $((RANDOM % $#))
	printf -v "$var" %s "$1"
}
# up CLUSTER: it runs; otherwise note the fault skipped.
up() {
	cluster_up "$1" && return 0
	note "skipped ${FUNCNAME[1]#fault_} on $1: it is down"
	return 1
}
post() {	# post URL JSON: prints the body
	"$CURL" -s -m 2 -XPOST -H 'Content-Type: application/json' "$1" -d "$2"
}
post_ok() {	# post_ok URL JSON: whether it answered 2xx
	"$CURL" -sf -o /dev/null -m 2 -XPOST \
	    -H 'Content-Type: application/json' "$1" -d "$2"
}

# --- fault kinds -------------------------------------------------------------

# kill -9 of a cluster, back with its journal on its port after 0.3-2 s.
fault_kill_cluster() {
	local c=$1 back=$((300 + RANDOM % 1700))
	up "$c" || return
	at_kill "$c" KILL
	note "kill -9 $c, back in $back ms"
	DOWN_SINCE[$c]=$(now_ms)
	later_at $(($(now_rel) + back)) restart_cluster "$c"
}
restart_cluster() {
	local c=$1
	cluster_up "$c" && return
	if [ "$c" = clusterA ]; then at_start_a $ESSIM_FLAGS; else at_start_b $ESSIM_FLAGS; fi
	note "$c restarted"
	unreachable "$(other "$c")" "$c" "${DOWN_SINCE[$c]}" "$(now_ms)"
}
cluster_up() {
	case " $ESSIM_NAMES " in *" $1 "*) return 0 ;; esac
	return 1
}

# Refused connections at a cluster for 0.2-1.5 s (its peer too).
fault_refuse() {
	local c=$1 ms=$((200 + RANDOM % 1300)) t
	up "$c" || return
	t=$(now_ms)
	if ! post_ok "$(url_of "$c")/_essim/refuse" "{\"duration_ms\":$ms}"; then
		note "skipped refuse on $c: no answer (refusing?)"
		return
	fi
	note "refuse $c for $ms ms"
	[ $((t + ms)) -gt "$REFUSE_END" ] && REFUSE_END=$((t + ms))
	unreachable "$(other "$c")" "$c" "$t" $((t + ms))
}

# Every request to a cluster hangs (a blackhole) for 0.3-2 s.
fault_blackhole() {
	local c=$1 ms=$((300 + RANDOM % 1700)) id
	up "$c" || return
	id=$(post "$(url_of "$c")/_essim/faults" \
	    '{"path":"/","from":"any","action":"hang"}' | jq -r '.id // empty')
	if [ -z "$id" ]; then
		note "skipped blackhole on $c: no answer (refusing?)"
		return
	fi
	note "blackhole $c for $ms ms (rule $id)"
	BLACKHOLE_SINCE[$c:$id]=$(now_ms)
	later_at $(($(now_rel) + ms)) lift_rule "$c" "$id" blackhole
}
lift_rule() {
	local c=$1 id=$2 what=$3
	if ! cluster_up "$c"; then
		# Killed meanwhile: the rule went with the process.
		[ "$what" = blackhole ] && unreachable "$(other "$c")" "$c" \
		    "${BLACKHOLE_SINCE[$c:$id]}" "$(now_ms)"
		return
	fi
	# 404: the cluster was killed and restarted since, and the rule went
	# with the process (retrying that would never end the schedule).
	case $("$CURL" -s -o /dev/null -w '%{http_code}' -m 2 -XDELETE \
	    "$(url_of "$c")/_essim/faults/$id") in
	2??|404) ;;
	*)
		later_at $(($(now_rel) + 100)) lift_rule "$c" "$id" "$what"
		return ;;
	esac
	note "lift $what on $c (rule $id)"
	if [ "$what" = blackhole ]; then
		unreachable "$(other "$c")" "$c" "${BLACKHOLE_SINCE[$c:$id]}" \
		    "$(now_ms)"
	fi
}

# Only the daemon's path to a cluster: its requests hang or are dropped
# for 0.3-2 s; the other cluster and the client still get through.
fault_daemon_path() {
	local c=$1 ms=$((300 + RANDOM % 1700)) how id
	up "$c" || return
	pick how hang drop
	id=$(post "$(url_of "$c")/_essim/faults" \
	    "{\"path\":\"/\",\"from\":\"clients\",\"header\":\"User-Agent: ccr-failoverd\",\"action\":\"$how\"}" |
	    jq -r '.id // empty')
	if [ -z "$id" ]; then
		note "skipped daemon_path on $c: no answer (refusing?)"
		return
	fi
	note "daemon's path to $c: $how for $ms ms (rule $id)"
	later_at $(($(now_rel) + ms)) lift_rule "$c" "$id" daemon_path
}

# The link from a cluster to its peer refused or hung for 0.3-2 s.
fault_link_cut() {
	local c=$1 ms=$((300 + RANDOM % 1700)) how
	pick how refuse hang
	up "$c" || return
	cut_link "$c" "$how" "$ms"
}
cut_link() {	# cut_link CLUSTER refuse|hang MS
	local c=$1 how=$2 ms=$3
	if ! post_ok "$(url_of "$c")/_essim/link" "{\"mode\":\"$how\"}"; then
		note "skipped link_cut on $c: no answer (refusing?)"
		return
	fi
	note "link $c -> $(other "$c"): $how for $ms ms"
	# A cut on a cut link: the first one's start stands (one restore
	# ends both).
	[ -n "${LINK_SINCE[$c]:-}" ] || LINK_SINCE[$c]=$(now_ms)
	later_at $(($(now_rel) + ms)) link_ok "$c"
}

# A hanging unfollow: the follower cluster's link to its leader hangs for
# 1-3 s, so an unfollow sent meanwhile waits the transport timeout (1 s
# here) and answers 500 failed_to_remove_retention_leases after converting
# the index (essim's rendering of TransportUnfollowAction).
fault_unfollow_hang() {
	local ms=$((1000 + RANDOM % 2000)) c
	c=$(status_get .follower)
	case $c in clusterA|clusterB) ;; *) c=clusterB ;; esac
	up "$c" || return
	cut_link "$c" hang "$ms"
}

# A gap in a follower index (essim's hold_back knob): the next 1-4
# operations of its shards are not written while later ones land, for
# 0.3-2 s (or until the settle): a promotion meanwhile opens the index with
# the hole filled by no-ops, so what the old leader had is divergent.
fault_follower_gap() {
	local i=$((1 + RANDOM % PAIRS)) ms=$((300 + RANDOM % 1700))
	local skip=$((1 + RANDOM % 3)) len=$((RANDOM % 4)) c f max from
	# Short reads: a blackholed cluster must not stall the schedule.
	for c in clusterA clusterB; do
		cluster_up "$c" || continue
		f=$(index_on "$c" "$i")
		[ "$("$CURL" -s -m 2 "$(url_of "$c")/$f/_ccr/info" |
		    jq -r '.follower_indices[0].status // empty' 2>/dev/null)" \
		    = active ] || continue
		max=$("$CURL" -s -m 2 "$(url_of "$c")/$f/_ccr/stats" |
		    jq '[.indices[0].shards[]?.follower_max_seq_no] | max // -1' \
		    2>/dev/null)
		[ -n "$max" ] || continue
		from=$((max + skip))
		if ! "$CURL" -sf -o /dev/null -m 2 -XPUT \
		    -H 'Content-Type: application/json' \
		    "$(url_of "$c")/_essim/knobs/$f" \
		    -d "{\"hold_back\":{\"from_seq_no\":$from,\"to_seq_no\":$((from + len))}}"; then
			note "skipped follower_gap on $c/$f: no answer"
			return
		fi
		note "follower gap on $c/$f: seq_no $from-$((from + len)) held back for $ms ms"
		later_at $(($(now_rel) + ms)) lift_gap "$c" "$f"
		return
	done
	note "skipped follower_gap: pair $i has no active follower"
}
lift_gap() {
	cluster_up "$1" || return
	if ! "$CURL" -sf -o /dev/null -m 2 -XDELETE \
	    "$(url_of "$1")/_essim/knobs/$2"; then
		later_at $(($(now_rel) + 100)) lift_gap "$1" "$2"
		return
	fi
	note "follower gap on $1/$2 lifted"
}

link_ok() {
	local c=$1
	if cluster_up "$c" &&
	    ! post_ok "$(url_of "$c")/_essim/link" '{"mode":"ok"}'; then
		later_at $(($(now_rel) + 100)) link_ok "$c"
		return
	fi
	cluster_up "$c" && note "link $c -> $(other "$c") restored"
	# Restored already by an earlier cut's end: nothing more to record.
	[ -n "${LINK_SINCE[$c]:-}" ] || return
	unreachable "$c" "$(other "$c")" "${LINK_SINCE[$c]}" "$(now_ms)"
	LINK_SINCE[$c]=
}

CLIENT_PATHS="/_cluster/health /_remote/info /_ccr/stats /_ccr/info
/_resolve/cluster /*/_ccr/stats /*/_ccr/info /*/_close /*/_open
/*/_ccr/pause_follow /*/_ccr/unfollow /*/_ccr/follow /*/_stats
/_cluster/settings /_ccr/auto_follow /"

# 429, 500 or 503 on one client endpoint, 1-10 answers.
fault_burst() {
	local c=$1 path status n=$((1 + RANDOM % 10))
	up "$c" || return
	# shellcheck disable=SC2086
	pick path $CLIENT_PATHS
	pick status 429 500 503
	post "$(url_of "$c")/_essim/faults" \
	    "{\"path\":\"$path\",\"from\":\"clients\",\"action\":\"error\",\"status\":$status,\"count\":$n}" >/dev/null
	note "burst $status x$n on $c $path"
}

# Slow answers (100-800 ms) on one client endpoint, 1-10 answers.
fault_slow() {
	local c=$1 path ms=$((100 + RANDOM % 700)) n=$((1 + RANDOM % 10))
	up "$c" || return
	# shellcheck disable=SC2086
	pick path $CLIENT_PATHS
	post "$(url_of "$c")/_essim/faults" \
	    "{\"path\":\"$path\",\"from\":\"clients\",\"action\":\"delay\",\"delay_ms\":$ms,\"count\":$n}" >/dev/null
	note "slow ${ms} ms x$n on $c $path"
}

# Garbage (truncated JSON) on one client endpoint, 1-5 answers.
fault_garbage() {
	local c=$1 path n=$((1 + RANDOM % 5))
	up "$c" || return
	# shellcheck disable=SC2086
	pick path $CLIENT_PATHS
	post "$(url_of "$c")/_essim/faults" \
	    "{\"path\":\"$path\",\"from\":\"clients\",\"action\":\"malformed\",\"count\":$n}" >/dev/null
	note "garbage x$n on $c $path"
}

# kill -9 of the daemon at a random moment, restarted 0-1 s later.
fault_kill_daemon() {
	daemon_up || return
	chaos_kill_daemon "at random"
	later_at $(($(now_rel) + RANDOM % 1000)) chaos_start_daemon
}

# kill -9 of the daemon inside an action step: a step drawn at random (or
# any) and, until the schedule ends, as soon as state.json records an index
# at that step, the daemon is killed there (checked every 50 ms between the
# other events). Over many schedules every step is hit; the run's summary
# counts where.
STEPS="any record pause_follow close unfollow open divergence_check
write_block clone delete follow"
fault_kill_daemon_in_action() {
	local step path method c
	# shellcheck disable=SC2086
	pick step $STEPS
	# The step's request answers the daemon 400 ms late (four times), so
	# the kill can land while it is in flight. The reading steps share
	# their requests with the polls, which would use the delays up.
	case $step in
	pause_follow) path='/*/_ccr/pause_follow' method=POST ;;
	close) path='/*/_close' method=POST ;;
	unfollow) path='/*/_ccr/unfollow' method=POST ;;
	open) path='/*/_open' method=POST ;;
	write_block) path='/*/_block/write' method=PUT ;;
	clone) path='/*/_clone/*' method=POST ;;
	delete) path='/*' method=DELETE ;;
	follow) path='/*/_ccr/follow' method=PUT ;;
	*) path= ;;
	esac
	if [ -n "$path" ]; then
		for c in clusterA clusterB; do
			cluster_up "$c" && post "$(url_of "$c")/_essim/faults" \
			    "{\"path\":\"$path\",\"method\":\"$method\",\"from\":\"clients\",\"header\":\"User-Agent: ccr-failoverd\",\"action\":\"delay\",\"delay_ms\":400,\"count\":4}" \
			    >/dev/null
		done
	fi
	note "kill -9 daemon at step $step, when it gets there"
	in_step_or_later "$step" 5000
}
in_step_or_later() {
	local step=$1 sel kind at
	daemon_up || return
	if [ "$step" = any ]; then
		sel='.action.indices[0].step'
	else
		sel="[.action.indices[]?.step] | map(select(. == \"$step\")) | .[0]"
	fi
	# One read for the kind and the step: read apart, the action could end
	# between them and the kill be booked in a step of no action.
	read -r kind at <<<"$(state_get "[.action.kind, (($sel) // empty)] |
	    select(length == 2) | join(\" \")")"
	if [ -n "$at" ]; then
		KILLED_IN[$at]=$((${KILLED_IN[$at]:-0} + 1))
		chaos_kill_daemon "in $kind at $at"
		later_at $(($(now_rel) + RANDOM % 500)) chaos_start_daemon
	elif [ "$(now_rel)" -lt "$2" ]; then
		later_at $(($(now_rel) + 50)) in_step_or_later "$step" "$2"
	else
		note "kill -9 daemon at step $step: not reached"
	fi
}

# An operator command at random (ccr-failoverctl, in the background: it
# waits until the daemon consumed it).
fault_operator() {
	local cmd
	pick cmd confirm abort hold resume promote failback switchover
	note "operator: $cmd"
	ctl --timeout 3 "$cmd" >>"$AT_DIR/ctl.out" 2>&1 &
	CTL_PIDS="$CTL_PIDS $!"
}

# --- the daemon ----------------------------------------------------------------

daemon_up() {
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}
# chaos_kill_daemon WHERE: kill -9, and check state.json loads (inv. 5).
chaos_kill_daemon() {
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	at_forget_pid "$DAEMON_PID"
	DAEMON_PID=
	note "kill -9 daemon $1"
	state_loads || violation 5 "state.json does not load after kill -9 $1"
}
state_loads() {
	[ ! -e "$DAEMON_STATE/state.json" ] ||
	    jq -e 'type == "object" and .version == 1' \
	    "$DAEMON_STATE/state.json" >/dev/null 2>&1
}
chaos_start_daemon() {
	daemon_up && return
	if ! daemon_start; then
		note "daemon did not start"
	fi
	note "daemon started (pid $DAEMON_PID)"
}
# A daemon that is gone though nobody killed it is a violation (inv. 5).
check_daemon_alive() {
	local rc
	[ -z "$DAEMON_PID" ] && return
	kill -0 "$DAEMON_PID" 2>/dev/null && return
	wait "$DAEMON_PID"
	rc=$?
	at_forget_pid "$DAEMON_PID"
	violation 5 "the daemon exited on its own with status $rc"
	DAEMON_PID=
	chaos_start_daemon
}

# --- the client -----------------------------------------------------------------

# writer: PUT numbered documents into a random pair on both clusters; log
# "CLUSTER PAIR ID" for every 201. Runs until killed.
writer() {
	local n=0 i c name code
	while :; do
		i=$((1 + RANDOM % PAIRS))
		for c in clusterA clusterB; do
			n=$((n + 1))
			name=$(index_on "$c" "$i")
			code=$("$CURL" -s -o /dev/null -w '%{http_code}' -m 1 \
			    -XPUT -H 'Content-Type: application/json' \
			    "$(url_of "$c")/$name/_doc/w$n" -d "{\"w\":\"w$n\"}")
			[ "$code" = 201 ] && echo "$c $i w$n" >>"$AT_DIR/acked"
		done
		sleep 0.05
	done
}
# index_on CLUSTER PAIR: the pair's index name on that cluster.
index_on() {
	if [ "$1" = clusterA ]; then echo "logs$2"; else echo "logs$2-dr"; fi
}

# --- one schedule ----------------------------------------------------------------

VIOLATIONS=0
SCHED_VIOLATIONS=0
violation() {
	SCHED_VIOLATIONS=$((SCHED_VIOLATIONS + 1))
	echo "VIOLATION (seed $SEED) invariant $1: $2"
	note "VIOLATION invariant $1: $2"
}

schedule() {
	local seed=$1 nfaults i t kind target ev
	SEED=$seed
	SCHED_VIOLATIONS=0
	CTL_PIDS=
	REFUSE_END=0
	FINAL="not run"
	RANDOM=$seed
	unset ESSIM_clusterA_PORT ESSIM_clusterB_PORT AT_URL_A
	AT_DIR="$TEST_DIR/s$seed"
	rm -rf "$AT_DIR"
	mkdir -p "$AT_DIR"
	DAEMON_CONF="$AT_DIR/ccr-failoverd.conf"
	DAEMON_STATE="$AT_DIR/state"
	DAEMON_RUN="$AT_DIR/run"
	DAEMON_LOG="$AT_DIR/daemon.log"
	: >"$AT_DIR/pending"
	: >"$AT_DIR/acked"
	: >"$AT_DIR/unreachable"
	unset DOWN_SINCE BLACKHOLE_SINCE LINK_SINCE
	declare -gA DOWN_SINCE BLACKHOLE_SINCE LINK_SINCE

	POLL=$((100 + RANDOM % 101))
	TIMEOUT=$((100 + RANDOM % 150))
	THRESH=$((2 + RANDOM % 2))
	pick GATE_P true false false
	pick GATE_F true false
	ESSIM_FLAGS="--transport-timeout-ms 1000 --read-poll-timeout-ms 200"
	chaos_setup || { echo "chaos: seed $seed: setup failed"; return 2; }
	at_config "poll_interval_ms = $POLL;" "request_timeout_ms = $TIMEOUT;" \
	    "failure_threshold = $THRESH;" "recovery_threshold = 2;" \
	    "confirm_promote = $GATE_P;" "confirm_failback = $GATE_F;" \
	    "auto_failback = true;" "failover_block_s = 0;" \
	    "switchover_timeout_ms = 2000;"
	if ! daemon_start; then
		echo "chaos: seed $seed: the daemon did not start"
		return 2
	fi
	T0=$(now_ms)
	note "poll $POLL ms, timeout $TIMEOUT ms, threshold $THRESH, confirm_promote $GATE_P, confirm_failback $GATE_F"
	writer &
	WRITER_PID=$!
	track_pid "$WRITER_PID"

	# Draw the faults: 3-8 of them over 0.2-3.5 s.
	nfaults=$((3 + RANDOM % 6))
	: >"$AT_DIR/plan"
	for ((i = 0; i < nfaults; i++)); do
		t=$((200 + RANDOM % 3300))
		# shellcheck disable=SC2086
		pick kind $FAULT_KINDS
		pick target clusterA clusterB
		echo "$t fault_$kind $target" >>"$AT_DIR/plan"
	done
	sort -n "$AT_DIR/plan" -o "$AT_DIR/plan"
	cat "$AT_DIR/plan" >>"$AT_DIR/pending"
	FAULTS=$((FAULTS + nfaults))

	run_pending 4000
	kill "$WRITER_PID" 2>/dev/null
	wait "$WRITER_PID" 2>/dev/null
	at_forget_pid "$WRITER_PID"
	settle
	check_invariants
	teardown
	return 0
}

# run_pending UNTIL_MS: run the pending list in time order until the
# schedule's clock passes UNTIL_MS and nothing earlier is left.
run_pending() {
	local until=$1 line t cmd wait
	while :; do
		check_daemon_alive
		line=$(sort -n "$AT_DIR/pending" | head -n 1)
		if [ -z "$line" ]; then
			[ "$(now_rel)" -ge "$until" ] && return
			sleep 0.1
			continue
		fi
		t=${line%% *}
		cmd=${line#* }
		wait=$((t - $(now_rel)))
		if [ "$wait" -gt 0 ]; then
			[ "$wait" -gt 100 ] && wait=100
			sleep "0.$(printf %03d "$wait")"
			continue
		fi
		sort -n "$AT_DIR/pending" | tail -n +2 >"$AT_DIR/pending.new"
		mv "$AT_DIR/pending.new" "$AT_DIR/pending"
		# shellcheck disable=SC2086
		$cmd
	done
}

chaos_setup() {
	local i
	at_start_a $ESSIM_FLAGS || return 1
	at_start_b $ESSIM_FLAGS || return 1
	es_status PUT "$B/_cluster/settings" \
	    "$(at_remote_json clusterA "$ESSIM_clusterA_PORT")" >/dev/null
	AT_N=$PAIRS
	AT_A=
	AT_B=
	for ((i = 1; i <= PAIRS; i++)); do
		AT_A="$AT_A logs$i"
		AT_B="$AT_B logs$i-dr"
		es_status PUT "$A/logs$i" \
		    '{"settings":{"number_of_shards":2}}' >/dev/null
		[ "$(es_status PUT "$B/logs$i-dr/_ccr/follow?wait_for_active_shards=1" \
		    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"logs$i\",\"read_poll_timeout\":\"200ms\"}")" \
		    = 200 ] || return 1
	done
}

# Lift every fault, bring every process back, and let the daemon settle as
# an operator would: confirm, resume, or run a failed action again.
settle() {
	local c deadline state kind tries=0 now_promoted=0
	# A refuse ends by itself (and blocks fault administration until then).
	while [ "$(now_ms)" -le "$REFUSE_END" ]; do
		sleep 0.1
	done
	# What is still pending is lifting: do it now.
	while read -r _ cmd; do
		case $cmd in
		fault_*|in_step_or_later*) ;;
		*) $cmd ;;
		esac
	done < <(sort -n "$AT_DIR/pending")
	: >"$AT_DIR/pending"
	for c in clusterA clusterB; do
		cluster_up "$c" || restart_cluster "$c"
		faults_clear "$(url_of "$c")"
		post "$(url_of "$c")/_essim/link" '{"mode":"ok"}' >/dev/null
		"$CURL" -s -o /dev/null -m 2 -XDELETE "$(url_of "$c")/_essim/knobs"
	done
	for c in $CTL_PIDS; do	# operator commands still waiting
		wait "$c" 2>/dev/null
	done
	CTL_PIDS=
	check_daemon_alive
	daemon_up || chaos_start_daemon
	note "faults lifted"
	deadline=$(( $(date +%s) + SETTLE_S ))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		check_daemon_alive
		state=$(status_get .state)
		if [ "$(status_get .held)" = true ]; then
			ctl --timeout 3 resume >/dev/null 2>&1
			note "settle: resume"
		elif [ "$state" = AWAITING_CONFIRMATION ]; then
			ctl --timeout 3 confirm >/dev/null 2>&1
			note "settle: confirm"
		elif [ "$state" = FAILED ]; then
			# The runbook: run the failed action again (every step
			# is idempotent); after three tries, give it up.
			kind=$(state_get '.action.kind // .fsm.action // empty')
			tries=$((tries + 1))
			if [ "$tries" -le 3 ] && [ -n "$kind" ] &&
			    [ "$kind" != none ]; then
				ctl --timeout 3 "$kind" >/dev/null 2>&1
				note "settle: FAILED, $kind again"
			else
				ctl --timeout 3 abort >/dev/null 2>&1
				note "settle: FAILED, abort"
			fi
		elif [ "$state" = PROMOTED ] && [ "$(status_get '.clusters | map(.reachable) | all')" = true ] &&
		    [ "$((now_promoted += 1))" -ge 10 ]; then
			# Both clusters are back and no failback came (the
			# operator aborted it, or it waits): fail back by hand.
			now_promoted=0
			ctl --timeout 3 failback >/dev/null 2>&1
			note "settle: PROMOTED, failback"
		elif [ "$state" = REPLICATING ] && settled; then
			note "settled: REPLICATING, $(status_get .leader) leads"
			return
		fi
		sleep 0.3
	done
	note "not settled after $SETTLE_S s: $(status_get .state)"
}
# settled: REPLICATING, no action, both clusters reachable, no lag.
settled() {
	[ "$(status_get '[.state, (.action == null), .clusters[].reachable,
	    ([.indices[].lag_ops] | all(. == 0))] | map(tostring) | join(" ")')" \
	    = "REPLICATING true true true true" ]
}

# --- the invariants ----------------------------------------------------------------

check_invariants() {
	local leader follower i l f writable side
	leader=$(status_get .leader)
	follower=$(status_get .follower)
	FINAL="$(status_get .state) $leader leads, $(wc -l <"$AT_DIR/acked") writes"
	[ -n "${CHAOS_BREAK:-}" ] && break_on_purpose "$leader" "$follower"
	if [ "$(status_get .state)" != REPLICATING ]; then
		violation 3 "did not settle: state $(status_get .state) after $SETTLE_S s"
	fi
	# 1: every automatic promotion decision had the follower cut off.
	check_promotions
	# 3 and 4, on the clusters.
	for ((i = 1; i <= PAIRS; i++)); do
		l=$(index_on "$leader" "$i")
		f=$(index_on "$follower" "$i")
		index_open "$(url_of "$leader")" "$l" ||
		    violation 3 "$leader/$l is missing or closed"
		index_open "$(url_of "$follower")" "$f" ||
		    violation 3 "$follower/$f is missing or closed"
		[ "$(ccr_info "$(url_of "$leader")" "$l")" = none ] ||
		    violation 3 "$leader/$l (leader side) is a follower: $(ccr_info "$(url_of "$leader")" "$l")"
		[ "$(ccr_info "$(url_of "$follower")" "$f")" = active ] ||
		    violation 3 "$follower/$f does not actively follow: $(ccr_info "$(url_of "$follower")" "$f")"
		[ "$(leader_of "$(url_of "$follower")" "$f")" = "$leader:$l" ] ||
		    violation 3 "$follower/$f follows '$(leader_of "$(url_of "$follower")" "$f")', not $leader:$l"
		writable=0
		for side in "$leader $l" "$follower $f"; do
			set -- $side
			if [ "$(ccr_info "$(url_of "$1")" "$2")" = none ] &&
			    [ "$(es_body GET "$(url_of "$1")/$2/_settings?flat_settings=true" |
			    jq -r ".\"$2\".settings.\"index.blocks.write\" // \"false\"")" != true ]; then
				writable=$((writable + 1))
			fi
		done
		[ "$writable" -le 1 ] ||
		    violation 4 "both sides of pair $i accept writes"
	done
	# 2: every acknowledged write on the leader, or in a kept copy.
	check_writes "$leader"
	# 5: the last state.json loads; no sanitizer report in the log.
	state_loads || violation 5 "state.json does not load at the end"
	if grep -q 'Sanitizer\|runtime error' "$DAEMON_LOG"; then
		violation 5 "sanitizer report in the daemon's log"
	fi
}

# break_on_purpose LEADER FOLLOWER: CHAOS_BREAK=ack|close|writable|
# unreachable|state breaks what one invariant checks, so tests/chaos/
# selftest.sh can show that each check fails when it should.
break_on_purpose() {
	local f
	f=$(index_on "$2" 1)
	case $CHAOS_BREAK in
	ack) echo "$1 1 w-never-written" >>"$AT_DIR/acked" ;;
	close) es_status POST "$(url_of "$2")/$f/_close" >/dev/null ;;
	writable)
		es_status POST "$(url_of "$2")/$f/_ccr/pause_follow" >/dev/null
		es_status POST "$(url_of "$2")/$f/_close" >/dev/null
		es_status POST "$(url_of "$2")/$f/_ccr/unfollow" >/dev/null
		es_status POST "$(url_of "$2")/$f/_open" >/dev/null ;;
	unreachable) : >"$AT_DIR/unreachable" ;;
	state) echo '{"version": 1, "leader": ' >"$DAEMON_STATE/state.json" ;;
	esac
}

# ids URL INDEX-EXPRESSION: every document id, one per line.
ids() {
	"$CURL" -s -m 5 -XPOST "$1/$2/_refresh" >/dev/null
	"$CURL" -s -m 5 "$1/$2/_search?size=100000&filter_path=hits.hits._id" |
	    jq -r '.hits.hits[]?._id' 2>/dev/null
}

check_writes() {
	local leader=$1 i missing lost n
	n=$(wc -l <"$AT_DIR/acked")
	WRITES=$((WRITES + n))
	for ((i = 1; i <= PAIRS; i++)); do
		{
			ids "$(url_of "$leader")" "$(index_on "$leader" "$i")"
			ids "$(url_of clusterA)" "$(index_on clusterA "$i")-diverged-*"
			ids "$(url_of clusterB)" "$(index_on clusterB "$i")-diverged-*"
		} | sort -u >"$AT_DIR/found.$i"
		awk -v i="$i" '$2 == i { print $3 }' "$AT_DIR/acked" | sort -u \
		    >"$AT_DIR/acked.$i"
		missing=$(comm -23 "$AT_DIR/acked.$i" "$AT_DIR/found.$i")
		if [ -n "$missing" ]; then
			lost=$(echo "$missing" | wc -l)
			violation 2 "pair $i: $lost acknowledged writes neither on $leader nor in a -diverged- copy: $(echo "$missing" | head -n 5 | tr '\n' ' ')"
		fi
	done
}

# Automatic promotion decisions ("leader lost after N polls") must fall
# while the follower could not reach the leader: an unreachable interval
# of the follower side must reach into the decision's window (the failure
# streak's length plus a second).
check_promotions() {
	local line ts ms window
	window=$(( (THRESH + 2) * (POLL + TIMEOUT) + 1000 ))
	while read -r line; do
		ts=${line%% *}
		ms=$(date -u -d "$ts" +%s%3N)
		if ! awk -v t="$ms" -v w="$window" '
		    $4 >= t - w && $3 <= t { found = 1 } END { exit !found }' \
		    "$AT_DIR/unreachable"; then
			violation 1 "automatic promotion decided at $ts with the follower reaching the leader: ${line#* }"
		fi
	done < <(grep -E ': state [A-Z_]+ -> (PROMOTING|AWAITING_CONFIRMATION): leader lost after' "$DAEMON_LOG")
}

teardown() {
	if daemon_up; then
		kill -TERM "$DAEMON_PID"
		wait "$DAEMON_PID"
		rc=$?
		at_forget_pid "$DAEMON_PID"
		[ "$rc" -eq 0 ] || violation 5 "the daemon exited $rc on SIGTERM"
	fi
	DAEMON_PID=
	at_stop_all >/dev/null 2>&1
}

# --- main ----------------------------------------------------------------------------

# Each schedule runs in a subshell that ends with it. Once, 80 schedules
# into a run on a machine whose pids had wrapped (pid_max 32,768; one
# schedule forks thousands), the driver's bash 5.2 waited for ever for a
# command substitution's child that had exited: it had lost the status,
# most likely to a stale entry of an earlier child with the same pid. A
# shell that lives for one schedule meets no pid twice; the driver's own
# shell forks a handful per schedule.
schedule_exit() {
	local pid
	for pid in $TEST_PIDS; do
		[ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$BASHPID" ] &&
		    kill "$pid" 2>/dev/null
	done
}
TOTAL_FAULTS=0
TOTAL_WRITES=0
declare -A KILLED_TOTAL
VIOLATED=0
start=$(date +%s)
for ((run = 0; run < RUNS; run++)); do
	seed=$((SEED0 + run))
	result="$TEST_DIR/result"
	rm -f "$result"
	(
		trap schedule_exit EXIT
		TEST_PIDS=
		FAULTS=0
		WRITES=0
		declare -A KILLED_IN=()
		schedule "$seed"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			SCHED_VIOLATIONS=$((SCHED_VIOLATIONS + 1))
			echo "VIOLATION (seed $seed): the schedule could not run"
		fi
		declare -p FAULTS WRITES SCHED_VIOLATIONS FINAL KILLED_IN >"$result"
	)
	FAULTS=0 WRITES=0 FINAL="not run" SCHED_VIOLATIONS=1
	declare -A KILLED_IN=()
	if [ -s "$result" ]; then
		. "$result"
	else
		echo "VIOLATION (seed $seed): the schedule's shell ended early"
	fi
	TOTAL_FAULTS=$((TOTAL_FAULTS + FAULTS))
	TOTAL_WRITES=$((TOTAL_WRITES + WRITES))
	for k in "${!KILLED_IN[@]}"; do
		KILLED_TOTAL[$k]=$((${KILLED_TOTAL[$k]:-0} + KILLED_IN[$k]))
	done
	AT_DIR="$TEST_DIR/s$seed"
	kinds=$(awk '{ print $2 }' "$AT_DIR/plan" 2>/dev/null | sed 's/^fault_//' | tr '\n' ' ')
	if [ "$SCHED_VIOLATIONS" -gt 0 ]; then
		VIOLATED=$((VIOLATED + 1))
		VIOLATIONS=$((VIOLATIONS + SCHED_VIOLATIONS))
		echo "--- schedule (replay: make chaos CHAOS_SEED=$seed CHAOS_RUNS=1)"
		cat "$AT_DIR/timeline" 2>/dev/null
		echo "--- daemon state changes"
		grep -E ': state |started: |finished: ' "$AT_DIR/daemon.log" 2>/dev/null | tail -n 30
		cp -r "$AT_DIR" "$TEST_DIR/../chaos-violation-$seed" 2>/dev/null &&
		    echo "--- kept in ${TMPDIR:-/tmp}/chaos-violation-$seed"
	elif [ -n "${CHAOS_KEEP:-}" ]; then
		cp -r "$AT_DIR" "$CHAOS_KEEP/s$seed"
	fi
	instep=$(grep -o 'kill -9 daemon in [a-z]* at [a-z_]*' "$AT_DIR/timeline" 2>/dev/null |
	    sed 's/kill -9 daemon in //' | tr '\n' ',' | sed 's/,$//')
	rm -rf "$AT_DIR"
	echo "chaos: seed $seed: ${kinds}-> $FINAL${instep:+, daemon killed in $instep}, $SCHED_VIOLATIONS violations"
done
rm -f "$TEST_DIR/result"
echo "chaos: $TOTAL_FAULTS faults injected, $TOTAL_WRITES acknowledged writes checked, $(($(date +%s) - start)) s"
echo "chaos: daemon killed inside action steps:$(for k in "${!KILLED_TOTAL[@]}"; do printf ' %s %s' "$k" "${KILLED_TOTAL[$k]}"; done)"
echo "$((RUNS - VIOLATED)) passed, $VIOLATED failed"
echo "chaos: $RUNS schedules, $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
