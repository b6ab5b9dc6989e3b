/*
 * One Elasticsearch cluster as the daemon talks to it. Requests go to the
 * node that last worked; a node that refuses the connection is skipped at
 * once and the request moves on to the next url, while a node that times
 * out or fails mid-request is reported as such (the request may have been
 * processed) and later requests start on the next url. Reads (GET, HEAD)
 * and writes queue apart, each with at most max_requests in flight, the
 * rest waiting in order with their timeout starting when they are sent: a
 * promotion's writes, some of which may hang for as long as the old leader
 * takes to be given up on, never hold back a poll or a read that decides
 * what the engine does next.
 *
 * The builders below produce the path and body of every call the daemon
 * makes, escaping names and keeping polls small with filter_path. They
 * only build, so a dry run can log a call instead of sending it.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "es-parse.h"
#include "es-name.h"
#include "es.h"
#include "log.h"
#include "xmalloc.h"

struct es_cluster {
	struct http		*http;
	char			*name;
	char			**urls;
	size_t			 nurls;
	size_t			 node;		/* url to try first */
	char			*username;
	char			*password;
	char			*api_key;
	char			*ca_file;
	bool			 insecure;
	size_t			 max_active;	/* per lane */
	struct es_lane {
		size_t			 nactive;
		size_t			 nqueued;
		TAILQ_HEAD(, es_request) active;
		TAILQ_HEAD(, es_request) queue;
	}			 lanes[2];	/* reads, writes */
};

struct es_request {
	struct es_cluster	*cluster;
	enum http_method	 method;
	char			*path;
	char			*body;
	uint64_t		 timeout_ms;
	es_done_cb		 cb;
	void			*arg;
	struct http_request	*http;		/* NULL while queued */
	struct es_lane		*lane;
	bool			 queued;
	size_t			 node;
	unsigned int		 attempts;
	size_t			 bytes;
	uint64_t		 elapsed_ms;
	TAILQ_ENTRY(es_request)	 entry;
};

static void	es_start(struct es_request *);
static void	es_pump(struct es_cluster *);

/* Overwrite and free a secret. */
static void
es_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Build a cluster client from its configuration. password or api_key are
 * the secrets already read from their files (NULL when not configured).
 */
struct es_cluster *
es_cluster_create(struct http *http, const struct ccr_cluster_config *cc,
    const char *password, const char *api_key, int max_requests, char **cause)
{
	struct es_cluster	*c;
	const char		*host, *at;
	size_t			 i, len;

	if (cc->nurls == 0) {
		xasprintf(cause, "cluster %s has no urls", cc->name);
		return (NULL);
	}
	for (i = 0; i < cc->nurls; i++) {
		if (strncmp(cc->urls[i], "http://", 7) != 0 &&
		    strncmp(cc->urls[i], "https://", 8) != 0) {
			xasprintf(cause, "cluster %s: url %zu is not http(s)",
			    cc->name, i + 1);
			return (NULL);
		}
		/* Credentials in a url would end up in error messages. */
		host = strstr(cc->urls[i], "://") + 3;
		at = strchr(host, '@');
		if (at != NULL && at < host + strcspn(host, "/?#")) {
			xasprintf(cause, "cluster %s: url %zu holds "
			    "credentials; use username and password_file",
			    cc->name, i + 1);
			return (NULL);
		}
	}
	c = xcalloc(1, sizeof *c);
	c->http = http;
	c->name = xstrdup(cc->name);
	c->urls = xcalloc(cc->nurls, sizeof *c->urls);
	for (i = 0; i < cc->nurls; i++) {
		c->urls[i] = xstrdup(cc->urls[i]);
		len = strlen(c->urls[i]);
		while (len > 0 && c->urls[i][len - 1] == '/')
			c->urls[i][--len] = '\0';
	}
	c->nurls = cc->nurls;
	if (cc->username != NULL) {
		c->username = xstrdup(cc->username);
		c->password = xstrdup(password != NULL ? password : "");
	} else if (api_key != NULL)
		c->api_key = xstrdup(api_key);
	if (cc->ca_file != NULL)
		c->ca_file = xstrdup(cc->ca_file);
	c->insecure = cc->insecure;
	c->max_active = max_requests > 0 ? (size_t)max_requests : 1;
	for (i = 0; i < 2; i++) {
		TAILQ_INIT(&c->lanes[i].active);
		TAILQ_INIT(&c->lanes[i].queue);
	}
	return (c);
}

/* Free a request's own memory. */
static void
es_request_free(struct es_request *req)
{
	free(req->path);
	free(req->body);
	free(req);
}

/* Read the secrets of cluster i and build its client. */
struct es_cluster *
es_cluster_open(struct http *http, const struct ccr_config *cfg, int i,
    char **cause)
{
	const struct ccr_cluster_config	*cc = &cfg->clusters[i];
	struct es_cluster		*es;
	char				*password = NULL, *api_key = NULL;

	if (cc->password_file != NULL &&
	    config_read_secret(cfg, cc->password_file, &password, cause) == -1)
		return (NULL);
	if (cc->api_key_file != NULL &&
	    config_read_secret(cfg, cc->api_key_file, &api_key, cause) == -1) {
		config_secret_free(password);
		return (NULL);
	}
	es = es_cluster_create(http, cc, password, api_key,
	    cfg->max_requests_per_cluster, cause);
	config_secret_free(password);
	config_secret_free(api_key);
	return (es);
}

/* Cancel every request without calling back and free the client. */
void
es_cluster_free(struct es_cluster *c)
{
	struct es_request	*req;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < 2; i++) {
		while ((req = TAILQ_FIRST(&c->lanes[i].queue)) != NULL)
			es_cancel(req);
		while ((req = TAILQ_FIRST(&c->lanes[i].active)) != NULL)
			es_cancel(req);
	}
	for (i = 0; i < c->nurls; i++)
		free(c->urls[i]);
	free(c->urls);
	free(c->name);
	free(c->username);
	es_free_secret(c->password);
	es_free_secret(c->api_key);
	free(c->ca_file);
	free(c);
}

/* The cluster's configured name, also its remote alias. */
const char *
es_cluster_name(const struct es_cluster *c)
{
	return (c->name);
}

/* The url requests currently start on. */
const char *
es_cluster_node(const struct es_cluster *c)
{
	return (c->urls[c->node]);
}

/* Requests in flight, reads and writes. */
size_t
es_cluster_active(const struct es_cluster *c)
{
	return (c->lanes[0].nactive + c->lanes[1].nactive);
}

/* Requests waiting for a slot, reads and writes. */
size_t
es_cluster_queued(const struct es_cluster *c)
{
	return (c->lanes[0].nqueued + c->lanes[1].nqueued);
}

/* Move the cluster off a node that just failed, unless it moved already. */
static void
es_next_node(struct es_cluster *c, size_t failed)
{
	if (c->node == failed)
		c->node = (failed + 1) % c->nurls;
}

/* Deliver a finished request to its owner and free it. */
static void
es_finish(struct es_request *req, const struct http_response *hr)
{
	struct es_cluster	*c = req->cluster;
	struct es_result	 r;
	struct es_error		 ee;
	json_t			*root = NULL;
	json_error_t		 jerr;
	char			*cause = NULL, text[256];

	TAILQ_REMOVE(&req->lane->active, req, entry);
	req->lane->nactive--;

	memset(&r, 0, sizeof r);
	r.outcome = hr->outcome;
	r.status = hr->status;
	r.node = c->urls[req->node];
	r.elapsed_ms = req->elapsed_ms;
	r.bytes = req->bytes;
	r.attempts = req->attempts;
	r.error_type = "";
	r.reason = "";
	if (hr->outcome != HTTP_DONE) {
		r.error_type = http_outcome_name(hr->outcome);
		r.reason = hr->error;
	} else if (hr->body_len > 0) {
		root = json_loadb(hr->body, hr->body_len, 0, &jerr);
		if (root == NULL) {
			snprintf(text, sizeof text, "HTTP %ld, invalid JSON: "
			    "%s", hr->status, jerr.text);
			r.error_type = "parse_error";
			r.reason = text;
		}
	}
	r.root = root;
	if (hr->outcome == HTTP_DONE && (hr->status < 200 ||
	    hr->status > 299)) {
		if (root != NULL && es_parse_error(root, &ee, &cause) == 0) {
			r.error_type = ee.type;
			r.reason = ee.reason;
			r.leases_failed = ee.leases_failed;
		} else if (root != NULL || hr->body_len == 0) {
			snprintf(text, sizeof text, "HTTP %ld", hr->status);
			r.error_type = "http_error";
			r.reason = text;
		}
		free(cause);
	}
	r.ok = hr->outcome == HTTP_DONE && hr->status >= 200 &&
	    hr->status <= 299 && (root != NULL || hr->body_len == 0);

	req->cb(&r, req->arg);
	if (root != NULL)
		json_decref(root);
	es_request_free(req);
	es_pump(c);
}

/* An attempt ended: retry a refused connection elsewhere, or finish. */
static void
es_http_done(const struct http_response *hr, void *arg)
{
	struct es_request	*req = arg;
	struct es_cluster	*c = req->cluster;

	req->http = NULL;
	req->bytes += hr->bytes_in + hr->bytes_out;
	req->elapsed_ms += hr->elapsed_ms;
	switch (hr->outcome) {
	case HTTP_REFUSED:
		es_next_node(c, req->node);
		if (req->attempts < c->nurls) {
			req->node = c->node;
			es_start(req);
			return;
		}
		break;
	case HTTP_TIMEOUT:
	case HTTP_FAILED:
		es_next_node(c, req->node);
		break;
	default:
		break;
	}
	es_finish(req, hr);
}

/* Send one attempt of req to its node. */
static void
es_start(struct es_request *req)
{
	struct es_cluster	*c = req->cluster;
	struct http_request_spec spec;
	const char		*headers[2];
	char			*url;

	xasprintf(&url, "%s%s", c->urls[req->node], req->path);
	memset(&spec, 0, sizeof spec);
	spec.method = req->method;
	spec.url = url;
	spec.timeout_ms = req->timeout_ms;
	spec.ca_file = c->ca_file;
	spec.insecure = c->insecure;
	spec.username = c->username;
	spec.password = c->password;
	spec.api_key = c->api_key;
	spec.label = c->name;
	headers[0] = "Accept: application/json";
	headers[1] = "Content-Type: application/json";
	spec.headers = headers;
	spec.nheaders = 1;
	if (req->body != NULL) {
		spec.body = req->body;
		spec.body_len = strlen(req->body);
		spec.nheaders = 2;
	}
	req->attempts++;
	req->http = http_submit(c->http, &spec, es_http_done, req);
	free(url);
}

/* Start queued requests while their lane has free slots. */
static void
es_pump(struct es_cluster *c)
{
	struct es_lane		*lane;
	struct es_request	*req;
	size_t			 i;

	for (i = 0; i < 2; i++) {
		lane = &c->lanes[i];
		while (lane->nactive < c->max_active &&
		    (req = TAILQ_FIRST(&lane->queue)) != NULL) {
			TAILQ_REMOVE(&lane->queue, req, entry);
			lane->nqueued--;
			req->queued = false;
			TAILQ_INSERT_TAIL(&lane->active, req, entry);
			lane->nactive++;
			req->node = c->node;
			es_start(req);
		}
	}
}

/*
 * Queue a request; path starts with '/' and is already escaped, body is
 * JSON or NULL. cb runs once, later, from the loop, unless cancelled.
 */
struct es_request *
es_request(struct es_cluster *c, enum http_method method, const char *path,
    const char *body, uint64_t timeout_ms, es_done_cb cb, void *arg)
{
	struct es_request	*req;

	req = xcalloc(1, sizeof *req);
	req->cluster = c;
	req->method = method;
	req->path = xstrdup(path);
	req->body = body != NULL ? xstrdup(body) : NULL;
	req->timeout_ms = timeout_ms;
	req->cb = cb;
	req->arg = arg;
	req->queued = true;
	req->lane = &c->lanes[method == HTTP_GET || method == HTTP_HEAD ?
	    0 : 1];
	TAILQ_INSERT_TAIL(&req->lane->queue, req, entry);
	req->lane->nqueued++;
	es_pump(c);
	return (req);
}

/* Send a built call. */
struct es_request *
es_send(struct es_cluster *c, const struct es_call *call,
    uint64_t timeout_ms, es_done_cb cb, void *arg)
{
	return (es_request(c, call->method, call->path, call->body,
	    timeout_ms, cb, arg));
}

/* Abandon a request: its callback will not be called. */
void
es_cancel(struct es_request *req)
{
	struct es_cluster	*c;

	if (req == NULL)
		return;
	c = req->cluster;
	if (req->queued) {
		TAILQ_REMOVE(&req->lane->queue, req, entry);
		req->lane->nqueued--;
	} else {
		http_cancel(req->http);
		TAILQ_REMOVE(&req->lane->active, req, entry);
		req->lane->nactive--;
	}
	es_request_free(req);
	es_pump(c);
}

/* Append name to buf percent-encoded; buf has room for 3 * strlen + 1. */
static void
es_escape(char *buf, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*o = buf + strlen(buf);

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			*o++ = *p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
}

/*
 * A remote cluster alias: may hold upper case, but nothing that would
 * change the meaning of "<alias>:<index>" or of a path.
 */
static int
es_alias_valid(const char *alias, char **cause)
{
	const char	*p;

	if (*alias == '\0' || strlen(alias) > 255) {
		xasprintf(cause, "remote alias is empty or too long");
		return (-1);
	}
	for (p = alias; *p != '\0'; p++) {
		if (strchr("\\/*?\"<>| ,#:", *p) != NULL ||
		    (unsigned char)*p < 0x20 || *p == 0x7f) {
			xasprintf(cause, "invalid character in remote alias "
			    "\"%.255s\"", alias);
			return (-1);
		}
	}
	return (0);
}

/* A validated, escaped name, or NULL with cause. */
static char *
es_name(const char *name, char **cause)
{
	char	*out;

	if (es_name_valid(name, cause) != 0)
		return (NULL);
	out = xcalloc(3, strlen(name) + 1);
	es_escape(out, name);
	return (out);
}

/* A validated, escaped remote alias, or NULL with cause. */
static char *
es_alias(const char *alias, char **cause)
{
	char	*out;

	if (es_alias_valid(alias, cause) != 0)
		return (NULL);
	out = xcalloc(3, strlen(alias) + 1);
	es_escape(out, alias);
	return (out);
}

/* Serialise and release a request body built with jansson. */
static char *
es_json_body(json_t *body)
{
	char	*s;

	if (body == NULL || (s = json_dumps(body, JSON_COMPACT)) == NULL)
		fatalx("es: cannot build a request body");
	json_decref(body);
	return (s);
}

/* Fill call; fmt builds the path. */
static void __attribute__((format(printf, 4, 5)))
es_call_set(struct es_call *call, enum http_method method, char *body,
    const char *fmt, ...)
{
	va_list	ap;

	memset(call, 0, sizeof *call);
	call->method = method;
	call->body = body;
	va_start(ap, fmt);
	if (vasprintf(&call->path, fmt, ap) == -1)
		call->path = NULL;
	va_end(ap);
	if (call->path == NULL)
		xasprintf(&call->path, "/");
}

/* Fill call with path /<index><suffix>. */
static int
es_call_index(struct es_call *call, enum http_method method,
    const char *index, const char *suffix, char **cause)
{
	char	*n;

	memset(call, 0, sizeof *call);
	if ((n = es_name(index, cause)) == NULL)
		return (-1);
	es_call_set(call, method, NULL, "/%s%s", n, suffix);
	free(n);
	return (0);
}

/* Free a call's strings. */
void
es_call_clear(struct es_call *call)
{
	free(call->path);
	free(call->body);
	memset(call, 0, sizeof *call);
}

/*
 * GET /: the version decides which probe to use, and cluster_uuid tells
 * which cluster answers behind the url.
 */
void
es_call_root(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL,
	    "/?filter_path=version.number,cluster_uuid");
}

/* GET /_cluster/health, trimmed. */
void
es_call_health(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL, "/_cluster/health?filter_path="
	    "cluster_name,status,timed_out,number_of_nodes");
}

/* GET /_remote/info, trimmed to what the link evidence needs. */
void
es_call_remote_info(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL,
	    "/_remote/info?filter_path=*.connected,*.mode");
}

#define ES_STATS_FIELDS(p) \
	p "index," p "shards.shard_id," p "shards.leader_global_checkpoint," \
	p "shards.follower_global_checkpoint," p "shards.leader_max_seq_no," \
	p "shards.follower_max_seq_no," p "shards.failed_read_requests," \
	p "shards.successful_read_requests," p "shards.operations_read," \
	p "shards.read_exceptions.from_seq_no," \
	p "shards.time_since_last_read_millis," p "shards.fatal_exception"

/*
 * Every follower's lag as Elasticsearch totals it, and fatal exceptions:
 * a few dozen bytes per index, however many shards it has.
 */
void
es_call_ccr_summary(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL, "/_ccr/stats?filter_path="
	    "follow_stats.indices.index,"
	    "follow_stats.indices.total_global_checkpoint_lag,"
	    "follow_stats.indices.shards.fatal_exception");
}

/*
 * /<a>,<b>,...<suffix> over as many of names (from the first) as fit in one
 * request line; *used says how many. A name that is not valid ends the
 * list before it, so only a call that would start with it fails.
 */
static int
es_call_list(struct es_call *call, enum http_method method,
    const char *const *names, size_t n, const char *suffix, size_t *used,
    char **cause)
{
	char	*path, *esc, *later = NULL;
	size_t	 len = 0, i;

	memset(call, 0, sizeof *call);
	*used = 0;
	if (n == 0) {
		xasprintf(cause, "no index named");
		return (-1);
	}
	if ((esc = es_name(names[0], cause)) == NULL)
		return (-1);
	free(esc);
	path = xmalloc(ES_PATH_MAX + 1);
	path[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((esc = es_name(names[i], &later)) == NULL) {
			free(later);
			break;
		}
		if (len + 1 + strlen(esc) + strlen(suffix) > ES_PATH_MAX) {
			free(esc);
			break;
		}
		len += snprintf(path + len, ES_PATH_MAX + 1 - len, "%c%s",
		    i == 0 ? '/' : ',', esc);
		free(esc);
	}
	if (i == 0) {
		free(path);
		xasprintf(cause, "index name too long for a request line");
		return (-1);
	}
	es_call_set(call, method, NULL, "%s%s", path, suffix);
	free(path);
	*used = i;
	return (0);
}

/*
 * Per-shard read counters (es_parse_ccr_reads) of as many of names (from
 * the first) as fit in one request line; *used says how many.
 * Elasticsearch answers 404 when none of them has a follow task.
 */
int
es_call_ccr_stats_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, "/_ccr/stats?"
	    "filter_path=indices.index,indices.shards.shard_id,"
	    "indices.shards.failed_read_requests,"
	    "indices.shards.successful_read_requests,"
	    "indices.shards.operations_read,"
	    "indices.shards.read_exceptions.from_seq_no,"
	    "indices.shards.time_since_last_read_millis,"
	    "indices.shards.fatal_exception", used, cause));
}

/*
 * What the follower had received, per shard, of as many of names as fit
 * one request line (*used says how many): the promotion's record, trimmed
 * to the sequence numbers it keeps.
 */
int
es_call_record_stats_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, "/_ccr/stats?"
	    "filter_path=indices.index,indices.shards.shard_id,"
	    "indices.shards.leader_global_checkpoint,"
	    "indices.shards.follower_global_checkpoint,"
	    "indices.shards.leader_max_seq_no,"
	    "indices.shards.follower_max_seq_no", used, cause));
}

#define ES_INFO_FIELDS \
	"follower_indices.follower_index,follower_indices.remote_cluster," \
	"follower_indices.leader_index,follower_indices.status"

/*
 * CCR follower stats: of one index, or with index NULL of every follower
 * (GET /_ccr/stats, one request however many indices are configured).
 */
int
es_call_ccr_stats(struct es_call *call, const char *index, char **cause)
{
	if (index == NULL) {
		es_call_set(call, HTTP_GET, NULL, "/_ccr/stats?filter_path="
		    ES_STATS_FIELDS("follow_stats.indices."));
		return (0);
	}
	return (es_call_index(call, HTTP_GET, index, "/_ccr/stats"
	    "?filter_path=" ES_STATS_FIELDS("indices."), cause));
}

/*
 * Follow info: of one index, or with index NULL whether each follower is
 * active or paused (its leader is not needed to watch it, and would double
 * the answer).
 */
int
es_call_ccr_info(struct es_call *call, const char *index, char **cause)
{
	if (index == NULL) {
		es_call_set(call, HTTP_GET, NULL, "/_all/_ccr/info?filter_path="
		    "follower_indices.follower_index,follower_indices.status");
		return (0);
	}
	return (es_call_index(call, HTTP_GET, index, "/_ccr/info?filter_path="
	    ES_INFO_FIELDS, cause));
}

/*
 * Whom every follower on the cluster follows: the readiness check, which
 * unlike a poll needs the leader of each, not only its status.
 */
void
es_call_follow_info_all(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL, "/_all/_ccr/info?filter_path="
	    ES_INFO_FIELDS);
}

/*
 * Which of names (from the first, as many as fit one request line; *used
 * says how many) are still followers: the engine's check that an unfollow
 * took effect, asked of the follower cluster itself. A missing name refuses
 * the whole list (404).
 */
int
es_call_ccr_info_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, "/_ccr/info?"
	    "filter_path=follower_indices.follower_index,"
	    "follower_indices.status", used, cause));
}

/*
 * Whom each of names follows, as es_call_ccr_info asks it of one index,
 * over as many as fit one request line; *used says how many.
 */
int
es_call_follow_info_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, "/_ccr/info?"
	    "filter_path=" ES_INFO_FIELDS, used, cause));
}

/*
 * The active probe on 8.13+: GET /_resolve/cluster/<alias>:<index> makes
 * the follower contact the remote now. timeout_ms > 0 adds ?timeout= (8.18+).
 */
int
es_call_resolve_cluster(struct es_call *call, const char *alias,
    const char *index, uint64_t timeout_ms, char **cause)
{
	char	*a, *i;

	memset(call, 0, sizeof *call);
	if ((a = es_alias(alias, cause)) == NULL)
		return (-1);
	if ((i = es_name(index, cause)) == NULL) {
		free(a);
		return (-1);
	}
	if (timeout_ms > 0)
		es_call_set(call, HTTP_GET, NULL,
		    "/_resolve/cluster/%s:%s?timeout=%llums", a, i,
		    (unsigned long long)timeout_ms);
	else
		es_call_set(call, HTTP_GET, NULL, "/_resolve/cluster/%s:%s",
		    a, i);
	free(a);
	free(i);
	return (0);
}

/*
 * The active probe before 8.13: a size-0 cross-cluster search, whose
 * _clusters section says whether the remote answered (a _count would read
 * 0 from a skipped remote).
 */
int
es_call_probe_search(struct es_call *call, const char *alias,
    const char *index, char **cause)
{
	char	*a, *i;

	memset(call, 0, sizeof *call);
	if ((a = es_alias(alias, cause)) == NULL)
		return (-1);
	if ((i = es_name(index, cause)) == NULL) {
		free(a);
		return (-1);
	}
	es_call_set(call, HTTP_GET, NULL, "/%s:%s/_search?size=0"
	    "&filter_path=_clusters", a, i);
	free(a);
	free(i);
	return (0);
}

/* GET /[<alias>:]<index>/_count; alias NULL counts locally. */
int
es_call_count(struct es_call *call, const char *alias, const char *index,
    char **cause)
{
	char	*a = NULL, *i;

	memset(call, 0, sizeof *call);
	if (alias != NULL && (a = es_alias(alias, cause)) == NULL)
		return (-1);
	if ((i = es_name(index, cause)) == NULL) {
		free(a);
		return (-1);
	}
	es_call_set(call, HTTP_GET, NULL, "/%s%s%s/_count?filter_path=count",
	    a != NULL ? a : "", a != NULL ? ":" : "", i);
	free(a);
	free(i);
	return (0);
}

/*
 * Which of names (as many from the first as fit in one request line; *used
 * says how many) exist, open or closed: every index has index.uuid, and
 * ignore_unavailable leaves a missing one out of the answer instead of
 * failing the whole request with a 404 about the first.
 */
int
es_call_exists_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, "/_settings/index.uuid"
	    "?ignore_unavailable=true&flat_settings=true", used, cause));
}

/* POST /<index>/_ccr/pause_follow. */
int
es_call_pause_follow(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_POST, index, "/_ccr/pause_follow",
	    cause));
}

/* POST /<index>/_ccr/resume_follow. */
int
es_call_resume_follow(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_POST, index,
	    "/_ccr/resume_follow", cause));
}

/* POST /<index>/_ccr/unfollow. */
int
es_call_unfollow(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_POST, index, "/_ccr/unfollow",
	    cause));
}

/*
 * POST /<list>/_close. No ignore_unavailable: a missing index refuses the
 * whole list (404), so it is found and reported, never taken as closed.
 */
int
es_call_close(struct es_call *call, const char *const *names, size_t n,
    size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_POST, names, n, "/_close", used,
	    cause));
}

/* POST /<list>/_open; a missing index refuses the list likewise. */
int
es_call_open(struct es_call *call, const char *const *names, size_t n,
    size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_POST, names, n, "/_open", used,
	    cause));
}

/*
 * PUT /<follower>/_ccr/follow?wait_for_active_shards=0 following
 * <alias>:<leader>.
 */
int
es_call_follow(struct es_call *call, const char *follower, const char *alias,
    const char *leader, char **cause)
{
	json_t	*body;

	if (es_alias_valid(alias, cause) != 0 ||
	    es_name_valid(leader, cause) != 0)
		return (-1);
	if (es_call_index(call, HTTP_PUT, follower,
	    "/_ccr/follow?wait_for_active_shards=0", cause) != 0)
		return (-1);
	body = json_pack("{s:s, s:s}", "remote_cluster", alias,
	    "leader_index", leader);
	call->body = es_json_body(body);
	return (0);
}

/* Set "cluster.remote.<alias>.<key>" in a persistent settings object. */
static void
es_remote_key(json_t *settings, const char *alias, const char *key,
    json_t *value)
{
	char	*name;

	xasprintf(&name, "cluster.remote.%s.%s", alias, key);
	if (json_object_set_new(settings, name, value) != 0)
		fatalx("es: cannot build remote settings");
	free(name);
}

/*
 * PUT /_cluster/settings registering alias as a remote cluster. The other
 * mode's keys are nulled in the same request, as Elasticsearch requires
 * when a remote changes mode.
 */
int
es_call_remote_settings(struct es_call *call, const char *alias,
    const struct ccr_remote_config *rc, char **cause)
{
	json_t	*p, *seeds;
	size_t	 i;
	bool	 proxy;

	memset(call, 0, sizeof *call);
	if (es_alias_valid(alias, cause) != 0)
		return (-1);
	if (strchr(alias, '.') != NULL) {
		xasprintf(cause, "remote alias \"%s\" contains a dot", alias);
		return (-1);
	}
	if (rc->mode == NULL || (strcmp(rc->mode, "proxy") != 0 &&
	    strcmp(rc->mode, "sniff") != 0)) {
		xasprintf(cause, "remote %s: mode must be proxy or sniff",
		    alias);
		return (-1);
	}
	proxy = strcmp(rc->mode, "proxy") == 0;
	if (proxy && rc->proxy_address == NULL) {
		xasprintf(cause, "remote %s: proxy mode needs proxy_address",
		    alias);
		return (-1);
	}
	if (!proxy && rc->nseeds == 0) {
		xasprintf(cause, "remote %s: sniff mode needs seeds", alias);
		return (-1);
	}

	p = json_object();
	es_remote_key(p, alias, "mode", json_string(rc->mode));
	if (proxy) {
		es_remote_key(p, alias, "proxy_address",
		    json_string(rc->proxy_address));
		es_remote_key(p, alias, "server_name", rc->server_name != NULL ?
		    json_string(rc->server_name) : json_null());
		es_remote_key(p, alias, "proxy_socket_connections",
		    rc->proxy_socket_connections > 0 ?
		    json_integer(rc->proxy_socket_connections) : json_null());
		es_remote_key(p, alias, "seeds", json_null());
		es_remote_key(p, alias, "node_connections", json_null());
	} else {
		seeds = json_array();
		for (i = 0; i < rc->nseeds; i++)
			json_array_append_new(seeds, json_string(rc->seeds[i]));
		es_remote_key(p, alias, "seeds", seeds);
		es_remote_key(p, alias, "node_connections",
		    rc->node_connections > 0 ?
		    json_integer(rc->node_connections) : json_null());
		es_remote_key(p, alias, "proxy_address", json_null());
		es_remote_key(p, alias, "server_name", json_null());
		es_remote_key(p, alias, "proxy_socket_connections",
		    json_null());
	}
	es_remote_key(p, alias, "skip_unavailable",
	    json_boolean(rc->skip_unavailable));
	es_call_set(call, HTTP_PUT, es_json_body(json_pack("{s:o}",
	    "persistent", p)), "/_cluster/settings");
	return (0);
}

#define ES_SHARD_STATS	"/_stats?level=shards&filter_path=indices.*.uuid," \
	"indices.*.shards.*.routing.primary,indices.*.shards.*.seq_no"

/*
 * Primaries' sequence numbers: of one index, or with index NULL of every
 * index (one request however many are configured).
 */
int
es_call_shard_stats(struct es_call *call, const char *index, char **cause)
{
	if (index == NULL) {
		es_call_set(call, HTTP_GET, NULL, ES_SHARD_STATS);
		return (0);
	}
	return (es_call_index(call, HTTP_GET, index, ES_SHARD_STATS, cause));
}

/*
 * Primaries' sequence numbers of as many of names as fit one request line
 * (*used says how many). No ignore_unavailable: a missing or closed index
 * refuses the whole list rather than vanishing from the answer.
 */
int
es_call_shard_stats_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, ES_SHARD_STATS, used,
	    cause));
}

/* GET /<index>/_settings/index.xpack.ccr.following_index: a follower? */
int
es_call_following_setting(struct es_call *call, const char *index,
    char **cause)
{
	return (es_call_index(call, HTTP_GET, index, "/_settings/"
	    "index.xpack.ccr.following_index?flat_settings=true", cause));
}

/* HEAD /<index>: 200 exists (open or closed), 404 not. */
int
es_call_exists(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_HEAD, index, "", cause));
}

/* PUT /<index>/_block/write, before a clone keeps a copy. */
int
es_call_add_write_block(struct es_call *call, const char *index,
    char **cause)
{
	return (es_call_index(call, HTTP_PUT, index, "/_block/write",
	    cause));
}

/*
 * PUT /<a>,<b>,.../_block/write over as many of names as fit in one
 * request line; *used says how many. A missing index refuses the list.
 */
int
es_call_add_write_block_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_PUT, names, n, "/_block/write", used,
	    cause));
}

/* POST /<source>/_clone/<target>. */
int
es_call_clone(struct es_call *call, const char *source, const char *target,
    char **cause)
{
	char	*s, *t;

	memset(call, 0, sizeof *call);
	if ((s = es_name(source, cause)) == NULL)
		return (-1);
	if ((t = es_name(target, cause)) == NULL) {
		free(s);
		return (-1);
	}
	es_call_set(call, HTTP_POST, NULL, "/%s/_clone/%s", s, t);
	free(s);
	free(t);
	return (0);
}

/* DELETE /<index>: one concrete name, never a pattern. */
int
es_call_delete(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_DELETE, index, "", cause));
}

/*
 * DELETE /<list> of concrete names, as many as fit one request line
 * (*used says how many). A missing one refuses the whole list (404) and
 * deletes nothing, so each can then be deleted, or found gone, alone.
 */
int
es_call_delete_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_DELETE, names, n, "", used, cause));
}

/* GET /_ccr/auto_follow, trimmed to name, remote and state. */
void
es_call_auto_follow_list(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL, "/_ccr/auto_follow?filter_path="
	    "patterns.name,patterns.pattern.remote_cluster,"
	    "patterns.pattern.active");
}

/* An auto-follow pattern name: a path segment, escaped. */
static int
es_call_pattern(struct es_call *call, const char *name, const char *op,
    char **cause)
{
	char	*n;

	memset(call, 0, sizeof *call);
	if (*name == '\0' || strlen(name) > 255) {
		xasprintf(cause, "invalid auto-follow pattern name");
		return (-1);
	}
	n = xcalloc(3, strlen(name) + 1);
	es_escape(n, name);
	es_call_set(call, HTTP_POST, NULL, "/_ccr/auto_follow/%s/%s", n, op);
	free(n);
	return (0);
}

/* POST /_ccr/auto_follow/<name>/pause. */
int
es_call_auto_follow_pause(struct es_call *call, const char *name,
    char **cause)
{
	return (es_call_pattern(call, name, "pause", cause));
}

/* POST /_ccr/auto_follow/<name>/resume. */
int
es_call_auto_follow_resume(struct es_call *call, const char *name,
    char **cause)
{
	return (es_call_pattern(call, name, "resume", cause));
}

/*
 * Safety: what the daemon's credentials may do. One request names every
 * cluster privilege and, per index, every index privilege the actions
 * need; Elasticsearch answers for each one.
 */
int
es_call_has_privileges(struct es_call *call, const char *const *cluster,
    size_t ncluster, const char *const *indices, size_t nindices,
    const char *const *privileges, size_t nprivileges, char **cause)
{
	json_t	*body, *cl, *names, *privs;
	size_t	 i;

	memset(call, 0, sizeof *call);
	for (i = 0; i < nindices; i++) {
		if (es_name_valid(indices[i], cause) != 0)
			return (-1);
	}
	cl = json_array();
	for (i = 0; i < ncluster; i++)
		json_array_append_new(cl, json_string(cluster[i]));
	body = json_pack("{s:o}", "cluster", cl);
	if (nindices > 0 && nprivileges > 0) {
		names = json_array();
		for (i = 0; i < nindices; i++)
			json_array_append_new(names, json_string(indices[i]));
		privs = json_array();
		for (i = 0; i < nprivileges; i++)
			json_array_append_new(privs,
			    json_string(privileges[i]));
		json_object_set_new(body, "index", json_pack("[{s:o, s:o}]",
		    "names", names, "privileges", privs));
	}
	es_call_set(call, HTTP_POST, es_json_body(body),
	    "/_security/user/_has_privileges");
	return (0);
}

/*
 * GET /_cluster/health/<index>: whether one index's shards have started,
 * waiting at most timeout_ms for yellow (answered 408 when it is not).
 */
int
es_call_index_health(struct es_call *call, const char *index,
    uint64_t timeout_ms, char **cause)
{
	char	*n;

	memset(call, 0, sizeof *call);
	if ((n = es_name(index, cause)) == NULL)
		return (-1);
	es_call_set(call, HTTP_GET, NULL, "/_cluster/health/%s"
	    "?wait_for_status=yellow&timeout=%llums&filter_path="
	    "status,timed_out", n, (unsigned long long)timeout_ms);
	free(n);
	return (0);
}

/* PUT /<index>/_settings: lift the write block a switchover put on. */
int
es_call_remove_write_block(struct es_call *call, const char *index,
    char **cause)
{
	if (es_call_index(call, HTTP_PUT, index, "/_settings", cause) != 0)
		return (-1);
	call->body = es_json_body(json_pack("{s:b}", "index.blocks.write",
	    0));
	return (0);
}

/* GET /<a>,<b>/_stats/docs: the primaries' document counts of both. */
int
es_call_docs_count(struct es_call *call, const char *a, const char *b,
    char **cause)
{
	char	*na, *nb;

	memset(call, 0, sizeof *call);
	if ((na = es_name(a, cause)) == NULL)
		return (-1);
	if ((nb = es_name(b, cause)) == NULL) {
		free(na);
		return (-1);
	}
	es_call_set(call, HTTP_GET, NULL, "/%s,%s/_stats/docs?filter_path="
	    "indices.*.primaries.docs.count", na, nb);
	free(na);
	free(nb);
	return (0);
}

/* GET /_settings: every index's uuid, to pin those the daemon watches. */
void
es_call_index_uuids(struct es_call *call)
{
	es_call_set(call, HTTP_GET, NULL,
	    "/_settings?filter_path=*.settings.index.uuid");
}

/* GET /<index>/_settings/index.uuid: which index of that name is there. */
int
es_call_index_uuid(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_GET, index,
	    "/_settings/index.uuid?filter_path=*.settings.index.uuid", cause));
}

#define ES_RECOVERY	"/_recovery?filter_path=*.shards.stage," \
	"*.shards.index.size.total_in_bytes," \
	"*.shards.index.size.recovered_in_bytes"

/* GET /<index>/_recovery: how far each shard's copy (a restore) is. */
int
es_call_recovery(struct es_call *call, const char *index, char **cause)
{
	return (es_call_index(call, HTTP_GET, index, ES_RECOVERY, cause));
}

/* GET /<a>,<b>,.../_recovery over as many of names as fit in one line. */
int
es_call_recovery_list(struct es_call *call, const char *const *names,
    size_t n, size_t *used, char **cause)
{
	return (es_call_list(call, HTTP_GET, names, n, ES_RECOVERY, used,
	    cause));
}
