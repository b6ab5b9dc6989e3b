#!/bin/bash
# make check-deb: the package built by make deb passes lintian without
# errors, installs on this machine with its units neither enabled nor
# started, puts every file where it belongs, runs (ccr-failoverd -V), has
# units systemd-analyze verify accepts, and purges without a trace. Needs
# root; refuses to touch a machine where ccr-failoverd is already
# installed. Prints its own "N passed, M failed" line.
# Usage: check-deb.sh DEBDIR
. "$(dirname "$0")/../integration/lib.sh"

DEBDIR=$1
export SYSTEMD_PAGER=cat SYSTEMD_COLORS=0

if [ "$(id -u)" -ne 0 ]; then
	echo "check-deb: installing a package needs root" >&2
	exit 1
fi
if dpkg-query -W -f='${Status}' ccr-failoverd 2>/dev/null |
    grep -q 'ok installed'; then
	echo "check-deb: ccr-failoverd is already installed here; not touching it" >&2
	exit 1
fi

deb=$(ls "$DEBDIR"/ccr-failoverd_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
changes=$(ls "$DEBDIR"/ccr-failoverd_*.changes 2>/dev/null | head -n 1)
ok "make deb built a package" [ -n "$deb" -a -f "$deb" ]
ok "... and its .changes" [ -n "$changes" -a -f "$changes" ]

# lintian: no error; warnings are listed in the README (Installing).
lintian --tag-display-limit 0 "$changes" >"$TEST_DIR/lintian" 2>&1
sed 's/^/# lintian: /' "$TEST_DIR/lintian"
ok "lintian reports no error" eval '! grep -q "^E:" "$TEST_DIR/lintian"'
for tag in $(sed -n 's/^W: [^ ]*: \([^ ]*\).*/\1/p' "$TEST_DIR/lintian" | sort -u); do
	ok "lintian warning $tag is explained in the README" \
	    grep -qF -- "$tag" "$abs_top_srcdir/README"
done

# The files, as the package lists them.
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/ccr-failoverd /usr/sbin/ccr-failoverctl \
    /lib/systemd/system/ccr-failoverd.service \
    /lib/systemd/system/ccr-failoverd@.service \
    /usr/lib/systemd/catalog/ccr-failoverd.catalog \
    /usr/share/man/man8/ccr-failoverd.8.gz \
    /usr/share/man/man8/ccr-failoverctl.8.gz \
    /usr/share/man/man5/ccr-failoverd.conf.5.gz \
    /usr/share/bash-completion/completions/ccr-failoverctl \
    /usr/share/ccr-failoverd/ccr-failoverd.rules.yml \
    /usr/share/doc/ccr-failoverd/examples/ccr-failoverd.conf \
    /usr/share/doc/ccr-failoverd/README.gz; do
	ok "the package holds $f" grep -qxF -- "$f" <<<"$files"
done
ok "the example configuration is not a conffile under /etc" \
    eval '! dpkg-deb -I "$deb" conffiles 2>/dev/null | grep -q ccr-failoverd.conf'

# Install it with its dependencies, as an operator would.
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "$deb" >"$TEST_DIR/install" 2>&1
rc=$?
[ "$rc" -ne 0 ] && cat "$TEST_DIR/install"
ok "the package installs" [ "$rc" -eq 0 ]
out=$(ccr-failoverd -V 2>&1)
ok "ccr-failoverd -V runs: $out" grep -qE '^ccr-failoverd [0-9]' <<<"$out"
out=$(ccr-failoverctl -V 2>&1)
ok "ccr-failoverctl -V runs: $out" grep -qE '^ccr-failoverctl [0-9]' <<<"$out"
ok "no unit is enabled" eval '! ls /etc/systemd/system/*.wants/ccr-failoverd* 2>/dev/null'
# installed_running: a process runs the installed daemon (other builds'
# daemons may run on the machine; they do not count).
installed_running() {
	local exe
	for exe in /proc/[0-9]*/exe; do
		[ "$(readlink "$exe" 2>/dev/null)" = /usr/sbin/ccr-failoverd ] &&
		    return 0
	done
	return 1
}
ok "no daemon was started" eval '! installed_running'
ok "the installed example configuration passes -t, ready to be copied" \
    ccr-failoverd -t -c /usr/share/doc/ccr-failoverd/examples/ccr-failoverd.conf
ok "promtool accepts the installed rules" \
    eval '! command -v promtool >/dev/null ||
    promtool check rules /usr/share/ccr-failoverd/ccr-failoverd.rules.yml >/dev/null'
ok "the completion is found by bash-completion's loader" \
    eval '[ -r /usr/share/bash-completion/completions/ccr-failoverctl ] &&
    bash -c ". /usr/share/bash-completion/completions/ccr-failoverctl &&
    complete -p ccr-failoverctl" >/dev/null'

out=$(systemd-analyze verify ccr-failoverd.service 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
ok "systemd-analyze verify accepts the installed ccr-failoverd.service" \
    [ "$rc" -eq 0 -a -z "$out" ]
out=$(systemd-analyze verify ccr-failoverd@deb-test.service 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
ok "... and an instance of the installed ccr-failoverd@.service" \
    [ "$rc" -eq 0 -a -z "$out" ]
out=$(systemd-analyze security --offline=true \
    /lib/systemd/system/ccr-failoverd.service 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p')
ok "the installed unit's exposure ${out:-?} is at most 1.5" \
    awk -v e="$out" 'BEGIN { exit !(e != "" && e + 0 <= 1.5) }'

apt-get purge -y -qq ccr-failoverd >"$TEST_DIR/purge" 2>&1
rc=$?
[ "$rc" -ne 0 ] && cat "$TEST_DIR/purge"
ok "the package purges" [ "$rc" -eq 0 ]
ok "... and is gone" eval '! dpkg-query -W -f="\${Status}" ccr-failoverd 2>/dev/null | grep -q installed'
for f in /usr/sbin/ccr-failoverd /lib/systemd/system/ccr-failoverd@.service \
    /usr/share/doc/ccr-failoverd /usr/share/ccr-failoverd; do
	ok "... $f with it" [ ! -e "$f" ]
done

finish
