/*
 * Unit tests for readiness.c's pure part: which privileges the actions
 * need and how a missing one is named, from _has_privileges answers.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "es-parse.h"
#include "readiness.h"

/* Parse a _has_privileges answer. */
static void
parse(const char *text, struct es_privileges *pv)
{
	json_t		*root;
	json_error_t	 err;
	char		*cause = NULL;

	root = json_loads(text, 0, &err);
	ck_assert_ptr_nonnull(root);
	ck_assert_int_eq(es_parse_has_privileges(root, pv, &cause), 0);
	json_decref(root);
}

START_TEST(all_granted)
{
	static const char *const names[] = { "logs1", "logs2" };
	struct es_privileges	 pv;
	struct readiness_check	 c;

	parse("{\"has_all_requested\":true,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":true,\"manage\":true},\"index\":{"
	    "\"logs1\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":true,\"write\":true,\"read\":true},"
	    "\"logs2\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":true,\"write\":true,\"read\":true}}}",
	    &pv);
	readiness_privileges(&pv, names, 2, &c);
	ck_assert(c.ok);
	es_privileges_clear(&pv);
}
END_TEST

START_TEST(missing_named_with_their_steps)
{
	static const char *const names[] = { "logs1-dr" };
	struct es_privileges	 pv;
	struct readiness_check	 c;

	parse("{\"has_all_requested\":false,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":false,\"manage\":true},\"index\":{"
	    "\"logs1-dr\":{\"monitor\":true,\"manage\":true,"
	    "\"manage_follow_index\":false,\"write\":true,\"read\":true}}}",
	    &pv);
	readiness_privileges(&pv, names, 1, &c);
	ck_assert(!c.ok);
	ck_assert_msg(strstr(c.detail, "cluster privilege manage_ccr missing "
	    "(pause_follow") != NULL, "%s", c.detail);
	ck_assert_msg(strstr(c.detail, "index privilege manage_follow_index "
	    "on logs1-dr missing (unfollow") != NULL, "%s", c.detail);
	ck_assert(strstr(c.detail, "privilege monitor") == NULL);
	es_privileges_clear(&pv);

	/* An index the answer does not mention is not granted. */
	parse("{\"has_all_requested\":false,\"cluster\":{\"monitor\":true,"
	    "\"manage_ccr\":true,\"manage\":true}}", &pv);
	readiness_privileges(&pv, names, 1, &c);
	ck_assert(!c.ok);
	ck_assert(strstr(c.detail, "index privilege monitor on logs1-dr") !=
	    NULL);
	es_privileges_clear(&pv);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("readiness");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, all_granted);
	tcase_add_test(tc, missing_named_with_their_steps);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
