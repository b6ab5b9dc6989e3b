#!/bin/bash
# Every unit test program under valgrind memcheck, in one process each
# (CK_FORK=no: Check's forked children would report apart from the parent).
# Usage: units.sh PROGRAM...; prints a line per program and
# "N passed, M failed".
set -u
: "${abs_top_srcdir:?}" "${abs_top_builddir:?}"
export abs_top_srcdir abs_top_builddir
VG_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/ccr-valgrind.XXXXXX")
. "$abs_top_srcdir/tests/valgrind/vg.sh"
export CK_FORK=no
# check_hook's missing-interpreter case cannot hold under valgrind.
export CCR_VALGRIND=1
passed=0 failed=0
for p in "$@"; do
	name=$(basename "$p")
	t0=$(date +%s)
	# shellcheck disable=SC2046
	$(vg_cmd "$name") "$abs_top_builddir/$p" >"$VG_LOGS/$name.out" 2>&1
	rc=$?
	sum=$(vg_summary "$VG_LOGS/$name".*.vg)
	checks=$(grep -E '^[0-9]+%: Checks:' "$VG_LOGS/$name.out" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "valgrind: $name: ok ($sum; $checks; $(($(date +%s) - t0)) s)"
	else
		failed=$((failed + 1))
		echo "valgrind: $name: FAILED (exit $rc; $sum; $checks)"
		tail -n 30 "$VG_LOGS/$name.out"
		grep -h -A 25 -E 'Invalid|uninitialised|definitely lost in|indirectly lost in' \
		    "$VG_LOGS/$name".*.vg | head -n 80
	fi
done
[ "$failed" -eq 0 ] && rm -rf "$VG_LOGS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
