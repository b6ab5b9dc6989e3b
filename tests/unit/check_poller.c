/*
 * Unit tests for poller.c against two fake clusters: evhttp servers in the
 * test's own loop on 127.0.0.1 that answer the polled endpoints the way
 * the reference shows. Each test runs rounds until it has the observations
 * it needs; nothing asserts on time.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "es.h"
#include "http.h"
#include "observation.h"
#include "poller.h"

struct fake {
	struct evhttp	*evh;
	int		 port;
	const char	*version;	/* GET / */
	const char	*health;	/* "green"... */
	bool		 hang_health;
	bool		 hang_probe;
	bool		 hang_all;
	bool		 hang_info;	/* _all/_ccr/info never answers */
	bool		 fatal;		/* f1 stopped */
	bool		 bad_stats;
	bool		 connected;	/* _remote/info */
	bool		 probe_ok;
	bool		 probe_503;	/* the probe answers 503 */
	bool		 paused;	/* f1 paused: absent from stats */
	bool		 plain;		/* f1 unfollowed: a plain index */
	bool		 deleted;	/* f1 does not exist */
	int		 failed_reads;
	int		 ops_read;
	const char	*uuid;		/* GET /'s cluster_uuid */
	int		 deny_health;	/* 401 or 403 on health, 0: none */
	bool		 deny_stats;	/* 403 on the _ccr/stats summary */
	bool		 no_remotes;	/* a node without the remote role */
	bool		 probe_security; /* connected false, security error */
	int		 requests;
	int		 info_requests;	/* _all/_ccr/info */
	char		 paths[16][256];
	int		 npaths;
};

struct seen {
	int			 rounds;
	int			 want;
	struct observation	 obs[8];
	struct obs_index	 idx[8];
};

static struct event_base	*base;
static struct fake		 fa, fb;	/* clusterA, clusterB */
static struct http		*http;
static struct es_cluster	*ca, *cb;
static struct poller		*poller;
static struct seen		 seen;

/* Send a JSON reply. */
static void
reply(struct evhttp_request *req, int code, const char *json)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, json, strlen(json));
	evhttp_send_reply(req, code, "X", b);
	evbuffer_free(b);
}

/* Detail stats for every "fNNN" named in the path: one shard each. */
static void
fake_many_stats(struct evhttp_request *req, const char *uri)
{
	struct evbuffer	*b = evbuffer_new();
	const char	*p = uri + 1;
	int		 first = 1, num;

	evbuffer_add_printf(b, "{\"indices\":[");
	while (sscanf(p, "f%3d", &num) == 1) {
		evbuffer_add_printf(b, "%s{\"index\":\"f%03d\",\"shards\":[{"
		    "\"shard_id\":0,\"leader_global_checkpoint\":%d,"
		    "\"follower_global_checkpoint\":%d,"
		    "\"follower_max_seq_no\":%d}]}", first ? "" : ",", num,
		    num, num, num);
		first = 0;
		p += 4;
		if (*p != ',')
			break;
		p++;
	}
	evbuffer_add_printf(b, "]}");
	evhttp_send_reply(req, 200, "X", b);
	evbuffer_free(b);
}

/* One fake Elasticsearch cluster's handler. */
static void
fake_handle(struct evhttp_request *req, void *arg)
{
	struct fake	*f = arg;
	const char	*uri = evhttp_request_get_uri(req);
	char		 buf[2048];

	f->requests++;
	if (f->npaths < 16)
		snprintf(f->paths[f->npaths++], sizeof f->paths[0], "%s", uri);
	if (f->hang_all)
		return;
	if (strncmp(uri, "/_cluster/health", 16) == 0) {
		if (f->hang_health)
			return;
		if (f->deny_health == 401) {
			reply(req, 401, "{\"error\":{\"type\":"
			    "\"security_exception\",\"reason\":\"unable to "
			    "authenticate user [ccr] for REST request "
			    "[/_cluster/health]\"},\"status\":401}");
			return;
		}
		snprintf(buf, sizeof buf, "{\"cluster_name\":\"x\","
		    "\"status\":\"%s\",\"timed_out\":false}", f->health);
		reply(req, 200, buf);
	} else if (strncmp(uri, "/?", 2) == 0) {
		snprintf(buf, sizeof buf, "{\"version\":{\"number\":\"%s\"}%s%s%s}",
		    f->version, f->uuid != NULL ? ",\"cluster_uuid\":\"" : "",
		    f->uuid != NULL ? f->uuid : "", f->uuid != NULL ? "\"" : "");
		reply(req, 200, buf);
	} else if (strncmp(uri, "/_remote/info", 13) == 0 && f->no_remotes) {
		reply(req, 200, "{}");
	} else if (strncmp(uri, "/_resolve/cluster/", 18) == 0 &&
	    f->no_remotes) {
		reply(req, 404, "{\"error\":{\"type\":"
		    "\"no_such_remote_cluster_exception\",\"reason\":\"no such "
		    "remote cluster: [clusterA]\"},\"status\":404}");
	} else if (strncmp(uri, "/_ccr/stats?", 12) == 0 && f->deny_stats) {
		reply(req, 403, "{\"error\":{\"type\":\"security_exception\","
		    "\"reason\":\"action [cluster:monitor/ccr/stats] is "
		    "unauthorized for user [ccr] with effective roles [x]\"},"
		    "\"status\":403}");
	} else if (strncmp(uri, "/_remote/info", 13) == 0) {
		snprintf(buf, sizeof buf, "{\"clusterA\":{\"connected\":%s,"
		    "\"mode\":\"proxy\"}}", f->connected ? "true" : "false");
		reply(req, 200, buf);
	} else if (strncmp(uri, "/f1/_settings/index.uuid?", 25) == 0) {
		/* ignore_unavailable: a missing index is left out. */
		ck_assert_ptr_nonnull(strstr(uri, "ignore_unavailable=true"));
		reply(req, 200, f->deleted ? "{}" :
		    "{\"f1\":{\"settings\":{\"index.uuid\":\"u1\"}}}");
	} else if (strncmp(uri, "/_all/_ccr/info", 15) == 0 &&
	    (f->plain || f->deleted)) {
		reply(req, 200, "{\"follower_indices\":[]}");
	} else if (strncmp(uri, "/_ccr/stats?", 12) == 0) {
		if (f->paused || f->plain || f->deleted) {
			reply(req, 200, "{}");
			return;
		}
		if (f->fatal) {
			reply(req, 200, "{\"follow_stats\":{\"indices\":["
			    "{\"index\":\"f1\",\"total_global_checkpoint_lag\":"
			    "10,\"shards\":[{\"fatal_exception\":{\"type\":"
			    "\"exception\",\"reason\":\"wrapped\","
			    "\"caused_by\":{\"type\":"
			    "\"illegal_state_exception\",\"reason\":"
			    "\"Unable to open any connections to remote "
			    "cluster "
			    "[clusterA]\"}}}]}]}}");
			return;
		}
		reply(req, 200, "{\"follow_stats\":{\"indices\":["
		    "{\"index\":\"f1\",\"total_global_checkpoint_lag\":10},"
		    "{\"index\":\"other\",\"total_global_checkpoint_lag\":4,"
		    "\"shards\":[{\"fatal_exception\":{\"type\":\"x\","
		    "\"reason\":\"y\"}}]}]}}");
	} else if (strncmp(uri, "/f1/_ccr/stats?", 15) == 0) {
		if (f->bad_stats) {
			reply(req, 200, "{\"indices\":[{\"index\":\"f1\","
			    "\"shards\":[{\"shard_id\":0,"
			    "\"operations_read\":\"lots\"}]}]}");
			return;
		}
		if (f->paused) {
			reply(req, 404, "{\"error\":{\"type\":"
			    "\"resource_not_found_exception\",\"reason\":"
			    "\"No shard follow tasks for follower indices "
			    "[f1]\"},\"status\":404}");
			return;
		}
		snprintf(buf, sizeof buf, "{\"indices\":[{"
		    "\"index\":\"f1\",\"shards\":["
		    "{\"shard_id\":0,\"leader_global_checkpoint\":100,"
		    "\"follower_global_checkpoint\":90,"
		    "\"leader_max_seq_no\":101,"
		    "\"follower_max_seq_no\":95,\"failed_read_requests\":%d,"
		    "\"read_exceptions\":[{\"from_seq_no\":91}],"
		    "\"time_since_last_read_millis\":40},"
		    "{\"shard_id\":1,\"leader_global_checkpoint\":7,"
		    "\"follower_global_checkpoint\":7,\"leader_max_seq_no\":7,"
		    "\"follower_max_seq_no\":7,\"failed_read_requests\":0,"
		    "\"successful_read_requests\":%d,\"operations_read\":%d,"
		    "\"time_since_last_read_millis\":900}]}]}",
		    f->failed_reads, f->ops_read, f->ops_read);
		reply(req, 200, buf);
	} else if (strncmp(uri, "/f0", 3) == 0 &&
	    strstr(uri, "/_ccr/stats?") != NULL) {
		fake_many_stats(req, uri);
	} else if (strncmp(uri, "/_all/_ccr/info", 15) == 0) {
		f->info_requests++;
		if (f->hang_info)
			return;
		snprintf(buf, sizeof buf, "{\"follower_indices\":[{"
		    "\"follower_index\":\"f1\",\"remote_cluster\":\"clusterA\","
		    "\"leader_index\":\"l1\",\"status\":\"%s\"}]}",
		    f->paused ? "paused" : "active");
		reply(req, 200, buf);
	} else if (strncmp(uri, "/_resolve/cluster/clusterA:l1", 29) == 0) {
		if (f->hang_probe)
			return;
		if (f->probe_security) {
			reply(req, 200, "{\"clusterA\":{\"connected\":false,"
			    "\"skip_unavailable\":false,\"error\":"
			    "\"security_exception: unable to authenticate user "
			    "[ccr] for REST request\"}}");
			return;
		}
		if (f->probe_503) {
			reply(req, 503, "{\"error\":{\"type\":"
			    "\"cluster_block_exception\",\"reason\":\"blocked\"},"
			    "\"status\":503}");
			return;
		}
		reply(req, 200, f->probe_ok ?
		    "{\"clusterA\":{\"connected\":true,"
		    "\"matching_indices\":true}}" :
		    "{\"clusterA\":{\"connected\":false,\"error\":"
		    "\"Request timed out before receiving a response from "
		    "the remote cluster\"}}");
	} else if (strncmp(uri, "/clusterA:l1/_search", 20) == 0) {
		reply(req, 200, f->probe_ok ?
		    "{\"_clusters\":{\"total\":1,\"successful\":1,"
		    "\"skipped\":0}}" :
		    "{\"_clusters\":{\"total\":1,\"successful\":0,"
		    "\"skipped\":1}}");
	} else
		reply(req, 404, "{\"error\":{\"type\":\"x\",\"reason\":\"y\"},"
		    "\"status\":404}");
}

/* Start a fake cluster on a fresh port. */
static void
fake_start(struct fake *f)
{
	struct evhttp_bound_socket	*bound;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	memset(f, 0, sizeof *f);
	f->version = "8.17.3";
	f->health = "green";
	f->connected = true;
	f->probe_ok = true;
	f->evh = evhttp_new(base);
	evhttp_set_gencb(f->evh, fake_handle, f);
	bound = evhttp_bind_socket_with_handle(f->evh, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(bound);
	ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len), 0);
	f->port = ntohs(sin.sin_port);
}

/* Keep a copy of each observation; stop the loop when enough arrived. */
static void
round_cb(const struct observation *o, void *arg)
{
	struct seen	*s = arg;

	if (s->rounds < 8) {
		s->obs[s->rounds] = *o;
		ck_assert_uint_eq(o->nindices, 1);
		s->idx[s->rounds] = o->indices[0];
		s->obs[s->rounds].indices = &s->idx[s->rounds];
	}
	if (++s->rounds >= s->want)
		event_base_loopbreak(base);
}

/* A cluster client for one fake, at most max requests at a time. */
static struct es_cluster *
client_for(const char *name, int port, int max)
{
	struct ccr_cluster_config	 cc;
	struct es_cluster		*c;
	char				 url[64], *urls[1] = { url }, *cause;

	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	memset(&cc, 0, sizeof cc);
	cc.name = (char *)name;
	cc.urls = urls;
	cc.nurls = 1;
	c = es_cluster_create(http, &cc, NULL, NULL, max, &cause);
	ck_assert_ptr_nonnull(c);
	return (c);
}

/* A port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* Build the poller over the fakes; leader_port may be a closed port. */
static void
start_max(int leader_port, uint64_t interval_ms, uint64_t timeout_ms,
    int want, int max)
{
	struct ccr_config	 cfg;
	struct ccr_index_pair	 pair = { (char *)"l1", (char *)"f1" };
	char			*cause = NULL;

	http = http_create(base, 16, &cause);
	ck_assert_ptr_nonnull(http);
	ca = client_for("clusterA", leader_port, max);
	cb = client_for("clusterB", fb.port, max);
	memset(&cfg, 0, sizeof cfg);
	cfg.poll_interval_ms = interval_ms;
	cfg.request_timeout_ms = timeout_ms;
	cfg.indices = &pair;
	cfg.nindices = 1;
	memset(&seen, 0, sizeof seen);
	seen.want = want;
	poller = poller_create(base, &cfg, ca, cb, round_cb, &seen);
	poller_start(poller);
	ck_assert_int_eq(event_base_dispatch(base), 0);
}

/* start_max with room for a whole round per cluster. */
static void
start(int leader_port, uint64_t interval_ms, uint64_t timeout_ms, int want)
{
	start_max(leader_port, interval_ms, timeout_ms, want, 8);
}

/* Fresh loop and fakes. */
static void
setup(void)
{
	base = event_base_new();
	fake_start(&fa);
	fake_start(&fb);
	fb.health = "yellow";
}

/* Free in dependency order. */
static void
teardown(void)
{
	poller_free(poller);
	es_cluster_free(ca);
	es_cluster_free(cb);
	http_free(http);
	evhttp_free(fa.evh);
	evhttp_free(fb.evh);
	event_base_free(base);
}

/* Whether fake f was asked for a path starting with prefix. */
static bool
asked(const struct fake *f, const char *prefix)
{
	int	i;

	for (i = 0; i < f->npaths; i++) {
		if (strncmp(f->paths[i], prefix, strlen(prefix)) == 0)
			return (true);
	}
	return (false);
}

START_TEST(healthy_round)
{
	const struct observation	*o;
	struct poller_counters		 pc;

	fb.failed_reads = 3;
	start(fa.port, 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert(o->leader.reachable);
	ck_assert_int_eq(o->leader.health, OBS_HEALTH_GREEN);
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->follower.health, OBS_HEALTH_YELLOW);
	ck_assert_int_eq(o->link.remote_connected, TRI_YES);
	ck_assert_int_eq(o->link.probe_ok, TRI_YES);
	ck_assert_uint_eq(o->link.failed_reads_delta, 0);
	/* Only the configured index counts, not "other". */
	ck_assert_uint_eq(o->link.read_exceptions, 1);
	ck_assert_uint_eq(o->link.max_since_last_read_ms, 900);
	ck_assert_str_eq(o->indices[0].name, "f1");
	ck_assert_int_eq(o->indices[0].follow, OBS_FOLLOW_ACTIVE);
	ck_assert_int_eq(o->indices[0].lag_ops, 10);
	ck_assert_uint_eq(o->indices[0].read_exceptions, 1);
	ck_assert(!o->indices[0].fatal);
	ck_assert_uint_gt(o->now_ms, 0);

	/* Leader polled for health and identity; the follower for all. */
	ck_assert_int_eq(fa.requests, 2);
	ck_assert(asked(&fa, "/?filter_path=version.number,cluster_uuid"));
	ck_assert(asked(&fb, "/_cluster/health?filter_path="));
	ck_assert(asked(&fb, "/_remote/info?filter_path="));
	ck_assert(asked(&fb, "/_ccr/stats?filter_path=follow_stats.indices."
	    "index,follow_stats.indices.total_global_checkpoint_lag,"));
	ck_assert(asked(&fb, "/f1/_ccr/stats?filter_path=indices.index,"));
	ck_assert(asked(&fb, "/_all/_ccr/info?filter_path="));
	ck_assert(asked(&fb, "/?filter_path=version.number"));
	/* A listed follower's existence is not asked after. */
	ck_assert(!asked(&fb, "/f1/_settings"));
	/* 8.17: resolve/cluster, without the 8.18 timeout parameter. */
	ck_assert(asked(&fb, "/_resolve/cluster/clusterA:l1"));
	ck_assert(!asked(&fb, "/_resolve/cluster/clusterA:l1?timeout"));

	poller_counters(poller, &pc);
	ck_assert_uint_eq(pc.rounds, 1);
	ck_assert_uint_eq(pc.requests, 9);
	ck_assert_uint_eq(pc.failures, 0);
	ck_assert_uint_gt(pc.bytes, 0);
	ck_assert_uint_eq(pc.total_requests, 9);
}
END_TEST

/* Raise the fake's failed reads after every round. */
static void
growing_cb(const struct observation *o, void *arg)
{
	fb.failed_reads += 5;
	round_cb(o, arg);
}

START_TEST(failed_reads_grow_between_rounds)
{
	struct ccr_config	 cfg;
	struct ccr_index_pair	 pair = { (char *)"l1", (char *)"f1" };
	struct poller_counters	 pc;
	char			*cause = NULL;

	http = http_create(base, 16, &cause);
	ca = client_for("clusterA", fa.port, 8);
	cb = client_for("clusterB", fb.port, 8);
	memset(&cfg, 0, sizeof cfg);
	cfg.poll_interval_ms = 500;
	cfg.request_timeout_ms = 5000;
	cfg.indices = &pair;
	cfg.nindices = 1;
	memset(&seen, 0, sizeof seen);
	seen.want = 3;
	poller = poller_create(base, &cfg, ca, cb, growing_cb, &seen);
	poller_start(poller);
	event_base_dispatch(base);
	ck_assert_uint_eq(seen.obs[0].link.failed_reads_delta, 0);
	ck_assert_uint_eq(seen.obs[1].link.failed_reads_delta, 5);
	ck_assert_uint_eq(seen.obs[2].link.failed_reads_delta, 5);
	/*
	 * GET / goes to both clusters every round (identity), _ccr/info only
	 * once while the stats agree with it.
	 */
	poller_counters(poller, &pc);
	ck_assert_uint_eq(pc.requests, 8);
	ck_assert_uint_eq(pc.total_requests, 9 + 8 + 8);
	ck_assert_int_eq(fb.info_requests, 1);
}
END_TEST

START_TEST(leader_refused)
{
	const struct observation	*o;

	fb.connected = false;
	fb.probe_ok = false;
	start(closed_port(), 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert(!o->leader.reachable);
	ck_assert_int_eq(o->leader.health, OBS_HEALTH_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(o->leader.error, "refused"));
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->link.remote_connected, TRI_NO);
	ck_assert_int_eq(o->link.probe_ok, TRI_NO);
}
END_TEST

START_TEST(poll_timeout_stays_inside_interval)
{
	const struct observation	*o;
	struct poller_counters		 pc;

	/* request_timeout_ms beyond the interval: the interval bounds it. */
	fa.hang_health = true;
	start(fa.port, 500, 60000, 2);
	o = &seen.obs[0];
	ck_assert(!o->leader.reachable);
	ck_assert_ptr_nonnull(strstr(o->leader.error, "timeout"));
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->link.probe_ok, TRI_YES);
	ck_assert(!seen.obs[1].leader.reachable);
	poller_counters(poller, &pc);
	ck_assert_uint_eq(pc.failures, 1);
}
END_TEST

START_TEST(unanswered_requests_fail_at_next_tick)
{
	const struct observation	*o;
	struct poller_counters		 pc;

	/*
	 * One request at a time on a follower that never answers: health
	 * runs into its timeout, the queued rest start late and are cut at
	 * the tick.
	 */
	fb.hang_all = true;
	start_max(fa.port, 1000, 60000, 1, 1);
	o = &seen.obs[0];
	ck_assert(o->leader.reachable);
	ck_assert(!o->follower.reachable);
	ck_assert_ptr_nonnull(strstr(o->follower.error, "timeout"));
	ck_assert_int_eq(o->link.remote_connected, TRI_UNKNOWN);
	ck_assert_int_eq(o->indices[0].follow, OBS_FOLLOW_UNKNOWN);
	ck_assert_int_eq(o->indices[0].lag_ops, -1);
	poller_counters(poller, &pc);
	ck_assert_uint_eq(pc.failures, 6);
}
END_TEST

START_TEST(probe_that_hangs_says_no)
{
	const struct observation	*o;

	fb.hang_probe = true;
	start(fa.port, 60000, 200, 1);
	o = &seen.obs[0];
	ck_assert(o->leader.reachable);
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->link.remote_connected, TRI_YES);
	ck_assert_int_eq(o->link.probe_ok, TRI_NO);
}
END_TEST

START_TEST(probe_disconnected_says_no)
{
	fb.probe_ok = false;
	start(fa.port, 5000, 5000, 1);
	ck_assert(asked(&fb, "/_resolve/cluster/clusterA:l1"));
	ck_assert_int_eq(seen.obs[0].link.probe_ok, TRI_NO);
}
END_TEST

/* A 5xx from _resolve/cluster is about the follower, not the link. */
START_TEST(resolve_5xx_says_nothing)
{
	fb.probe_503 = true;
	start(fa.port, 5000, 5000, 1);
	ck_assert(asked(&fb, "/_resolve/cluster/clusterA:l1"));
	ck_assert(seen.obs[0].follower.reachable);
	ck_assert_int_eq(seen.obs[0].link.probe_ok, TRI_UNKNOWN);
}
END_TEST

START_TEST(old_version_probes_with_search)
{
	fb.version = "8.12.2";
	fb.probe_ok = false;
	start(fa.port, 500, 5000, 2);
	/* Before 8.13 the probe is a size-0 cross-cluster search. */
	ck_assert(asked(&fb, "/clusterA:l1/_search?size=0"));
	ck_assert(!asked(&fb, "/_resolve/cluster"));
	ck_assert_int_eq(seen.obs[1].link.probe_ok, TRI_NO);
}
END_TEST

START_TEST(new_version_adds_probe_timeout)
{
	fb.version = "8.18.0";
	start(fa.port, 800, 300, 2);
	ck_assert(asked(&fb, "/_resolve/cluster/clusterA:l1?timeout=300ms"));
	ck_assert_int_eq(seen.obs[1].link.probe_ok, TRI_YES);
}
END_TEST

START_TEST(malformed_stats_are_a_failure)
{
	const struct observation	*o;
	struct poller_counters		 pc;

	fb.bad_stats = true;
	start(fa.port, 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->indices[0].follow, OBS_FOLLOW_ACTIVE);
	/* The summary still gives the lag; the shards are unknown. */
	ck_assert_int_eq(o->indices[0].lag_ops, 10);
	ck_assert_uint_eq(o->link.max_since_last_read_ms, UINT64_MAX);
	poller_counters(poller, &pc);
	ck_assert_uint_eq(pc.failures, 1);
}
END_TEST

START_TEST(fatal_follower_reported)
{
	const struct observation	*o;

	fb.fatal = true;
	start(fa.port, 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert(o->indices[0].fatal);
	ck_assert_str_eq(o->indices[0].fatal_reason,
	    "exception: wrapped (caused by illegal_state_exception: "
	    "Unable to open any connections to remote cluster [clusterA])");
}
END_TEST

/*
 * _ccr/info is read again in the very round whose stats summary
 * contradicts it, and not while the two agree.
 */
START_TEST(ccr_info_read_again_when_stats_disagree)
{
	start(fa.port, 100, 5000, 2);
	ck_assert_int_eq(fb.info_requests, 1);
	ck_assert_int_eq(seen.obs[1].indices[0].follow, OBS_FOLLOW_ACTIVE);

	/* Paused: gone from the summary while the kept info says active. */
	fb.paused = true;
	seen.want = 3;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 2);
	ck_assert_int_eq(seen.obs[2].indices[0].follow, OBS_FOLLOW_PAUSED);
	seen.want = 4;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 2);
	ck_assert_int_eq(seen.obs[3].indices[0].follow, OBS_FOLLOW_PAUSED);

	/* Resumed: back in the summary while the kept info says paused. */
	fb.paused = false;
	seen.want = 5;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 3);
	ck_assert_int_eq(seen.obs[4].indices[0].follow, OBS_FOLLOW_ACTIVE);

	/* A new fatal exception; the same one again is no news. */
	fb.fatal = true;
	seen.want = 6;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 4);
	ck_assert(seen.obs[5].indices[0].fatal);
	seen.want = 7;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 4);
	ck_assert_int_eq(seen.obs[6].indices[0].follow, OBS_FOLLOW_ACTIVE);
}
END_TEST

/* Even when nothing moves, _ccr/info is read every tenth round. */
START_TEST(ccr_info_read_again_after_ten_rounds)
{
	start(fa.port, 50, 5000, 10);
	ck_assert_int_eq(fb.info_requests, 1);
	seen.want = 11;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 2);
}
END_TEST

/* An unanswered _ccr/info is forgotten: unknown now, asked next round. */
START_TEST(ccr_info_failure_is_not_kept)
{
	fb.hang_info = true;
	start(fa.port, 300, 5000, 1);
	ck_assert_int_eq(seen.obs[0].indices[0].follow, OBS_FOLLOW_UNKNOWN);
	fb.hang_info = false;
	seen.want = 2;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 2);
	ck_assert_int_eq(seen.obs[1].indices[0].follow, OBS_FOLLOW_ACTIVE);
}
END_TEST

/* While an action runs, rounds ask for health only; then for all again. */
START_TEST(quiet_rounds_ask_for_health_only)
{
	start(fa.port, 100, 5000, 1);
	ck_assert_int_eq(fb.info_requests, 1);
	poller_set_quiet(poller, true);
	fa.npaths = fb.npaths = 0;
	seen.want = 3;
	event_base_dispatch(base);
	ck_assert(asked(&fb, "/_cluster/health"));
	ck_assert(!asked(&fb, "/_ccr/"));
	ck_assert(!asked(&fb, "/_remote/info"));
	ck_assert(!asked(&fb, "/_resolve/cluster"));
	ck_assert(seen.obs[2].leader.reachable);
	ck_assert(seen.obs[2].follower.reachable);
	ck_assert_int_eq(seen.obs[2].indices[0].follow, OBS_FOLLOW_UNKNOWN);
	ck_assert_int_eq(seen.obs[2].indices[0].lag_ops, -1);
	ck_assert_int_eq(seen.obs[2].link.probe_ok, TRI_UNKNOWN);

	poller_set_quiet(poller, false);
	seen.want = 4;
	event_base_dispatch(base);
	ck_assert_int_eq(fb.info_requests, 2);
	ck_assert_int_eq(seen.obs[3].indices[0].follow, OBS_FOLLOW_ACTIVE);
	ck_assert_int_eq(seen.obs[3].indices[0].lag_ops, 10);
	ck_assert_int_eq(seen.obs[3].link.probe_ok, TRI_YES);
}
END_TEST

START_TEST(roles_swap)
{
	start(fa.port, 500, 5000, 1);
	ck_assert_int_eq(poller_leader(poller), 0);
	poller_set_leader(poller, 1);
	ck_assert_int_eq(poller_leader(poller), 1);
	fa.npaths = fb.npaths = 0;
	seen.want = 3;
	event_base_dispatch(base);
	/* Now clusterA is the follower and gets the CCR polls. */
	ck_assert(asked(&fa, "/_ccr/stats"));
	ck_assert(asked(&fa, "/_remote/info"));
	ck_assert(!asked(&fb, "/_ccr/stats"));
	/* Its _remote/info has no clusterB entry: it cannot tell. */
	ck_assert_int_eq(seen.obs[2].link.remote_listed, TRI_NO);
	ck_assert_int_eq(seen.obs[2].link.remote_connected, TRI_UNKNOWN);
	/* clusterB is the leader; the index is "l1" over there. */
	ck_assert_int_eq(seen.obs[2].indices[0].follow,
	    OBS_FOLLOW_NOT_FOLLOWER);
}
END_TEST

/* Run n more rounds, kept from seen.obs[0] on. */
static void
next_rounds(int n)
{
	seen.rounds = 0;
	seen.want = n;
	event_base_dispatch(base);
}

START_TEST(missing_follower_is_not_a_plain_index)
{
	int	i;

	start(fa.port, 300, 5000, 1);
	ck_assert_int_eq(seen.obs[0].indices[0].follow, OBS_FOLLOW_ACTIVE);
	fb.deleted = true;
	fb.npaths = 0;
	next_rounds(3);
	/* Never "not a follower": unknown until asked, then missing. */
	ck_assert_int_eq(seen.obs[0].indices[0].follow, OBS_FOLLOW_UNKNOWN);
	for (i = 1; i < 3; i++)
		ck_assert_int_eq(seen.obs[i].indices[0].follow,
		    OBS_FOLLOW_MISSING);
	ck_assert(asked(&fb, "/f1/_settings/index.uuid?"
	    "ignore_unavailable=true&flat_settings=true"));

	/* Created again as a plain index: that is what it is. */
	fb.deleted = false;
	fb.plain = true;
	next_rounds(1);
	ck_assert_int_eq(seen.obs[0].indices[0].follow,
	    OBS_FOLLOW_NOT_FOLLOWER);

	/* Following again, then unfollowed: plain, after one unknown. */
	fb.plain = false;
	next_rounds(1);
	ck_assert_int_eq(seen.obs[0].indices[0].follow, OBS_FOLLOW_ACTIVE);
	fb.plain = true;
	next_rounds(2);
	ck_assert_int_eq(seen.obs[0].indices[0].follow, OBS_FOLLOW_UNKNOWN);
	ck_assert_int_eq(seen.obs[1].indices[0].follow,
	    OBS_FOLLOW_NOT_FOLLOWER);
}
END_TEST

START_TEST(paused_follower_has_no_lag)
{
	start(fa.port, 500, 5000, 1);
	fb.paused = true;
	seen.want = 2;
	event_base_dispatch(base);
	ck_assert_int_eq(seen.obs[1].indices[0].follow, OBS_FOLLOW_PAUSED);
	ck_assert_int_eq(seen.obs[1].indices[0].lag_ops, -1);
}
END_TEST

/* Count rounds of a many-index poller. */
static void
count_cb(__attribute__((unused)) const struct observation *o, void *arg)
{
	struct seen	*s = arg;

	if (++s->rounds >= s->want)
		event_base_loopbreak(base);
}

START_TEST(shard_samples_rotate)
{
	struct ccr_config	 cfg;
	struct ccr_index_pair	 pairs[100];
	char			 lnames[100][8], fnames[100][8];
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < 100; i++) {
		snprintf(lnames[i], sizeof lnames[i], "l%03zu", i);
		snprintf(fnames[i], sizeof fnames[i], "f%03zu", i);
		pairs[i].leader_index = lnames[i];
		pairs[i].follower_index = fnames[i];
	}
	http = http_create(base, 16, &cause);
	ca = client_for("clusterA", fa.port, 8);
	cb = client_for("clusterB", fb.port, 8);
	memset(&cfg, 0, sizeof cfg);
	cfg.poll_interval_ms = 100;
	cfg.request_timeout_ms = 5000;
	cfg.indices = pairs;
	cfg.nindices = 100;
	memset(&seen, 0, sizeof seen);
	seen.want = 1;
	poller = poller_create(base, &cfg, ca, cb, count_cb, &seen);
	poller_start(poller);
	event_base_dispatch(base);
	/* The first slice: 32 indices from the start. */
	ck_assert(asked(&fb, "/f000,f001,"));
	ck_assert(!asked(&fb, "/f000,f001,f002,f003,f004,f005,f006,f007,f008,"
	    "f009,f010,f011,f012,f013,f014,f015,f016,f017,f018,f019,f020,f021,"
	    "f022,f023,f024,f025,f026,f027,f028,f029,f030,f031,f032"));

	seen.want = 2;
	event_base_dispatch(base);
	ck_assert(asked(&fb, "/f032,f033,"));

	/* The last, shorter slice, then around again from the start. */
	fb.npaths = 0;
	seen.want = 4;
	event_base_dispatch(base);
	ck_assert(asked(&fb, "/f096,f097,f098,f099/"));
	fb.npaths = 0;
	seen.want = 5;
	event_base_dispatch(base);
	ck_assert(asked(&fb, "/f000,f001,"));
}
END_TEST

/* Change the leader's cluster_uuid after the first round. */
static void
swap_uuid_cb(const struct observation *o, void *arg)
{
	fa.uuid = "other-uuid";
	round_cb(o, arg);
}

START_TEST(identity_pinned_then_changed)
{
	struct ccr_config	 cfg;
	struct ccr_index_pair	 pair = { (char *)"l1", (char *)"f1" };
	char			*cause = NULL;

	fa.uuid = "uuid-a";
	fb.uuid = "uuid-b";
	http = http_create(base, 16, &cause);
	ca = client_for("clusterA", fa.port, 8);
	cb = client_for("clusterB", fb.port, 8);
	memset(&cfg, 0, sizeof cfg);
	cfg.poll_interval_ms = 300;
	cfg.request_timeout_ms = 5000;
	cfg.indices = &pair;
	cfg.nindices = 1;
	memset(&seen, 0, sizeof seen);
	seen.want = 3;
	poller = poller_create(base, &cfg, ca, cb, swap_uuid_cb, &seen);
	ck_assert_ptr_null(poller_identity(poller, 0));
	poller_start(poller);
	event_base_dispatch(base);
	ck_assert(!seen.obs[0].leader.identity_changed);
	ck_assert(seen.obs[1].leader.identity_changed);
	ck_assert(strstr(seen.obs[1].leader.identity, "other-uuid") != NULL);
	ck_assert(strstr(seen.obs[1].leader.identity, "pinned uuid-a") !=
	    NULL);
	ck_assert(!seen.obs[1].follower.identity_changed);
	/* The pin holds; the change sticks. */
	ck_assert_str_eq(poller_identity(poller, 0), "uuid-a");
	ck_assert_str_eq(poller_identity(poller, 1), "uuid-b");
	ck_assert(seen.obs[2].leader.identity_changed);
	/* Reset: the next answer is pinned. */
	poller_set_identity(poller, 0, NULL);
	ck_assert_ptr_null(poller_identity(poller, 0));
	seen.want = 4;
	event_base_dispatch(base);
	ck_assert(!seen.obs[3].leader.identity_changed);
	ck_assert_str_eq(poller_identity(poller, 0), "other-uuid");
}
END_TEST

START_TEST(refusals_are_reported)
{
	const struct observation	*o;

	fa.deny_health = 401;
	fb.deny_stats = true;
	start(fa.port, 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert(!o->leader.reachable);
	ck_assert_int_eq(o->leader.denial, OBS_DENIAL_CREDENTIALS);
	ck_assert_str_eq(o->leader.denied, "credentials rejected");
	ck_assert(o->follower.reachable);
	ck_assert_int_eq(o->follower.denial, OBS_DENIAL_PRIVILEGE);
	ck_assert_str_eq(o->follower.denied,
	    "privilege missing: cluster:monitor/ccr/stats");
}
END_TEST

START_TEST(node_without_remote_role)
{
	const struct observation	*o;

	fb.no_remotes = true;
	start(fa.port, 500, 5000, 2);
	o = &seen.obs[1];
	ck_assert_int_eq(o->link.remote_listed, TRI_NO);
	ck_assert_int_eq(o->link.remote_connected, TRI_UNKNOWN);
	/* An unknown alias is no evidence of a cut. */
	ck_assert_int_eq(o->link.probe_ok, TRI_UNKNOWN);
}
END_TEST

START_TEST(resolve_security_error_is_rejection)
{
	const struct observation	*o;

	fb.probe_security = true;
	start(fa.port, 5000, 5000, 1);
	o = &seen.obs[0];
	ck_assert_int_eq(o->link.probe_ok, TRI_UNKNOWN);
	ck_assert(o->link.probe_rejected);
	ck_assert(strstr(o->link.probe_error, "security_exception") != NULL);
	ck_assert_int_eq(o->link.remote_listed, TRI_YES);
}
END_TEST

/* Reads advance on the follower after every round. */
static void
reading_cb(const struct observation *o, void *arg)
{
	fb.ops_read += 3;
	round_cb(o, arg);
}

START_TEST(working_reads_reported)
{
	struct ccr_config	 cfg;
	struct ccr_index_pair	 pair = { (char *)"l1", (char *)"f1" };
	char			*cause = NULL;

	http = http_create(base, 16, &cause);
	ca = client_for("clusterA", fa.port, 8);
	cb = client_for("clusterB", fb.port, 8);
	memset(&cfg, 0, sizeof cfg);
	cfg.poll_interval_ms = 300;
	cfg.request_timeout_ms = 5000;
	cfg.indices = &pair;
	cfg.nindices = 1;
	memset(&seen, 0, sizeof seen);
	seen.want = 2;
	poller = poller_create(base, &cfg, ca, cb, reading_cb, &seen);
	poller_start(poller);
	event_base_dispatch(base);
	/* A first sample has nothing to compare with. */
	ck_assert_uint_eq(seen.obs[0].link.reads_advanced_after_ms, 0);
	ck_assert_uint_eq(seen.obs[0].link.clean_read_sent_ms, 0);
	/* Then: advanced since the first sample's answer. */
	ck_assert_uint_gt(seen.obs[1].link.reads_advanced_after_ms, 0);
	ck_assert_uint_lt(seen.obs[1].link.reads_advanced_after_ms,
	    seen.obs[1].now_ms);
	ck_assert_uint_ge(seen.obs[1].link.reads_advanced_after_ms,
	    seen.obs[0].now_ms - 300);
	/* Shard 1 reads cleanly, its last read sent 900 ms before. */
	ck_assert_uint_gt(seen.obs[1].link.clean_read_sent_ms, 0);
	ck_assert_uint_le(seen.obs[1].link.clean_read_sent_ms,
	    seen.obs[1].now_ms - 900);
}
END_TEST


/* Assemble the suite. */
static Suite *
poller_suite(void)
{
	Suite	*s = suite_create("poller");
	TCase	*tc = tcase_create("rounds");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* Rounds follow the poll interval: give multi-round tests room. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, healthy_round);
	tcase_add_test(tc, failed_reads_grow_between_rounds);
	tcase_add_test(tc, leader_refused);
	tcase_add_test(tc, poll_timeout_stays_inside_interval);
	tcase_add_test(tc, unanswered_requests_fail_at_next_tick);
	tcase_add_test(tc, probe_that_hangs_says_no);
	tcase_add_test(tc, probe_disconnected_says_no);
	tcase_add_test(tc, resolve_5xx_says_nothing);
	tcase_add_test(tc, old_version_probes_with_search);
	tcase_add_test(tc, new_version_adds_probe_timeout);
	tcase_add_test(tc, malformed_stats_are_a_failure);
	tcase_add_test(tc, fatal_follower_reported);
	tcase_add_test(tc, ccr_info_read_again_when_stats_disagree);
	tcase_add_test(tc, ccr_info_read_again_after_ten_rounds);
	tcase_add_test(tc, ccr_info_failure_is_not_kept);
	tcase_add_test(tc, quiet_rounds_ask_for_health_only);
	tcase_add_test(tc, roles_swap);
	tcase_add_test(tc, missing_follower_is_not_a_plain_index);
	tcase_add_test(tc, paused_follower_has_no_lag);
	tcase_add_test(tc, shard_samples_rotate);
	tcase_add_test(tc, identity_pinned_then_changed);
	tcase_add_test(tc, refusals_are_reported);
	tcase_add_test(tc, node_without_remote_role);
	tcase_add_test(tc, resolve_security_error_is_rejection);
	tcase_add_test(tc, working_reads_reported);
	suite_add_tcase(s, tc);
	return (s);
}


int
main(void)
{
	SRunner	*sr = srunner_create(poller_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
