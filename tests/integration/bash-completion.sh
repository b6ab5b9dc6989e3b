#!/bin/bash
# The bash completion of ccr-failoverctl: options and commands at first,
# --json after status, --timeout after a command, nothing after --timeout,
# directories after --runtime-dir; and every command and option it offers
# is one ccr-failoverctl(8) documents.
. "$(dirname "$0")/lib.sh"

. "$abs_top_srcdir/etc/bash-completion/ccr-failoverctl"

# complete WORD...: COMPREPLY, sorted, for the command line WORD... whose
# last word is being completed.
complete_line() {
	COMP_WORDS=(ccr-failoverctl "$@")
	COMP_CWORD=$#
	_ccr_failoverctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

ok "the function is registered for ccr-failoverctl" \
    eval 'complete -p ccr-failoverctl | grep -q _ccr_failoverctl'
ok "commands starting with s" [ "$(complete_line s)" = "status switchover " ]
ok "options starting with --r" [ "$(complete_line --r)" = "--runtime-dir " ]
ok "after --instance NAME, the commands" \
    [ "$(complete_line --instance prod h)" = "hold " ]
ok "after --timeout N, the commands" \
    [ "$(complete_line --timeout 5 con)" = "confirm " ]
ok "--json after status" [ "$(complete_line status --)" = "--json " ]
ok "--timeout after another command" [ "$(complete_line hold --)" = "--timeout " ]
ok "nothing to offer for --timeout's value" [ "$(complete_line --timeout '')" = " " ]
mkdir -p "$TEST_DIR/rundir-a"
ok "directories after --runtime-dir" \
    [ "$(complete_line --runtime-dir "$TEST_DIR/rundir-")" = "$TEST_DIR/rundir-a " ]

MAN="$abs_top_srcdir/man/ccr-failoverctl.8"
for w in $(complete_line '') --json; do
	case "$w" in
	--*) ok "$w is documented" grep -qE "Fl ${w#-}( |$)" "$MAN" ;;
	*) ok "$w is documented" grep -qE "^\.It Cm $w( |$)" "$MAN" ;;
	esac
done

finish
