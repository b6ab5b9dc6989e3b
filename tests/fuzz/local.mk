# make fuzz: libFuzzer harnesses for every parser of untrusted input, built
# with clang, ASan and UBSan apart from the regular build (its own objects
# under tests/fuzz/obj), each run FUZZ_SECONDS from its seed corpus in
# tests/fuzz/corpus/<harness>/; what it learns goes to tests/fuzz/work/, a
# crash to tests/fuzz/crashes/. Not part of make check.
FUZZ_SECONDS = 60
FUZZ_CC = clang-14
FUZZ_HARNESSES = es-parse http-answer config control state
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
	$(AM_CPPFLAGS) -Wall -Wextra $(CURL_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(LIBCONFIG_CFLAGS) $(SYSTEMD_CFLAGS)
FUZZ_LIBS = $(CURL_LIBS) $(JANSSON_LIBS) $(LIBEVENT_LIBS) \
	$(LIBCONFIG_LIBS) $(SYSTEMD_LIBS) -lpthread
FUZZ_OBJS = $(patsubst src/%.c,%reldir%/obj/%.o, \
	$(filter %.c,$(src_libccr_a_SOURCES)))
FUZZ_PROGS = $(patsubst %,%reldir%/fuzz-%,$(FUZZ_HARNESSES))

EXTRA_DIST += %reldir%/run.sh %reldir%/parse-any.h \
	$(patsubst %,%reldir%/fuzz-%.c,$(FUZZ_HARNESSES)) %reldir%/corpus

%reldir%/obj/%.o: $(top_srcdir)/src/%.c $(wildcard $(top_srcdir)/src/*.h) \
    autoconf.h
	@mkdir -p $(@D)
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -c -o $@ $<

%reldir%/fuzz-%: $(top_srcdir)/%reldir%/fuzz-%.c \
    $(top_srcdir)/%reldir%/parse-any.h $(FUZZ_OBJS)
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_OBJS) $(FUZZ_LIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_PROGS)

fuzz:
	@sh $(srcdir)/tools/install-deps --fuzz
	@$(MAKE) $(AM_MAKEFLAGS) fuzz-build
	@$(BASH) $(srcdir)/%reldir%/run.sh '$(FUZZ_SECONDS)' \
	    '$(abs_top_srcdir)/%reldir%' '$(abs_top_builddir)/%reldir%' \
	    $(FUZZ_HARNESSES)

clean-local: clean-fuzz
.PHONY: clean-fuzz
clean-fuzz:
	-rm -rf %reldir%/obj %reldir%/work $(FUZZ_PROGS)
.SECONDARY: $(FUZZ_OBJS)
