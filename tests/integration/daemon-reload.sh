#!/bin/bash
# A reload never ends the daemon: an @include naming a directory makes
# libconfig 1.5's scanner exit the process, so the new configuration is read
# in a child first and the child's exit status decides. Hundreds of
# rejected reloads leave the daemon's memory and descriptors where they
# were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
CONF="$TEST_DIR/reload.conf"
conf_write "$CONF"
cp "$CONF" "$TEST_DIR/good.conf"

# ASan's quarantine holds freed memory back for a while, which would read
# as growth here.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0"
export ASAN_OPTIONS
ok "the daemon starts" daemon_start "$CONF"
ok "REPLICATING" wait_for 5 state_is REPLICATING

for inc in '.' '' '/'; do
	log_mark
	{ cat "$TEST_DIR/good.conf"; printf '@include "%s"\n' "$inc"; } >"$CONF"
	kill -HUP "$DAEMON_PID"
	ok "SIGHUP with @include \"$inc\": rejected, the cause named" \
	    wait_for 5 log_since_has "warning: reload rejected, keeping the running configuration: $CONF: reading it ended the process with exit status 2"
	ok "... the daemon is alive" daemon_alive
	ok "... and polls on" polls_pass 2
done
ok "... REPLICATING" state_is REPLICATING

log_mark
CONF_POLL_MS=200 CONF_TIMEOUT_MS=180 conf_write "$CONF"
kill -HUP "$DAEMON_PID"
ok "a good file afterwards still reloads" \
    wait_for 5 log_since_has "notice: configuration reloaded from $CONF"

# reload_rejected_n N: N rejected reloads, one at a time, cycling through a
# directory include, a libconfig syntax error, a type mismatch and the
# string token libconfig 1.5 leaks (tests/valgrind/valgrind.supp).
rejected() {
	grep -c 'reload rejected' "$DAEMON_LOG"
}
reload_rejected_n() {
	local n=$1 i before
	for ((i = 0; i < n; i++)); do
		case $((i % 4)) in
		0) { cat "$TEST_DIR/good.conf"; echo '@include "."'; } >"$CONF" ;;
		1) printf 'clusters = {\n' >"$CONF" ;;
		2) printf 'x = [ 1, "a" ];\n' >"$CONF" ;;
		3) printf 'poll_interval_ms "500";\n' >"$CONF" ;;
		esac
		before=$(rejected)
		kill -HUP "$DAEMON_PID"
		wait_for 5 bash -c '[ "$(grep -c "reload rejected" "$1")" -gt "$2" ]' \
		    _ "$DAEMON_LOG" "$before" || return 1
	done
}
rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$DAEMON_PID/status"
}
fds() {
	ls "/proc/$DAEMON_PID/fd" | wc -l
}

ok "30 rejected reloads (warm-up)" reload_rejected_n 30
rss0=$(rss_kib)
fd0=$(fds)
ok "300 more rejected reloads" reload_rejected_n 300
rss1=$(rss_kib)
fd1=$(fds)
echo "# RSS ${rss0} KiB -> ${rss1} KiB, descriptors $fd0 -> $fd1"
# ASan's allocator keeps more to itself than glibc's; its leak check at
# the daemon's exit (below) is the finer test there.
allow=256
grep -q __asan_init "$FAILOVERD" && allow=1024
ok "... RSS grew by less than $allow KiB" [ $((rss1 - rss0)) -lt "$allow" ]
ok "... no descriptor left open" [ "$fd1" -le "$fd0" ]
ok "... the daemon is alive" daemon_alive
cp "$TEST_DIR/good.conf" "$CONF"
ok "... no sanitizer report" no_sanitizer_report
ok "... stops cleanly" daemon_stop
essim_stop_all
finish
