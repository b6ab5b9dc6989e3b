/*
 * Prometheus metrics in the text exposition format (version 0.0.4).
 *
 * Two kinds of figures. Counters and the poll duration histogram live in
 * this file's one process-wide table, bumped by one call at the narrowest
 * point where the thing happens, so nothing upstream has to carry them.
 * Gauges describe the daemon's view (state, roles, clusters, lag); the
 * daemon copies that view in with metrics_update after each change, and a
 * scrape formats the copy. A scrape therefore reads nothing the loop is
 * working on and costs one pass over the index pairs.
 *
 * ccr_failoverd_ready is 1 when the last poll reached both clusters and
 * nothing would keep the daemon from acting: no hold, no tilt, no anti-flap
 * block, and a state that is neither FAILED nor DEGRADED.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "status.h"
#include "xmalloc.h"

#define METRICS_PREFIX		"ccr_failoverd_"
#define METRICS_TIMEOUT_S	10	/* a scraper that stalls is dropped */
#define METRICS_HEADERS_MAX	8192
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Upper bounds of the poll duration histogram, in seconds: a round on a
 * LAN takes milliseconds, one that waits for a timeout takes seconds.
 */
static const double metrics_poll_le[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define METRICS_NBUCKETS \
	(sizeof metrics_poll_le / sizeof metrics_poll_le[0])

/* Requests by cluster and status code (or transport outcome). */
struct metrics_request {
	char		*cluster;
	char		 code[16];
	uint64_t	 n;
};

/* Hook runs by hook name and result. */
struct metrics_hook {
	char		*hook;
	const char	*result;
	uint64_t	 n;
};

enum metrics_result {
	METRICS_RESULT_SUCCESS,
	METRICS_RESULT_FAILURE,
	METRICS_RESULT_MAX
};

static const char *const metrics_result_names[METRICS_RESULT_MAX] = {
	"success", "failure"
};

/* The process-wide counters. */
static struct {
	struct metrics_request	*requests;
	size_t			 nrequests;
	struct metrics_hook	*hooks;
	size_t			 nhooks;

	uint64_t		 poll_buckets[METRICS_NBUCKETS];
	uint64_t		 poll_count;
	uint64_t		 poll_sum_ms;

	struct {
		uint64_t	 runs[METRICS_RESULT_MAX];
		uint64_t	 started_ms;
		bool		 finished;	/* last_ms is set */
		uint64_t	 last_ms;
	}			 actions[FSM_ACTION_MAX];

	bool			 promoted;	/* promotion_ms is set */
	uint64_t		 promotion_ms;	/* wall clock */
	int64_t			 lost_operations; /* -1: unknown */
} counters;

/*
 * Forget every process-wide count. The daemon counts for its whole life;
 * unit tests that share one process (valgrind runs Check without forking)
 * start each case from zero.
 */
void
metrics_counters_clear(void)
{
	size_t	i;

	for (i = 0; i < counters.nrequests; i++)
		free(counters.requests[i].cluster);
	for (i = 0; i < counters.nhooks; i++)
		free(counters.hooks[i].hook);
	free(counters.requests);
	free(counters.hooks);
	memset(&counters, 0, sizeof counters);
}

/* One index pair as the daemon last saw it. */
struct metrics_index {
	char		*names[CCR_CLUSTERS];	/* config order */
	int64_t		 lag_ops;		/* -1: unknown */
	uint64_t	 since_last_read_ms;	/* UINT64_MAX: unknown */
};

struct metrics {
	struct evhttp		*http;
	char			 address[64];

	/* The daemon's view, copied in by metrics_update. */
	bool			 have_view;
	enum fsm_state		 state;
	bool			 held;
	bool			 ready;
	enum fsm_action		 pending;
	char			*clusters[CCR_CLUSTERS];
	int			 leader;
	bool			 polled;
	bool			 reachable[CCR_CLUSTERS];
	unsigned int		 failures[CCR_CLUSTERS];
	struct metrics_index	*indices;
	size_t			 nindices;
};

/*
 * Count one HTTP exchange with cluster: code is the status, or failure,
 * what went wrong when no usable answer came (NULL when one did).
 * Unlabelled requests (a client nobody named) are not counted.
 */
void
metrics_count_request(const char *cluster, long status, const char *failure)
{
	struct metrics_request	*r;
	char			 code[16];
	size_t			 i;

	if (cluster == NULL)
		return;
	if (failure == NULL)
		snprintf(code, sizeof code, "%ld", status);
	else
		snprintf(code, sizeof code, "%s", failure);
	for (i = 0; i < counters.nrequests; i++) {
		r = &counters.requests[i];
		if (strcmp(r->code, code) == 0 &&
		    strcmp(r->cluster, cluster) == 0) {
			r->n++;
			return;
		}
	}
	counters.requests = xreallocarray(counters.requests,
	    counters.nrequests + 1, sizeof *counters.requests);
	r = &counters.requests[counters.nrequests++];
	r->cluster = xstrdup(cluster);
	memcpy(r->code, code, sizeof r->code);
	r->n = 1;
}

/*
 * Count a finished hook: success (exit 0), failure (non-zero exit or a
 * signal), timeout (killed after its timeout) or error (never ran: it
 * could not be started, or the queue was full).
 */
void
metrics_count_hook(const char *hook, enum hook_outcome outcome,
    int exit_status)
{
	struct metrics_hook	*h;
	const char		*result;
	size_t			 i;

	switch (outcome) {
	case HOOK_OUTCOME_EXITED:
		result = exit_status == 0 ? "success" : "failure";
		break;
	case HOOK_OUTCOME_SIGNALED:
		result = "failure";
		break;
	case HOOK_OUTCOME_TIMED_OUT:
		result = "timeout";
		break;
	default:
		result = "error";
		break;
	}
	for (i = 0; i < counters.nhooks; i++) {
		h = &counters.hooks[i];
		if (h->result == result && strcmp(h->hook, hook) == 0) {
			h->n++;
			return;
		}
	}
	counters.hooks = xreallocarray(counters.hooks, counters.nhooks + 1,
	    sizeof *counters.hooks);
	h = &counters.hooks[counters.nhooks++];
	h->hook = xstrdup(hook);
	h->result = result;
	h->n = 1;
}

/* A poll round took duration_ms, from launch to its observation. */
void
metrics_poll_round(uint64_t duration_ms)
{
	size_t	i;

	for (i = 0; i < METRICS_NBUCKETS; i++) {
		if ((double)duration_ms / 1000 <= metrics_poll_le[i])
			counters.poll_buckets[i]++;
	}
	counters.poll_count++;
	counters.poll_sum_ms += duration_ms;
}

/* An action started, or resumed after a restart. */
void
metrics_action_started(enum fsm_action kind)
{
	if (kind <= FSM_ACTION_NONE || kind >= FSM_ACTION_MAX)
		return;
	counters.actions[kind].started_ms = monotime_ms();
}

/*
 * An action ended, ok or not, with done indices done. A promotion that
 * promoted any index is the last promotion, with the operations it lost
 * (-1: unknown).
 */
void
metrics_action_finished(enum fsm_action kind, size_t done, bool ok,
    int64_t lost_operations)
{
	struct timespec	now;

	if (kind <= FSM_ACTION_NONE || kind >= FSM_ACTION_MAX)
		return;
	counters.actions[kind].runs[ok ? METRICS_RESULT_SUCCESS :
	    METRICS_RESULT_FAILURE]++;
	counters.actions[kind].last_ms = monotime_ms() -
	    counters.actions[kind].started_ms;
	counters.actions[kind].finished = true;
	if (kind == FSM_ACTION_PROMOTE && done > 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		counters.promoted = true;
		counters.promotion_ms = (uint64_t)now.tv_sec * 1000 +
		    (uint64_t)now.tv_nsec / 1000000;
		counters.lost_operations = lost_operations;
	}
}

/* Append a label value, escaped as the exposition format wants. */
static void
metrics_label(struct evbuffer *b, const char *v)
{
	size_t	span;

	while (*v != '\0') {
		span = strcspn(v, "\\\"\n");
		evbuffer_add(b, v, span);
		v += span;
		switch (*v) {
		case '\\':
			evbuffer_add(b, "\\\\", 2);
			break;
		case '"':
			evbuffer_add(b, "\\\"", 2);
			break;
		case '\n':
			evbuffer_add(b, "\\n", 2);
			break;
		default:
			return;
		}
		v++;
	}
}

/* "# HELP" and "# TYPE" lines of a family. */
static void
metrics_family(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP " METRICS_PREFIX "%s %s\n"
	    "# TYPE " METRICS_PREFIX "%s %s\n", name, help, name, type);
}

/* A sample line with one label. */
static void
metrics_sample1(struct evbuffer *b, const char *name, const char *label,
    const char *value, const char *number)
{
	evbuffer_add_printf(b, METRICS_PREFIX "%s{%s=\"", name, label);
	metrics_label(b, value);
	evbuffer_add_printf(b, "\"} %s\n", number);
}

/* A sample line with two labels. */
static void
metrics_sample2(struct evbuffer *b, const char *name, const char *label1,
    const char *value1, const char *label2, const char *value2,
    const char *number)
{
	evbuffer_add_printf(b, METRICS_PREFIX "%s{%s=\"", name, label1);
	metrics_label(b, value1);
	evbuffer_add_printf(b, "\",%s=\"", label2);
	metrics_label(b, value2);
	evbuffer_add_printf(b, "\"} %s\n", number);
}

/* Milliseconds as seconds, exactly. */
static const char *
metrics_seconds(char *buf, size_t len, uint64_t ms)
{
	snprintf(buf, len, "%" PRIu64 ".%03u", ms / 1000,
	    (unsigned int)(ms % 1000));
	return (buf);
}

/* A counter's value as text. */
static const char *
metrics_u64(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%" PRIu64, v);
	return (buf);
}

/* The gauges of the daemon's view. */
static void
metrics_format_view(const struct metrics *m, struct evbuffer *b)
{
	const struct metrics_index	*mi;
	enum fsm_state			 s;
	enum fsm_action			 a;
	char				 n[32];
	size_t				 i;
	int				 c, f = 1 - m->leader;

	metrics_family(b, "state", "gauge",
	    "The failover state: 1 for the current state, 0 for the others.");
	for (s = 0; s < FSM_STATE_MAX; s++)
		metrics_sample1(b, "state", "state", fsm_state_name(s),
		    s == m->state ? "1" : "0");
	metrics_family(b, "held", "gauge",
	    "1 while an operator's hold stops every automatic action.");
	evbuffer_add_printf(b, METRICS_PREFIX "held %d\n", m->held);
	metrics_family(b, "ready", "gauge",
	    "1 when the last poll reached both clusters and nothing keeps the "
	    "daemon from acting.");
	evbuffer_add_printf(b, METRICS_PREFIX "ready %d\n", m->ready);
	metrics_family(b, "pending_action", "gauge",
	    "1 for the action waiting for an operator's confirmation.");
	for (a = FSM_ACTION_NONE + 1; a < FSM_ACTION_MAX; a++)
		metrics_sample1(b, "pending_action", "action",
		    fsm_action_name(a), a == m->pending ? "1" : "0");

	metrics_family(b, "cluster_reachable", "gauge",
	    "1 when the cluster answered _cluster/health in the last poll.");
	for (c = 0; m->polled && c < CCR_CLUSTERS; c++)
		metrics_sample2(b, "cluster_reachable", "cluster",
		    m->clusters[c], "role", c == m->leader ? "leader" :
		    "follower", m->reachable[c] ? "1" : "0");
	metrics_family(b, "cluster_consecutive_failures", "gauge",
	    "Polls in a row in which the cluster could not be reached.");
	for (c = 0; c < CCR_CLUSTERS; c++)
		metrics_sample1(b, "cluster_consecutive_failures", "cluster",
		    m->clusters[c], metrics_u64(n, sizeof n, m->failures[c]));

	metrics_family(b, "follower_lag_operations", "gauge",
	    "Operations the follower index has yet to replicate, summed over "
	    "its shards.");
	for (i = 0; m->polled && i < m->nindices; i++) {
		mi = &m->indices[i];
		if (mi->lag_ops < 0)
			continue;
		metrics_sample2(b, "follower_lag_operations", "leader_index",
		    mi->names[m->leader], "follower_index", mi->names[f],
		    metrics_u64(n, sizeof n, (uint64_t)mi->lag_ops));
	}
	metrics_family(b, "follower_time_since_last_read_seconds", "gauge",
	    "Time since the follower index last read from its leader, "
	    "longest over its shards, as of its last sample.");
	for (i = 0; m->polled && i < m->nindices; i++) {
		mi = &m->indices[i];
		if (mi->since_last_read_ms == UINT64_MAX)
			continue;
		metrics_sample1(b, "follower_time_since_last_read_seconds",
		    "follower_index", mi->names[f],
		    metrics_seconds(n, sizeof n, mi->since_last_read_ms));
	}
}

/* The process-wide counters and the histogram. */
static void
metrics_format_counters(struct evbuffer *b)
{
	const struct metrics_request	*r;
	const struct metrics_hook	*h;
	enum fsm_action			 a;
	char				 n[32], le[32];
	size_t				 i;

	metrics_family(b, "poll_duration_seconds", "histogram",
	    "Time from the start of a poll round to its observation.");
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		snprintf(le, sizeof le, "%g", metrics_poll_le[i]);
		metrics_sample1(b, "poll_duration_seconds_bucket", "le", le,
		    metrics_u64(n, sizeof n, counters.poll_buckets[i]));
	}
	metrics_sample1(b, "poll_duration_seconds_bucket", "le", "+Inf",
	    metrics_u64(n, sizeof n, counters.poll_count));
	evbuffer_add_printf(b, METRICS_PREFIX "poll_duration_seconds_sum %s\n",
	    metrics_seconds(n, sizeof n, counters.poll_sum_ms));
	evbuffer_add_printf(b, METRICS_PREFIX
	    "poll_duration_seconds_count %" PRIu64 "\n", counters.poll_count);

	metrics_family(b, "requests_total", "counter",
	    "HTTP requests to Elasticsearch by cluster and status code, or "
	    "timeout, refused, too-big or failed when no answer came.");
	for (i = 0; i < counters.nrequests; i++) {
		r = &counters.requests[i];
		metrics_sample2(b, "requests_total", "cluster", r->cluster,
		    "code", r->code, metrics_u64(n, sizeof n, r->n));
	}

	metrics_family(b, "actions_total", "counter",
	    "Promotions, failbacks and switchovers run, by result.");
	for (a = FSM_ACTION_NONE + 1; a < FSM_ACTION_MAX; a++) {
		for (i = 0; i < METRICS_RESULT_MAX; i++)
			metrics_sample2(b, "actions_total", "action",
			    fsm_action_name(a), "result",
			    metrics_result_names[i], metrics_u64(n, sizeof n,
			    counters.actions[a].runs[i]));
	}
	metrics_family(b, "action_duration_seconds", "gauge",
	    "How long the last action of each kind ran.");
	for (a = FSM_ACTION_NONE + 1; a < FSM_ACTION_MAX; a++) {
		if (counters.actions[a].finished)
			metrics_sample1(b, "action_duration_seconds", "action",
			    fsm_action_name(a), metrics_seconds(n, sizeof n,
			    counters.actions[a].last_ms));
	}
	metrics_family(b, "last_promotion_timestamp_seconds", "gauge",
	    "When the last promotion finished, in seconds since the epoch.");
	if (counters.promoted)
		evbuffer_add_printf(b, METRICS_PREFIX
		    "last_promotion_timestamp_seconds %s\n",
		    metrics_seconds(n, sizeof n, counters.promotion_ms));
	metrics_family(b, "last_promotion_lost_operations", "gauge",
	    "Operations the lost leader had that the last promotion's "
	    "follower never received.");
	if (counters.promoted && counters.lost_operations >= 0)
		evbuffer_add_printf(b, METRICS_PREFIX
		    "last_promotion_lost_operations %" PRId64 "\n",
		    counters.lost_operations);

	metrics_family(b, "hook_runs_total", "counter",
	    "Hook runs by hook and result (success, failure, timeout, error).");
	for (i = 0; i < counters.nhooks; i++) {
		h = &counters.hooks[i];
		metrics_sample2(b, "hook_runs_total", "hook", h->hook,
		    "result", h->result, metrics_u64(n, sizeof n, h->n));
	}
	metrics_family(b, "build_info", "gauge",
	    "Always 1; the version is in the label.");
	metrics_sample1(b, "build_info", "version", PACKAGE_VERSION, "1");
}

/* The whole exposition. */
void
metrics_format(const struct metrics *m, struct evbuffer *b)
{
	if (m->have_view)
		metrics_format_view(m, b);
	metrics_format_counters(b);
}

/* Replace *slot with a copy of s unless it already holds s. */
static void
metrics_keep(char **slot, const char *s)
{
	if (*slot != NULL && strcmp(*slot, s) == 0)
		return;
	free(*slot);
	*slot = xstrdup(s);
}

/*
 * Copy the daemon's view, the one status.json is built from: the machine,
 * the configuration's names, the current leader and the last round's
 * clusters and indices. now_ms is the monotonic time, for the anti-flap
 * block.
 */
void
metrics_update(struct metrics *m, const struct status_view *v,
    uint64_t now_ms)
{
	const struct ccr_config	*cfg = v->config;
	const struct fsm	*f = v->fsm;
	struct metrics_index	*mi;
	size_t			 i;
	int			 c;

	if (m == NULL)
		return;
	m->have_view = true;
	m->state = f->state;
	m->held = f->held;
	m->pending = f->pending;
	m->leader = v->leader;
	m->polled = v->polled;
	for (c = 0; c < CCR_CLUSTERS; c++) {
		metrics_keep(&m->clusters[c], cfg->clusters[c].name);
		m->reachable[c] = m->polled && v->seen[c].reachable;
		m->failures[c] = c == v->leader ? f->leader_failures :
		    f->follower_failures;
	}
	if (m->nindices != cfg->nindices) {
		for (i = cfg->nindices; i < m->nindices; i++) {
			free(m->indices[i].names[0]);
			free(m->indices[i].names[1]);
		}
		m->indices = xreallocarray(m->indices, cfg->nindices + 1,
		    sizeof *m->indices);
		for (i = m->nindices; i < cfg->nindices; i++)
			memset(&m->indices[i], 0, sizeof m->indices[i]);
		m->nindices = cfg->nindices;
	}
	for (i = 0; i < m->nindices; i++) {
		mi = &m->indices[i];
		metrics_keep(&mi->names[0], cfg->indices[i].leader_index);
		metrics_keep(&mi->names[1], cfg->indices[i].follower_index);
		mi->lag_ops = m->polled ? v->seen_indices[i].lag_ops : -1;
		mi->since_last_read_ms = m->polled ?
		    v->seen_indices[i].since_last_read_ms : UINT64_MAX;
	}
	m->ready = m->polled && m->reachable[0] && m->reachable[1] &&
	    !f->held && !f->tilt && !fsm_blocked(f, now_ms) &&
	    f->state != FSM_STATE_FAILED && f->state != FSM_STATE_DEGRADED;
}

/* GET or HEAD /metrics; anything else is not here. */
static void
metrics_serve(struct evhttp_request *req, void *arg)
{
	const struct metrics	*m = arg;
	const char		*path;
	struct evbuffer		*b;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	metrics_format(m, b);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* The address a socket is bound to, as HOST:PORT. */
static void
metrics_bound(evutil_socket_t fd, char *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(buf, len, "?");
		return;
	}
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host,
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
		    host, sizeof host);
		snprintf(buf, len, "%s:%u", host,
		    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
}

/*
 * Serve /metrics where the configuration says (metrics_listen, parsed into
 * metrics_host and metrics_port by config.c; port 0 takes any free one)
 * from base's loop, and log the address. Without metrics_listen *ret is
 * NULL: nothing is served.
 */
int
metrics_create(struct event_base *base, const struct ccr_config *cfg,
    struct metrics **ret, char **cause)
{
	struct metrics			*m;
	struct evhttp_bound_socket	*bound;

	*ret = NULL;
	if (cfg->metrics_listen == NULL)
		return (0);
	m = xcalloc(1, sizeof *m);
	if ((m->http = evhttp_new(base)) == NULL) {
		xasprintf(cause, "metrics: cannot create the HTTP server");
		free(m);
		return (-1);
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, METRICS_HEADERS_MAX);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_gencb(m->http, metrics_serve, m);
	if ((bound = evhttp_bind_socket_with_handle(m->http, cfg->metrics_host,
	    (ev_uint16_t)cfg->metrics_port)) == NULL) {
		xasprintf(cause, "metrics_listen %s: cannot listen: %s",
		    cfg->metrics_listen, strerror(errno));
		evhttp_free(m->http);
		free(m);
		return (-1);
	}
	metrics_bound(evhttp_bound_socket_get_fd(bound), m->address,
	    sizeof m->address);
	log_info("metrics: serving http://%s/metrics", m->address);
	*ret = m;
	return (0);
}

/*
 * A reload keeps the listening socket: a new metrics_listen takes a
 * restart, like renamed clusters do.
 */
int
metrics_reload_check(const struct ccr_config *old,
    const struct ccr_config *new, char **cause)
{
	const char	*a = old->metrics_listen, *b = new->metrics_listen;

	if ((a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0))
		return (0);
	xasprintf(cause, "metrics_listen changed; restart the daemon to "
	    "change it");
	return (-1);
}

/* Stop serving and free the view; the counters stay with the process. */
void
metrics_free(struct metrics *m)
{
	size_t	i;
	int	c;

	if (m == NULL)
		return;
	evhttp_free(m->http);
	for (c = 0; c < CCR_CLUSTERS; c++)
		free(m->clusters[c]);
	for (i = 0; i < m->nindices; i++) {
		free(m->indices[i].names[0]);
		free(m->indices[i].names[1]);
	}
	free(m->indices);
	free(m);
}
