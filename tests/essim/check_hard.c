/*
 * Unit tests for the hard cases of the essim model: follower gaps and their
 * no-op fill on open, deletes in the replicated and journalled history,
 * fetch statistics that ignore empty polls, and the identity of shards
 * (history UUIDs, commit user data, shard path).
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model.h"

/* Run an operation, check its status, free what it answered. */
#define EXPECT(call, want) do {						\
	json_t	*out_ = NULL;						\
	int	 st_ = (call);						\
	ck_assert_int_eq(st_, (want));					\
	json_decref(out_);						\
} while (0)
#define OUT (&out_)

/* A leader "l" (one shard) holding n documents with ids 0..n-1. */
static struct sim_cluster *
leader_with_docs(int n)
{
	struct sim_cluster	*a = sim_cluster_new("clusterA");
	json_t			*doc, *body;
	char			 id[16];
	int			 i;

	body = json_pack("{s:{s:i, s:i}}", "settings", "number_of_shards", 1,
	    "number_of_replicas", 0);
	EXPECT(sim_create_index(a, "l", body, 1, OUT), 200);
	json_decref(body);
	doc = json_pack("{s:s}", "user", "kimchy");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%d", i);
		EXPECT(sim_index_doc(a, "l", id, doc, NULL, 1, OUT), 201);
	}
	json_decref(doc);
	return (a);
}

/* A follower cluster with "f" following a's "l" (remote clusterA). */
static struct sim_cluster *
follower_of(struct sim_cluster *a)
{
	struct sim_cluster	*b = sim_cluster_new("clusterB");
	json_t			*body, *leader, *out = NULL;
	int			 st;

	body = json_pack("{s:{s:s, s:s}}", "persistent",
	    "cluster.remote.clusterA.mode", "proxy",
	    "cluster.remote.clusterA.proxy_address", "127.0.0.1:9200");
	ck_assert_int_eq(sim_put_cluster_settings(b, body, 0, &out), 200);
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:s, s:s}", "remote_cluster", "clusterA",
	    "leader_index", "l");
	ck_assert_int_eq(sim_follow_check(b, "f", body, &out), 0);
	leader = sim_leader_meta(a, "l", &st);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(sim_follow_create(b, "f", body, leader, 1, &out), 0);
	json_decref(leader);
	json_decref(body);
	return (b);
}

/* One shard's changes from a leader, from a sequence number. */
static json_t *
changes(struct sim_cluster *a, int64_t from, int *empty)
{
	struct sim_index	*l = sim_index_find(a, "l");
	json_t		*req, *resp, *r;

	req = json_pack("{s:[{s:s, s:s, s:i, s:I}]}", "shards", "index", "l",
	    "uuid", l->uuid, "shard", 0, "from_seq_no", (json_int_t)from);
	resp = sim_changes(a, req, 1, empty);
	r = json_incref(json_array_get(json_object_get(resp, "shards"), 0));
	json_decref(resp);
	json_decref(req);
	return (r);
}

/* A stats field of shard 0 of "f" in _ccr/stats. */
static json_int_t
follow_stat(struct sim_cluster *b, const char *field)
{
	json_t		*out;
	json_int_t	 v;

	ck_assert_int_eq(sim_follow_stats(b, "f", 1, &out), 200);
	v = json_integer_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(out, "indices"), 0), "shards"), 0),
	    field));
	json_decref(out);
	return (v);
}

/*
 * A held-back range leaves a hole: max_seq_no above the global checkpoint;
 * once unfollowed and opened the hole is filled with no-ops for good.
 */
START_TEST(gap_filled_with_noops_on_open)
{
	struct sim_cluster	*a = leader_with_docs(10), *b = follower_of(a);
	struct sim_index		*f = sim_index_find(b, "f");
	struct sim_shard		*s = &f->shards[0];
	json_t			*r, *forget, *out;
	int			 empty;
	int64_t			 seq;

	s->hold_from = 3;
	s->hold_to = 5;
	r = changes(a, 0, &empty);
	ck_assert_int_eq(sim_apply_changes(b, f, 0, r, 1), 7);
	json_decref(r);
	s->hold_from = s->hold_to = -1;
	ck_assert_int_eq(s->max_seq_no, 9);
	ck_assert_int_eq(s->checkpoint, 2);
	ck_assert_int_eq(follow_stat(b, "follower_max_seq_no"), 9);
	ck_assert_int_eq(follow_stat(b, "follower_global_checkpoint"), 2);
	ck_assert_int_eq(follow_stat(b, "leader_global_checkpoint"), 9);
	/* a failed read records where the task must read from next */
	sim_read_failed(f, 0, sim_cause("connect_transport_exception", "x"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    s->follow.read_exceptions, 0), "from_seq_no")), 3);
	/* promotion does not wait for the hole */
	EXPECT(sim_pause_follow(b, "f", OUT), 200);
	EXPECT(sim_close(b, "f", 0, OUT), 200);
	ck_assert_int_eq(sim_unfollow(b, "f", &forget, &out), 200);
	json_decref(forget);
	json_decref(out);
	EXPECT(sim_open(b, "f", 0, OUT), 200);
	ck_assert_int_eq(s->checkpoint, 9);
	ck_assert_int_eq(s->nops, 10);
	for (seq = 3; seq <= 5; seq++) {
		ck_assert_int_eq(s->ops[seq].seq_no, seq);
		ck_assert_int_eq(s->ops[seq].kind, ES_OP_NOOP);
	}
	EXPECT(sim_refresh(b, "f", OUT), 200);
	ck_assert_int_eq(sim_search(b, "f", NULL, NULL, 0, 0, 1, &out), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 7);
	json_decref(out);
	sim_cluster_free(a);
	sim_cluster_free(b);
}
END_TEST

/* A hole filled by the late range itself, not by no-ops, while following. */
START_TEST(gap_filled_by_late_operations)
{
	struct sim_cluster	*a = leader_with_docs(6), *b = follower_of(a);
	struct sim_index		*f = sim_index_find(b, "f");
	struct sim_shard		*s = &f->shards[0];
	json_t			*r;
	int			 empty;

	s->hold_from = s->hold_to = 1;
	r = changes(a, 0, &empty);
	sim_apply_changes(b, f, 0, r, 1);
	json_decref(r);
	s->hold_from = s->hold_to = -1;
	ck_assert_int_eq(s->checkpoint, 0);
	r = changes(a, s->checkpoint + 1, &empty);
	ck_assert_int_eq(sim_apply_changes(b, f, 0, r, 1), 1);
	json_decref(r);
	ck_assert_int_eq(s->checkpoint, 5);
	ck_assert_int_eq(s->ops[1].kind, ES_OP_INDEX);
	ck_assert_str_eq(s->ops[1].id, "1");
	sim_cluster_free(a);
	sim_cluster_free(b);
}
END_TEST

/* Empty long-polls move no fetch statistics (only the read time). */
START_TEST(empty_polls_not_counted)
{
	struct sim_cluster	*a = leader_with_docs(2), *b = follower_of(a);
	struct sim_index		*f = sim_index_find(b, "f");
	json_t			*r;
	int			 empty, i;

	r = changes(a, 0, &empty);
	sim_apply_changes(b, f, 0, r, 1);
	json_decref(r);
	ck_assert_int_eq(follow_stat(b, "successful_read_requests"), 1);
	ck_assert_int_eq(follow_stat(b, "operations_read"), 2);
	for (i = 0; i < 3; i++) {
		r = changes(a, 2, &empty);
		ck_assert_int_eq(empty, 1);
		sim_apply_changes(b, f, 0, r, 10);
		json_decref(r);
	}
	ck_assert_int_eq(follow_stat(b, "successful_read_requests"), 1);
	ck_assert_int_eq(follow_stat(b, "operations_read"), 2);
	ck_assert_int_eq(follow_stat(b, "total_read_time_millis"), 31);
	sim_cluster_free(a);
	sim_cluster_free(b);
}
END_TEST

/* Journal hook of the tests: keep every record. */
static void
collect(void *arg, json_t *rec)
{
	json_array_append((json_t *)arg, rec);
}

/* A delete is replicated, journalled and replayed: the document stays gone. */
START_TEST(delete_replicated_and_replayed)
{
	struct sim_cluster	*a = leader_with_docs(3), *b, *d;
	struct sim_index		*f;
	json_t			*recs = json_array(), *rec, *r, *out, *doc;
	json_t			*snap;
	size_t			 i;
	int			 empty;
	char			*why = NULL;

	snap = sim_snapshot(a);
	json_array_extend(recs, snap);
	json_decref(snap);
	a->journal = collect;
	a->journal_arg = recs;
	EXPECT(sim_delete_doc(a, "l", "1", "true", OUT), 200);
	ck_assert_int_eq(sim_delete_doc(a, "l", "1", NULL, &out), 404);
	ck_assert_str_eq(json_string_value(json_object_get(out, "result")),
	    "not_found");
	json_decref(out);
	EXPECT(sim_get_doc(a, "l", "1", OUT), 404);
	/* indexed again: a version above the delete's */
	doc = json_pack("{s:s}", "user", "again");
	ck_assert_int_eq(sim_index_doc(a, "l", "2", doc, NULL, 1, &out), 200);
	json_decref(out);
	json_decref(doc);
	d = sim_cluster_new("clusterA");
	json_array_foreach(recs, i, rec)
		ck_assert_int_eq(sim_replay(d, rec, &why), 0);
	EXPECT(sim_get_doc(d, "l", "1", OUT), 404);
	EXPECT(sim_get_doc(d, "l", "0", OUT), 200);
	ck_assert_int_eq(sim_index_find(d, "l")->shards[0].max_seq_no, 5);
	b = follower_of(a);
	f = sim_index_find(b, "f");
	r = changes(a, 0, &empty);
	sim_apply_changes(b, f, 0, r, 1);
	json_decref(r);
	EXPECT(sim_get_doc(b, "f", "1", OUT), 404);
	ck_assert_int_eq(f->shards[0].checkpoint, 5);
	EXPECT(sim_refresh(b, "f", OUT), 200);
	ck_assert_int_eq(sim_search(b, "f", NULL, NULL, 0, 0, 1, &out), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 2);
	json_decref(out);
	json_decref(recs);
	sim_cluster_free(a);
	sim_cluster_free(b);
	sim_cluster_free(d);
}
END_TEST

/* Shard identity: history UUIDs shared with the leader, commit user data. */
START_TEST(shard_identity_in_stats)
{
	struct sim_cluster	*a = leader_with_docs(4), *b = follower_of(a);
	struct sim_index		*l = sim_index_find(a, "l");
	json_t			*out, *copy, *ud, *sp;

	ck_assert_str_eq(sim_index_find(b, "f")->shards[0].history_uuid,
	    l->shards[0].history_uuid);
	ck_assert_int_eq(strlen(l->shards[0].history_uuid), ES_UUID_LEN);
	ck_assert_int_eq(sim_stats(a, "l", "shards", &out), 200);
	copy = json_array_get(json_object_get(json_object_get(json_object_get(
	    json_object_get(out, "indices"), "l"), "shards"), "0"), 0);
	ud = json_object_get(json_object_get(copy, "commit"), "user_data");
	ck_assert_str_eq(json_string_value(json_object_get(ud,
	    "history_uuid")), l->shards[0].history_uuid);
	ck_assert_str_eq(json_string_value(json_object_get(ud,
	    "local_checkpoint")), "3");
	ck_assert_str_eq(json_string_value(json_object_get(ud, "max_seq_no")),
	    "3");
	sp = json_object_get(copy, "shard_path");
	ck_assert(json_is_string(json_object_get(sp, "state_path")));
	ck_assert(json_is_string(json_object_get(sp, "data_path")));
	ck_assert(json_is_false(json_object_get(sp, "is_custom_data_path")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(out, "indices"), "l"), "uuid")), l->uuid);
	json_decref(out);
	sim_cluster_free(a);
	sim_cluster_free(b);
}
END_TEST

/* While a put-follow copies: red, paused, no close, no second follow. */
START_TEST(restore_in_progress)
{
	struct sim_cluster	*a = leader_with_docs(1), *b = follower_of(a);
	struct sim_index		*f = sim_index_find(b, "f");
	json_t			*out, *body;

	sim_restore_begin(b, f);
	ck_assert_int_eq(sim_health(b, "f", "indices", &out), 200);
	ck_assert_str_eq(json_string_value(json_object_get(out, "status")),
	    "red");
	ck_assert_int_eq(json_integer_value(json_object_get(out,
	    "initializing_shards")), 1);
	json_decref(out);
	ck_assert_int_eq(sim_follow_info(b, "f", &out), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(out, "follower_indices"), 0), "status")), "paused");
	json_decref(out);
	EXPECT(sim_follow_stats(b, "f", 1, OUT), 404);
	EXPECT(sim_close(b, "f", 0, OUT), 400);
	body = json_pack("{s:s, s:s}", "remote_cluster", "clusterA",
	    "leader_index", "l");
	ck_assert_int_eq(sim_follow_check(b, "f", body, &out), 400);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(out,
	    "error"), "type")), "resource_already_exists_exception");
	json_decref(out);
	sim_restore_end(b, f, 1);
	ck_assert_int_eq(f->tasks, 1);
	ck_assert_int_eq(sim_health(b, "f", NULL, &out), 200);
	ck_assert_str_eq(json_string_value(json_object_get(out, "status")),
	    "green");
	json_decref(out);
	ck_assert_int_eq(sim_follow_check(b, "f", body, &out), 0);
	json_decref(body);
	sim_cluster_free(a);
	sim_cluster_free(b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("essim hard cases");
	TCase	*tc = tcase_create("model");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, gap_filled_with_noops_on_open);
	tcase_add_test(tc, gap_filled_by_late_operations);
	tcase_add_test(tc, empty_polls_not_counted);
	tcase_add_test(tc, delete_replicated_and_replayed);
	tcase_add_test(tc, shard_identity_in_stats);
	tcase_add_test(tc, restore_in_progress);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
