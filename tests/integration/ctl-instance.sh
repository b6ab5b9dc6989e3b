#!/bin/bash
# ccr-failoverctl --instance NAME looks in the runtime directory of the
# template unit's instance NAME, /run/ccr-failoverd-NAME; names that could
# lead elsewhere and --instance together with --runtime-dir are usage
# errors. The test never creates anything under /run: it reads the
# directory the command names in its error.
. "$(dirname "$0")/lib.sh"

name="ctl-test-$$"
out=$("$FAILOVERCTL" --instance "$name" status 2>&1)
rc=$?
ok "status of an instance that is not running exits 1" [ "$rc" -eq 1 ]
ok "... naming the instance's runtime directory" \
    grep -qF "/run/ccr-failoverd-$name/status.json" <<<"$out"
out=$("$FAILOVERCTL" --instance "$name" --timeout 0.2 hold 2>&1)
ok "a command to it looks there too" \
    grep -qF "/run/ccr-failoverd-$name" <<<"$out"
ok "nothing was created there" [ ! -e "/run/ccr-failoverd-$name" ]

for bad in "" . .. ../x a/b .hidden; do
	"$FAILOVERCTL" --instance "$bad" status >/dev/null 2>"$TEST_DIR/err"
	rc=$?
	ok "instance name '$bad' is a usage error" [ "$rc" -eq 2 ]
	ok "... saying so" grep -q "invalid instance name" "$TEST_DIR/err"
done

"$FAILOVERCTL" --instance a --runtime-dir "$TEST_DIR" status \
    >/dev/null 2>"$TEST_DIR/err"
rc=$?
ok "--instance with --runtime-dir is a usage error" [ "$rc" -eq 2 ]
ok "... saying so" grep -q "exclude each other" "$TEST_DIR/err"
ok "--help shows --instance" eval '"$FAILOVERCTL" --help | grep -q -- "--instance NAME"'

finish
