#!/bin/bash
# The high-availability demo: three watchers (site-a, site-b and a witness)
# agree through a three-member etcd cluster on which one acts. The acting
# watcher is killed, another takes the role; then cluster A is killed and
# the new actor promotes clusterB, once. Everything binds 127.0.0.1 and is
# stopped by pid; the files stay in demo-ha/.
#
# Usage: tools/demo-ha.sh [BUILDDIR]   (run by `make demo-ha`)
set -u

builddir=$(cd "${1:-.}" && pwd)
essim="$builddir/tests/essim/essim"
daemon="$builddir/src/ccr-failoverd"
ctl="$builddir/src/ccr-failoverctl"
work="$builddir/demo-ha"
leader_index=kibana_sample_data_ecommerce
follower_index=kibana_sample_data_ecommerce2
members="site-a site-b witness"
ttl=3

for p in "$essim" "$daemon" "$ctl"; do
	[ -x "$p" ] || { echo "demo-ha: $p is missing: run make first" >&2; exit 1; }
done
for p in jq etcd curl; do
	command -v "$p" >/dev/null ||
	    { echo "demo-ha: $p is missing: run tools/install-deps as root" >&2; exit 1; }
done

rm -rf "$work"
mkdir -p "$work"
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
trap 'exit 130' INT TERM HUP PIPE

now_ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
stamp() { printf '%6.1fs' "$(echo "$(now_ms)" | awk '{ printf "%.1f", $1 / 1000 }')"; }
say() { echo "[$(stamp)] $*"; }
die() { say "FAILED: $*"; echo "files: $work"; exit 1; }

es() {
	if [ $# -ge 4 ]; then
		curl -s -m 10 -X "$1" -H 'Content-Type: application/json' \
		    -d "$4" "http://127.0.0.1:$2$3"
	else
		curl -s -m 10 -X "$1" "http://127.0.0.1:$2$3"
	fi
}

# free_port: set port to one nothing listens on and not handed out yet,
# below the ephemeral range (a listener cannot bind a port an outgoing
# connection holds).
taken=""
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
[ "${lo:-0}" -gt 12000 ] || lo=32768
free_port() {
	while :; do
		port=$((10000 + RANDOM % (lo - 10000)))
		case " $taken " in *" $port "*) continue ;; esac
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			taken="$taken $port"
			return
		fi
	done
}

start_cluster() {
	local name=$1 portfile="$work/$1.port" i
	"$essim" --name "$name" --listen 127.0.0.1:0 --port-file "$portfile" \
	    --data "$work/$name.data" --request-log "$work/$name-requests.log" \
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

# The etcd cluster: three members, ports picked now (etcd wants them fixed).
cluster= endpoints=
for n in 1 2 3; do
	free_port; eval "client$n=$port"
	free_port; eval "peer$n=$port"
	cluster="$cluster${cluster:+,}e$n=http://127.0.0.1:$(eval echo "\$peer$n")"
	endpoints="$endpoints${endpoints:+, }\"http://127.0.0.1:$(eval echo "\$client$n")\""
done
for n in 1 2 3; do
	c=$(eval echo "\$client$n")
	p=$(eval echo "\$peer$n")
	etcd --name "e$n" --data-dir "$work/etcd-e$n" \
	    --listen-client-urls "http://127.0.0.1:$c" \
	    --advertise-client-urls "http://127.0.0.1:$c" \
	    --listen-peer-urls "http://127.0.0.1:$p" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$p" \
	    --initial-cluster "$cluster" --initial-cluster-state new \
	    --heartbeat-interval 50 --election-timeout 500 \
	    --logger zap --log-level error >>"$work/etcd-e$n.log" 2>&1 &
	pids="$pids $!"
done

echo "ccr-failoverd HA demo: three watchers, one actor, through etcd"
echo "files: $work"
echo
for n in 1 2 3; do
	c=$(eval echo "\$client$n")
	for i in $(seq 200); do
		curl -s -m 1 "http://127.0.0.1:$c/health" | grep -q '"health":"true"' && break
		sleep 0.1
	done
done
say "etcd: three members on 127.0.0.1:$client1, $client2, $client3"

start_cluster clusterA
start_cluster clusterB
es PUT "$port_clusterA" "/$leader_index" '{"settings":{"number_of_shards":2}}' >/dev/null
es PUT "$port_clusterB" /_cluster/settings "{\"persistent\":{
    \"cluster.remote.clusterA.mode\":\"proxy\",
    \"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$port_clusterA\"}}" >/dev/null
es PUT "$port_clusterB" "/$follower_index/_ccr/follow?wait_for_active_shards=1" \
    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$leader_index\"}" |
    jq -e .index_following_started >/dev/null || die "follow failed"
for i in $(seq 50); do
	es POST "$port_clusterA" "/$leader_index/_doc" "{\"order\":$i}" >/dev/null
done
say "clusterA leads, clusterB follows $leader_index (50 orders)"

for m in $members; do
	mkdir -p "$work/$m/state" "$work/$m/run"
	chmod 0700 "$work/$m/state" "$work/$m/run"
	cat >"$work/$m.conf" <<EOF
# Written by the demo: short timers so everything happens in seconds.
poll_interval_ms = 500;
request_timeout_ms = 400;
failure_threshold = 3;
clusters = {
  clusterA = { urls = [ "http://127.0.0.1:$port_clusterA" ];
               remote = { mode = "proxy"; proxy_address = "127.0.0.1:$port_clusterA"; }; };
  clusterB = { urls = [ "http://127.0.0.1:$port_clusterB" ];
               remote = { mode = "proxy"; proxy_address = "127.0.0.1:$port_clusterB"; }; };
};
leader = "clusterA";
follower = "clusterB";
indices = ( { leader_index = "$leader_index"; follower_index = "$follower_index"; } );
coordination = {
  etcd = { endpoints = [ $endpoints ]; prefix = "/ccr-failoverd/demo"; lease_ttl_s = $ttl; };
  member = "$m";
  quorum = 2;
};
EOF
	chmod 0600 "$work/$m.conf"
	"$daemon" -c "$work/$m.conf" --state-dir "$work/$m/state" \
	    --runtime-dir "$work/$m/run" >"$work/$m.log" 2>&1 &
	eval "pid_$(echo "$m" | tr - _)=$!"
	pids="$pids $!"
done

field() { jq -r "$2" "$work/$1/run/status.json" 2>/dev/null; }
alive() { kill -0 "$(eval echo "\$pid_$(echo "$1" | tr - _)")" 2>/dev/null; }
actor() {
	local m
	for m in $members; do
		alive "$m" && [ "$(field "$m" .coordination.acting)" = true ] &&
		    { echo "$m"; return; }
	done
}
# wait_until SECONDS COMMAND...: prints the time it became true.
wait_until() {
	local deadline=$(( $(now_ms) + $1 * 1000 ))
	shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && { now_ms; return 0; }
		sleep 0.05
	done
	return 1
}
has_actor() { [ -n "$(actor)" ]; }
all_promoted() {
	local m
	for m in $members; do
		alive "$m" || continue
		[ "$(field "$m" .state)" = PROMOTED ] || return 1
	done
}

# coordination M: what ccr-failoverctl status on M says of the watchers.
coordination() {
	"$ctl" --runtime-dir "$work/$1/run" status |
	    awk '/^State|^Coordination/ { print; next }
		/^MEMBER/ { table = 1 } table && NF == 0 { table = 0 }
		table { print }' | sed 's/^/    /'
}

all_seen() {
	local m
	for m in $members; do
		[ "$(field "$m" '.coordination.members | length')" = 3 ] || return 1
	done
	[ -n "$(actor)" ]
}
wait_until 20 all_seen >/dev/null || die "the watchers did not find each other"
first=$(actor)
[ -n "$first" ] || die "no watcher took the actor role"
say "three watchers up; $first holds the actor key in etcd"
echo
coordination "$first"
echo

t_kill_actor=$(now_ms)
pid=$(eval echo "\$pid_$(echo "$first" | tr - _)")
kill -9 "$pid" || die "cannot kill $first (pid $pid)"
wait "$pid" 2>/dev/null
say "the acting watcher $first killed (kill -9): its lease runs out in $ttl s"
t_new_actor=$(wait_until 20 has_actor) || die "no new actor"
second=$(actor)
say "$second took the actor role"

t_kill_a=$(now_ms)
kill -9 "$pid_clusterA"
wait "$pid_clusterA" 2>/dev/null
say "clusterA killed (kill -9)"
t_promoted=$(wait_until 30 all_promoted) || die "no promotion"
say "every live watcher reports PROMOTED: clusterB leads"
for m in $members; do
	alive "$m" || continue
	grep -E 'is the actor|-> PROMOT' "$work/$m.log" | sed "s/^[^ ]* [^ ]* /    $m: /"
done
steps=$(grep -cE ' POST /[^ ]*/_(ccr/pause_follow|close|ccr/unfollow|open)' "$work/clusterB-requests.log")
say "clusterB received $steps promotion requests (pause_follow, _close, unfollow, _open: once each)"
echo
sleep 1
coordination "$second"

echo
echo "timeline"
printf '  %-52s %8s\n' "actor killed to another watcher acting" "$((t_new_actor - t_kill_actor)) ms"
printf '  %-52s %8s\n' "clusterA killed to PROMOTED on every watcher" "$((t_promoted - t_kill_a)) ms"
printf '  %-52s %8s\n' "whole demo" "$(now_ms) ms"
echo "logs: $work/*.log"
