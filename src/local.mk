# The internal library both programs (and the unit tests) link.
noinst_LIBRARIES += %reldir%/libccr.a
%canon_reldir%_libccr_a_SOURCES = \
	%reldir%/config.h %reldir%/observation.h \
	%reldir%/events.c %reldir%/events.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/step.c %reldir%/step.h \
	%reldir%/xmalloc.c %reldir%/xmalloc.h
%canon_reldir%_libccr_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCONFIG_CFLAGS) $(SYSTEMD_CFLAGS)

CCR_LIBS = %reldir%/libccr.a $(CURL_LIBS) $(JANSSON_LIBS) $(LIBEVENT_LIBS) \
	$(LIBCONFIG_LIBS) $(SYSTEMD_LIBS)

sbin_PROGRAMS += %reldir%/ccr-failoverd %reldir%/ccr-failoverctl
%canon_reldir%_ccr_failoverd_SOURCES = %reldir%/ccr-failoverd.c
%canon_reldir%_ccr_failoverd_LDADD = $(CCR_LIBS)
%canon_reldir%_ccr_failoverctl_SOURCES = %reldir%/ccr-failoverctl.c
%canon_reldir%_ccr_failoverctl_LDADD = $(CCR_LIBS)

# Operator control (control file, signals) and hook runner.
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/control.c %reldir%/control.h \
	%reldir%/hook.c %reldir%/hook.h
# action: the engine that carries out promotion, failback and switchover.
%canon_reldir%_libccr_a_SOURCES += %reldir%/action.c %reldir%/action.h
