#!/bin/bash
# The daemon under systemd, as far as a test can play systemd: sd_notify
# datagrams on a socket of the test's own (READY=1 after the first poll,
# STATUS= lines that follow the state, WATCHDOG=1 for the right pid only,
# RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM), a prompt exit
# 0 on SIGTERM and SIGINT, and log lines on stderr with their CCR_* fields
# when stderr is not the journal.
#
# The stop bound is generous on purpose: under the sanitizers, the exit
# scan of LeakSanitizer alone takes about 1.5 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

STOP_BOUND_MS=5000
SOCK="$TEST_DIR/notify.sock"
GOT="$TEST_DIR/notify.txt"

ok "clusterB's $IDX2 follows clusterA's $IDX" ccr_pair
B=$ESSIM_clusterB_URL
CONF="$TEST_DIR/systemd.conf"
conf_write "$CONF"

# got ERE: a datagram matched.
got() {
	grep -qE -- "$1" "$GOT"
}
# got_count ERE: how many datagrams matched.
got_count() {
	grep -cE -- "$1" "$GOT"
}
# got_after FIRST-ERE THEN-ERE: a datagram matching THEN came after the
# first one matching FIRST.
got_after() {
	awk -v a="$1" -v b="$2" '$0 ~ a && !s { s = 1; next } s && $0 ~ b { f = 1 } END { exit !f }' "$GOT"
}
# last_status: the last STATUS= text.
last_status() {
	grep '^STATUS=' "$GOT" | tail -n 1 | cut -d= -f2-
}

# WATCHDOG_PID must name the daemon: a wrapper that execs keeps its pid.
cat >"$TEST_DIR/self-watchdog" <<'EOF'
#!/bin/sh
WATCHDOG_PID=$$
export WATCHDOG_PID
exec "$@"
EOF
chmod +x "$TEST_DIR/self-watchdog"

# --- notify, watchdog, reload, stop -----------------------------------------
ok "the notify sink listens" sink_start "$SOCK" "$GOT"
NOTIFY_SINK_PID=$SINK_PID
export NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=400000
DAEMON_WRAPPER="$TEST_DIR/self-watchdog"
ok "the daemon starts" daemon_start "$CONF"
unset DAEMON_WRAPPER
ok "READY=1 once the first poll completed" wait_for 5 got '^READY=1$'
ok "... before it, STATUS= says the first poll is pending" \
    [ "$(grep -m 1 -E '^(STATUS|READY)=' "$GOT")" = \
    'STATUS=starting, first poll pending' ]
ok "... after the first poll was logged" log_has 'info: first poll done: REPLICATING'
ok "... and only once" [ "$(got_count '^READY=1$')" = 1 ]
ok "STATUS= names state, leader and lag" \
    wait_for 5 got '^STATUS=REPLICATING, leader clusterA, lag 0 ops$'
ok "WATCHDOG=1 pings from the loop (period 400 ms, every 200 ms)" \
    wait_for 5 bash -c '[ "$(grep -c "^WATCHDOG=1$" "$1")" -ge 5 ]' _ "$GOT"

es_status POST "$B/$IDX2/_ccr/pause_follow" >/dev/null
ok "a state change changes STATUS=" \
    wait_for 5 got '^STATUS=DEGRADED, leader clusterA'
es_status POST "$B/$IDX2/_ccr/resume_follow" >/dev/null
ok "... and back" wait_for 5 got_after '^STATUS=DEGRADED' \
    '^STATUS=REPLICATING, leader clusterA, lag 0 ops$'
kill -USR2 "$DAEMON_PID"
ok "held shows in STATUS=" wait_for 5 got '^STATUS=REPLICATING \(held\), leader clusterA'
ok "STATUS= is sent when it changes, not every poll" \
    [ "$(got_count '^STATUS=')" -le 7 ]

kill -HUP "$DAEMON_PID"
ok "SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
    wait_for 5 got '^RELOADING=1 \| MONOTONIC_USEC=[0-9]+$'
ok "... then READY=1" wait_for 5 got_after '^RELOADING=1' '^READY=1$'
ok "... the reload was logged" wait_for 5 log_has 'notice: configuration reloaded from'

ok "SIGTERM: exit 0" daemon_stop TERM
ok "... within $STOP_BOUND_MS ms (took $DAEMON_STOP_MS ms)" \
    [ "$DAEMON_STOP_MS" -lt "$STOP_BOUND_MS" ]
ok "... STOPPING=1 is the last word" \
    [ "$(grep -v '^WATCHDOG=1$' "$GOT" | tail -n 1)" = STOPPING=1 ]
ok "... logged" log_has 'notice: Terminated: stopping'

# --- a watchdog meant for another process ----------------------------------
daemon_dirs other
: >"$GOT"
export WATCHDOG_PID=1
ok "a daemon whose WATCHDOG_PID is not its own starts" daemon_start "$CONF"
ok "... is READY" wait_for 5 got '^READY=1$'
polls_pass 4
ok "... but sends no WATCHDOG=1" [ "$(got_count '^WATCHDOG=1$')" = 0 ]
ok "SIGINT: exit 0" daemon_stop INT
ok "... within $STOP_BOUND_MS ms (took $DAEMON_STOP_MS ms)" \
    [ "$DAEMON_STOP_MS" -lt "$STOP_BOUND_MS" ]
ok "... STOPPING=1" got '^STOPPING=1$'
ok "... logged" log_has 'notice: Interrupt: stopping'
unset WATCHDOG_PID WATCHDOG_USEC

# --- no NOTIFY_SOCKET, stderr log lines -------------------------------------
daemon_dirs plain
: >"$GOT"
unset NOTIFY_SOCKET
ok "without NOTIFY_SOCKET the daemon runs all the same" daemon_start "$CONF"
ok "... and sends nothing" [ ! -s "$GOT" ]
es_status POST "$B/$IDX2/_ccr/pause_follow" >/dev/null
ok "stderr lines: stamp, ident[pid], level, message, CCR_* fields" \
    wait_for 5 log_has "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z ccr-failoverd\[$DAEMON_PID\]: notice: state REPLICATING -> DEGRADED: degraded: index $IDX2 paused CCR_STATE=DEGRADED$"
ok "... an event line carries CCR_CLUSTER and CCR_STATE" \
    log_has "warning: degraded: index $IDX2 paused CCR_CLUSTER=clusterB CCR_STATE=DEGRADED$"
es_status POST "$B/$IDX2/_ccr/resume_follow" >/dev/null
ok "... back to REPLICATING" wait_for 5 state_is REPLICATING
ok "SIGTERM: exit 0" daemon_stop TERM

# --log-level filters.
daemon_dirs warning
ok "--log-level warning: the daemon starts" daemon_start "$CONF" \
    --log-level warning
es_status POST "$B/$IDX2/_ccr/pause_follow" >/dev/null
ok "... warnings are logged" \
    wait_for 5 log_has 'warning: degraded: index'
ok "... notices and info are not" log_lacks ': (notice|info|debug): '
es_status POST "$B/$IDX2/_ccr/resume_follow" >/dev/null
ok "... back to REPLICATING" wait_for 5 state_is REPLICATING
ok "SIGTERM: exit 0" daemon_stop TERM

# JOURNAL_STREAM naming some other file is not the journal: stderr it is.
daemon_dirs other-stream
: >"$DAEMON_LOG"
export JOURNAL_STREAM="$(stat -c '%d:%i' "$GOT")"
ok "JOURNAL_STREAM naming another file: still lines on stderr" \
    daemon_start "$CONF"
ok "... the start is logged there" log_has 'info: started '
ok "SIGTERM: exit 0" daemon_stop TERM
unset JOURNAL_STREAM

ok "SIGTERM ends the sink" kill "$NOTIFY_SINK_PID"
ok "... cleanly" wait "$NOTIFY_SINK_PID"

# --- journald -----------------------------------------------------------------
# With stderr being the journal (JOURNAL_STREAM names it), records go to
# journald's socket. A private mount namespace puts a sink of the test's
# own at /run/systemd/journal/socket; that needs root and unshare.
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	JGOT="$TEST_DIR/journal.txt"
	mkdir -p "$TEST_DIR/jrun/systemd/journal"
	ok "a journal sink listens" \
	    sink_start "$TEST_DIR/jrun/systemd/journal/socket" "$JGOT"
	printf '#!/bin/sh\nmount --bind "%s" /run || exit 1\nexec "$@"\n' \
	    "$TEST_DIR/jrun" >"$TEST_DIR/private-run"
	chmod +x "$TEST_DIR/private-run"
	daemon_dirs journal
	: >"$DAEMON_LOG"
	export JOURNAL_STREAM="$(stat -c '%d:%i' "$DAEMON_LOG")"
	DAEMON_WRAPPER="unshare -m --propagation private $TEST_DIR/private-run"
	ok "stderr is the journal: the daemon starts" daemon_start "$CONF"
	unset DAEMON_WRAPPER JOURNAL_STREAM
	jgot() {
		grep -qE -- "$1" "$JGOT"
	}
	ok "... the start is a journal record with its MESSAGE_ID" \
	    wait_for 5 jgot '^MESSAGE=started .* \| PRIORITY=6 \| SYSLOG_IDENTIFIER=ccr-failoverd \| MESSAGE_ID=f26c2f1f322e49cd9dfc42eef54e3d10$'
	es_status POST "$B/$IDX2/_ccr/pause_follow" >/dev/null
	ok "... a state change carries CCR_STATE" \
	    wait_for 5 jgot "^MESSAGE=state REPLICATING -> DEGRADED: degraded: index $IDX2 paused \| PRIORITY=5 \| SYSLOG_IDENTIFIER=ccr-failoverd \| MESSAGE_ID=1de53ee432e349d99f6f298d04964ca7 \| CCR_STATE=DEGRADED\$"
	ok "... the degraded event CCR_CLUSTER too, as a warning" \
	    jgot "^MESSAGE=degraded: index $IDX2 paused \| PRIORITY=4 \| SYSLOG_IDENTIFIER=ccr-failoverd \| MESSAGE_ID=9a1b2b9a884c4a6c830fd7cf0c6e873f \| CCR_CLUSTER=clusterB \| CCR_STATE=DEGRADED\$"
	es_status POST "$B/$IDX2/_ccr/resume_follow" >/dev/null
	wait_for 5 state_is REPLICATING
	essim_kill clusterA KILL
	ok "... leader lost: its own MESSAGE_ID" \
	    wait_for 10 jgot '^MESSAGE=leader-lost: leader lost after 3 polls .* \| PRIORITY=4 \| SYSLOG_IDENTIFIER=ccr-failoverd \| MESSAGE_ID=d62a0f77500043aea65299ff2e542bdc \| CCR_CLUSTER=clusterA \| CCR_STATE=PROMOTING$'
	ok "SIGTERM: exit 0" daemon_stop
	ok "... nothing of it on stderr" log_lacks 'started|state |leader-lost'
	ok "the journal sink stops" kill "$SINK_PID"
else
	echo "# not root or no unshare: the journald part is skipped"
fi
ok "no sanitizer report from the daemons" \
    bash -c '! grep -l Sanitizer "$1"/*/daemon.log' _ "$TEST_DIR"
ok "both clusters stop cleanly" essim_stop_all

finish
