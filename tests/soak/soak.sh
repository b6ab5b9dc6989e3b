#!/bin/bash
# make soak: the daemon polls 1,000 index pairs on two essims for SOAK_S
# seconds (default 600) through continuous light faults, none of which may
# trigger anything: leader flaps shorter than failure_threshold, bursts of
# 429/500/503 and garbage (truncated JSON) answers on either cluster. Every
# SOAK_SAMPLE_S seconds the daemon's RSS and open descriptors are sampled;
# at the end it prints RSS at start and end, its slope per hour, the
# descriptors and the poll rounds, and fails when the daemon died, left
# REPLICATING for an action, or grew: RSS beyond SOAK_ALLOW_KIB over the
# highest RSS of the warm-up (the first fifth of the run, at least 60 s), or
# descriptors beyond the warm-up's highest count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${abs_top_builddir:=$(cd "$here/../.." && pwd)}"
. "$here/../../bench/lib.sh"

SOAK_S=${SOAK_S:-600}
PAIRS=${SOAK_PAIRS:-1000}
POLL_MS=${SOAK_POLL_MS:-500}
SAMPLE_S=${SOAK_SAMPLE_S:-10}
ALLOW_KIB=${SOAK_ALLOW_KIB:-1024}
SEED=${SOAK_SEED:-$RANDOM}
RANDOM=$SEED

passed=0 failed=0
log_lacks() {
	! grep -qE -- "$1" "$D_LOG"
}
check() {
	local what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $what"
	else
		failed=$((failed + 1))
		echo "not ok - $what"
	fi
}

bench_tmp_init
d=$BENCH_TMP
echo "soak: $PAIRS index pairs, poll ${POLL_MS} ms, $SOAK_S s, seed $SEED"
essim_up A clusterA "$d" --read-poll-timeout-ms 1000 &&
    essim_up B clusterB "$d" --read-poll-timeout-ms 1000 &&
    pairs_setup "$d" "$A_PORT" "$B_PORT" "$PAIRS" 1 s || exit 1
daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" "$PAIRS" "$POLL_MS" 2000 3 s
daemon_up D "$d" "$d/d.conf" debug || exit 1

fault() {	# PORT JSON
	"$CURL" -s -o /dev/null -XPOST -H 'Content-Type: application/json' \
	    "http://127.0.0.1:$1/_essim/faults" -d "$2"
}
# One light fault on a random endpoint, lifted by its count. A leader flap
# fails one or two polls in a row and comes at least 3 s after the last
# one, so no failure streak reaches failure_threshold (3); the follower's
# endpoints get 429/500/503 bursts and garbage at any time.
nfaults=0
last_flap=0
light_fault() {
	local kind path count=$((1 + RANDOM % 3))
	case $((RANDOM % 4)) in
	0) kind='"action":"error","status":503' ;;
	1) kind='"action":"error","status":500' ;;
	2) kind='"action":"error","status":429' ;;
	3) kind='"action":"malformed"' ;;
	esac
	if [ $((RANDOM % 3)) -eq 0 ] && [ $(($(now_ms) - last_flap)) -ge 3000 ]; then
		last_flap=$(now_ms)
		fault "$A_PORT" "{\"path\":\"/_cluster/health\",\"from\":\"clients\",$kind,\"count\":$((1 + RANDOM % 2))}"
	else
		set -- /_cluster/health /_remote/info /_ccr/stats /_ccr/info /_resolve/cluster
		shift $((RANDOM % $#))
		fault "$B_PORT" "{\"path\":\"$1\",\"from\":\"clients\",$kind,\"count\":$count}"
	fi
	nfaults=$((nfaults + 1))
}

fds() {
	ls "/proc/$D_PID/fd" 2>/dev/null | wc -l
}
rounds() {
	grep -o 'poll: round [0-9]*' "$D_LOG" | tail -n 1 | awk '{ print $3 }'
}

samples="$d/samples"
start=$(now_ms)
end=$((start + SOAK_S * 1000))
next_sample=$start
: >"$samples"
while [ "$(now_ms)" -lt "$end" ] && kill -0 "$D_PID" 2>/dev/null; do
	now=$(now_ms)
	if [ "$now" -ge "$next_sample" ]; then
		echo "$(((now - start) / 1000)) $(vm_kib "$D_PID" VmRSS) $(fds)" \
		    >>"$samples"
		next_sample=$((next_sample + SAMPLE_S * 1000))
	fi
	light_fault
	sleep "0.$((200 + RANDOM % 800))"
done
echo "$(((($(now_ms)) - start) / 1000)) $(vm_kib "$D_PID" VmRSS) $(fds)" >>"$samples"
alive=no
kill -0 "$D_PID" 2>/dev/null && alive=yes
# The last burst may still hold the follower DEGRADED for a round or two.
wait_until 10 status_is "$D_STATUS" REPLICATING
state=$(jq -r .state "$D_STATUS")

# Warm-up: the first fifth of the run, at least 60 s (all of a short run).
warm=$((SOAK_S / 5))
[ "$warm" -lt 60 ] && warm=60
read -r rss0 fd0 < <(awk 'NR == 1 { print $2, $3 }' "$samples")
read -r rss1 fd1 < <(awk 'END { print $2, $3 }' "$samples")
warm_rss=$(awk -v w="$warm" '$1 <= w && $2 > m { m = $2 } END { print m + 0 }' "$samples")
warm_fd=$(awk -v w="$warm" '$1 <= w && $3 > m { m = $3 } END { print m + 0 }' "$samples")
# Least-squares slope of RSS after the warm-up, in KiB per hour.
slope=$(awk -v w="$warm" '$1 >= w { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
	END { if (n < 2 || n * sxx == sx * sx) print "n/a";
	      else printf "%+.0f", (n * sxy - sx * sy) / (n * sxx - sx * sx) * 3600 }' "$samples")
nrounds=$(rounds)
echo "soak: $nrounds poll rounds, $nfaults light faults, seed $SEED"
echo "soak: RSS start $rss0 KiB, end $rss1 KiB (warm-up high $warm_rss KiB), slope $slope KiB/h after the warm-up"
echo "soak: open descriptors start $fd0, end $fd1 (warm-up high $warm_fd)"
echo "soak: state $state, daemon alive: $alive"
cp "$samples" "${SOAK_SAMPLES:-/dev/null}" 2>/dev/null || true

check "the daemon ran to the end" [ "$alive" = yes ]
check "it polled (${nrounds:-0} rounds)" [ "${nrounds:-0}" -gt 0 ]
check "still REPLICATING, nothing acted on" [ "$state" = REPLICATING ]
check "no action was started" \
    log_lacks ': (promote|failback|switchover) started: '

check "RSS within $ALLOW_KIB KiB of the warm-up's high" \
    [ "$rss1" -le $((warm_rss + ALLOW_KIB)) ]
check "no descriptor growth" [ "$fd1" -le "$warm_fd" ]
check "no sanitizer report" log_lacks 'Sanitizer|runtime error'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
