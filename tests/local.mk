# Unit tests (Check) link the internal library; integration tests are bash
# scripts that run the real programs.
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(CURL_CFLAGS) $(SYSTEMD_CFLAGS)
UNIT_LIBS = $(CCR_LIBS) $(CHECK_LIBS)

check_PROGRAMS += %reldir%/unit/check_log
%canon_reldir%_unit_check_log_SOURCES = %reldir%/unit/check_log.c
%canon_reldir%_unit_check_log_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_log_LDADD = $(UNIT_LIBS)

TESTS += %reldir%/unit/check_log
TESTS += %reldir%/integration/cli.sh

EXTRA_DIST += %reldir%/integration/lib.sh %reldir%/integration/cli.sh

# step: per-index action steps and answer verdicts
check_PROGRAMS += %reldir%/unit/check_step
%canon_reldir%_unit_check_step_SOURCES = %reldir%/unit/check_step.c
%canon_reldir%_unit_check_step_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_step_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_step
# Operator control and hook runner.
check_PROGRAMS += %reldir%/unit/check_control %reldir%/unit/check_hook
%canon_reldir%_unit_check_control_SOURCES = %reldir%/unit/check_control.c
%canon_reldir%_unit_check_control_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_control_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_hook_SOURCES = %reldir%/unit/check_hook.c
%canon_reldir%_unit_check_hook_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_hook_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_control %reldir%/unit/check_hook
# runtime: atomicfile, notify, state, status, control protocol, ccr-failoverctl
check_PROGRAMS += %reldir%/unit/check_atomicfile %reldir%/unit/check_notify \
	%reldir%/unit/check_state %reldir%/unit/check_status \
	%reldir%/unit/check_control_proto
%canon_reldir%_unit_check_atomicfile_SOURCES = %reldir%/unit/check_atomicfile.c
%canon_reldir%_unit_check_atomicfile_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_atomicfile_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_notify_SOURCES = %reldir%/unit/check_notify.c
%canon_reldir%_unit_check_notify_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_notify_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_state_SOURCES = %reldir%/unit/check_state.c
%canon_reldir%_unit_check_state_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_state_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_status_SOURCES = %reldir%/unit/check_status.c
%canon_reldir%_unit_check_status_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_status_LDADD = $(UNIT_LIBS)
%canon_reldir%_unit_check_control_proto_SOURCES = \
	%reldir%/unit/check_control_proto.c
%canon_reldir%_unit_check_control_proto_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_control_proto_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_atomicfile %reldir%/unit/check_notify \
	%reldir%/unit/check_state %reldir%/unit/check_status \
	%reldir%/unit/check_control_proto %reldir%/integration/ctl.sh
EXTRA_DIST += %reldir%/integration/ctl.sh \
	%reldir%/integration/ctl/status-replicating.json \
	%reldir%/integration/ctl/status-promoting.json
# fsm: the state machine's scripted transitions.
check_PROGRAMS += %reldir%/unit/check_fsm
%canon_reldir%_unit_check_fsm_SOURCES = %reldir%/unit/check_fsm.c
%canon_reldir%_unit_check_fsm_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_fsm_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_fsm
