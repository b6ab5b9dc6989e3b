/*
 * Unit tests for the essim model: routing, globbing, filter_path, index
 * lifecycle, the follower state table of the reference (section 20),
 * cluster settings for remotes, replication through sim_changes and
 * sim_apply_changes, and journal replay.
 */
#include "autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "filter.h"
#include "model.h"

/* The error type of an envelope, or "" for a success body. */
static const char *
err_type(json_t *out)
{
	const char	*t;

	t = json_string_value(json_object_get(json_object_get(out, "error"),
	    "type"));
	return (t == NULL ? "" : t);
}

/* The reason of an error envelope, or "". */
static const char *
err_reason(json_t *out)
{
	const char	*t;

	t = json_string_value(json_object_get(json_object_get(out, "error"),
	    "reason"));
	return (t == NULL ? "" : t);
}

/* Run an operation, check status (and error type when given), free. */
#define EXPECT(call, want, type) do {					\
	json_t	*out_ = NULL;						\
	int	 st_ = (call);						\
	ck_assert_int_eq(st_, (want));					\
	if ((type) != NULL)						\
		ck_assert_str_eq(err_type(out_), (type));		\
	json_decref(out_);						\
} while (0)
#define OUT (&out_)

/* A follower-side cluster with remote clusterA configured (proxy mode). */
static struct sim_cluster *
cluster_with_remote(void)
{
	struct sim_cluster	*c = sim_cluster_new("clusterB");
	json_t			*body, *out;

	body = json_pack("{s:{s:{s:{s:{s:s, s:s}}}}}", "persistent", "cluster",
	    "remote", "clusterA", "mode", "proxy", "proxy_address",
	    "127.0.0.1:9200");
	ck_assert_int_eq(sim_put_cluster_settings(c, body, 0, &out), 200);
	json_decref(out);
	json_decref(body);
	return (c);
}

/* Make "f" a follower of leader index "l" with the given shard count. */
static void
make_follower(struct sim_cluster *c, int shards)
{
	json_t	*body, *leader, *out = NULL;

	body = json_pack("{s:s, s:s}", "remote_cluster", "clusterA",
	    "leader_index", "l");
	ck_assert_int_eq(sim_follow_check(c, "f", body, &out), 0);
	leader = json_pack("{s:s, s:s, s:i, s:i, s:b}", "index", "l", "uuid",
	    "LEADERUUID000000000000", "shards", shards, "replicas", 1, "open",
	    1);
	ck_assert_int_eq(sim_follow_create(c, "f", body, leader, 1, &out), 0);
	json_decref(body);
	json_decref(leader);
}

START_TEST(murmur3_known_values)
{
	ck_assert_uint_eq(sim_murmur3("", 0, 0), 0);
	ck_assert_uint_eq(sim_murmur3("hello", 5, 0), 0x248bfa47);
	ck_assert_uint_eq(sim_murmur3(
	    "The quick brown fox jumps over the lazy dog", 43, 0), 0x2e4ff723);
}
END_TEST

START_TEST(routing_is_stable_and_in_range)
{
	char	id[16];
	int	i, sh, seen[5] = { 0 };

	ck_assert_int_eq(sim_shard_for_id("anything", 1), 0);
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "doc-%d", i);
		sh = sim_shard_for_id(id, 5);
		ck_assert_int_ge(sh, 0);
		ck_assert_int_lt(sh, 5);
		ck_assert_int_eq(sh, sim_shard_for_id(id, 5));
		seen[sh]++;
	}
	for (i = 0; i < 5; i++)
		ck_assert_int_gt(seen[i], 0);
}
END_TEST

START_TEST(glob_matching)
{
	ck_assert(sim_glob("*", "abc"));
	ck_assert(sim_glob("a*c", "abbbc"));
	ck_assert(!sim_glob("a*c", "abcd"));
	ck_assert(sim_glob("logs-*-x", "logs-1-x"));
	ck_assert(!sim_glob("abc", "abd"));
}
END_TEST

/* filter_path applied to a JSON text. */
static json_t *
filtered(const char *in, const char *spec)
{
	json_t	*j = json_loads(in, 0, NULL), *f;

	ck_assert_ptr_nonnull(j);
	f = filter_path(j, spec);
	json_decref(j);
	return (f);
}

/* Compare (and release) a JSON value with the expected text. */
static void
assert_json(json_t *got, const char *want)
{
	json_t	*w = json_loads(want, 0, NULL);

	ck_assert_ptr_nonnull(w);
	if (!json_equal(got, w)) {
		char	*s = json_dumps(got, JSON_COMPACT);

		ck_abort_msg("got %s want %s", s, want);
	}
	json_decref(w);
	json_decref(got);
}

START_TEST(filter_path_rules)
{
	const char	*doc = "{\"took\":3,\"hits\":{\"total\":1,\"hits\":"
	    "[{\"_id\":\"0\",\"_score\":1.5,\"_source\":{\"a\":1}},"
	    "{\"_id\":\"1\",\"_score\":1.0}]},\"_shards\":{\"total\":1}}";

	assert_json(filtered(doc, "took,hits.hits._id"),
	    "{\"took\":3,\"hits\":{\"hits\":[{\"_id\":\"0\"},"
	    "{\"_id\":\"1\"}]}}");
	assert_json(filtered(doc, "-_shards,-hits"), "{\"took\":3}");
	assert_json(filtered(doc, "**._id"),
	    "{\"hits\":{\"hits\":[{\"_id\":\"0\"},{\"_id\":\"1\"}]}}");
	assert_json(filtered(doc, "hits.*.total"), "{}");
	assert_json(filtered(doc, "nothing"), "{}");
	assert_json(filtered(doc, "_sh*"), "{\"_shards\":{\"total\":1}}");
	assert_json(filtered(doc, "hits,-hits.hits"),
	    "{\"hits\":{\"total\":1}}");
}
END_TEST

START_TEST(index_lifecycle_and_errors)
{
	struct sim_cluster	*c = sim_cluster_new("a");
	json_t			*body;

	EXPECT(sim_create_index(c, "idx", NULL, 1, OUT), 200, "");
	EXPECT(sim_create_index(c, "idx", NULL, 1, OUT), 400,
	    "resource_already_exists_exception");
	EXPECT(sim_create_index(c, "Bad", NULL, 1, OUT), 400,
	    "invalid_index_name_exception");
	ck_assert_int_eq(sim_exists(c, "idx"), 200);
	ck_assert_int_eq(sim_exists(c, "idx,nope"), 404);
	body = json_pack("{s:s}", "user", "kimchy");
	EXPECT(sim_index_doc(c, "idx", "1", body, NULL, 1, OUT), 201, "");
	EXPECT(sim_index_doc(c, "idx", "1", body, NULL, 1, OUT), 200, "");
	EXPECT(sim_search(c, "idx", "kimchy", NULL, 0, 10, 1, OUT), 200, "");
	EXPECT(sim_close(c, "idx", 0, OUT), 200, "");
	EXPECT(sim_index_doc(c, "idx", "2", body, NULL, 1, OUT), 400,
	    "index_closed_exception");
	EXPECT(sim_search(c, "idx", NULL, NULL, 0, 10, 0, OUT), 400,
	    "index_closed_exception");
	EXPECT(sim_close(c, "idx,nope", 0, OUT), 404,
	    "index_not_found_exception");
	EXPECT(sim_close(c, "*", 0, OUT), 400, "illegal_argument_exception");
	EXPECT(sim_open(c, "idx", 0, OUT), 200, "");
	EXPECT(sim_delete_index(c, "idx", OUT), 200, "");
	EXPECT(sim_delete_index(c, "idx", OUT), 404,
	    "index_not_found_exception");
	json_decref(body);
	sim_cluster_free(c);
}
END_TEST

START_TEST(search_sees_refreshed_documents_only)
{
	struct sim_cluster	*c = sim_cluster_new("a");
	json_t			*body, *out;

	body = json_pack("{s:s}", "user", "Kimchy Banon");
	EXPECT(sim_index_doc(c, "idx", NULL, body, NULL, 1, OUT), 201, "");
	ck_assert_int_eq(sim_search(c, "idx", "user:kimchy", NULL, 0, 10, 1,
	    &out), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 0);
	json_decref(out);
	EXPECT(sim_refresh(c, "idx", OUT), 200, "");
	ck_assert_int_eq(sim_search(c, "idx", "user:kimchy", NULL, 0, 10, 1,
	    &out), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 1);
	json_decref(out);
	ck_assert_int_eq(sim_search(c, "idx", "user:other", NULL, 0, 10, 1,
	    &out), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 0);
	json_decref(out);
	json_decref(body);
	sim_cluster_free(c);
}
END_TEST

START_TEST(cluster_settings_remote_modes)
{
	struct sim_cluster	*c = cluster_with_remote();
	json_t			*body, *out, *aliases;
	char			*addr;

	ck_assert_int_eq(sim_remote_address(c, "clusterA", &addr), 0);
	ck_assert_str_eq(addr, "127.0.0.1:9200");
	free(addr);
	body = json_pack("{s:{s:[s]}}", "persistent",
	    "cluster.remote.clusterA.seeds", "127.0.0.1:9300");
	ck_assert_int_eq(sim_put_cluster_settings(c, body, 0, &out), 400);
	ck_assert_str_eq(err_reason(out), "Setting \"cluster.remote.clusterA."
	    "seeds\" cannot be used with the configured \"cluster.remote."
	    "clusterA.mode\" [required=SNIFF, configured=PROXY]");
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:{s:s}}", "persistent", "cluster.nope", "1");
	EXPECT(sim_put_cluster_settings(c, body, 0, OUT), 400,
	    "illegal_argument_exception");
	json_decref(body);
	body = json_pack("{s:{s:n, s:n}}", "persistent",
	    "cluster.remote.clusterA.mode", "cluster.remote.clusterA."
	    "proxy_address");
	ck_assert_int_eq(sim_put_cluster_settings(c, body, 0, &out), 200);
	assert_json(out, "{\"acknowledged\":true,\"persistent\":{},"
	    "\"transient\":{}}");
	json_decref(body);
	aliases = sim_remote_aliases(c);
	ck_assert_int_eq(json_object_size(aliases), 0);
	json_decref(aliases);
	sim_cluster_free(c);
}
END_TEST

/* The follower lifecycle table: pause, close, unfollow, open in order. */
START_TEST(follower_lifecycle_table)
{
	struct sim_cluster	*c = cluster_with_remote();
	json_t			*body, *forget;

	make_follower(c, 2);
	body = json_pack("{s:s}", "user", "kimchy");
	/* ACTIVE */
	EXPECT(sim_index_doc(c, "f", NULL, body, NULL, 1, OUT), 403,
	    "status_exception");
	EXPECT(sim_unfollow(c, "f", &forget, OUT), 400,
	    "illegal_argument_exception");
	EXPECT(sim_follow_stats(c, "f", 0, OUT), 200, "");
	/* CLOSED_ACTIVE: unfollow says "not been paused" */
	EXPECT(sim_close(c, "f", 0, OUT), 200, "");
	{
		json_t	*out;

		ck_assert_int_eq(sim_unfollow(c, "f", &forget, &out), 400);
		ck_assert_ptr_null(forget);
		ck_assert_ptr_nonnull(strstr(err_reason(out),
		    "has not been paused"));
		json_decref(out);
	}
	EXPECT(sim_open(c, "f", 0, OUT), 200, "");
	/* PAUSED */
	EXPECT(sim_pause_follow(c, "f", OUT), 200, "");
	{
		json_t	*out;

		ck_assert_int_eq(sim_pause_follow(c, "f", &out), 400);
		ck_assert_str_eq(err_reason(out),
		    "no shard follow tasks found");
		json_decref(out);
	}
	EXPECT(sim_follow_stats(c, "f", 0, OUT), 404,
	    "resource_not_found_exception");
	EXPECT(sim_follow_stats(c, "_all", 0, OUT), 200, "");
	EXPECT(sim_index_doc(c, "f", NULL, body, NULL, 1, OUT), 403,
	    "status_exception");
	{
		json_t	*out;

		ck_assert_int_eq(sim_unfollow(c, "f", &forget, &out), 400);
		ck_assert_ptr_nonnull(strstr(err_reason(out),
		    "has not been closed"));
		json_decref(out);
	}
	/* CLOSED_PAUSED -> REGULAR_CLOSED */
	EXPECT(sim_close(c, "f", 0, OUT), 200, "");
	EXPECT(sim_unfollow(c, "f", &forget, OUT), 200, "");
	ck_assert_ptr_nonnull(forget);
	ck_assert_str_eq(json_string_value(json_object_get(forget, "remote")),
	    "clusterA");
	json_decref(forget);
	EXPECT(sim_unfollow(c, "f", &forget, OUT), 400,
	    "illegal_argument_exception");
	EXPECT(sim_pause_follow(c, "f", OUT), 400, "illegal_argument_exception");
	EXPECT(sim_resume_check(c, "f", NULL, OUT), 400,
	    "illegal_argument_exception");
	/* REGULAR_OPEN accepts writes */
	EXPECT(sim_open(c, "f", 0, OUT), 200, "");
	EXPECT(sim_index_doc(c, "f", NULL, body, NULL, 1, OUT), 201, "");
	EXPECT(sim_pause_follow(c, "missing", OUT), 404,
	    "index_not_found_exception");
	json_decref(body);
	sim_cluster_free(c);
}
END_TEST

START_TEST(follow_errors)
{
	struct sim_cluster	*c = cluster_with_remote();
	json_t			*body, *leader, *out;

	body = json_pack("{}");
	ck_assert_int_eq(sim_follow_check(c, "f", body, &out), 400);
	ck_assert_str_eq(err_reason(out), "Validation Failed: 1: "
	    "remote_cluster is missing;2: leader_index is missing;");
	json_decref(out);
	json_decref(body);
	body = json_pack("{s:s, s:s}", "remote_cluster", "nope",
	    "leader_index", "l");
	EXPECT(sim_follow_check(c, "f", body, OUT), 404,
	    "no_such_remote_cluster_exception");
	json_decref(body);
	body = json_pack("{s:s, s:s, s:i}", "remote_cluster", "clusterA",
	    "leader_index", "l", "bogus", 1);
	EXPECT(sim_follow_check(c, "f", body, OUT), 400,
	    "x_content_parse_exception");
	json_decref(body);
	EXPECT(sim_create_index(c, "f", NULL, 1, OUT), 200, "");
	body = json_pack("{s:s, s:s}", "remote_cluster", "clusterA",
	    "leader_index", "l");
	leader = json_pack("{s:s, s:s, s:i, s:i, s:b}", "index", "l", "uuid",
	    "LEADERUUID000000000000", "shards", 1, "replicas", 0, "open", 1);
	EXPECT(sim_follow_create(c, "f", body, leader, 1, OUT), 500,
	    "snapshot_restore_exception");
	EXPECT(sim_close(c, "f", 0, OUT), 200, "");
	EXPECT(sim_follow_create(c, "f", body, leader, 1, OUT), 0, "");
	/* resume of an active follower: task already exists */
	EXPECT(sim_resume_leader(c, "f", leader, NULL, OUT), 400,
	    "resource_already_exists_exception");
	EXPECT(sim_pause_follow(c, "f", OUT), 200, "");
	EXPECT(sim_resume_leader(c, "f", leader, NULL, OUT), 200, "");
	json_object_set_new(leader, "uuid", json_string("OTHER"));
	EXPECT(sim_pause_follow(c, "f", OUT), 200, "");
	EXPECT(sim_resume_leader(c, "f", leader, NULL, OUT), 400,
	    "illegal_argument_exception");
	json_decref(leader);
	json_decref(body);
	sim_cluster_free(c);
}
END_TEST

/* A leader's changes replayed on a follower keep the leader's seq_nos. */
START_TEST(replication_keeps_seq_nos)
{
	struct sim_cluster	*a = sim_cluster_new("clusterA");
	struct sim_cluster	*b = cluster_with_remote();
	struct sim_index		*l, *f;
	json_t			*doc, *req, *resp, *out, *leader;
	char			 id[16];
	int			 i, empty, sh;

	doc = json_pack("{s:{s:i}}", "settings", "number_of_shards", 3);
	EXPECT(sim_create_index(a, "l", doc, 1, OUT), 200, "");
	json_decref(doc);
	doc = json_pack("{s:s}", "user", "kimchy");
	for (i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "%d", i);
		EXPECT(sim_index_doc(a, "l", id, doc, NULL, 1, OUT), 201, "");
	}
	l = sim_index_find(a, "l");
	make_follower(b, 3);
	f = sim_index_find(b, "f");
	snprintf(f->leader_uuid, sizeof f->leader_uuid, "%s", l->uuid);
	req = json_pack("{s:[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:i},"
	    " {s:s, s:s, s:i, s:i}]}", "shards",
	    "index", "l", "uuid", l->uuid, "shard", 0, "from_seq_no", 0,
	    "index", "l", "uuid", l->uuid, "shard", 1, "from_seq_no", 0,
	    "index", "l", "uuid", l->uuid, "shard", 2, "from_seq_no", 0);
	resp = sim_changes(a, req, 1, &empty);
	ck_assert_int_eq(empty, 0);
	for (sh = 0; sh < 3; sh++) {
		sim_apply_changes(b, f, sh, json_array_get(json_object_get(resp,
		    "shards"), sh), 1);
		ck_assert_int_eq(f->shards[sh].max_seq_no,
		    l->shards[sh].max_seq_no);
		ck_assert_int_eq(f->shards[sh].follow.leader_global_checkpoint,
		    l->shards[sh].max_seq_no);
	}
	json_decref(resp);
	/* nothing new: empty, and the lease is registered */
	json_object_set_new(json_array_get(json_object_get(req, "shards"), 0),
	    "from_seq_no", json_integer(l->shards[0].max_seq_no + 1));
	resp = sim_changes(a, req, 1, &empty);
	json_decref(resp);
	EXPECT(sim_refresh(b, "f", OUT), 200, "");
	ck_assert_int_eq(sim_search(b, "f", "kimchy", NULL, 0, 10, 1, &out),
	    200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 20);
	json_decref(out);
	/* resumed tasks start where the follower is: no lag, not negative */
	leader = json_pack("{s:s, s:s, s:i, s:i, s:b}", "index", "l", "uuid",
	    l->uuid, "shards", 3, "replicas", 0, "open", 1);
	EXPECT(sim_pause_follow(b, "f", OUT), 200, "");
	EXPECT(sim_resume_leader(b, "f", leader, NULL, OUT), 200, "");
	for (sh = 0; sh < 3; sh++)
		ck_assert_int_eq(f->shards[sh].follow.leader_global_checkpoint,
		    f->shards[sh].max_seq_no);
	json_decref(leader);
	/* a missing leader is fatal for the task */
	json_object_set_new(json_array_get(json_object_get(req, "shards"), 0),
	    "uuid", json_string("gone"));
	resp = sim_changes(a, req, 1, &empty);
	sim_read_failed(f, 0, json_deep_copy(json_object_get(json_array_get(
	    json_object_get(resp, "shards"), 0), "error")), 1);
	ck_assert_ptr_nonnull(f->shards[0].follow.fatal_exception);
	ck_assert_int_eq(f->shards[0].follow.failed_reads, 1);
	/* a connection error is retried */
	for (i = 0; i < 2; i++)
		sim_read_failed(f, 1, sim_cause("connect_transport_exception",
		    "x"), 1);
	ck_assert_ptr_null(f->shards[1].follow.fatal_exception);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    f->shards[1].follow.read_exceptions, 0), "retries")), 1);
	json_decref(resp);
	json_decref(req);
	json_decref(doc);
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

/* Every journal record replayed rebuilds the same cluster. */
START_TEST(journal_replay_round_trip)
{
	struct sim_cluster	*c = cluster_with_remote(), *d;
	json_t			*recs = json_array(), *rec, *doc;
	json_t			*snap1, *snap2;
	size_t			 i;
	char			*why = NULL;

	c->journal = collect;
	c->journal_arg = recs;
	doc = json_pack("{s:s}", "user", "kimchy");
	EXPECT(sim_index_doc(c, "x", "1", doc, NULL, 5, OUT), 201, "");
	EXPECT(sim_index_doc(c, "x", "2", doc, NULL, 5, OUT), 201, "");
	EXPECT(sim_close(c, "x", 0, OUT), 200, "");
	make_follower(c, 1);
	EXPECT(sim_pause_follow(c, "f", OUT), 200, "");
	EXPECT(sim_create_index(c, "gone", NULL, 1, OUT), 200, "");
	EXPECT(sim_delete_index(c, "gone", OUT), 200, "");
	d = sim_cluster_new("clusterB");
	json_array_foreach(recs, i, rec)
		ck_assert_int_eq(sim_replay(d, rec, &why), 0);
	snap1 = sim_snapshot(c);
	snap2 = sim_snapshot(d);
	/* the remote settings were set before the hook: compare the rest */
	json_array_remove(snap1, 0);
	json_array_remove(snap2, 0);
	ck_assert(json_equal(snap1, snap2));
	ck_assert_ptr_null(sim_index_find(d, "gone"));
	ck_assert_int_eq(sim_index_find(d, "x")->open, 0);
	ck_assert_int_eq(sim_index_find(d, "f")->tasks, 0);
	rec = json_pack("{s:s}", "t", "bogus");
	ck_assert_int_eq(sim_replay(d, rec, &why), -1);
	free(why);
	json_decref(rec);
	json_decref(snap1);
	json_decref(snap2);
	json_decref(doc);
	json_decref(recs);
	sim_cluster_free(c);
	sim_cluster_free(d);
}
END_TEST

START_TEST(blocks_and_clone)
{
	struct sim_cluster	*c = sim_cluster_new("a");
	json_t			*doc, *out;

	doc = json_pack("{s:s}", "user", "kimchy");
	EXPECT(sim_index_doc(c, "x", "1", doc, NULL, 1, OUT), 201, "");
	EXPECT(sim_clone(c, "x", "x-copy", NULL, 1, OUT), 500,
	    "illegal_state_exception");
	EXPECT(sim_add_block(c, "x", "write", OUT), 200, "");
	EXPECT(sim_index_doc(c, "x", "2", doc, NULL, 1, OUT), 403,
	    "cluster_block_exception");
	EXPECT(sim_clone(c, "x", "x-copy", NULL, 1, OUT), 200, "");
	EXPECT(sim_clone(c, "x", "x-copy", NULL, 1, OUT), 400,
	    "resource_already_exists_exception");
	ck_assert_int_eq(sim_search(c, "x-copy", NULL, NULL, 0, 10, 1, &out),
	    200);
	ck_assert_int_eq(json_integer_value(json_object_get(out, "count")), 1);
	json_decref(out);
	EXPECT(sim_index_doc(c, "x-copy", "2", doc, NULL, 1, OUT), 403,
	    "cluster_block_exception");
	out = json_pack("{s:{s:n}}", "settings", "index.blocks.write");
	EXPECT(sim_clone(c, "x", "x-open", out, 1, OUT), 200, "");
	json_decref(out);
	EXPECT(sim_index_doc(c, "x-open", "2", doc, NULL, 1, OUT), 201, "");
	json_decref(doc);
	sim_cluster_free(c);
}
END_TEST

START_TEST(auto_follow_patterns)
{
	struct sim_cluster	*c = cluster_with_remote();
	json_t			*body, *out, *list;

	EXPECT(sim_auto_follow_get(c, NULL, OUT), 200, "");
	EXPECT(sim_auto_follow_get(c, "p", OUT), 404,
	    "resource_not_found_exception");
	body = json_pack("{s:s, s:[s], s:s}", "remote_cluster", "clusterA",
	    "leader_index_patterns", "logs-*", "follow_index_pattern",
	    "{{leader_index}}-copy");
	EXPECT(sim_auto_follow_put(c, "p", body, OUT), 200, "");
	json_decref(body);
	EXPECT(sim_auto_follow_activate(c, "p", 0, OUT), 200, "");
	EXPECT(sim_auto_follow_activate(c, "p", 0, OUT), 200, "");
	ck_assert_int_eq(sim_auto_follow_get(c, "p", &out), 200);
	ck_assert(json_is_false(json_object_get(json_object_get(json_array_get(
	    json_object_get(out, "patterns"), 0), "pattern"), "active")));
	json_decref(out);
	EXPECT(sim_auto_follow_activate(c, "p", 1, OUT), 200, "");
	/* the first round only records what exists */
	list = json_pack("{s:[{s:s, s:s, s:i, s:i, s:b}]}", "indices", "index",
	    "logs-1", "uuid", "U1", "shards", 2, "replicas", 0, "open", 1);
	ck_assert_int_eq(sim_auto_follow_run(c, "p", list, 1), 0);
	json_array_append_new(json_object_get(list, "indices"), json_pack(
	    "{s:s, s:s, s:i, s:i, s:b}", "index", "logs-2", "uuid", "U2",
	    "shards", 2, "replicas", 0, "open", 1));
	json_array_append_new(json_object_get(list, "indices"), json_pack(
	    "{s:s, s:s, s:i, s:i, s:b}", "index", "other", "uuid", "U3",
	    "shards", 1, "replicas", 0, "open", 1));
	ck_assert_int_eq(sim_auto_follow_run(c, "p", list, 1), 1);
	ck_assert_ptr_null(sim_index_find(c, "logs-1-copy"));
	ck_assert_ptr_nonnull(sim_index_find(c, "logs-2-copy"));
	ck_assert_int_eq(sim_index_find(c, "logs-2-copy")->nshards, 2);
	ck_assert(sim_index_find(c, "logs-2-copy")->follower);
	ck_assert_int_eq(sim_auto_follow_run(c, "p", list, 1), 0);
	json_decref(list);
	EXPECT(sim_auto_follow_delete(c, "p", OUT), 200, "");
	EXPECT(sim_auto_follow_delete(c, "p", OUT), 404,
	    "resource_not_found_exception");
	sim_cluster_free(c);
}
END_TEST

START_TEST(index_expressions)
{
	struct sim_cluster	*c = sim_cluster_new("a");
	struct sim_index		**list;
	size_t			 n;
	json_t			*err = NULL;

	EXPECT(sim_create_index(c, "logs-1", NULL, 1, OUT), 200, "");
	EXPECT(sim_create_index(c, "logs-2", NULL, 1, OUT), 200, "");
	EXPECT(sim_create_index(c, "other", NULL, 1, OUT), 200, "");
	EXPECT(sim_close(c, "logs-2", 0, OUT), 200, "");
	ck_assert_int_eq(sim_resolve(c, "logs-*", ES_RESOLVE_OPEN, &list, &n,
	    &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0]->name, "logs-1");
	free(list);
	ck_assert_int_eq(sim_resolve(c, "*,-logs-*", ES_RESOLVE_OPEN |
	    ES_RESOLVE_CLOSED, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0]->name, "other");
	free(list);
	ck_assert_int_eq(sim_resolve(c, "_all", ES_RESOLVE_OPEN |
	    ES_RESOLVE_CLOSED, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	free(list);
	ck_assert_int_eq(sim_resolve(c, "other,nope", ES_RESOLVE_OPEN, &list,
	    &n, &err), 404);
	ck_assert_str_eq(err_reason(err), "no such index [nope]");
	json_decref(err);
	ck_assert_int_eq(sim_resolve(c, "other,nope", ES_RESOLVE_OPEN |
	    ES_RESOLVE_IGNORE_MISSING, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	free(list);
	/* _settings: a missing name is a 404, or left out when told. */
	EXPECT(sim_get_settings(c, "logs-2,nope", "index.uuid", 1, 0, OUT), 404,
	    "index_not_found_exception");
	ck_assert_int_eq(sim_get_settings(c, "logs-2,nope", "index.uuid", 1, 1,
	    &err), 200);
	ck_assert_uint_eq(json_object_size(err), 1);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(json_object_get(
	    err, "logs-2"), "settings"), "index.uuid"));
	json_decref(err);
	EXPECT(sim_search(c, "logs-2", NULL, NULL, 0, 10, 1, OUT), 400,
	    "index_closed_exception");
	EXPECT(sim_search(c, "logs-*", NULL, NULL, 0, 10, 1, OUT), 200, "");
	EXPECT(sim_valid_index_name("a,b", OUT), 400,
	    "invalid_index_name_exception");
	EXPECT(sim_valid_index_name("_x", OUT), 400,
	    "invalid_index_name_exception");
	EXPECT(sim_valid_index_name("fine-name.1", OUT), 0, "");
	sim_cluster_free(c);
}
END_TEST

START_TEST(settings_wildcard_removal_and_transient)
{
	struct sim_cluster	*c = cluster_with_remote();
	json_t			*body, *out, *aliases;

	body = json_pack("{s:{s:[s]}}", "transient",
	    "cluster.remote.t.seeds", "127.0.0.1:1");
	EXPECT(sim_put_cluster_settings(c, body, 1, OUT), 200, "");
	json_decref(body);
	aliases = sim_remote_aliases(c);
	ck_assert_int_eq(json_object_size(aliases), 2);
	json_decref(aliases);
	body = json_pack("{s:{s:n}}", "persistent",
	    "cluster.remote.clusterA.*");
	EXPECT(sim_put_cluster_settings(c, body, 0, OUT), 200, "");
	json_decref(body);
	ck_assert_int_eq(sim_get_cluster_settings(c, 1, &out), 200);
	assert_json(out, "{\"persistent\":{},\"transient\":"
	    "{\"cluster.remote.t.seeds\":[\"127.0.0.1:1\"]}}");
	body = json_pack("{s:{s:i}}", "persistent",
	    "cluster.remote.t.proxy_socket_connections", 3);
	EXPECT(sim_put_cluster_settings(c, body, 0, OUT), 400,
	    "illegal_argument_exception");
	json_decref(body);
	sim_cluster_free(c);
}
END_TEST

/* Run every model test in one suite. */
int
main(void)
{
	Suite	*s = suite_create("essim model");
	TCase	*tc = tcase_create("model");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, murmur3_known_values);
	tcase_add_test(tc, routing_is_stable_and_in_range);
	tcase_add_test(tc, glob_matching);
	tcase_add_test(tc, filter_path_rules);
	tcase_add_test(tc, index_lifecycle_and_errors);
	tcase_add_test(tc, search_sees_refreshed_documents_only);
	tcase_add_test(tc, cluster_settings_remote_modes);
	tcase_add_test(tc, follower_lifecycle_table);
	tcase_add_test(tc, follow_errors);
	tcase_add_test(tc, replication_keeps_seq_nos);
	tcase_add_test(tc, journal_replay_round_trip);
	tcase_add_test(tc, blocks_and_clone);
	tcase_add_test(tc, auto_follow_patterns);
	tcase_add_test(tc, index_expressions);
	tcase_add_test(tc, settings_wildcard_removal_and_transient);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
