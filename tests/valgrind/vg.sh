# valgrind memcheck as make check-valgrind runs it, sourced by its scripts:
# every error and every definitely or indirectly lost byte fails the run
# (exit status 99); forked children that do not exec (the configuration
# check, Check's own forks) stay silent, their parent's report is the one.
VG_LOGS=${VG_LOGS:-${TMPDIR:-/tmp}}
vg_cmd() {
	echo valgrind --tool=memcheck --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --error-exitcode=99 \
	    --child-silent-after-fork=yes \
	    --suppressions="$abs_top_srcdir/tests/valgrind/valgrind.supp" \
	    --log-file="$VG_LOGS/$1.%p.vg"
}

# vg_summary LOGFILE...: "errors E, definitely lost D, indirectly lost I".
vg_summary() {
	awk '
	/ERROR SUMMARY:/ { e += $4 }
	/definitely lost:/ { gsub(",", "", $4); d += $4 }
	/indirectly lost:/ { gsub(",", "", $4); i += $4 }
	END { printf "errors %d, definitely lost %d bytes, indirectly lost %d bytes\n", e, d, i }' "$@"
}
