# make check-valgrind: every unit test program, and one promotion and
# failback with the daemon and ccr-failoverctl, under valgrind memcheck
# (0 errors, 0 bytes definitely or indirectly lost). valgrind cannot run a
# sanitizer build, so it refuses one.
VALGRIND_UNITS = $(filter tests/unit/check_% tests/essim/check_%, \
	$(check_PROGRAMS))
EXTRA_DIST += %reldir%/run.sh %reldir%/units.sh %reldir%/vg.sh \
	%reldir%/promote-failback.sh %reldir%/valgrind.supp

.PHONY: check-valgrind
check-valgrind:
	@if test -n "$(SANITIZER_CFLAGS)"; then \
	    echo "make check-valgrind: this build has sanitizers;" \
	        "valgrind needs a build without them:" >&2; \
	    echo "  ./configure && make check-valgrind" >&2; \
	    exit 1; \
	fi
	@sh $(srcdir)/tools/install-deps --valgrind
	@$(MAKE) $(AM_MAKEFLAGS) $(VALGRIND_UNITS) src/ccr-failoverd \
	    src/ccr-failoverctl tests/essim/essim
	@abs_top_srcdir='$(abs_top_srcdir)' \
	    abs_top_builddir='$(abs_top_builddir)' CURL='$(CURL_PROG)' \
	    $(BASH) $(srcdir)/%reldir%/run.sh $(VALGRIND_UNITS)
