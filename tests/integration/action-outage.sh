#!/bin/bash
# Promotion in the outage the daemon exists for: the old leader is
# blackholed (every request to it hangs). Elasticsearch turns an unfollowed
# index into a plain one at once, yet answers the unfollow only when the
# removal of its retention leases on the unreachable leader gives up, after
# the transport connect timeout (30 s, essim's --transport-timeout-ms). The
# daemon learns the conversion from the follower cluster itself, abandons
# the hanging requests and opens the indices: the promotion of several
# indices ends in seconds, while every lease removal is still hanging.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

N=8

# hung_on URL: requests essim holds unanswered under a hang rule.
hung_on() {
	es_body GET "$1/_essim/faults" | jq -r '.hung_requests // 0'
}

# every_writable URL NAMES...: each index takes a document.
every_writable() {
	local url=$1 i
	shift
	for i in "$@"; do
		writable "$url" "$i" || return 1
	done
}

at_scenario blackhole
AT_B_FLAGS="--transport-timeout-ms 30000"
at_setup "$N"
at_config
daemon_start
ok "blackhole: replicating, clusterA leads" wait_state 10 REPLICATING clusterA
ok "blackhole: clusterB's indices are active followers" all_active "$B" $AT_B
ok "blackhole: clusterA hangs every request" \
    fault "$A" '{"path":"/","action":"hang"}'
ok "blackhole: the leader loss is decided" wait_for 15 log_has "leader-lost"
# One unfollow answer alone would take 30 s: promoted within 10 s of the
# decision means no open waited for one.
ok "blackhole: promoted within seconds, clusterB leads" \
    wait_state 10 PROMOTED clusterB
ok "blackhole: the lease removals on clusterA are still hanging" \
    [ "$(hung_on "$A")" -ge "$N" ]
ok "blackhole: every follower index on clusterB is a plain open index" \
    all_plain "$B" $AT_B
ok "blackhole: every promoted index takes writes" every_writable "$B" $AT_B
ok "blackhole: the engine abandoned the hanging unfollows" \
    log_has "no longer a follower"
ok "blackhole: no action left in the state file" \
    [ "$(state_get .action)" = null ]
ok "blackhole: the promotion record is kept for the failback" \
    [ "$(state_get '.promotion.indices | length')" = "$N" ]
ok "blackhole: status still sees clusterA unreachable" \
    [ "$(status_get .clusters.clusterA.reachable)" = false ]
faults_clear "$A"

at_end
finish
