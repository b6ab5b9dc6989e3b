#!/bin/bash
# Every manual page passes mandoc's linter at warning level: no syntax
# error, no misused macro, no section out of order. The pages also agree
# with the code: every configuration setting and hook variable is
# documented, and the journal queries shown use MESSAGE_IDs the daemon logs.
. "$(dirname "$0")/lib.sh"

: "${MANDOC:=mandoc}"
if ! command -v "$MANDOC" >/dev/null 2>&1; then
	echo "# mandoc not found: skipped"
	exit 77
fi

for page in ccr-failoverd.8 ccr-failoverd.conf.5 ccr-failoverctl.8; do
	ok "man/$page exists" [ -f "$abs_top_srcdir/man/$page" ]
done

pages=$(cd "$abs_top_srcdir/man" && ls -- *.[1-9])
for page in $pages; do
	out=$("$MANDOC" -T lint -W warning "$abs_top_srcdir/man/$page" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out"
	ok "$page has no mandoc warning" [ "$rc" -eq 0 -a -z "$out" ]
done

# Each page's title line names the page and its section.
for page in $pages; do
	name=${page%.*}
	section=${page##*.}
	title=$(echo "$name" | tr '[:lower:]' '[:upper:]')
	ok "$page is titled $title($section)" \
	    grep -qx "\\.Dt $title $section" "$abs_top_srcdir/man/$page"
done

# settings: the names the example configuration uses (its commented hooks
# too) and, once the parser is built, every name its key tables accept.
settings() {
	sed -n 's/^[#[:space:]]*\([a-z_][a-z_]*\) = .*/\1/p' \
	    "$abs_top_srcdir/etc/ccr-failoverd.conf"
	if [ -f "$abs_top_srcdir/src/config.c" ]; then
		sed -n '/_keys\[\] = {/,/};/p' "$abs_top_srcdir/src/config.c" |
		    grep -o '"[a-z_]*"' | tr -d '"'
	fi
}

# Each has an entry in ccr-failoverd.conf(5).
undocumented=""
for key in $(settings | sort -u); do
	grep -q "^\.It Ic $key " "$abs_top_srcdir/man/ccr-failoverd.conf.5" ||
	    undocumented="$undocumented $key"
done
ok "ccr-failoverd.conf(5) documents every setting${undocumented:+ (missing:$undocumented)}" \
    [ -z "$undocumented" ]

# Once the hook runner is built, every CCR_* variable it sets for a hook is
# described in ccr-failoverd.conf(5).
if [ -f "$abs_top_srcdir/src/hook.c" ]; then
	missing=""
	for var in $(sed -n '/hook_reserved\[\] = {/,/};/p' \
	    "$abs_top_srcdir/src/hook.c" | grep -o '"CCR_[A-Z_]*"' | tr -d '"'); do
		grep -q "Ev $var\\>" "$abs_top_srcdir/man/ccr-failoverd.conf.5" ||
		    missing="$missing $var"
	done
	ok "ccr-failoverd.conf(5) describes every hook variable${missing:+ (missing:$missing)}" \
	    [ -z "$missing" ]
fi

# The journal queries in ccr-failoverd(8) use MESSAGE_IDs the daemon logs,
# among them the one that finds a finished promotion.
promotion=$(sed -n 's/.*"promotion-finished",[[:space:]]*"\([0-9a-f]*\)".*/\1/p' \
    "$abs_top_srcdir/src/events.c")
ok "ccr-failoverd(8) shows the query for a finished promotion" \
    grep -q "MESSAGE_ID=$promotion\$" "$abs_top_srcdir/man/ccr-failoverd.8"
unknown=""
for id in $(grep -o 'MESSAGE_ID=[0-9a-f]*' "$abs_top_srcdir/man/ccr-failoverd.8" |
    cut -d= -f2); do
	grep -q "\"$id\"" "$abs_top_srcdir/src/events.c" ||
	    unknown="$unknown $id"
done
ok "every MESSAGE_ID in ccr-failoverd(8) is one the daemon logs${unknown:+ (unknown:$unknown)}" \
    [ -z "$unknown" ]

finish
