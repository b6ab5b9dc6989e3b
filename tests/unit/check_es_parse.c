/*
 * Unit tests for es-parse.c: the reference's example answers parse into the
 * expected structs; malformed, truncated and wrongly typed answers are
 * errors with a cause, never a crash.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es-parse.h"

/* Parse a fixture or fail the test. */
static json_t *
load(const char *text)
{
	json_t		*root;
	json_error_t	 err;

	root = json_loads(text, JSON_DECODE_ANY, &err);
	ck_assert_msg(root != NULL, "fixture: %s", err.text);
	return (root);
}

static const char ccr_stats_13_1[] =
    "{\"indices\":[{\"index\":\"follower_index\","
    "\"total_global_checkpoint_lag\":256,\"shards\":[{"
    "\"remote_cluster\":\"remote_cluster\",\"leader_index\":\"leader_index\","
    "\"follower_index\":\"follower_index\",\"shard_id\":0,"
    "\"leader_global_checkpoint\":1024,\"leader_max_seq_no\":1536,"
    "\"follower_global_checkpoint\":768,\"follower_max_seq_no\":896,"
    "\"last_requested_seq_no\":897,\"outstanding_read_requests\":8,"
    "\"outstanding_write_requests\":2,\"write_buffer_operation_count\":64,"
    "\"follower_mapping_version\":4,\"follower_settings_version\":2,"
    "\"follower_aliases_version\":8,\"total_read_time_millis\":32768,"
    "\"total_read_remote_exec_time_millis\":16384,"
    "\"successful_read_requests\":32,\"failed_read_requests\":0,"
    "\"operations_read\":896,\"bytes_read\":32768,"
    "\"total_write_time_millis\":16384,\"write_buffer_size_in_bytes\":1536,"
    "\"successful_write_requests\":16,\"failed_write_requests\":0,"
    "\"operations_written\":832,\"read_exceptions\":[],"
    "\"time_since_last_read_millis\":8}]}]}";

START_TEST(ccr_stats_reference_example)
{
	struct es_ccr_stats		 st;
	const struct es_index_stats	*is;
	const struct es_shard_stats	*s;
	json_t				*root = load(ccr_stats_13_1);
	char				*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), 0);
	ck_assert_uint_eq(st.nindices, 1);
	is = es_ccr_stats_find(&st, "follower_index");
	ck_assert_ptr_nonnull(is);
	ck_assert_ptr_null(es_ccr_stats_find(&st, "other"));
	ck_assert_uint_eq(is->nshards, 1);
	s = &is->shards[0];
	ck_assert_int_eq(s->shard_id, 0);
	ck_assert_int_eq(s->leader_global_checkpoint, 1024);
	ck_assert_int_eq(s->follower_global_checkpoint, 768);
	ck_assert_int_eq(s->leader_max_seq_no, 1536);
	ck_assert_int_eq(s->follower_max_seq_no, 896);
	ck_assert_uint_eq(s->failed_read_requests, 0);
	ck_assert_uint_eq(s->read_exceptions, 0);
	ck_assert_uint_eq(s->since_last_read_ms, 8);
	ck_assert(!s->fatal);
	/* total_global_checkpoint_lag in the example: 256. */
	ck_assert_int_eq(es_index_stats_lag(is), 256);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

START_TEST(ccr_stats_all_with_failures)
{
	static const char	 text[] =
	    "{\"follow_stats\":{\"indices\":["
	    "{\"index\":\"a\",\"shards\":["
	    "{\"shard_id\":1,\"leader_global_checkpoint\":10,"
	    "\"follower_global_checkpoint\":4,\"failed_read_requests\":7,"
	    "\"read_exceptions\":[{\"from_seq_no\":5},{\"from_seq_no\":9}]},"
	    "{\"shard_id\":0,\"leader_global_checkpoint\":-1,"
	    "\"follower_global_checkpoint\":-1,\"fatal_exception\":{"
	    "\"type\":\"exception\",\"reason\":\"wrapped\",\"caused_by\":{"
	    "\"type\":\"illegal_state_exception\",\"reason\":"
	    "\"Unable to open any connections to remote cluster [clusterA]\""
	    "}}}]},{\"index\":\"b\"}]}}";
	struct es_ccr_stats		 st;
	const struct es_index_stats	*is;
	json_t				*root = load(text);
	char				*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), 0);
	ck_assert_uint_eq(st.nindices, 2);
	is = es_ccr_stats_find(&st, "a");
	ck_assert_uint_eq(is->nshards, 2);
	ck_assert_int_eq(es_index_stats_lag(is), 6);
	ck_assert_uint_eq(is->shards[0].failed_read_requests, 7);
	ck_assert_uint_eq(is->shards[0].read_exceptions, 2);
	ck_assert_uint_eq(is->shards[0].since_last_read_ms, UINT64_MAX);
	ck_assert_int_eq(is->shards[0].follower_max_seq_no, -1);
	ck_assert(is->shards[1].fatal);
	ck_assert_ptr_nonnull(strstr(is->shards[1].fatal_reason,
	    "Unable to open any connections"));
	ck_assert_ptr_nonnull(strstr(is->shards[1].fatal_reason, "exception"));
	ck_assert(is->fatal);
	ck_assert_ptr_nonnull(strstr(is->fatal_reason, "shard 0: exception"));
	ck_assert_uint_eq(es_ccr_stats_find(&st, "b")->nshards, 0);
	ck_assert(!es_ccr_stats_find(&st, "b")->fatal);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

START_TEST(ccr_stats_empty_filtered)
{
	struct es_ccr_stats	 st;
	json_t			*root = load("{}");
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), 0);
	ck_assert_uint_eq(st.nindices, 0);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

/* Every one of these must be refused with a cause. */
static const char *ccr_stats_bad[] = {
	"[]",
	"{\"indices\":{}}",
	"{\"indices\":[1]}",
	"{\"indices\":[{\"shards\":[]}]}",
	"{\"indices\":[{\"index\":7}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":{}}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":0}]}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":\"0\","
	    "\"leader_global_checkpoint\":1,"
	    "\"follower_global_checkpoint\":1}]}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":0,"
	    "\"leader_global_checkpoint\":1.5,"
	    "\"follower_global_checkpoint\":1}]}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":0,"
	    "\"leader_global_checkpoint\":1,\"follower_global_checkpoint\":1,"
	    "\"read_exceptions\":3}]}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":0,"
	    "\"leader_global_checkpoint\":1,\"follower_global_checkpoint\":1,"
	    "\"failed_read_requests\":-4}]}]}",
	"{\"indices\":[{\"index\":\"a\",\"shards\":[{\"shard_id\":0,"
	    "\"leader_global_checkpoint\":1,\"follower_global_checkpoint\":1,"
	    "\"fatal_exception\":\"boom\"}]}]}",
	"{\"follow_stats\":[]}",
};

START_TEST(ccr_stats_malformed)
{
	struct es_ccr_stats	 st;
	json_t			*root = load(ccr_stats_bad[_i]);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_uint_eq(st.nindices, 0);
	ck_assert_ptr_null(st.indices);
	free(cause);
	json_decref(root);
}
END_TEST

/* Checkpoints at the ends of int64 sum without overflow. */
START_TEST(ccr_stats_extreme_checkpoints)
{
	static const char	 text[] = "{\"indices\":[{\"index\":\"a\","
	    "\"shards\":[{\"shard_id\":0,"
	    "\"leader_global_checkpoint\":9223372036854775807,"
	    "\"follower_global_checkpoint\":-9223372036854775807},"
	    "{\"shard_id\":1,"
	    "\"leader_global_checkpoint\":9223372036854775807,"
	    "\"follower_global_checkpoint\":-2}]}]}";
	struct es_ccr_stats	 st;
	json_t			*root = load(text);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), 0);
	ck_assert_int_eq(es_index_stats_lag(es_ccr_stats_find(&st, "a")),
	    INT64_MAX);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

START_TEST(ccr_summary)
{
	static const char	 text[] = "{\"follow_stats\":{\"indices\":["
	    "{\"index\":\"b\",\"total_global_checkpoint_lag\":0,"
	    "\"shards\":[{\"fatal_exception\":{\"type\":\"exception\","
	    "\"reason\":\"wrapped\",\"caused_by\":{\"type\":"
	    "\"resource_not_found_exception\",\"reason\":\"Operations are "
	    "no longer available for replicating.\"}}}]},"
	    "{\"index\":\"a\",\"total_global_checkpoint_lag\":256}]}}";
	struct es_ccr_stats		 st;
	const struct es_index_stats	*is;
	json_t				*root = load(text);
	char				*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_summary(root, &st, &cause), 0);
	ck_assert_uint_eq(st.nindices, 2);
	is = es_ccr_stats_find(&st, "a");
	ck_assert_uint_eq(is->nshards, 0);
	ck_assert_int_eq(es_index_stats_lag(is), 256);
	ck_assert(!is->fatal);
	is = es_ccr_stats_find(&st, "b");
	ck_assert_int_eq(es_index_stats_lag(is), 0);
	ck_assert(is->fatal);
	ck_assert_str_eq(is->fatal_reason, "exception: wrapped (caused by "
	    "resource_not_found_exception: Operations are no longer "
	    "available for replicating.)");
	es_ccr_stats_clear(&st);
	json_decref(root);

	/* The reference's detailed example is a valid summary too. */
	root = load(ccr_stats_13_1);
	ck_assert_int_eq(es_parse_ccr_summary(root, &st, &cause), 0);
	ck_assert_int_eq(es_index_stats_lag(es_ccr_stats_find(&st,
	    "follower_index")), 256);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

static const char *ccr_summary_bad[] = {
	"{\"follow_stats\":{\"indices\":[{\"index\":\"a\"}]}}",
	"{\"follow_stats\":{\"indices\":[{\"index\":\"a\","
	    "\"total_global_checkpoint_lag\":\"5\"}]}}",
	"{\"follow_stats\":{\"indices\":[{\"index\":\"a\","
	    "\"total_global_checkpoint_lag\":5,\"shards\":[7]}]}}",
	"{\"follow_stats\":{\"indices\":[{\"index\":\"a\","
	    "\"total_global_checkpoint_lag\":5,\"shards\":[{"
	    "\"fatal_exception\":\"boom\"}]}]}}",
};

/* The poller's read counters: no checkpoints asked, none required. */
START_TEST(ccr_reads)
{
	struct es_ccr_stats		 st;
	const struct es_index_stats	*is;
	json_t				*root;
	char				*cause = NULL;

	root = load("{\"indices\":[{\"index\":\"f1\",\"shards\":[{"
	    "\"shard_id\":0,\"failed_read_requests\":2,"
	    "\"successful_read_requests\":40,\"operations_read\":900,"
	    "\"time_since_last_read_millis\":15}]}]}");
	ck_assert_int_eq(es_parse_ccr_reads(root, &st, &cause), 0);
	is = es_ccr_stats_find(&st, "f1");
	ck_assert_ptr_nonnull(is);
	ck_assert_uint_eq(is->nshards, 1);
	ck_assert_uint_eq(is->shards[0].successful_read_requests, 40);
	ck_assert_uint_eq(is->shards[0].operations_read, 900);
	ck_assert_uint_eq(is->shards[0].since_last_read_ms, 15);
	es_ccr_stats_clear(&st);
	/* The full detail requires them. */
	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);
	root = load("{\"indices\":[{\"index\":\"f1\",\"shards\":[{"
	    "\"shard_id\":0,\"operations_read\":\"lots\"}]}]}");
	ck_assert_int_eq(es_parse_ccr_reads(root, &st, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(ccr_summary_malformed)
{
	struct es_ccr_stats	 st;
	json_t			*root = load(ccr_summary_bad[_i]);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_summary(root, &st, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(st.indices);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(truncated_fixtures_fail_to_load)
{
	json_error_t	 err;
	size_t		 n;

	/* es.c parses first; every prefix of a fixture must be rejected. */
	for (n = 0; n < sizeof ccr_stats_13_1 - 1; n++)
		ck_assert_ptr_null(json_loadb(ccr_stats_13_1, n, 0, &err));
}
END_TEST

START_TEST(health_example)
{
	static const char	 text[] = "{\"cluster_name\":\"clusterB\","
	    "\"status\":\"yellow\",\"timed_out\":false,\"number_of_nodes\":1,"
	    "\"number_of_data_nodes\":1,\"active_primary_shards\":1,"
	    "\"active_shards\":1,\"relocating_shards\":0,"
	    "\"initializing_shards\":0,\"unassigned_shards\":1,"
	    "\"unassigned_primary_shards\":0,\"delayed_unassigned_shards\":0,"
	    "\"number_of_pending_tasks\":0,\"number_of_in_flight_fetch\":0,"
	    "\"task_max_waiting_in_queue_millis\":0,"
	    "\"active_shards_percent_as_number\":50.0}";
	struct es_health	 h;
	json_t			*root = load(text);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_health(root, &h, &cause), 0);
	ck_assert_int_eq(h.status, OBS_HEALTH_YELLOW);
	ck_assert_str_eq(h.cluster_name, "clusterB");
	ck_assert(!h.timed_out);
	ck_assert_int_eq(h.number_of_nodes, 1);
	json_decref(root);
}
END_TEST

static const struct {
	const char	*text;
	int		 rc;
	enum obs_health	 status;
} health_cases[] = {
	{ "{\"status\":\"green\"}", 0, OBS_HEALTH_GREEN },
	{ "{\"status\":\"red\",\"timed_out\":true}", 0, OBS_HEALTH_RED },
	{ "{\"status\":\"purple\"}", -1, OBS_HEALTH_UNKNOWN },
	{ "{\"status\":1}", -1, OBS_HEALTH_UNKNOWN },
	{ "{}", -1, OBS_HEALTH_UNKNOWN },
	{ "[\"green\"]", -1, OBS_HEALTH_UNKNOWN },
	{ "{\"status\":\"green\",\"timed_out\":\"no\"}", -1,
	    OBS_HEALTH_UNKNOWN },
	{ "{\"status\":\"green\",\"cluster_name\":[]}", -1,
	    OBS_HEALTH_UNKNOWN },
};

START_TEST(health_cases_table)
{
	struct es_health	 h;
	json_t			*root = load(health_cases[_i].text);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_health(root, &h, &cause),
	    health_cases[_i].rc);
	if (health_cases[_i].rc == 0)
		ck_assert_int_eq(h.status, health_cases[_i].status);
	else
		ck_assert_ptr_nonnull(cause);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(remote_info_modes)
{
	static const char	 text[] = "{\"clusterA\":{\"connected\":true,"
	    "\"mode\":\"proxy\",\"proxy_address\":\"clustera.example:9400\","
	    "\"server_name\":\"clustera.example\","
	    "\"num_proxy_sockets_connected\":18,"
	    "\"max_proxy_socket_connections\":18,"
	    "\"initial_connect_timeout\":\"30s\",\"skip_unavailable\":true},"
	    "\"leader\":{\"connected\":false,\"mode\":\"sniff\","
	    "\"seeds\":[\"127.0.0.1:9300\"],\"num_nodes_connected\":0,"
	    "\"max_connections_per_cluster\":3,"
	    "\"initial_connect_timeout\":\"30s\",\"skip_unavailable\":false}}";
	struct es_remote	 r;
	json_t			*root = load(text);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_remote_info(root, "clusterA", &r, &cause), 0);
	ck_assert(r.found && r.connected);
	ck_assert_str_eq(r.mode, "proxy");
	ck_assert_int_eq(es_parse_remote_info(root, "leader", &r, &cause), 0);
	ck_assert(r.found && !r.connected);
	ck_assert_str_eq(r.mode, "sniff");
	ck_assert_int_eq(es_parse_remote_info(root, "clusterZ", &r, &cause), 0);
	ck_assert(!r.found);
	json_decref(root);

	root = load("{\"clusterA\":{\"connected\":\"yes\"}}");
	ck_assert_int_eq(es_parse_remote_info(root, "clusterA", &r, &cause),
	    -1);
	free(cause);
	cause = NULL;
	json_decref(root);
	root = load("{\"clusterA\":true}");
	ck_assert_int_eq(es_parse_remote_info(root, "clusterA", &r, &cause),
	    -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(ccr_info_active_and_paused)
{
	static const char	 text[] = "{\"follower_indices\":["
	    "{\"follower_index\":\"f1\",\"remote_cluster\":\"remote_cluster\","
	    "\"leader_index\":\"leader_index\",\"status\":\"active\","
	    "\"parameters\":{\"max_read_request_operation_count\":5120,"
	    "\"max_read_request_size\":\"32mb\",\"read_poll_timeout\":\"1m\"}},"
	    "{\"follower_index\":\"f2\",\"remote_cluster\":\"remote_cluster\","
	    "\"leader_index\":\"leader_index\",\"status\":\"paused\"}]}";
	struct es_ccr_info		 ci;
	const struct es_follow_info	*f;
	json_t				*root = load(text);
	char				*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_info(root, &ci, &cause), 0);
	ck_assert_uint_eq(ci.nindices, 2);
	f = es_ccr_info_find(&ci, "f1");
	ck_assert(f->active);
	ck_assert_str_eq(f->remote_cluster, "remote_cluster");
	ck_assert_str_eq(f->leader_index, "leader_index");
	ck_assert(!es_ccr_info_find(&ci, "f2")->active);
	ck_assert_ptr_null(es_ccr_info_find(&ci, "f3"));
	es_ccr_info_clear(&ci);
	json_decref(root);

	root = load("{\"follower_indices\":[]}");
	ck_assert_int_eq(es_parse_ccr_info(root, &ci, &cause), 0);
	ck_assert_uint_eq(ci.nindices, 0);
	es_ccr_info_clear(&ci);
	json_decref(root);
}
END_TEST

static const char *ccr_info_bad[] = {
	"{\"follower_indices\":{}}",
	"{\"follower_indices\":[{\"status\":\"active\"}]}",
	"{\"follower_indices\":[{\"follower_index\":\"f\","
	    "\"status\":\"sleeping\"}]}",
	"{\"follower_indices\":[{\"follower_index\":\"f\"}]}",
	"{\"follower_indices\":[{\"follower_index\":\"f\","
	    "\"status\":\"active\",\"leader_index\":false}]}",
	"7",
};

START_TEST(ccr_info_malformed)
{
	struct es_ccr_info	 ci;
	json_t			*root = load(ccr_info_bad[_i]);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_ccr_info(root, &ci, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(ci.indices);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(shard_seqs_primaries_only)
{
	static const char	 text[] = "{\"_shards\":{\"total\":2,"
	    "\"successful\":1,\"failed\":0},\"indices\":{\"logs\":{"
	    "\"uuid\":\"Oqa6IX5dSlunV2EThXqS3A\",\"shards\":{"
	    "\"1\":[{\"routing\":{\"state\":\"STARTED\",\"primary\":false},"
	    "\"seq_no\":{\"max_seq_no\":5,\"local_checkpoint\":5,"
	    "\"global_checkpoint\":5}},"
	    "{\"routing\":{\"state\":\"STARTED\",\"primary\":true,"
	    "\"node\":\"sykIf69-Qa6ihEXUA4x4GA\",\"relocating_node\":null},"
	    "\"docs\":{\"count\":42,\"deleted\":0},"
	    "\"seq_no\":{\"max_seq_no\":43,\"local_checkpoint\":43,"
	    "\"global_checkpoint\":41}}],"
	    "\"0\":[{\"routing\":{\"state\":\"STARTED\",\"primary\":true},"
	    "\"seq_no\":{\"max_seq_no\":41,\"local_checkpoint\":41,"
	    "\"global_checkpoint\":41}}]}}}}";
	struct es_shard_seqs		 ss;
	const struct es_index_seq	*is;
	json_t				*root = load(text);
	char				*cause = NULL;

	ck_assert_int_eq(es_parse_shard_seqs(root, &ss, &cause), 0);
	is = es_shard_seqs_find(&ss, "logs");
	ck_assert_ptr_nonnull(is);
	ck_assert_uint_eq(is->nshards, 2);
	ck_assert_int_eq(is->shards[0].shard_id, 0);
	ck_assert_int_eq(is->shards[0].max_seq_no, 41);
	ck_assert_int_eq(is->shards[1].shard_id, 1);
	ck_assert_int_eq(is->shards[1].max_seq_no, 43);
	ck_assert_int_eq(is->shards[1].global_checkpoint, 41);
	ck_assert_ptr_null(es_shard_seqs_find(&ss, "other"));
	es_shard_seqs_clear(&ss);
	json_decref(root);
}
END_TEST

static const char *shard_seqs_bad[] = {
	"{\"indices\":[]}",
	"{\"indices\":{\"a\":{}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"0\":{}}}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"x\":[]}}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"0\":[{\"seq_no\":{}}]}}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"0\":[{\"routing\":{"
	    "\"primary\":true}}]}}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"0\":[{\"routing\":{"
	    "\"primary\":true},\"seq_no\":{\"max_seq_no\":\"41\"}}]}}}}",
	"{\"indices\":{\"a\":{\"shards\":{\"0\":[{\"routing\":{"
	    "\"primary\":\"true\"},\"seq_no\":{\"max_seq_no\":41}}]}}}}",
};

START_TEST(shard_seqs_malformed)
{
	struct es_shard_seqs	 ss;
	json_t			*root = load(shard_seqs_bad[_i]);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_shard_seqs(root, &ss, &cause), -1);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(ss.indices);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(error_envelopes)
{
	struct es_error	 e;
	json_t		*root;
	char		*cause = NULL;

	root = load("{\"error\":{\"root_cause\":[{\"type\":"
	    "\"index_not_found_exception\",\"reason\":\"no such index "
	    "[classes]\"}],\"type\":\"index_not_found_exception\",\"reason\":"
	    "\"no such index [classes]\",\"resource.type\":\"index_or_alias\","
	    "\"index\":\"classes\"},\"status\":404}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), 0);
	ck_assert_str_eq(e.type, "index_not_found_exception");
	ck_assert_str_eq(e.reason, "no such index [classes]");
	ck_assert_int_eq(e.status, 404);
	json_decref(root);
	ck_assert(!e.leases_failed);

	/* An unfollow that converted the index but kept the leases. */
	root = load("{\"error\":{\"type\":\"exception\",\"reason\":"
	    "\"NoSuchRemoteClusterException[no such remote cluster: [a]]\","
	    "\"failed_to_remove_retention_leases\":\"b/x/y-following-a/x/z\","
	    "\"caused_by\":{\"type\":\"no_such_remote_cluster_exception\","
	    "\"reason\":\"no such remote cluster: [a]\"}},\"status\":500}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), 0);
	ck_assert_str_eq(e.type, "exception");
	ck_assert(e.leases_failed);
	ck_assert_int_eq(e.status, 500);
	json_decref(root);

	/* reason may be null. */
	root = load("{\"error\":{\"root_cause\":[{\"type\":"
	    "\"master_not_discovered_exception\",\"reason\":null}],\"type\":"
	    "\"master_not_discovered_exception\",\"reason\":null},"
	    "\"status\":503}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), 0);
	ck_assert_str_eq(e.type, "master_not_discovered_exception");
	ck_assert_str_eq(e.reason, "");
	ck_assert_int_eq(e.status, 503);
	json_decref(root);

	root = load("{\"error\":{\"reason\":\"x\"},\"status\":400}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);
	root = load("{\"acknowledged\":true}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);
	root = load("{\"error\":{\"type\":\"x\"},\"status\":\"500\"}");
	ck_assert_int_eq(es_parse_error(root, &e, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(version_numbers)
{
	json_t	*root;
	int	 major, minor;
	char	*cause = NULL;

	root = load("{\"name\":\"es-node\",\"version\":{\"number\":\"8.17.3\","
	    "\"build_flavor\":\"default\"},\"tagline\":\"You Know, for "
	    "Search\"}");
	ck_assert_int_eq(es_parse_version(root, &major, &minor, &cause), 0);
	ck_assert_int_eq(major, 8);
	ck_assert_int_eq(minor, 17);
	json_decref(root);
	root = load("{\"version\":{\"number\":8}}");
	ck_assert_int_eq(es_parse_version(root, &major, &minor, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(cluster_uuid_read)
{
	json_t	*root;
	char	 uuid[64], *cause = NULL;

	root = load("{\"name\":\"n\",\"cluster_name\":\"a\",\"cluster_uuid\":"
	    "\"hHtKwMbuT9W0PpQDomXcbQ\",\"version\":{\"number\":\"8.17.3\"}}");
	ck_assert_int_eq(es_parse_cluster_uuid(root, uuid, sizeof uuid,
	    &cause), 0);
	ck_assert_str_eq(uuid, "hHtKwMbuT9W0PpQDomXcbQ");
	json_decref(root);
	/* Not recovered yet: no identity to pin. */
	root = load("{\"cluster_uuid\":\"_na_\"}");
	ck_assert_int_eq(es_parse_cluster_uuid(root, uuid, sizeof uuid,
	    &cause), 0);
	ck_assert_str_eq(uuid, "");
	json_decref(root);
	root = load("{\"cluster_uuid\":7}");
	ck_assert_int_eq(es_parse_cluster_uuid(root, uuid, sizeof uuid,
	    &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(denials_named)
{
	char	d[160];

	ck_assert_int_eq(es_denial(401, "unable to authenticate user [ccr] "
	    "for REST request [/]", d, sizeof d), OBS_DENIAL_CREDENTIALS);
	ck_assert_str_eq(d, "credentials rejected");
	ck_assert_int_eq(es_denial(403, "action [indices:admin/close] is "
	    "unauthorized for user [ccr_daemon] with effective roles "
	    "[ccr_role] on indices [logs-follower], this action is granted "
	    "by the index privileges [manage,all]", d, sizeof d),
	    OBS_DENIAL_PRIVILEGE);
	ck_assert_str_eq(d, "privilege missing: indices:admin/close");
	ck_assert_int_eq(es_denial(403, "current license is non-compliant "
	    "for [ccr]", d, sizeof d), OBS_DENIAL_PRIVILEGE);
	ck_assert_str_eq(d, "privilege missing: current license is "
	    "non-compliant for [ccr]");
	ck_assert_int_eq(es_denial(404, "x", d, sizeof d), OBS_DENIAL_NONE);
	ck_assert_int_eq(es_denial(500, NULL, d, sizeof d), OBS_DENIAL_NONE);
}
END_TEST

START_TEST(resolve_unreachable_only_on_link_errors)
{
	struct es_resolved	r;

	memset(&r, 0, sizeof r);
	r.found = true;
	ck_assert(es_resolved_unreachable(&r));
	snprintf(r.error, sizeof r.error, "Request timed out before "
	    "receiving a response from the remote cluster");
	ck_assert(es_resolved_unreachable(&r));
	snprintf(r.error, sizeof r.error, "security_exception: unable to "
	    "authenticate user [ccr]");
	ck_assert(!es_resolved_unreachable(&r));
	r.connected = true;
	r.error[0] = '\0';
	ck_assert(!es_resolved_unreachable(&r));
	r.found = false;
	r.connected = false;
	ck_assert(!es_resolved_unreachable(&r));
}
END_TEST

START_TEST(has_privileges_answer)
{
	struct es_privileges	 pv;
	json_t			*root;
	char			*cause = NULL;

	root = load("{\"username\":\"ccr\",\"has_all_requested\":false,"
	    "\"cluster\":{\"monitor\":true,\"manage_ccr\":false},"
	    "\"index\":{\"f1\":{\"manage\":true,\"manage_follow_index\":"
	    "false}},\"application\":{}}");
	ck_assert_int_eq(es_parse_has_privileges(root, &pv, &cause), 0);
	ck_assert(!pv.all);
	ck_assert_uint_eq(pv.n, 2);
	ck_assert_uint_eq(pv.nnames, 4);
	ck_assert(es_privileges_granted(&pv, NULL, "monitor"));
	ck_assert(!es_privileges_granted(&pv, NULL, "manage_ccr"));
	ck_assert(es_privileges_granted(&pv, "f1", "manage"));
	ck_assert(!es_privileges_granted(&pv, "f1", "manage_follow_index"));
	/* Not asked is not granted. */
	ck_assert(!es_privileges_granted(&pv, "f2", "manage"));
	ck_assert(!es_privileges_granted(&pv, NULL, "manage"));
	es_privileges_clear(&pv);
	json_decref(root);
	root = load("{\"has_all_requested\":true,\"cluster\":{\"monitor\":1}}");
	ck_assert_int_eq(es_parse_has_privileges(root, &pv, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

/* The leader's index uuids, kept without the answer. */
START_TEST(index_uuids_answer)
{
	struct es_index_uuids	 u;
	json_t			*root;
	char			*cause = NULL;

	root = load("{\"logs-b\":{\"settings\":{\"index\":{\"uuid\":\"B\"}}},"
	    "\"logs-a\":{\"settings\":{\"index\":{\"uuid\":\"A\"}}},"
	    "\"odd\":{\"settings\":{}},\"worse\":3}");
	ck_assert_int_eq(es_parse_index_uuids(root, &u, &cause), 0);
	json_decref(root);
	ck_assert_uint_eq(u.n, 2);
	ck_assert_str_eq(es_index_uuids_find(&u, "logs-a"), "A");
	ck_assert_str_eq(es_index_uuids_find(&u, "logs-b"), "B");
	ck_assert_ptr_null(es_index_uuids_find(&u, "odd"));
	ck_assert_ptr_null(es_index_uuids_find(&u, "logs-c"));
	es_index_uuids_clear(&u);
	ck_assert_ptr_null(es_index_uuids_find(&u, "logs-a"));
	root = load("[1]");
	ck_assert_int_eq(es_parse_index_uuids(root, &u, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

/* A thousand indices, answered in no order: each one's own answer counts. */
START_TEST(has_privileges_many_indices)
{
	struct es_privileges	 pv;
	json_t			*root, *ix;
	char			 name[32], *cause = NULL;
	int			 i;

	ix = json_object();
	for (i = 999; i >= 0; i--) {
		snprintf(name, sizeof name, "f-%d", (i * 7919) % 1000);
		json_object_set_new(ix, name, json_pack("{s:b,s:b}", "manage",
		    (i * 7919) % 1000 != 500, "read", 1));
	}
	root = json_pack("{s:b,s:{s:b},s:o}", "has_all_requested", 0,
	    "cluster", "manage_ccr", 1, "index", ix);
	ck_assert_int_eq(es_parse_has_privileges(root, &pv, &cause), 0);
	ck_assert_uint_eq(pv.n, 1001);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "f-%d", i);
		ck_assert(es_privileges_granted(&pv, name, "read"));
		ck_assert(es_privileges_granted(&pv, name, "manage") ==
		    (i != 500));
		ck_assert(!es_privileges_granted(&pv, name, "monitor"));
	}
	ck_assert(es_privileges_granted(&pv, NULL, "manage_ccr"));
	ck_assert(!es_privileges_granted(&pv, "f-1000", "read"));
	ck_assert(!es_privileges_granted(&pv, "manage_ccr", ""));
	es_privileges_clear(&pv);
	json_decref(root);
}
END_TEST

START_TEST(resolve_cluster_example)
{
	static const char	 text[] = "{\"(local)\":{\"connected\":true,"
	    "\"skip_unavailable\":false,\"matching_indices\":true,"
	    "\"version\":{\"number\":\"8.13.0\"}},"
	    "\"clusterA\":{\"connected\":false,\"skip_unavailable\":true,"
	    "\"error\":\"Request timed out before receiving a response from "
	    "the remote cluster\"},"
	    "\"clusterC\":{\"connected\":true,\"skip_unavailable\":false,"
	    "\"error\":\"no such index [x]\"}}";
	struct es_resolved	 r;
	json_t			*root = load(text);
	char			*cause = NULL;

	ck_assert_int_eq(es_parse_resolve_cluster(root, "clusterA", &r,
	    &cause), 0);
	ck_assert(r.found && !r.connected);
	ck_assert_ptr_nonnull(strstr(r.error, "timed out"));
	ck_assert_int_eq(es_parse_resolve_cluster(root, "clusterC", &r,
	    &cause), 0);
	ck_assert(r.found && r.connected);
	ck_assert_str_eq(r.error, "no such index [x]");
	ck_assert_int_eq(es_parse_resolve_cluster(root, "(local)", &r,
	    &cause), 0);
	ck_assert(r.connected && r.matching_indices && r.error[0] == '\0');
	ck_assert_int_eq(es_parse_resolve_cluster(root, "clusterB", &r,
	    &cause), 0);
	ck_assert(!r.found);
	json_decref(root);

	root = load("{\"clusterA\":{\"connected\":1}}");
	ck_assert_int_eq(es_parse_resolve_cluster(root, "clusterA", &r,
	    &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(search_clusters_probe)
{
	json_t	*root;
	bool	 ok;
	char	*cause = NULL;

	root = load("{\"_clusters\":{\"total\":1,\"successful\":1,"
	    "\"skipped\":0}}");
	ck_assert_int_eq(es_parse_search_clusters(root, "clusterA", &ok,
	    &cause), 0);
	ck_assert(ok);
	json_decref(root);

	root = load("{\"_clusters\":{\"total\":1,\"successful\":0,"
	    "\"skipped\":1,\"details\":{\"clusterA\":{\"status\":\"skipped\","
	    "\"failures\":[{\"reason\":{\"type\":"
	    "\"connect_transport_exception\",\"reason\":"
	    "\"Unable to connect to [clusterA]\"}}]}}}}");
	ck_assert_int_eq(es_parse_search_clusters(root, "clusterA", &ok,
	    &cause), 0);
	ck_assert(!ok);
	json_decref(root);

	root = load("{\"count\":0}");
	ck_assert_int_eq(es_parse_search_clusters(root, "clusterA", &ok,
	    &cause), -1);
	ck_assert(!ok);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(auto_follow_patterns)
{
	json_t			*root;
	struct es_auto_follows	 af;
	char			*cause = NULL;

	root = load("{\"patterns\":[{\"name\":\"my_auto_follow_pattern\","
	    "\"pattern\":{\"active\":true,\"remote_cluster\":"
	    "\"remote_cluster\",\"leader_index_patterns\":[\"leader_index*\"],"
	    "\"leader_index_exclusion_patterns\":[\"leader_index_001\"],"
	    "\"follow_index_pattern\":\"{{leader_index}}-follower\"}},"
	    "{\"name\":\"p2\",\"pattern\":{\"active\":false,"
	    "\"remote_cluster\":\"clusterA\"}}]}");
	ck_assert_int_eq(es_parse_auto_follow(root, &af, &cause), 0);
	ck_assert_uint_eq(af.npatterns, 2);
	ck_assert_str_eq(af.patterns[0].name, "my_auto_follow_pattern");
	ck_assert_str_eq(af.patterns[0].remote_cluster, "remote_cluster");
	ck_assert(af.patterns[0].active);
	ck_assert(!af.patterns[1].active);
	es_auto_follows_clear(&af);
	json_decref(root);

	root = load("{\"patterns\":[{\"name\":\"p\"}]}");
	ck_assert_int_eq(es_parse_auto_follow(root, &af, &cause), -1);
	ck_assert_ptr_null(af.patterns);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(lookups_do_not_depend_on_order)
{
	struct es_ccr_info	 ci;
	struct es_ccr_stats	 st;
	json_t			*root;
	char			*cause = NULL;

	root = load("{\"follower_indices\":["
	    "{\"follower_index\":\"zeta\",\"status\":\"paused\"},"
	    "{\"follower_index\":\"alpha\",\"status\":\"active\"},"
	    "{\"follower_index\":\"mid\",\"status\":\"active\"}]}");
	ck_assert_int_eq(es_parse_ccr_info(root, &ci, &cause), 0);
	ck_assert(!es_ccr_info_find(&ci, "zeta")->active);
	ck_assert(es_ccr_info_find(&ci, "alpha")->active);
	ck_assert(es_ccr_info_find(&ci, "mid")->active);
	ck_assert_ptr_null(es_ccr_info_find(&ci, "beta"));
	es_ccr_info_clear(&ci);
	json_decref(root);

	root = load("{\"indices\":[{\"index\":\"z\"},{\"index\":\"a\","
	    "\"shards\":[{\"shard_id\":0,\"leader_global_checkpoint\":3,"
	    "\"follower_global_checkpoint\":1}]}]}");
	ck_assert_int_eq(es_parse_ccr_stats(root, &st, &cause), 0);
	ck_assert_int_eq(es_index_stats_lag(es_ccr_stats_find(&st, "a")), 2);
	ck_assert_uint_eq(es_ccr_stats_find(&st, "z")->nshards, 0);
	es_ccr_stats_clear(&st);
	json_decref(root);
}
END_TEST

START_TEST(overlong_names_refused)
{
	char			 name[400], text[600];
	struct es_ccr_info	 ci;
	json_t			*root;
	char			*cause = NULL;

	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(text, sizeof text, "{\"follower_indices\":[{"
	    "\"follower_index\":\"%s\",\"status\":\"active\"}]}", name);
	root = load(text);
	ck_assert_int_eq(es_parse_ccr_info(root, &ci, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

START_TEST(action_answers)
{
	struct es_follow_result	 fr;
	json_t			*root;
	uint64_t		 count;
	bool			 b;
	char			*cause = NULL;

	root = load("{\"acknowledged\":true}");
	ck_assert_int_eq(es_parse_acknowledged(root, &b, &cause), 0);
	ck_assert(b);
	json_decref(root);
	root = load("{\"acknowledged\":\"true\"}");
	ck_assert_int_eq(es_parse_acknowledged(root, &b, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);

	root = load("{\"acknowledged\":true,\"shards_acknowledged\":true,"
	    "\"indices\":{\"logs-follower\":{\"closed\":true},"
	    "\"other\":{\"closed\":false}}}");
	ck_assert_int_eq(es_parse_closed(root, "logs-follower", &b, &cause),
	    0);
	ck_assert(b);
	ck_assert_int_eq(es_parse_closed(root, "other", &b, &cause), 0);
	ck_assert(!b);
	/* Already closed indices are left out of the answer. */
	ck_assert_int_eq(es_parse_closed(root, "third", &b, &cause), 0);
	ck_assert(b);
	json_decref(root);
	root = load("{\"acknowledged\":true,\"indices\":{\"a\":"
	    "{\"closed\":1}}}");
	ck_assert_int_eq(es_parse_closed(root, "a", &b, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);

	root = load("{\"kibana_sample_data_ecommerce2\":{\"settings\":{"
	    "\"index.xpack.ccr.following_index\":\"true\"}}}");
	ck_assert_int_eq(es_parse_following(root,
	    "kibana_sample_data_ecommerce2", &b, &cause), 0);
	ck_assert(b);
	ck_assert_int_eq(es_parse_following(root, "other", &b, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);
	root = load("{\"f\":{\"settings\":{\"index\":{\"xpack\":{"
	    "\"ccr\":{\"following_index\":\"true\"}}}}}}");
	ck_assert_int_eq(es_parse_following(root, "f", &b, &cause), 0);
	ck_assert(b);
	json_decref(root);
	root = load("{\"f\":{\"settings\":{}}}");
	ck_assert_int_eq(es_parse_following(root, "f", &b, &cause), 0);
	ck_assert(!b);
	json_decref(root);
	/* ignore_unavailable: a missing index is left out of the answer. */
	root = load("{\"f\":{\"settings\":{\"index.uuid\":\"u\"}}}");
	ck_assert_int_eq(es_parse_index_present(root, "f", &b, &cause), 0);
	ck_assert(b);
	ck_assert_int_eq(es_parse_index_present(root, "gone", &b, &cause), 0);
	ck_assert(!b);
	json_decref(root);
	root = load("[]");
	ck_assert_int_eq(es_parse_index_present(root, "f", &b, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);

	root = load("{\"follow_index_created\":true,"
	    "\"follow_index_shards_acked\":false,"
	    "\"index_following_started\":false}");
	ck_assert_int_eq(es_parse_follow_result(root, &fr, &cause), 0);
	ck_assert(fr.follow_index_created);
	ck_assert(!fr.follow_index_shards_acked);
	ck_assert(!fr.index_following_started);
	json_decref(root);
	root = load("{\"acknowledged\":true}");
	ck_assert_int_eq(es_parse_follow_result(root, &fr, &cause), -1);
	free(cause);
	cause = NULL;
	json_decref(root);

	root = load("{\"count\":5}");
	ck_assert_int_eq(es_parse_count(root, &count, &cause), 0);
	ck_assert_uint_eq(count, 5);
	json_decref(root);
	root = load("{\"count\":-1}");
	ck_assert_int_eq(es_parse_count(root, &count, &cause), -1);
	free(cause);
	json_decref(root);
}
END_TEST

/* Assemble the suite. */
static Suite *
es_parse_suite(void)
{
	Suite	*s = suite_create("es-parse");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, ccr_stats_reference_example);
	tcase_add_test(tc, ccr_stats_all_with_failures);
	tcase_add_test(tc, ccr_stats_empty_filtered);
	tcase_add_loop_test(tc, ccr_stats_malformed, 0,
	    sizeof ccr_stats_bad / sizeof ccr_stats_bad[0]);
	tcase_add_test(tc, ccr_summary);
	tcase_add_loop_test(tc, ccr_summary_malformed, 0,
	    sizeof ccr_summary_bad / sizeof ccr_summary_bad[0]);
	tcase_add_test(tc, ccr_reads);
	tcase_add_test(tc, truncated_fixtures_fail_to_load);
	tcase_add_test(tc, health_example);
	tcase_add_loop_test(tc, health_cases_table, 0,
	    sizeof health_cases / sizeof health_cases[0]);
	tcase_add_test(tc, remote_info_modes);
	tcase_add_test(tc, ccr_info_active_and_paused);
	tcase_add_loop_test(tc, ccr_info_malformed, 0,
	    sizeof ccr_info_bad / sizeof ccr_info_bad[0]);
	tcase_add_test(tc, shard_seqs_primaries_only);
	tcase_add_loop_test(tc, shard_seqs_malformed, 0,
	    sizeof shard_seqs_bad / sizeof shard_seqs_bad[0]);
	tcase_add_test(tc, error_envelopes);
	tcase_add_test(tc, version_numbers);
	tcase_add_test(tc, resolve_cluster_example);
	tcase_add_test(tc, search_clusters_probe);
	tcase_add_test(tc, auto_follow_patterns);
	tcase_add_test(tc, lookups_do_not_depend_on_order);
	tcase_add_test(tc, overlong_names_refused);
	tcase_add_test(tc, action_answers);
	tcase_add_test(tc, cluster_uuid_read);
	tcase_add_test(tc, denials_named);
	tcase_add_test(tc, resolve_unreachable_only_on_link_errors);
	tcase_add_test(tc, has_privileges_answer);
	tcase_add_test(tc, has_privileges_many_indices);
	tcase_add_test(tc, index_uuids_answer);
	tcase_add_test(tc, ccr_stats_extreme_checkpoints);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(es_parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
