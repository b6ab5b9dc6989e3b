#!/bin/bash
# Slow restores: put-follow copies the leader first (knob restore_ms, or
# restore_bytes_per_sec over the leader's size). wait_for_active_shards=1
# waits for the copy, 0 answers at once while the follower is still red and
# recovering; _recovery, _ccr/info and health show it; a second put-follow
# of the same name meanwhile is refused; the follow tasks start afterwards.
. "$(dirname "$0")/lib.sh"

essim_start clusterA --refresh-interval-ms 100
essim_start clusterB --refresh-interval-ms 100 --read-poll-timeout-ms 300
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL

body_has() {
	has "$(es_body GET "$1")" "$2"
}
lacks_body() {
	! body_has "$@"
}
connected() {
	has "$(es_body GET "$B/_remote/info?filter_path=*.connected")" \
	    '"connected":true'
}
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}
follow() {
	es_body PUT "$B/$1/_ccr/follow?wait_for_active_shards=$3" \
	    "{\"remote_cluster\":\"clusterA\",\"leader_index\":\"$2\"}"
}

es_status PUT "$A/l" '{"settings":{"number_of_shards":2,"number_of_replicas":0}}' >/dev/null
for i in $(seq 1 20); do
	es_status PUT "$A/l/_doc/$i" "{\"n\":$i,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}" >/dev/null
done
es_status PUT "$B/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterA.mode\":\"proxy\",\"cluster.remote.clusterA.proxy_address\":\"127.0.0.1:$ESSIM_clusterA_PORT\"}}" >/dev/null
wait_for 5 connected

# --- a fixed duration, waiting for active shards ------------------------------
ok "knob: restores take 1500 ms" [ "$(es_status PUT "$B/_essim/knobs" \
    '{"restore_ms":1500}')" = 200 ]
t0=$(now_ms)
out=$(follow f1 l 1)
ms=$(( $(now_ms) - t0 ))
ok "wait_for_active_shards=1 waits for the copy ($ms ms)" [ "$ms" -ge 1400 ]
ok "... then answers true, true, true" has "$out" \
    '{"follow_index_created":true,"follow_index_shards_acked":true,"index_following_started":true}'
ok "... the data is there" body_has "$B/f1/_count?filter_path=count" '"count":20'
ok "... and the follow tasks run" body_has "$B/f1/_ccr/info?filter_path=**.status" '"active"'
ok "_recovery: a finished SNAPSHOT copy from _ccr_clusterA" body_has \
    "$B/f1/_recovery?filter_path=**.type,**.stage,**.repository" \
    '{"f1":{"shards":[{"type":"SNAPSHOT","stage":"DONE","source":{"repository":"_ccr_clusterA"}}'
ok "... 100% of the bytes" body_has "$B/f1/_recovery?filter_path=**.size.percent" \
    '"percent":"100.0%"'
ok "... a regular index shows an EMPTY_STORE recovery" body_has \
    "$A/l/_recovery?filter_path=**.type" '"type":"EMPTY_STORE"'

# --- the default wait_for_active_shards=0: answers at once -------------------
es_status PUT "$B/_essim/knobs/f2" '{"restore_ms":3000}' >/dev/null
t0=$(now_ms)
out=$(follow f2 l 0)
ms=$(( $(now_ms) - t0 ))
ok "wait_for_active_shards=0 answers at once ($ms ms)" [ "$ms" -lt 1000 ]
ok "... true, false, false" has "$out" \
    '{"follow_index_created":true,"follow_index_shards_acked":false,"index_following_started":false}'
ok "the recovering follower is red" body_has \
    "$B/_cluster/health/f2?filter_path=status,initializing_shards" \
    '{"status":"red","initializing_shards":2}'
ok "... cluster health red too" body_has "$B/_cluster/health?filter_path=status" \
    '"status":"red"'
ok "... _ccr/info: paused (no follow tasks yet)" body_has \
    "$B/f2/_ccr/info?filter_path=**.status" '"paused"'
ok "... _ccr/stats: 404" [ "$(es_status GET "$B/f2/_ccr/stats")" = 404 ]
ok "... _recovery: stage INDEX" body_has "$B/f2/_recovery?filter_path=**.stage" \
    '"stage":"INDEX"'
ok "... _recovery?active_only lists it" body_has \
    "$B/_recovery?active_only=true&filter_path=*.shards.id" '{"f2":'
ok "... and not the finished f1" lacks_body "$B/_recovery?active_only=true" '"f1"'
out=$(es PUT "$B/f2/_ccr/follow" '{"remote_cluster":"clusterA","leader_index":"l"}')
ok "a second put-follow meanwhile: 400" [ "$(echo "$out" | tail -n 1)" = 400 ]
ok "... resource_already_exists_exception" has "$out" \
    '"type":"resource_already_exists_exception"'
out=$(es POST "$B/f2/_close")
ok "_close meanwhile: 400 being restored" has "$out" \
    'Cannot close indices that are being restored'
ok "other requests are served meanwhile" [ "$(es_status GET "$B/")" = 200 ]
ok "a health wait for yellow times out while red" [ "$(es_status GET \
    "$B/_cluster/health/f2?wait_for_status=yellow&timeout=200ms")" = 408 ]
ok "after the copy the follower is green" wait_for 5 body_has \
    "$B/_cluster/health/f2?filter_path=status" '"status":"green"'
ok "... following" body_has "$B/f2/_ccr/info?filter_path=**.status" '"active"'
ok "... with the data" body_has "$B/f2/_count?filter_path=count" '"count":20'
es_status PUT "$A/l/_doc/new" '{"n":0}' >/dev/null
ok "... replicating new writes" wait_for 5 body_has \
    "$B/f2/_doc/new?filter_path=found" '"found":true'

# --- a rate over the leader's size --------------------------------------------
es_status DELETE "$B/_essim/knobs" >/dev/null
bytes=$(es_body GET "$B/f1/_recovery?filter_path=**.total_in_bytes" |
    grep -o '[0-9]*' | awk '{s += $1} END {print s}')
ok "the copy's size is known ($bytes bytes)" [ "${bytes:-0}" -gt 1000 ]
es_status PUT "$B/_essim/knobs" "{\"restore_bytes_per_sec\":$((bytes))}" >/dev/null
t0=$(now_ms)
out=$(follow f3 l 1)
ms=$(( $(now_ms) - t0 ))
ok "restore_bytes_per_sec: the size at that rate takes about a second ($ms ms)" \
    [ "$ms" -ge 900 ]
ok "... then following" has "$out" '"index_following_started":true'
es_status DELETE "$B/_essim/knobs" >/dev/null
t0=$(now_ms)
out=$(follow f4 l 1)
ok "without the knobs the copy is immediate" [ $(( $(now_ms) - t0 )) -lt 1000 ]
ok "--restore-ms sets the start value" essim_start clusterC --restore-ms 250
ok "... GET /_essim/knobs shows it" body_has "$ESSIM_clusterC_URL/_essim/knobs" \
    '"restore_ms":250'

ok "clusters stop cleanly" essim_stop_all
finish
