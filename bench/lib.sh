# Helpers for bench/run.sh: starting essim clusters and the daemon on
# loopback, building N follower indices, reading times from the daemon's log,
# and turning raw samples into median, min and max. Every process started
# here is remembered by pid and ended by pid; the temporary directory goes
# when the run ends.

# --- samples and aggregation (no processes; tested by check-stats.sh) --------

# bench_aggregate: read raw samples "key,value" (key may hold commas, value is
# the last field) and print "key,runs,median,min,max" per key, keys in order
# of first appearance. The median of an even count is the mean of the middle
# two.
bench_aggregate() {
	awk -F, '
	{
		v = $NF
		k = substr($0, 1, length($0) - length(v) - 1)
		if (!(k in n)) {
			order[++nk] = k
			n[k] = 0
		}
		x[k, ++n[k]] = v + 0
	}
	END {
		for (o = 1; o <= nk; o++) {
			k = order[o]
			c = n[k]
			for (i = 1; i <= c; i++)
				s[i] = x[k, i]
			for (i = 2; i <= c; i++) {
				t = s[i]
				for (j = i - 1; j >= 1 && s[j] > t; j--)
					s[j + 1] = s[j]
				s[j + 1] = t
			}
			if (c % 2 == 1)
				med = s[(c + 1) / 2]
			else
				med = (s[c / 2] + s[c / 2 + 1]) / 2
			printf "%s,%d,%s,%s,%s\n", k, c, bench_fmt(med), \
			    bench_fmt(s[1]), bench_fmt(s[c])
		}
	}
	function bench_fmt(v) {
		if (v == int(v))
			return sprintf("%d", v)
		if (v >= 100 || v <= -100)
			return sprintf("%.0f", v)
		if (v >= 1 || v <= -1)
			return sprintf("%.2f", v)
		return sprintf("%.3f", v)
	}'
}

# bench_ratio A B: A / B with three significant decimals, "n/a" when B is 0.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b == 0) print "n/a"; else printf "%.3f\n", a / b }'
}

# bench_iso_ms TIMESTAMP: wall-clock milliseconds of an ISO 8601 UTC
# timestamp as the daemon writes it (2026-01-02T03:04:05.678Z).
bench_iso_ms() {
	date -u -d "$1" +%s%3N
}

# --- processes --------------------------------------------------------------

: "${abs_top_builddir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
FAILOVERD="$abs_top_builddir/src/ccr-failoverd"
ESSIM="$abs_top_builddir/tests/essim/essim"
LOADGEN="$abs_top_builddir/bench/loadgen"
CURL=${CURL:-curl}
BENCH_PIDS=""

now_ms() {
	date +%s%3N
}

# bench_tmp_init: the run's private directory, removed with every process
# started when the script exits.
bench_tmp_init() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ccr-bench.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	local pid
	for pid in $BENCH_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $BENCH_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	BENCH_PIDS=""
	[ -n "${BENCH_TMP:-}" ] && rm -rf "$BENCH_TMP"
}

# bench_track PID / bench_untrack PID: the pids cleanup ends.
bench_track() {
	BENCH_PIDS="$BENCH_PIDS $1"
}
bench_untrack() {
	BENCH_PIDS=$(echo "$BENCH_PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# bench_stop PID [SIGNAL]: end one process started here and reap it.
bench_stop() {
	kill "-${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	bench_untrack "$1"
}

# wait_until SECONDS COMMAND...: poll every 10 ms until the command succeeds.
wait_until() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	until "$@"; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}

# essim_up VAR NAME DIR [FLAGS...]: start one essim cluster in DIR on
# 127.0.0.1; sets VAR_PORT and VAR_PID. Pass "--listen 127.0.0.1:PORT" to
# come back on a known port.
essim_up() {
	local var=$1 name=$2 dir=$3 listen=127.0.0.1:0 arg pid
	shift 3
	for arg in "$@"; do
		[ "$arg" = --listen ] && listen=
	done
	rm -f "$dir/$name.port"
	# shellcheck disable=SC2086
	"$ESSIM" --name "$name" ${listen:+--listen $listen} \
	    --port-file "$dir/$name.port" "$@" 2>>"$dir/$name.log" &
	pid=$!
	bench_track "$pid"
	if ! wait_until 10 test -s "$dir/$name.port"; then
		echo "bench: essim $name did not start" >&2
		cat "$dir/$name.log" >&2
		return 1
	fi
	printf -v "${var}_PORT" %s "$(cat "$dir/$name.port")"
	printf -v "${var}_PID" %s "$pid"
}

# load HOST_PORT FILE [CONNECTIONS]: send a request list, fail loudly.
load() {
	if ! "$LOADGEN" -c "${3:-8}" -f "$2" "127.0.0.1:$1" >/dev/null; then
		echo "bench: requests in $2 failed" >&2
		return 1
	fi
}

# pairs_setup DIR A_PORT B_PORT N SHARDS [PREFIX]: N leader indices on A,
# clusterA registered as a remote on B, and N follower indices on B
# following them (PREFIX-l-NNNN -> PREFIX-f-NNNN).
pairs_setup() {
	local dir=$1 pa=$2 pb=$3 n=$4 shards=$5 pre=${6:-p} i
	{
		for ((i = 1; i <= n; i++)); do
			printf 'PUT /%s-l-%04d {"settings":{"number_of_shards":%d,"number_of_replicas":0}}\n' \
			    "$pre" "$i" "$shards"
		done
	} >"$dir/leaders.req"
	printf 'PUT /_cluster/settings {"persistent":{"cluster.remote.clusterA.mode":"proxy","cluster.remote.clusterA.proxy_address":"127.0.0.1:%s","cluster.remote.clusterA.skip_unavailable":true}}\n' \
	    "$pa" >"$dir/remote.req"
	{
		for ((i = 1; i <= n; i++)); do
			printf 'PUT /%s-f-%04d/_ccr/follow?wait_for_active_shards=1 {"remote_cluster":"clusterA","leader_index":"%s-l-%04d"}\n' \
			    "$pre" "$i" "$pre" "$i"
		done
	} >"$dir/followers.req"
	load "$pa" "$dir/leaders.req" && load "$pb" "$dir/remote.req" 1 &&
	    load "$pb" "$dir/followers.req"
}

# daemon_conf FILE A_PORT B_PORT N POLL_MS TIMEOUT_MS THRESHOLD [PREFIX]:
# a configuration for the pairs pairs_setup built, with automatic promotion
# and failback and no gate.
daemon_conf() {
	local file=$1 pa=$2 pb=$3 n=$4 pre=${8:-p} i
	{
		cat <<EOF
poll_interval_ms = $5;
request_timeout_ms = $6;
failure_threshold = $7;
recovery_threshold = 2;
require_follower_agreement = true;
confirm_promote = false;
confirm_failback = false;
auto_failback = true;
clusters = {
	clusterA = { urls = [ "http://127.0.0.1:$pa" ];
	    remote = { mode = "proxy"; proxy_address = "127.0.0.1:$pa"; skip_unavailable = true; }; };
	clusterB = { urls = [ "http://127.0.0.1:$pb" ];
	    remote = { mode = "proxy"; proxy_address = "127.0.0.1:$pb"; skip_unavailable = true; }; };
};
leader = "clusterA";
follower = "clusterB";
indices = (
EOF
		for ((i = 1; i <= n; i++)); do
			printf '\t{ leader_index = "%s-l-%04d"; follower_index = "%s-f-%04d"; }%s\n' \
			    "$pre" "$i" "$pre" "$i" "$([ "$i" -lt "$n" ] && echo ,)"
		done
		echo ");"
	} >"$file"
}

# daemon_up VAR DIR CONF [LEVEL]: start the daemon (log level info unless
# told; the poll rounds' figures are debug lines) and wait for its first
# REPLICATING status; sets VAR_PID, VAR_LOG and VAR_STATUS.
daemon_up() {
	local var=$1 dir=$2 conf=$3 level=${4:-info} pid
	mkdir -p "$dir/state" "$dir/run"
	"$FAILOVERD" -c "$conf" --state-dir "$dir/state" --runtime-dir "$dir/run" \
	    --log-level "$level" 2>>"$dir/daemon.log" &
	pid=$!
	bench_track "$pid"
	printf -v "${var}_PID" %s "$pid"
	printf -v "${var}_LOG" %s "$dir/daemon.log"
	printf -v "${var}_STATUS" %s "$dir/run/status.json"
	if ! wait_until 30 status_is "$dir/run/status.json" REPLICATING; then
		echo "bench: the daemon did not reach REPLICATING" >&2
		tail -n 20 "$dir/daemon.log" >&2
		return 1
	fi
}

# status_is FILE STATE: whether the status file names that state.
status_is() {
	[ "$(jq -r .state "$1" 2>/dev/null)" = "$2" ]
}

# log_has FILE EVENT: whether the daemon logged an event (e.g. leader-lost).
log_has() {
	grep -q ": $2: " "$1"
}

# log_ms FILE EVENT: wall-clock ms of the first line logging EVENT.
log_ms() {
	local ts
	ts=$(grep -m 1 ": $2: " "$1" | cut -d ' ' -f 1)
	[ -n "$ts" ] || return 1
	bench_iso_ms "$ts"
}

# cpu_ns PID: CPU time so far, in nanoseconds, summed over the process's
# threads (/proc/PID/task/*/schedstat). utime and stime in /proc/PID/stat
# count 10 ms ticks: too coarse for a daemon that idles most of a second.
cpu_ns() {
	cat /proc/"$1"/task/*/schedstat | awk '{ t += $1 } END { printf "%d\n", t }'
}

# vm_kib PID FIELD: a memory figure from /proc/PID/status in KiB.
vm_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
