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

# finish: print the summary line and exit with the verdict. Under
# CCR_TEST_HTTPS a test that started essims also checks that none of them
# refused the daemon's API key a request: the documented privileges must do.
finish() {
	if [ "$ESSIM_SCHEME" = https ] &&
	    compgen -G "$TEST_DIR/essim-*.log" >/dev/null; then
		ok "HTTPS: no request of the daemon's API key was refused" \
		    eval '! essim_denied'
	fi
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

# --- HTTPS -------------------------------------------------------------------
# CCR_TEST_HTTPS=1 (make check-https) runs a test over HTTPS with security
# on: a CA and a certificate for 127.0.0.1 made here with openssl, every
# essim serving TLS with it and requiring credentials, the test's own
# requests (es, es_curl) as the superuser admin, and the daemon's
# configuration (tls_cluster_keys) with https urls, the CA as ca_file and
# an API key limited to CCR_TEST_PRIVILEGES. Those are the privileges
# ccr-failoverd(8) documents under readiness, nothing more: cluster monitor,
# manage_ccr and manage; index monitor, manage, manage_follow_index, write
# and read (essim grants a name at both levels). CCR_TEST_PRIVILEGES in the
# environment replaces them, to see what a shorter list breaks.
ESSIM_SCHEME=http
ESSIM_CURL_OPTS=()
TLS_ESSIM_FLAGS=()
TLS_CA=
[ -n "${CCR_TEST_PRIVILEGES:-}" ] ||
    CCR_TEST_PRIVILEGES='["monitor","manage_ccr","manage","manage_follow_index","write","read"]'
CCR_TEST_API_KEY_ID=ccr-failoverd

# tls_test_setup: the CA, the certificate, essim's security file and the
# daemon's API key file, in $TEST_DIR/tls.
tls_test_setup() {
	local d="$TEST_DIR/tls" key="k-$RANDOM$RANDOM$RANDOM"
	mkdir -m 700 "$d" || return 1
	printf '%s\n' basicConstraints=CA:FALSE \
	    keyUsage=critical,digitalSignature extendedKeyUsage=serverAuth \
	    subjectAltName=IP:127.0.0.1,DNS:localhost >"$d/leaf.ext"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=ccr-test-ca \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign \
	    -keyout "$d/ca.key" -out "$d/ca.pem" 2>"$d/openssl.err" &&
	    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=localhost -keyout "$d/key.pem" -out "$d/csr.pem" \
	    2>>"$d/openssl.err" &&
	    openssl x509 -req -in "$d/csr.pem" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 2 -extfile "$d/leaf.ext" \
	    -out "$d/cert.pem" 2>>"$d/openssl.err" || {
		cat "$d/openssl.err" >&2
		return 1
	}
	cat >"$d/security.json" <<EOF
{"api_keys": {"$CCR_TEST_API_KEY_ID": {"key": "$key", "user": "ccr_daemon",
  "role": "ccr_failoverd", "privileges": $CCR_TEST_PRIVILEGES}}}
EOF
	printf '%s:%s' "$CCR_TEST_API_KEY_ID" "$key" | base64 -w0 >"$d/api.key"
	chmod 600 "$d/api.key"
	TLS_CA="$d/ca.pem"
	TLS_ESSIM_FLAGS=(--tls-cert "$d/cert.pem" --tls-key "$d/key.pem"
	    --auth-basic admin:adminpw --security-file "$d/security.json")
	ESSIM_CURL_OPTS=(--cacert "$TLS_CA" -u admin:adminpw)
	ESSIM_SCHEME=https
}

if [ "${CCR_TEST_HTTPS:-0}" = 1 ]; then
	tls_test_setup || exit 1
fi

# tls_cluster_keys [KEYS]: under CCR_TEST_HTTPS the CA and credential keys
# of a cluster group in the daemon's configuration, else nothing; KEYS are
# the group's other keys: when they name credentials of their own, only
# the CA.
tls_cluster_keys() {
	[ "$ESSIM_SCHEME" = https ] || return 0
	printf 'ca_file = "%s";' "$TLS_CA"
	case ${1:-} in
	*password_file*|*api_key_file*) ;;
	*) printf ' api_key_file = "%s";' "$TEST_DIR/tls/api.key" ;;
	esac
}

# tls_principal_add users|api_keys NAME SECRET: under CCR_TEST_HTTPS,
# essims started from now on know one more user (password SECRET) or API
# key (id NAME, key SECRET) with CCR_TEST_PRIVILEGES; else nothing.
tls_principal_add() {
	local f="$TEST_DIR/tls/security.json"
	[ "$ESSIM_SCHEME" = https ] || return 0
	jq --arg kind "$1" --arg name "$2" --arg secret "$3" \
	    --argjson privs "$CCR_TEST_PRIVILEGES" \
	    '.[$kind][$name] = {"role": "ccr_failoverd", "privileges": $privs} +
	    if $kind == "users" then {"password": $secret}
	    else {"key": $secret, "user": $name} end' "$f" >"$f.new" &&
	    mv "$f.new" "$f"
}

# es_curl CURL-ARGS...: curl to an essim, as the test's superuser under
# CCR_TEST_HTTPS.
es_curl() {
	"$CURL" "${ESSIM_CURL_OPTS[@]}" "$@"
}

# es_curl_anon CURL-ARGS...: the same without credentials (only the CA), for
# a test that brings its own.
es_curl_anon() {
	"$CURL" ${TLS_CA:+--cacert "$TLS_CA"} "$@"
}

# essim_denied: an essim refused a request of the daemon's API key for a
# missing privilege (essim logs each 403 it answers); prints those lines.
essim_denied() {
	grep -sh "denied: .*API key id \[$CCR_TEST_API_KEY_ID\]" \
	    "$TEST_DIR"/essim-*.log >&2
}

# --- essim helpers -----------------------------------------------------------
ESSIM_NAMES=""

# essim_start NAME [ESSIM FLAGS...]: start an essim cluster on 127.0.0.1 with
# an ephemeral port, remember its pid, wait until it answers. Sets
# ESSIM_<NAME>_URL (http://127.0.0.1:PORT, https under CCR_TEST_HTTPS),
# ESSIM_<NAME>_PORT and ESSIM_<NAME>_PID; NAME must be a valid shell
# identifier part. A fixed port can be asked for with "--listen
# 127.0.0.1:PORT" among the flags. Under CCR_TEST_HTTPS it serves TLS with
# security on, unless the flags give their own --tls-cert.
essim_start() {
	local name=$1 listen=127.0.0.1:0 port pid arg
	local tls=("${TLS_ESSIM_FLAGS[@]}")
	shift
	for arg in "$@"; do
		case $arg in
		--listen) listen= ;;
		--tls-cert) tls=() ;;
		esac
	done
	set -- "${tls[@]}" "$@"
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
	eval "ESSIM_${name}_URL=$ESSIM_SCHEME://127.0.0.1:$port"
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
# 0 or a sanitizer reported anything in its log (shared by every run of a
# name) since the last essim_stop_all read it: each report fails one stop.
essim_stop_all() {
	local name pidvar log from rc=0
	for name in $ESSIM_NAMES; do
		pidvar="ESSIM_${name}_PID"
		kill -TERM "${!pidvar}" 2>/dev/null || continue
		wait "${!pidvar}" || rc=1
	done
	for name in $ESSIM_NAMES; do
		log="$TEST_DIR/essim-$name.log"
		from="ESSIM_${name}_LOG_READ"
		if tail -c "+$((${!from:-0} + 1))" "$log" | grep -q 'Sanitizer'
		then
			echo "# essim $name:" >&2
			tail -c "+$((${!from:-0} + 1))" "$log" |
			    grep -A12 'Sanitizer' | sed 's/^/#   /' >&2
			rc=1
		fi
		eval "$from=$(stat -c %s "$log")"
	done
	return $rc
}

# es METHOD URL [BODY]: one JSON request; prints the body, then the status
# on the last line (HEAD: an empty body).
es() {
	if [ "$1" = HEAD ]; then
		es_curl -s -m 20 -I -o /dev/null -w '\n%{http_code}\n' "$2"
	elif [ $# -ge 3 ]; then
		es_curl -s -m 20 -X "$1" -H 'Content-Type: application/json' \
		    -d "$3" -w '\n%{http_code}\n' "$2"
	else
		es_curl -s -m 20 -X "$1" -w '\n%{http_code}\n' "$2"
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
