#!/bin/bash
# make bench: how fast a lost leader is detected, how fast the follower
# indices are writable again (by the daemon, and by one curl process per
# REST call in order, in the same run), how fast the old leader is taken
# back, what watching costs, and how much essim itself can serve, all on
# loopback against essim. Every figure is the median of BENCH_RUNS runs
# (default 3) with min and max; targets are printed next to the figures,
# not asserted. Writes bench/results/bench.md, bench.csv, samples.csv and
# promotion.png (with gnuplot).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

RUNS=${BENCH_RUNS:-3}
SEQ_RUNS_1000=${BENCH_SEQ_RUNS_1000:-1}
# make bench must end within 10 minutes on 2 cores: past this many seconds,
# the largest promotions run once.
BUDGET_S=${BENCH_BUDGET_S:-420}
RESULTS="$abs_top_builddir/bench/results"
SAMPLES="$RESULTS/samples.csv"
DAEMON_ENGINE=unknown	# whether the daemon carries promotions out

# Detection: 500 ms polls, 400 ms request timeout, 3 failed polls.
DET_POLL_MS=500
DET_TIMEOUT_MS=400
DET_THRESHOLD=3
# Promotion and failback runs detect fast so the runs stay short.
ACT_POLL_MS=500
ACT_TIMEOUT_MS=400
ACT_THRESHOLD=2

sample() {	# METRIC N SHARDS UNIT VALUE
	echo "$1,$2,$3,$4,$5" >>"$SAMPLES"
}

say() {
	printf '[%4ds] %s\n' $(( ($(now_ms) - BENCH_START_MS) / 1000 )) "$*"
}

# A fresh directory per run, so nothing carries over between runs.
run_dir() {
	local d="$BENCH_TMP/$1"
	rm -rf "$d"
	mkdir -p "$d"
	echo "$d"
}

# Wait until just before the daemon's next poll tick (status.json's
# last_poll plus whole intervals), so the fault lands right before a poll
# and the figure measures the daemon's decision, not a random wait of up to
# one interval for the next poll.
align_before_tick() {
	local status=$1 interval=$2 last now next
	last=$(bench_iso_ms "$(jq -r .last_poll "$status")")
	now=$(now_ms)
	next=$((last + interval))
	while [ $((next - now)) -lt 80 ]; do
		next=$((next + interval))
	done
	sleep "$(awk -v ms=$((next - 20 - now)) 'BEGIN { printf "%.3f", ms / 1000 }')"
}

# --- essim's own throughput -------------------------------------------------
bench_throughput() {
	local d run c out
	d=$(run_dir throughput)
	essim_up T clusterA "$d" || return 1
	for ((run = 1; run <= RUNS; run++)); do
		for c in 1 8; do
			out=$("$LOADGEN" -c "$c" -n 10000 "127.0.0.1:$T_PORT" \
			    /_cluster/health) || return 1
			sample essim_get_rps "$c" - 'req/s' \
			    "$(echo "$out" | sed 's/.*rps=\([0-9]*\).*/\1/')"
		done
	done
	bench_stop "$T_PID"
	say "essim throughput: $out"
}

# --- detection ---------------------------------------------------------------
# bench_detection MODE: refused (kill -9 of the leader) or blackholed (the
# leader's essim hangs every request).
bench_detection() {
	local mode=$1 d run fault_ms lost_ms bound hang='{"path":"/","action":"hang"}'
	bound=$(( (DET_THRESHOLD - 1) * DET_POLL_MS ))
	[ "$mode" = blackholed ] && bound=$((bound + DET_TIMEOUT_MS))
	for ((run = 1; run <= RUNS; run++)); do
		d=$(run_dir "detect-$mode-$run")
		essim_up A clusterA "$d" && essim_up B clusterB "$d" &&
		    pairs_setup "$d" "$A_PORT" "$B_PORT" 1 1 || return 1
		daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" 1 "$DET_POLL_MS" \
		    "$DET_TIMEOUT_MS" "$DET_THRESHOLD"
		daemon_up D "$d" "$d/d.conf" || return 1
		# A few clean polls first: the follower's version is known.
		sleep 1
		if [ "$mode" = refused ]; then
			align_before_tick "$D_STATUS" "$DET_POLL_MS"
			fault_ms=$(now_ms)
			bench_stop "$A_PID" KILL
		else
			# A connection opened beforehand: starting curl
			# would take longer than the margin before the tick.
			exec 3<>"/dev/tcp/127.0.0.1/$A_PORT"
			align_before_tick "$D_STATUS" "$DET_POLL_MS"
			fault_ms=$(now_ms)
			printf 'POST /_essim/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
			    ${#hang} "$hang" >&3
			cat <&3 >/dev/null
			exec 3<&-
		fi
		if ! wait_until 30 log_has "$D_LOG" leader-lost; then
			echo "bench: no leader-lost ($mode)" >&2
			tail -n 20 "$D_LOG" >&2
			return 1
		fi
		lost_ms=$(log_ms "$D_LOG" leader-lost)
		sample "detect_${mode}_ms" 1 1 ms $((lost_ms - fault_ms))
		sample "detect_${mode}_ratio" 1 1 'x bound' \
		    "$(bench_ratio $((lost_ms - fault_ms)) "$bound")"
		bench_stop "$D_PID"
		bench_stop "$B_PID"
		bench_stop "$A_PID"
		rm -rf "$d"
	done
	say "detection ($mode): last $((lost_ms - fault_ms)) ms, bound $bound ms"
}

# --- steady polling ----------------------------------------------------------
# Sizes of one round's requests replayed with curl, as sent (with
# filter_path) and with filter_path removed: "filtered unfiltered" bytes,
# request plus response headers and body.
replay_round() {
	local lines=$1 cluster method path port f=0 u=0 b
	while read -r cluster method path; do
		[ "$cluster" = clusterA ] && port=$A_PORT || port=$B_PORT
		b=$("$CURL" -s -o /dev/null -X "$method" -m 10 \
		    -w '%{size_request} %{size_header} %{size_download}' \
		    "http://127.0.0.1:$port$path" | awk '{ print $1 + $2 + $3 }')
		f=$((f + b))
		path=$(echo "$path" | sed -E 's/([?&])filter_path=[^&]*&?/\1/; s/[?&]$//')
		b=$("$CURL" -s -o /dev/null -X "$method" -m 10 \
		    -w '%{size_request} %{size_header} %{size_download}' \
		    "http://127.0.0.1:$port$path" | awk '{ print $1 + $2 + $3 }')
		u=$((u + b))
	done <"$lines"
	echo "$f $u"
}

# bench_polling N WINDOW_S: N pairs of 5 shards, 1 s polls; CPU over RUNS
# windows of WINDOW_S seconds after a warm-up.
bench_polling() {
	local n=$1 window=$2 d run t0 t1 c0 c1 cpu first last r fu
	d=$(run_dir "poll-$n")
	essim_up A clusterA "$d" && essim_up B clusterB "$d" &&
	    pairs_setup "$d" "$A_PORT" "$B_PORT" "$n" 5 || return 1
	daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" "$n" 1000 2000 3
	daemon_up D "$d" "$d/d.conf" debug || return 1
	sleep 3
	first=$(grep -c ': poll: round ' "$D_LOG")
	for ((run = 1; run <= RUNS; run++)); do
		t0=$(now_ms)
		c0=$(cpu_ns "$D_PID")
		sleep "$window"
		c1=$(cpu_ns "$D_PID")
		t1=$(now_ms)
		cpu=$(awk -v ns=$((c1 - c0)) -v ms=$((t1 - t0)) \
		    'BEGIN { printf "%.2f", ns / 1e9 / (ms / 1000) * 3600 }')
		sample poll_cpu_s_per_h "$n" 5 'CPU-s/h' "$cpu"
		sample poll_cpu_ms_round "$n" 5 'ms/round' "$(awk -v ns=$((c1 - c0)) \
		    -v ms=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e6 / (ms / 1000) }')"
		sample poll_core_pct "$n" 5 '% core' \
		    "$(awk -v s="$cpu" 'BEGIN { printf "%.3f", s / 36 }')"
		sample poll_rss_peak "$n" 5 MiB "$(awk -v k="$(vm_kib "$D_PID" VmHWM)" \
		    'BEGIN { printf "%.2f", k / 1024 }')"
		if [ "$n" -ge 1000 ]; then
			sample essim_rss_leader "$n" 5 MiB "$(awk -v k="$(vm_kib "$A_PID" VmRSS)" \
			    'BEGIN { printf "%.2f", k / 1024 }')"
			sample essim_rss_follower "$n" 5 MiB "$(awk -v k="$(vm_kib "$B_PID" VmRSS)" \
			    'BEGIN { printf "%.2f", k / 1024 }')"
		fi
	done
	# The daemon's own count of each round after the warm-up: "poll:
	# round K: R requests, F failed, B bytes".
	grep ': poll: round ' "$D_LOG" | tail -n +"$((first + 1))" |
	    sed 's/.*: \([0-9]*\) requests, \([0-9]*\) failed, \([0-9]*\) bytes.*/\1 \3 \2/' |
	    while read -r r b f; do
		sample poll_requests "$n" 5 'req/poll' "$r"
		sample poll_bytes "$n" 5 'bytes/poll' "$b"
		[ "$f" -eq 0 ] || echo "bench: a poll round had $f failures" >&2
	done
	# The requests of the last RUNS complete rounds, replayed.
	last=$(grep -c ': poll: round ' "$D_LOG")
	for ((r = last - RUNS + 1; r <= last; r++)); do
		awk -v want="$r" '
		    / poll: round / { k++; next }
		    / poll: cluster/ && k == want - 1 {
			sub(/.* poll: /, ""); print }' "$D_LOG" >"$d/round.txt"
		fu=$(replay_round "$d/round.txt")
		sample poll_bytes_replay_filtered "$n" 5 'bytes/poll' "${fu% *}"
		sample poll_bytes_replay_unfiltered "$n" 5 'bytes/poll' "${fu#* }"
	done
	bench_stop "$D_PID"
	bench_stop "$B_PID"
	bench_stop "$A_PID"
	rm -rf "$d"
	say "polling $n x 5: $cpu CPU-s/h in the last window"
}

# --- promotion and failback ---------------------------------------------------
# The sequential way: one curl process per REST call, the four calls of an
# index in order, index after index.
promote_sequential() {
	local port=$1 n=$2 i name
	for ((i = 1; i <= n; i++)); do
		printf -v name 's-f-%04d' "$i"
		"$CURL" -s -o /dev/null -X POST "http://127.0.0.1:$port/$name/_ccr/pause_follow"
		"$CURL" -s -o /dev/null -X POST "http://127.0.0.1:$port/$name/_close"
		"$CURL" -s -o /dev/null -X POST "http://127.0.0.1:$port/$name/_ccr/unfollow"
		"$CURL" -s -o /dev/null -X POST "http://127.0.0.1:$port/$name/_open"
	done
}

# How many indices matching PATTERN on the cluster at PORT are still
# followers (of any status).
followers_left() {
	"$CURL" -s "http://127.0.0.1:$1/$2/_ccr/info?filter_path=follower_indices.follower_index" |
	    jq '.follower_indices // [] | length'
}

# bench_promotion N SHARDS RUN: one run. Three pairs of clusters are built
# alike, N follower indices each; the leaders die by kill -9 at once. The
# daemon promotes the first pair's followers, the sequential way the
# second's, one keep-alive connection the third's. Then the daemon's old
# leader comes back with its data and is failed back.
bench_promotion() {
	local n=$1 shards=$2 run=$3 d t0 t1 started finished seq_ms= dmn_ms= fb_ms= \
	    i name out
	d=$(run_dir "promote-$n-$shards-$run")
	mkdir -p "$d/seq" "$d/keep"
	essim_up A clusterA "$d" --data "$d/a.journal" &&
	    essim_up B clusterB "$d" &&
	    pairs_setup "$d" "$A_PORT" "$B_PORT" "$n" "$shards" p &&
	    essim_up C clusterA "$d/seq" && essim_up S clusterB "$d/seq" &&
	    pairs_setup "$d/seq" "$C_PORT" "$S_PORT" "$n" "$shards" s &&
	    essim_up E clusterA "$d/keep" && essim_up K clusterB "$d/keep" &&
	    pairs_setup "$d/keep" "$E_PORT" "$K_PORT" "$n" "$shards" k || return 1
	daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" "$n" "$ACT_POLL_MS" \
	    "$ACT_TIMEOUT_MS" "$ACT_THRESHOLD" p
	daemon_up D "$d" "$d/d.conf" || return 1
	bench_stop "$A_PID" KILL
	bench_stop "$C_PID" KILL
	bench_stop "$E_PID" KILL

	# The decision is the leader-lost line; the engine then logs
	# "promote started" (MESSAGE_ID promotion-started) and "promote
	# finished" (promotion-finished) once the last index is open.
	if [ "$DAEMON_ENGINE" != no ]; then
		if ! wait_until 30 log_has "$D_LOG" leader-lost; then
			echo "bench: no leader-lost after the kill" >&2
			return 1
		fi
		if [ "$DAEMON_ENGINE" = unknown ]; then
			if wait_until 5 log_has "$D_LOG" 'promote started'; then
				DAEMON_ENGINE=yes
			else
				DAEMON_ENGINE=no
				say "the daemon decided to promote but started no" \
				    "action: no action engine in this build"
			fi
		fi
	fi
	if [ "$DAEMON_ENGINE" = yes ]; then
		if ! wait_until 120 log_has "$D_LOG" 'promote finished'; then
			echo "bench: promotion of $n x $shards did not finish" >&2
			tail -n 20 "$D_LOG" >&2
			return 1
		fi
		started=$(log_ms "$D_LOG" 'promote started')
		finished=$(log_ms "$D_LOG" 'promote finished')
		dmn_ms=$((finished - started))
		sample promote_ms "$n" "$shards" ms "$dmn_ms"
		sample promote_decision_ms "$n" "$shards" ms \
		    $((finished - $(log_ms "$D_LOG" leader-lost)))
		[ "$(followers_left "$B_PORT" 'p-f-*')" = 0 ] ||
		    echo "bench: followers left after the daemon's promotion" >&2
	fi

	# At 1,000 indices the sequential way takes a minute or more (4,000
	# curl processes): fewer runs keep make bench within its budget.
	if [ "$n" -lt 1000 ] || [ "$run" -le "$SEQ_RUNS_1000" ]; then
		t0=$(now_ms)
		promote_sequential "$S_PORT" "$n"
		t1=$(now_ms)
		seq_ms=$((t1 - t0))
		sample promote_seq_ms "$n" "$shards" ms "$seq_ms"
		[ "$(followers_left "$S_PORT" 's-f-*')" = 0 ] ||
		    echo "bench: followers left after the sequential promotion" >&2
	fi

	# The same calls over one keep-alive connection, in order: what
	# essim itself needs to serve them.
	for ((i = 1; i <= n; i++)); do
		printf -v name 'k-f-%04d' "$i"
		printf 'POST /%s/_ccr/pause_follow\nPOST /%s/_close\nPOST /%s/_ccr/unfollow\nPOST /%s/_open\n' \
		    "$name" "$name" "$name" "$name"
	done >"$d/keepalive.req"
	# unfollow answers 500 with the leader down (the retention leases
	# could not be removed) yet converts the index: errors are expected.
	out=$("$LOADGEN" -c 1 -f "$d/keepalive.req" "127.0.0.1:$K_PORT" 2>/dev/null)
	sample promote_keepalive_ms "$n" "$shards" ms \
	    "$(echo "$out" | sed 's/.*elapsed_ms=\([0-9]*\).*/\1/')"
	[ "$(followers_left "$K_PORT" 'k-f-*')" = 0 ] ||
	    echo "bench: followers left after the keep-alive promotion" >&2

	[ -n "$dmn_ms" ] && [ -n "$seq_ms" ] && sample promote_speedup "$n" "$shards" x \
	    "$(bench_ratio "$seq_ms" "$dmn_ms")"

	if [ "$DAEMON_ENGINE" = yes ]; then
		essim_up A clusterA "$d" --data "$d/a.journal" \
		    --listen "127.0.0.1:$A_PORT" || return 1
		if ! wait_until 120 log_has "$D_LOG" 'failback finished'; then
			echo "bench: failback of $n x $shards did not finish" >&2
			tail -n 20 "$D_LOG" >&2
			return 1
		fi
		started=$(log_ms "$D_LOG" 'failback started')
		finished=$(log_ms "$D_LOG" 'failback finished')
		fb_ms=$((finished - started))
		sample failback_ms "$n" "$shards" ms "$fb_ms"
		bench_stop "$A_PID"
	fi
	bench_stop "$D_PID"
	bench_stop "$B_PID"
	bench_stop "$S_PID"
	bench_stop "$K_PID"
	rm -rf "$d"
	say "promotion $n x $shards run $run:${dmn_ms:+ daemon $dmn_ms ms}${fb_ms:+ failback $fb_ms ms}${seq_ms:+ sequential $seq_ms ms}"
}

# --- recovery in an outage ------------------------------------------------------
# The outage this daemon exists for: a lost region, where the old leader's
# packets vanish. essim then hangs every request to the leader, the
# follower's retention-lease removals included, so each unfollow answers
# only after essim's transport timeout (Elasticsearch's 30 s), although the
# index stops being a follower at once.
OUTAGE_HANG_MS=30000
OUTAGE_SEQ_N=10		# the sequential way takes the whole hang per index
OUTAGE_WAIT_S=${BENCH_OUTAGE_WAIT_S:-60}
OUTAGE_SEQ_PID=
OUTAGE_SEQ_DIR=

# outage_blackhole PORT: from now on the essim at PORT answers nothing.
outage_blackhole() {
	"$CURL" -s -o /dev/null -X POST -H 'Content-Type: application/json' \
	    -d '{"path":"/","action":"hang"}' "http://127.0.0.1:$1/_essim/faults"
}

# outage_writable PORT PREFIX N: one document into each of the N promoted
# indices; loadgen fails on any answer but 2xx (closed, or still following).
outage_writable() {
	local port=$1 pre=$2 n=$3 i
	for ((i = 1; i <= n; i++)); do
		printf 'POST /%s-f-%04d/_doc {"after":"promotion"}\n' "$pre" "$i"
	done >"$BENCH_TMP/writable.req"
	load "$port" "$BENCH_TMP/writable.req"
}

# bench_outage N RUN: N follower indices of 5 shards; the leader is
# blackholed and the daemon promotes. The figure runs from the decision
# (leader-lost) to the engine's "promote finished", after the last _open;
# then every index must take a write.
bench_outage() {
	local n=$1 run=$2 d lost finished
	d=$(run_dir "outage-$n-$run")
	essim_up A clusterA "$d" &&
	    essim_up B clusterB "$d" --transport-timeout-ms "$OUTAGE_HANG_MS" &&
	    pairs_setup "$d" "$A_PORT" "$B_PORT" "$n" 5 o || return 1
	daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" "$n" "$ACT_POLL_MS" \
	    "$ACT_TIMEOUT_MS" "$ACT_THRESHOLD" o
	daemon_up D "$d" "$d/d.conf" || return 1
	outage_blackhole "$A_PORT"
	if ! wait_until 30 log_has "$D_LOG" leader-lost; then
		echo "bench: no leader-lost after the blackhole" >&2
		tail -n 20 "$D_LOG" >&2
		return 1
	fi
	lost=$(log_ms "$D_LOG" leader-lost)
	if wait_until "$OUTAGE_WAIT_S" log_has "$D_LOG" 'promote finished'; then
		finished=$(log_ms "$D_LOG" 'promote finished')
		sample outage_blackholed_ms "$n" 5 ms $((finished - lost))
		[ "$(followers_left "$B_PORT" 'o-f-*')" = 0 ] ||
		    echo "bench: followers left after the blackholed promotion" >&2
		outage_writable "$B_PORT" o "$n" ||
		    echo "bench: promoted indices not all writable" >&2
		say "outage $n x 5 run $run: decision to all writable $((finished - lost)) ms"
	else
		sample outage_blackholed_unfinished "$n" 5 runs 1
		say "outage $n x 5 run $run: not finished ${OUTAGE_WAIT_S} s after the decision"
	fi
	bench_stop "$D_PID"
	bench_stop "$B_PID"
	bench_stop "$A_PID"
	rm -rf "$d"
}

# outage_seq_start: the sequential way (one curl per call, index after
# index) under the same blackhole, on its own pair of clusters. It spends
# its time waiting for the hang, so it runs in the background from the start
# of make bench; outage_seq_collect waits for it and takes its figure.
outage_seq_start() {
	local d
	d=$(run_dir outage-seq)
	essim_up Q clusterA "$d" &&
	    essim_up R clusterB "$d" --transport-timeout-ms "$OUTAGE_HANG_MS" &&
	    pairs_setup "$d" "$Q_PORT" "$R_PORT" "$OUTAGE_SEQ_N" 5 s || return 1
	outage_blackhole "$Q_PORT"
	(
		t0=$(now_ms)
		promote_sequential "$R_PORT" "$OUTAGE_SEQ_N"
		echo $(($(now_ms) - t0)) >"$d/seq.ms"
	) &
	OUTAGE_SEQ_PID=$!
	bench_track "$OUTAGE_SEQ_PID"
	OUTAGE_SEQ_DIR=$d
}

outage_seq_collect() {
	[ -n "$OUTAGE_SEQ_PID" ] || return 1
	wait "$OUTAGE_SEQ_PID"
	bench_untrack "$OUTAGE_SEQ_PID"
	if [ -s "$OUTAGE_SEQ_DIR/seq.ms" ]; then
		sample outage_seq_ms "$OUTAGE_SEQ_N" 5 ms "$(cat "$OUTAGE_SEQ_DIR/seq.ms")"
		[ "$(followers_left "$R_PORT" 's-f-*')" = 0 ] ||
		    echo "bench: followers left after the sequential way" >&2
	fi
	bench_stop "$R_PID"
	bench_stop "$Q_PID"
	say "outage, sequential way on $OUTAGE_SEQ_N indices: $(cat "$OUTAGE_SEQ_DIR/seq.ms" 2>/dev/null) ms"
}

# outage_cell N: the blackholed figure, with the runs that did not finish.
outage_cell() {
	local c u
	c=$(cell outage_blackholed_ms "$1" 5)
	u=$(awk -F, -v n="$1" '$1 == "outage_blackholed_unfinished" && $2 == n { print $5 }' \
	    "$RESULTS/bench.csv")
	if [ -z "$u" ]; then
		echo "$c"
	elif [ "$c" = - ]; then
		echo "not finished in ${OUTAGE_WAIT_S} s ($u run(s))"
	else
		echo "$c; $u run(s) not finished in ${OUTAGE_WAIT_S} s"
	fi
}

# The projection of the sequential way from OUTAGE_SEQ_N indices to N.
outage_projection() {
	awk -F, -v n="$1" -v k="$OUTAGE_SEQ_N" '
	    $1 == "outage_seq_ms" && $2 == k { printf "%.0f (projected)", $6 * n / k; found = 1 }
	    END { if (!found) print "-" }' "$RESULTS/bench.csv"
}

bench_report_outage() {
	local n
	echo
	echo "**Recovery in an outage** (follower indices of 5 shards; times in ms from the" \
	    "decision, leader-lost, to the last index open and writable)"
	echo
	echo '| Case | 1 index | 100 indices | 1,000 indices | Target, 1,000 |'
	echo '|---|---:|---:|---:|---|'
	echo "| leader blackholed, each unfollow hangs $((OUTAGE_HANG_MS / 1000)) s: daemon |" \
	    "$(outage_cell 1) | $(outage_cell 100) | $(outage_cell 1000) | < 2000 |"
	echo "| leader blackholed: sequential curl (measured on $OUTAGE_SEQ_N indices:" \
	    "$(cell outage_seq_ms "$OUTAGE_SEQ_N" 5)) |" \
	    "$(outage_projection 1) | $(outage_projection 100) | $(outage_projection 1000) | |"
	echo "| leader killed (kill -9): daemon |" \
	    "$(cell promote_decision_ms 1 5) | $(cell promote_decision_ms 100 5) |" \
	    "$(cell promote_decision_ms 1000 5) | < 500 |"
	echo "| leader killed: sequential curl / daemon (promote started to finished) |" \
	    "$(cell promote_speedup 1 5) | $(cell promote_speedup 100 5) |" \
	    "$(cell promote_speedup 1000 5) | >= 50 |"
	echo "| failback once the killed leader is back: daemon |" \
	    "$(cell failback_ms 1 5) | $(cell failback_ms 100 5) |" \
	    "$(cell failback_ms 1000 5) | < 1500 |"
	echo
	echo '| Steady polling, 1,000 pairs of 5 shards, 1 s interval | Median (min-max) | Target |'
	echo '|---|---:|---|'
	echo "| CPU per round, ms | $(cell poll_cpu_ms_round 1000 5) | <= 4 |"
	echo "| peak RSS, MiB | $(cell poll_rss_peak 1000 5) | < 14 |"
	echo
	echo "How: essim hangs every request to the blackholed leader, the follower's" \
	    "retention-lease removals included, so each unfollow answers after essim's" \
	    "--transport-timeout-ms $OUTAGE_HANG_MS (Elasticsearch's transport connect" \
	    "timeout) although the index stopped being a follower at once. After the" \
	    "daemon's promotion every index takes a document. The sequential way (one curl" \
	    "per call: pause_follow, _close, unfollow, _open, index after index) waits out" \
	    "every hang; it is measured once on $OUTAGE_SEQ_N indices and projected" \
	    "linearly. The killed-leader rows come from the promotion runs above."
}

# --- report ---------------------------------------------------------------------
target() {	# METRIC N -> the target, if any (bench.csv's last column)
	case $1,$2 in
	detect_*_ratio,*) echo '<= 1.10' ;;
	poll_cpu_s_per_h,1000) echo '< 14.4' ;;
	poll_core_pct,1000) echo '< 0.4' ;;
	poll_rss_peak,1000) echo '< 14' ;;
	poll_cpu_ms_round,1000) echo '<= 4' ;;
	promote_ms,1000) echo '< 500' ;;
	promote_decision_ms,1000) echo '< 500' ;;
	promote_speedup,1000) echo '>= 50' ;;
	failback_ms,1000) echo '< 1500' ;;
	outage_blackholed_ms,1000) echo '< 2000' ;;
	*) echo '' ;;
	esac
}

# cell METRIC N SHARDS: "median (min-max)" from bench.csv, "median (1 run)"
# for a single run, "-" when not measured.
cell() {
	awk -F, -v m="$1" -v n="$2" -v s="$3" '
	    $1 == m && $2 == n && $3 == s {
		if ($5 == 1) print $6 " (1 run)"
		else if ($7 == $8) print $6
		else print $6 " (" $7 "-" $8 ")"
		found = 1
	    }
	    END { if (!found) print "-" }' "$RESULTS/bench.csv"
}

bench_report() {
	local csv="$RESULTS/bench.csv" md="$RESULTS/bench.md" \
	    metric n shards unit runs med min max mode bound
	echo 'metric,n,shards,unit,runs,median,min,max,target' >"$csv"
	bench_aggregate <"$SAMPLES" |
	    while IFS=, read -r metric n shards unit runs med min max; do
		echo "$metric,$n,$shards,$unit,$runs,$med,$min,$max,$(target "$metric" "$n")"
	done >>"$csv"
	{
		echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d), $(nproc) CPUs" \
		    "($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
		echo "loopback, $("$ESSIM" -V 2>&1 | head -n 1)."
		echo "Each cell: median (min-max) of $RUNS runs unless marked; targets in"
		echo "the last row or column. Load average $LOAD_START at the start,"
		echo "$(cut -d ' ' -f 1-3 /proc/loadavg) at the end (anything else running on the"
		echo "machine shows here)."
		echo
		echo '**essim** (a reader can check it is not the bottleneck)'
		echo
		echo '| Figure | Median (min-max) |'
		echo '|---|---:|'
		echo "| GET /_cluster/health, 1 keep-alive connection, req/s | $(cell essim_get_rps 1 -) |"
		echo "| GET /_cluster/health, 8 keep-alive connections, req/s | $(cell essim_get_rps 8 -) |"
		echo "| RSS of the leader, 1,000 indices x 5 shards, MiB | $(cell essim_rss_leader 1000 5) |"
		echo "| RSS of the follower, 1,000 followers x 5 shards, MiB | $(cell essim_rss_follower 1000 5) |"
		echo "| the 4,000 promotion calls for 1,000 followers x 1 shard, in order on one keep-alive connection, ms | $(cell promote_keepalive_ms 1000 1) |"
		echo "| the same, 5 shards, ms | $(cell promote_keepalive_ms 1000 5) |"
		echo
		echo "**Detection** (poll_interval_ms $DET_POLL_MS, request_timeout_ms" \
		    "$DET_TIMEOUT_MS, failure_threshold $DET_THRESHOLD)"
		echo
		echo '| Leader | Fault to leader-lost, ms | Bound, ms | Ratio | Target |'
		echo '|---|---:|---:|---:|---|'
		for mode in refused blackholed; do
			bound=$(( (DET_THRESHOLD - 1) * DET_POLL_MS ))
			[ "$mode" = blackholed ] && bound=$((bound + DET_TIMEOUT_MS))
			echo "| $mode$([ "$mode" = refused ] && echo ' (kill -9)' || echo ' (every request hangs)') |" \
			    "$(cell "detect_${mode}_ms" 1 1) | $bound |" \
			    "$(cell "detect_${mode}_ratio" 1 1) | <= 1.10 |"
		done
		echo
		echo '**Steady polling** (poll_interval_ms 1000, index pairs of 5 shards)'
		echo
		echo '| Index pairs | CPU-s per hour | % of a core | Peak RSS, MiB | Requests per poll | Bytes per poll | Replayed with filter_path | Without filter_path |'
		echo '|---:|---:|---:|---:|---:|---:|---:|---:|'
		for n in 10 1000; do
			echo "| $n | $(cell poll_cpu_s_per_h "$n" 5) | $(cell poll_core_pct "$n" 5) |" \
			    "$(cell poll_rss_peak "$n" 5) | $(cell poll_requests "$n" 5) |" \
			    "$(cell poll_bytes "$n" 5) | $(cell poll_bytes_replay_filtered "$n" 5) |" \
			    "$(cell poll_bytes_replay_unfiltered "$n" 5) |"
		done
		echo '| target, 1,000 | < 14.4 (4 ms a round) | < 0.4 | < 14 | | | | |'
		echo
		echo '**Promotion and failback** (leader killed with kill -9; times in ms)'
		echo
		echo '| Follower indices | Shards | Daemon: promote started to finished | Sequential curl | Sequential / daemon | Daemon: failback |'
		echo '|---:|---:|---:|---:|---:|---:|'
		for shards in 1 5; do
			for n in ${BENCH_SIZES:-1 10 100 1000}; do
				echo "| $n | $shards | $(cell promote_ms "$n" "$shards") |" \
				    "$(cell promote_seq_ms "$n" "$shards") |" \
				    "$(cell promote_speedup "$n" "$shards") |" \
				    "$(cell failback_ms "$n" "$shards") |"
			done
		done
		echo '| target, 1,000 | | < 500 | | >= 50 | < 1500 |'
		if [ "$DAEMON_ENGINE" = no ]; then
			echo
			echo "**Not measured: promotion and failback by the daemon.** This build's" \
			    "daemon decides to promote (leader-lost) but starts no action: its" \
			    "action engine is not part of it. Only the sequential way was timed."
		fi
		echo
		echo "How: detection injects the fault 20 ms before a poll (a fault at a random" \
		    "moment adds up to one interval) and ends at the daemon's leader-lost log line;" \
		    "the bound is (failure_threshold - 1) x poll_interval_ms, plus" \
		    "request_timeout_ms when blackholed. Polling CPU is the daemon's on-CPU time" \
		    "(/proc/PID/task/*/schedstat) over $RUNS windows of ${POLL_WINDOW_SMALL}s (10 pairs)" \
		    "and ${POLL_WINDOW_LARGE}s (1,000 pairs) after a warm-up; requests and bytes (request" \
		    "and response, headers and bodies) are the daemon's own per-poll counters, over" \
		    "every poll of the windows; the daemon always sends filter_path, so the" \
		    "unfiltered size comes from replaying a poll's requests with curl without it." \
		    "Promotion runs from the engine's \"promote started\" to its \"promote" \
		    "finished\" log line (journal MESSAGE_IDs promotion-started and" \
		    "promotion-finished; the latter comes after the last index's _open), with the" \
		    "daemon's defaults (max_requests_per_cluster 16) and its state directory on" \
		    "$(df -T "$BENCH_TMP" | awk 'NR == 2 { print $2 }'); failback likewise once the" \
		    "old leader is back with its data. The sequential way runs one curl process" \
		    "per call, pause_follow, _close, unfollow, _open, index after index, on a second" \
		    "pair of clusters built alike whose leader was killed at the same moment" \
		    "(the keep-alive figure on a third)" \
		    "(at 1,000 indices it takes over half a minute, so it runs $SEQ_RUNS_1000 time(s))."
	} >"$md"
}

bench_plot() {
	local dat="$BENCH_TMP/plot" f
	command -v gnuplot >/dev/null || { say "no gnuplot: no plot"; return 0; }
	mkdir -p "$dat"
	for f in promote_ms promote_seq_ms; do
		for s in 1 5; do
			awk -F, -v m="$f" -v s="$s" '$1 == m && $3 == s { print $2, $6, $7, $8 }' \
			    "$RESULTS/bench.csv" >"$dat/$f-$s.dat"
		done
	done
	if ! cat "$dat"/*.dat | grep -q .; then
		say "no promotion figures: no plot"
		return 0
	fi
	gnuplot -e "dir='$dat'; out='$RESULTS/promotion.png'" "$here/plot.gp" ||
	    say "gnuplot failed: no plot"
}

# --- main ------------------------------------------------------------------------
BENCH_START_MS=$(now_ms)
LOAD_START=$(cut -d ' ' -f 1-3 /proc/loadavg)
POLL_WINDOW_SMALL=${BENCH_POLL_WINDOW_SMALL:-5}
POLL_WINDOW_LARGE=${BENCH_POLL_WINDOW_LARGE:-12}
for p in "$FAILOVERD" "$ESSIM" "$LOADGEN"; do
	[ -x "$p" ] || { echo "bench: $p is not built" >&2; exit 1; }
done
for p in "$CURL" jq; do
	command -v "$p" >/dev/null || { echo "bench: $p is missing" >&2; exit 1; }
done
bench_tmp_init
mkdir -p "$RESULTS"
rm -f "$RESULTS/bench.md" "$RESULTS/bench.csv" "$RESULTS/promotion.png"
: >"$SAMPLES"

want() {
	case " ${BENCH_SECTIONS:-throughput detection polling promotion outage} " in
	*" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}
if want outage; then
	say "outage: the sequential way under a blackhole, in the background"
	outage_seq_start || exit 1
fi
if want throughput; then
	say "essim throughput"
	bench_throughput || exit 1
fi
if want detection; then
	say "detection"
	bench_detection refused || exit 1
	bench_detection blackholed || exit 1
fi
if want polling; then
	say "steady polling"
	bench_polling 10 "$POLL_WINDOW_SMALL" || exit 1
	bench_polling 1000 "$POLL_WINDOW_LARGE" || exit 1
fi
if want promotion; then
	say "promotion and failback"
	for shards in 1 5; do
		for n in ${BENCH_SIZES:-1 10 100 1000}; do
			for ((run = 1; run <= RUNS; run++)); do
				# Past the budget, one run of the largest N.
				if [ "$n" -ge 1000 ] && [ "$run" -gt 1 ] &&
				    [ $(( ($(now_ms) - BENCH_START_MS) / 1000 )) -ge "$BUDGET_S" ]; then
					say "promotion $n x $shards: run $run skipped, past ${BUDGET_S}s"
					continue
				fi
				bench_promotion "$n" "$shards" "$run" || exit 1
			done
		done
	done
fi
if want outage; then
	say "recovery in an outage"
	for n in 1 100 1000; do
		for ((run = 1; run <= RUNS; run++)); do
			if [ "$n" -ge 1000 ] && [ "$run" -gt 1 ] &&
			    [ $(( ($(now_ms) - BENCH_START_MS) / 1000 )) -ge "$BUDGET_S" ]; then
				say "outage $n x 5: run $run skipped, past ${BUDGET_S}s"
				continue
			fi
			bench_outage "$n" "$run" || exit 1
		done
	done
	outage_seq_collect
fi
bench_report
want outage && bench_report_outage >>"$RESULTS/bench.md"
bench_plot
cat "$RESULTS/bench.md"
echo
say "results in $RESULTS (bench.md, bench.csv, samples.csv$([ -f "$RESULTS/promotion.png" ] && echo ', promotion.png'))"
echo "total time: $(( ($(now_ms) - BENCH_START_MS) / 1000 )) s"
