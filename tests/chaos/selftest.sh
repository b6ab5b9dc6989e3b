#!/bin/bash
# The chaos checks can fail: each CHAOS_BREAK breaks what one invariant
# checks after a schedule has settled, and the run must report a violation
# of that invariant. "unreachable" forgets when the follower was cut off,
# so a schedule with an automatic promotion (seed 3: the leader killed)
# must then break invariant 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
expect() {	# expect BREAK INVARIANT SEED
	local out
	out=$(CHAOS_BREAK=$1 CHAOS_RUNS=1 CHAOS_SEED=$3 bash "$here/chaos.sh" 2>&1)
	# The violation is the expected outcome: its kept copy is not news.
	rm -rf "${TMPDIR:-/tmp}/chaos-violation-$3"
	if echo "$out" | grep -q "^VIOLATION (seed $3) invariant $2:" &&
	    echo "$out" | tail -n 1 | grep -q '^chaos: 1 schedules, [1-9]'; then
		passed=$((passed + 1))
		echo "ok - CHAOS_BREAK=$1 is a violation of invariant $2"
	else
		failed=$((failed + 1))
		echo "not ok - CHAOS_BREAK=$1 is a violation of invariant $2"
		echo "$out" | tail -n 20
	fi
}
expect ack 2 2
expect close 3 2
expect writable 4 2
expect state 5 2
expect unreachable 1 "${CHAOS_PROMOTING_SEED:-3}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
