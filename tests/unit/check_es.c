/*
 * Unit tests for es.c's request builders: paths, escaping, name
 * validation, request-line batching and JSON bodies. No network.
 */
#include "autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "es-name.h"
#include "es.h"

START_TEST(index_names_validated)
{
	static const char	*bad[] = {
		"", ".", "..", "-a", "_a", "+a", "Upper", "a/b", "a\\b", "a*",
		"a?", "a\"b", "a<b", "a>b", "a|b", "a b", "a,b", "a#b", "a:b",
		"a\tb"
	};
	char			 longname[300];
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(es_name_valid(bad[i], &cause) == -1, "%s",
		    bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
	}
	memset(longname, 'a', 256);
	longname[256] = '\0';
	ck_assert_int_eq(es_name_valid(longname, &cause), -1);
	free(cause);
	longname[255] = '\0';
	ck_assert_int_eq(es_name_valid(longname, &cause), 0);
	ck_assert_int_eq(es_name_valid("kibana_sample_data_ecommerce2",
	    &cause), 0);
	ck_assert_int_eq(es_name_valid(".kibana-1", &cause), 0);
}
END_TEST

START_TEST(paths_are_escaped)
{
	struct es_call	 c;
	char		*cause = NULL;

	ck_assert_int_eq(es_call_pause_follow(&c, "logs-2024.01~x", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_POST);
	ck_assert_str_eq(c.path, "/logs-2024.01~x/_ccr/pause_follow");
	ck_assert_ptr_null(c.body);
	es_call_clear(&c);
	/* Characters Elasticsearch allows but a URL must escape. */
	ck_assert_int_eq(es_call_delete(&c, "a%b&c=d+e", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_DELETE);
	ck_assert_str_eq(c.path, "/a%25b%26c%3Dd%2Be");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_delete(&c, "caf\xc3\xa9", &cause), 0);
	ck_assert_str_eq(c.path, "/caf%C3%A9");
	es_call_clear(&c);
	/* A pattern is never built into a delete. */
	ck_assert_int_eq(es_call_delete(&c, "logs*", &cause), -1);
	ck_assert_ptr_null(c.path);
	free(cause);
}
END_TEST

START_TEST(polling_paths)
{
	static const char *const names[] = { "f1", "f2" };
	struct es_call	 c;
	char		*cause = NULL;
	size_t		 used;

	es_call_health(&c);
	ck_assert_int_eq(c.method, HTTP_GET);
	ck_assert_ptr_nonnull(strstr(c.path, "/_cluster/health?filter_path="));
	es_call_clear(&c);
	es_call_remote_info(&c);
	ck_assert_ptr_nonnull(strstr(c.path, "/_remote/info?filter_path="));
	es_call_clear(&c);
	ck_assert_int_eq(es_call_ccr_stats(&c, NULL, &cause), 0);
	ck_assert_ptr_nonnull(strstr(c.path, "/_ccr/stats?filter_path="
	    "follow_stats.indices.index,"));
	ck_assert_ptr_nonnull(strstr(c.path,
	    "follow_stats.indices.shards.follower_global_checkpoint"));
	es_call_clear(&c);
	ck_assert_int_eq(es_call_ccr_stats(&c, "f1", &cause), 0);
	ck_assert_ptr_nonnull(strstr(c.path, "/f1/_ccr/stats?filter_path="
	    "indices.index,"));
	es_call_clear(&c);
	es_call_ccr_summary(&c);
	ck_assert_str_eq(c.path, "/_ccr/stats?filter_path="
	    "follow_stats.indices.index,"
	    "follow_stats.indices.total_global_checkpoint_lag,"
	    "follow_stats.indices.shards.fatal_exception");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_ccr_info(&c, NULL, &cause), 0);
	ck_assert_ptr_nonnull(strstr(c.path, "/_all/_ccr/info?filter_path="));
	es_call_clear(&c);
	ck_assert_int_eq(es_call_resolve_cluster(&c, "clusterA", "logs", 2000,
	    &cause), 0);
	ck_assert_str_eq(c.path,
	    "/_resolve/cluster/clusterA:logs?timeout=2000ms");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_resolve_cluster(&c, "clusterA", "logs", 0,
	    &cause), 0);
	ck_assert_str_eq(c.path, "/_resolve/cluster/clusterA:logs");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_probe_search(&c, "clusterA", "logs", &cause),
	    0);
	ck_assert_str_eq(c.path,
	    "/clusterA:logs/_search?size=0&filter_path=_clusters");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_count(&c, "clusterA", "logs", &cause), 0);
	ck_assert_str_eq(c.path, "/clusterA:logs/_count?filter_path=count");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_count(&c, NULL, "logs", &cause), 0);
	ck_assert_str_eq(c.path, "/logs/_count?filter_path=count");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_shard_stats(&c, "logs", &cause), 0);
	ck_assert_ptr_nonnull(strstr(c.path, "/logs/_stats?level=shards&"));
	es_call_clear(&c);
	ck_assert_int_eq(es_call_exists_list(&c, names, 2, &used, &cause), 0);
	ck_assert_uint_eq(used, 2);
	ck_assert_int_eq(c.method, HTTP_GET);
	ck_assert_str_eq(c.path, "/f1,f2/_settings/index.uuid"
	    "?ignore_unavailable=true&flat_settings=true");
	es_call_clear(&c);
}
END_TEST

START_TEST(action_paths)
{
	struct es_call	 c;
	char		*cause = NULL;

	ck_assert_int_eq(es_call_unfollow(&c, "f", &cause), 0);
	ck_assert_str_eq(c.path, "/f/_ccr/unfollow");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_resume_follow(&c, "f", &cause), 0);
	ck_assert_str_eq(c.path, "/f/_ccr/resume_follow");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_add_write_block(&c, "f", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_PUT);
	ck_assert_str_eq(c.path, "/f/_block/write");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_clone(&c, "f", "f-diverged-1", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_POST);
	ck_assert_str_eq(c.path, "/f/_clone/f-diverged-1");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_exists(&c, "f", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_HEAD);
	ck_assert_str_eq(c.path, "/f");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_following_setting(&c, "f", &cause), 0);
	ck_assert_str_eq(c.path, "/f/_settings/index.xpack.ccr.following_index"
	    "?flat_settings=true");
	es_call_clear(&c);
	es_call_auto_follow_list(&c);
	ck_assert_ptr_nonnull(strstr(c.path, "/_ccr/auto_follow?filter_path="));
	es_call_clear(&c);
	ck_assert_int_eq(es_call_auto_follow_pause(&c, "my pattern", &cause),
	    0);
	ck_assert_str_eq(c.path, "/_ccr/auto_follow/my%20pattern/pause");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_auto_follow_resume(&c, "p", &cause), 0);
	ck_assert_str_eq(c.path, "/_ccr/auto_follow/p/resume");
	es_call_clear(&c);
}
END_TEST

START_TEST(follow_body)
{
	struct es_call	 c;
	char		*cause = NULL;

	ck_assert_int_eq(es_call_follow(&c, "kibana_sample_data_ecommerce",
	    "clusterB", "kibana_sample_data_ecommerce2", &cause), 0);
	ck_assert_int_eq(c.method, HTTP_PUT);
	ck_assert_str_eq(c.path, "/kibana_sample_data_ecommerce/_ccr/follow"
	    "?wait_for_active_shards=0");
	ck_assert_str_eq(c.body, "{\"remote_cluster\":\"clusterB\","
	    "\"leader_index\":\"kibana_sample_data_ecommerce2\"}");
	es_call_clear(&c);
	ck_assert_int_eq(es_call_follow(&c, "f", "bad:alias", "l", &cause), -1);
	free(cause);
}
END_TEST

START_TEST(remote_settings_bodies)
{
	struct ccr_remote_config	 rc;
	struct es_call			 c;
	char				*cause = NULL;
	char				*seeds[] = { "10.0.0.1:9300" };

	memset(&rc, 0, sizeof rc);
	rc.mode = "proxy";
	rc.proxy_address = "a.example:9400";
	rc.server_name = "a.example";
	rc.proxy_socket_connections = 18;
	rc.skip_unavailable = true;
	ck_assert_int_eq(es_call_remote_settings(&c, "clusterA", &rc, &cause),
	    0);
	ck_assert_int_eq(c.method, HTTP_PUT);
	ck_assert_str_eq(c.path, "/_cluster/settings");
	ck_assert_str_eq(c.body, "{\"persistent\":{"
	    "\"cluster.remote.clusterA.mode\":\"proxy\","
	    "\"cluster.remote.clusterA.proxy_address\":\"a.example:9400\","
	    "\"cluster.remote.clusterA.server_name\":\"a.example\","
	    "\"cluster.remote.clusterA.proxy_socket_connections\":18,"
	    "\"cluster.remote.clusterA.seeds\":null,"
	    "\"cluster.remote.clusterA.node_connections\":null,"
	    "\"cluster.remote.clusterA.skip_unavailable\":true}}");
	es_call_clear(&c);

	memset(&rc, 0, sizeof rc);
	rc.mode = "sniff";
	rc.seeds = seeds;
	rc.nseeds = 1;
	ck_assert_int_eq(es_call_remote_settings(&c, "clusterB", &rc, &cause),
	    0);
	ck_assert_str_eq(c.body, "{\"persistent\":{"
	    "\"cluster.remote.clusterB.mode\":\"sniff\","
	    "\"cluster.remote.clusterB.seeds\":[\"10.0.0.1:9300\"],"
	    "\"cluster.remote.clusterB.node_connections\":null,"
	    "\"cluster.remote.clusterB.proxy_address\":null,"
	    "\"cluster.remote.clusterB.server_name\":null,"
	    "\"cluster.remote.clusterB.proxy_socket_connections\":null,"
	    "\"cluster.remote.clusterB.skip_unavailable\":false}}");
	es_call_clear(&c);

	rc.nseeds = 0;
	ck_assert_int_eq(es_call_remote_settings(&c, "clusterB", &rc, &cause),
	    -1);
	free(cause);
	cause = NULL;
	rc.mode = "tunnel";
	ck_assert_int_eq(es_call_remote_settings(&c, "clusterB", &rc, &cause),
	    -1);
	free(cause);
	cause = NULL;
	rc.mode = "sniff";
	rc.nseeds = 1;
	ck_assert_int_eq(es_call_remote_settings(&c, "cluster.b", &rc, &cause),
	    -1);
	free(cause);
}
END_TEST

START_TEST(close_open_batched_under_line_limit)
{
	char		**names;
	struct es_call	  call;
	size_t		  ncalls = 0, i, n = 1000, seen = 0, len, used;
	char		 *cause = NULL, *p, *tok, *save;
	char		  line[8192];

	names = calloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		asprintf(&names[i], "follower-index-number-%04zu", i);
	while (seen < n) {
		ck_assert_int_eq(es_call_close(&call,
		    (const char *const *)names + seen, n - seen, &used,
		    &cause), 0);
		ncalls++;
		ck_assert_int_eq(call.method, HTTP_POST);
		snprintf(line, sizeof line, "POST %s HTTP/1.1", call.path);
		ck_assert_uint_lt(strlen(line), 4096);
		len = strlen(call.path);
		ck_assert_str_eq(call.path + len - 7, "/_close");
		call.path[len - 7] = '\0';
		p = call.path + 1;
		for (tok = strtok_r(p, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			ck_assert_str_eq(tok, names[seen++]);
		ck_assert_uint_gt(used, 0);
		es_call_clear(&call);
	}
	ck_assert_uint_gt(ncalls, 1);
	ck_assert_uint_eq(seen, n);

	ck_assert_int_eq(es_call_open(&call, (const char *const *)names, 2,
	    &used, &cause), 0);
	ck_assert_uint_eq(used, 2);
	ck_assert_str_eq(call.path, "/follower-index-number-0000,"
	    "follower-index-number-0001/_open");
	es_call_clear(&call);

	/* A bad name ends the list before it, and alone it is refused. */
	free(names[1]);
	names[1] = strdup("bad,name");
	ck_assert_int_eq(es_call_close(&call, (const char *const *)names, n,
	    &used, &cause), 0);
	ck_assert_uint_eq(used, 1);
	ck_assert_str_eq(call.path, "/follower-index-number-0000/_close");
	es_call_clear(&call);
	ck_assert_int_eq(es_call_close(&call, (const char *const *)names + 1,
	    n - 1, &used, &cause), -1);
	ck_assert_ptr_null(call.path);
	ck_assert_uint_eq(used, 0);
	free(cause);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
END_TEST

START_TEST(cluster_config_checked)
{
	struct ccr_cluster_config	 cc;
	char				*cause = NULL;
	char				*bad[] = { "ftp://a:21" };
	char				*cred[] = {
		"http://a:9200", "https://elastic:secret@b:9200/"
	};
	char				*fine[] = { "http://a:9200/x@y" };
	struct es_cluster		*c;

	memset(&cc, 0, sizeof cc);
	cc.name = "clusterA";
	ck_assert_ptr_null(es_cluster_create(NULL, &cc, NULL, NULL, 2,
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "no urls"));
	free(cause);
	cc.urls = bad;
	cc.nurls = 1;
	ck_assert_ptr_null(es_cluster_create(NULL, &cc, NULL, NULL, 2,
	    &cause));
	free(cause);
	cc.urls = cred;
	cc.nurls = 2;
	ck_assert_ptr_null(es_cluster_create(NULL, &cc, NULL, NULL, 2,
	    &cause));
	ck_assert_ptr_nonnull(strstr(cause, "url 2"));
	ck_assert_ptr_null(strstr(cause, "secret"));
	free(cause);
	cc.urls = fine;
	cc.nurls = 1;
	c = es_cluster_create(NULL, &cc, NULL, NULL, 2, &cause);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(es_cluster_name(c), "clusterA");
	ck_assert_str_eq(es_cluster_node(c), "http://a:9200/x@y");
	es_cluster_free(c);
}
END_TEST

START_TEST(ccr_stats_list_fills_one_line)
{
	char		**names;
	struct es_call	  c;
	size_t		  i, n = 1000, used, done = 0, calls = 0;
	char		 *cause = NULL, line[8192];

	names = calloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		asprintf(&names[i], "follower-index-number-%04zu", i);
	while (done < n) {
		ck_assert_int_eq(es_call_ccr_stats_list(&c,
		    (const char *const *)names + done, n - done, &used,
		    &cause), 0);
		ck_assert_uint_gt(used, 0);
		ck_assert_int_eq(c.method, HTTP_GET);
		snprintf(line, sizeof line, "GET %s HTTP/1.1", c.path);
		ck_assert_uint_lt(strlen(line), 4096);
		ck_assert(strncmp(c.path + 1, names[done],
		    strlen(names[done])) == 0);
		ck_assert_ptr_nonnull(strstr(c.path, names[done + used - 1]));
		if (done + used < n)
			ck_assert_ptr_null(strstr(c.path, names[done + used]));
		ck_assert_ptr_nonnull(strstr(c.path, "/_ccr/stats?filter_path="
		    "indices.index,indices.shards.shard_id,"));
		es_call_clear(&c);
		done += used;
		calls++;
	}
	ck_assert_uint_gt(calls, 1);
	ck_assert_int_eq(es_call_ccr_stats_list(&c, (const char *const *)names,
	    0, &used, &cause), -1);
	free(cause);
	cause = NULL;
	free(names[0]);
	names[0] = strdup("Bad");
	ck_assert_int_eq(es_call_ccr_stats_list(&c, (const char *const *)names,
	    n, &used, &cause), -1);
	ck_assert_ptr_null(c.path);
	free(cause);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
END_TEST

/* Assemble the suite. */
static Suite *
es_suite(void)
{
	Suite	*s = suite_create("es");
	TCase	*tc = tcase_create("builders");

	tcase_add_test(tc, index_names_validated);
	tcase_add_test(tc, paths_are_escaped);
	tcase_add_test(tc, polling_paths);
	tcase_add_test(tc, action_paths);
	tcase_add_test(tc, follow_body);
	tcase_add_test(tc, remote_settings_bodies);
	tcase_add_test(tc, close_open_batched_under_line_limit);
	tcase_add_test(tc, cluster_config_checked);
	tcase_add_test(tc, ccr_stats_list_fills_one_line);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(es_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
