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
# action: the action engine against an in-test fake Elasticsearch.
check_PROGRAMS += %reldir%/unit/check_action
%canon_reldir%_unit_check_action_SOURCES = %reldir%/unit/check_action.c
%canon_reldir%_unit_check_action_CFLAGS = $(UNIT_CFLAGS)
%canon_reldir%_unit_check_action_LDADD = $(UNIT_LIBS)
TESTS += %reldir%/unit/check_action
