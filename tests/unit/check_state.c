/* Unit tests for state.c: step tables, the in-memory API, a save/load round
 * trip, and files that are missing, empty, torn, garbage or too new. */
#include "autoconf.h"

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "xmalloc.h"

static char	 tmpdir[] = "/tmp/check_state.XXXXXX";
static char	*path;

/* Make a private directory for each test. */
static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	xasprintf(&path, "%s/%s", tmpdir, STATE_FILE);
}

/* Remove the state file and its directory. */
static void
teardown(void)
{
	unlink(path);
	rmdir(tmpdir);
	free(path);
	strcpy(tmpdir, "/tmp/check_state.XXXXXX");
}

/* Write len bytes of text as the state file. */
static void
write_file(const char *text, size_t len)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* The whole file, NUL-terminated; *len its size. Caller frees. */
static char *
read_file(size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 size;

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)size + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return (buf);
}

/* A record with every field set: a promotion halfway through. */
static void
fill(struct state *st)
{
	struct timespec	started = { 1764107695, 123000000 };
	struct timespec	until = { 1764111295, 0 };
	size_t		i;

	state_set_roles(st, "clusterB", "clusterA");
	state_set_fsm_state(st, "PROMOTING");
	st->held = true;
	st->pending = STATE_ACTION_FAILBACK;
	st->block_until = until;
	st->block_acknowledged = true;

	state_promotion_begin(st, &started, "clusterA");
	state_promotion_add_shard(st, "logs2", 0, 100, 103);
	state_promotion_add_shard(st, "logs2", 1, 57, 57);
	state_promotion_add_shard(st, "metrics2", 0, -1, 4);

	state_action_begin(st, STATE_ACTION_PROMOTE, &started, "clusterA",
	    "clusterB");
	i = state_action_add_index(st, "logs", "logs2");
	ck_assert_uint_eq(i, 0);
	state_step_begin(st, 0, STATE_STEP_RECORDED_SEQNOS);
	state_step_done(st, 0);
	state_step_begin(st, 0, STATE_STEP_PAUSE_FOLLOW);
	state_step_begin(st, 0, STATE_STEP_PAUSE_FOLLOW);
	i = state_action_add_index(st, "metrics", "metrics2");
	ck_assert_uint_eq(i, 1);
	state_step_begin(st, 1, STATE_STEP_CLOSE);
	state_step_failed(st, 1, "index_closed_exception",
	    "closed \"metrics2\" \xc3\xa9");
}

/* Assert b holds what fill() put into a record. */
static void
assert_filled(struct state *b)
{
	const struct state_index	*x;

	ck_assert_str_eq(b->leader, "clusterB");
	ck_assert_str_eq(b->follower, "clusterA");
	ck_assert_str_eq(b->fsm_state, "PROMOTING");
	ck_assert(b->held);
	ck_assert_int_eq(b->pending, STATE_ACTION_FAILBACK);
	ck_assert_int_eq(b->block_until.tv_sec, 1764111295);
	ck_assert(b->block_acknowledged);

	ck_assert(b->promotion.recorded);
	ck_assert_int_eq(b->promotion.at.tv_sec, 1764107695);
	ck_assert_int_eq(b->promotion.at.tv_nsec, 123000000);
	ck_assert_str_eq(b->promotion.lost_leader, "clusterA");
	ck_assert_int_eq(b->promotion.lost_operations, 3 + 5);
	ck_assert_uint_eq(b->promotion.nindices, 2);
	ck_assert_str_eq(b->promotion.indices[0].index, "logs2");
	ck_assert_uint_eq(b->promotion.indices[0].nshards, 2);
	ck_assert_int_eq(b->promotion.indices[0].shards[1].shard, 1);
	ck_assert_int_eq(b->promotion.indices[0].shards[0].follower_max_seq_no,
	    100);
	ck_assert_int_eq(b->promotion.indices[0].shards[0].leader_max_seq_no,
	    103);
	ck_assert_int_eq(b->promotion.indices[1].shards[0].follower_max_seq_no,
	    -1);
	ck_assert_ptr_eq(state_promotion_find(b, "metrics2"),
	    &b->promotion.indices[1]);
	ck_assert_ptr_null(state_promotion_find(b, "metrics"));

	ck_assert_int_eq(b->action.kind, STATE_ACTION_PROMOTE);
	ck_assert_int_eq(b->action.started.tv_sec, 1764107695);
	ck_assert_str_eq(b->action.from, "clusterA");
	ck_assert_str_eq(b->action.to, "clusterB");
	ck_assert_uint_eq(b->action.nindices, 2);
	x = &b->action.indices[0];
	ck_assert_str_eq(x->leader_index, "logs");
	ck_assert_str_eq(x->follower_index, "logs2");
	ck_assert_int_eq(x->step, STATE_STEP_PAUSE_FOLLOW);
	ck_assert_int_eq(x->status, STATE_STATUS_RUNNING);
	ck_assert_int_eq(x->attempts, 2);
	ck_assert_ptr_null(x->error_type);
	x = &b->action.indices[1];
	ck_assert_int_eq(x->step, STATE_STEP_CLOSE);
	ck_assert_int_eq(x->status, STATE_STATUS_FAILED);
	ck_assert_int_eq(x->attempts, 1);
	ck_assert_str_eq(x->error_type, "index_closed_exception");
	ck_assert_str_eq(x->error_reason, "closed \"metrics2\" \xc3\xa9");
}

START_TEST(step_tables)
{
	enum state_action_kind	 k, kback;
	enum state_step		 s, sback;
	enum state_step_status	 t, tback;
	const enum state_step	*steps;
	size_t			 n, i;

	for (k = 0; k < STATE_ACTION_MAX; k++) {
		ck_assert_int_eq(state_action_kind_from_name(
		    state_action_kind_name(k), &kback), 0);
		ck_assert_int_eq(kback, k);
	}
	for (s = 0; s < STATE_STEP_MAX; s++) {
		ck_assert_int_eq(state_step_from_name(state_step_name(s),
		    &sback), 0);
		ck_assert_int_eq(sback, s);
	}
	for (t = 0; t < STATE_STATUS_MAX; t++) {
		ck_assert_int_eq(state_step_status_from_name(
		    state_step_status_name(t), &tback), 0);
		ck_assert_int_eq(tback, t);
	}
	ck_assert_int_eq(state_step_from_name("reboot", &sback), -1);

	steps = state_steps(STATE_ACTION_PROMOTE, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(steps[0], STATE_STEP_RECORDED_SEQNOS);
	ck_assert_int_eq(steps[4], STATE_STEP_OPEN);
	for (k = STATE_ACTION_PROMOTE; k < STATE_ACTION_MAX; k++) {
		steps = state_steps(k, &n);
		ck_assert_int_eq(steps[n - 1], STATE_STEP_DONE);
		for (i = 0; i + 1 < n; i++)
			ck_assert_int_eq(state_step_next(k, steps[i]),
			    steps[i + 1]);
	}
	ck_assert_int_eq(state_step_next(STATE_ACTION_FAILBACK,
	    STATE_STEP_REGISTER_REMOTE), STATE_STEP_DIVERGENCE_CHECK);
	ck_assert_int_eq(state_step_next(STATE_ACTION_SWITCHOVER,
	    STATE_STEP_OPEN), STATE_STEP_REGISTER_REMOTE);
	ck_assert_ptr_null(state_steps(STATE_ACTION_NONE, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(steps_advance)
{
	struct state	st;
	struct timespec	now = { 1764107695, 0 };
	size_t		done, failed;

	state_init(&st, path);
	state_action_begin(&st, STATE_ACTION_FAILBACK, &now, "clusterB",
	    "clusterA");
	state_action_add_index(&st, "logs2", "logs");
	state_action_add_index(&st, "metrics2", "metrics");
	ck_assert_int_eq(st.action.indices[0].step, STATE_STEP_REGISTER_REMOTE);
	ck_assert_int_eq(st.action.indices[0].status, STATE_STATUS_PENDING);

	state_step_begin(&st, 0, STATE_STEP_DELETE);
	state_step_failed(&st, 0, "x", "y");
	state_step_begin(&st, 0, STATE_STEP_DELETE);
	ck_assert_int_eq(st.action.indices[0].attempts, 2);
	ck_assert_ptr_null(st.action.indices[0].error_type);
	state_step_done(&st, 0);
	ck_assert_int_eq(st.action.indices[0].step, STATE_STEP_DELETE);
	ck_assert_int_eq(st.action.indices[0].status, STATE_STATUS_DONE);
	state_step_begin(&st, 0, STATE_STEP_FOLLOW);
	ck_assert_int_eq(st.action.indices[0].attempts, 1);
	state_step_done(&st, 0);
	ck_assert_int_eq(st.action.indices[0].step, STATE_STEP_DONE);
	ck_assert_int_eq(st.action.indices[0].status, STATE_STATUS_DONE);

	state_step_begin(&st, 1, STATE_STEP_DIVERGENCE_CHECK);
	state_step_failed(&st, 1, "index_not_found_exception", "gone");
	state_action_counts(&st.action, &done, &failed);
	ck_assert_uint_eq(done, 1);
	ck_assert_uint_eq(failed, 1);

	state_action_end(&st);
	ck_assert_int_eq(st.action.kind, STATE_ACTION_NONE);
	ck_assert_uint_eq(st.action.nindices, 0);
	state_clear(&st);
}
END_TEST

START_TEST(round_trip)
{
	struct state	 a, b;
	struct stat	 sb;
	char		*cause = NULL, *first, *second;
	size_t		 len1, len2;

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

	/* Saving what was loaded writes the same bytes. */
	first = read_file(&len1);
	ck_assert_int_eq(state_save(&b, &cause), 0);
	second = read_file(&len2);
	ck_assert_str_eq(first, second);
	free(first);
	free(second);

	state_clear(&a);
	state_clear(&b);
}
END_TEST

START_TEST(empty_record_round_trip)
{
	struct state	 a, b;
	char		*cause = NULL;

	state_init(&a, path);
	state_set_roles(&a, "clusterA", "clusterB");
	ck_assert_int_eq(state_save(&a, &cause), 0);
	state_init(&b, path);
	ck_assert_int_eq(state_load(&b, path, &cause), STATE_LOADED);
	ck_assert_str_eq(b.leader, "clusterA");
	ck_assert_ptr_null(b.fsm_state);
	ck_assert(!b.held);
	ck_assert_int_eq(b.pending, STATE_ACTION_NONE);
	ck_assert_int_eq(b.block_until.tv_sec, 0);
	ck_assert_int_eq(b.action.kind, STATE_ACTION_NONE);
	ck_assert(!b.promotion.recorded);
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

	write_file(text, len);
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
	full = read_file(&len);
	ck_assert_int_eq(full[len - 2], '}');

	/* Every cut before the closing brace is rejected, none crashes. */
	for (cut = 1; cut < len - 1; cut++) {
		write_file(full, cut);
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
	const char		*held = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"held\": \"yes\"}";

	load_bad("not json at all", 15, "not valid JSON");
	load_bad(binary, sizeof binary, "not valid JSON");
	load_bad("[1, 2]", 6, "not a JSON object");
	load_bad("{}", 2, "version is not an integer");
	load_bad("{\"version\": 1}", 14, "leader is missing");
	load_bad("{\"version\": 1, \"version\": 1}", 28, "not valid JSON");
	load_bad(held, strlen(held), "held is not true or false");
}
END_TEST

START_TEST(future_version)
{
	const char	*text = "{\"version\": 2, \"leader\": \"a\"}";

	load_bad(text, strlen(text), "format version 2 is newer");
}
END_TEST

START_TEST(inconsistent_action)
{
	const char	*head = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"held\": false, \"pending\": null, "
	    "\"failover_block\": {\"until\": null, \"acknowledged\": false}, "
	    "\"action\": {\"started\": \"2026-11-25T21:54:55.000Z\", "
	    "\"from\": \"a\", \"to\": \"b\", ";
	const char	*index = "\"indices\": [{\"leader_index\": \"l\", "
	    "\"follower_index\": \"f\", \"status\": \"running\", ";
	char		*text;

	xasprintf(&text, "%s\"kind\": \"promote\", %s\"step\": \"delete\", "
	    "\"attempts\": 1}]}}", head, index);
	load_bad(text, strlen(text), "step is not a step of promote");
	free(text);
	xasprintf(&text, "%s\"kind\": \"promote\", %s\"step\": \"close\", "
	    "\"attempts\": -1}]}}", head, index);
	load_bad(text, strlen(text),
	    "action.indices[0].attempts is not an integer");
	free(text);
	xasprintf(&text, "%s\"kind\": \"reboot\", %s\"step\": \"close\", "
	    "\"attempts\": 1}]}}", head, index);
	load_bad(text, strlen(text), "action.kind is not an action kind");
	free(text);
	xasprintf(&text, "%s\"kind\": \"promote\", %s\"step\": \"close\", "
	    "\"attempts\": 1}]}, \"promotion\": 7}", head, index);
	load_bad(text, strlen(text), "promotion is not an object");
	free(text);
	xasprintf(&text, "%s\"kind\": \"promote\", \"indices\": [3]}}",
	    head);
	load_bad(text, strlen(text), "action.indices[0] is not an object");
	free(text);
}
END_TEST

START_TEST(bad_time)
{
	const char	*text = "{\"version\": 1, \"leader\": \"a\", "
	    "\"follower\": \"b\", \"held\": false, \"failover_block\": "
	    "{\"until\": \"tomorrow\", \"acknowledged\": false}}";

	load_bad(text, strlen(text), "failover_block.until is not an ISO 8601");
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
	tcase_add_test(tc, step_tables);
	tcase_add_test(tc, steps_advance);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, empty_record_round_trip);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, empty_file);
	tcase_add_test(tc, torn_file);
	tcase_add_test(tc, garbage_files);
	tcase_add_test(tc, future_version);
	tcase_add_test(tc, inconsistent_action);
	tcase_add_test(tc, bad_time);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
