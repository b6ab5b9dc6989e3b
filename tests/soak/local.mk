# make soak SOAK_S=N: the daemon polling 1,000 index pairs through light
# faults for N seconds (default 600), failing on RSS or descriptor growth.
# RSS under the sanitizers would describe them, so a sanitizer build is
# refused. Not part of make check.
SOAK_S = 600
EXTRA_DIST += %reldir%/soak.sh

.PHONY: soak
soak:
	@if test -n "$(SANITIZER_CFLAGS)"; then \
	    echo "make soak: this build has sanitizers; RSS figures need" \
	        "a build without them: ./configure && make soak" >&2; \
	    exit 1; \
	fi
	@$(MAKE) $(AM_MAKEFLAGS) src/ccr-failoverd tests/essim/essim \
	    bench/loadgen
	@SOAK_S='$(SOAK_S)' abs_top_builddir='$(abs_top_builddir)' \
	    CURL='$(CURL_PROG)' $(BASH) $(srcdir)/%reldir%/soak.sh
