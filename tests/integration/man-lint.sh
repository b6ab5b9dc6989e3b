#!/bin/bash
# Every manual page passes mandoc's linter at warning level: no syntax
# error, no misused macro, no section out of order.
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

finish
