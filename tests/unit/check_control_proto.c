/* Unit tests for control-proto.c: the line format, and the submit / take /
 * withdraw handshake on a control file in a directory of our own. */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control-proto.h"
#include "testutil.h"
#include "xmalloc.h"

static char	*tmpdir;
static char	*control;

/* Make a private runtime directory for each test. */
static void
setup(void)
{
	tmpdir = tu_tmpdir("check_control_proto");
	xasprintf(&control, "%s/%s", tmpdir, CONTROL_PROTO_FILE);
}

static void
teardown(void)
{
	tu_rmtree(tmpdir);
	free(tmpdir);
	free(control);
}

/* Parse text, expecting success. */
static struct control_request
parse_ok(const char *text)
{
	struct control_request	 req;
	char			*cause = NULL;

	if (control_proto_parse(text, strlen(text), &req, &cause) != 0)
		ck_abort_msg("'%s' rejected: %s", text, cause);
	return (req);
}

/* Parse text, expecting a rejection whose reason contains why. */
static void
parse_bad(const char *text, size_t len, const char *why)
{
	struct control_request	 req;
	char			*cause = NULL;

	ck_assert_int_eq(control_proto_parse(text, len, &req, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	if (strstr(cause, why) == NULL)
		ck_abort_msg("cause '%s' lacks '%s'", cause, why);
	free(cause);
}

START_TEST(names_round_trip)
{
	enum fsm_command	c, cback;
	enum control_outcome	o, oback;

	for (c = 0; c < FSM_COMMAND_MAX; c++) {
		ck_assert_int_eq(fsm_command_from_name(
		    fsm_command_name(c), &cback), 0);
		ck_assert_int_eq(cback, c);
	}
	for (o = 0; o < CONTROL_OUTCOME_MAX; o++) {
		ck_assert_int_eq(control_outcome_from_name(
		    control_outcome_name(o), &oback), 0);
		ck_assert_int_eq(oback, o);
	}
	ck_assert_str_eq(fsm_command_name(FSM_COMMAND_SWITCHOVER),
	    "switchover");
	ck_assert_int_eq(fsm_command_from_name("CONFIRM", &cback), -1);
	ck_assert_int_eq(control_outcome_from_name("ok", &oback), -1);
}
END_TEST

START_TEST(parse_accepts)
{
	struct control_request	req;

	req = parse_ok("1234-1764107695.123456789 confirm\n");
	ck_assert_str_eq(req.id, "1234-1764107695.123456789");
	ck_assert_int_eq(req.command, FSM_COMMAND_CONFIRM);
	req = parse_ok("promote");
	ck_assert_str_eq(req.id, "");
	ck_assert_int_eq(req.command, FSM_COMMAND_PROMOTE);
	req = parse_ok("  hold \r\n");
	ck_assert_int_eq(req.command, FSM_COMMAND_HOLD);
	req = parse_ok("ops:42 failback\n");
	ck_assert_str_eq(req.id, "ops:42");
	ck_assert_int_eq(req.command, FSM_COMMAND_FAILBACK);
	ck_assert_str_eq(req.arg, "");
	req = parse_ok("reset-identity clusterA\n");
	ck_assert_str_eq(req.id, "");
	ck_assert_int_eq(req.command, FSM_COMMAND_RESET_IDENTITY);
	ck_assert_str_eq(req.arg, "clusterA");
	req = parse_ok("ops:7 reset-identity clusterB");
	ck_assert_str_eq(req.id, "ops:7");
	ck_assert_str_eq(req.arg, "clusterB");
}
END_TEST

START_TEST(parse_rejects)
{
	char	long_id[CONTROL_PROTO_ID_MAX + 8];
	char	long_line[CONTROL_PROTO_LINE_MAX + 8];

	parse_bad("", 0, "empty");
	parse_bad(" \n", 2, "empty");
	parse_bad("frobnicate\n", 11, "unknown command 'frobnicate'");
	parse_bad("1 2 confirm\n", 12, "[ID] COMMAND");
	parse_bad("a/b confirm\n", 12, "invalid command id");
	parse_bad("confirm\nabort\n", 14, "more than one line");
	parse_bad("x\033[2J confirm", 13, "control character");
	parse_bad("confirm\0abort", 13, "NUL");
	parse_bad("reset-identity\n", 15, "needs the cluster's name");
	parse_bad("id reset-identity\n", 18, "needs the cluster's name");
	parse_bad("confirm clusterA\n", 17, "takes no argument");
	parse_bad("id confirm clusterA\n", 20, "takes no argument");
	parse_bad("id reset-identity a b\n", 22, "[ID] COMMAND [CLUSTER]");

	memset(long_id, 'a', sizeof long_id - 1);
	long_id[CONTROL_PROTO_ID_MAX] = '\0';
	strcat(long_id, " hold");
	parse_bad(long_id, strlen(long_id), "invalid command id");

	memset(long_line, ' ', sizeof long_line);
	memcpy(long_line, "hold", 4);
	parse_bad(long_line, sizeof long_line, "longer than");
}
END_TEST

START_TEST(format_round_trip)
{
	struct control_request	req, back;
	enum fsm_command	c;
	char			line[CONTROL_PROTO_LINE_MAX + 1];

	memset(&req, 0, sizeof req);
	control_proto_make_id(req.id, sizeof req.id);
	for (c = 0; c < FSM_COMMAND_MAX; c++) {
		req.command = c;
		snprintf(req.arg, sizeof req.arg, "%s",
		    c == FSM_COMMAND_RESET_IDENTITY ? "clusterA" : "");
		ck_assert_int_eq(control_proto_format(&req, line, sizeof line),
		    0);
		ck_assert_int_eq(line[strlen(line) - 1], '\n');
		back = parse_ok(line);
		ck_assert_str_eq(back.id, req.id);
		ck_assert_int_eq(back.command, c);
		ck_assert_str_eq(back.arg, req.arg);
	}
	req.command = FSM_COMMAND_RESET_IDENTITY;
	req.arg[0] = '\0';
	ck_assert_int_eq(control_proto_format(&req, line, sizeof line), -1);
	snprintf(req.arg, sizeof req.arg, "a b");
	ck_assert_int_eq(control_proto_format(&req, line, sizeof line), -1);
	req.arg[0] = '\0';
	req.id[0] = '\0';
	req.command = FSM_COMMAND_ABORT;
	ck_assert_int_eq(control_proto_format(&req, line, sizeof line), 0);
	ck_assert_str_eq(line, "abort\n");
	snprintf(req.id, sizeof req.id, "has space");
	ck_assert_int_eq(control_proto_format(&req, line, sizeof line), -1);
	snprintf(req.id, sizeof req.id, "ok");
	ck_assert_int_eq(control_proto_format(&req, line, 5), -1);
}
END_TEST

START_TEST(ids_differ)
{
	char	a[CONTROL_PROTO_ID_MAX], b[CONTROL_PROTO_ID_MAX];

	control_proto_make_id(a, sizeof a);
	control_proto_make_id(b, sizeof b);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(submit_never_overwrites)
{
	struct control_request	 req;
	struct stat		 st;
	char			*cause = NULL;

	memset(&req, 0, sizeof req);
	snprintf(req.id, sizeof req.id, "first");
	req.command = FSM_COMMAND_CONFIRM;
	ck_assert_int_eq(control_proto_submit(tmpdir, &req, &cause), 0);
	tu_assert_file(control, "first confirm\n");
	ck_assert_int_eq(stat(control, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);

	/* An unconsumed command is never overwritten. */
	snprintf(req.id, sizeof req.id, "second");
	req.command = FSM_COMMAND_PROMOTE;
	ck_assert_int_eq(control_proto_submit(tmpdir, &req, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "still waiting"));
	free(cause);
	cause = NULL;
	tu_assert_file(control, "first confirm\n");
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);

	/* Once the daemon consumed it, the next command goes in. */
	ck_assert_int_eq(unlink(control), 0);
	ck_assert_int_eq(control_proto_submit(tmpdir, &req, &cause), 0);
	tu_assert_file(control, "second promote\n");
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(withdraw_only_own)
{
	struct control_request	 req;
	char			*cause = NULL;

	memset(&req, 0, sizeof req);
	snprintf(req.id, sizeof req.id, "mine");
	req.command = FSM_COMMAND_HOLD;
	ck_assert_int_eq(control_proto_submit(tmpdir, &req, &cause), 0);
	ck_assert_int_eq(control_proto_withdraw(tmpdir, "mine", &cause), 1);
	ck_assert_int_eq(tu_count_entries(tmpdir), 0);
	ck_assert_int_eq(control_proto_withdraw(tmpdir, "mine", &cause), 0);

	snprintf(req.id, sizeof req.id, "theirs");
	ck_assert_int_eq(control_proto_submit(tmpdir, &req, &cause), 0);
	ck_assert_int_eq(control_proto_withdraw(tmpdir, "mine", &cause), 0);
	tu_assert_file(control, "theirs hold\n");
	ck_assert_int_eq(tu_count_entries(tmpdir), 1);
	ck_assert_ptr_null(cause);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("control_proto");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, parse_accepts);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, ids_differ);
	tcase_add_test(tc, submit_never_overwrites);
	tcase_add_test(tc, withdraw_only_own);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
