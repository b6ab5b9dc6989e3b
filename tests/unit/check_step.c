/*
 * Unit tests for step.c: step order, the meaning of each Elasticsearch
 * answer (from the reference's lifecycle table), backoff and the counts of
 * lost and divergent operations.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>

#include "step.h"

static struct step_reply
http(int status, const char *type, const char *reason)
{
	struct step_reply	r = { HTTP_DONE, status, type, reason, false,
	    false };

	return (r);
}

START_TEST(promotion_order)
{
	enum step	s = step_first(FSM_ACTION_PROMOTE);
	enum step	want[] = { STEP_RECORD, STEP_PAUSE, STEP_CLOSE,
			    STEP_UNFOLLOW, STEP_OPEN, STEP_DONE };
	size_t		i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		ck_assert_str_eq(step_name(s), step_name(want[i]));
		s = step_next(FSM_ACTION_PROMOTE, s, false);
	}
}
END_TEST

START_TEST(failback_order_with_and_without_divergence)
{
	static const enum step plain[] = {
		STEP_FOLLOWING, STEP_FENCE, STEP_DIVERGENCE, STEP_REACH,
		STEP_DELETE, STEP_FOLLOW, STEP_RESTORE, STEP_FOLLOWING
	};
	static const enum step diverged[] = {
		STEP_DIVERGENCE, STEP_BLOCK, STEP_CLONE, STEP_CLONE_STARTED,
		STEP_CLONE_COUNT, STEP_REACH
	};
	size_t	i;

	ck_assert_int_eq(step_first(FSM_ACTION_FAILBACK), STEP_FOLLOWING);
	for (i = 0; i + 1 < sizeof plain / sizeof plain[0]; i++)
		ck_assert_int_eq(step_next(FSM_ACTION_FAILBACK, plain[i],
		    false), plain[i + 1]);
	for (i = 0; i + 1 < sizeof diverged / sizeof diverged[0]; i++)
		ck_assert_int_eq(step_next(FSM_ACTION_FAILBACK, diverged[i],
		    true), diverged[i + 1]);
	/* Only the fence writes before the delete; the checks only read. */
	ck_assert(step_mutates(STEP_FENCE));
	ck_assert(!step_mutates(STEP_FOLLOWING));
	ck_assert(!step_mutates(STEP_CLONE_STARTED));
	ck_assert(!step_mutates(STEP_CLONE_COUNT));
	ck_assert(!step_mutates(STEP_REACH));
	ck_assert(!step_mutates(STEP_RESTORE));
	ck_assert(step_of(FSM_ACTION_FAILBACK, STEP_RESTORE));
	ck_assert(!step_of(FSM_ACTION_FAILBACK, STEP_CLOSE));
	ck_assert(!step_of(FSM_ACTION_PROMOTE, STEP_FENCE));
	ck_assert(step_of(FSM_ACTION_SWITCHOVER, STEP_FENCE));
}
END_TEST

START_TEST(switchover_runs_promotion_then_failback)
{
	ck_assert_int_eq(step_first(FSM_ACTION_SWITCHOVER), STEP_RECORD);
	ck_assert_int_eq(step_next(FSM_ACTION_SWITCHOVER, STEP_OPEN, false),
	    STEP_FOLLOWING);
	ck_assert_int_eq(step_next(FSM_ACTION_PROMOTE, STEP_OPEN, false),
	    STEP_DONE);
}
END_TEST

START_TEST(names_round_trip)
{
	enum step		s, back;
	enum fsm_action	k, kback;

	for (s = 0; s < STEP_MAX; s++) {
		ck_assert_int_eq(step_from_name(step_name(s), &back), 0);
		ck_assert_int_eq(back, s);
	}
	for (k = 0; k < FSM_ACTION_MAX; k++) {
		ck_assert_int_eq(fsm_action_from_name(fsm_action_name(k),
		    &kback), 0);
		ck_assert_int_eq(kback, k);
	}
	ck_assert_int_eq(step_from_name("reboot", &back), -1);
}
END_TEST

START_TEST(already_done_answers_count_as_done)
{
	struct step_reply	r;

	r = http(400, "illegal_argument_exception",
	    "no shard follow tasks for [logs]");
	ck_assert_int_eq(step_verdict(STEP_PAUSE, &r), VERDICT_DONE);
	r = http(400, "illegal_argument_exception", "no shard follow tasks found");
	ck_assert_int_eq(step_verdict(STEP_PAUSE, &r), VERDICT_DONE);
	r = http(400, "illegal_argument_exception",
	    "index [logs] is not a follower index");
	ck_assert_int_eq(step_verdict(STEP_PAUSE, &r), VERDICT_DONE);
	ck_assert_int_eq(step_verdict(STEP_UNFOLLOW, &r), VERDICT_DONE);
	r = http(404, "index_not_found_exception", "no such index [logs]");
	ck_assert_int_eq(step_verdict(STEP_DELETE, &r), VERDICT_DONE);
	r = http(400, "resource_already_exists_exception",
	    "index [logs-copy/abc] already exists");
	ck_assert_int_eq(step_verdict(STEP_CLONE, &r), VERDICT_DONE);
	r = http(404, "resource_not_found_exception",
	    "No shard follow tasks for follower indices [logs]");
	ck_assert_int_eq(step_verdict(STEP_RECORD, &r), VERDICT_DONE);
	r = http(200, NULL, NULL);
	ck_assert_int_eq(step_verdict(STEP_CLOSE, &r), VERDICT_DONE);
	ck_assert_int_eq(step_verdict(STEP_OPEN, &r), VERDICT_DONE);
}
END_TEST

START_TEST(unfollow_with_leader_gone_is_done)
{
	struct step_reply	r = http(500, "exception",
			    "NoSuchRemoteClusterException[no such remote cluster: [clusterA]]");

	r.leases_failed = true;
	ck_assert_int_eq(step_verdict(STEP_UNFOLLOW, &r), VERDICT_DONE);
	r.leases_failed = false;
	ck_assert_int_eq(step_verdict(STEP_UNFOLLOW, &r), VERDICT_VERIFY);
	r.outcome = HTTP_TIMEOUT;
	ck_assert_int_eq(step_verdict(STEP_UNFOLLOW, &r), VERDICT_VERIFY);
	ck_assert_int_eq(step_verdict(STEP_CLOSE, &r), VERDICT_RETRY);
}
END_TEST

/*
 * A DELETE that timed out or answered 5xx may have deleted the index: the
 * index there is read before anything is sent again. A 429 was turned
 * away before anything happened.
 */
START_TEST(ambiguous_delete_is_verified)
{
	struct step_reply	r = http(500, "exception", "master left");

	ck_assert_int_eq(step_verdict(STEP_DELETE, &r), VERDICT_VERIFY);
	r.outcome = HTTP_TIMEOUT;
	ck_assert_int_eq(step_verdict(STEP_DELETE, &r), VERDICT_VERIFY);
	r = http(429, "es_rejected_execution_exception", "rejected execution");
	ck_assert_int_eq(step_verdict(STEP_DELETE, &r), VERDICT_RETRY);
	r = http(404, "index_not_found_exception", "no such index [x]");
	ck_assert_int_eq(step_verdict(STEP_DELETE, &r), VERDICT_DONE);
	ck_assert(!step_mutates(STEP_VERIFY_DELETE));
	ck_assert(step_of(FSM_ACTION_FAILBACK, STEP_VERIFY_DELETE));
	ck_assert(!step_of(FSM_ACTION_PROMOTE, STEP_VERIFY_DELETE));
	ck_assert_str_eq(step_name(STEP_VERIFY_DELETE), "verify_delete");
}
END_TEST

START_TEST(unfollow_out_of_order_is_verified)
{
	struct step_reply	r = http(400, "illegal_argument_exception",
			    "cannot convert the follower index [logs] to a "
			    "non-follower, because it has not been closed");

	ck_assert_int_eq(step_verdict(STEP_UNFOLLOW, &r), VERDICT_VERIFY);
	ck_assert_int_eq(step_after_verify(OBS_FOLLOW_NOT_FOLLOWER), STEP_OPEN);
	ck_assert_int_eq(step_after_verify(OBS_FOLLOW_PAUSED), STEP_CLOSE);
	ck_assert_int_eq(step_after_verify(OBS_FOLLOW_ACTIVE), STEP_PAUSE);
	ck_assert_int_eq(step_after_verify(OBS_FOLLOW_MISSING), STEP_FAILED);
	ck_assert_int_eq(step_after_verify(OBS_FOLLOW_UNKNOWN),
	    STEP_VERIFY_UNFOLLOW);
}
END_TEST

START_TEST(transient_answers_are_retried)
{
	struct step_reply	r;

	r = http(429, "es_rejected_execution_exception", "rejected execution");
	ck_assert_int_eq(step_verdict(STEP_CLOSE, &r), VERDICT_RETRY);
	r = http(503, "cluster_block_exception",
	    "blocked by: [SERVICE_UNAVAILABLE/2/no master];");
	ck_assert_int_eq(step_verdict(STEP_PAUSE, &r), VERDICT_RETRY);
	r = http(503, "master_not_discovered_exception", NULL);
	ck_assert_int_eq(step_verdict(STEP_OPEN, &r), VERDICT_RETRY);
	r.outcome = HTTP_REFUSED;
	ck_assert_int_eq(step_verdict(STEP_FOLLOW, &r), VERDICT_RETRY);
	/* put-follow while the new leader cannot be reached from here. */
	r = http(400, "status_exception", "can not fetch remote index "
	    "[clusterB:logs-dr] metadata as the license state of the remote "
	    "cluster [clusterB] could not be determined");
	ck_assert_int_eq(step_verdict(STEP_FOLLOW, &r), VERDICT_RETRY);
}
END_TEST

/* A 2xx whose body was cut short is not proof that the step happened. */
START_TEST(garbled_success_is_sent_again)
{
	struct step_reply	r;
	enum step		s;

	r = http(200, NULL, "HTTP 200, invalid JSON: premature end of input");
	r.garbled = true;
	for (s = STEP_RECORD; s < STEP_DONE; s++) {
		if (s == STEP_UNFOLLOW || s == STEP_DELETE)
			ck_assert_int_eq(step_verdict(s, &r), VERDICT_VERIFY);
		else
			ck_assert_int_eq(step_verdict(s, &r), VERDICT_RETRY);
	}
	r.garbled = false;
	ck_assert_int_eq(step_verdict(STEP_OPEN, &r), VERDICT_DONE);
}
END_TEST

START_TEST(permanent_errors_fail)
{
	struct step_reply	r;

	r = http(400, "illegal_argument_exception", "something else entirely");
	ck_assert_int_eq(step_verdict(STEP_CLOSE, &r), VERDICT_FAIL);
	r = http(403, "security_exception", "action [indices:admin/close] is "
	    "unauthorized");
	ck_assert_int_eq(step_verdict(STEP_CLOSE, &r), VERDICT_FAIL);
	r = http(404, "index_not_found_exception", "no such index [logs]");
	ck_assert_int_eq(step_verdict(STEP_PAUSE, &r), VERDICT_MISSING);
	ck_assert_int_eq(step_verdict(STEP_DIVERGENCE, &r), VERDICT_MISSING);
	r = http(400, "resource_already_exists_exception",
	    "index [logs/abc] already exists");
	ck_assert_int_eq(step_verdict(STEP_FOLLOW, &r), VERDICT_VERIFY);
	/* A remote without a CCR licence stays so: the operator must act. */
	r = http(400, "status_exception", "can not fetch remote index "
	    "[clusterB:logs-dr] metadata as the remote cluster [clusterB] is "
	    "not licensed for [ccr]; the license mode [BASIC] on cluster "
	    "[clusterB] does not enable [ccr]");
	ck_assert_int_eq(step_verdict(STEP_FOLLOW, &r), VERDICT_FAIL);
}
END_TEST

START_TEST(backoff_grows_caps_and_jitters)
{
	ck_assert_uint_eq(step_backoff_ms(0, 100, 5000, 0), 50);
	ck_assert_uint_eq(step_backoff_ms(0, 100, 5000, 50), 100);
	ck_assert_uint_eq(step_backoff_ms(0, 100, 5000, 51), 50);
	ck_assert_uint_eq(step_backoff_ms(3, 100, 5000, 0), 400);
	ck_assert_uint_eq(step_backoff_ms(40, 100, 5000, 0), 2500);
	ck_assert_uint_eq(step_backoff_ms(40, 100, 5000, 2500), 5000);
}
END_TEST

START_TEST(lost_and_divergent_operations)
{
	int64_t	leader[] = { 10, 5, -1 };
	int64_t	follower[] = { 7, 5, -1 };
	int64_t	now[] = { 9, 6, 0 };
	int64_t	unknown[] = { 9, STEP_SEQ_UNKNOWN, 0 };

	ck_assert_int_eq(step_lost_operations(leader, follower, 3), 3);
	ck_assert_int_eq(step_lost_operations(leader, unknown, 3), -1);
	ck_assert_int_eq(step_divergent_operations(follower, 3, now, 3), 4);
	ck_assert_int_eq(step_divergent_operations(follower, 3, follower, 3), 0);
	ck_assert_int_eq(step_divergent_operations(follower, 3, now, 2), -1);
	ck_assert_int_eq(step_divergent_operations(NULL, 0, now, 3), -1);
	ck_assert_int_eq(step_divergent_operations(follower, 3, unknown, 3), -1);
}
END_TEST

START_TEST(lost_counts_the_gap)
{
	/* Shard 0: leader at 20, follower holds up to 18 but only 10 surely
	 * (a hole above 10); shard 1 caught up; shard 2 behind, no hole. */
	int64_t	leader[] = { 20, 5, 9 };
	int64_t	gcp[] = { 10, 5, 6 };
	int64_t	fmax[] = { 18, 5, 6 };
	int64_t	unknown[] = { 10, STEP_SEQ_UNKNOWN, 6 };
	int64_t	least, most;

	step_lost_bounds(leader, gcp, fmax, 3, &least, &most);
	ck_assert_int_eq(least, (20 - 18) + 1 + (9 - 6));
	ck_assert_int_eq(most, (20 - 10) + (9 - 6));
	step_lost_bounds(leader, unknown, fmax, 3, &least, &most);
	ck_assert_int_eq(least, -1);
	ck_assert_int_eq(most, -1);
	/* Against max_seq_no alone the hole would be invisible. */
	ck_assert_int_eq(step_lost_operations(leader, fmax, 3), 2 + 3);
	/* Numbers from the network saturate, never wrap. */
	{
		int64_t	top[] = { INT64_MAX, INT64_MAX };
		int64_t	bottom[] = { INT64_MIN + 1, -2 };

		step_lost_bounds(top, bottom, bottom, 2, &least, &most);
		ck_assert_int_eq(least, INT64_MAX);
		ck_assert_int_eq(most, INT64_MAX);
	}

	/* The old leader with the hole's operations (up to 18 on shard 0)
	 * diverges from the checkpoint, not from the follower's max. */
	{
		int64_t	old_leader[] = { 18, 5, 6 };

		ck_assert_int_eq(step_divergent_operations(fmax, 3,
		    old_leader, 3), 0);
		ck_assert_int_eq(step_divergent_operations(gcp, 3,
		    old_leader, 3), 8);
	}
}
END_TEST

/* Sequence numbers come from the network: extremes saturate, never wrap. */
START_TEST(extreme_sequence_numbers_saturate)
{
	int64_t	top[] = { INT64_MAX, INT64_MAX };
	int64_t	bottom[] = { -2, INT64_MIN + 1 };

	ck_assert_int_eq(step_lost_operations(top, bottom, 2), INT64_MAX);
	ck_assert_int_eq(step_lost_operations(bottom, top, 2), 0);
	ck_assert_int_eq(step_divergent_operations(bottom, 2, top, 2),
	    INT64_MAX);
	ck_assert_int_eq(step_divergent_operations(top, 2, bottom, 2), 0);
}
END_TEST

START_TEST(only_mutating_steps_are_held_back_in_dry_run)
{
	ck_assert(!step_mutates(STEP_RECORD));
	ck_assert(!step_mutates(STEP_DIVERGENCE));
	ck_assert(!step_mutates(STEP_VERIFY_UNFOLLOW));
	ck_assert(step_mutates(STEP_PAUSE));
	ck_assert(step_mutates(STEP_DELETE));
	ck_assert(step_mutates(STEP_FOLLOW));
}
END_TEST

START_TEST(touched_only_once_a_mutating_request_may_have_left)
{
	/* Promotion: record read, pause not yet sent. */
	ck_assert(!step_touched(FSM_ACTION_PROMOTE, STEP_RECORD, false,
	    STEP_FAILED));
	ck_assert(!step_touched(FSM_ACTION_PROMOTE, STEP_RECORD, true,
	    STEP_FAILED));
	ck_assert(!step_touched(FSM_ACTION_PROMOTE, STEP_PAUSE, false,
	    STEP_FAILED));
	/* The pause may have left, or was answered. */
	ck_assert(step_touched(FSM_ACTION_PROMOTE, STEP_PAUSE, true,
	    STEP_FAILED));
	ck_assert(step_touched(FSM_ACTION_PROMOTE, STEP_CLOSE, false,
	    STEP_FAILED));
	ck_assert(step_touched(FSM_ACTION_SWITCHOVER, STEP_OPEN, false,
	    STEP_FAILED));
	ck_assert(step_touched(FSM_ACTION_PROMOTE, STEP_DONE, false,
	    STEP_FAILED));
	/* Failed reading its record: nothing changed. */
	ck_assert(!step_touched(FSM_ACTION_PROMOTE, STEP_FAILED, false,
	    STEP_RECORD));
	ck_assert(step_touched(FSM_ACTION_PROMOTE, STEP_FAILED, false,
	    STEP_CLOSE));
	/* Failback: its first read changes nothing; the fence did. */
	ck_assert(!step_touched(FSM_ACTION_FAILBACK, STEP_FOLLOWING, true,
	    STEP_FAILED));
	ck_assert(step_touched(FSM_ACTION_FAILBACK, STEP_DIVERGENCE, false,
	    STEP_FAILED));
	ck_assert(step_touched(FSM_ACTION_FAILBACK, STEP_DELETE, false,
	    STEP_FAILED));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("step");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, promotion_order);
	tcase_add_test(tc, garbled_success_is_sent_again);
	tcase_add_test(tc, failback_order_with_and_without_divergence);
	tcase_add_test(tc, switchover_runs_promotion_then_failback);
	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, already_done_answers_count_as_done);
	tcase_add_test(tc, unfollow_with_leader_gone_is_done);
	tcase_add_test(tc, unfollow_out_of_order_is_verified);
	tcase_add_test(tc, ambiguous_delete_is_verified);
	tcase_add_test(tc, transient_answers_are_retried);
	tcase_add_test(tc, permanent_errors_fail);
	tcase_add_test(tc, backoff_grows_caps_and_jitters);
	tcase_add_test(tc, lost_and_divergent_operations);
	tcase_add_test(tc, lost_counts_the_gap);
	tcase_add_test(tc, extreme_sequence_numbers_saturate);
	tcase_add_test(tc, only_mutating_steps_are_held_back_in_dry_run);
	tcase_add_test(tc, touched_only_once_a_mutating_request_may_have_left);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
