# bench: `make bench` measures detection, promotion, failback and polling
# cost against essim on loopback, and essim's own throughput; results go to
# bench/results/. Not part of `make check` (only the aggregation's smoke
# test is). Figures from a sanitizer build would describe the sanitizers,
# so bench refuses one.
noinst_PROGRAMS += %reldir%/loadgen
%canon_reldir%_loadgen_SOURCES = %reldir%/loadgen.c
%canon_reldir%_loadgen_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
%canon_reldir%_loadgen_LDADD = $(CCR_LIBS)

TESTS += %reldir%/check-stats.sh
EXTRA_DIST += %reldir%/run.sh %reldir%/lib.sh %reldir%/plot.gp \
	%reldir%/check-stats.sh %reldir%/metrics.sh

.PHONY: bench
bench:
	@if test -n "$(SANITIZER_CFLAGS)"; then \
	    echo "make bench: this build has sanitizers (--enable-sanitizers);" \
	        "benchmarks need an optimized build:" >&2; \
	    echo "  ./configure && make bench" >&2; \
	    exit 1; \
	fi
	@sh $(srcdir)/tools/install-deps --bench || \
	    echo "make bench: gnuplot-nox missing, no plot will be drawn" >&2
	@$(MAKE) $(AM_MAKEFLAGS) src/ccr-failoverd tests/essim/essim \
	    %reldir%/loadgen
	@for p in src/ccr-failoverd tests/essim/essim %reldir%/loadgen; do \
	    if grep -q __asan_init $$p; then \
	        echo "make bench: $$p was built with sanitizers;" \
	            "rebuild it: make clean && make bench" >&2; \
	        exit 1; \
	    fi; \
	done
	@abs_top_builddir='$(abs_top_builddir)' CURL='$(CURL_PROG)' \
	    $(BASH) $(srcdir)/%reldir%/run.sh
