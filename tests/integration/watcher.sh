#!/bin/bash
# The watcher against two essims: REPLICATING with per-index lag (made
# visible by a follower that reads one operation at a time, slowly), a
# flapping leader, a partition only the daemon sees, a follower index
# paused by hand, the follower cluster down, a stalled daemon (tilt), a
# blackholed leader and a killed leader. Only the last two may end in the
# leader-lost decision, which the daemon carries out: clusterB's follower
# index becomes a plain index and clusterB leads. Each of those two gets a
# fresh follower index on clusterB first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

FOLLOW_PARAMS=',"max_read_request_operation_count":1'
ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
A=$ESSIM_clusterA_URL
B=$ESSIM_clusterB_URL
CONF="$TEST_DIR/watcher.conf"
conf_write "$CONF"

# --- steady state ------------------------------------------------------------
ok "the daemon starts and completes a poll" daemon_start "$CONF"
ok "REPLICATING" wait_for 5 state_is REPLICATING
ok "status.json names the roles" \
    [ "$(st '"\(.leader) \(.follower)"')" = "clusterA clusterB" ]
ok "both clusters reachable, green or yellow, no failures" \
    [ "$(st '[.clusters[] | .reachable and .consecutive_failures == 0 and
    (.status == "green" or .status == "yellow")] | all')" = true ]
ok "the index pair is listed as an active follower" \
    [ "$(st '.indices[0] | "\(.leader) \(.follower) \(.follow_status)"')" = \
    "$IDX $IDX2 active" ]
ok "lag 0" wait_for 5 lag_is 0
ok "nothing held or pending" [ "$(st '"\(.held) \(.pending)"')" = "false null" ]
ok "last_poll moves on every poll" polls_pass 2

# --- lag ---------------------------------------------------------------------
# Every read of the follower now takes 300 ms and brings one operation per
# shard, so thirty writes take seconds to arrive.
log_mark
es_body POST "$A/_essim/faults" \
    '{"path":"/_essim/ccr/changes","action":"delay","delay_ms":300,"count":60}' \
    >/dev/null
for i in $(seq 100 129); do
	es_status PUT "$A/$IDX/_doc/$i" "{\"n\":$i}" >/dev/null
done
ok "writes the follower has not read yet: lag_ops > 0" wait_for 10 lag_above 0
ok "... the state stays REPLICATING" state_is REPLICATING
ok "the follower catches up: lag_ops back to 0" wait_for 40 lag_is 0
es_status DELETE "$A/_essim/faults" >/dev/null
es_status POST "$B/$IDX2/_refresh" >/dev/null
ok "... with every document" wait_for 5 count_is "$B" "$IDX2" 33
ok "... and no state change on the way" states_only

# A second follower of the same remote, started while the first one's read
# is parked on the leader (read_poll_timeout is a minute), reads at once, as
# every shard task of Elasticsearch does; after a pause and resume too.
es_status PUT "$A/other" '{"settings":{"number_of_shards":1}}' >/dev/null
ok "a second follower index on clusterB" has "$(es_body PUT \
    "$B/other2/_ccr/follow?wait_for_active_shards=1" \
    '{"remote_cluster":"clusterA","leader_index":"other"}')" \
    '"index_following_started":true'
es_status PUT "$A/other/_doc/1" '{"n":1}' >/dev/null
ok "... gets its leader's writes at once" wait_for 5 count_is "$B" other2 1
es_status POST "$B/other2/_ccr/pause_follow" >/dev/null
es_status POST "$B/other2/_ccr/resume_follow" >/dev/null
es_status PUT "$A/other/_doc/2" '{"n":2}' >/dev/null
ok "... and after a pause and resume" wait_for 5 count_is "$B" other2 2
ok "... the daemon, not watching it, stays REPLICATING" states_only

# --- flapping leader ---------------------------------------------------------
# failure_threshold is 3: the leader fails two polls in a row (503s, then
# refused connections), answers, fails again.
log_mark
faults_used_up() {
	has "$(es_body GET "$A/_essim/faults")" '"faults":[]'
}
accepts() {
	es_curl -s -m 1 -o /dev/null "$A/"
}
for i in 1 2 3; do
	es_body POST "$A/_essim/faults" \
	    '{"path":"/_cluster/health","action":"error","status":503,"count":2}' \
	    >/dev/null
	wait_for 10 faults_used_up
	wait_for 10 state_is REPLICATING
done
ok "503s for two polls: LEADER_SUSPECT" \
    log_since_has ': state REPLICATING -> LEADER_SUSPECT: leader unreachable'
for action in malformed drop; do
	es_body POST "$A/_essim/faults" \
	    "{\"path\":\"/_cluster/health\",\"action\":\"$action\",\"count\":2}" \
	    >/dev/null
	wait_for 10 faults_used_up
	ok "$action answers for two polls: the daemon lives on" daemon_alive
	wait_for 10 state_is REPLICATING
done
ok "malformed JSON seen as a leader failure" \
    log_since_has 'leader unreachable: .*(JSON|json)'
for i in 1 2 3; do
	es_body POST "$A/_essim/refuse" '{"duration_ms":350}' >/dev/null
	polls_pass 1
	wait_for 10 accepts
	wait_for 10 state_is REPLICATING
done
ok "refused connections seen as leader failures" \
    log_since_has 'leader unreachable: refused'
# The leader process dies and comes back with its data, twice. Restarting
# takes a while under the sanitizers: failure_threshold goes up to 8 polls
# (2.4 s) for this, by a reload.
CONF_FAILURES=8 conf_write "$CONF"
kill -HUP "$DAEMON_PID"
wait_for 5 log_since_has 'configuration reloaded'
for i in 1 2; do
	essim_kill clusterA KILL
	ok "leader killed ($i): a failed poll" \
	    wait_for 5 failures_at_least clusterA 1
	ok "... restarted with its data" essim_restart clusterA
	ok "... REPLICATING again" wait_for 10 state_is REPLICATING
done
conf_write "$CONF"
kill -HUP "$DAEMON_PID"
ok "flapping leader: never leader-lost" log_lacks 'leader-lost'
ok "... only REPLICATING and LEADER_SUSPECT" \
    states_only REPLICATING LEADER_SUSPECT
ok "... back to REPLICATING" wait_for 5 state_is REPLICATING
ok "a write on the restarted clusterA" \
    [ "$(es_status PUT "$A/$IDX/_doc/flap" '{"n":0}')" = 201 ]
ok "... the write arrives" wait_for 10 count_is "$B" "$IDX2" 34

# --- a partition only the daemon sees ----------------------------------------
# The daemon's url for clusterA goes to a closed port; clusterB's remote
# still reaches the real clusterA. Switched in and out by reloads.
log_mark
CONF_A_URL=$ESSIM_SCHEME://127.0.0.1:1 conf_write "$CONF"
kill -HUP "$DAEMON_PID"
ok "partition: the new url is loaded" \
    wait_for 5 log_since_has 'configuration reloaded'
ok "... LEADER_SUSPECT" wait_for 5 state_is LEADER_SUSPECT
ok "... for ten polls in a row" wait_for 15 failures_at_least clusterA 10
ok "... clusterA unreachable in status.json" \
    [ "$(st .clusters.clusterA.reachable)" = false ]
ok "... still LEADER_SUSPECT" state_is LEADER_SUSPECT
ok "... never leader-lost" log_lacks 'leader-lost'
ok "... because the follower still reaches the leader" \
    has "$(st .reason)" 'the follower still reaches the leader'
# A busy follower: its probe answers 503 for three polls, then hangs for
# two. Neither is the follower agreeing for failure_threshold polls.
b_faults_used_up() {
	has "$(es_body GET "$B/_essim/faults")" '"faults":[]'
}
es_body POST "$B/_essim/faults" \
    '{"path":"/_resolve/cluster*","action":"error","status":503,"count":3}' \
    >/dev/null
ok "... the follower's probe fails with 503s" wait_for 10 b_faults_used_up
es_body POST "$B/_essim/faults" \
    '{"path":"/_resolve/cluster*","action":"hang","count":2}' >/dev/null
ok "... then hangs twice" wait_for 10 b_faults_used_up
polls_pass 2
es_status DELETE "$B/_essim/faults" >/dev/null
ok "... still LEADER_SUSPECT" state_is LEADER_SUSPECT
ok "... never leader-lost" log_lacks 'leader-lost'
conf_write "$CONF"
kill -HUP "$DAEMON_PID"
ok "partition healed: REPLICATING" wait_for 5 state_is REPLICATING
ok "... only REPLICATING and LEADER_SUSPECT on the way" \
    states_only REPLICATING LEADER_SUSPECT

# The same partition by timeouts: clusterA's health answers hang, for the
# daemon only. No request or connection piles up in the daemon.
log_mark
fds() {
	ls "/proc/$DAEMON_PID/fd" | wc -l
}
fds_before=$(fds)
es_body POST "$A/_essim/faults" '{"path":"/_cluster/health","action":"hang"}' \
    >/dev/null
ok "health hangs: LEADER_SUSPECT" wait_for 5 state_is LEADER_SUSPECT
ok "... for ten polls in a row" wait_for 15 failures_at_least clusterA 10
ok "... timeouts" has "$(st .clusters.clusterA.last_error)" 'timeout'
ok "... never leader-lost" log_lacks 'leader-lost'
ok "... the daemon's descriptors do not pile up ($fds_before before)" \
    [ "$(fds)" -le $((fds_before + 4)) ]
es_status DELETE "$A/_essim/faults" >/dev/null
ok "answers again: REPLICATING" wait_for 5 state_is REPLICATING
ok "... only REPLICATING and LEADER_SUSPECT on the way" \
    states_only REPLICATING LEADER_SUSPECT

# --- the replication link cut ------------------------------------------------
# The daemon reaches both clusters, but clusterB cannot reach clusterA:
# refused, then hanging. Nothing to promote; DEGRADED with the reason.
for mode in refuse hang; do
	log_mark
	es_body POST "$B/_essim/link" "{\"mode\":\"$mode\",\"remote\":\"clusterA\"}" \
	    >/dev/null
	ok "link $mode: DEGRADED" wait_for 10 state_is DEGRADED
	ok "... because the follower cannot reach the leader" \
	    has "$(st .reason)" 'the follower cannot reach the leader for 3 polls'
	ok "... both clusters reachable" \
	    [ "$(st '[.clusters[].reachable] | all')" = true ]
	ok "... never leader-lost" log_lacks 'leader-lost'
	es_status DELETE "$B/_essim/faults" >/dev/null
	ok "link restored: REPLICATING" wait_for 10 state_is REPLICATING
	ok "... only REPLICATING and DEGRADED on the way" \
	    states_only REPLICATING DEGRADED
done

# --- a follower index paused by hand -----------------------------------------
log_mark
ok "pause_follow on clusterB" \
    [ "$(es_status POST "$B/$IDX2/_ccr/pause_follow")" = 200 ]
ok "paused follower: DEGRADED" wait_for 5 state_is DEGRADED
ok "... the index shows paused" \
    [ "$(st '.indices[0].follow_status')" = paused ]
ok "... the reason names the index and why" \
    bash -c "[[ \"\$1\" == *$IDX2*paused* ]]" _ "$(st .reason)"
ok "... logged as a degraded event" \
    log_since_has "warning: degraded: index $IDX2 paused CCR_CLUSTER=clusterB CCR_STATE=DEGRADED$"
ok "resume_follow on clusterB" \
    [ "$(es_status POST "$B/$IDX2/_ccr/resume_follow")" = 200 ]
ok "resumed follower: REPLICATING" wait_for 5 state_is REPLICATING
ok "... the index shows active" \
    [ "$(st '.indices[0].follow_status')" = active ]
ok "... with its lag known again: 0" wait_for 5 lag_is 0

# --- a follower index deleted by hand ----------------------------------------
# _ccr/info leaves out a missing index as it does a plain one; the status
# must say which.
log_mark
ok "delete the follower index on clusterB" \
    [ "$(es_status DELETE "$B/$IDX2")" = 200 ]
ok "deleted follower: DEGRADED" wait_for 5 state_is DEGRADED
ok "... the index shows missing" \
    wait_for 5 bash -c '[ "$(jq -r ".indices[0].follow_status" "$1")" = missing ]' \
    _ "$DAEMON_RUN/status.json"
ok "... the reason says missing, not a plain index" \
    bash -c "[[ \"\$1\" == *$IDX2*missing* ]]" _ "$(st .reason)"
ok "... logged as a degraded event" \
    log_since_has "warning: degraded: index $IDX2 missing CCR_CLUSTER=clusterB CCR_STATE=DEGRADED$"
ok "... never said to be a plain index" \
    bash -c '! grep -q "$1 not a follower" <<<"$2"' _ "$IDX2" "$(log_since)"
ok "follow again on clusterB" ccr_refollow
ok "refollowed: REPLICATING" wait_for 10 state_is REPLICATING
ok "... the index shows active" \
    [ "$(st '.indices[0].follow_status')" = active ]
ok "... only REPLICATING and DEGRADED on the way" \
    states_only REPLICATING DEGRADED

# --- the follower cluster down -----------------------------------------------
log_mark
essim_kill clusterB KILL
ok "follower down: DEGRADED" wait_for 5 state_is DEGRADED
ok "... for ten polls" wait_for 15 failures_at_least clusterB 10
ok "... still DEGRADED" state_is DEGRADED
ok "... clusterB unreachable, clusterA fine" \
    [ "$(st '"\(.clusters.clusterB.reachable) \(.clusters.clusterA.reachable)"')" = \
    "false true" ]
ok "... never a promotion" log_lacks 'leader-lost|promot'
ok "clusterB restarts with its journal" essim_restart clusterB
ok "follower back: REPLICATING" wait_for 10 state_is REPLICATING
ok "... only REPLICATING and DEGRADED on the way" \
    states_only REPLICATING DEGRADED

# A blackholed follower: every request to clusterB hangs. Rounds are cut
# at each tick, and status.json still comes every poll interval.
log_mark
es_body POST "$B/_essim/faults" '{"path":"/","action":"hang"}' >/dev/null
ok "blackholed follower: DEGRADED" wait_for 5 state_is DEGRADED
ok "... status.json still written every poll" polls_pass 5
ok "... clusterB unreachable by timeouts" \
    has "$(st .clusters.clusterB.last_error)" 'timeout'
ok "... never a promotion" log_lacks 'leader-lost|promot'
es_status DELETE "$B/_essim/faults" >/dev/null
ok "follower answers again: REPLICATING" wait_for 10 state_is REPLICATING
ok "... only REPLICATING and DEGRADED on the way" \
    states_only REPLICATING DEGRADED

# --- a stalled daemon --------------------------------------------------------
log_mark
kill -STOP "$DAEMON_PID"
sleep 2
kill -CONT "$DAEMON_PID"
ok "stalled loop: tilt entered" \
    wait_for 5 log_since_has 'notice: tilt-enter: [0-9]+ ms since the previous poll CCR_'
ok "... and left after clean polls" wait_for 5 log_since_has 'tilt-exit'
ok "... state unchanged" states_only

# --- a blackholed leader -----------------------------------------------------
# Every request to clusterA hangs: the daemon's polls time out and so do
# clusterB's reads and probe, while clusterB's _remote/info still says
# connected.
log_mark
es_body POST "$A/_essim/faults" '{"path":"/","action":"hang"}' >/dev/null
ok "blackholed leader: LEADER_SUSPECT" \
    wait_for 5 log_since_has ': state REPLICATING -> LEADER_SUSPECT:'
ok "... then leader-lost, decided to promote" wait_for 10 log_since_has \
    "warning: leader-lost: leader lost after 3 polls \\(the follower's probe of the leader failed\\): promoting CCR_CLUSTER=clusterA CCR_STATE=PROMOTING$"
ok "... though clusterB still calls the remote connected" \
    remote_connected clusterB clusterA true
ok "... the promotion runs" log_since_has \
    ': state LEADER_SUSPECT -> PROMOTING: leader lost after 3 polls'
ok "... PROMOTED: clusterB leads, $IDX2 a plain open index" \
    wait_for 10 promoted_to_b
ok "... only REPLICATING, LEADER_SUSPECT, PROMOTING, PROMOTED on the way" \
    states_only REPLICATING LEADER_SUSPECT PROMOTING PROMOTED
ok "SIGTERM: exit 0" daemon_stop
es_status DELETE "$A/_essim/faults" >/dev/null
ok "clusterB's $IDX2 follows clusterA's $IDX again, afresh" ccr_refollow

# --- several urls for one cluster ----------------------------------------------
# clusterA's first node refuses connections, then hangs: the daemon moves
# on to the next node and never loses the leader.
daemon_dirs nodes
CONF_A_URL="$ESSIM_SCHEME://127.0.0.1:1\", \"$A" conf_write "$TEST_DIR/nodes.conf"
ok "first node refusing: the daemon starts" \
    daemon_start "$TEST_DIR/nodes.conf" --log-level debug
ok "... REPLICATING" wait_for 5 state_is REPLICATING
ok "... for ten polls" polls_pass 10
ok "... and never suspects the leader" log_lacks 'LEADER_SUSPECT'
ok "SIGTERM: exit 0" daemon_stop
essim_start hung
es_body POST "$ESSIM_hung_URL/_essim/faults" '{"path":"/","action":"hang"}' \
    >/dev/null
daemon_dirs hung-node
CONF_A_URL="$ESSIM_hung_URL\", \"$A" conf_write "$TEST_DIR/nodes.conf"
ok "first node hanging: the daemon starts" \
    daemon_start "$TEST_DIR/nodes.conf" --log-level debug
ok "... the hung node was asked and timed out" \
    wait_for 5 log_has 'debug: poll: leader health failed after [0-9]+ ms: timeout'
ok "... then REPLICATING" wait_for 5 state_is REPLICATING
ok "... for ten polls" polls_pass 10
ok "... still REPLICATING" state_is REPLICATING
ok "... never leader-lost" log_lacks 'leader-lost'
ok "SIGTERM: exit 0" daemon_stop
essim_kill hung

# --- a killed leader ---------------------------------------------------------
daemon_dirs killed
reads_clean() {
	[ "$(es_body GET "$B/$IDX2/_ccr/stats" |
	    jq '[.indices[0].shards[].read_exceptions | length] | add')" = 0 ]
}
ok "clusterB's $IDX2 follows clusterA's $IDX again, afresh" ccr_refollow
ok "clusterB reads from clusterA" wait_for 10 reads_clean
ok "a fresh daemon starts" daemon_start "$CONF"
ok "REPLICATING" wait_for 5 state_is REPLICATING
essim_kill clusterA KILL
ok "leader killed: LEADER_SUSPECT" \
    wait_for 5 log_has ': state REPLICATING -> LEADER_SUSPECT: leader unreachable: refused'
ok "... then the leader-lost decision, as a journal-style event line" \
    wait_for 10 log_has 'warning: leader-lost: leader lost after 3 polls \(.*\): promoting CCR_CLUSTER=clusterA CCR_STATE=PROMOTING$'
ok "... suspect logged before lost" [ "$(grep -nE 'LEADER_SUSPECT|leader-lost' \
    "$DAEMON_LOG" | head -n 1 | grep -c LEADER_SUSPECT)" = 1 ]
ok "... the promotion starts on clusterB" log_has \
    'notice: promote started: clusterB to lead, clusterA to follow, 1 indices CCR_CLUSTER=clusterB CCR_OLD_LEADER=clusterA$'
ok "... PROMOTED: clusterB leads, $IDX2 a plain open index" \
    wait_for 10 promoted_to_b
ok "... state.json keeps PROMOTED with the roles swapped" \
    [ "$(jq -r '"\(.fsm.state) \(.leader) \(.follower)"' \
    "$DAEMON_STATE/state.json")" = "PROMOTED clusterB clusterA" ]
ok "SIGTERM: exit 0" daemon_stop
ok "no event line repeats its name" \
    bash -c '! grep -hE "(degraded: degraded|tilt-enter: tilt|tilt-exit: tilt): " "$1"/*/daemon.log' _ "$TEST_DIR"
ok "no sanitizer report from the daemons" \
    bash -c '! grep -l Sanitizer "$1"/*/daemon.log' _ "$TEST_DIR"
ok "clusterB stops cleanly" essim_stop_all

finish
