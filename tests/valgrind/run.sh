#!/bin/bash
# make check-valgrind: the unit test programs given, then one promotion and
# failback with the daemon and ccr-failoverctl, all under valgrind memcheck.
# Ends with "N passed, M failed" over both.
set -u
: "${abs_top_srcdir:?}" "${abs_top_builddir:?}"
export abs_top_srcdir abs_top_builddir
passed=0 failed=0 status=0
count() {
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	read -r p _ f _ < <(echo "${line:-0 passed, 1 failed}" | tr -d ,)
	passed=$((passed + p))
	failed=$((failed + f))
}
out=$(mktemp)
bash "$abs_top_srcdir/tests/valgrind/units.sh" "$@" | tee "$out" || status=1
count "$out"
bash "$abs_top_srcdir/tests/valgrind/promote-failback.sh" | tee "$out" || status=1
count "$out"
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && exit "$status"
exit 1
