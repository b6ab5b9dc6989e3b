#!/bin/bash
# essim's hard cases on the data: a follower holding operations above a
# hole (the hold_back knob), the hole filled with no-ops when the follower
# is promoted; a deleted document that stays deleted after kill -9 and a
# restart; stable cluster and index identity and the shard commit data of
# _stats; a health wait that times out; fetch statistics that ignore empty
# long-polls.
. "$(dirname "$0")/lib.sh"

essim_start clusterA --data "$TEST_DIR/a.journal" --refresh-interval-ms 100
essim_start clusterB --data "$TEST_DIR/b.journal" --refresh-interval-ms 100 \
    --read-poll-timeout-ms 200
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL

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
# stat INDEX FIELD: one field of shard 0 in <index>/_ccr/stats on B.
stat() {
	es_body GET "$B/$1/_ccr/stats?filter_path=indices.shards.$2" |
	    sed 's/.*:\([-0-9]*\)}.*/\1/'
}

es_status PUT "$A/l" '{"settings":{"number_of_shards":1,"number_of_replicas":0}}' >/dev/null
for i in 0 1 2; do
	es_status PUT "$A/l/_doc/$i" "{\"n\":$i}" >/dev/null
done
es_status PUT "$B/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterA.mode\":\"proxy\",\"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$ESSIM_clusterA_PORT\"}}" >/dev/null
wait_for 5 connected
ok "follow l as f" has "$(es_body PUT "$B/f/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"l"}')" '"index_following_started":true'

# --- empty long-polls are not fetch statistics --------------------------------
# The follow call answers once the shards are active, and the first reads
# may land after it (over TLS they often do): the idle second starts once
# the follower holds everything and two samples 0.3 s apart agree. With
# 200 ms long-polls, an essim that counted empty polls never settles.
fetch_stats() {
	es_body GET "$B/f/_ccr/stats?filter_path=indices.shards.successful_read_requests,indices.shards.operations_read,indices.shards.follower_global_checkpoint"
}
settled() {
	local a
	a=$(fetch_stats)
	has "$a" '"follower_global_checkpoint":2' || return 1
	sleep 0.3
	[ "$(fetch_stats)" = "$a" ]
}
ok "the follower has read everything and is idle" wait_for 5 settled
reads=$(stat f successful_read_requests)
opsread=$(stat f operations_read)
sleep 1
ok "idle: successful_read_requests stays at $reads" \
    [ "$(stat f successful_read_requests)" = "$reads" ]
ok "idle: operations_read stays at $opsread" [ "$(stat f operations_read)" = "$opsread" ]
es_status PUT "$A/l/_doc/3" '{"n":3}' >/dev/null
ok "a write moves operations_read" wait_for 5 body_has \
    "$B/f/_ccr/stats?filter_path=**.follower_max_seq_no" '"follower_max_seq_no":3'
ok "... and successful_read_requests" [ "$(stat f successful_read_requests)" -gt "$reads" ]

# --- follower gaps -------------------------------------------------------------
ok "knob: hold back seq_no 5..6 of f" [ "$(es_status PUT "$B/_essim/knobs/f" \
    '{"hold_back":{"shard":0,"from_seq_no":5,"to_seq_no":6}}')" = 200 ]
for i in 4 5 6 7 8; do
	es_status PUT "$A/l/_doc/$i" "{\"n\":$i}" >/dev/null
done
ok "the follower holds operations above the hole" wait_for 5 body_has \
    "$B/f/_ccr/stats?filter_path=**.follower_max_seq_no" '"follower_max_seq_no":8'
ok "... follower_global_checkpoint stays below it" \
    [ "$(stat f follower_global_checkpoint)" = 4 ]
ok "... leader_global_checkpoint is 8" [ "$(stat f leader_global_checkpoint)" = 8 ]
ok "... the lag counts from the checkpoint" body_has \
    "$B/f/_ccr/stats?filter_path=indices.total_global_checkpoint_lag" \
    '"total_global_checkpoint_lag":4'
ok "... _stats: local_checkpoint 4, max_seq_no 8" body_has \
    "$B/f/_stats?level=shards&filter_path=**.seq_no" \
    '"seq_no":{"max_seq_no":8,"local_checkpoint":4,"global_checkpoint":4}'
ok "... _doc 5 is missing on the follower" [ "$(es_status GET "$B/f/_doc/5")" = 404 ]
ok "... _doc 7 is there" [ "$(es_status GET "$B/f/_doc/7")" = 200 ]
ok "GET /_essim/knobs shows the hold" body_has "$B/_essim/knobs" \
    '"f":{"hold_back":{"shard":0,"from_seq_no":5,"to_seq_no":6}}'
es_status POST "$B/f/_ccr/pause_follow" >/dev/null
es_status POST "$B/f/_close" >/dev/null
ok "unfollow the follower with a hole" [ "$(es_status POST "$B/f/_ccr/unfollow")" = 200 ]
ok "open it" [ "$(es_status POST "$B/f/_open")" = 200 ]
ok "the hole is filled: local_checkpoint 8" body_has \
    "$B/f/_stats?level=shards&filter_path=**.seq_no" \
    '"seq_no":{"max_seq_no":8,"local_checkpoint":8,"global_checkpoint":8}'
ok "... with no-ops: _doc 5 is gone for good" [ "$(es_status GET "$B/f/_doc/5")" = 404 ]
es_status DELETE "$B/_essim/knobs/f" >/dev/null
ok "a new write on the promoted index takes seq_no 9" has \
    "$(es_body PUT "$B/f/_doc/new" '{"n":9}')" '"_seq_no":9'

# --- a hole filled by the late range while still following -------------------
ok "follow l again as g" has "$(es_body PUT "$B/g/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"l"}')" '"index_following_started":true'
es_status PUT "$B/_essim/knobs/g" '{"hold_back":{"from_seq_no":9,"to_seq_no":9}}' >/dev/null
es_status PUT "$A/l/_doc/9" '{"n":9}' >/dev/null
es_status PUT "$A/l/_doc/10" '{"n":10}' >/dev/null
ok "g holds 10 above the hole at 9" wait_for 5 body_has \
    "$B/g/_ccr/stats?filter_path=**.follower_max_seq_no" '"follower_max_seq_no":10'
ok "... global checkpoint 8" [ "$(stat g follower_global_checkpoint)" = 8 ]
es_status DELETE "$B/_essim/knobs/g" >/dev/null
ok "the knob cleared: the hole fills with the real operation" wait_for 5 body_has \
    "$B/g/_ccr/stats?filter_path=**.follower_global_checkpoint" \
    '"follower_global_checkpoint":10'
ok "... _doc 9 is on g" [ "$(es_status GET "$B/g/_doc/9")" = 200 ]

# --- deletes survive kill -9 -----------------------------------------------------
ok "delete _doc 1 on the leader" has "$(es_body DELETE "$A/l/_doc/1")" '"result":"deleted"'
ok "a second delete is 404 not_found" [ "$(es_status DELETE "$A/l/_doc/1")" = 404 ]
ok "the delete replicates" wait_for 5 test "$(es_status GET "$B/g/_doc/1")" = 404
cuuid=$(es_body GET "$A/?filter_path=cluster_uuid")
iuuid=$(es_body GET "$A/l/_settings?filter_path=**.uuid&flat_settings=true")
huuid=$(es_body GET "$A/l/_stats?level=shards&filter_path=**.user_data.history_uuid")
essim_kill clusterA KILL
essim_start clusterA --listen "127.0.0.1:$ESSIM_clusterA_PORT" \
    --data "$TEST_DIR/a.journal" --refresh-interval-ms 100
ok "after kill -9 and restart the deleted document stays deleted" \
    [ "$(es_status GET "$A/l/_doc/1")" = 404 ]
ok "... the others are there" [ "$(es_status GET "$A/l/_doc/2")" = 200 ]
es_status POST "$A/l/_refresh" >/dev/null
ok "... the count is right" body_has "$A/l/_count?filter_path=count" '"count":10'

# --- identity ------------------------------------------------------------------
ok "GET / cluster_uuid is kept in --data" [ "$(es_body GET "$A/?filter_path=cluster_uuid")" = "$cuuid" ]
ok "... it is a 22-character id" [ "${#cuuid}" = $((22 + 19)) ]
ok "the index uuid is kept" [ "$(es_body GET "$A/l/_settings?filter_path=**.uuid&flat_settings=true")" = "$iuuid" ]
ok "the shard history_uuid is kept" [ "$(es_body GET \
    "$A/l/_stats?level=shards&filter_path=**.user_data.history_uuid")" = "$huuid" ]
ok "the follower shares the leader's history_uuid" [ "$(es_body GET \
    "$B/g/_stats?level=shards&filter_path=**.user_data.history_uuid" |
    sed 's/"g"/"l"/')" = "$huuid" ]
out=$(es_body GET "$A/l/_stats?level=shards&filter_path=**.user_data")
ok "_stats commit.user_data: local_checkpoint and max_seq_no as strings" has "$out" \
    '"local_checkpoint":"12","max_seq_no":"12"'
ok "_stats shard_path: the --data directory" body_has \
    "$A/l/_stats?level=shards&filter_path=**.shard_path.data_path" \
    "\"data_path\":\"$(cd "$TEST_DIR" && pwd -P)\""
ok "... is_custom_data_path false" body_has \
    "$A/l/_stats?level=shards&filter_path=**.shard_path" '"is_custom_data_path":false'
ok "the other cluster has another cluster_uuid" \
    [ "$(es_body GET "$B/?filter_path=cluster_uuid")" != "$cuuid" ]

# --- a health wait that times out ------------------------------------------------
es_status PUT "$A/yellow" '{}' >/dev/null
out=$(es GET "$A/_cluster/health?wait_for_status=green&timeout=300ms")
ok "wait_for_status unmet within timeout: 408" [ "$(echo "$out" | tail -n 1)" = 408 ]
ok "... with the health body and timed_out true" has "$out" \
    '"cluster_name":"clusterA","status":"yellow","timed_out":true'

ok "clusters stop cleanly" essim_stop_all
finish
