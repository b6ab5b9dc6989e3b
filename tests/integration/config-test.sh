#!/bin/bash
# ccr-failoverd -t and --print-config on the fixtures of tests/config: exit
# status 0 and silence for a valid file, 1 and exactly one "FILE:LINE:
# message" line on stderr for each invalid one.
. "$(dirname "$0")/lib.sh"

FIXTURES="$abs_top_srcdir/tests/config"

# run_t ARGS...: run ccr-failoverd, keeping stdout, stderr and status.
run_t() {
	"$FAILOVERD" "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	status=$?
}

for conf in "$FIXTURES"/good-*.conf; do
	name=$(basename "$conf")
	run_t -t -c "$conf"
	ok "$name: -t exits 0" [ "$status" -eq 0 ]
	ok "$name: -t prints nothing" [ ! -s "$TEST_DIR/out" -a ! -s "$TEST_DIR/err" ]
	run_t --print-config -c "$conf"
	ok "$name: --print-config prints the golden file" \
	    cmp -s "$TEST_DIR/out" "${conf%.conf}.ok"
done

for conf in "$FIXTURES"/bad-*.conf; do
	name=$(basename "$conf")
	want="$FIXTURES/$(sed -n '1s/^# error: //p' "$conf")"
	run_t -t -c "$conf"
	ok "$name: -t exits 1" [ "$status" -eq 1 ]
	ok "$name: stderr is the FILE:LINE: message" \
	    [ "$(cat "$TEST_DIR/err")" = "$want" ]
	ok "$name: stdout stays empty" [ ! -s "$TEST_DIR/out" ]
done

# The file is named as the operator gave it.
cd "$FIXTURES"
run_t -t -c bad-unknown-root.conf
ok "a relative -c path is quoted as given" \
    [ "$(cat "$TEST_DIR/err")" = "bad-unknown-root.conf:2: poll_interval: unknown key" ]
cd - >/dev/null

run_t -t -c "$TEST_DIR/missing.conf"
ok "a missing file exits 1" [ "$status" -eq 1 ]
ok "a missing file says why" \
    [ "$(cat "$TEST_DIR/err")" = "$TEST_DIR/missing.conf: No such file or directory" ]

# --print-config without -t checks as well.
run_t --print-config -c "$FIXTURES/bad-syntax.conf"
ok "--print-config refuses an invalid file" [ "$status" -eq 1 -a ! -s "$TEST_DIR/out" ]

# Without -t a bad file stops the daemon before it starts, with the reason.
run_t -c "$FIXTURES/bad-inline-password.conf"
ok "the daemon refuses to start on an invalid file" [ "$status" -ne 0 ]
ok "the daemon logs the FILE:LINE: message" \
    grep -q "bad-inline-password.conf:6: clusters.a.password: unknown key" "$TEST_DIR/err"
leaked=$(grep -c hunter2 "$TEST_DIR/err")
ok "no secret reaches the log" [ "$leaked" -eq 0 ]

finish
