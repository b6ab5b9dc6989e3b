#!/bin/bash
# Run each libFuzzer harness SECONDS from its seed corpus, one after the
# other. Usage: run.sh SECONDS SRCDIR BUILDDIR HARNESS...
# Prints one line per harness and "N passed, M failed" (one per harness).
set -u
secs=$1 src=$2 build=$3
shift 3
passed=0 failed=0
mkdir -p "$build/crashes"
for h in "$@"; do
	work="$build/work/$h"
	log="$build/work/$h.out"
	mkdir -p "$work" "$src/corpus/$h"
	ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
	LSAN_OPTIONS="suppressions=$src/../lsan.supp:print_suppressions=0" \
	    "$build/fuzz-$h" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$build/crashes/$h-" "$work" "$src/corpus/$h" \
	    >"$log" 2>&1
	rc=$?
	runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
	corpus=$(ls "$work" "$src/corpus/$h" | wc -l)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "fuzz: $h: ${runs:-?} runs in $secs s, corpus $corpus, no crash"
	else
		failed=$((failed + 1))
		echo "fuzz: $h: FAILED (exit $rc) after ${runs:-?} runs; log $log"
		grep -E 'ERROR|SUMMARY|runtime error|artifact' "$log" | head -n 20
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
