#!/bin/bash
# make check-https: each integration script given, one after the other,
# with CCR_TEST_HTTPS=1 (tests/integration/lib.sh): every essim over HTTPS
# with security on, the daemon on https urls with a CA file and an API key
# limited to the documented privileges. A script's output goes to OUTDIR/
# NAME.out; a failing script's failed checks and last lines are shown.
# Ends with "N passed, M failed" summed over the scripts' own counts (a
# script that printed none counts as one failure).
set -u
: "${abs_top_srcdir:?}" "${abs_top_builddir:?}"
export abs_top_srcdir abs_top_builddir CCR_TEST_HTTPS=1
outdir=$1
shift
mkdir -p "$outdir"
passed=0 failed=0 t0=$(date +%s)
for script in "$@"; do
	name=$(basename "$script" .sh)
	out="$outdir/$name.out"
	s0=$(date +%s)
	bash "$abs_top_srcdir/$script" >"$out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	read -r p _ f _ < <(echo "${line:-0 passed, 1 failed}" | tr -d ,)
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -eq 0 ] && [ "$f" -eq 0 ]; then
		verdict=PASS
	else
		verdict=FAIL
		grep -E '^not ok|^#' "$out" | head -n 40
		tail -n 20 "$out"
	fi
	echo "$verdict: $name ($p passed, $f failed, $(($(date +%s) - s0)) s)"
done
echo "# check-https: $# scripts in $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
