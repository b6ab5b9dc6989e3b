#!/bin/bash
# The demo: two simulated clusters set up like the uni-directional DR
# tutorial, ccr-failoverd watching them, cluster A killed, the follower
# promoted, a write on B, A back with its old data, failback, and the write
# found on A. Everything it starts binds 127.0.0.1 and is stopped by pid.
#
# Usage: tools/demo.sh [BUILDDIR]   (run by `make demo`)
set -u

builddir=$(cd "${1:-.}" && pwd)
essim="$builddir/tests/essim/essim"
daemon="$builddir/src/ccr-failoverd"
ctl="$builddir/src/ccr-failoverctl"
work="$builddir/demo"
leader_index=kibana_sample_data_ecommerce
follower_index=kibana_sample_data_ecommerce2
docs=200

for p in "$essim" "$daemon" "$ctl"; do
	[ -x "$p" ] || { echo "demo: $p is missing: run make first" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "demo: jq is missing: run tools/install-deps as root" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/state" "$work/run"
chmod 0750 "$work/run"
pids=""
t0=$(date +%s%N)

cleanup() {
	local pid
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
stamp() { printf '%6.1fs' "$(echo "$(now_ms)" | awk '{ printf "%.1f", $1 / 1000 }')"; }
say() { echo "[$(stamp)] $*"; }
die() { say "FAILED: $*"; echo "daemon log: $work/ccr-failoverd.log"; exit 1; }

# es METHOD PORT PATH [BODY]: print the body of one request.
es() {
	if [ $# -ge 4 ]; then
		curl -s -m 10 -X "$1" -H 'Content-Type: application/json' \
		    -d "$4" "http://127.0.0.1:$2$3"
	else
		curl -s -m 10 -X "$1" "http://127.0.0.1:$2$3"
	fi
}

# start_cluster NAME: start an essim, wait for its port, remember its pid.
start_cluster() {
	local name=$1 portfile="$work/$1.port" port=${2:-0} i
	rm -f "$portfile"
	"$essim" --name "$name" --listen "127.0.0.1:$port" \
	    --port-file "$portfile" --data "$work/$name.data" \
	    >>"$work/essim-$name.log" 2>&1 &
	eval "pid_$name=$!"
	pids="$pids $!"
	for i in $(seq 100); do
		[ -s "$portfile" ] && break
		sleep 0.05
	done
	[ -s "$portfile" ] || die "essim $name did not start"
	eval "port_$name=$(cat "$portfile")"
}

status_field() { jq -r "$1" "$work/run/status.json" 2>/dev/null; }

# wait_state STATE SECONDS: until status.json says so; prints the time.
wait_state() {
	local deadline=$(( $(now_ms) + $2 * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		if [ "$(status_field .state)" = "$1" ]; then
			now_ms
			return 0
		fi
		sleep 0.05
	done
	return 1
}

count() { es GET "$1" "/$2/_count" | jq -r .count; }

echo "ccr-failoverd demo: automatic failover and failback of CCR"
echo "files: $work"
echo

start_cluster clusterA
start_cluster clusterB
say "clusterA (leader) on 127.0.0.1:$port_clusterA, clusterB (follower) on 127.0.0.1:$port_clusterB"

es PUT "$port_clusterA" "/$leader_index" \
    '{"settings":{"number_of_shards":2}}' >/dev/null
es PUT "$port_clusterB" /_cluster/settings "{\"persistent\":{
    \"cluster.remote.clusterA.mode\":\"proxy\",
    \"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$port_clusterA\"}}" \
    >/dev/null
es PUT "$port_clusterB" "/$follower_index/_ccr/follow?wait_for_active_shards=1" \
    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$leader_index\"}" \
    | jq -e .index_following_started >/dev/null || die "follow failed"
say "tutorial setup: $follower_index on B follows clusterA:$leader_index"

cat >"$work/ccr-failoverd.conf" <<EOF
# Written by the demo: short timers so everything happens in seconds.
poll_interval_ms = 500;
request_timeout_ms = 400;
failure_threshold = 3;
recovery_threshold = 3;
confirm_failback = false;
clusters = {
  clusterA = { urls = [ "http://127.0.0.1:$port_clusterA" ];
               remote = { mode = "proxy"; proxy_address = "127.0.0.1:$port_clusterA"; }; };
  clusterB = { urls = [ "http://127.0.0.1:$port_clusterB" ];
               remote = { mode = "proxy"; proxy_address = "127.0.0.1:$port_clusterB"; }; };
};
leader = "clusterA";
follower = "clusterB";
indices = ( { leader_index = "$leader_index"; follower_index = "$follower_index"; } );
EOF
chmod 0600 "$work/ccr-failoverd.conf"
"$daemon" -c "$work/ccr-failoverd.conf" --state-dir "$work/state" \
    --runtime-dir "$work/run" >"$work/ccr-failoverd.log" 2>&1 &
pid_daemon=$!
pids="$pids $pid_daemon"
wait_state REPLICATING 10 >/dev/null || die "the daemon never reported REPLICATING"
say "ccr-failoverd (pid $pid_daemon) polls every 500 ms: REPLICATING"

for i in $(seq "$docs"); do
	es POST "$port_clusterA" "/$leader_index/_doc" \
	    "{\"order\":$i,\"customer\":\"c$((i % 17))\"}" >/dev/null
done
es POST "$port_clusterA" "/$leader_index/_refresh" >/dev/null
for i in $(seq 100); do
	es POST "$port_clusterB" "/$follower_index/_refresh" >/dev/null
	[ "$(count "$port_clusterB" "$follower_index")" = "$docs" ] && break
	sleep 0.1
done
say "ingested $docs orders into clusterA; clusterB has $(count "$port_clusterB" "$follower_index") (lag $(status_field '.indices[0].lag_ops') ops)"
echo
"$ctl" --runtime-dir "$work/run" status | sed 's/^/    /'
echo

t_kill=$(now_ms)
kill -9 "$pid_clusterA"
wait "$pid_clusterA" 2>/dev/null
say "clusterA killed (kill -9)"
t_suspect=$(wait_state LEADER_SUSPECT 10) || die "no LEADER_SUSPECT"
say "daemon: LEADER_SUSPECT"
t_promoted=$(wait_state PROMOTED 20) || die "no promotion"
say "daemon: PROMOTED: clusterB leads, $follower_index is a writable index"
grep -E 'leader-lost|promote (started|finished)' "$work/ccr-failoverd.log" |
    sed 's/^[^ ]* [^ ]* /    /'

result=$(es POST "$port_clusterB" "/$follower_index/_doc?refresh=true" \
    '{"user":"kimchy"}' | jq -r .result)
[ "$result" = created ] || die "write on clusterB: $result"
say "wrote {\"user\":\"kimchy\"} to clusterB: $result"

t_back=$(now_ms)
start_cluster clusterA "$port_clusterA"
say "clusterA restarted with its old data ($(count "$port_clusterA" "$leader_index") orders)"
t_replicating=$(wait_state REPLICATING 30) || die "no failback"
[ "$(status_field .leader)" = clusterB ] || die "roles were not reversed"
say "daemon: failback done: REPLICATING, clusterB leads, clusterA follows"
grep -E 'leader-back|failback (started|finished)' "$work/ccr-failoverd.log" |
    sed 's/^[^ ]* [^ ]* /    /'

hits=0
for i in $(seq 100); do
	hits=$(es GET "$port_clusterA" "/$leader_index/_search?q=user:kimchy&filter_path=hits.total.value" |
	    jq -r '.hits.total.value // 0')
	[ "$hits" = 1 ] && break
	sleep 0.1
done
[ "$hits" = 1 ] || die "kimchy not found on clusterA"
say "clusterA: _search?q=user:kimchy finds $hits document: nothing was lost"
sleep 1
echo
"$ctl" --runtime-dir "$work/run" status | sed 's/^/    /'

echo
echo "timeline"
printf '  %-46s %8s\n' "detection (kill to LEADER_SUSPECT)" "$((t_suspect - t_kill)) ms"
printf '  %-46s %8s\n' "decision and promotion (kill to PROMOTED)" "$((t_promoted - t_kill)) ms"
printf '  %-46s %8s\n' "failback (A restarted to REPLICATING)" "$((t_replicating - t_back)) ms"
printf '  %-46s %8s\n' "whole demo" "$(now_ms) ms"
echo "daemon log: $work/ccr-failoverd.log"
kill -TERM "$pid_daemon"
wait "$pid_daemon" 2>/dev/null
