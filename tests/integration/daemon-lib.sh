# Helpers for integration tests that run ccr-failoverd against two essim
# clusters: a replicated index pair, a configuration writer, starting and
# stopping the daemon, and readers for its status file and log. Source it
# after lib.sh.

IDX=logs
IDX2=logs2
DAEMON_PID=""

# daemon_dirs NAME: give the next daemon its own state and runtime
# directories and log, under $TEST_DIR/NAME.
daemon_dirs() {
	mkdir -p "$TEST_DIR/$1"
	DAEMON_RUN="$TEST_DIR/$1/run"
	DAEMON_STATE="$TEST_DIR/$1/state"
	DAEMON_LOG="$TEST_DIR/$1/daemon.log"
	LOG_MARK=0
}
daemon_dirs d

# ccr_pair [ESSIM FLAGS...]: start essims clusterA and clusterB (journals
# $TEST_DIR/clusterA.journal and clusterB.journal), create
# $IDX (two shards) on A with three documents, and make $IDX2 on B follow
# it through a proxy-mode remote clusterA; FOLLOW_PARAMS adds follow
# parameters (',"name":value' JSON members). The transport timeout is
# essim's former default of 5 s, which these tests were written for: essim
# now waits Elasticsearch's 30 s, so an unfollow with a blackholed leader
# would answer only then.
ccr_pair() {
	local i
	essim_start clusterA --transport-timeout-ms 5000 --refresh-interval-ms 100 \
	    --data "$TEST_DIR/clusterA.journal" "$@" || return 1
	essim_start clusterB --transport-timeout-ms 5000 --refresh-interval-ms 100 \
	    --data "$TEST_DIR/clusterB.journal" "$@" || return 1
	[ "$(es_status PUT "$ESSIM_clusterA_URL/$IDX" \
	    '{"settings":{"number_of_shards":2}}')" = 200 ] || return 1
	for i in 1 2 3; do
		es_status PUT "$ESSIM_clusterA_URL/$IDX/_doc/$i" \
		    "{\"n\":$i}" >/dev/null
	done
	ccr_remote clusterB clusterA || return 1
	has "$(es_body PUT "$ESSIM_clusterB_URL/$IDX2/_ccr/follow?wait_for_active_shards=1" \
	    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$IDX\"${FOLLOW_PARAMS:-}}")" \
	    '"index_following_started":true'
}

# ccr_refollow: make clusterB's $IDX2 a fresh follower of clusterA's $IDX
# again, after a promotion turned it into a plain index.
ccr_refollow() {
	es_status DELETE "$ESSIM_clusterB_URL/$IDX2" >/dev/null
	has "$(es_body PUT "$ESSIM_clusterB_URL/$IDX2/_ccr/follow?wait_for_active_shards=1" \
	    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$IDX\"${FOLLOW_PARAMS:-}}")" \
	    '"index_following_started":true'
}

# follow_status_b INDEX: clusterB's _ccr/info status of INDEX: active,
# paused, or none for an index that follows nothing.
follow_status_b() {
	es_body GET "$ESSIM_clusterB_URL/$1/_ccr/info" |
	    jq -r '.follower_indices[0].status // "none"'
}

# promoted_to_b: status.json says PROMOTED with clusterB leading, and
# clusterB's $IDX2 is a plain open index that takes writes.
promoted_to_b() {
	state_is PROMOTED &&
	    [ "$(st '"\(.leader) \(.follower)"')" = "clusterB clusterA" ] &&
	    [ "$(follow_status_b "$IDX2")" = none ] &&
	    case "$(es_status PUT "$ESSIM_clusterB_URL/$IDX2/_doc/promoted" \
	    '{"n":0}')" in 200|201) ;; *) false ;; esac
}

# ccr_remote ON ALIAS [PORT]: on cluster ON, point remote ALIAS (proxy mode)
# at PORT, by default at the essim named ALIAS.
ccr_remote() {
	local url="ESSIM_${1}_URL" port="ESSIM_${2}_PORT"
	has "$(es_body PUT "${!url}/_cluster/settings" \
	    "{\"persistent\":{\"cluster\":{\"remote\":{\"$2\":{\"mode\":\"proxy\",\"skip_unavailable\":\"true\",\"proxy_address\":\"127.0.0.1:${3:-${!port}}\"}}}}}")" \
	    '"acknowledged":true'
}

# doc_count URL INDEX: the number of documents, or nothing on an error.
doc_count() {
	es_body GET "$1/$2/_count?filter_path=count" | jq -r '.count // empty'
}

# count_is URL INDEX N
count_is() {
	[ "$(doc_count "$1" "$2")" = "$3" ]
}

# conf_write FILE: a configuration for clusterA (leader) and clusterB.
# Variables change it: CONF_A_URL / CONF_B_URL (the daemon's urls, default
# the essims'), CONF_A_PROXY / CONF_B_PROXY (remote proxy addresses),
# CONF_A_EXTRA / CONF_B_EXTRA (more cluster keys), CONF_POLL_MS (300),
# CONF_TIMEOUT_MS (250), CONF_FAILURES (failure_threshold, 3), CONF_EXTRA
# (more top-level lines). Under CCR_TEST_HTTPS each cluster gets the CA and
# the test API key (tls_cluster_keys), unless its EXTRA has credentials.
conf_write() {
	cat >"$1" <<EOF
poll_interval_ms = ${CONF_POLL_MS:-300};
request_timeout_ms = ${CONF_TIMEOUT_MS:-250};
failure_threshold = ${CONF_FAILURES:-3};
recovery_threshold = 3;
${CONF_EXTRA:-}
clusters = {
	clusterA = {
		urls = [ "${CONF_A_URL:-$ESSIM_clusterA_URL}" ];
		$(tls_cluster_keys "${CONF_A_EXTRA:-}")
		remote = { mode = "proxy";
		    proxy_address = "${CONF_A_PROXY:-127.0.0.1:$ESSIM_clusterA_PORT}"; };
		${CONF_A_EXTRA:-}
	};
	clusterB = {
		urls = [ "${CONF_B_URL:-$ESSIM_clusterB_URL}" ];
		$(tls_cluster_keys "${CONF_B_EXTRA:-}")
		remote = { mode = "proxy";
		    proxy_address = "${CONF_B_PROXY:-127.0.0.1:$ESSIM_clusterB_PORT}"; };
		${CONF_B_EXTRA:-}
	};
};
leader = "clusterA";
follower = "clusterB";
indices = ( { leader_index = "$IDX"; follower_index = "$IDX2"; } );
EOF
}

# daemon_start CONF [FLAGS...]: run ccr-failoverd on CONF with the test's
# state and runtime directories, its stderr appended to $DAEMON_LOG; sets
# DAEMON_PID and waits until status.json reports a first poll. A command
# in DAEMON_WRAPPER runs it (and must exec it, keeping the pid).
daemon_start() {
	local conf=$1
	shift
	${DAEMON_WRAPPER:-} "$FAILOVERD" -c "$conf" \
	    --state-dir "$DAEMON_STATE" --runtime-dir "$DAEMON_RUN" "$@" \
	    2>>"$DAEMON_LOG" &
	DAEMON_PID=$!
	track_pid "$DAEMON_PID"
	if ! wait_for 10 polled; then
		echo "# ccr-failoverd did not poll" >&2
		cat "$DAEMON_LOG" >&2
		return 1
	fi
}

# daemon_stop [SIGNAL]: stop the daemon (SIGTERM by default), wait for it
# and return its exit status; DAEMON_STOP_MS says how long that took.
daemon_stop() {
	local t0 rc
	t0=$(date +%s%N)
	kill "-${1:-TERM}" "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	return $rc
}

# daemon_alive: the daemon process still runs.
daemon_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null
}

# st JQ-FILTER: a field of status.json (raw output; "null" when null).
st() {
	jq -r "$1" "$DAEMON_RUN/status.json" 2>/dev/null
}

# polled: status.json reports a poll.
polled() {
	[ -n "$(st '.last_poll // empty')" ]
}

# state_is STATE: status.json's state right now.
state_is() {
	[ "$(st .state)" = "$1" ]
}

# lag_is N: the lag of the first index pair in status.json.
lag_is() {
	[ "$(st '.indices[0].lag_ops')" = "$1" ]
}

# lag_above N: the first index pair lags by more than N operations.
lag_above() {
	local lag
	lag=$(st '.indices[0].lag_ops')
	[ "$lag" != null ] && [ -n "$lag" ] && [ "$lag" -gt "$1" ]
}

# log_has ERE: a line of the daemon's log matches.
log_has() {
	grep -qE -- "$1" "$DAEMON_LOG"
}

# log_lacks ERE: no line of the daemon's log matches.
log_lacks() {
	! grep -qE -- "$1" "$DAEMON_LOG"
}

# log_mark: remember how long the log is; log_since prints what came after.
log_mark() {
	LOG_MARK=$(wc -l <"$DAEMON_LOG")
}
log_since() {
	tail -n "+$((LOG_MARK + 1))" "$DAEMON_LOG"
}

# log_since_has ERE: a line logged after log_mark matches.
log_since_has() {
	log_since | grep -qE -- "$1"
}

# states_only STATE...: every state change logged after log_mark moves
# between the given states only.
states_only() {
	local allowed="$*" line from to
	while read -r line; do
		from=${line#*: state }
		to=${from#* -> }
		from=${from%% *}
		to=${to%%:*}
		case " $allowed " in *" $from "*) ;; *) return 1 ;; esac
		case " $allowed " in *" $to "*) ;; *) return 1 ;; esac
	done < <(log_since | grep -E ': state [A-Z_]+ -> [A-Z_]+:')
	return 0
}

# no_sanitizer_report: the daemon's log holds no sanitizer report.
no_sanitizer_report() {
	! grep -q 'Sanitizer' "$DAEMON_LOG"
}

# essim_restart NAME [ESSIM FLAGS...]: start a cluster of ccr_pair again on
# its old port with its journal.
essim_restart() {
	local port="ESSIM_${1}_PORT"
	essim_start "$1" --transport-timeout-ms 5000 --refresh-interval-ms 100 \
	    --data "$TEST_DIR/$1.journal" --listen "127.0.0.1:${!port}" "${@:2}"
}

# remote_connected ON ALIAS true|false: what ON's _remote/info says.
remote_connected() {
	local url="ESSIM_${1}_URL"
	[ "$(es_body GET "${!url}/_remote/info" | jq -r ".$2.connected")" = "$3" ]
}

# failures_at_least CLUSTER N: status.json counts N failed polls in a row.
failures_at_least() {
	local n
	n=$(st ".clusters.$1.consecutive_failures")
	[ -n "$n" ] && [ "$n" != null ] && [ "$n" -ge "$2" ]
}

# polls_pass N: wait until N more polls have been reported.
polls_pass() {
	local seen=0 last now
	last=$(st .last_poll)
	while [ "$seen" -lt "$1" ]; do
		wait_for 10 poll_after "$last" || return 1
		last=$(st .last_poll)
		seen=$((seen + 1))
	done
}
poll_after() {
	local now
	now=$(st .last_poll)
	[ -n "$now" ] && [ "$now" != null ] && [ "$now" != "$1" ]
}

NOTIFY_SINK="$abs_top_builddir/tests/notify-sink"

# sink_start SOCKET FILE: receive datagrams on SOCKET into FILE, one line
# each; sets SINK_PID.
sink_start() {
	"$NOTIFY_SINK" "$1" "$2" &
	SINK_PID=$!
	track_pid "$SINK_PID"
	wait_for 5 test -S "$1"
}
