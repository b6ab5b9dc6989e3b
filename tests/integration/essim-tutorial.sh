#!/bin/bash
# The uni-directional disaster-recovery tutorial, replayed by hand with curl
# against two essim clusters: clusterB follows clusterA, clusterA dies,
# clusterB's follower is promoted (with the errors of the steps done out of
# order), a write lands on clusterB, clusterA comes back with its old data
# and becomes the follower, and the write is found on clusterA.
. "$(dirname "$0")/lib.sh"

IDX=kibana_sample_data_ecommerce
IDX2=kibana_sample_data_ecommerce2
J='Content-Type: application/json'

essim_start clusterA --data "$TEST_DIR/a.journal" --refresh-interval-ms 100
essim_start clusterB --data "$TEST_DIR/b.journal" --refresh-interval-ms 100 \
    --read-poll-timeout-ms 300
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL

# Leader index with data on A.
ok "A: create the leader index" \
    [ "$(es_status PUT "$A/$IDX" '{"settings":{"number_of_shards":2}}')" = 200 ]
for i in 1 2 3 4 5; do
	es_status POST "$A/$IDX/_doc" "{\"order\":$i}" >/dev/null
done
ok "A: five documents counted" has "$(es_body POST "$A/$IDX/_refresh" ;
    es_body GET "$A/$IDX/_count?filter_path=count")" '{"count":5}'

# Step 1 of the tutorial: remote clusterA on B, proxy mode.
remote_a="{\"persistent\":{\"cluster\":{\"remote\":{\"clusterA\":{\"mode\":\"proxy\",\"skip_unavailable\":\"true\",\"server_name\":\"clustera.example\",\"proxy_socket_connections\":\"18\",\"proxy_address\":\"127.0.0.1:$ESSIM_clusterA_PORT\"}}}}}"
out=$(es PUT "$B/_cluster/settings" "$remote_a")
ok "B: remote clusterA added" has "$out" '"acknowledged":true'
ok "B: settings echo renders values as strings" has "$out" \
    '"proxy_socket_connections":"18"'
remote_connected() {
	has "$(es_body GET "$1/_remote/info?filter_path=*.connected")" \
	    "\"$2\":{\"connected\":$3}"
}
ok "B: remote clusterA connected" wait_for 5 remote_connected "$B" clusterA true

# Follow.
out=$(es PUT "$B/$IDX2/_ccr/follow?wait_for_active_shards=1" \
    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$IDX\"}")
ok "B: follow answers three trues" has "$out" \
    '{"follow_index_created":true,"follow_index_shards_acked":true,"index_following_started":true}'
ok "B: restored follower has the five documents" \
    has "$(es_body GET "$B/$IDX2/_count?filter_path=count")" '{"count":5}'
ok "B: follower is marked in its settings" \
    has "$(es_body GET "$B/$IDX2/_settings?flat_settings=true")" \
    '"index.xpack.ccr.following_index":"true"'
ok "B: follow info says active" \
    has "$(es_body GET "$B/$IDX2/_ccr/info?filter_path=follower_indices.status")" \
    '"status":"active"'

# Writes on A are replicated to B with A's sequence numbers.
for i in 6 7 8; do
	es_status POST "$A/$IDX/_doc/id$i" "{\"order\":$i}" >/dev/null
done
count_is() {
	has "$(es_body GET "$1/$2/_count?filter_path=count")" "{\"count\":$3}"
}
ok "B: new writes on A arrive on B" wait_for 5 count_is "$B" "$IDX2" 8
seqnos() {
	es_body GET "$1/$2/_stats?level=shards&filter_path=indices.*.shards.*.seq_no.max_seq_no" |
	    sed 's/"indices":{"[^"]*"//'
}
ok "B: follower shards hold the leader's max_seq_no" \
    [ "$(seqnos "$A" "$IDX")" = "$(seqnos "$B" "$IDX2")" ]
# A second follower of the same remote starts replicating at once, although
# the first one's read is long-polling the idle leader.
es_status PUT "$A/second" '{}' >/dev/null
ok "B: follow a second index" has "$(es_body PUT "$B/second-copy/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"second"}')" '"index_following_started":true'
es_status PUT "$A/second/_doc/1" '{"n":1}' >/dev/null
ok "B: ... and gets its writes" wait_for 5 count_is "$B" second-copy 1
ok "A: one long-poll per reader is parked (the abandoned one was answered)" \
    has "$(es_body GET "$A/_essim/faults?filter_path=long_polls,held_connections")" \
    '{"long_polls":1,"held_connections":1}'
# With --read-poll-timeout-ms 300 the idle leader answers each long-poll
# after 300ms, so reads keep being sent (time_since_last_read_millis
# restarts) while the fetch statistics, which count only reads that
# returned operations, stand still.
read_stat() {
	es_body GET "$B/$IDX2/_ccr/stats?filter_path=indices.shards.$1" |
	    grep -o '[0-9][0-9]*' | head -n 1
}
polled_again() {
	local a b
	a=$(read_stat total_read_time_millis)
	sleep 0.4
	b=$(read_stat total_read_time_millis)
	[ "${b:-0}" -gt "${a:-0}" ] && [ "$(read_stat time_since_last_read_millis)" -lt 1000 ]
}
reads_before=$(read_stat successful_read_requests)
ok "B: an idle leader is long-polled for read_poll_timeout" \
    wait_for 10 polled_again
ok "B: ... empty polls are not counted as successful reads" \
    [ "$(read_stat successful_read_requests)" = "$reads_before" ]
stats=$(es_body GET "$B/$IDX2/_ccr/stats")
ok "B: follower stats show no lag" has "$stats" \
    '"total_global_checkpoint_lag":0'
ok "B: follower stats count operations read" has "$stats" \
    '"operations_read":'
out=$(es POST "$B/$IDX2/_doc" '{"user":"nobody"}')
ok "B: writing to the follower is refused with 403" \
    [ "$(echo "$out" | tail -n 1)" = 403 ]
ok "B: ... by the following engine" has "$out" \
    'a following engine does not accept operations without an assigned sequence number'

# The leader dies.
essim_kill clusterA KILL
ok "B: remote clusterA no longer connected" \
    wait_for 5 remote_connected "$B" clusterA false
failed_reads() {
	! has "$(es_body GET "$B/$IDX2/_ccr/stats?filter_path=indices.shards.failed_read_requests")" \
	    '"failed_read_requests":0'
}
ok "B: follower reads fail while the leader is down" wait_for 5 failed_reads

# Promotion, with the out-of-order errors first.
out=$(es POST "$B/$IDX2/_ccr/unfollow")
ok "B: unfollow before close is refused" has "$out" \
    'because it has not been closed'
ok "B: pause_follow" [ "$(es_status POST "$B/$IDX2/_ccr/pause_follow")" = 200 ]
out=$(es POST "$B/$IDX2/_ccr/pause_follow")
ok "B: a second pause_follow answers 400" [ "$(echo "$out" | tail -n 1)" = 400 ]
ok "B: ... no shard follow tasks" has "$out" 'no shard follow tasks'
ok "B: a paused follower has no follower stats (404)" \
    [ "$(es_status GET "$B/$IDX2/_ccr/stats")" = 404 ]
ok "B: follow info says paused" \
    has "$(es_body GET "$B/$IDX2/_ccr/info?filter_path=follower_indices.status")" \
    '"status":"paused"'
out=$(es POST "$B/$IDX2/_ccr/unfollow")
ok "B: unfollow before close is still refused" has "$out" \
    'because it has not been closed'
out=$(es POST "$B/$IDX2/_close")
ok "B: close" has "$out" "\"indices\":{\"$IDX2\":{\"closed\":true}}"
out=$(es POST "$B/$IDX2/_ccr/unfollow")
ok "B: unfollow with the leader down answers 500" \
    [ "$(echo "$out" | tail -n 1)" = 500 ]
ok "B: ... naming the retention leases it could not remove" has "$out" \
    '"failed_to_remove_retention_leases":'
ok "B: ... yet the index is no longer a follower" \
    has "$(es_body GET "$B/$IDX2/_ccr/info")" '{"follower_indices":[]}'
ok "B: writing to the closed index answers index_closed_exception" \
    has "$(es_body POST "$B/$IDX2/_doc" '{"a":1}')" '"type":"index_closed_exception"'
ok "B: open" has "$(es_body POST "$B/$IDX2/_open")" \
    '{"acknowledged":true,"shards_acknowledged":true}'
ok "B: resume after unfollow has no ccr metadata" \
    has "$(es_body POST "$B/$IDX2/_ccr/resume_follow")" 'does not have ccr metadata'
out=$(es POST "$B/$IDX2/_doc?refresh=true" '{"user":"kimchy"}')
ok "B: the promoted index takes the kimchy write" \
    [ "$(echo "$out" | tail -n 1)" = 201 ]

# clusterA comes back with its old data and becomes the follower. A record
# torn by the crash (never acknowledged) must not stop it.
printf '{"t":"op","index":"%s","sha' "$IDX" >>"$TEST_DIR/a.journal"
essim_start clusterA --data "$TEST_DIR/a.journal" --refresh-interval-ms 100
A=$ESSIM_clusterA_URL
ok "A: back with its old data" count_is "$A" "$IDX" 8
remote_b="{\"persistent\":{\"cluster\":{\"remote\":{\"clusterB\":{\"mode\":\"proxy\",\"skip_unavailable\":\"true\",\"server_name\":\"clusterb.example\",\"proxy_socket_connections\":\"18\",\"proxy_address\":\"127.0.0.1:$ESSIM_clusterB_PORT\"}}}}}"
ok "A: remote clusterB added" \
    has "$(es_body PUT "$A/_cluster/settings" "$remote_b")" '"acknowledged":true'
out=$(es PUT "$A/$IDX/_ccr/follow?wait_for_active_shards=1" \
    "{\"remote_cluster\":\"clusterB\",\"leader_index\":\"$IDX2\"}")
ok "A: following over the open old index fails (500)" \
    [ "$(echo "$out" | tail -n 1)" = 500 ]
ok "A: ... with snapshot_restore_exception" has "$out" \
    'because an open index with same name already exists in the cluster'
ok "A: delete the stale index" [ "$(es_status DELETE "$A/$IDX")" = 200 ]
out=$(es PUT "$A/$IDX/_ccr/follow?wait_for_active_shards=1" \
    "{\"remote_cluster\":\"clusterB\",\"leader_index\":\"$IDX2\"}")
ok "A: follow clusterB" has "$out" '"index_following_started":true'
out=$(es_body GET "$A/$IDX/_search?q=kimchy&filter_path=hits.total.value,hits.hits._source")
ok "A: _search?q=kimchy finds the document" has "$out" \
    '{"hits":{"total":{"value":1},"hits":[{"_source":{"user":"kimchy"}}]}}'
ok "A: so does q=user:kimchy" \
    has "$(es_body GET "$A/$IDX/_search?q=user:kimchy&filter_path=hits.total.value")" \
    '{"hits":{"total":{"value":1}}}'
ok "A: the follower has all nine documents" count_is "$A" "$IDX" 9
ok "A: remote clusterB connected" wait_for 5 remote_connected "$A" clusterB true

# Both keep their roles across a restart (the journal holds the tasks).
essim_kill clusterA TERM
essim_start clusterA --data "$TEST_DIR/a.journal" --refresh-interval-ms 100
A=$ESSIM_clusterA_URL
ok "A: still an active follower after a restart" \
    has "$(es_body GET "$A/$IDX/_ccr/info?filter_path=follower_indices.status")" \
    '"status":"active"'
es_status POST "$B/$IDX2/_doc" '{"user":"after-restart"}' >/dev/null
ok "A: replication resumes after the restart" wait_for 5 count_is "$A" "$IDX" 10
ok "both clusters stop cleanly (and sanitizer-clean)" essim_stop_all

finish
