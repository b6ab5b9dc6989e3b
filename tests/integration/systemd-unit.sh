#!/bin/bash
# The generated service unit: every placeholder substituted, the directives
# the daemon relies on present, `systemd-analyze verify` silent about it, and
# `systemd-analyze security` rating its sandbox at an exposure of 2.0 or
# lower. Skipped (77) where systemd-analyze is missing.
. "$(dirname "$0")/lib.sh"

: "${SYSTEMD_ANALYZE:=}"
if [ -z "$SYSTEMD_ANALYZE" ] || [ ! -x "$SYSTEMD_ANALYZE" ]; then
	echo "# systemd-analyze not found: skipped"
	exit 77
fi
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

BUILT="$abs_top_builddir/systemd/ccr-failoverd.service"
MAXIMUM_EXPOSURE=2.0

# has_line LINE: the generated unit contains LINE exactly.
has_line() {
	grep -qxF -- "$1" "$BUILT"
}

# no_placeholder: configure's @name@ placeholders were all replaced.
no_placeholder() {
	! grep -n '@[a-z_]*@' "$BUILT"
}

ok "the unit was generated" [ -f "$BUILT" ]
ok "no @placeholder@ is left in the unit" no_placeholder
ok "ExecStart runs the installed daemon on the installed configuration" \
    grep -qx 'ExecStart=/[^ ]*/ccr-failoverd -c /[^ ]*/ccr-failoverd/ccr-failoverd\.conf' \
    "$BUILT"
for line in Type=notify NotifyAccess=main WatchdogSec=30s \
    'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure \
    StateDirectory=ccr-failoverd RuntimeDirectory=ccr-failoverd \
    RuntimeDirectoryPreserve=yes ConfigurationDirectory=ccr-failoverd \
    DynamicUser=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'; do
	ok "the unit sets $line" has_line "$line"
done

# verify needs ExecStart's program to exist, and looks up the pages named in
# Documentation=: point it at the built daemon and the source tree's pages.
unit="$TEST_DIR/ccr-failoverd.service"
sed "s|^ExecStart=[^ ]*|ExecStart=$abs_top_builddir/src/ccr-failoverd|" \
    "$BUILT" >"$unit"
mkdir -p "$TEST_DIR/man/man5" "$TEST_DIR/man/man8"
cp "$abs_top_srcdir"/man/*.5 "$TEST_DIR/man/man5/"
cp "$abs_top_srcdir"/man/*.8 "$TEST_DIR/man/man8/"

# Without man(1) verify could only complain that it cannot run it.
man_check=--man=yes
if ! command -v man >/dev/null 2>&1; then
	echo "# man not found: Documentation= not checked"
	man_check=--man=no
fi
out=$(MANPATH="$TEST_DIR/man" "$SYSTEMD_ANALYZE" verify $man_check "$unit" 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
ok "systemd-analyze verify reports nothing" [ "$rc" -eq 0 -a -z "$out" ]

out=$("$SYSTEMD_ANALYZE" security --offline=true "$unit" 2>&1)
rc=$?
exposure=$(echo "$out" |
    sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p')
echo "# exposure: ${exposure:-none found}"
[ -z "$exposure" ] && echo "$out"
ok "systemd-analyze security rates the unit" [ "$rc" -eq 0 -a -n "$exposure" ]
ok "exposure ${exposure:-?} is at most $MAXIMUM_EXPOSURE" \
    awk -v e="$exposure" -v max="$MAXIMUM_EXPOSURE" \
    'BEGIN { exit !(e != "" && e + 0 <= max + 0) }'

finish
