#!/bin/bash
# The template unit ccr-failoverd@.service: the instance's configuration
# file and directories, the plain unit's sandbox line for line,
# `systemd-analyze verify` silent about an instance, and an exposure of 1.5
# or lower offline. Skipped (77) where systemd-analyze is missing.
. "$(dirname "$0")/lib.sh"

: "${SYSTEMD_ANALYZE:=}"
if [ -z "$SYSTEMD_ANALYZE" ] || [ ! -x "$SYSTEMD_ANALYZE" ]; then
	echo "# systemd-analyze not found: skipped"
	exit 77
fi
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

PLAIN="$abs_top_builddir/systemd/ccr-failoverd.service"
BUILT="$abs_top_builddir/systemd/ccr-failoverd@.service"
MAXIMUM_EXPOSURE=1.5

has_line() {
	grep -qxF -- "$1" "$BUILT"
}

ok "the template was generated" [ -f "$BUILT" ]
ok "no @placeholder@ is left in it" eval '! grep -n "@[a-z_]*@" "$BUILT"'
ok "ExecStart reads the instance's configuration" \
    grep -qx 'ExecStart=/[^ ]*/ccr-failoverd -c /[^ ]*/ccr-failoverd/%i\.conf' \
    "$BUILT"
for line in StateDirectory=ccr-failoverd-%i RuntimeDirectory=ccr-failoverd-%i \
    StateDirectoryMode=0700 RuntimeDirectoryPreserve=yes DynamicUser=yes; do
	ok "the template sets $line" has_line "$line"
done

# settings FILE: the unit's directives, without those that name the
# instance, the way it was started, or its description.
settings() {
	grep -vE '^(#|$|Description=|ExecStart=|StateDirectory=|RuntimeDirectory=)' "$1"
}
ok "every other directive is the plain unit's, in the same order" \
    diff <(settings "$PLAIN") <(settings "$BUILT")

# verify loads the template through an instance beside it, with the built
# daemon as ExecStart and the source tree's pages for Documentation=.
dir="$TEST_DIR/units"
mkdir -p "$dir" "$TEST_DIR/man/man5" "$TEST_DIR/man/man8"
sed "s|^ExecStart=[^ ]*|ExecStart=$abs_top_builddir/src/ccr-failoverd|" \
    "$BUILT" >"$dir/ccr-failoverd@.service"
cp "$abs_top_srcdir"/man/*.5 "$TEST_DIR/man/man5/"
cp "$abs_top_srcdir"/man/*.8 "$TEST_DIR/man/man8/"
man_check=--man=yes
if ! command -v man >/dev/null 2>&1; then
	echo "# man not found: Documentation= not checked"
	man_check=--man=no
fi
out=$(cd "$dir" && MANPATH="$TEST_DIR/man" "$SYSTEMD_ANALYZE" verify \
    $man_check "$dir/ccr-failoverd@prod-dr.service" 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
ok "systemd-analyze verify reports nothing for an instance" \
    [ "$rc" -eq 0 -a -z "$out" ]

out=$("$SYSTEMD_ANALYZE" security --offline=true \
    "$dir/ccr-failoverd@prod-dr.service" 2>&1)
rc=$?
exposure=$(echo "$out" |
    sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p')
echo "# exposure: ${exposure:-none found}"
[ -z "$exposure" ] && echo "$out"
ok "systemd-analyze security rates an instance" [ "$rc" -eq 0 -a -n "$exposure" ]
ok "exposure ${exposure:-?} is at most $MAXIMUM_EXPOSURE" \
    awk -v e="$exposure" -v max="$MAXIMUM_EXPOSURE" \
    'BEGIN { exit !(e != "" && e + 0 <= max + 0) }'

finish
