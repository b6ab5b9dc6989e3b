#!/bin/bash
# One full promotion and failback with the daemon and ccr-failoverctl under
# valgrind memcheck, against two essims: the leader is killed, the follower
# promoted, the old leader comes back, the failback waits for the
# operator's confirm (given with ccr-failoverctl) and reverses the roles.
# Every valgrind'd process must end with 0 errors and 0 bytes definitely or
# indirectly lost.
. "$abs_top_srcdir/tests/integration/lib.sh"
. "$abs_top_srcdir/tests/integration/action-lib.sh"
VG_LOGS=$TEST_DIR/valgrind
mkdir -p "$VG_LOGS"
. "$abs_top_srcdir/tests/valgrind/vg.sh"

# Wrappers that exec valgrind, so a wrapper's pid is the program's.
for prog in ccr-failoverd ccr-failoverctl; do
	cat >"$TEST_DIR/$prog" <<EOF
#!/bin/sh
exec $(vg_cmd "$prog") "$abs_top_builddir/src/$prog" "\$@"
EOF
	chmod 755 "$TEST_DIR/$prog"
done
FAILOVERD=$TEST_DIR/ccr-failoverd
FAILOVERCTL=$TEST_DIR/ccr-failoverctl

at_scenario memcheck
ok "three index pairs replicate" at_setup 3
at_config "confirm_failback = true;" "request_timeout_ms = 1000;" \
    "$(at_hooks on_promote on_failback)"
ok "the daemon starts under valgrind" daemon_start
ok "REPLICATING, clusterA leads" wait_state 30 REPLICATING clusterA
ok "ctl status" ctl_ok status
at_kill clusterA KILL
ok "clusterA killed: clusterB promoted" wait_state 60 PROMOTED clusterB
ok "... its indices are writable" writable "$B" logs1-dr
ok "... on_promote ran" wait_for 10 test -s "$AT_DIR/hook-on_promote.env"
at_start_a
ok "clusterA back: the failback waits for confirmation" \
    wait_state 60 AWAITING_CONFIRMATION
ok "ctl confirm" ctl_ok confirm
ok "failed back: REPLICATING, clusterB leads" wait_state 60 REPLICATING clusterB
ok "... clusterA follows clusterB" all_active "$A" $AT_A
ok "ctl status --json" ctl_ok status --json
ok "the daemon stops cleanly (exit 0, no valgrind error)" daemon_stop
DAEMON_PID=
ok "clusters stop cleanly" at_stop_all
n=$(ls "$VG_LOGS" | wc -l)
sum=$(vg_summary "$VG_LOGS"/*.vg)
echo "# memcheck over $n processes: $sum"
ok "memcheck: $n processes, 0 errors, 0 bytes lost" \
    [ "$sum" = "errors 0, definitely lost 0 bytes, indirectly lost 0 bytes" ]
ok "every process was checked to its end" \
    [ "$(grep -l 'ERROR SUMMARY' "$VG_LOGS"/*.vg | wc -l)" = "$n" ]
finish
