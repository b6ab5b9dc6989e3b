#!/bin/bash
# /metrics of a running daemon against two essims: served on the port the
# kernel picked (metrics_listen = "127.0.0.1:0"), in the exposition format
# promtool accepts, with values that follow a killed leader through the
# promotion; an idle scraper connection does not hold up polling; only
# /metrics is served, only to GET and HEAD; a reload cannot move it; a busy
# port stops the daemon at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

PROMTOOL=$(command -v promtool || true)

ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
CONF="$TEST_DIR/metrics.conf"
CONF_EXTRA='metrics_listen = "127.0.0.1:0";
confirm_failback = true;
hooks = { on_state_change = "/bin/true"; };'
conf_write "$CONF"

ok "the daemon starts and completes a poll" daemon_start "$CONF"
ADDR=$(sed -n 's|.*metrics: serving http://\([^/]*\)/metrics.*|\1|p' \
    "$DAEMON_LOG" | head -n 1)
ok "the log names the address the kernel picked" \
    grep -qE '^127\.0\.0\.1:[1-9][0-9]*$' <<<"$ADDR"
URL="http://$ADDR/metrics"

# scrape: fetch /metrics into $TEST_DIR/scrape (headers in scrape.h).
scrape() {
	"$CURL" -sf -m 5 -D "$TEST_DIR/scrape.h" -o "$TEST_DIR/scrape" "$URL"
}
# value SERIES: the value of the sample SERIES (name{labels} exactly).
value() {
	awk -v s="$1" '$1 == s { print $2 }' "$TEST_DIR/scrape"
}
# value_is SERIES V / value_above SERIES V
value_is() {
	[ "$(value "$1")" = "$2" ]
}
value_above() {
	local v
	v=$(value "$1")
	[ -n "$v" ] && awk -v v="$v" -v min="$2" 'BEGIN { exit !(v > min) }'
}
# promtool_ok: promtool check metrics accepts the last scrape.
promtool_ok() {
	if [ -z "$PROMTOOL" ]; then
		echo "# promtool not found"
		return 1
	fi
	"$PROMTOOL" check metrics <"$TEST_DIR/scrape"
}
# scrape_until SERIES V: scrape until SERIES has value V.
scrape_until() {
	scrape && value_is "$1" "$2"
}

# --- replicating -------------------------------------------------------------
ok "REPLICATING" wait_for 5 state_is REPLICATING
ok "lag is known" wait_for 5 lag_is 0
ok "a scrape answers 200" scrape
ok "... as the text exposition format" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$TEST_DIR/scrape.h"
ok "... which promtool check metrics accepts" promtool_ok
ok "state REPLICATING is 1" \
    value_is 'ccr_failoverd_state{state="REPLICATING"}' 1
ok "... and every other state 0" [ "$(awk '/^ccr_failoverd_state\{/ \
    { n[$2]++ } END { print n["0"] + 0, n["1"] + 0 }' "$TEST_DIR/scrape")" = "8 1" ]
ok "not held" value_is ccr_failoverd_held 0
ok "ready: both clusters reached, nothing blocks" \
    value_is ccr_failoverd_ready 1
ok "no pending action" value_is 'ccr_failoverd_pending_action{action="promote"}' 0
ok "clusterA reachable as leader" \
    value_is 'ccr_failoverd_cluster_reachable{cluster="clusterA",role="leader"}' 1
ok "clusterB reachable as follower" \
    value_is 'ccr_failoverd_cluster_reachable{cluster="clusterB",role="follower"}' 1
ok "no consecutive failures" \
    value_is 'ccr_failoverd_cluster_consecutive_failures{cluster="clusterA"}' 0
ok "the pair's lag is 0" \
    value_is "ccr_failoverd_follower_lag_operations{leader_index=\"$IDX\",follower_index=\"$IDX2\"}" 0
ok "the follower's time since its last read is known" \
    wait_for 5 eval 'scrape && [ -n "$(value "ccr_failoverd_follower_time_since_last_read_seconds{follower_index=\"$IDX2\"}")" ]'
ok "requests to both clusters answered 200 are counted" \
    eval 'value_above "ccr_failoverd_requests_total{cluster=\"clusterA\",code=\"200\"}" 0 &&
    value_above "ccr_failoverd_requests_total{cluster=\"clusterB\",code=\"200\"}" 0'
ok "poll rounds are in the histogram" \
    value_above ccr_failoverd_poll_duration_seconds_count 0
ok "... every round is under +Inf" [ "$(value \
    'ccr_failoverd_poll_duration_seconds_bucket{le="+Inf"}')" = \
    "$(value ccr_failoverd_poll_duration_seconds_count)" ]
ok "no promotion yet" value_is \
    'ccr_failoverd_actions_total{action="promote",result="success"}' 0
ok "... and no timestamp of one" \
    [ -z "$(value ccr_failoverd_last_promotion_timestamp_seconds)" ]
ok "build_info names the version" \
    grep -qE '^ccr_failoverd_build_info\{version="[0-9][^"]*"\} 1$' \
    "$TEST_DIR/scrape"
rounds=$(value ccr_failoverd_poll_duration_seconds_count)
requests=$(value 'ccr_failoverd_requests_total{cluster="clusterB",code="200"}')
ok "counters grow between scrapes" \
    wait_for 5 eval 'scrape && value_above ccr_failoverd_poll_duration_seconds_count "$rounds" &&
    value_above "ccr_failoverd_requests_total{cluster=\"clusterB\",code=\"200\"}" "$requests"'

# --- other paths and methods -------------------------------------------------
code() {
	"$CURL" -s -m 5 -o /dev/null -w '%{http_code}' "$@"
}
ok "another path is 404" [ "$(code "http://$ADDR/")" = 404 ]
ok "POST is refused (501, libevent's answer to a method not allowed)" \
    [ "$(code -X POST "$URL")" = 501 ]
ok "HEAD answers 200" [ "$(code -I "$URL")" = 200 ]

# --- a scraper that connects and says nothing --------------------------------
exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR##*:}"
ok "polling goes on while a scraper connection idles" polls_pass 3
ok "... and another scrape is served meanwhile" scrape
exec 3<&-

# --- the leader dies ---------------------------------------------------------
essim_kill clusterA KILL
ok "the leader is lost and clusterB promoted" wait_for 20 promoted_to_b
ok "state PROMOTED is 1" wait_for 5 scrape_until \
    'ccr_failoverd_state{state="PROMOTED"}' 1
ok "... and REPLICATING 0" \
    value_is 'ccr_failoverd_state{state="REPLICATING"}' 0
ok "the promotion is counted as a success" \
    value_is 'ccr_failoverd_actions_total{action="promote",result="success"}' 1
ok "... with its duration" \
    [ -n "$(value 'ccr_failoverd_action_duration_seconds{action="promote"}')" ]
now=$(date +%s)
ok "... and a timestamp within the last minute" \
    awk -v t="$(value ccr_failoverd_last_promotion_timestamp_seconds)" \
    -v now="$now" 'BEGIN { exit !(t != "" && t > now - 60 && t <= now + 1) }'
ok "... and the operations it lost" \
    grep -qE '^ccr_failoverd_last_promotion_lost_operations [0-9]+$' \
    "$TEST_DIR/scrape"
ok "clusterB now leads" wait_for 5 scrape_until \
    'ccr_failoverd_cluster_reachable{cluster="clusterB",role="leader"}' 1
ok "clusterA, the follower now, is unreachable" \
    value_is 'ccr_failoverd_cluster_reachable{cluster="clusterA",role="follower"}' 0
ok "its failures are counted" wait_for 5 eval 'scrape &&
    value_above "ccr_failoverd_cluster_consecutive_failures{cluster=\"clusterA\"}" 0'
ok "refused connections to clusterA are counted" \
    value_above 'ccr_failoverd_requests_total{cluster="clusterA",code="refused"}' 0
ok "not ready: clusterA is not reached" value_is ccr_failoverd_ready 0
ok "no lag is exported while the follower cannot be asked" \
    wait_for 5 eval 'scrape &&
    ! grep -q "^ccr_failoverd_follower_lag_operations{" "$TEST_DIR/scrape"'
ok "on_state_change runs are counted" wait_for 5 eval 'scrape &&
    value_above "ccr_failoverd_hook_runs_total{hook=\"on_state_change\",result=\"success\"}" 1'
ok "promtool check metrics accepts the scrape after the promotion" promtool_ok

# --- reload and a busy port --------------------------------------------------
sed -i 's|metrics_listen = "127.0.0.1:0";|metrics_listen = "127.0.0.1:1";|' "$CONF"
log_mark
kill -HUP "$DAEMON_PID"
ok "a reload that moves metrics_listen is rejected" \
    wait_for 5 log_since_has 'reload rejected.*metrics_listen changed'
ok "... and /metrics stays where it was" scrape
ok "the daemon stops cleanly" daemon_stop
ok "no sanitizer report" no_sanitizer_report

# essim holds clusterB's port.
sed -i "s|metrics_listen = \"127.0.0.1:1\";|metrics_listen = \"127.0.0.1:$ESSIM_clusterB_PORT\";|" "$CONF"
daemon_dirs busy
"$FAILOVERD" -c "$CONF" --state-dir "$DAEMON_STATE" \
    --runtime-dir "$DAEMON_RUN" 2>"$DAEMON_LOG"
rc=$?
ok "a port in use stops the daemon at start" [ "$rc" -ne 0 ]
ok "... saying why" log_has "metrics_listen 127\.0\.0\.1:$ESSIM_clusterB_PORT: cannot listen"

essim_stop_all
finish
