#!/bin/bash
# Odd requests never crash essim: every endpoint of clusterB (whose
# cross-cluster paths reach clusterA), with every method, gets bodies of the
# wrong shape; both clusters must still answer and stop cleanly
# (sanitizer-clean in sanitizer builds).
. "$(dirname "$0")/lib.sh"

essim_start clusterA --transport-timeout-ms 300
essim_start clusterB --transport-timeout-ms 300
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL
es_status PUT "$B/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterA.seeds\":[\"127.0.0.1:$ESSIM_clusterA_PORT\"]}}" >/dev/null
es_status PUT "$A/l/_doc/1" '{"a":1}' >/dev/null

paths="/ /_cluster/health /_cluster/settings /_remote/info
/_resolve/cluster/clusterA:l /_resolve/cluster/x:y /_ccr/stats
/_ccr/auto_follow/p /_ccr/auto_follow/p/pause /l /f/_close /f/_open
/f/_ccr/follow /f/_ccr/pause_follow /f/_ccr/resume_follow
/f/_ccr/unfollow /f/_ccr/stats /f/_ccr/info /l/_ccr/forget_follower
/l/_block/write /l/_clone/c /l/_settings /l/_doc /l/_doc/1 /l/_search
/l/_count /l/_stats /clusterA:l/_count /clusterA:l,l/_search
/_essim/ccr/changes /_essim/ccr/leader/l /_essim/ccr/resolve /%ff%00
/a/b/c/d/e/f/g/h/i/j"
bodies='[] 1 {"remote_cluster":1,"leader_index":[],"settings":null,"query":[],"persistent":{"a.b":{"c":[{"x":1}]}},"shards":[1,{"index":3}]} {"remote_cluster":"clusterA","leader_index":"l","query":{"term":{"a":null}},"settings":{"index.blocks.write":[1]},"shards":[{"index":"l","shard":-1}]}'
n=0
for p in $paths; do
	for m in GET PUT POST DELETE; do
		for b in $bodies; do
			es_curl -s -m 2 -o /dev/null -X "$m" \
			    -H 'Content-Type: application/json' -d "$b" \
			    "$B$p?pretty&filter_path=a.**,-b"
			n=$((n + 1))
		done
	done
done
echo "# sent $n requests"
"$ESSIM" --name x --listen 0.0.0.0:0 2>/dev/null
ok "a non-loopback address is refused" [ $? -eq 2 ]
"$ESSIM" --name x --listen 192.0.2.1:0 2>/dev/null
ok "... any non-loopback address" [ $? -eq 2 ]
"$ESSIM" --name x 2>/dev/null
ok "--listen is required" [ $? -eq 2 ]
printf '{"t":"nonsense"}\n{"t":"cluster"}\n' >"$TEST_DIR/bad.journal"
out=$("$ESSIM" --name x --listen 127.0.0.1:0 --data "$TEST_DIR/bad.journal" 2>&1)
ok "a corrupt journal stops the start, naming file and line" \
    has "$out" "bad.journal:1: unknown record type nonsense"
ok "... and is left as it was" \
    [ "$(head -n 1 "$TEST_DIR/bad.journal")" = '{"t":"nonsense"}' ]
ok "clusterA still answers" [ "$(es_status GET "$A/")" = 200 ]
ok "clusterB still answers" [ "$(es_status GET "$B/")" = 200 ]
ok "both stop cleanly (and sanitizer-clean)" essim_stop_all

finish
