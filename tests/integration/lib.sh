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

# --- essim helpers -----------------------------------------------------------
ESSIM_NAMES=""

# essim_start NAME [ESSIM FLAGS...]: start an essim cluster on 127.0.0.1 with
# an ephemeral port, remember its pid, wait until it answers. Sets
# ESSIM_<NAME>_URL (http://127.0.0.1:PORT), ESSIM_<NAME>_PORT and
# ESSIM_<NAME>_PID; NAME must be a valid shell identifier part. A fixed port
# can be asked for with "--listen 127.0.0.1:PORT" among the flags.
essim_start() {
	local name=$1 listen=127.0.0.1:0 port pid arg
	shift
	for arg in "$@"; do
		case $arg in
		--listen) listen= ;;
		esac
	done
	rm -f "$TEST_DIR/essim-$name.port"
	if [ -n "$listen" ]; then
		"$ESSIM" --name "$name" --listen "$listen" \
		    --port-file "$TEST_DIR/essim-$name.port" "$@" \
		    2>>"$TEST_DIR/essim-$name.log" &
	else
		"$ESSIM" --name "$name" \
		    --port-file "$TEST_DIR/essim-$name.port" "$@" \
		    2>>"$TEST_DIR/essim-$name.log" &
	fi
	pid=$!
	track_pid "$pid"
	case " $ESSIM_NAMES " in
	*" $name "*) ;;
	*) ESSIM_NAMES="$ESSIM_NAMES $name" ;;
	esac
	if ! wait_for 10 test -s "$TEST_DIR/essim-$name.port"; then
		echo "# essim $name did not start" >&2
		cat "$TEST_DIR/essim-$name.log" >&2
		return 1
	fi
	port=$(cat "$TEST_DIR/essim-$name.port")
	eval "ESSIM_${name}_URL=http://127.0.0.1:$port"
	eval "ESSIM_${name}_PORT=$port"
	eval "ESSIM_${name}_PID=$pid"
}

# essim_kill NAME [SIGNAL]: end an essim started by essim_start (default
# SIGTERM; KILL for a crash) and wait for it.
essim_kill() {
	local pidvar="ESSIM_${1}_PID"
	kill "-${2:-TERM}" "${!pidvar}" 2>/dev/null || true
	wait "${!pidvar}" 2>/dev/null || true
}

# essim_stop_all: stop every essim with SIGTERM; fails if one did not exit
# 0 or a sanitizer reported anything in its log.
essim_stop_all() {
	local name pidvar rc=0
	for name in $ESSIM_NAMES; do
		pidvar="ESSIM_${name}_PID"
		kill -TERM "${!pidvar}" 2>/dev/null || continue
		wait "${!pidvar}" || rc=1
	done
	for name in $ESSIM_NAMES; do
		if grep -q 'Sanitizer' "$TEST_DIR/essim-$name.log"; then
			cat "$TEST_DIR/essim-$name.log" >&2
			rc=1
		fi
	done
	return $rc
}

# es METHOD URL [BODY]: one JSON request; prints the body, then the status
# on the last line (HEAD: an empty body).
es() {
	if [ "$1" = HEAD ]; then
		"$CURL" -s -m 20 -I -o /dev/null -w '\n%{http_code}\n' "$2"
	elif [ $# -ge 3 ]; then
		"$CURL" -s -m 20 -X "$1" -H 'Content-Type: application/json' \
		    -d "$3" -w '\n%{http_code}\n' "$2"
	else
		"$CURL" -s -m 20 -X "$1" -w '\n%{http_code}\n' "$2"
	fi
}

# es_status METHOD URL [BODY]: only the HTTP status of a request.
es_status() {
	es "$@" | tail -n 1
}

# es_body METHOD URL [BODY]: only the body of a request.
es_body() {
	es "$@" | sed '$d'
}

# has TEXT FIXED-STRING: whether a (compact JSON) text contains a string;
# combine with filter_path to pick the field a check is about.
has() {
	case $1 in
	*"$2"*) return 0 ;;
	*) return 1 ;;
	esac
}
