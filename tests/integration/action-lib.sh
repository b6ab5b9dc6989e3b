# Helpers for the action engine's integration tests, sourced after lib.sh:
# two essim clusters linked by CCR (clusterA leads, clusterB follows N
# indices), a daemon configuration with short timers, the daemon itself, and
# checks of what the clusters really hold.

AT_N=0			# follower indices
AT_A=			# leader index names on clusterA, in order
AT_B=			# follower index names on clusterB, in order
AT_DIR=$TEST_DIR	# the current scenario's files
DAEMON_PID=
DAEMON_CONF="$AT_DIR/ccr-failoverd.conf"
DAEMON_STATE="$AT_DIR/state"
DAEMON_RUN="$AT_DIR/run"
DAEMON_LOG="$AT_DIR/daemon.log"

# at_forget_pid PID: a process that was waited for leaves the cleanup list,
# so the cleanup never signals a later process that reuses its pid.
at_forget_pid() {
	TEST_PIDS=$(echo " $TEST_PIDS " | sed "s/ $1 / /")
}

# at_kill NAME [SIGNAL]: essim_kill, then forget the pid and the name (until
# essim_start starts it again), so no later signal can reach a stranger.
at_kill() {
	local pidvar="ESSIM_${1}_PID"
	essim_kill "$@"
	at_forget_pid "${!pidvar}"
	ESSIM_NAMES=$(echo " $ESSIM_NAMES " | sed "s/ $1 / /")
}

# at_stop_all: essim_stop_all, and forget the pids.
at_stop_all() {
	local name pidvar rc=0
	essim_stop_all || rc=1
	for name in $ESSIM_NAMES; do
		pidvar="ESSIM_${name}_PID"
		at_forget_pid "${!pidvar}"
	done
	ESSIM_NAMES=
	return $rc
}

# at_scenario NAME: start afresh for one scenario: the previous daemon and
# clusters are stopped (a test each: clean exits, no sanitizer report) and
# the new one's files go to $TEST_DIR/NAME.
at_scenario() {
	echo "# --- $1"
	if [ -n "$DAEMON_PID" ]; then
		ok "daemon stops cleanly" daemon_stop
		DAEMON_PID=
	fi
	if [ -n "$ESSIM_NAMES" ]; then
		ok "clusters stop cleanly" at_stop_all
	fi
	unset ESSIM_clusterA_PORT ESSIM_clusterB_PORT AT_URL_A
	AT_DIR="$TEST_DIR/$1"
	mkdir -p "$AT_DIR"
	DAEMON_CONF="$AT_DIR/ccr-failoverd.conf"
	DAEMON_STATE="$AT_DIR/state"
	DAEMON_RUN="$AT_DIR/run"
	DAEMON_LOG="$AT_DIR/daemon.log"
}

# at_end: stop the last scenario's daemon and clusters, as at_scenario does.
at_end() {
	if [ -n "$DAEMON_PID" ]; then
		ok "daemon stops cleanly" daemon_stop
		DAEMON_PID=
	fi
	ok "clusters stop cleanly" at_stop_all
}

# at_start_a [FLAGS...]: start (or restart) clusterA on its port, with its
# journal, so the daemon and clusterB find it where it was. The 5 s
# transport timeout is essim's former default, which these tests were
# written for (essim now waits Elasticsearch's 30 s).
at_start_a() {
	if [ -n "${ESSIM_clusterA_PORT:-}" ]; then
		essim_start clusterA --listen "127.0.0.1:$ESSIM_clusterA_PORT" \
		    --data "$AT_DIR/a.journal" --refresh-interval-ms 100 \
		    --transport-timeout-ms 5000 "$@"
	else
		essim_start clusterA --data "$AT_DIR/a.journal" \
		    --refresh-interval-ms 100 \
		    --transport-timeout-ms 5000 "$@"
	fi
	A=$ESSIM_clusterA_URL
}

# at_start_b [FLAGS...]: the same for clusterB, with AT_B_FLAGS (which
# may set its own transport timeout) too.
at_start_b() {
	# shellcheck disable=SC2086
	if [ -n "${ESSIM_clusterB_PORT:-}" ]; then
		essim_start clusterB --listen "127.0.0.1:$ESSIM_clusterB_PORT" \
		    --data "$AT_DIR/b.journal" --refresh-interval-ms 100 \
		    --transport-timeout-ms 5000 ${AT_B_FLAGS:-} "$@"
	else
		essim_start clusterB --data "$AT_DIR/b.journal" \
		    --refresh-interval-ms 100 \
		    --transport-timeout-ms 5000 ${AT_B_FLAGS:-} "$@"
	fi
	B=$ESSIM_clusterB_URL
}

# at_remote_json NAME PORT: a persistent cluster.remote.NAME setting.
at_remote_json() {
	printf '{"persistent":{"cluster":{"remote":{"%s":{"mode":"proxy","skip_unavailable":"true","proxy_address":"127.0.0.1:%s"}}}}}' \
	    "$1" "$2"
}

# at_setup N [DOCS]: clusterA with N leader indices logsI (two shards, DOCS
# documents each, default 3), clusterB following each as logsI-dr through
# remote clusterA. The followers' reads wait at most 200 ms for new
# operations, so a cut link is felt at once. Sets A, B, AT_N, AT_A, AT_B.
# AT_A_FLAGS and AT_B_FLAGS are more essim flags for each cluster.
at_setup() {
	local n=$1 docs=${2:-3} i j
	AT_N=$n
	AT_A=
	AT_B=
	at_start_a ${AT_A_FLAGS:-} || return 1
	at_start_b ${AT_B_FLAGS:-} || return 1
	es_status PUT "$B/_cluster/settings" \
	    "$(at_remote_json clusterA "$ESSIM_clusterA_PORT")" >/dev/null
	for i in $(seq 1 "$n"); do
		AT_A="$AT_A logs$i"
		AT_B="$AT_B logs$i-dr"
		es_status PUT "$A/logs$i" \
		    '{"settings":{"number_of_shards":2}}' >/dev/null
		for j in $(seq 1 "$docs"); do
			es_status POST "$A/logs$i/_doc" "{\"n\":$j}" >/dev/null
		done
		[ "$(es_status PUT "$B/logs$i-dr/_ccr/follow?wait_for_active_shards=1" \
		    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"logs$i\",\"read_poll_timeout\":\"200ms\"}")" \
		    = 200 ] || return 1
	done
}

# at_config ["KEY = VALUE;"...]: write the daemon's configuration for the
# clusters at_setup built; each argument is a top-level setting (replacing
# the default for that key) or a section. AT_CLUSTER_KEYS are more keys of
# both cluster groups (credentials of the test's own: then CCR_TEST_HTTPS
# adds only its CA, see tls_cluster_keys).
at_config() {
	local i d
	{
		for d in "poll_interval_ms = 200;" "request_timeout_ms = 250;" \
		    "failure_threshold = 3;" "recovery_threshold = 2;" \
		    "confirm_failback = false;" "failover_block_s = 0;" \
		    "switchover_timeout_ms = 10000;"; do
			case " $* " in
			*" ${d%% *} "*) ;;
			*) echo "$d" ;;
			esac
		done
		for i in "$@"; do
			echo "$i"
		done
		echo "clusters = {"
		echo "  clusterA = {"
		echo "    urls = [ \"${AT_URL_A:-$A}\" ];"
		echo "    ${AT_CLUSTER_KEYS:-} $(tls_cluster_keys "${AT_CLUSTER_KEYS:-}")"
		echo "    remote = { mode = \"proxy\"; proxy_address = \"127.0.0.1:$ESSIM_clusterA_PORT\"; skip_unavailable = true; };"
		echo "  };"
		echo "  clusterB = {"
		echo "    urls = [ \"$B\" ];"
		echo "    ${AT_CLUSTER_KEYS:-} $(tls_cluster_keys "${AT_CLUSTER_KEYS:-}")"
		echo "    remote = { mode = \"proxy\"; proxy_address = \"127.0.0.1:$ESSIM_clusterB_PORT\"; skip_unavailable = true; };"
		echo "  };"
		echo "};"
		echo "leader = \"clusterA\";"
		echo "follower = \"clusterB\";"
		echo "indices = ("
		for i in $(seq 1 "$AT_N"); do
			[ "$i" -gt 1 ] && echo ","
			echo "  { leader_index = \"logs$i\"; follower_index = \"logs$i-dr\"; }"
		done
		echo ");"
	} >"$DAEMON_CONF"
}

# at_hooks NAME...: a hooks section whose hooks append their CCR_*
# environment and a "--" line to $AT_DIR/hook-NAME.env; each exits with the
# number in $AT_DIR/veto (0 when the file is absent). Prints the section.
at_hooks() {
	local name script
	printf 'hooks = { timeout_ms = 5000; '
	for name in "$@"; do
		script="$AT_DIR/hook-$name"
		cat >"$script" <<EOF
#!/bin/sh
{ env | grep '^CCR_' | sort; echo --; } >>"$AT_DIR/hook-$name.env"
[ -f "$AT_DIR/veto" ] && exit "\$(cat "$AT_DIR/veto")"
exit 0
EOF
		chmod 755 "$script"
		printf '%s = "%s"; ' "$name" "$script"
	done
	printf '};'
}

# daemon_start [FLAGS...]: run ccr-failoverd on the configuration, with its
# state and runtime directories in TEST_DIR; waits for the first status.
daemon_start() {
	mkdir -p "$DAEMON_STATE" "$DAEMON_RUN"
	chmod 700 "$DAEMON_STATE" "$DAEMON_RUN"
	"$FAILOVERD" -c "$DAEMON_CONF" --state-dir "$DAEMON_STATE" \
	    --runtime-dir "$DAEMON_RUN" --log-level debug "$@" \
	    2>>"$DAEMON_LOG" &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	wait_for 10 daemon_polled
}

# daemon_polled: the running daemon has written a status after a poll.
daemon_polled() {
	[ "$(status_get .pid)" = "$DAEMON_PID" ] &&
	    [ "$(status_get .last_poll)" != null ]
}

# daemon_kill [SIGNAL]: end the daemon (default TERM) and wait for it.
daemon_kill() {
	kill "-${1:-TERM}" "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	at_forget_pid "$DAEMON_PID"
}

# daemon_stop: SIGTERM; fails unless it exits 0 without sanitizer reports.
# What went wrong is printed as comments, which make check-https shows.
daemon_stop() {
	local rc=0
	kill -TERM "$DAEMON_PID" 2>/dev/null || return 1
	wait "$DAEMON_PID" || rc=$?
	at_forget_pid "$DAEMON_PID"
	[ "$rc" -eq 0 ] || echo "# the daemon exited $rc" >&2
	if grep -q 'Sanitizer\|runtime error' "$DAEMON_LOG"; then
		grep -A20 'Sanitizer\|runtime error' "$DAEMON_LOG" |
		    sed 's/^/#   /' >&2
		rc=1
	fi
	return $rc
}

# status_get JQ-FILTER: a value from status.json (raw).
status_get() {
	jq -r "$1" "$DAEMON_RUN/status.json" 2>/dev/null
}

# state_get JQ-FILTER: a value from state.json (raw).
state_get() {
	jq -r "$1" "$DAEMON_STATE/state.json" 2>/dev/null
}

# state_is STATE [LEADER]: status.json says so.
state_is() {
	[ "$(status_get .state)" = "$1" ] &&
	    { [ $# -lt 2 ] || [ "$(status_get .leader)" = "$2" ]; }
}

# wait_state SECONDS STATE [LEADER]
wait_state() {
	local t=$1
	shift
	wait_for "$t" state_is "$@" || {
		echo "# state: $(status_get '.state + " leader " + .leader + " pending " + (.pending // "-")')" >&2
		return 1
	}
}

# log_has TEXT: the daemon's log holds a line with the fixed string.
log_has() {
	grep -qF -- "$1" "$DAEMON_LOG"
}

# ctl COMMAND...: ccr-failoverctl on the daemon's runtime directory.
ctl() {
	"$FAILOVERCTL" --runtime-dir "$DAEMON_RUN" "$@"
}

# ctl_ok COMMAND...: the same, quiet: only whether the daemon accepted it.
ctl_ok() {
	ctl "$@" >/dev/null
}

# --- what the clusters hold ---------------------------------------------------

# ccr_info URL INDEX: the index's follower_indices status on that cluster:
# active, paused or none (a plain index); empty when it does not exist.
ccr_info() {
	local out
	out=$(es "GET" "$1/$2/_ccr/info")
	[ "$(echo "$out" | tail -n 1)" = 200 ] || return 0
	echo "$out" | sed '$d' |
	    jq -r '.follower_indices[0].status // "none"'
}

# index_open URL INDEX: the index exists and is open (a closed one answers
# _count with index_closed_exception).
index_open() {
	[ "$(es_status GET "$1/$2/_count")" = 200 ]
}

# leader_of URL INDEX: "remote:index" the follower follows, or empty.
leader_of() {
	es_body GET "$1/$2/_ccr/info" |
	    jq -r '.follower_indices[0] | select(.) | .remote_cluster + ":" + .leader_index'
}

# all_plain URL NAMES...: every index exists, is open and follows nothing.
all_plain() {
	local url=$1 i
	shift
	for i in "$@"; do
		[ "$(ccr_info "$url" "$i")" = none ] || return 1
		index_open "$url" "$i" || return 1
	done
}

# all_active URL NAMES...: every index is open and an active follower.
all_active() {
	local url=$1 i
	shift
	for i in "$@"; do
		[ "$(ccr_info "$url" "$i")" = active ] || return 1
		index_open "$url" "$i" || return 1
	done
}

# auto_follow_add URL NAME REMOTE: an auto-follow pattern metrics-* on the
# remote; answers whether it was created.
auto_follow_add() {
	[ "$(es_status PUT "$1/_ccr/auto_follow/$2" \
	    "{\"remote_cluster\":\"$3\",\"leader_index_patterns\":[\"metrics-*\"],\"follow_index_pattern\":\"{{leader_index}}-dr\"}")" \
	    = 200 ]
}

# auto_follow_active URL NAME: true or false, as the pattern says.
auto_follow_active() {
	es_body GET "$1/_ccr/auto_follow/$2" | jq -r '.patterns[0].pattern.active'
}

# count URL INDEX: documents after a refresh.
count() {
	es_status POST "$1/$2/_refresh" >/dev/null
	es_body GET "$1/$2/_count" | jq -r .count
}

# writable URL INDEX: a kimchy write answers 201.
writable() {
	[ "$(es_status POST "$1/$2/_doc" '{"user":"kimchy"}')" = 201 ]
}

# fault URL JSON: add an essim fault rule.
fault() {
	es_status POST "$1/_essim/faults" "$2" | grep -q 200
}

# faults_clear URL
faults_clear() {
	es_status DELETE "$1/_essim/faults" >/dev/null
}
