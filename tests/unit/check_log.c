/* Unit tests for log.c: level names and the stderr line format. */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

START_TEST(level_names_round_trip)
{
	enum log_level	l, back;

	for (l = 0; l < LOG_LEVEL_MAX; l++) {
		ck_assert_int_eq(log_level_from_name(log_level_name(l), &back),
		    0);
		ck_assert_int_eq(back, l);
	}
	ck_assert_int_eq(log_level_from_name("WARN", &back), 0);
	ck_assert_int_eq(back, LOG_LEVEL_WARNING);
	ck_assert_int_eq(log_level_from_name("verbose", &back), -1);
}
END_TEST

static void
emit_event(void *arg)
{
	struct log_field	f[] = {
		{ "CCR_CLUSTER", "clusterA" }, { "CCR_STATE", "PROMOTED" }
	};

	(void)arg;
	log_event(LOG_LEVEL_NOTICE, "0123456789abcdef0123456789abcdef", f, 2,
	    "promoted %d indices", 3);
}

START_TEST(event_line_carries_fields)
{
	char	*buf;

	unsetenv("JOURNAL_STREAM");
	log_init("check_log", LOG_LEVEL_INFO);
	buf = tu_stderr_of(emit_event, NULL);
	ck_assert_ptr_nonnull(strstr(buf, "check_log["));
	ck_assert_ptr_nonnull(strstr(buf,
	    "notice: promoted 3 indices CCR_CLUSTER=clusterA CCR_STATE=PROMOTED\n"));
	free(buf);
}
END_TEST

static void
emit_debug(void *arg)
{
	(void)arg;
	log_debug("hidden");
	log_info("shown");
}

START_TEST(level_filters)
{
	char	*buf;

	unsetenv("JOURNAL_STREAM");
	log_init("check_log", LOG_LEVEL_INFO);
	buf = tu_stderr_of(emit_debug, NULL);
	ck_assert_ptr_null(strstr(buf, "hidden"));
	ck_assert_ptr_nonnull(strstr(buf, "info: shown"));
	free(buf);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, level_names_round_trip);
	tcase_add_test(tc, event_line_carries_fields);
	tcase_add_test(tc, level_filters);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
