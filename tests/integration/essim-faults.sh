#!/bin/bash
# essim's fault injection and the follower-side evidence of a lost leader:
# error statuses, latency, hangs, malformed bodies, dropped connections,
# refused connections, a cut replication link, and how _remote/info,
# _ccr/stats, _resolve/cluster and a cross-cluster _count see a leader that
# is refused versus one that is blackholed (hangs).
. "$(dirname "$0")/lib.sh"

essim_start clusterA
essim_start clusterB --transport-timeout-ms 600
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL

# --- REST conventions --------------------------------------------------------
long=$(printf 'x%.0s' $(seq 1 4100))
out=$(es GET "$A/$long")
ok "a request line over 4096 bytes is 400" [ "$(echo "$out" | tail -n 1)" = 400 ]
ok "... too_long_http_line_exception" has "$out" \
    '"reason":"An HTTP line is larger than 4096 bytes."'
out=$(es GET "$A/_cluster/health?bogus=1")
ok "an unknown parameter is 400" has "$out" \
    'contains unrecognized parameter: [bogus]'
out=$(es_body GET "$A/missing/_count?filter_path=nothing")
ok "filter_path is not applied to errors" has "$out" \
    '"type":"index_not_found_exception"'
ok "filter_path on success trims" [ "$(es_body GET "$A/?filter_path=version.number")" = \
    '{"version":{"number":"8.17.3"}}' ]
ok "pretty output" has "$(es_body GET "$A/_cluster/health?pretty")" \
    '  "cluster_name": "clusterA"'
es_status PUT "$A/yellow" '{}' >/dev/null
out=$(es GET "$A/_cluster/health?wait_for_status=green&timeout=200ms&filter_path=status,timed_out")
ok "an unmet wait_for_status answers 408" [ "$(echo "$out" | tail -n 1)" = 408 ]
ok "... with the health body, timed out" has "$out" '{"status":"yellow","timed_out":true}'
ok "a met wait_for_status answers at once" \
    [ "$(es_status GET "$A/_cluster/health?wait_for_status=yellow&timeout=10s")" = 200 ]
out=$(es_curl -s "$A/_cat/indices?v")
ok "_cat/indices has a header line" has "$out" 'health status index'
ok "... and a row per index" has "$out" 'yellow open   yellow'
ok "_cat/indices?format=json" \
    has "$(es_body GET "$A/_cat/indices/yellow?format=json&filter_path=index,pri")" \
    '[{"index":"yellow","pri":"1"}]'
es_status DELETE "$A/yellow" >/dev/null
ok "HEAD of a missing index is 404" [ "$(es_curl -s -o /dev/null -w '%{http_code}' \
    -I "$A/nope")" = 404 ]
ok "wrong method is 405" [ "$(es_status GET "$A/x/_close")" = 405 ]

# --- error statuses, for a count ---------------------------------------------
es_status PUT "$A/l" '{"settings":{"number_of_shards":2,"number_of_replicas":0}}' >/dev/null
ok "add a 503 rule for two requests" has \
    "$(es_body POST "$A/_essim/faults" '{"path":"/_cluster/health","action":"error","status":503,"count":2}')" '"id":'
out=$(es GET "$A/_cluster/health")
ok "first matching request: 503" [ "$(echo "$out" | tail -n 1)" = 503 ]
ok "... with a cluster_block_exception envelope" has "$out" \
    '"type":"cluster_block_exception"'
ok "second matching request: 503" [ "$(es_status GET "$A/_cluster/health")" = 503 ]
ok "third: the rule is used up" [ "$(es_status GET "$A/_cluster/health")" = 200 ]
es_body POST "$A/_essim/faults" '{"path":"/l/_close","method":"POST","action":"error","status":429}' >/dev/null
out=$(es POST "$A/l/_close")
ok "429 until cleared" [ "$(echo "$out" | tail -n 1)" = 429 ]
ok "... es_rejected_execution_exception" has "$out" \
    '"type":"es_rejected_execution_exception"'
ok "... again" [ "$(es_status POST "$A/l/_close")" = 429 ]
ok "other methods on the path are not affected" [ "$(es_status GET "$A/l/_count")" = 200 ]
ok "clear all faults" [ "$(es_status DELETE "$A/_essim/faults")" = 200 ]
ok "the close goes through" [ "$(es_status POST "$A/l/_close")" = 200 ]
es_status POST "$A/l/_open" >/dev/null
es_body POST "$A/_essim/faults" '{"path":"/*/_count","action":"error","status":500,"type":"exception","reason":"boom"}' >/dev/null
ok "glob paths and a custom error" has "$(es_body GET "$A/l/_count")" '"reason":"boom"'
es_status DELETE "$A/_essim/faults" >/dev/null

# --- latency, hang, malformed, drop ------------------------------------------
es_body POST "$A/_essim/faults" '{"path":"/","action":"delay","delay_ms":1500,"count":1}' >/dev/null
es_curl -s -m 0.5 "$A/" >/dev/null
ok "a delayed request does not answer early" [ $? -eq 28 ]
ok "the next one is not delayed" [ "$(es_status GET "$A/")" = 200 ]
es_body POST "$A/_essim/faults" '{"path":"/_cat","action":"hang"}' >/dev/null
es_body POST "$A/_essim/faults" '{"path":"/_remote/info","action":"hang","count":1}' >/dev/null
es_curl -s -m 0.5 "$A/_remote/info" >/dev/null
ok "a hung request never answers" [ $? -eq 28 ]
ok "... and is counted" has "$(es_body GET "$A/_essim/faults")" '"hung_requests":1'
ok "the hang rule was for one request" [ "$(es_status GET "$A/_remote/info")" = 200 ]
es_body POST "$A/_essim/faults" '{"path":"/_cluster/settings","action":"malformed","count":1}' >/dev/null
out=$(es_body GET "$A/_cluster/settings")
ok "a malformed body is not JSON" [ "$out" = '{"acknowledged":tr' ]
es_body POST "$A/_essim/faults" '{"path":"/_cluster/settings","action":"drop","count":1}' >/dev/null
es_curl -s -m 2 "$A/_cluster/settings" >/dev/null
ok "a dropped request gets an empty reply" [ $? -eq 52 ]
ok "clearing releases the hung request" [ "$(es_status DELETE "$A/_essim/faults")" = 200 ]
ok "no fault left" has "$(es_body GET "$A/_essim/faults")" '"faults":[]'

# --- refusing connections ----------------------------------------------------
es_body POST "$A/_essim/refuse" '{"duration_ms":800}' >/dev/null
es_curl -s -m 2 "$A/" >/dev/null
ok "refused while refusing" [ $? -eq 7 ]
accepts() { es_curl -s -m 1 -o /dev/null "$1/"; }
ok "accepted again after the duration" wait_for 5 accepts "$A"
es_body POST "$A/_essim/refuse" '{}' >/dev/null
es_curl -s -m 2 "$A/" >/dev/null
ok "refused until SIGUSR1" [ $? -eq 7 ]
kill -USR1 "$ESSIM_clusterA_PID"
ok "SIGUSR1 accepts again" wait_for 5 accepts "$A"

# --- a follower and its leader ----------------------------------------------
for i in 1 2 3; do
	es_status PUT "$A/l/_doc/$i" "{\"n\":$i}" >/dev/null
done
es_status PUT "$B/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterA.seeds\":[\"127.0.0.1:$ESSIM_clusterA_PORT\"],\"cluster.remote.clusterA.skip_unavailable\":true}}" >/dev/null
ok "B follows A" has "$(es_body PUT "$B/f/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"l","read_poll_timeout":"200ms"}')" \
    '"index_following_started":true'
connected() {
	has "$(es_body GET "$B/_remote/info?filter_path=*.connected")" \
	    "{\"clusterA\":{\"connected\":$1}}"
}
stats() {
	es_body GET "$B/f/_ccr/stats?filter_path=indices.shards.$1"
}
count_is() {
	has "$(es_body GET "$1/_count?filter_path=count")" "{\"count\":$2}"
}
ok "connected" wait_for 5 connected true
ok "replicated" count_is "$B/f" 3

# Blackhole: A hangs every request. B stays "connected" while reads time out.
es_body POST "$A/_essim/faults" '{"path":"/","action":"hang"}' >/dev/null
timeouts() { has "$(stats read_exceptions.exception.type)" receive_timeout_transport_exception; }
ok "blackholed leader: reads time out" wait_for 10 timeouts
ok "... failed_read_requests grows" bash -c "! echo '$(stats failed_read_requests)' | grep -q '\"failed_read_requests\":0'"
ok "... yet _remote/info still says connected" connected true
out=$(es_body GET "$B/_resolve/cluster?timeout=300ms")
ok "_resolve/cluster times out the remote" has "$out" \
    '"clusterA":{"connected":false,"skip_unavailable":true,"error":"Request timed out before receiving a response from the remote cluster"}'
ok "... and names it at once with an index expression" \
    has "$(es_body GET "$B/_resolve/cluster/clusterA:l?timeout=300ms")" \
    'Request timed out before receiving a response'
es_curl -s -m 1 "$B/clusterA:l/_count" >/dev/null
ok "a cross-cluster _count over the blackhole hangs" [ $? -eq 28 ]
ok "no fatal exception for timeouts" bash -c "! echo '$(stats fatal_exception)' | grep -q fatal"
es_status DELETE "$A/_essim/faults" >/dev/null
clean() { has "$(stats read_exceptions)" '"read_exceptions":[]'; }
ok "the leader answers again: read exceptions clear" wait_for 10 clean
es_status PUT "$A/l/_doc/4" '{"n":4}' >/dev/null
ok "... and replication goes on" wait_for 5 count_is "$B/f" 4

# Refused: the leader stops accepting. B notices the lost connection.
es_body POST "$A/_essim/refuse" '{"duration_ms":2000}' >/dev/null
ok "refusing leader: disconnected" wait_for 5 connected false
refused() { has "$(stats read_exceptions.exception.type)" connect_transport_exception; }
ok "... reads fail with connect_transport_exception" wait_for 5 refused
ok "... _resolve/cluster says not connected, without error" \
    has "$(es_body GET "$B/_resolve/cluster?timeout=300ms")" \
    '{"clusterA":{"connected":false,"skip_unavailable":true}}'
ok "... a cross-cluster _count with skip_unavailable reads as 0" \
    has "$(es_body GET "$B/clusterA:l/_count?filter_path=count")" '{"count":0}'
out=$(es_body GET "$B/clusterA:l/_search?size=0&filter_path=_clusters.skipped,_clusters.details.*.status,_clusters.details.*.failures.reason.type")
ok "... a cross-cluster _search reports the remote skipped" has "$out" \
    '{"_clusters":{"skipped":1,"details":{"clusterA":{"status":"skipped","failures":[{"reason":{"type":"connect_transport_exception"}}]}}}}'
ok "accepting again: the follower's reads reconnect" wait_for 10 connected true
ok "... a cross-cluster _search finds the remote documents" \
    has "$(es_body GET "$B/clusterA:l/_search?filter_path=hits.total.value,hits.hits._index,_clusters.successful")" \
    '{"hits":{"total":{"value":4},"hits":[{"_index":"clusterA:l"},{"_index":"clusterA:l"},{"_index":"clusterA:l"},{"_index":"clusterA:l"}]},"_clusters":{"successful":1}}'
ok "... and the remote count is right" \
    has "$(es_body GET "$B/clusterA:l/_count?filter_path=count")" '{"count":4}'

# Cutting only the replication link on B: A is fine for everyone else.
es_body POST "$B/_essim/link" '{"mode":"refuse","remote":"clusterA"}' >/dev/null
es_status PUT "$A/l/_doc/5" '{"n":5}' >/dev/null
ok "cut link: B disconnected" wait_for 5 connected false
ok "... A still answers directly" [ "$(es_status GET "$A/l/_count")" = 200 ]
ok "... B does not get the new write" count_is "$B/f" 4
es_body POST "$B/_essim/link" '{"mode":"hang"}' >/dev/null
ok "hanging link: reads time out" wait_for 10 timeouts
es_status DELETE "$B/_essim/faults" >/dev/null
ok "link restored: the write arrives" wait_for 10 count_is "$B/f" 5
ok "... and B is connected" wait_for 5 connected true

# A fatal read: the leader index is deleted.
es_status DELETE "$A/l" >/dev/null
fatal() { has "$(stats fatal_exception.type)" index_not_found_exception; }
ok "deleted leader index: fatal_exception" wait_for 5 fatal
ok "... the follower stays active (a task still exists)" \
    has "$(es_body GET "$B/f/_ccr/info?filter_path=follower_indices.status")" active
ok "an unknown remote in _resolve/cluster is 404" \
    [ "$(es_status GET "$B/_resolve/cluster/nope:x")" = 404 ]
# Rules can target client requests only, or only the peer's.
es_body POST "$A/_essim/faults" '{"path":"/","action":"error","status":503,"from":"clients"}' >/dev/null
ok "from=clients: a client gets 503" [ "$(es_status GET "$A/")" = 503 ]
ok "... while the peer still reaches A" \
    has "$(es_body GET "$B/_resolve/cluster?timeout=2s")" '"clusterA":{"connected":true'
es_status DELETE "$A/_essim/faults" >/dev/null
es_body POST "$A/_essim/faults" '{"path":"/","action":"hang","from":"peer"}' >/dev/null
ok "from=peer: a client is served" [ "$(es_status GET "$A/")" = 200 ]
ok "... while the peer's probe times out" \
    has "$(es_body GET "$B/_resolve/cluster?timeout=300ms")" 'Request timed out'
es_status DELETE "$A/_essim/faults" >/dev/null

# Auto-follow: indices created after the pattern are followed; a paused
# pattern follows nothing until resumed.
es_status PUT "$A/logs-old" '{}' >/dev/null
ok "auto-follow pattern created" has "$(es_body PUT "$B/_ccr/auto_follow/logs" \
    '{"remote_cluster":"clusterA","leader_index_patterns":["logs-*"],"leader_index_exclusion_patterns":["logs-skip*"],"follow_index_pattern":"{{leader_index}}-copy"}')" \
    '{"acknowledged":true}'
sleep 1.5
es_status PUT "$A/logs-new" '{}' >/dev/null
es_status PUT "$A/logs-skip" '{}' >/dev/null
es_status PUT "$A/logs-new/_doc/1" '{"n":1}' >/dev/null
exists() { [ "$(es_status HEAD "$1")" = 200 ]; }
ok "a new matching index is followed" wait_for 10 exists "$B/logs-new-copy"
ok "... and replicated" wait_for 5 count_is "$B/logs-new-copy" 1
ok "... as an active follower" \
    has "$(es_body GET "$B/logs-new-copy/_ccr/info?filter_path=follower_indices.status")" active
ok "an index existing before the pattern is not" \
    [ "$(es_status HEAD "$B/logs-old-copy")" = 404 ]
ok "an excluded index is not" [ "$(es_status HEAD "$B/logs-skip-copy")" = 404 ]
ok "auto-follow stats count it" \
    has "$(es_body GET "$B/_ccr/stats?filter_path=auto_follow_stats.number_of_successful_follow_indices")" \
    '"number_of_successful_follow_indices":1'
ok "pause the pattern" [ "$(es_status POST "$B/_ccr/auto_follow/logs/pause")" = 200 ]
es_status PUT "$A/logs-paused" '{}' >/dev/null
sleep 1.5
ok "a paused pattern follows nothing" [ "$(es_status HEAD "$B/logs-paused-copy")" = 404 ]
ok "resume the pattern" [ "$(es_status POST "$B/_ccr/auto_follow/logs/resume")" = 200 ]
ok "resuming picks up what was created meanwhile" \
    wait_for 10 exists "$B/logs-paused-copy"

# The remote alias removed under an active follower (reference 10.3).
es_status PUT "$A/l2" '{}' >/dev/null
ok "B follows l2" has "$(es_body PUT "$B/f2/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"l2"}')" '"index_following_started":true'
es_status PUT "$A/l2/_doc/1" '{"n":1}' >/dev/null
ok "a follower added beside long-polling ones replicates at once" \
    wait_for 5 count_is "$B/f2" 1
ok "remove remote clusterA with a wildcard null" \
    has "$(es_body PUT "$B/_cluster/settings" '{"persistent":{"cluster.remote.clusterA.*":null}}')" \
    '"acknowledged":true'
ok "_remote/info is empty" [ "$(es_body GET "$B/_remote/info")" = '{}' ]
no_remote() {
	has "$(es_body GET "$B/f2/_ccr/stats?filter_path=**.exception.type")" \
	    no_such_remote_cluster_exception
}
ok "the follower's reads fail with no_such_remote_cluster_exception" \
    wait_for 5 no_remote
es_status POST "$B/f2/_ccr/pause_follow" >/dev/null
es_status POST "$B/f2/_close" >/dev/null
out=$(es POST "$B/f2/_ccr/unfollow")
ok "unfollow without the remote answers 500" [ "$(echo "$out" | tail -n 1)" = 500 ]
ok "... caused by no such remote cluster" has "$out" \
    '"caused_by":{"type":"no_such_remote_cluster_exception","reason":"no such remote cluster: [clusterA]"}'
ok "... root cause is the innermost" has "$out" \
    '"root_cause":[{"type":"no_such_remote_cluster_exception"'
ok "... and the index is converted" \
    has "$(es_body GET "$B/f2/_ccr/info")" '{"follower_indices":[]}'

# A rule can pick one client by a request header.
es_body POST "$A/_essim/faults" '{"path":"/","action":"error","status":503,"header":"User-Agent: ccr-failoverd"}' >/dev/null
ok "header rule: the named client gets 503" [ "$(es_curl -s -o /dev/null \
    -w '%{http_code}' -A 'ccr-failoverd/0.1.0 libcurl' "$A/")" = 503 ]
ok "... another client is served" [ "$(es_status GET "$A/")" = 200 ]
es_status DELETE "$A/_essim/faults" >/dev/null

# --- a link cut reaches the read parked on the leader ------------------------
# A rejecting firewall resets the established connection too: the read
# parked on the leader (a 30 s long-poll) fails at once, and a write made
# after the cut does not arrive through it. A dropping one leaves the
# parked read to time out, delivering nothing either.
essim_start clusterD
essim_start clusterE
D=$ESSIM_clusterD_URL
E=$ESSIM_clusterE_URL
es_status PUT "$D/m" '{"settings":{"number_of_shards":1,"number_of_replicas":0}}' >/dev/null
es_status PUT "$D/m/_doc/0?refresh=true" '{"n":0}' >/dev/null
es_status PUT "$E/_cluster/settings" "{\"persistent\":{\"cluster.remote.clusterD.mode\":\"proxy\",\"cluster.remote.clusterD.proxy_address\":\"127.0.0.1:$ESSIM_clusterD_PORT\"}}" >/dev/null
ok "E follows D with 30 s long-polls" has "$(es_body PUT "$E/g/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterD","leader_index":"m","read_poll_timeout":"30s"}')" \
    '"index_following_started":true'
e_reads() {
	es_body GET "$E/g/_ccr/stats?filter_path=indices.shards.read_exceptions.exception.type"
}
ok "... has the document" wait_for 5 count_is "$E/g" 1
sleep 0.5
es_body POST "$E/_essim/link" '{"mode":"refuse","remote":"clusterD"}' >/dev/null
ok "refuse cut: the parked read fails at once" \
    wait_for 2 eval 'has "$(e_reads)" connect_transport_exception'
es_status PUT "$D/m/_doc/1?refresh=true" '{"n":1}' >/dev/null
ok "... a write after the cut does not arrive" \
    eval '! wait_for 2 count_is "$E/g" 2'
es_body POST "$E/_essim/link" '{"mode":"ok"}' >/dev/null
ok "link restored: the write arrives" wait_for 10 count_is "$E/g" 2
sleep 0.5
es_body POST "$E/_essim/link" '{"mode":"hang","remote":"clusterD"}' >/dev/null
es_status PUT "$D/m/_doc/2?refresh=true" '{"n":2}' >/dev/null
ok "hang cut: a write after it does not arrive through the parked read" \
    eval '! wait_for 2 count_is "$E/g" 3'
es_body POST "$E/_essim/link" '{"mode":"ok"}' >/dev/null

# Security: --auth-basic and --auth-api-key.
essim_start clusterC --auth-basic elastic:changeme --auth-api-key id1:key1
C=$ESSIM_clusterC_URL
out=$(es_curl_anon -s -D - "$C/")
ok "no credentials: 401" has "$out" ' 401 '
ok "... with the WWW-Authenticate challenges" has "$out" \
    'WWW-Authenticate: ApiKey'
ok "... and the security_exception reason" has "$out" \
    '"reason":"missing authentication credentials for REST request [/]"'
ok "basic credentials: 200" \
    [ "$(es_curl_anon -s -o /dev/null -w '%{http_code}' -u elastic:changeme "$C/")" = 200 ]
out=$(es_curl_anon -s -u elastic:wrong "$C/_cluster/health")
ok "wrong password names the user only" has "$out" \
    'unable to authenticate user [elastic] for REST request [/_cluster/health]'
ok "... never the password" bash -c "! echo '$out' | grep -q wrong"
ok "API key: 200" [ "$(es_curl_anon -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: ApiKey $(printf id1:key1 | base64)" "$C/")" = 200 ]

ok "the clusters stop cleanly (and sanitizer-clean)" essim_stop_all

finish
