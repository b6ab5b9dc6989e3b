#!/bin/bash
# Switchover against two essim clusters and the real daemon: documents are
# written on the leader (and ingest then stops) while the follower's reads
# are held back, so it lags when the operator asks, though its own stats do
# not know it; the switchover waits until the reads go through, reverses the
# roles, and the documents on both sides are counted equal, index by index;
# a write on the new leader then replicates to the old one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# follows_b NAMES...: each index on clusterA actively follows clusterB's.
follows_b() {
	local i
	for i in "$@"; do
		[ "$(leader_of "$A" "$i")" = "clusterB:$i-dr" ] || return 1
		[ "$(ccr_info "$A" "$i")" = active ] || return 1
	done
}

at_scenario switchover
at_setup 5
at_config
daemon_start
ok "replicating, clusterA leads" wait_state 10 REPLICATING clusterA

# Hold every replication read at clusterA, then write: clusterB's own
# stats still say it is caught up, since it has not heard of the writes.
fault "$A" '{"path":"/_essim/ccr/changes","action":"hang"}'
for i in $(seq 1 5); do
	for j in $(seq 1 "$((i * 4))"); do
		es_status POST "$A/logs$i/_doc" "{\"i\":$i,\"j\":$j}" >/dev/null
	done
done
# total URL SUFFIX: documents in logs1..5 (with the suffix) after a refresh.
total() {
	local i n=0
	for i in $(seq 1 5); do
		n=$((n + $(count "$1" "logs$i$2")))
	done
	echo "$n"
}
tb=$(total "$B" -dr)
ta=$(total "$A" "")
ok "clusterB lags behind ($tb of $ta documents)" [ "$tb" -lt "$ta" ]
ok "ccr-failoverctl switchover is accepted" ctl_ok switchover
ok "the switchover waits for the lag" wait_state 5 SWITCHING_OVER clusterA
sleep 1
ok "... still waiting a second later" state_is SWITCHING_OVER clusterA
ok "... with clusterB's indices untouched followers" all_active "$B" $AT_B
faults_clear "$A"
ok "replication goes on: switched over, REPLICATING with clusterB leading" \
    wait_state 20 REPLICATING clusterB
ok "no divergence was found" eval '! log_has diverged'
# both_hold I N: clusterA's logsI and clusterB's logsI-dr hold N documents.
# clusterA's new followers may still be receiving them: essim answers a
# put-follow without wait_for_active_shards at once and replicates the data
# (tests/essim/README), where Elasticsearch would restore it first.
both_hold() {
	[ "$(count "$A" "logs$1")" = "$2" ] &&
	    [ "$(count "$B" "logs$1-dr")" = "$2" ]
}
for i in $(seq 1 5); do
	ok "logs$i: $((3 + i * 4)) documents on both sides" \
	    wait_for 10 both_hold "$i" "$((3 + i * 4))"
done
ok "every index on clusterA follows clusterB's" follows_b $AT_A
ok "every index on clusterB is a plain open index" all_plain "$B" $AT_B
ok "a write on clusterB" writable "$B" logs3-dr
ok "... replicates to clusterA" \
    wait_for 5 eval '[ "$(count "$A" logs3)" = 16 ]'
ok "clusterA refuses writes (it follows)" \
    [ "$(es_status POST "$A/logs3/_doc" '{"user":"x"}')" = 403 ]
ok "the switchover is in the log" log_has "switchover started"

at_end
finish
