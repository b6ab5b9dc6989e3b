# tests/essim: the Elasticsearch CCR simulator (built by plain make, the
# demo and the integration tests use it) and its tests.
noinst_PROGRAMS += %reldir%/essim
%canon_reldir%_essim_SOURCES = %reldir%/essim.c %reldir%/essim.h \
	%reldir%/model.c %reldir%/model-util.c %reldir%/model.h \
	%reldir%/filter.c %reldir%/filter.h %reldir%/rest.c \
	%reldir%/remote.c %reldir%/fault.c %reldir%/journal.c \
	%reldir%/knobs.c %reldir%/restore.c %reldir%/security.c \
	%reldir%/tls.c
%canon_reldir%_essim_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS)
%canon_reldir%_essim_LDADD = $(CCR_LIBS)
if HAVE_LIBEVENT_OPENSSL
%canon_reldir%_essim_CFLAGS += -DESSIM_TLS $(LIBEVENT_OPENSSL_CFLAGS)
%canon_reldir%_essim_LDADD += $(LIBEVENT_OPENSSL_LIBS)
endif

check_PROGRAMS += %reldir%/check_model
%canon_reldir%_check_model_SOURCES = %reldir%/check_model.c \
	%reldir%/model.c %reldir%/model-util.c %reldir%/model.h \
	%reldir%/filter.c %reldir%/filter.h
%canon_reldir%_check_model_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_check_model_LDADD = $(UNIT_LIBS)

TESTS += %reldir%/check_model

check_PROGRAMS += %reldir%/check_hard
%canon_reldir%_check_hard_SOURCES = %reldir%/check_hard.c \
	%reldir%/model.c %reldir%/model-util.c %reldir%/model.h
%canon_reldir%_check_hard_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_check_hard_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/check_hard

check_PROGRAMS += %reldir%/check_security
%canon_reldir%_check_security_SOURCES = %reldir%/check_security.c \
	%reldir%/security.c %reldir%/knobs.c %reldir%/model-util.c \
	%reldir%/model.h %reldir%/essim.h
%canon_reldir%_check_security_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_check_security_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/check_security
TESTS += tests/integration/essim-tutorial.sh \
	tests/integration/essim-faults.sh tests/integration/essim-garbage.sh \
	tests/integration/essim-remote-cases.sh \
	tests/integration/essim-data-cases.sh \
	tests/integration/essim-restore.sh \
	tests/integration/essim-security.sh
EXTRA_DIST += %reldir%/README tests/integration/essim-tutorial.sh \
	tests/integration/essim-faults.sh tests/integration/essim-garbage.sh \
	tests/integration/essim-remote-cases.sh \
	tests/integration/essim-data-cases.sh \
	tests/integration/essim-restore.sh \
	tests/integration/essim-security.sh
