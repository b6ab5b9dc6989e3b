#!/bin/bash
# Retries against two essim clusters and the real daemon: bursts of 429 and
# 503 answers to _close are retried until the promotion completes; a
# permanent 400 on one index's pause_follow stops that index alone in
# FAILED, with Elasticsearch's error type and reason in status.json and the
# log, while the other indices are promoted; once the cause is gone, the
# operator's promote finishes the job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/action-lib.sh"

# rules_left URL: how many fault rules the cluster still holds.
rules_left() {
	es_body GET "$1/_essim/faults" | jq '.faults | length'
}

# --- 429 and 503 bursts during _close -----------------------------------------
at_scenario bursts
at_setup 5
at_config
daemon_start
ok "bursts: replicating" wait_state 10 REPLICATING clusterA
fault "$B" '{"path":"/*/_close","method":"POST","action":"error","status":429,"count":3}'
fault "$B" '{"path":"/*/_close","method":"POST","action":"error","status":503,"count":3}'
at_kill clusterA KILL
ok "bursts: promoted, clusterB leads" wait_state 20 PROMOTED clusterB
ok "bursts: all six error answers were used" [ "$(rules_left "$B")" = 0 ]
ok "bursts: the 429s were retried" log_has "answered 429"
ok "bursts: the 503s were retried" log_has "answered 503"
ok "bursts: every index on clusterB is a plain open index" \
    all_plain "$B" $AT_B
ok "bursts: the new leader takes writes" writable "$B" logs5-dr

# --- a permanent 400 on one index ---------------------------------------------
at_scenario permanent
at_setup 5
at_config
daemon_start
ok "permanent: replicating" wait_state 10 REPLICATING clusterA
fault "$B" '{"path":"/logs2-dr/_ccr/pause_follow","action":"error","status":400,"type":"illegal_argument_exception","reason":"refused for good by the test"}'
at_kill clusterA KILL
ok "permanent: the action ends FAILED" wait_state 20 FAILED
ok "permanent: the other four indices are plain open indices" \
    all_plain "$B" logs1-dr logs3-dr logs4-dr logs5-dr
ok "permanent: ... and take writes" writable "$B" logs4-dr
ok "permanent: logs2-dr is left a follower, not closed" \
    eval '[ "$(ccr_info "$B" logs2-dr)" != none ] && index_open "$B" logs2-dr'
ok "permanent: status.json names the error type for logs2-dr" \
    has "$(status_get '.indices[] | select(.follower == "logs2-dr" or .leader == "logs2-dr") | .error')" \
    illegal_argument_exception
ok "permanent: ... and the reason" \
    has "$(status_get '.indices[] | select(.follower == "logs2-dr" or .leader == "logs2-dr") | .error')" \
    "refused for good by the test"
ok "permanent: no other index has an error in status.json" \
    [ "$(status_get '[.indices[] | select(.error != null)] | length')" = 1 ]
ok "permanent: the log names the index, the type and the reason" \
    eval 'grep "logs2-dr" "$DAEMON_LOG" | grep "illegal_argument_exception" |
    grep -q "refused for good by the test"'
ok "permanent: the state says 4 done, 1 failed" \
    has "$(status_get .reason)" "4 indices done, 1 failed"
ok "permanent: ccr-failoverctl status shows the failed action" \
    has "$(ctl status)" "4 of 5 indices done, 1 failed"
faults_clear "$B"
ok "permanent: once the cause is gone, promote retries from FAILED" \
    ctl_ok promote
ok "permanent: promoted, clusterB leads" wait_state 15 PROMOTED clusterB
ok "permanent: all five indices are plain open indices" all_plain "$B" $AT_B
ok "permanent: no error left in status.json" \
    [ "$(status_get '[.indices[] | select(.error != null)] | length')" = 0 ]

at_end
finish
