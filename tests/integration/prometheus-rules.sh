#!/bin/bash
# The alert rules: promtool check rules accepts them, promtool test rules
# passes their tests, and every alert's runbook names an entry of the
# README's Monitoring section. Skipped (77) where promtool is missing.
. "$(dirname "$0")/lib.sh"

PROMTOOL=$(command -v promtool || true)
if [ -z "$PROMTOOL" ]; then
	echo "# promtool not found (Debian package prometheus): skipped"
	exit 77
fi
RULES_DIR="$abs_top_srcdir/etc/prometheus"
RULES="$RULES_DIR/ccr-failoverd.rules.yml"

ok "promtool check rules" "$PROMTOOL" check rules "$RULES"
# rule_files in the test file is relative to its directory.
ok "promtool test rules" \
    eval '(cd "$RULES_DIR" && "$PROMTOOL" test rules ccr-failoverd.rules.test.yml)'

alerts=$(sed -n 's/^ *- alert: *//p' "$RULES")
ok "the file has alerts" [ -n "$alerts" ]
# The README's Monitoring section, up to the next heading.
monitoring=$(awk '/^Monitoring$/ { on = 1; next }
    on && /^[A-Z][A-Za-z ]*$/ && getline nx > 0 && nx ~ /^---/ { exit }
    on { print }' "$abs_top_srcdir/README")
for a in $alerts; do
	ok "$a has a runbook annotation" \
	    grep -qF "runbook: \"README, Monitoring: $a\"" "$RULES"
	ok "$a is explained in the README's Monitoring section" \
	    grep -qF -- "$a" <<<"$monitoring"
	ok "$a is tested" grep -qF "alertname: $a" \
	    "$RULES_DIR/ccr-failoverd.rules.test.yml"
done

finish
