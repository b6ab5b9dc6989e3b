/*
 * The HTTP front end of essim: parses a request (request line at most 4096
 * bytes, as http.max_initial_line_length), applies injected faults, routes
 * it to the model or to an asynchronous operation that needs the peer, and
 * answers with Elasticsearch's headers, error envelopes and filter_path
 * (never applied to errors). Unknown query parameters are rejected as
 * Elasticsearch rejects them.
 *
 * Internal endpoints under /_essim/ccr/ serve the peer: "leader/<index>"
 * (leader metadata for put-follow and resume), "changes" (batched shard
 * changes, long-polled while there is nothing new), "hold" (parked until
 * the process goes away, standing for a transport connection), "indices"
 * (the index list auto-follow patterns match) and "resolve" (for
 * _resolve/cluster). Fault administration lives under
 * /_essim/faults, /_essim/refuse and /_essim/link.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "essim.h"
#include "filter.h"
#include "log.h"
#include "xmalloc.h"

#define REST_MAX_LINE		4096
#define REST_MAX_SEGS		8
#define REST_COMMON_PARAMS	"pretty human error_trace filter_path"
/*
 * Cross-cluster calls have no transport timeout in Elasticsearch: only the
 * client's own timeout bounds them. An hour stands for "never".
 */
#define REST_NO_TIMEOUT_MS	3600000

struct rest_ctx {
	TAILQ_ENTRY(rest_ctx)	 entry;
	struct essim		*es;
	struct evhttp_request	*req;
	enum evhttp_cmd_type	 cmd;
	const char		*method;
	char			*path;
	char			*segs[REST_MAX_SEGS];
	int			 nsegs;
	struct evkeyvalq	 query;
	json_t			*body;
	int			 pretty;
	json_t			*principal;	/* authenticated caller */

	struct event		*timer;
	json_t			*saved;
	json_t			*acc;
	int			 pending;
	int			 wait;
	uint64_t		 deadline_ms;
};

struct parked {
	TAILQ_ENTRY(parked)	 entry;
	struct rest_ctx		*ctx;
	struct event		*timer;
	int			 hold;
};

static void	rest_dispatch(struct rest_ctx *);
static int	rest_no_remote_client(struct rest_ctx *);

/* The reason phrase of a status line. */
static const char *
rest_status_text(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 201:
		return ("Created");
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 408:
		return ("Request Timeout");
	case 429:
		return ("Too Many Requests");
	case 500:
		return ("Internal Server Error");
	case 503:
		return ("Service Unavailable");
	default:
		return ("Status");
	}
}

/* A query parameter, or NULL. */
static const char *
rest_param(struct rest_ctx *ctx, const char *name)
{
	return (evhttp_find_header(&ctx->query, name));
}

/* A boolean query parameter; a bare "?flag" is true. */
static int
rest_flag(struct rest_ctx *ctx, const char *name)
{
	const char	*v = rest_param(ctx, name);

	return (v != NULL && strcmp(v, "false") != 0);
}

/* Free a request context (the request belongs to libevent). */
static void
rest_ctx_free(struct rest_ctx *ctx)
{
	int	i;

	TAILQ_REMOVE(&ctx->es->ctxs, ctx, entry);
	for (i = 0; i < ctx->nsegs; i++)
		free(ctx->segs[i]);
	evhttp_clear_headers(&ctx->query);
	free(ctx->path);
	json_decref(ctx->body);
	json_decref(ctx->saved);
	json_decref(ctx->acc);
	if (ctx->timer != NULL)
		event_free(ctx->timer);
	free(ctx);
}

/* Send raw text with Elasticsearch's headers; frees the context. */
static void
rest_send_text(struct rest_ctx *ctx, int status, const char *text)
{
	struct evkeyvalq	*h;
	struct evbuffer		*buf;

	h = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(h, "X-elastic-product", "Elasticsearch");
	if (evhttp_find_header(h, "Content-Type") == NULL)
		evhttp_add_header(h, "Content-Type", "application/json");
	buf = evbuffer_new();
	if (ctx->cmd != EVHTTP_REQ_HEAD && text != NULL)
		evbuffer_add(buf, text, strlen(text));
	evhttp_send_reply(ctx->req, status, rest_status_text(status), buf);
	evbuffer_free(buf);
	rest_ctx_free(ctx);
}

/*
 * Answer with a JSON body (stolen): filter_path applies to every answer but
 * error envelopes (a 408 health or a 404 document lookup is filtered),
 * pretty indents. Frees the context.
 */
static void
rest_reply(struct rest_ctx *ctx, int status, json_t *body)
{
	const char	*filter;
	json_t		*f;
	char		*text, *nl;

	filter = rest_param(ctx, "filter_path");
	if (filter != NULL && body != NULL && (status < 400 ||
	    json_object_get(body, "error") == NULL)) {
		f = filter_path(body, filter);
		json_decref(body);
		body = f;
	}
	text = body == NULL ? NULL : json_dumps(body, JSON_ENCODE_ANY |
	    (ctx->pretty ? JSON_INDENT(2) : JSON_COMPACT));
	if (text != NULL && ctx->pretty) {
		xasprintf(&nl, "%s\n", text);
		free(text);
		text = nl;
	}
	json_decref(body);
	rest_send_text(ctx, status, text);
	free(text);
}

/* Answer an error envelope built by sim_error(). */
/* Answer an error envelope built from a printf format. */
static void
rest_error(struct rest_ctx *ctx, int status, const char *type,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
rest_error(struct rest_ctx *ctx, int status, const char *type,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*reason;
	json_t	*out;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	sim_error(&out, status, type, "%s", reason);
	free(reason);
	rest_reply(ctx, status, out);
}

/* 405 as RestController answers a path that exists for other methods. */
static void
rest_bad_method(struct rest_ctx *ctx, const char *allowed)
{
	char	*msg;

	evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
	    "Allow", allowed);
	xasprintf(&msg, "Incorrect HTTP method for uri [%s] and method [%s], "
	    "allowed: [%s]", evhttp_request_get_uri(ctx->req), ctx->method,
	    allowed);
	rest_reply(ctx, 405, json_pack("{s:s, s:i}", "error", msg, "status",
	    405));
	free(msg);
}

/* 400 as Elasticsearch answers a path no handler serves. */
static void
rest_no_handler(struct rest_ctx *ctx)
{
	char	*msg;

	xasprintf(&msg, "no handler found for uri [%s] and method [%s]",
	    evhttp_request_get_uri(ctx->req), ctx->method);
	rest_reply(ctx, 400, json_pack("{s:s}", "error", msg));
	free(msg);
}

/*
 * Reject query parameters the endpoint does not know, as Elasticsearch
 * does. Returns -1 after answering.
 */
static int
rest_params(struct rest_ctx *ctx, const char *allowed)
{
	struct evkeyval	*kv;
	char		*list, *bad = NULL, *tmp;
	size_t		 len;
	const char	*p;
	int		 nbad = 0, ok;

	TAILQ_FOREACH(kv, &ctx->query, next) {
		ok = 0;
		len = strlen(kv->key);
		for (p = allowed; p != NULL && *p != '\0' && !ok;) {
			if (strncmp(p, kv->key, len) == 0 &&
			    (p[len] == ' ' || p[len] == '\0'))
				ok = 1;
			p = strchr(p, ' ');
			if (p != NULL)
				p++;
		}
		for (p = REST_COMMON_PARAMS; *p != '\0' && !ok;) {
			if (strncmp(p, kv->key, len) == 0 &&
			    (p[len] == ' ' || p[len] == '\0'))
				ok = 1;
			if ((p = strchr(p, ' ')) == NULL)
				break;
			p++;
		}
		if (ok)
			continue;
		nbad++;
		if (bad == NULL)
			xasprintf(&bad, "[%s]", kv->key);
		else {
			xasprintf(&tmp, "%s, [%s]", bad, kv->key);
			free(bad);
			bad = tmp;
		}
	}
	if (nbad == 0)
		return (0);
	list = bad;
	rest_error(ctx, 400, "illegal_argument_exception",
	    "request [%s] contains unrecognized parameter%s: %s", ctx->path,
	    nbad > 1 ? "s" : "", list);
	free(list);
	return (-1);
}

/* A time parameter in milliseconds ("30s", "500ms"); def when absent. */
static int64_t
rest_time_param(struct rest_ctx *ctx, const char *name, int64_t def)
{
	const char	*v = rest_param(ctx, name);
	char		*end;
	double		 d;

	if (v == NULL)
		return (def);
	if (strcmp(v, "-1") == 0)
		return (-1);
	d = strtod(v, &end);
	if (end == v)
		return (def);
	if (strcmp(end, "ms") == 0)
		return ((int64_t)d);
	if (strcmp(end, "s") == 0)
		return ((int64_t)(d * 1000));
	if (strcmp(end, "m") == 0)
		return ((int64_t)(d * 60000));
	if (strcmp(end, "h") == 0)
		return ((int64_t)(d * 3600000));
	return (def);
}

/* Run cb for the context after ms milliseconds. */
static void
rest_ctx_timer(struct rest_ctx *ctx, int64_t ms,
    void (*cb)(evutil_socket_t, short, void *))
{
	struct timeval	tv;

	if (ctx->timer != NULL)
		event_free(ctx->timer);
	ctx->timer = evtimer_new(ctx->es->base, cb, ctx);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ctx->timer, &tv);
}

/* GET /_cluster/health: wait_for_status waits up to timeout, then 408. */
static int
rest_health_status(struct rest_ctx *ctx, json_t **out)
{
	const char	*want, *have;
	int		 status;
	static const char *const order = "red yellow green";

	status = sim_health(ctx->es->cluster, ctx->nsegs > 2 ? ctx->segs[2] :
	    NULL, rest_param(ctx, "level"), out);
	if (status != 200)
		return (status);
	if ((want = rest_param(ctx, "wait_for_status")) == NULL)
		return (200);
	have = json_string_value(json_object_get(*out, "status"));
	if (strstr(order, have) >= strstr(order, want))
		return (200);
	return (408);
}

/*
 * A health request waiting for a status: answer as soon as it is met
 * (looking again every 100ms), or with 408 when the timeout is up.
 */
static void
rest_health_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct rest_ctx	*ctx = arg;
	json_t		*out;
	int		 status;
	uint64_t	 now = essim_now_ms();

	(void)fd;
	(void)events;
	status = rest_health_status(ctx, &out);
	if (status == 408 && now < ctx->deadline_ms) {
		json_decref(out);
		rest_ctx_timer(ctx, ctx->deadline_ms - now < 100 ?
		    (int64_t)(ctx->deadline_ms - now) : 100,
		    rest_health_timeout);
		return;
	}
	if (status == 408)
		json_object_set_new(out, "timed_out", json_true());
	rest_reply(ctx, status, out);
}

/* GET /_cluster/health[/<expr>]. */
static void
rest_health(struct rest_ctx *ctx)
{
	const char	*want;
	json_t		*out;
	int		 status;

	if (rest_params(ctx, "level local master_timeout timeout "
	    "wait_for_status wait_for_active_shards wait_for_nodes "
	    "wait_for_events wait_for_no_relocating_shards "
	    "wait_for_no_initializing_shards expand_wildcards") == -1)
		return;
	want = rest_param(ctx, "wait_for_status");
	if (want != NULL && strcmp(want, "green") != 0 &&
	    strcmp(want, "yellow") != 0 && strcmp(want, "red") != 0) {
		rest_error(ctx, 400, "illegal_argument_exception",
		    "unknown health status [%s]", want);
		return;
	}
	status = rest_health_status(ctx, &out);
	if (status != 408) {
		rest_reply(ctx, status, out);
		return;
	}
	json_decref(out);
	ctx->deadline_ms = essim_now_ms() + rest_time_param(ctx, "timeout",
	    30000);
	rest_ctx_timer(ctx, 0, rest_health_timeout);
}

/* GET and PUT /_cluster/settings; a change reconnects remotes. */
static void
rest_cluster_settings(struct rest_ctx *ctx)
{
	json_t	*out;
	int	 status;

	if (rest_params(ctx, "flat_settings include_defaults master_timeout "
	    "timeout") == -1)
		return;
	if (ctx->cmd == EVHTTP_REQ_GET) {
		status = sim_get_cluster_settings(ctx->es->cluster,
		    rest_flag(ctx, "flat_settings"), &out);
		if (rest_flag(ctx, "include_defaults"))
			json_object_set_new(out, "defaults", json_object());
		rest_reply(ctx, status, out);
		return;
	}
	if (ctx->cmd != EVHTTP_REQ_PUT) {
		rest_bad_method(ctx, "GET, PUT");
		return;
	}
	status = sim_put_cluster_settings(ctx->es->cluster, ctx->body,
	    rest_flag(ctx, "flat_settings"), &out);
	if (status == 200)
		remote_sync(ctx->es);
	rest_reply(ctx, status, out);
}

/* Snake-case exception type to the Java class name in wrapper reasons. */
static char *
rest_class_name(const char *type)
{
	char	*out, *o;
	int	 up = 1;

	o = out = xmalloc(strlen(type) + 1);
	for (; *type != '\0'; type++) {
		if (*type == '_') {
			up = 1;
			continue;
		}
		*o++ = up && *type >= 'a' && *type <= 'z' ? *type - 32 : *type;
		up = 0;
	}
	*o = '\0';
	return (out);
}

/* Whether the peer's leader metadata has what a follower needs. */
static int
rest_leader_valid(json_t *meta)
{
	json_t	*shards = json_object_get(meta, "shards");

	if (!json_is_string(json_object_get(meta, "index")) ||
	    !json_is_string(json_object_get(meta, "uuid")) ||
	    !json_is_integer(shards) || json_integer_value(shards) < 1 ||
	    json_integer_value(shards) > 1024 ||
	    !json_is_integer(json_object_get(meta, "replicas")))
		return (-1);
	return (0);
}

/* The leader metadata fetch of put-follow and resume failed: answer. */
static void
rest_leader_failed(struct rest_ctx *ctx, struct remote_result *res,
    const char *alias, const char *leader)
{
	json_t	*cause, *out;
	int	 status;

	if (res->outcome == REMOTE_NO_ALIAS) {
		status = sim_error(&out, 404, "no_such_remote_cluster_exception",
		    "no such remote cluster: [%s]", alias);
		rest_reply(ctx, status, out);
		return;
	}
	if (res->outcome == REMOTE_OK && res->body != NULL &&
	    json_object_get(res->body, "error") != NULL) {
		rest_reply(ctx, res->status, json_incref(res->body));
		return;
	}
	cause = sim_cause("status_exception", "can not fetch remote index "
	    "[%s:%s] metadata as the license state of the remote cluster [%s] "
	    "could not be determined", alias, leader, alias);
	json_object_set_new(cause, "caused_by", remote_failure_cause(res,
	    "cluster:monitor/xpack/info"));
	status = sim_error_cause(&out, 400, cause);
	rest_reply(ctx, status, out);
}

/* The initial restore of a follower arrived: apply it and answer. */
static void
rest_follow_restored(void *arg, struct remote_result *res)
{
	struct rest_ctx	*ctx = arg;
	struct sim_index	*ix;
	json_t		*shards;
	size_t		 i;
	int		 ok = 0;

	ix = sim_index_find(ctx->es->cluster, ctx->segs[0]);
	shards = res->outcome == REMOTE_OK && res->status == 200 ?
	    json_object_get(res->body, "shards") : NULL;
	if (ix != NULL && shards != NULL &&
	    json_array_size(shards) == (size_t)ix->nshards) {
		ok = 1;
		for (i = 0; i < (size_t)ix->nshards; i++) {
			if (json_object_get(json_array_get(shards, i),
			    "error") != NULL) {
				ok = 0;
				continue;
			}
			sim_apply_changes(ctx->es->cluster, ix, (int)i,
			    json_array_get(shards, i), res->elapsed_ms);
			ix->shards[i].refreshed_seq_no =
			    ix->shards[i].max_seq_no;
		}
		rest_wake_parked(ctx->es);
	}
	rest_reply(ctx, 200, json_pack("{s:b, s:b, s:b}",
	    "follow_index_created", 1, "follow_index_shards_acked", ok,
	    "index_following_started", ok));
}

/* A slow copy of a put-follow that waits for active shards ended. */
static void
rest_follow_copied(void *arg, int ok)
{
	struct rest_ctx	*ctx = arg;

	rest_reply(ctx, 200, json_pack("{s:b, s:b, s:b}",
	    "follow_index_created", 1, "follow_index_shards_acked", ok,
	    "index_following_started", ok));
}

/*
 * The leader's metadata arrived: create the follower, then either answer
 * at once (wait_for_active_shards=0) or restore its shards first.
 */
static void
rest_follow_leader(void *arg, struct remote_result *res)
{
	struct rest_ctx	*ctx = arg;
	struct sim_index	*ix;
	const char	*alias, *leader;
	json_t		*out, *shards;
	int		 status, sh;

	alias = json_string_value(json_object_get(ctx->body, "remote_cluster"));
	leader = json_string_value(json_object_get(ctx->body, "leader_index"));
	if (res->outcome != REMOTE_OK || res->status != 200) {
		rest_leader_failed(ctx, res, alias, leader);
		return;
	}
	if (rest_leader_valid(res->body) == -1) {
		rest_error(ctx, 500, "exception", "remote cluster [%s] sent "
		    "unusable metadata for index [%s]", alias, leader);
		return;
	}
	if ((status = sim_follow_create(ctx->es->cluster, ctx->segs[0],
	    ctx->body, res->body, essim_wall_ms(), &out)) != 0) {
		rest_reply(ctx, status, out);
		return;
	}
	if (restore_wanted(ctx->es, ctx->segs[0])) {
		ix = sim_index_find(ctx->es->cluster, ctx->segs[0]);
		if (ctx->wait)
			restore_start(ctx->es, ix, rest_follow_copied, ctx);
		else {
			restore_start(ctx->es, ix, NULL, NULL);
			rest_reply(ctx, 200, json_pack("{s:b, s:b, s:b}",
			    "follow_index_created", 1,
			    "follow_index_shards_acked", 0,
			    "index_following_started", 0));
		}
		return;
	}
	if (!ctx->wait) {
		rest_reply(ctx, 200, json_pack("{s:b, s:b, s:b}",
		    "follow_index_created", 1, "follow_index_shards_acked", 0,
		    "index_following_started", 0));
		return;
	}
	ix = sim_index_find(ctx->es->cluster, ctx->segs[0]);
	shards = json_array();
	for (sh = 0; sh < ix->nshards; sh++)
		json_array_append_new(shards, json_pack("{s:s, s:s, s:i, s:i}",
		    "index", ix->leader_index, "uuid", ix->leader_uuid,
		    "shard", sh, "from_seq_no", 0));
	remote_call(ctx->es, alias, EVHTTP_REQ_POST, "/_essim/ccr/changes",
	    json_pack("{s:o, s:i, s:i}", "shards", shards, "poll_timeout_ms", 0,
	    "max_ops", 1 << 30), ctx->es->opt.transport_timeout_ms,
	    rest_follow_restored, ctx);
}

/* Fetch the leader index's metadata from the remote for ctx. */
static void
rest_fetch_leader(struct rest_ctx *ctx, const char *alias, const char *leader,
    remote_cb cb)
{
	char	*path, *enc;
	json_t	*done;

	enc = evhttp_encode_uri(leader);
	xasprintf(&path, "/_essim/ccr/leader/%s", enc);
	free(enc);
	done = json_pack("{s:s, s:s}", "alias", alias, "leader", leader);
	json_decref(ctx->saved);
	ctx->saved = done;
	remote_call(ctx->es, alias, EVHTTP_REQ_GET, path, NULL,
	    ctx->es->opt.transport_timeout_ms, cb, ctx);
	free(path);
}

/* PUT /<f>/_ccr/follow: local checks, then the leader's metadata. */
static void
rest_follow(struct rest_ctx *ctx)
{
	json_t		*out;
	const char	*w;
	int		 status;

	if (rest_params(ctx, "wait_for_active_shards master_timeout") == -1)
		return;
	w = rest_param(ctx, "wait_for_active_shards");
	ctx->wait = w != NULL && strcmp(w, "0") != 0;
	if ((status = sim_follow_check(ctx->es->cluster, ctx->segs[0],
	    ctx->body, &out)) != 0) {
		rest_reply(ctx, status, out);
		return;
	}
	rest_fetch_leader(ctx, json_string_value(json_object_get(ctx->body,
	    "remote_cluster")), json_string_value(json_object_get(ctx->body,
	    "leader_index")), rest_follow_leader);
}

/* The leader's metadata for a resume arrived: check and start. */
static void
rest_resume_leader(void *arg, struct remote_result *res)
{
	struct rest_ctx	*ctx = arg;
	json_t		*out;
	int		 status;

	if (res->outcome != REMOTE_OK || res->status != 200) {
		rest_leader_failed(ctx, res, json_string_value(json_object_get(
		    ctx->saved, "alias")), json_string_value(json_object_get(
		    ctx->saved, "leader")));
		return;
	}
	if (rest_leader_valid(res->body) == -1) {
		rest_error(ctx, 500, "exception", "remote cluster [%s] sent "
		    "unusable metadata for index [%s]", json_string_value(
		    json_object_get(ctx->saved, "alias")), json_string_value(
		    json_object_get(ctx->saved, "leader")));
		return;
	}
	status = sim_resume_leader(ctx->es->cluster, ctx->segs[0], res->body,
	    ctx->body, &out);
	rest_reply(ctx, status, out);
}

/* POST /<f>/_ccr/resume_follow: local checks, then the leader. */
static void
rest_resume(struct rest_ctx *ctx)
{
	struct sim_index	*ix;
	json_t		*out;
	int		 status;

	if (rest_params(ctx, "master_timeout") == -1)
		return;
	if ((status = sim_resume_check(ctx->es->cluster, ctx->segs[0],
	    ctx->body, &out)) != 0) {
		rest_reply(ctx, status, out);
		return;
	}
	ix = sim_index_find(ctx->es->cluster, ctx->segs[0]);
	rest_fetch_leader(ctx, ix->remote, ix->leader_index,
	    rest_resume_leader);
}

/*
 * The leader answered (or not) the retention lease removal of an unfollow
 * that already converted the index: success, or the 500 wrapper that
 * Elasticsearch answers although the index is no longer a follower.
 */
static void
rest_unfollow_done(void *arg, struct remote_result *res)
{
	struct rest_ctx	*ctx = arg;
	json_t		*cause, *wrapper, *out, *b;
	const char	*type, *reason;
	char		*cls, *lease;
	int		 status;

	if (res->outcome == REMOTE_OK && (res->status == 200 ||
	    res->status == 404)) {
		rest_reply(ctx, 200, json_pack("{s:b}", "acknowledged", 1));
		return;
	}
	cause = remote_failure_cause(res,
	    "indices:admin/seq_no/remove_retention_lease");
	type = json_string_value(json_object_get(cause, "type"));
	reason = json_string_value(json_object_get(cause, "reason"));
	cls = rest_class_name(type == NULL ? "exception" : type);
	b = json_object_get(ctx->saved, "body");
	xasprintf(&lease, "%s/%s/%s-following-%s/%s/%s",
	    json_string_value(json_object_get(b, "follower_cluster")),
	    json_string_value(json_object_get(b, "follower_index")),
	    json_string_value(json_object_get(b, "follower_index_uuid")),
	    json_string_value(json_object_get(ctx->saved, "remote")),
	    json_string_value(json_object_get(ctx->saved, "leader_index")),
	    json_string_value(json_object_get(ctx->saved, "leader_uuid")));
	wrapper = sim_cause("exception", "%s[%s]", cls,
	    reason == NULL ? "null" : reason);
	json_object_set_new(wrapper, "failed_to_remove_retention_leases",
	    json_string(lease));
	json_object_set_new(wrapper, "caused_by", cause);
	json_object_set_new(wrapper, "root_is_inner", json_true());
	free(cls);
	free(lease);
	status = sim_error_cause(&out, 500, wrapper);
	rest_reply(ctx, status, out);
}

/* POST /<f>/_ccr/unfollow: convert, then remove the leases on the leader. */
static void
rest_unfollow(struct rest_ctx *ctx)
{
	json_t	*out, *forget;
	char	*path, *enc;
	int	 status;

	if (rest_params(ctx, "master_timeout") == -1)
		return;
	status = sim_unfollow(ctx->es->cluster, ctx->segs[0], &forget, &out);
	if (status != 200) {
		rest_reply(ctx, status, out);
		return;
	}
	json_decref(out);
	json_decref(ctx->saved);
	ctx->saved = forget;
	enc = evhttp_encode_uri(json_string_value(json_object_get(forget,
	    "leader_index")));
	xasprintf(&path, "/%s/_ccr/forget_follower", enc);
	free(enc);
	remote_call(ctx->es, json_string_value(json_object_get(forget,
	    "remote")), EVHTTP_REQ_POST, path,
	    json_incref(json_object_get(forget, "body")),
	    ctx->es->opt.transport_timeout_ms, rest_unfollow_done, ctx);
	free(path);
}

/* The skip_unavailable setting of a remote as a boolean. */
static int
rest_skip_unavailable(struct essim *es, const char *alias)
{
	const char	*s = sim_remote_setting(es->cluster, alias,
	    "skip_unavailable");

	return (s != NULL && strcmp(s, "true") == 0);
}

/* The version object of _resolve/cluster. */
static json_t *
rest_version_short(void)
{
	return (json_pack("{s:s, s:s, s:s, s:s}", "number", ES_VERSION,
	    "build_flavor", "default", "minimum_wire_compatibility_version",
	    "7.17.0", "minimum_index_compatibility_version", "7.0.0"));
}

struct rest_probe {
	struct rest_ctx	*ctx;
	char		*alias;
};

/* One remote's _resolve/cluster answer; the last one answers the client. */
static void
rest_resolve_done(void *arg, struct remote_result *res)
{
	struct rest_probe	*p = arg;
	struct rest_ctx		*ctx = p->ctx;
	json_t			*e, *v;
	int			 skip;

	skip = rest_skip_unavailable(ctx->es, p->alias);
	if (res->outcome == REMOTE_OK && res->status == 200) {
		e = json_pack("{s:b, s:b}", "connected", 1, "skip_unavailable",
		    skip);
		if ((v = json_object_get(res->body, "matching_indices")) !=
		    NULL)
			json_object_set(e, "matching_indices", v);
		if ((v = json_object_get(res->body, "error")) != NULL)
			json_object_set(e, "error", v);
		else
			json_object_set_new(e, "version", rest_version_short());
	} else if (res->outcome == REMOTE_OK) {
		/*
		 * The remote answered but refused (a security exception,
		 * e.g. rejected credentials, or anything else):
		 * TransportResolveClusterAction reports it as not connected
		 * with the exception's message.
		 */
		v = json_object_get(json_object_get(res->body, "error"),
		    "reason");
		e = json_pack("{s:b, s:b, s:s}", "connected", 0,
		    "skip_unavailable", skip, "error", json_is_string(v) ?
		    json_string_value(v) : "remote cluster answered with an "
		    "error");
	} else if (res->outcome == REMOTE_TIMEOUT)
		e = json_pack("{s:b, s:b, s:s}", "connected", 0,
		    "skip_unavailable", skip, "error", "Request timed out "
		    "before receiving a response from the remote cluster");
	else
		e = json_pack("{s:b, s:b}", "connected", 0, "skip_unavailable",
		    skip);
	json_object_set_new(ctx->acc, p->alias, e);
	free(p->alias);
	free(p);
	if (--ctx->pending == 0)
		rest_reply(ctx, 200, json_incref(ctx->acc));
}

/* Group an index expression by cluster: alias -> "idx,idx", "" local. */
static json_t *
rest_split_expr(const char *expr)
{
	json_t		*groups, *cur;
	char		*copy, *tok, *save, *colon, *joined;
	const char	*key, *idx;

	groups = json_object();
	if (expr == NULL)
		return (groups);
	copy = xstrdup(expr);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			key = tok;
			idx = colon + 1;
		} else {
			key = "";
			idx = tok;
		}
		if ((cur = json_object_get(groups, key)) != NULL) {
			xasprintf(&joined, "%s,%s", json_string_value(cur),
			    idx);
			json_object_set_new(groups, key, json_string(joined));
			free(joined);
		} else
			json_object_set_new(groups, key, json_string(idx));
	}
	free(copy);
	return (groups);
}

/*
 * GET /_resolve/cluster[/<expr>]: contact every named remote now, each
 * bounded by ?timeout (without it, a hung remote hangs the call).
 */
static void
rest_resolve(struct rest_ctx *ctx)
{
	struct essim		*es = ctx->es;
	struct rest_probe	*p;
	json_t			*groups, *v, *aliases, *out, *none;
	const char		*alias, *expr;
	struct sim_index		**list;
	size_t			 n;
	char			*path, *enc;
	int			 timeout, status;

	if (rest_params(ctx, "timeout ignore_unavailable allow_no_indices "
	    "expand_wildcards ignore_throttled") == -1)
		return;
	expr = ctx->nsegs > 2 ? ctx->segs[2] : NULL;
	if (!knob_bool(es, "remote_cluster_client", 1)) {
		if (expr == NULL) {
			rest_reply(ctx, 200, json_object());
			return;
		}
		if (strchr(expr, ':') != NULL) {
			rest_no_remote_client(ctx);
			return;
		}
	}
	timeout = (int)rest_time_param(ctx, "timeout", REST_NO_TIMEOUT_MS);
	if (timeout <= 0)
		timeout = REST_NO_TIMEOUT_MS;
	aliases = sim_remote_aliases(es->cluster);
	if (expr == NULL) {
		groups = json_object();
		json_object_foreach(aliases, alias, v)
			json_object_set_new(groups, alias, json_null());
	} else
		groups = rest_split_expr(expr);
	json_object_foreach(groups, alias, v) {
		if (*alias != '\0' && json_object_get(aliases, alias) == NULL) {
			status = sim_error(&out, 404,
			    "no_such_remote_cluster_exception",
			    "no such remote cluster: [%s]", alias);
			json_decref(groups);
			json_decref(aliases);
			rest_reply(ctx, status, out);
			return;
		}
	}
	json_decref(aliases);
	ctx->acc = json_object();
	if ((v = json_object_get(groups, "")) != NULL) {
		none = NULL;
		status = sim_resolve(es->cluster, json_string_value(v),
		    ES_RESOLVE_OPEN, &list, &n, &none);
		json_decref(none);
		if (status == 0)
			free(list);
		json_object_set_new(ctx->acc, "(local)", json_pack(
		    "{s:b, s:b, s:b, s:o}", "connected", 1, "skip_unavailable",
		    0, "matching_indices", status == 0 && n > 0, "version",
		    rest_version_short()));
		json_object_del(groups, "");
	}
	ctx->pending = (int)json_object_size(groups);
	if (ctx->pending == 0) {
		json_decref(groups);
		rest_reply(ctx, 200, json_incref(ctx->acc));
		return;
	}
	json_object_foreach(groups, alias, v) {
		p = xcalloc(1, sizeof *p);
		p->ctx = ctx;
		p->alias = xstrdup(alias);
		if (json_is_string(v)) {
			enc = evhttp_encode_uri(json_string_value(v));
			xasprintf(&path, "/_essim/ccr/resolve?index=%s", enc);
			free(enc);
		} else
			path = xstrdup("/_essim/ccr/resolve");
		remote_call(es, alias, EVHTTP_REQ_GET, path, NULL, timeout,
		    rest_resolve_done, p);
		free(path);
	}
	json_decref(groups);
}

/* One remote's part of a cross-cluster _count. */
static void
rest_ccs_count_done(void *arg, struct remote_result *res)
{
	struct rest_probe	*p = arg;
	struct rest_ctx		*ctx = p->ctx;
	json_t			*cause;
	json_int_t		 n;

	if (res->outcome == REMOTE_OK && res->status == 200 &&
	    json_is_integer(json_object_get(res->body, "count"))) {
		n = json_integer_value(json_object_get(ctx->acc, "count"));
		json_object_set_new(ctx->acc, "count", json_integer(n +
		    json_integer_value(json_object_get(res->body, "count"))));
	} else if (!rest_skip_unavailable(ctx->es, p->alias) &&
	    ctx->saved == NULL) {
		if (res->outcome == REMOTE_OK && res->body != NULL &&
		    json_object_get(res->body, "error") != NULL)
			ctx->saved = json_pack("{s:i, s:O}", "status",
			    res->status, "body", res->body);
		else {
			cause = remote_failure_cause(res,
			    "indices:data/read/search");
			json_t	*env;
			int	 st = sim_error_cause(&env, 500, cause);

			ctx->saved = json_pack("{s:i, s:o}", "status", st,
			    "body", env);
		}
	}
	free(p->alias);
	free(p);
	if (--ctx->pending > 0)
		return;
	if (ctx->saved != NULL)
		rest_reply(ctx, (int)json_integer_value(json_object_get(
		    ctx->saved, "status")), json_incref(json_object_get(
		    ctx->saved, "body")));
	else
		rest_reply(ctx, 200, json_incref(ctx->acc));
}

/*
 * GET /<alias>:<index>[,...]/_count: local parts counted here, remote
 * parts asked of the peer. An unreachable remote with skip_unavailable
 * counts as 0 (the count response has no _clusters section).
 */
static void
rest_ccs_count(struct rest_ctx *ctx)
{
	struct essim		*es = ctx->es;
	struct rest_probe	*p;
	json_t			*groups, *v, *out, *aliases;
	const char		*alias, *q;
	char			*path, *enc, *qenc;
	int			 status;

	if (rest_no_remote_client(ctx) == -1)
		return;
	groups = rest_split_expr(ctx->segs[0]);
	aliases = sim_remote_aliases(es->cluster);
	json_object_foreach(groups, alias, v) {
		if (*alias != '\0' && json_object_get(aliases, alias) == NULL) {
			status = sim_error(&out, 404,
			    "no_such_remote_cluster_exception",
			    "no such remote cluster: [%s]", alias);
			json_decref(groups);
			json_decref(aliases);
			rest_reply(ctx, status, out);
			return;
		}
	}
	json_decref(aliases);
	q = rest_param(ctx, "q");
	ctx->acc = json_pack("{s:i, s:{s:i, s:i, s:i, s:i}}", "count", 0,
	    "_shards", "total", 0, "successful", 0, "skipped", 0, "failed", 0);
	if ((v = json_object_get(groups, "")) != NULL) {
		status = sim_search(es->cluster, json_string_value(v), q,
		    ctx->body, 0, 0, 1, &out);
		if (status != 200) {
			json_decref(groups);
			rest_reply(ctx, status, out);
			return;
		}
		json_decref(ctx->acc);
		ctx->acc = out;
		json_object_del(groups, "");
	}
	ctx->pending = (int)json_object_size(groups);
	if (ctx->pending == 0) {
		json_decref(groups);
		rest_reply(ctx, 200, json_incref(ctx->acc));
		return;
	}
	json_object_foreach(groups, alias, v) {
		p = xcalloc(1, sizeof *p);
		p->ctx = ctx;
		p->alias = xstrdup(alias);
		enc = evhttp_encode_uri(json_string_value(v));
		if (q != NULL) {
			qenc = evhttp_encode_uri(q);
			xasprintf(&path, "/%s/_count?q=%s", enc, qenc);
			free(qenc);
		} else
			xasprintf(&path, "/%s/_count", enc);
		free(enc);
		remote_call(es, alias, EVHTTP_REQ_GET, path, NULL,
		    REST_NO_TIMEOUT_MS, rest_ccs_count_done, p);
		free(path);
	}
	json_decref(groups);
}

/* Add the integer fields of b to those of a (shard counts). */
static void
rest_add_counts(json_t *a, json_t *b)
{
	const char	*key;
	json_t		*v;

	json_object_foreach(b, key, v) {
		if (json_is_integer(v) && json_is_integer(json_object_get(a,
		    key)))
			json_object_set_new(a, key, json_integer(
			    json_integer_value(json_object_get(a, key)) +
			    json_integer_value(v)));
	}
}

/* One remote's part of a cross-cluster _search. */
static void
rest_ccs_search_done(void *arg, struct remote_result *res)
{
	struct rest_probe	*p = arg;
	struct rest_ctx		*ctx = p->ctx;
	json_t			*acc = ctx->acc, *clusters, *details, *d, *hit;
	json_t			*hits, *cause, *sh, *total;
	size_t			 i;
	const char		*status;
	char			*name;
	int			 skip;

	clusters = json_object_get(acc, "_clusters");
	details = json_object_get(clusters, "details");
	d = json_object_get(details, p->alias);
	skip = rest_skip_unavailable(ctx->es, p->alias);
	if (res->outcome == REMOTE_OK && res->status == 200 &&
	    json_is_object(json_object_get(res->body, "hits"))) {
		status = "successful";
		sh = json_object_get(res->body, "_shards");
		json_object_set(d, "took", json_object_get(res->body, "took"));
		json_object_set_new(d, "timed_out", json_false());
		json_object_set(d, "_shards", sh);
		rest_add_counts(json_object_get(acc, "_shards"), sh);
		hits = json_object_get(json_object_get(acc, "hits"), "hits");
		json_array_foreach(json_object_get(json_object_get(res->body,
		    "hits"), "hits"), i, hit) {
			hit = json_deep_copy(hit);
			xasprintf(&name, "%s:%s", p->alias, json_string_value(
			    json_object_get(hit, "_index")));
			json_object_set_new(hit, "_index", json_string(name));
			free(name);
			json_array_append_new(hits, hit);
		}
		total = json_object_get(json_object_get(acc, "hits"), "total");
		json_object_set_new(total, "value", json_integer(
		    json_integer_value(json_object_get(total, "value")) +
		    json_integer_value(json_object_get(json_object_get(
		    json_object_get(res->body, "hits"), "total"), "value"))));
		if (json_array_size(hits) > 0)
			json_object_set_new(json_object_get(acc, "hits"),
			    "max_score", json_real(1.0));
	} else {
		if (res->outcome == REMOTE_OK && res->body != NULL &&
		    json_is_object(json_object_get(res->body, "error")))
			cause = json_deep_copy(json_object_get(res->body,
			    "error"));
		else if (res->outcome == REMOTE_OK)
			cause = sim_cause("exception", "remote cluster [%s] "
			    "answered status [%d]", p->alias, res->status);
		else
			cause = sim_cause("connect_transport_exception",
			    "Unable to connect to [%s]", p->alias);
		status = skip ? "skipped" : "failed";
		json_object_set_new(d, "timed_out", json_false());
		if (!skip && ctx->saved == NULL)
			ctx->saved = json_deep_copy(cause);
		json_object_set_new(d, "failures", json_pack(
		    "[{s:i, s:n, s:o}]", "shard", -1, "index", "reason",
		    cause));
	}
	json_object_set_new(d, "status", json_string(status));
	json_object_set_new(clusters, status, json_integer(
	    json_integer_value(json_object_get(clusters, status)) + 1));
	json_object_set_new(clusters, "running", json_integer(
	    json_integer_value(json_object_get(clusters, "running")) - 1));
	free(p->alias);
	free(p);
	if (--ctx->pending > 0)
		return;
	if (ctx->saved != NULL) {
		json_t	*out;
		int	 st;

		st = sim_error_cause(&out, 500, json_incref(ctx->saved));
		rest_reply(ctx, st, out);
		return;
	}
	rest_reply(ctx, 200, json_incref(ctx->acc));
}

/*
 * GET /<alias>:<index>[,...]/_search: local parts searched here, remote
 * parts asked of the peer; the _clusters section says per cluster whether
 * it answered, was skipped (skip_unavailable) or failed (then the whole
 * search fails).
 */
static void
rest_ccs_search(struct rest_ctx *ctx, int from, int size)
{
	struct essim		*es = ctx->es;
	struct rest_probe	*p;
	json_t			*groups, *v, *out, *aliases, *details;
	const char		*alias, *q;
	char			*path, *enc, *qenc = NULL;
	int			 status, n;

	if (rest_no_remote_client(ctx) == -1)
		return;
	groups = rest_split_expr(ctx->segs[0]);
	aliases = sim_remote_aliases(es->cluster);
	json_object_foreach(groups, alias, v) {
		if (*alias != '\0' && json_object_get(aliases, alias) == NULL) {
			status = sim_error(&out, 404,
			    "no_such_remote_cluster_exception",
			    "no such remote cluster: [%s]", alias);
			json_decref(groups);
			json_decref(aliases);
			rest_reply(ctx, status, out);
			return;
		}
	}
	json_decref(aliases);
	q = rest_param(ctx, "q");
	if ((v = json_object_get(groups, "")) != NULL) {
		status = sim_search(es->cluster, json_string_value(v), q,
		    ctx->body, from, size, 0, &out);
		if (status != 200) {
			json_decref(groups);
			rest_reply(ctx, status, out);
			return;
		}
		ctx->acc = out;
		json_object_del(groups, "");
		n = 1;
	} else {
		ctx->acc = json_pack("{s:i, s:b, s:{s:i, s:i, s:i, s:i},"
		    " s:{s:{s:i, s:s}, s:n, s:[]}}", "took", 1, "timed_out", 0,
		    "_shards", "total", 0, "successful", 0, "skipped", 0,
		    "failed", 0, "hits", "total", "value", 0, "relation", "eq",
		    "max_score", "hits");
		n = 0;
	}
	ctx->pending = (int)json_object_size(groups);
	details = json_object();
	if (n)
		json_object_set_new(details, "(local)", json_pack(
		    "{s:s, s:b}", "status", "successful", "timed_out", 0));
	json_object_set_new(ctx->acc, "_clusters", json_pack(
	    "{s:i, s:i, s:i, s:i, s:i, s:i, s:o}", "total", n + ctx->pending,
	    "successful", n, "skipped", 0, "running", ctx->pending,
	    "partial", 0, "failed", 0, "details", details));
	if (ctx->pending == 0) {
		json_decref(groups);
		rest_reply(ctx, 200, json_incref(ctx->acc));
		return;
	}
	if (q != NULL)
		qenc = evhttp_encode_uri(q);
	json_object_foreach(groups, alias, v) {
		json_object_set_new(details, alias, json_pack("{s:s, s:O}",
		    "status", "running", "indices", v));
		p = xcalloc(1, sizeof *p);
		p->ctx = ctx;
		p->alias = xstrdup(alias);
		enc = evhttp_encode_uri(json_string_value(v));
		xasprintf(&path, "/%s/_search?size=%d&from=%d%s%s", enc, size,
		    from, qenc != NULL ? "&q=" : "", qenc != NULL ? qenc : "");
		free(enc);
		remote_call(es, alias, ctx->body != NULL ? EVHTTP_REQ_POST :
		    EVHTTP_REQ_GET, path, ctx->body != NULL ?
		    json_incref(ctx->body) : NULL, REST_NO_TIMEOUT_MS,
		    rest_ccs_search_done, p);
		free(path);
	}
	free(qenc);
	json_decref(groups);
}

/* Unlink and free a parked request's bookkeeping. */
static void
rest_parked_free(struct essim *es, struct parked *pk)
{
	TAILQ_REMOVE(&es->parked, pk, entry);
	if (pk->timer != NULL)
		event_free(pk->timer);
	free(pk);
}

/* Answer a parked changes request with what there is now. */
static void
rest_parked_answer(struct essim *es, struct parked *pk)
{
	struct rest_ctx	*ctx = pk->ctx;
	json_t		*out;
	int		 empty;

	rest_parked_free(es, pk);
	out = sim_changes(es->cluster, ctx->body, essim_wall_ms(), &empty);
	rest_reply(ctx, 200, out);
}

/* A long-poll's time is up: answer with nothing new. */
static void
rest_parked_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct parked	*pk = arg;

	(void)fd;
	(void)events;
	rest_parked_answer(pk->ctx->es, pk);
}

/* New operations arrived: answer long-polls that now have something. */
void
rest_wake_parked(struct essim *es)
{
	struct parked	*pk, *next;
	json_t		*out;
	int		 empty;

	es->woken_generation = es->cluster->write_generation;
	for (pk = TAILQ_FIRST(&es->parked); pk != NULL; pk = next) {
		next = TAILQ_NEXT(pk, entry);
		if (pk->hold)
			continue;
		out = sim_changes(es->cluster, pk->ctx->body, essim_wall_ms(),
		    &empty);
		json_decref(out);
		if (!empty)
			rest_parked_answer(es, pk);
	}
}

/* Park a request: a long-poll until timeout, or held until exit. */
static void
rest_park(struct rest_ctx *ctx, int64_t timeout_ms, int hold)
{
	struct parked	*pk;
	struct timeval	 tv;

	pk = xcalloc(1, sizeof *pk);
	pk->ctx = ctx;
	pk->hold = hold;
	if (!hold) {
		pk->timer = evtimer_new(ctx->es->base, rest_parked_timeout, pk);
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		evtimer_add(pk->timer, &tv);
	}
	TAILQ_INSERT_TAIL(&ctx->es->parked, pk, entry);
}

/*
 * A reader (one follower cluster's remote) long-polls once at a time: a
 * new read means it gave up the older ones, which are answered now rather
 * than held (with their bodies) until their timeout.
 */
static void
rest_supersede(struct rest_ctx *ctx)
{
	struct essim	*es = ctx->es;
	struct parked	*pk, *next;
	const char	*reader, *other;

	reader = json_string_value(json_object_get(ctx->body, "reader"));
	if (reader == NULL)
		return;
	for (pk = TAILQ_FIRST(&es->parked); pk != NULL; pk = next) {
		next = TAILQ_NEXT(pk, entry);
		if (pk->hold)
			continue;
		other = json_string_value(json_object_get(pk->ctx->body,
		    "reader"));
		if (other != NULL && strcmp(other, reader) == 0)
			rest_parked_answer(es, pk);
	}
}

/* How many requests are parked: long-polls (hold 0) or holds (hold 1). */
int
rest_parked_count(struct essim *es, int hold)
{
	struct parked	*pk;
	int		 n = 0;

	TAILQ_FOREACH(pk, &es->parked, entry) {
		if (pk->hold == hold)
			n++;
	}
	return (n);
}

/* Drop every parked request's connection, as a dying process would. */
static void
rest_drop_parked(struct essim *es)
{
	struct parked	*pk;
	struct rest_ctx	*ctx;
	struct hung	*h;

	while ((pk = TAILQ_FIRST(&es->parked)) != NULL) {
		ctx = pk->ctx;
		rest_parked_free(es, pk);
		fault_drop_request(ctx->req);
		rest_ctx_free(ctx);
	}
	while ((h = TAILQ_FIRST(&es->hung)) != NULL) {
		TAILQ_REMOVE(&es->hung, h, entry);
		ctx = h->ctx;
		free(h);
		fault_drop_request(ctx->req);
		rest_ctx_free(ctx);
	}
}

/* The internal endpoints the peer essim calls. */
static void
rest_internal(struct rest_ctx *ctx)
{
	struct sim_cluster	*c = ctx->es->cluster;
	struct sim_index		**list;
	json_t			*out;
	const char		*idx;
	size_t			 n;
	int			 status, empty;
	int64_t			 poll;

	if (ctx->nsegs == 4 && strcmp(ctx->segs[2], "leader") == 0) {
		out = sim_leader_meta(c, ctx->segs[3], &status);
		rest_reply(ctx, status, out);
	} else if (ctx->nsegs == 3 && strcmp(ctx->segs[2], "changes") == 0) {
		if (ctx->body == NULL || !json_is_array(json_object_get(
		    ctx->body, "shards"))) {
			rest_error(ctx, 400, "illegal_argument_exception",
			    "changes request without shards");
			return;
		}
		out = sim_changes(c, ctx->body, essim_wall_ms(), &empty);
		poll = json_integer_value(json_object_get(ctx->body,
		    "poll_timeout_ms"));
		if (!empty || poll <= 0) {
			rest_reply(ctx, 200, out);
			return;
		}
		json_decref(out);
		rest_supersede(ctx);
		rest_park(ctx, poll, 0);
	} else if (ctx->nsegs == 3 && strcmp(ctx->segs[2], "hold") == 0)
		rest_park(ctx, 0, 1);
	else if (ctx->nsegs == 3 && strcmp(ctx->segs[2], "indices") == 0)
		rest_reply(ctx, 200, sim_leader_list(c));
	else if (ctx->nsegs == 3 && strcmp(ctx->segs[2], "resolve") == 0) {
		if ((idx = rest_param(ctx, "index")) == NULL) {
			rest_reply(ctx, 200, json_object());
			return;
		}
		status = sim_resolve(c, idx, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
		    &list, &n, &out);
		if (status != 0) {
			json_t	*e;

			e = json_pack("{s:O}", "error", json_object_get(
			    json_object_get(out, "error"), "reason"));
			json_decref(out);
			rest_reply(ctx, 200, e);
			return;
		}
		free(list);
		rest_reply(ctx, 200, json_pack("{s:b}", "matching_indices",
		    n > 0));
	} else
		rest_no_handler(ctx);
}

/* /_essim/knobs[/<index>]: GET, PUT (merge), DELETE (reset). */
static void
rest_knobs(struct rest_ctx *ctx)
{
	const char	*index = ctx->nsegs == 3 ? ctx->segs[2] : NULL;
	json_t		*out;
	int		 status;

	switch (ctx->cmd) {
	case EVHTTP_REQ_GET:
		rest_reply(ctx, 200, knob_get(ctx->es));
		break;
	case EVHTTP_REQ_PUT:
	case EVHTTP_REQ_POST:
		status = knob_put(ctx->es, index, ctx->body, &out);
		rest_reply(ctx, status, out);
		break;
	case EVHTTP_REQ_DELETE:
		knob_reset(ctx->es, index);
		rest_reply(ctx, 200, knob_get(ctx->es));
		break;
	default:
		rest_bad_method(ctx, "GET, PUT, POST, DELETE");
		break;
	}
}

/*
 * A node without the remote_cluster_client role registers no remotes:
 * cross-cluster calls fail as RemoteClusterService refuses them. Returns
 * -1 after answering.
 */
static int
rest_no_remote_client(struct rest_ctx *ctx)
{
	if (knob_bool(ctx->es, "remote_cluster_client", 1))
		return (0);
	rest_error(ctx, 400, "illegal_argument_exception",
	    "this node does not have the remote_cluster_client role");
	return (-1);
}

/* /_essim/faults, /_essim/refuse, /_essim/link. */
static void
rest_admin(struct rest_ctx *ctx)
{
	struct essim	*es = ctx->es;
	json_t		*out;
	int		 status, ms;

	if (ctx->nsegs >= 2 && strcmp(ctx->segs[1], "ccr") == 0) {
		rest_internal(ctx);
		return;
	}
	if (ctx->nsegs == 2 && strcmp(ctx->segs[1], "faults") == 0) {
		if (ctx->cmd == EVHTTP_REQ_GET) {
			out = fault_list_json(es);
			rest_reply(ctx, 200, out);
		} else if (ctx->cmd == EVHTTP_REQ_POST) {
			status = fault_add(es, ctx->body, &out);
			rest_reply(ctx, status, out);
		} else if (ctx->cmd == EVHTTP_REQ_DELETE) {
			fault_clear(es);
			rest_reply(ctx, 200, json_pack("{s:b}", "acknowledged",
			    1));
		} else
			rest_bad_method(ctx, "GET, POST, DELETE");
		return;
	}
	if (ctx->nsegs == 3 && strcmp(ctx->segs[1], "faults") == 0 &&
	    ctx->cmd == EVHTTP_REQ_DELETE) {
		if (fault_remove(es, atoi(ctx->segs[2])) == -1)
			rest_error(ctx, 404, "resource_not_found_exception",
			    "no fault [%s]", ctx->segs[2]);
		else
			rest_reply(ctx, 200, json_pack("{s:b}", "acknowledged",
			    1));
		return;
	}
	if (ctx->nsegs == 2 && strcmp(ctx->segs[1], "refuse") == 0 &&
	    ctx->cmd == EVHTTP_REQ_POST) {
		ms = (int)json_integer_value(json_object_get(ctx->body,
		    "duration_ms"));
		evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
		    "Connection", "close");
		rest_reply(ctx, 200, json_pack("{s:b}", "acknowledged", 1));
		fault_refuse(es, ms);
		rest_drop_parked(es);
		return;
	}
	if (ctx->nsegs >= 2 && ctx->nsegs <= 3 &&
	    strcmp(ctx->segs[1], "knobs") == 0) {
		rest_knobs(ctx);
		return;
	}
	if (ctx->nsegs == 2 && strcmp(ctx->segs[1], "link") == 0 &&
	    ctx->cmd == EVHTTP_REQ_POST) {
		status = fault_link(es, ctx->body, &out);
		rest_reply(ctx, status, out);
		return;
	}
	rest_no_handler(ctx);
}

/*
 * GET /_cat/indices[/<expr>]: ?format=json gives the rows, otherwise a
 * space-aligned text table (headers with ?v).
 */
static void
rest_cat_indices(struct rest_ctx *ctx)
{
	static const char *const cols[] = { "health", "status", "index",
	    "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size",
	    "pri.store.size", "dataset.size" };
	const size_t	 ncols = sizeof cols / sizeof cols[0];
	json_t		*rows, *row;
	const char	*fmt, *v;
	size_t		 i, k, len, w[sizeof cols / sizeof cols[0]];
	struct evbuffer	*buf;
	int		 status;
	char		*text;

	if (rest_params(ctx, "format v h s bytes help local master_timeout "
	    "health pri expand_wildcards include_unloaded_segments time") ==
	    -1)
		return;
	status = sim_cat_indices(ctx->es->cluster, ctx->nsegs > 2 ?
	    ctx->segs[2] : NULL, &rows);
	fmt = rest_param(ctx, "format");
	if (status != 200 || (fmt != NULL && strcmp(fmt, "json") == 0)) {
		rest_reply(ctx, status, rows);
		return;
	}
	for (k = 0; k < ncols; k++)
		w[k] = rest_flag(ctx, "v") ? strlen(cols[k]) : 0;
	json_array_foreach(rows, i, row) {
		for (k = 0; k < ncols; k++) {
			v = json_string_value(json_object_get(row, cols[k]));
			if (v != NULL && strlen(v) > w[k])
				w[k] = strlen(v);
		}
	}
	buf = evbuffer_new();
	if (rest_flag(ctx, "v")) {
		for (k = 0; k < ncols; k++)
			evbuffer_add_printf(buf, "%-*s%s", (int)w[k], cols[k],
			    k + 1 < ncols ? " " : "\n");
	}
	json_array_foreach(rows, i, row) {
		for (k = 0; k < ncols; k++) {
			v = json_string_value(json_object_get(row, cols[k]));
			evbuffer_add_printf(buf, "%-*s%s", (int)w[k],
			    v == NULL ? "" : v, k + 1 < ncols ? " " : "\n");
		}
	}
	json_decref(rows);
	len = evbuffer_get_length(buf);
	text = xmalloc(len + 1);
	evbuffer_remove(buf, text, len);
	text[len] = '\0';
	evbuffer_free(buf);
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
	    "Content-Type", "text/plain; charset=UTF-8");
	rest_send_text(ctx, 200, text);
	free(text);
}

/* Routes under /_<api> that take no index. */
static void
rest_global(struct rest_ctx *ctx)
{
	struct essim	*es = ctx->es;
	json_t		*out, *stats;
	const char	*s0 = ctx->segs[0];
	const char	*s1 = ctx->nsegs > 1 ? ctx->segs[1] : "";
	int		 status;

	if (strcmp(s0, "_cluster") == 0 && strcmp(s1, "health") == 0 &&
	    ctx->nsegs <= 3) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else
			rest_health(ctx);
	} else if (strcmp(s0, "_cluster") == 0 &&
	    strcmp(s1, "settings") == 0 && ctx->nsegs == 2)
		rest_cluster_settings(ctx);
	else if (strcmp(s0, "_remote") == 0 && strcmp(s1, "info") == 0 &&
	    ctx->nsegs == 2) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else if (rest_params(ctx, NULL) == 0)
			rest_reply(ctx, 200, knob_bool(es,
			    "remote_cluster_client", 1) ? remote_info(es) :
			    json_object());
	} else if (strcmp(s0, "_resolve") == 0 && strcmp(s1, "cluster") == 0 &&
	    ctx->nsegs <= 3) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else
			rest_resolve(ctx);
	} else if (strcmp(s0, "_ccr") == 0 && strcmp(s1, "stats") == 0 &&
	    ctx->nsegs == 2) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else if (rest_params(ctx, "timeout master_timeout") == 0) {
			sim_follow_stats(es->cluster, "_all", essim_now_ms(),
			    &stats);
			rest_reply(ctx, 200, json_pack("{s:o, s:o}",
			    "auto_follow_stats",
			    sim_auto_follow_stats(es->cluster),
			    "follow_stats", stats));
		}
	} else if (strcmp(s0, "_ccr") == 0 && strcmp(s1, "auto_follow") == 0) {
		if (rest_params(ctx, "master_timeout") == -1)
			return;
		if (ctx->nsegs == 2 && ctx->cmd == EVHTTP_REQ_GET)
			status = sim_auto_follow_get(es->cluster, NULL, &out);
		else if (ctx->nsegs == 3 && ctx->cmd == EVHTTP_REQ_GET)
			status = sim_auto_follow_get(es->cluster, ctx->segs[2],
			    &out);
		else if (ctx->nsegs == 3 && ctx->cmd == EVHTTP_REQ_PUT)
			status = sim_auto_follow_put(es->cluster, ctx->segs[2],
			    ctx->body, &out);
		else if (ctx->nsegs == 3 && ctx->cmd == EVHTTP_REQ_DELETE)
			status = sim_auto_follow_delete(es->cluster,
			    ctx->segs[2], &out);
		else if (ctx->nsegs == 4 && ctx->cmd == EVHTTP_REQ_POST &&
		    (strcmp(ctx->segs[3], "pause") == 0 ||
		    strcmp(ctx->segs[3], "resume") == 0))
			status = sim_auto_follow_activate(es->cluster,
			    ctx->segs[2], strcmp(ctx->segs[3], "resume") == 0,
			    &out);
		else {
			rest_no_handler(ctx);
			return;
		}
		rest_reply(ctx, status, out);
	} else if (strcmp(s0, "_cat") == 0 && strcmp(s1, "indices") == 0 &&
	    ctx->nsegs <= 3) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else
			rest_cat_indices(ctx);
	} else if (strcmp(s0, "_essim") == 0)
		rest_admin(ctx);
	else
		rest_no_handler(ctx);
}

/* GET /<expr>/_search and _count (cross-cluster _count too). */
static void
rest_index_search(struct rest_ctx *ctx, int count_only)
{
	const char	*s;
	json_t		*out;
	int		 status, from = 0, size = 10;

	if (strchr(ctx->segs[0], ':') != NULL && count_only) {
		if (rest_params(ctx, "q df default_operator analyzer "
		    "ignore_unavailable allow_no_indices expand_wildcards "
		    "min_score preference routing terminate_after lenient "
		    "analyze_wildcard ignore_throttled") == 0)
			rest_ccs_count(ctx);
		return;
	}
	if (rest_params(ctx, count_only ? "q df default_operator analyzer "
	    "ignore_unavailable allow_no_indices expand_wildcards min_score "
	    "preference routing terminate_after lenient analyze_wildcard "
	    "ignore_throttled" : "q df default_operator analyzer from size "
	    "sort track_total_hits rest_total_hits_as_int ignore_unavailable "
	    "allow_no_indices expand_wildcards preference routing timeout "
	    "lenient analyze_wildcard _source _source_includes "
	    "_source_excludes request_cache search_type "
	    "ccs_minimize_roundtrips ignore_throttled seq_no_primary_term "
	    "version explain stored_fields terminate_after scroll "
	    "allow_partial_search_results batched_reduce_size "
	    "docvalue_fields force_synthetic_source "
	    "include_named_queries_score max_concurrent_shard_requests "
	    "min_compatible_shard_node pre_filter_shard_size stats "
	    "suggest_field suggest_mode suggest_size suggest_text "
	    "track_scores typed_keys") == -1)
		return;
	if ((s = rest_param(ctx, "from")) != NULL)
		from = atoi(s);
	if ((s = rest_param(ctx, "size")) != NULL)
		size = atoi(s);
	if (ctx->body != NULL && json_is_integer(json_object_get(ctx->body,
	    "size")))
		size = (int)json_integer_value(json_object_get(ctx->body,
		    "size"));
	if (size < 0) {
		rest_error(ctx, 400, "illegal_argument_exception",
		    "[size] parameter cannot be negative, found [%d]", size);
		return;
	}
	if (from < 0) {
		rest_error(ctx, 400, "illegal_argument_exception",
		    "[from] parameter cannot be negative but was [%d]", from);
		return;
	}
	if (strchr(ctx->segs[0], ':') != NULL) {
		rest_ccs_search(ctx, from, size);
		return;
	}
	status = sim_search(ctx->es->cluster, ctx->segs[0], rest_param(ctx, "q"),
	    ctx->body, from, size, count_only, &out);
	if (status == 200 && !count_only &&
	    rest_flag(ctx, "rest_total_hits_as_int"))
		json_object_set(json_object_get(out, "hits"), "total",
		    json_object_get(json_object_get(json_object_get(out,
		    "hits"), "total"), "value"));
	rest_reply(ctx, status, out);
}

/* /<index>/_ccr/<action>. */
static void
rest_index_ccr(struct rest_ctx *ctx)
{
	struct sim_cluster	*c = ctx->es->cluster;
	const char		*a = ctx->nsegs > 2 ? ctx->segs[2] : "";
	json_t			*out;
	int			 status;

	if (ctx->nsegs != 3) {
		rest_no_handler(ctx);
		return;
	}
	if (strcmp(a, "follow") == 0) {
		if (ctx->cmd != EVHTTP_REQ_PUT)
			rest_bad_method(ctx, "PUT");
		else
			rest_follow(ctx);
	} else if (strcmp(a, "pause_follow") == 0) {
		if (ctx->cmd != EVHTTP_REQ_POST)
			rest_bad_method(ctx, "POST");
		else if (rest_params(ctx, "master_timeout") == 0) {
			status = sim_pause_follow(c, ctx->segs[0], &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "resume_follow") == 0) {
		if (ctx->cmd != EVHTTP_REQ_POST)
			rest_bad_method(ctx, "POST");
		else
			rest_resume(ctx);
	} else if (strcmp(a, "unfollow") == 0) {
		if (ctx->cmd != EVHTTP_REQ_POST)
			rest_bad_method(ctx, "POST");
		else
			rest_unfollow(ctx);
	} else if (strcmp(a, "stats") == 0) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else if (rest_params(ctx, "timeout") == 0) {
			status = sim_follow_stats(c, ctx->segs[0],
			    essim_now_ms(), &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "info") == 0) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else if (rest_params(ctx, "master_timeout") == 0) {
			status = sim_follow_info(c, ctx->segs[0], &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "forget_follower") == 0) {
		if (ctx->cmd != EVHTTP_REQ_POST)
			rest_bad_method(ctx, "POST");
		else if (rest_params(ctx, "timeout") == 0) {
			status = sim_forget_follower(c, ctx->segs[0], ctx->body,
			    &out);
			rest_reply(ctx, status, out);
		}
	} else
		rest_no_handler(ctx);
}

/* GET /<index>: the index with its (nested) settings. */
static void
rest_get_index(struct rest_ctx *ctx)
{
	json_t		*out, *v;
	const char	*name;
	int		 status;

	status = sim_get_settings(ctx->es->cluster, ctx->segs[0], NULL, 0,
	    rest_flag(ctx, "ignore_unavailable"), &out);
	if (status == 200) {
		json_object_foreach(out, name, v) {
			json_object_set_new(v, "aliases", json_object());
			json_object_set_new(v, "mappings", json_object());
		}
	}
	rest_reply(ctx, status, out);
}

/* Routes under /<index>. */
static void
rest_index(struct rest_ctx *ctx)
{
	struct sim_cluster	*c = ctx->es->cluster;
	const char		*a = ctx->nsegs > 1 ? ctx->segs[1] : NULL;
	json_t			*out;
	int			 status;

	if (a == NULL) {
		switch (ctx->cmd) {
		case EVHTTP_REQ_PUT:
			if (rest_params(ctx, "wait_for_active_shards timeout "
			    "master_timeout") == 0) {
				status = sim_create_index(c, ctx->segs[0],
				    ctx->body, essim_wall_ms(), &out);
				rest_reply(ctx, status, out);
			}
			return;
		case EVHTTP_REQ_HEAD:
			if (rest_params(ctx, "local ignore_unavailable "
			    "allow_no_indices expand_wildcards flat_settings "
			    "include_defaults") == 0)
				rest_send_text(ctx, sim_exists(c, ctx->segs[0]),
				    NULL);
			return;
		case EVHTTP_REQ_DELETE:
			if (rest_params(ctx, "timeout master_timeout "
			    "ignore_unavailable allow_no_indices "
			    "expand_wildcards") == 0) {
				status = sim_delete_index(c, ctx->segs[0], &out);
				rest_reply(ctx, status, out);
			}
			return;
		case EVHTTP_REQ_GET:
			if (rest_params(ctx, "local ignore_unavailable "
			    "allow_no_indices expand_wildcards flat_settings "
			    "include_defaults master_timeout features") == 0)
				rest_get_index(ctx);
			return;
		default:
			rest_bad_method(ctx, "GET, PUT, DELETE, HEAD");
			return;
		}
	}
	if (strcmp(a, "_close") == 0 || strcmp(a, "_open") == 0) {
		if (ctx->nsegs != 2 || ctx->cmd != EVHTTP_REQ_POST) {
			rest_bad_method(ctx, "POST");
			return;
		}
		if (rest_params(ctx, "timeout master_timeout "
		    "ignore_unavailable allow_no_indices expand_wildcards "
		    "wait_for_active_shards") == -1)
			return;
		if (strcmp(a, "_close") == 0)
			status = sim_close(c, ctx->segs[0], rest_flag(ctx,
			    "ignore_unavailable"), &out);
		else
			status = sim_open(c, ctx->segs[0], rest_flag(ctx,
			    "ignore_unavailable"), &out);
		rest_reply(ctx, status, out);
	} else if (strcmp(a, "_refresh") == 0 && ctx->nsegs == 2) {
		if (rest_params(ctx, "ignore_unavailable allow_no_indices "
		    "expand_wildcards") == 0) {
			status = sim_refresh(c, ctx->segs[0], &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "_recovery") == 0 && ctx->nsegs == 2) {
		if (ctx->cmd != EVHTTP_REQ_GET)
			rest_bad_method(ctx, "GET");
		else if (rest_params(ctx, "detailed active_only") == 0) {
			status = restore_recovery(ctx->es, ctx->segs[0],
			    rest_flag(ctx, "active_only"), &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "_search") == 0 && ctx->nsegs == 2)
		rest_index_search(ctx, 0);
	else if (strcmp(a, "_count") == 0 && ctx->nsegs == 2)
		rest_index_search(ctx, 1);
	else if (strcmp(a, "_stats") == 0 && ctx->nsegs <= 3) {
		if (rest_params(ctx, "level expand_wildcards "
		    "forbid_closed_indices completion_fields fielddata_fields "
		    "fields groups include_segment_file_sizes "
		    "include_unloaded_segments") == 0) {
			status = sim_stats(c, ctx->segs[0], rest_param(ctx,
			    "level"), &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "_settings") == 0 && ctx->nsegs <= 3) {
		if (rest_params(ctx, "flat_settings include_defaults local "
		    "master_timeout ignore_unavailable allow_no_indices "
		    "expand_wildcards timeout preserve_existing "
		    "reopen") == -1)
			return;
		if (ctx->cmd == EVHTTP_REQ_PUT && ctx->nsegs == 2)
			status = sim_put_settings(c, ctx->segs[0], ctx->body,
			    &out);
		else if (ctx->cmd == EVHTTP_REQ_GET)
			status = sim_get_settings(c, ctx->segs[0],
			    ctx->nsegs == 3 ? ctx->segs[2] : NULL,
			    rest_flag(ctx, "flat_settings"),
			    rest_flag(ctx, "ignore_unavailable"), &out);
		else {
			rest_bad_method(ctx, "GET, PUT");
			return;
		}
		rest_reply(ctx, status, out);
	} else if (strcmp(a, "_doc") == 0 && ctx->nsegs <= 3) {
		if (rest_params(ctx, "refresh wait_for_active_shards timeout "
		    "routing op_type if_seq_no if_primary_term pipeline "
		    "require_alias require_data_stream include_source_on_error "
		    "version version_type realtime preference stored_fields "
		    "_source _source_includes _source_excludes") == -1)
			return;
		if (ctx->nsegs == 3 && ctx->cmd == EVHTTP_REQ_GET)
			status = sim_get_doc(c, ctx->segs[0], ctx->segs[2],
			    &out);
		else if (ctx->nsegs == 3 && ctx->cmd == EVHTTP_REQ_DELETE)
			status = sim_delete_doc(c, ctx->segs[0], ctx->segs[2],
			    rest_param(ctx, "refresh"), &out);
		else if ((ctx->nsegs == 2 && ctx->cmd == EVHTTP_REQ_POST) ||
		    (ctx->nsegs == 3 && (ctx->cmd == EVHTTP_REQ_PUT ||
		    ctx->cmd == EVHTTP_REQ_POST)))
			status = sim_index_doc(c, ctx->segs[0], ctx->nsegs == 3 ?
			    ctx->segs[2] : NULL, ctx->body, rest_param(ctx,
			    "refresh"), essim_wall_ms(), &out);
		else {
			rest_bad_method(ctx, ctx->nsegs == 2 ? "POST" :
			    "GET, PUT, POST, DELETE");
			return;
		}
		rest_reply(ctx, status, out);
	} else if (strcmp(a, "_block") == 0 && ctx->nsegs == 3) {
		if (ctx->cmd != EVHTTP_REQ_PUT)
			rest_bad_method(ctx, "PUT");
		else if (rest_params(ctx, "timeout master_timeout "
		    "ignore_unavailable allow_no_indices expand_wildcards") ==
		    0) {
			status = sim_add_block(c, ctx->segs[0], ctx->segs[2],
			    &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "_clone") == 0 && ctx->nsegs == 3) {
		if (ctx->cmd != EVHTTP_REQ_PUT && ctx->cmd != EVHTTP_REQ_POST)
			rest_bad_method(ctx, "PUT, POST");
		else if (rest_params(ctx, "timeout master_timeout "
		    "wait_for_active_shards") == 0) {
			status = sim_clone(c, ctx->segs[0], ctx->segs[2],
			    ctx->body, essim_wall_ms(), &out);
			rest_reply(ctx, status, out);
		}
	} else if (strcmp(a, "_ccr") == 0)
		rest_index_ccr(ctx);
	else
		rest_no_handler(ctx);
}

/* APIs that, without an index in the path, apply to all indices. */
static int
rest_all_indices(const char *api)
{
	return (strcmp(api, "_stats") == 0 || strcmp(api, "_settings") == 0 ||
	    strcmp(api, "_refresh") == 0 || strcmp(api, "_search") == 0 ||
	    strcmp(api, "_count") == 0 || strcmp(api, "_recovery") == 0);
}

/*
 * A caller limited to named privileges may only run actions they grant.
 * Returns -1 after answering 403. Each refusal is logged, as
 * Elasticsearch's audit log records access_denied, so a test can tell a
 * refused request from any other failure.
 */
static int
rest_authorized(struct rest_ctx *ctx)
{
	json_t	*out;
	int	 status;

	if ((status = security_authorize(ctx->es, ctx->principal, ctx->method,
	    ctx->segs, ctx->nsegs, &out)) == 0)
		return (0);
	log_notice("denied: %s %s: %s", ctx->method,
	    evhttp_request_get_uri(ctx->req), json_string_value(
	    json_object_get(json_object_get(out, "error"), "reason")));
	rest_reply(ctx, status, out);
	return (-1);
}

/* GET|POST /_security/user/_has_privileges. */
static void
rest_has_privileges(struct rest_ctx *ctx)
{
	json_t	*out;
	int	 status;

	if (ctx->cmd != EVHTTP_REQ_GET && ctx->cmd != EVHTTP_REQ_POST) {
		rest_bad_method(ctx, "GET, POST");
		return;
	}
	if (rest_params(ctx, NULL) == -1)
		return;
	status = security_has_privileges(ctx->es, ctx->principal, ctx->body,
	    &out);
	rest_reply(ctx, status, out);
}

/* Route a parsed request; writes wake long-polls waiting for them. */
static void
rest_dispatch(struct rest_ctx *ctx)
{
	struct essim	*es = ctx->es;
	const char	*s0;

	if (ctx->nsegs == 0) {
		if (ctx->cmd != EVHTTP_REQ_GET && ctx->cmd != EVHTTP_REQ_HEAD)
			rest_bad_method(ctx, "GET, HEAD");
		else if (rest_authorized(ctx) == 0 && rest_params(ctx,
		    NULL) == 0)
			rest_reply(ctx, 200, sim_info(es->cluster));
	} else {
		s0 = ctx->segs[0];
		if (rest_all_indices(s0) && ctx->nsegs < REST_MAX_SEGS) {
			memmove(ctx->segs + 1, ctx->segs,
			    ctx->nsegs * sizeof *ctx->segs);
			ctx->segs[0] = xstrdup("_all");
			ctx->nsegs++;
			s0 = ctx->segs[0];
		}
		if (rest_authorized(ctx) == -1)
			return;
		if (ctx->nsegs == 3 && strcmp(s0, "_security") == 0 &&
		    strcmp(ctx->segs[1], "user") == 0 &&
		    strcmp(ctx->segs[2], "_has_privileges") == 0)
			rest_has_privileges(ctx);
		else if (*s0 != '_' || strcmp(s0, "_all") == 0)
			rest_index(ctx);
		else
			rest_global(ctx);
	}
	if (es->cluster->write_generation != es->woken_generation)
		rest_wake_parked(es);
}

/* A delayed request's time has come: serve it. */
static void
rest_delayed(evutil_socket_t fd, short events, void *arg)
{
	struct rest_ctx	*ctx = arg;

	(void)fd;
	(void)events;
	event_free(ctx->timer);
	ctx->timer = NULL;
	rest_dispatch(ctx);
}

/* Whether a request comes from a peer essim (its transport, in effect). */
static int
rest_from_peer(struct rest_ctx *ctx)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    ESSIM_PEER_HEADER) != NULL);
}

/* The user name of a Basic credential (never the password), or NULL. */
static char *
rest_basic_user(const char *b64)
{
	static const char	 tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	char			*out, *colon;
	size_t			 o = 0;
	unsigned		 v = 0;
	int			 bits = 0;

	out = xmalloc(strlen(b64) + 1);
	for (; *b64 != '\0' && *b64 != '='; b64++) {
		if ((p = strchr(tab, *b64)) == NULL) {
			free(out);
			return (NULL);
		}
		v = (v << 6) | (unsigned)(p - tab);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if ((colon = strchr(out, ':')) == NULL) {
		free(out);
		return (NULL);
	}
	*colon = '\0';
	return (out);
}

/*
 * With --auth-basic or --auth-api-key, a client request needs a matching
 * Authorization header, else 401 as Elasticsearch's security answers it.
 * Peer requests stand for transport traffic and are not checked. Returns
 * -1 after answering.
 */
static int
rest_authenticate(struct rest_ctx *ctx)
{
	struct essim		*es = ctx->es;
	struct evkeyvalq	*h;
	const char		*auth, *uri;
	json_t			*cause, *hdr, *out;
	char			*user;
	int			 status;

	if (rest_from_peer(ctx)) {
		/*
		 * The remote may answer yet reject the follower's
		 * credentials; the held request stands for the transport
		 * connection itself, which stays up.
		 */
		if (!knob_bool(es, "reject_peer_credentials", 0) ||
		    strcmp(ctx->path, "/_essim/ccr/hold") == 0)
			return (0);
		status = sim_error(&out, 401, "security_exception",
		    "unable to authenticate with provided credentials and "
		    "anonymous access is not allowed for this request");
		rest_reply(ctx, status, out);
		return (-1);
	}
	if (!security_enabled(es))
		return (0);
	auth = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
	    "Authorization");
	if ((ctx->principal = security_authenticate(es, auth)) != NULL)
		return (0);
	uri = evhttp_request_get_uri(ctx->req);
	hdr = json_pack("{s:[s, s, s]}", "WWW-Authenticate",
	    "Basic realm=\"security\", charset=\"UTF-8\"",
	    "Bearer realm=\"security\"", "ApiKey");
	if (auth == NULL)
		cause = sim_cause("security_exception", "missing authentication "
		    "credentials for REST request [%s]", uri);
	else if (strncmp(auth, "Basic ", 6) == 0 &&
	    (user = rest_basic_user(auth + 6)) != NULL) {
		cause = sim_cause("security_exception", "unable to authenticate "
		    "user [%s] for REST request [%s]", user, uri);
		free(user);
	} else
		cause = sim_cause("security_exception", "unable to authenticate "
		    "with provided credentials and anonymous access is not "
		    "allowed for this request");
	json_object_set_new(cause, "header", hdr);
	h = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(h, "WWW-Authenticate",
	    "Basic realm=\"security\", charset=\"UTF-8\"");
	evhttp_add_header(h, "WWW-Authenticate", "Bearer realm=\"security\"");
	evhttp_add_header(h, "WWW-Authenticate", "ApiKey");
	status = sim_error_cause(&out, 401, cause);
	rest_reply(ctx, status, out);
	return (-1);
}

/* The error a fault rule answers with, defaulting by status. */
static void
rest_fault_error(struct rest_ctx *ctx, struct fault *f)
{
	const char	*type = f->type, *reason = f->reason;
	json_t		*out, *cause;
	int		 status;

	if (type == NULL) {
		switch (f->status) {
		case 429:
			type = "es_rejected_execution_exception";
			break;
		case 503:
			type = "cluster_block_exception";
			break;
		case 500:
			type = "exception";
			break;
		default:
			type = "status_exception";
			break;
		}
	}
	if (reason == NULL) {
		switch (f->status) {
		case 429:
			reason = "rejected execution of coordinating operation "
			    "[coordinating_and_primary_bytes=0, "
			    "replica_bytes=0, all_bytes=0, "
			    "coordinating_operation_bytes=0, "
			    "max_coordinating_and_primary_bytes=0]";
			break;
		case 503:
			reason = "blocked by: "
			    "[SERVICE_UNAVAILABLE/2/no master];";
			break;
		default:
			reason = "essim injected fault";
			break;
		}
	}
	cause = sim_cause(type, "%s", reason);
	status = sim_error_cause(&out, f->status, cause);
	rest_reply(ctx, status, out);
}

/*
 * Apply the first matching fault rule. Returns 1 when the request was
 * consumed (answered, hung, dropped or delayed).
 */
static int
rest_fault(struct rest_ctx *ctx)
{
	struct essim	*es = ctx->es;
	struct fault	*f;
	struct hung	*h;
	enum fault_action action;
	int		 delay, status;

	if (strncmp(ctx->path, "/_essim/", 8) == 0 &&
	    strcmp(ctx->path, "/_essim/ccr/changes") != 0 &&
	    strcmp(ctx->path, "/_essim/ccr/indices") != 0 &&
	    strncmp(ctx->path, "/_essim/ccr/leader/", 19) != 0 &&
	    strcmp(ctx->path, "/_essim/ccr/resolve") != 0)
		return (0);
	f = fault_match(es, ctx->method, ctx->path, rest_from_peer(ctx),
	    evhttp_request_get_input_headers(ctx->req));
	if (f == NULL)
		return (0);
	action = f->action;
	delay = f->delay_ms;
	status = f->status;
	switch (action) {
	case FAULT_ERROR:
		rest_fault_error(ctx, f);
		fault_used(es, f);
		return (1);
	case FAULT_DELAY:
		fault_used(es, f);
		rest_ctx_timer(ctx, delay, rest_delayed);
		return (1);
	case FAULT_HANG:
		fault_used(es, f);
		h = xcalloc(1, sizeof *h);
		h->ctx = ctx;
		TAILQ_INSERT_TAIL(&es->hung, h, entry);
		return (1);
	case FAULT_MALFORMED:
		fault_used(es, f);
		rest_send_text(ctx, status, "{\"acknowledged\":tr");
		return (1);
	case FAULT_DROP:
		fault_used(es, f);
		fault_drop_request(ctx->req);
		rest_ctx_free(ctx);
		return (1);
	default:
		return (0);
	}
}

/* Split the path into decoded segments; -1 on too many or bad ones. */
static int
rest_split_path(struct rest_ctx *ctx)
{
	char	*copy, *tok, *save;

	copy = xstrdup(ctx->path);
	for (tok = strtok_r(copy, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (ctx->nsegs == REST_MAX_SEGS) {
			free(copy);
			return (-1);
		}
		if ((ctx->segs[ctx->nsegs] = evhttp_uridecode(tok, 0,
		    NULL)) == NULL) {
			free(copy);
			return (-1);
		}
		ctx->nsegs++;
	}
	free(copy);
	return (0);
}

/* Parse the query string; a bare "name" means "name=" (true). */
static int
rest_parse_query(struct rest_ctx *ctx, const char *q)
{
	char	*copy, *tok, *save, *eq, *key, *value;
	int	 rc = 0;

	copy = xstrdup(q);
	for (tok = strtok_r(copy, "&", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(tok, '=')) != NULL)
			*eq++ = '\0';
		key = evhttp_uridecode(tok, 1, NULL);
		value = evhttp_uridecode(eq == NULL ? "" : eq, 1, NULL);
		if (key == NULL || value == NULL || *key == '\0')
			rc = -1;
		else
			evhttp_add_header(&ctx->query, key, value);
		free(key);
		free(value);
	}
	free(copy);
	return (rc);
}

/* Parse the body as JSON if there is one; -1 after answering 400. */
static int
rest_parse_body(struct rest_ctx *ctx)
{
	struct evbuffer	*buf;
	size_t		 len;
	char		*text;
	json_error_t	 jerr;

	buf = evhttp_request_get_input_buffer(ctx->req);
	if ((len = evbuffer_get_length(buf)) == 0)
		return (0);
	text = xmalloc(len + 1);
	evbuffer_copyout(buf, text, len);
	text[len] = '\0';
	ctx->body = json_loads(text, JSON_DECODE_ANY, &jerr);
	free(text);
	if (ctx->body != NULL)
		return (0);
	rest_error(ctx, 400, "x_content_parse_exception", "[%d:%d] %s",
	    jerr.line, jerr.column, jerr.text);
	return (-1);
}

/* The method name of a request. */
static const char *
rest_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return ("GET");
	case EVHTTP_REQ_POST:
		return ("POST");
	case EVHTTP_REQ_HEAD:
		return ("HEAD");
	case EVHTTP_REQ_PUT:
		return ("PUT");
	case EVHTTP_REQ_DELETE:
		return ("DELETE");
	case EVHTTP_REQ_OPTIONS:
		return ("OPTIONS");
	case EVHTTP_REQ_PATCH:
		return ("PATCH");
	default:
		return ("OTHER");
	}
}

/* The evhttp callback for every request. */
void
rest_handle(struct evhttp_request *req, void *arg)
{
	struct essim	*es = arg;
	struct rest_ctx	*ctx;
	const char	*uri, *q;
	size_t		 plen;

	ctx = xcalloc(1, sizeof *ctx);
	ctx->es = es;
	TAILQ_INSERT_TAIL(&es->ctxs, ctx, entry);
	ctx->req = req;
	ctx->cmd = evhttp_request_get_command(req);
	ctx->method = rest_method_name(ctx->cmd);
	TAILQ_INIT(&ctx->query);
	uri = evhttp_request_get_uri(req);
	/* Every request received, served or not: what a test counts. */
	if (es->opt.request_log != NULL)
		fprintf(es->opt.request_log, "%" PRIu64 " %s %s %s\n",
		    essim_wall_ms(), ctx->method, uri, evhttp_find_header(
		    evhttp_request_get_input_headers(req),
		    ESSIM_PEER_HEADER) != NULL ? "peer" : "client");
	if (es->refusing) {
		fault_drop_request(req);
		rest_ctx_free(ctx);
		return;
	}
	q = strchr(uri, '?');
	plen = q == NULL ? strlen(uri) : (size_t)(q - uri);
	ctx->path = xstrndup(uri, plen);
	if (strlen(ctx->method) + strlen(uri) + strlen(" HTTP/1.1") + 1 >
	    REST_MAX_LINE) {
		rest_error(ctx, 400, "too_long_http_line_exception",
		    "An HTTP line is larger than %d bytes.", REST_MAX_LINE);
		return;
	}
	if ((q != NULL && rest_parse_query(ctx, q + 1) == -1) ||
	    rest_split_path(ctx) == -1) {
		rest_error(ctx, 400, "illegal_argument_exception",
		    "cannot parse request [%s]", ctx->path);
		return;
	}
	ctx->pretty = rest_flag(ctx, "pretty");
	if (rest_authenticate(ctx) == -1 || rest_parse_body(ctx) == -1)
		return;
	if (rest_fault(ctx))
		return;
	rest_dispatch(ctx);
}

/*
 * The hang is over: hung requests are served now, as a node that
 * recovers answers what it had received (clients that gave up meanwhile
 * get nothing).
 */
void
rest_release_hung(struct essim *es)
{
	struct hung	*h;
	struct rest_ctx	*ctx;

	while ((h = TAILQ_FIRST(&es->hung)) != NULL) {
		TAILQ_REMOVE(&es->hung, h, entry);
		ctx = h->ctx;
		free(h);
		rest_dispatch(ctx);
	}
}

/* Answer everything still waiting, before the server goes away. */
void
rest_shutdown(struct essim *es)
{
	struct parked	*pk;
	struct rest_ctx	*ctx;
	struct hung	*h;

	while ((pk = TAILQ_FIRST(&es->parked)) != NULL) {
		ctx = pk->ctx;
		rest_parked_free(es, pk);
		evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
		    "Connection", "close");
		rest_error(ctx, 503, "node_closed_exception", "node closed");
	}
	while ((h = TAILQ_FIRST(&es->hung)) != NULL) {
		TAILQ_REMOVE(&es->hung, h, entry);
		free(h);
	}
	while ((ctx = TAILQ_FIRST(&es->ctxs)) != NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(ctx->req),
		    "Connection", "close");
		rest_error(ctx, 503, "node_closed_exception", "node closed");
	}
}
