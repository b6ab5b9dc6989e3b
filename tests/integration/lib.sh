# Shared helpers for the integration tests. Every server a test starts binds
# 127.0.0.1, is remembered by pid, and is ended by pid on exit.
set -u

: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
: "${CURL:=curl}"

FAILOVERD="$abs_top_builddir/src/ccr-failoverd"
FAILOVERCTL="$abs_top_builddir/src/ccr-failoverctl"
ESSIM="$abs_top_builddir/tests/essim/essim"

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ccr-$TEST_NAME.XXXXXX")
TEST_PIDS=""
TEST_FAILED=0
TEST_COUNT=0

# Remember a pid so cleanup ends it.
track_pid() {
	TEST_PIDS="$TEST_PIDS $1"
}

cleanup() {
	local pid
	for pid in $TEST_PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $TEST_PIDS; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "$TEST_FAILED" -eq 0 ]; then
		rm -rf "$TEST_DIR"
	else
		echo "# kept $TEST_DIR for inspection"
	fi
}
trap cleanup EXIT

# ok CONDITION-DESCRIPTION COMMAND...: run a check and report it.
ok() {
	local what=$1
	shift
	TEST_COUNT=$((TEST_COUNT + 1))
	if "$@"; then
		echo "ok $TEST_COUNT - $what"
	else
		echo "not ok $TEST_COUNT - $what"
		TEST_FAILED=$((TEST_FAILED + 1))
	fi
}

# finish: print the summary line and exit with the verdict.
finish() {
	echo "$((TEST_COUNT - TEST_FAILED)) passed, $TEST_FAILED failed"
	[ "$TEST_FAILED" -eq 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	until "$@"; do
		[ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
