# The internal library both programs (and the unit tests) link.
noinst_LIBRARIES += %reldir%/libccr.a
%canon_reldir%_libccr_a_SOURCES = \
	%reldir%/config.h %reldir%/observation.h \
	%reldir%/events.c %reldir%/events.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/monotime.c %reldir%/monotime.h \
	%reldir%/seqno.h \
	%reldir%/step.c %reldir%/step.h \
	%reldir%/xmalloc.c %reldir%/xmalloc.h
%canon_reldir%_libccr_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) \
	$(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBCONFIG_CFLAGS) $(SYSTEMD_CFLAGS)

CCR_LIBS = %reldir%/libccr.a $(CURL_LIBS) $(JANSSON_LIBS) $(LIBEVENT_LIBS) \
	$(LIBCONFIG_LIBS) $(SYSTEMD_LIBS)

sbin_PROGRAMS += %reldir%/ccr-failoverd %reldir%/ccr-failoverctl
%canon_reldir%_ccr_failoverd_SOURCES = %reldir%/ccr-failoverd.c \
	%reldir%/daemon.c %reldir%/daemon.h %reldir%/daemon-int.h \
	%reldir%/daemon-clusters.c %reldir%/daemon-coord.c \
	%reldir%/daemon-engine.c %reldir%/daemon-identity.c \
	%reldir%/daemon-reload.c %reldir%/daemon-resume.c
%canon_reldir%_ccr_failoverd_LDADD = $(CCR_LIBS)
%canon_reldir%_ccr_failoverctl_SOURCES = %reldir%/ccr-failoverctl.c
%canon_reldir%_ccr_failoverctl_LDADD = $(CCR_LIBS)

# Operator control (control file, signals) and hook runner.
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/control.c %reldir%/control.h \
	%reldir%/hook.c %reldir%/hook.h
# runtime: atomic files, sd_notify, state.json, status.json, control protocol
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/atomicfile.c %reldir%/atomicfile.h \
	%reldir%/control-proto.c %reldir%/control-proto.h \
	%reldir%/isotime.c %reldir%/isotime.h \
	%reldir%/jsonw.c %reldir%/jsonw.h \
	%reldir%/notify.c %reldir%/notify.h \
	%reldir%/state.c %reldir%/state.h \
	%reldir%/status.c %reldir%/status.h
# fsm: the pure failover state machine.
%canon_reldir%_libccr_a_SOURCES += %reldir%/fsm.c %reldir%/fsm.h
# config: libconfig parsing, validation and canonical print.
%canon_reldir%_libccr_a_SOURCES += %reldir%/config.c %reldir%/config-print.c
# http, es, es-parse, poller: the watcher's HTTP side.
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/http.c %reldir%/http.h
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/es-parse.c %reldir%/es-parse.h
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/es.c %reldir%/es.h \
	%reldir%/es-name.c %reldir%/es-name.h
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/poller.c %reldir%/poller.h
# action: the engine that carries out promotion, failback and switchover.
%canon_reldir%_libccr_a_SOURCES += %reldir%/action.c %reldir%/action.h \
	%reldir%/action-int.h \
	%reldir%/action-failback.c %reldir%/action-seqno.c \
	%reldir%/action-request.c %reldir%/action-watch.c \
	%reldir%/action-record.c %reldir%/action-record.h \
	%reldir%/sender.c %reldir%/sender.h
# metrics: Prometheus exposition served on the loop.
%canon_reldir%_libccr_a_SOURCES += %reldir%/metrics.c %reldir%/metrics.h
# readiness: would a promotion and a failback work now?
%canon_reldir%_libccr_a_SOURCES += %reldir%/readiness.c %reldir%/readiness.h
# fence: write blocks on the old leader when it answers again.
%canon_reldir%_libccr_a_SOURCES += %reldir%/fence.c %reldir%/fence.h
# coord: several watchers, one actor, through etcd's JSON gateway.
%canon_reldir%_libccr_a_SOURCES += \
	%reldir%/coord.c %reldir%/coord.h \
	%reldir%/coord-parse.c %reldir%/coord-parse.h \
	%reldir%/coord-quorum.c %reldir%/coord-quorum.h
