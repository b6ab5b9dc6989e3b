#!/bin/bash
# essim's hard cases on the link between clusters: a node without the
# remote_cluster_client role, _resolve/cluster when the remote rejects the
# follower's credentials, follow tasks that stop with a fatal_exception
# (leader index deleted, remote removed), and an unfollow whose leader is
# blackholed: converted at once, answered only after the transport timeout,
# without holding up anything else.
. "$(dirname "$0")/lib.sh"

essim_start clusterA --refresh-interval-ms 100
essim_start clusterB --refresh-interval-ms 100 --read-poll-timeout-ms 300
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL

remote_b() {
	es_status PUT "$B/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterA.mode\":\"proxy\",\"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$ESSIM_clusterA_PORT\"}}"
}
follow() {
	es_body PUT "$B/$1/_ccr/follow?wait_for_active_shards=1" \
	    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$2\"}"
}
# body_has URL STRING: whether a GET of URL answers a body holding STRING
# (re-asked on every call, for wait_for).
body_has() {
	has "$(es_body GET "$1")" "$2"
}
lacks() {
	! has "$@"
}
connected() {
	has "$(es_body GET "$B/_remote/info?filter_path=*.connected")" \
	    '"connected":true'
}

for i in l1 l2 l3; do
	es_status PUT "$A/$i" '{"settings":{"number_of_replicas":0}}' >/dev/null
	es_status PUT "$A/$i/_doc/1" '{"n":1}' >/dev/null
done
ok "remote clusterA on clusterB" [ "$(remote_b)" = 200 ]
wait_for 5 connected
ok "follow l1" has "$(follow f1 l1)" '"index_following_started":true'
ok "follow l2" has "$(follow f2 l2)" '"index_following_started":true'
ok "follow l3" has "$(follow f3 l3)" '"index_following_started":true'

# --- a node without the remote_cluster_client role ---------------------------
ok "knob: no remote_cluster_client" [ "$(es_status PUT "$B/_essim/knobs" \
    '{"remote_cluster_client":false}')" = 200 ]
ok "_remote/info answers {}" [ "$(es_body GET "$B/_remote/info")" = '{}' ]
out=$(es GET "$B/_resolve/cluster/clusterA:*")
ok "_resolve/cluster/clusterA:* fails with 400" [ "$(echo "$out" | tail -n 1)" = 400 ]
ok "... this node does not have the role" has "$out" \
    '"reason":"this node does not have the remote_cluster_client role"'
ok "_resolve/cluster without an expression: {}" \
    [ "$(es_body GET "$B/_resolve/cluster")" = '{}' ]
ok "a cross-cluster _count fails" \
    [ "$(es_status GET "$B/clusterA:l1/_count")" = 400 ]
es_status POST "$A/l1/_doc" '{"n":2}' >/dev/null
ok "replication goes on (run by other nodes)" wait_for 5 body_has \
    "$B/f1/_count?filter_path=count" '"count":2'
ok "knob back: _remote/info lists clusterA again" [ "$(es_status DELETE \
    "$B/_essim/knobs")" = 200 ]
ok "... connected" has "$(es_body GET "$B/_remote/info?filter_path=*.connected")" \
    '"connected":true'
ok "a bad knob name is 400" [ "$(es_status PUT "$B/_essim/knobs" '{"nope":1}')" = 400 ]
ok "a bad knob value is 400" [ "$(es_status PUT "$B/_essim/knobs" \
    '{"remote_removed":"maybe"}')" = 400 ]
ok "--no-remote-cluster-client starts with the knob off" \
    essim_start clusterC --no-remote-cluster-client
ok "... GET /_essim/knobs shows it" has "$(es_body GET \
    "$ESSIM_clusterC_URL/_essim/knobs")" '"remote_cluster_client":false'

# --- _resolve/cluster when the remote rejects the credentials ---------------
ok "resolve before: connected" has "$(es_body GET \
    "$B/_resolve/cluster/clusterA:l1?filter_path=clusterA.connected")" \
    '"connected":true'
es_status PUT "$A/_essim/knobs" '{"reject_peer_credentials":true}' >/dev/null
out=$(es_body GET "$B/_resolve/cluster/clusterA:l1")
ok "rejected credentials: connected false" has "$out" '"connected":false'
ok "... with the security error" has "$out" \
    '"error":"unable to authenticate with provided credentials'
ok "... the follow task retries a security_exception" wait_for 5 body_has \
    "$B/f1/_ccr/stats?filter_path=**.read_exceptions.exception.type" \
    security_exception
ok "... not fatal" lacks "$(es_body GET "$B/f1/_ccr/stats")" fatal_exception
ok "... _remote/info still says connected" has \
    "$(es_body GET "$B/_remote/info?filter_path=*.connected")" '"connected":true'
es_status DELETE "$A/_essim/knobs" >/dev/null
ok "credentials accepted again: resolve connected" has "$(es_body GET \
    "$B/_resolve/cluster/clusterA:l1?filter_path=clusterA.connected")" \
    '"connected":true'

# --- fatal follow errors -----------------------------------------------------
es_status DELETE "$A/l2" >/dev/null
ok "leader index deleted: fatal_exception" wait_for 5 body_has \
    "$B/f2/_ccr/stats?filter_path=**.fatal_exception.type" \
    index_not_found_exception
ok "... the task stays active in _ccr/info" has \
    "$(es_body GET "$B/f2/_ccr/info?filter_path=**.status")" '"active"'
ok "... and shows in _ccr/stats" has \
    "$(es_body GET "$B/_ccr/stats?filter_path=**.fatal_exception.reason")" \
    'no such index [l2]'
es_status PUT "$B/_essim/knobs" '{"remote_removed":"fatal"}' >/dev/null
es_status PUT "$B/_cluster/settings" '{"persistent":{"cluster.remote.clusterA.*":null}}' >/dev/null
ok "remote removed (knob fatal): fatal_exception" wait_for 5 body_has \
    "$B/f3/_ccr/stats?filter_path=**.fatal_exception.reason" \
    'Unable to open any connections to remote cluster [clusterA]'
ok "... of type illegal_state_exception" has \
    "$(es_body GET "$B/f3/_ccr/stats?filter_path=**.fatal_exception.type")" \
    illegal_state_exception
es_status DELETE "$B/_essim/knobs" >/dev/null
es_status DELETE "$B/f3" >/dev/null
es_status DELETE "$B/f2" >/dev/null
ok "remote back" [ "$(remote_b)" = 200 ]
es_status PUT "$A/l4" '{"settings":{"number_of_replicas":0}}' >/dev/null
ok "follow l4" has "$(follow f4 l4)" '"index_following_started":true'
es_status PUT "$B/_cluster/settings" '{"persistent":{"cluster.remote.clusterA.*":null}}' >/dev/null
ok "remote removed (default): retried" wait_for 5 body_has \
    "$B/f4/_ccr/stats?filter_path=**.read_exceptions.exception.type" \
    no_such_remote_cluster_exception
ok "... not fatal" lacks "$(es_body GET "$B/f4/_ccr/stats")" fatal_exception
es_status DELETE "$B/f4" >/dev/null
ok "remote back again" [ "$(remote_b)" = 200 ]

# --- unfollow with a blackholed leader ---------------------------------------
es_status POST "$B/f1/_ccr/pause_follow" >/dev/null
es_status POST "$B/f1/_close" >/dev/null
es_status POST "$B/_essim/link" '{"mode":"hang"}' >/dev/null
t0=$(date +%s%N)
es_curl -s -m 45 -X POST -o "$TEST_DIR/unfollow.out" \
    -w '%{http_code}' "$B/f1/_ccr/unfollow" >"$TEST_DIR/unfollow.status" &
unfollow_pid=$!
ok "the index stops being a follower at once" wait_for 3 body_has \
    "$B/f1/_ccr/info" '{"follower_indices":[]}'
ok "... _settings has no following_index" lacks \
    "$(es_body GET "$B/f1/_settings?flat_settings=true")" following_index
ok "other requests are served meanwhile" [ "$(es_status GET "$B/_cluster/health")" = 200 ]
ok "... the unfollow answer is still pending" kill -0 "$unfollow_pid"
wait "$unfollow_pid"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok "the answer came after the 30 s default transport timeout ($ms ms)" \
    [ "$ms" -ge 29500 ]
ok "... 500" [ "$(cat "$TEST_DIR/unfollow.status")" = 500 ]
ok "... failed_to_remove_retention_leases" has "$(cat "$TEST_DIR/unfollow.out")" \
    '"failed_to_remove_retention_leases":"clusterB/f1/'
ok "... caused by a receive timeout" has "$(cat "$TEST_DIR/unfollow.out")" \
    receive_timeout_transport_exception
es_status POST "$B/_essim/link" '{"mode":"ok"}' >/dev/null

ok "clusters stop cleanly" essim_stop_all
finish
