/* Unit tests for state.c: a save/load round trip, and files that are missing, empty, torn, garbage or too new. */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "testutil.h"
#include "xmalloc.h"

static char	*tmpdir;
static char	*path;

/* Make a private directory for each test. */
static void
setup(void)
{
	tmpdir = tu_tmpdir("check_state");
	xasprintf(&path, "%s/%s", tmpdir, STATE_FILE);
}

static void
teardown(void)
{
	tu_rmtree(tmpdir);
	free(tmpdir);
	free(path);
}

/* A record with every field set: a promotion halfway through. */
static void
fill(struct state *st)
{
	struct timespec	until = { 1764111295, 0 };

	state_set_roles(st, "clusterA", "clusterB");
	st->fsm.state = FSM_STATE_PROMOTING;
	st->fsm.pending = FSM_ACTION_FAILBACK;
	st->fsm.pending_from = FSM_STATE_PROMOTED;
	st->fsm.pending_engine = true;
	st->fsm.action = FSM_ACTION_PROMOTE;
	st->fsm.forced = true;
	st->fsm.held = true;
	st->fsm.dismissed = true;
	snprintf(st->fsm.reason, sizeof st->fsm.reason, "leader lost");
	st->block_until = until;
	state_set_action(st, xstrdup("{\"kind\":\"promote\",\"indices\":"
	    "[{\"step\":\"close\"}]}"));
	state_set_promotion(st, xstrdup("{\"kind\":\"promote\"}"));
	state_set_identity(st, "clusterA", "uuid-a");
	state_set_identity(st, "clusterB", "uuid-b");
	state_set_identity(st, "clusterB", NULL);
	state_set_identity(st, "clusterB", "uuid-b2");
	state_set_failed(st, xstrdup("{\"kind\":\"failback\"}"));
	state_set_index_uuid(st, "clusterA", "logs", "u-logs");
	state_set_index_uuid(st, "clusterB", "logs2", "u-logs2");
	state_forget_index_uuids(st, "clusterB");
}

/* b holds what fill() put in. */
static void
assert_filled(struct state *b)
{
	json_t	*action, *promotion, *failed;

	ck_assert_str_eq(b->leader, "clusterA");
	ck_assert_str_eq(b->follower, "clusterB");
	ck_assert_int_eq(b->fsm.state, FSM_STATE_PROMOTING);
	ck_assert_int_eq(b->fsm.pending, FSM_ACTION_FAILBACK);
	ck_assert_int_eq(b->fsm.pending_from, FSM_STATE_PROMOTED);
	ck_assert(b->fsm.pending_engine);
	ck_assert_int_eq(b->fsm.action, FSM_ACTION_PROMOTE);
	ck_assert(b->fsm.forced && b->fsm.held && b->fsm.dismissed);
	ck_assert_str_eq(b->fsm.reason, "leader lost");
	ck_assert_int_eq(b->block_until.tv_sec, 1764111295);
	ck_assert_ptr_nonnull(b->action);
	action = state_action(b);
	promotion = state_promotion(b);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(action, "indices"), 0), "step")), "close");
	ck_assert_str_eq(json_string_value(json_object_get(promotion,
	    "kind")), "promote");
	ck_assert_str_eq(state_identity(b, "clusterA"), "uuid-a");
	ck_assert_str_eq(state_identity(b, "clusterB"), "uuid-b2");
	ck_assert_ptr_null(state_identity(b, "clusterC"));
	failed = state_failed(b);
	ck_assert_str_eq(json_string_value(json_object_get(failed, "kind")),
	    "failback");
	ck_assert_str_eq(state_index_uuid(b, "clusterA", "logs"), "u-logs");
	ck_assert_ptr_null(state_index_uuid(b, "clusterB", "logs2"));
	json_decref(failed);
	json_decref(action);
	json_decref(promotion);
}

/* One pin forgotten leaves the others; forgetting what is not pinned is a no-op. */
START_TEST(forget_one_index_uuid)
{
	struct state	st;

	state_init(&st, path);
	state_forget_index_uuid(&st, "clusterA", "logs");
	state_set_index_uuid(&st, "clusterA", "logs", "u-logs");
	state_set_index_uuid(&st, "clusterA", "logs2", "u-logs2");
	state_forget_index_uuid(&st, "clusterA", "logs");
	state_forget_index_uuid(&st, "clusterB", "logs2");
	ck_assert_ptr_null(state_index_uuid(&st, "clusterA", "logs"));
	ck_assert_str_eq(state_index_uuid(&st, "clusterA", "logs2"),
	    "u-logs2");
	state_clear(&st);
}
END_TEST

START_TEST(round_trip)
{
	struct state	 a, b;
	struct stat	 sb;
	char		*cause = NULL;

	state_init(&a, path);
	fill(&a);
	ck_assert_int_eq(state_save(&a, &cause), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	state_init(&b, "elsewhere");
	ck_assert_int_eq(state_load(&b, path, &cause), STATE_LOADED);
	ck_assert_ptr_null(cause);
	assert_filled(&b);
	ck_assert_str_eq(b.path, path);
	state_clear(&a);
	state_clear(&b);
}
END_TEST

/* Another member's copy of the record, as etcd carries it. */
START_TEST(json_round_trip)
{
	struct state	 a, b;
	json_t		*doc;
	char		*cause = NULL;

	state_init(&a, path);
	fill(&a);
	doc = state_to_json(&a);
	ck_assert_ptr_nonnull(doc);
	state_init(&b, "mine");
	ck_assert_int_eq(state_load_json(&b, doc, &cause), 0);
	assert_filled(&b);
	ck_assert_str_eq(b.path, "mine");
	json_decref(doc);
	/* A broken copy leaves the record as it was. */
	doc = json_pack("{s:i}", "version", 1);
	ck_assert_int_eq(state_load_json(&b, doc, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	assert_filled(&b);
	json_decref(doc);
	state_clear(&a);
	state_clear(&b);
}
END_TEST

START_TEST(empty_record_round_trip)
{
	struct state	 a, b;
	char		*cause = NULL;

	state_init(&a, path);
	state_set_roles(&a, "x", "y");
	ck_assert_int_eq(state_save(&a, &cause), 0);
	state_init(&b, path);
	ck_assert_int_eq(state_load(&b, path, &cause), STATE_LOADED);
	ck_assert_int_eq(b.fsm.state, FSM_STATE_REPLICATING);
	ck_assert_int_eq(b.fsm.pending, FSM_ACTION_NONE);
	ck_assert_ptr_null(b.action);
	ck_assert_ptr_null(b.promotion);
	ck_assert_int_eq(b.block_until.tv_sec, 0);
	state_clear(&a);
	state_clear(&b);
}
END_TEST

START_TEST(missing_file)
{
	struct state	 st;
	char		*cause = NULL;

	state_init(&st, "old");
	state_set_roles(&st, "x", "y");
	ck_assert_int_eq(state_load(&st, path, &cause), STATE_MISSING);
	ck_assert_ptr_null(cause);
	ck_assert_ptr_null(st.leader);
	ck_assert_str_eq(st.path, path);
	state_clear(&st);
}
END_TEST

/* Load text, expecting STATE_INVALID with why in the cause, st untouched. */
static void
load_bad(const char *text, size_t len, const char *why)
{
	struct state	 st;
	char		*cause = NULL;

	tu_write(path, text, len, 0644);
	state_init(&st, path);
	state_set_roles(&st, "keep", "me");
	ck_assert_int_eq(state_load(&st, path, &cause), STATE_INVALID);
	ck_assert_ptr_nonnull(cause);
	if (strstr(cause, why) == NULL)
		ck_abort_msg("cause '%s' lacks '%s'", cause, why);
	free(cause);
	ck_assert_str_eq(st.leader, "keep");
	ck_assert_str_eq(st.follower, "me");
	state_clear(&st);
}

START_TEST(empty_file)
{
	load_bad("", 0, "empty");
}
END_TEST

START_TEST(torn_file)
{
	struct state	 st;
	char		*cause = NULL, *full;
	size_t		 len, cut;

	state_init(&st, path);
	fill(&st);
	ck_assert_int_eq(state_save(&st, &cause), 0);
	state_clear(&st);
	full = tu_read(path, &len);
	ck_assert_int_eq(full[len - 2], '}');

	/* Every cut before the closing brace is rejected, none crashes. */
	for (cut = 1; cut < len - 1; cut++) {
		tu_write(path, full, cut, 0644);
		state_init(&st, path);
		ck_assert_int_eq(state_load(&st, path, &cause), STATE_INVALID);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
		state_clear(&st);
	}
	free(full);
}
END_TEST

START_TEST(garbage_files)
{
	static const char	binary[] = { 0x7f, 'E', 'L', 'F', 0, 1, 2 };

	load_bad("not json at all", 15, "not valid JSON");
	load_bad(binary, sizeof binary, "not valid JSON");
	load_bad("[1, 2]", 6, "not a JSON object");
	load_bad("{}", 2, "version is not an integer");
	load_bad("{\"version\": 1}", 14, "leader is missing");
	load_bad("{\"version\": 1, \"version\": 1}", 28, "not valid JSON");
}
END_TEST

START_TEST(future_version)
{
	const char	*text = "{\"version\": 2, \"leader\": \"a\"}";

	load_bad(text, strlen(text), "format version 2 is newer");
}
END_TEST

/* A valid document with one field replaced by text. */
static char *
doc_with(const char *field)
{
	char	*text;

	xasprintf(&text, "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"fsm\": {\"state\": \"PROMOTED\", "
	    "\"pending\": null, \"pending_from\": \"REPLICATING\", "
	    "\"pending_engine\": false, \"action\": null, \"forced\": false, "
	    "\"held\": false, \"dismissed\": false, \"reason\": \"\"}, %s}",
	    field);
	return (text);
}

START_TEST(inconsistent_fields)
{
	static const struct {
		const char	*field;
		const char	*why;
	} bad[] = {
		{ "\"action\": 7", "action is not an object" },
		{ "\"promotion\": [1]", "promotion is not an object" },
		{ "\"failover_block_until\": \"tomorrow\"",
		  "failover_block_until is not an ISO 8601" },
		{ "\"identity\": {\"clusterA\": 5}",
		  "identity.clusterA is not a cluster_uuid" },
		{ "\"identity\": [\"x\"]", "identity is not an object" },
	};
	char	*text;
	size_t	 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		text = doc_with(bad[i].field);
		load_bad(text, strlen(text), bad[i].why);
		free(text);
	}
	text = doc_with("\"action\": null");
	tu_write(path, text, strlen(text), 0644);
	free(text);
	{
		struct state	 st;
		char		*cause = NULL;

		state_init(&st, path);
		ck_assert_int_eq(state_load(&st, path, &cause), STATE_LOADED);
		ck_assert_int_eq(st.fsm.state, FSM_STATE_PROMOTED);
		state_clear(&st);
	}
}
END_TEST

START_TEST(bad_machine_record)
{
	const char	*bad_state = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"fsm\": {\"state\": \"NAPPING\"}}";
	const char	*bad_pending = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"fsm\": {\"state\": \"PROMOTED\", "
	    "\"pending\": \"reboot\"}}";
	const char	*no_fsm = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\"}";

	load_bad(bad_state, strlen(bad_state), "fsm.state is not a state name");
	load_bad(bad_pending, strlen(bad_pending),
	    "fsm.pending is not an action name");
	load_bad(no_fsm, strlen(no_fsm), "fsm is not an object");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("state");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, json_round_trip);
	tcase_add_test(tc, empty_record_round_trip);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, torn_file);
	tcase_add_test(tc, garbage_files);
	tcase_add_test(tc, future_version);
	tcase_add_test(tc, inconsistent_fields);
	tcase_add_test(tc, bad_machine_record);
	tcase_add_test(tc, forget_one_index_uuid);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
