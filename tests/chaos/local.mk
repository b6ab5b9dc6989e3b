# make chaos CHAOS_RUNS=N CHAOS_SEED=S: N random fault schedules (default
# 200 from a random seed) against two essims and the daemon, checked
# against five invariants; ends with "chaos: N schedules, V violations".
# make chaos-selftest shows each invariant's check fails when it should.
# Not part of make check (.ci/run runs a bounded number).
CHAOS_RUNS = 200
CHAOS_SEED =
EXTRA_DIST += %reldir%/chaos.sh %reldir%/selftest.sh

.PHONY: chaos chaos-selftest
chaos chaos-selftest: src/ccr-failoverd src/ccr-failoverctl tests/essim/essim
chaos:
	@CHAOS_RUNS='$(CHAOS_RUNS)' CHAOS_SEED='$(CHAOS_SEED)' \
	    abs_top_srcdir='$(abs_top_srcdir)' \
	    abs_top_builddir='$(abs_top_builddir)' CURL='$(CURL_PROG)' \
	    $(BASH) $(srcdir)/%reldir%/chaos.sh
chaos-selftest:
	@abs_top_srcdir='$(abs_top_srcdir)' \
	    abs_top_builddir='$(abs_top_builddir)' CURL='$(CURL_PROG)' \
	    $(BASH) $(srcdir)/%reldir%/selftest.sh
