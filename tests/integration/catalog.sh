#!/bin/bash
# The journald catalog explains every MESSAGE_ID the daemon logs: each id in
# src/events.c has exactly one well-formed entry and the catalog has no
# entry for an id the daemon does not know. When journalctl is available,
# the catalog is also compiled by journald's own parser into a private root.
. "$(dirname "$0")/lib.sh"

CATALOG="$abs_top_srcdir/systemd/ccr-failoverd.catalog"
EVENTS="$abs_top_srcdir/src/events.c"

# The structured fields the daemon attaches to its events: an entry may
# substitute only these, or journalctl -x shows the bare field name.
KNOWN_FIELDS="CCR_CLUSTER CCR_INDEX CCR_STATE"

grep -o '"[0-9a-f]\{32\}"' "$EVENTS" | tr -d '"' | sort >"$TEST_DIR/ids"
sed -n 's/^-- //p' "$CATALOG" | sort >"$TEST_DIR/entries"

nids=$(grep -c . "$TEST_DIR/ids")
ok "src/events.c defines message ids" [ "$nids" -gt 0 ]
ok "no message id is used by two events" \
    [ -z "$(uniq -d "$TEST_DIR/ids")" ]
ok "every catalog header is -- and 32 lower-case hex digits" \
    [ -z "$(grep -v '^[0-9a-f]\{32\}$' "$TEST_DIR/entries")" ]
ok "no message id has two catalog entries" \
    [ -z "$(uniq -d "$TEST_DIR/entries")" ]
missing=$(comm -23 "$TEST_DIR/ids" "$TEST_DIR/entries")
ok "every message id has a catalog entry${missing:+ (missing: $missing)}" \
    [ -z "$missing" ]
stray=$(comm -13 "$TEST_DIR/ids" "$TEST_DIR/entries")
ok "every catalog entry belongs to a message id${stray:+ (unknown: $stray)}" \
    [ -z "$stray" ]

# check_entries: print a line for each entry that lacks a required header or
# a body, or names a field the daemon never sets.
check_entries() {
	awk -v known="$KNOWN_FIELDS" '
	function check() {
		if (id == "")
			return
		if (!subject)
			print id ": no Subject"
		if (!definedby)
			print id ": no Defined-By: ccr-failoverd"
		if (!doc)
			print id ": no Documentation: man:ccr-failoverd(8)"
		if (body < 2)
			print id ": body shorter than two lines"
	}
	BEGIN {
		n = split(known, k, " ")
		for (i = 1; i <= n; i++)
			fields[k[i]] = 1
	}
	/^-- / {
		check()
		id = $2; subject = definedby = doc = body = 0; inbody = 0
		next
	}
	id == "" { next }
	!inbody && /^Subject: ./ { subject = 1 }
	!inbody && $0 == "Defined-By: ccr-failoverd" { definedby = 1 }
	!inbody && $0 == "Documentation: man:ccr-failoverd(8)" { doc = 1 }
	!inbody && /^$/ { inbody = 1; next }
	inbody && /./ { body++ }
	{
		line = $0
		while (match(line, /@[A-Za-z0-9_]+@/)) {
			f = substr(line, RSTART + 1, RLENGTH - 2)
			if (!(f in fields))
				print id ": unknown field @" f "@"
			line = substr(line, RSTART + RLENGTH)
		}
	}
	END { check() }
	' "$CATALOG"
}
problems=$(check_entries)
[ -n "$problems" ] && echo "$problems"
ok "each entry has Subject, Defined-By, Documentation, a body and known fields" \
    [ -z "$problems" ]

if command -v journalctl >/dev/null 2>&1; then
	root="$TEST_DIR/root"
	mkdir -p "$root/usr/lib/systemd/catalog"
	cp "$CATALOG" "$root/usr/lib/systemd/catalog/"
	journalctl --root="$root" --update-catalog >"$TEST_DIR/update.out" 2>&1
	rc=$?
	cat "$TEST_DIR/update.out"
	ok "journalctl compiles the catalog without a complaint" \
	    [ "$rc" -eq 0 -a ! -s "$TEST_DIR/update.out" ]
	journalctl --root="$root" --list-catalog 2>&1 |
	    awk '{ print $1 }' | sort >"$TEST_DIR/compiled"
	ok "journalctl lists exactly the daemon's message ids" \
	    cmp -s "$TEST_DIR/ids" "$TEST_DIR/compiled"
else
	echo "# journalctl not found: catalog not compiled"
fi

finish
