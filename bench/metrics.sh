# Sourced by bench/run.sh: what a Prometheus scrape of /metrics costs.

# scrape_full URL N: a scrape shows the lag and the time since the last
# read of all N pairs (the latter fills in as polls sample 64 indices each).
scrape_full() {
	local s
	s=$("$CURL" -s -m 10 "$1")
	[ "$(grep -c '^ccr_failoverd_follower_lag_operations{' <<<"$s")" -eq "$2" ] &&
	    [ "$(grep -c '^ccr_failoverd_follower_time_since_last_read_seconds{' <<<"$s")" -eq "$2" ]
}

# bench_metrics N: the daemon watching N pairs (1 shard each, 1 s polls)
# with metrics_listen; once every pair's series are in the scrape, RUNS times
# 50 scrapes in a row with curl: each scrape's wall time (connect, request,
# the whole body), and the daemon's CPU per scrape over the 50.
bench_metrics() {
	local n=$1 d run k addr url c0 c1 t scrapes=50
	d=$(run_dir "metrics-$n")
	essim_up A clusterA "$d" && essim_up B clusterB "$d" &&
	    pairs_setup "$d" "$A_PORT" "$B_PORT" "$n" 1 m || return 1
	daemon_conf "$d/d.conf" "$A_PORT" "$B_PORT" "$n" 1000 2000 3 m
	echo 'metrics_listen = "127.0.0.1:0";' >>"$d/d.conf"
	daemon_up D "$d" "$d/d.conf" || return 1
	addr=$(sed -n 's|.*metrics: serving http://\([^/]*\)/metrics.*|\1|p' \
	    "$D_LOG" | head -n 1)
	url="http://$addr/metrics"
	if ! wait_until 60 scrape_full "$url" "$n"; then
		echo "bench: the scrape never showed all $n pairs" >&2
		return 1
	fi
	sample metrics_scrape_bytes "$n" 1 bytes \
	    "$("$CURL" -s -m 10 "$url" | wc -c)"
	for ((run = 1; run <= RUNS; run++)); do
		c0=$(cpu_ns "$D_PID")
		for ((k = 1; k <= scrapes; k++)); do
			t=$("$CURL" -s -m 10 -o /dev/null -w '%{time_total}' "$url")
			sample metrics_scrape_ms "$n" 1 ms \
			    "$(awk -v t="$t" 'BEGIN { printf "%.3f", t * 1000 }')"
		done
		c1=$(cpu_ns "$D_PID")
		sample metrics_scrape_cpu_ms "$n" 1 ms "$(awk -v ns=$((c1 - c0)) \
		    -v k="$scrapes" 'BEGIN { printf "%.3f", ns / 1e6 / k }')"
	done
	bench_stop "$D_PID"
	bench_stop "$B_PID"
	bench_stop "$A_PID"
	rm -rf "$d"
	say "metrics $n pairs: last scrape $t s"
}

# bench_metrics_report: the Markdown table (its cells read bench.csv).
bench_metrics_report() {
	echo
	echo '**Scraping /metrics** (curl on loopback; the daemon polls every second meanwhile)'
	echo
	echo '| Index pairs | Scrape, ms (curl time_total) | Daemon CPU per scrape, ms | Bytes |'
	echo '|---:|---:|---:|---:|'
	echo "| 1000 | $(cell metrics_scrape_ms 1000 1) | $(cell metrics_scrape_cpu_ms 1000 1) | $(cell metrics_scrape_bytes 1000 1) |"
	echo '| target, 1,000 | < 5 | < 5 | |'
	echo
	echo "How: the scrape time is curl's time_total for one GET of /metrics (new" \
	    "connection, request, whole body), over $RUNS x 50 scrapes in a row; the CPU" \
	    "is the daemon's on-CPU time over each 50 scrapes, divided by 50 (its" \
	    "polling, about 1% of a core, is included)."
}
