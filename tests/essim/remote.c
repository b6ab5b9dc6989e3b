/*
 * The outgoing side of essim: remote clusters as configured in
 * cluster.remote.<alias>.* (a remote's proxy_address, or its first seed, is
 * the HTTP address of the peer essim), calls to them with libevent's HTTP
 * client on the server's loop, the "connected" flag of _remote/info, and the
 * shard follow tasks that pull operations from leaders.
 *
 * Connection state follows Elasticsearch's transport: when a remote is
 * configured essim connects once and keeps one idle held request open (the
 * peer parks GET /_essim/ccr/hold). If that connection breaks (the peer
 * died or refuses) the remote is disconnected and stays so until something
 * uses it again and succeeds; a peer that hangs leaves it connected while
 * the requests that use it time out.
 *
 * Shard follow tasks: every tick, each remote with active followers gets
 * one batched read (POST /_essim/ccr/changes on the peer) covering every
 * shard of every active follower of that remote, long-polled for the
 * smallest read_poll_timeout among them and returning per shard at most the
 * smallest max_read_request_operation_count. Results are applied through the
 * model; failures are recorded per shard and retried with exponential
 * backoff capped at max_retry_delay (500ms), as Elasticsearch does.
 *
 * Auto-follow: once a second, each remote named by an active pattern is
 * asked for its index list (GET /_essim/ccr/indices) and the model creates
 * followers for new matches.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "essim.h"
#include "log.h"
#include "xmalloc.h"

#define REMOTE_HOLD_TIMEOUT_S	86400
#define REMOTE_MAX_RETRY_MS	500
#define REMOTE_MIN_RETRY_MS	50
/* Follow changes restart a remote's read at most this often. */
#define REMOTE_CANCEL_MS	500

struct remote_call {
	TAILQ_ENTRY(remote_call)	 entry;
	struct essim			*es;
	struct remote			*r;
	char				*alias;
	struct evhttp_connection	*conn;
	struct event			*timer;
	enum remote_outcome		 preset;	/* timer-ended calls */
	int				 timed_out;
	int				 timeout_ms;
	uint64_t			 start_ms;
	remote_cb			 cb;
	void				*arg;
};
TAILQ_HEAD(remote_call_list, remote_call);

struct remote {
	TAILQ_ENTRY(remote)	 entry;
	char			*alias;
	char			*address;
	char			*host;
	int			 port;
	int			 connected;
	int			 reading;
	int			 af_fetching;
	uint64_t		 next_read_ms;
	uint64_t		 cancel_ms;
	int			 backoff_ms;
	struct remote_call	*hold;
	struct remote_call	*read;
	struct remote_call_list	 calls;
};

/* One shard of a batched read, to find it again when the answer comes. */
struct remote_target {
	char	*index;
	char	 uuid[ES_UUID_LEN + 1];
	int	 shard;
};

struct remote_read {
	struct essim		*es;
	struct remote		*r;
	struct remote_target	*targets;
	size_t			 ntargets;
};

static void	remote_hold_start(struct essim *, struct remote *);

/* Where calls to an alias that is not configured wait for their answer. */
static struct remote	remote_none = { .alias = (char *)"",
			    .address = (char *)"" };

/* The remote of an alias, or NULL. */
static struct remote *
remote_find(struct essim *es, const char *alias)
{
	struct remote	*r;

	TAILQ_FOREACH(r, &es->remotes, entry) {
		if (strcmp(r->alias, alias) == 0)
			return (r);
	}
	return (NULL);
}

/* Free connections whose request has finished, outside their callbacks. */
static void
remote_reap(evutil_socket_t fd, short events, void *arg)
{
	struct essim	*es = arg;
	size_t		 i;

	(void)fd;
	(void)events;
	for (i = 0; i < es->ndead; i++)
		evhttp_connection_free(es->dead[i]);
	free(es->dead);
	es->dead = NULL;
	es->ndead = 0;
}

/* Queue a finished connection for freeing on the next loop pass. */
static void
remote_bury(struct essim *es, struct evhttp_connection *conn)
{
	struct timeval	tv = { 0, 0 };

	if (conn == NULL)
		return;
	es->dead = xreallocarray(es->dead, es->ndead + 1, sizeof *es->dead);
	es->dead[es->ndead++] = conn;
	event_add(es->reaper, &tv);
}

/* End a call: update the connected flag, run the callback, free it. */
static void
remote_finish(struct remote_call *call, enum remote_outcome outcome,
    int status, json_t *body)
{
	struct essim		*es = call->es;
	struct remote		*r = call->r;
	struct remote_result	 res;
	int			 was_hold = call == r->hold;

	TAILQ_REMOVE(&r->calls, call, entry);
	if (outcome == REMOTE_REFUSED)
		r->connected = 0;
	else if (outcome == REMOTE_OK && !was_hold)
		r->connected = 1;
	memset(&res, 0, sizeof res);
	res.outcome = outcome;
	res.status = status;
	res.body = body;
	res.alias = call->alias;
	res.address = r->address;
	res.elapsed_ms = essim_now_ms() - call->start_ms;
	if (call->cb != NULL)
		call->cb(call->arg, &res);
	json_decref(body);
	if (call->timer != NULL)
		event_free(call->timer);
	remote_bury(es, call->conn);
	free(call->alias);
	free(call);
	if (outcome == REMOTE_OK && !was_hold && r->hold == NULL &&
	    remote_find(es, r->alias) == r)
		remote_hold_start(es, r);
}

/* Remember that a request failed by timing out. */
static void
remote_http_error(enum evhttp_request_error error, void *arg)
{
	struct remote_call	*call = arg;

	if (error == EVREQ_HTTP_TIMEOUT)
		call->timed_out = 1;
}

/* The HTTP client's completion: classify it and end the call. */
static void
remote_http_done(struct evhttp_request *req, void *arg)
{
	struct remote_call	*call = arg;
	struct evbuffer		*buf;
	json_t			*body = NULL;
	size_t			 len;
	char			*text;
	int			 code;

	code = req == NULL ? 0 : evhttp_request_get_response_code(req);
	if (code == 0) {
		remote_finish(call, call->timed_out ? REMOTE_TIMEOUT :
		    REMOTE_REFUSED, 0, NULL);
		return;
	}
	buf = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(buf);
	text = xmalloc(len + 1);
	evbuffer_remove(buf, text, len);
	text[len] = '\0';
	body = json_loads(text, JSON_DECODE_ANY, NULL);
	free(text);
	remote_finish(call, REMOTE_OK, code, body);
}

/* A call ended by a timer (cut link, unknown alias). */
static void
remote_timer_done(evutil_socket_t fd, short events, void *arg)
{
	struct remote_call	*call = arg;

	(void)fd;
	(void)events;
	remote_finish(call, call->preset, 0, NULL);
}

/* End a call after a delay with a preset outcome (cut links, no alias). */
static void
remote_call_later(struct remote_call *call, enum remote_outcome outcome,
    int delay_ms)
{
	struct timeval	tv;

	call->preset = outcome;
	call->timer = evtimer_new(call->es->base, remote_timer_done, call);
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(call->timer, &tv);
}

/* Send one request on a fresh connection; its answer ends the call. */
static int
remote_send(struct remote_call *call, enum evhttp_cmd_type method,
    const char *path, json_t *body, int timeout_ms)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*h;
	struct bufferevent	*bev;
	struct timeval		 tv;
	char			*text, hostport[300];

	if ((bev = tls_client_bev(call->es)) != NULL)
		call->conn = evhttp_connection_base_bufferevent_new(
		    call->es->base, NULL, bev, call->r->host,
		    (ev_uint16_t)call->r->port);
	else
		call->conn = evhttp_connection_base_new(call->es->base, NULL,
		    call->r->host, (ev_uint16_t)call->r->port);
	if (call->conn == NULL)
		return (-1);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(call->conn, &tv);
	evhttp_connection_set_retries(call->conn, 0);
	req = evhttp_request_new(remote_http_done, call);
	evhttp_request_set_error_cb(req, remote_http_error);
	h = evhttp_request_get_output_headers(req);
	snprintf(hostport, sizeof hostport, "%s:%d", call->r->host,
	    call->r->port);
	evhttp_add_header(h, "Host", hostport);
	evhttp_add_header(h, ESSIM_PEER_HEADER, call->es->cluster->name);
	if (body != NULL) {
		evhttp_add_header(h, "Content-Type", "application/json");
		if ((text = json_dumps(body, JSON_COMPACT |
		    JSON_ENCODE_ANY)) != NULL) {
			evbuffer_add(evhttp_request_get_output_buffer(req),
			    text, strlen(text));
			free(text);
		}
	}
	if (evhttp_make_request(call->conn, req, method, path) == -1)
		return (-1);
	return (0);
}

/*
 * Call a remote cluster with an optional JSON body (stolen): the callback
 * always runs later, once, with the outcome. A cut link answers as the cut
 * says (refused at once, or a timeout after timeout_ms).
 */
void
remote_call(struct essim *es, const char *alias, enum evhttp_cmd_type method,
    const char *path, json_t *body, int timeout_ms, remote_cb cb, void *arg)
{
	struct remote		*r;
	struct remote_call	*call;
	enum link_cut		 cut;

	call = xcalloc(1, sizeof *call);
	call->es = es;
	call->alias = xstrdup(alias);
	call->cb = cb;
	call->arg = arg;
	call->start_ms = essim_now_ms();
	call->timeout_ms = timeout_ms;
	if ((r = remote_find(es, alias)) == NULL)
		r = &remote_none;
	call->r = r;
	TAILQ_INSERT_TAIL(&r->calls, call, entry);
	if (r == &remote_none) {
		json_decref(body);
		remote_call_later(call, REMOTE_NO_ALIAS, 0);
		return;
	}
	cut = fault_link_use(es, alias);
	if (cut == LINK_REFUSE)
		remote_call_later(call, REMOTE_REFUSED, 0);
	else if (cut == LINK_HANG)
		remote_call_later(call, REMOTE_TIMEOUT, timeout_ms);
	else if (remote_send(call, method, path, body, timeout_ms) == -1) {
		remote_bury(es, call->conn);
		call->conn = NULL;
		remote_call_later(call, REMOTE_REFUSED, 0);
	}
	json_decref(body);
}

/*
 * A standing link cut reaches the calls already in flight too: a firewall
 * that rejects resets the established transport connection, so they fail
 * at once; one that drops leaves them unanswered until their timeout.
 * Either way no answer comes through the cut any more (a long-poll parked
 * on the leader does not deliver a write made after the cut).
 */
void
remote_cut_in_flight(struct essim *es, const char *alias, enum link_cut cut)
{
	struct remote		*r;
	struct remote_call	*call;
	uint64_t		 waited;

	if (cut == LINK_OK)
		return;
	TAILQ_FOREACH(r, &es->remotes, entry) {
		if (alias != NULL && strcmp(alias, r->alias) != 0)
			continue;
		TAILQ_FOREACH(call, &r->calls, entry) {
			if (call->conn == NULL || call->timer != NULL)
				continue;
			evhttp_connection_free(call->conn);
			call->conn = NULL;
			waited = essim_now_ms() - call->start_ms;
			if (cut == LINK_REFUSE)
				remote_call_later(call, REMOTE_REFUSED, 0);
			else
				remote_call_later(call, REMOTE_TIMEOUT,
				    waited < (uint64_t)call->timeout_ms ?
				    call->timeout_ms - (int)waited : 0);
		}
	}
}

/* The held request ended: unless it only timed out, the link is gone. */
static void
remote_hold_done(void *arg, struct remote_result *res)
{
	struct remote	*r = arg;

	r->hold = NULL;
	if (res->outcome != REMOTE_TIMEOUT)
		r->connected = 0;
}

/* Open the idle held request that stands for the transport connection. */
static void
remote_hold_start(struct essim *es, struct remote *r)
{
	struct remote_call	*last;

	if (r->hold != NULL || es->link_cut != LINK_OK)
		return;
	remote_call(es, r->alias, EVHTTP_REQ_GET, "/_essim/ccr/hold", NULL,
	    REMOTE_HOLD_TIMEOUT_S * 1000, remote_hold_done, r);
	last = TAILQ_LAST(&r->calls, remote_call_list);
	if (last != NULL && last->cb == remote_hold_done)
		r->hold = last;
}

/* End every call of a remote (freeing their connections) with outcome. */
static void
remote_fail_calls(struct essim *es, struct remote *r,
    enum remote_outcome outcome)
{
	struct remote_call	*call;

	while ((call = TAILQ_FIRST(&r->calls)) != NULL) {
		if (call->conn != NULL) {
			evhttp_connection_free(call->conn);
			call->conn = NULL;
		}
		if (call == r->hold)
			r->hold = NULL;
		if (call == r->read)
			r->read = NULL;
		remote_finish(call, outcome, 0, NULL);
	}
	(void)es;
}

/* Free a remote (its calls are already ended). */
static void
remote_free(struct remote *r)
{
	free(r->alias);
	free(r->address);
	free(r->host);
	free(r);
}

/* Split host:port; -1 if it is not one. */
static int
remote_split(const char *address, char **host, int *port)
{
	const char	*colon;
	char		*end;
	long		 p;

	if ((colon = strrchr(address, ':')) == NULL || colon == address)
		return (-1);
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p <= 0 || p > 65535)
		return (-1);
	*host = xstrndup(address, colon - address);
	*port = (int)p;
	return (0);
}

/*
 * Reconcile the remotes with the cluster settings: new or moved aliases
 * connect (in the background, as Elasticsearch does), removed ones end
 * their calls with "no such remote cluster".
 */
void
remote_sync(struct essim *es)
{
	json_t		*aliases;
	const char	*alias;
	json_t		*v;
	struct remote	*r, *next;
	char		*address, *host;
	int		 port;

	aliases = sim_remote_aliases(es->cluster);
	for (r = TAILQ_FIRST(&es->remotes); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		address = NULL;
		if (json_object_get(aliases, r->alias) != NULL &&
		    sim_remote_address(es->cluster, r->alias, &address) == 0 &&
		    strcmp(address, r->address) == 0) {
			free(address);
			continue;
		}
		free(address);
		TAILQ_REMOVE(&es->remotes, r, entry);
		remote_fail_calls(es, r, REMOTE_NO_ALIAS);
		remote_free(r);
	}
	json_object_foreach(aliases, alias, v) {
		if (remote_find(es, alias) != NULL ||
		    sim_remote_address(es->cluster, alias, &address) == -1)
			continue;
		if (remote_split(address, &host, &port) == -1) {
			log_warnx("remote %s: address %s is not host:port",
			    alias, address);
			free(address);
			continue;
		}
		r = xcalloc(1, sizeof *r);
		r->alias = xstrdup(alias);
		r->address = address;
		r->host = host;
		r->port = port;
		TAILQ_INIT(&r->calls);
		TAILQ_INSERT_TAIL(&es->remotes, r, entry);
		/* The handshake: remote_finish sets the connected flag. */
		remote_call(es, alias, EVHTTP_REQ_GET, "/", NULL,
		    es->opt.transport_timeout_ms, NULL, NULL);
	}
	json_decref(aliases);
}

/* The connected flag of _remote/info for an alias. */
int
remote_connected(struct essim *es, const char *alias)
{
	struct remote	*r;

	return ((r = remote_find(es, alias)) != NULL && r->connected);
}

/* GET /_remote/info. */
json_t *
remote_info(struct essim *es)
{
	struct sim_cluster	*c = es->cluster;
	json_t			*aliases, *out, *seeds, *v;
	const char		*alias, *mode, *s;
	int			 conn, n;
	char			*key;

	out = json_object();
	aliases = sim_remote_aliases(c);
	json_object_foreach(aliases, alias, v) {
		conn = remote_connected(es, alias);
		mode = sim_remote_setting(c, alias, "mode");
		s = sim_remote_setting(c, alias, "skip_unavailable");
		if (mode != NULL && strcmp(mode, "proxy") == 0) {
			n = (s = sim_remote_setting(c, alias,
			    "proxy_socket_connections")) != NULL ? atoi(s) : 18;
			json_object_set_new(out, alias, json_pack(
			    "{s:b, s:s, s:s, s:s, s:i, s:i, s:s}",
			    "connected", conn, "mode", "proxy",
			    "proxy_address", sim_remote_setting(c, alias,
			    "proxy_address"), "server_name",
			    (s = sim_remote_setting(c, alias, "server_name")) ==
			    NULL ? "" : s, "num_proxy_sockets_connected",
			    conn ? n : 0, "max_proxy_socket_connections", n,
			    "initial_connect_timeout", "30s"));
		} else {
			xasprintf(&key, "cluster.remote.%s.seeds", alias);
			seeds = json_object_get(c->transient, key);
			if (seeds == NULL)
				seeds = json_object_get(c->persistent, key);
			free(key);
			n = (s = sim_remote_setting(c, alias,
			    "node_connections")) != NULL ? atoi(s) : 3;
			json_object_set_new(out, alias, json_pack(
			    "{s:b, s:s, s:O, s:i, s:i, s:s}",
			    "connected", conn, "mode", "sniff", "seeds", seeds,
			    "num_nodes_connected", conn ? 1 : 0,
			    "max_connections_per_cluster", n,
			    "initial_connect_timeout", "30s"));
		}
		s = sim_remote_setting(c, alias, "skip_unavailable");
		json_object_set_new(json_object_get(out, alias),
		    "skip_unavailable", json_boolean(s != NULL &&
		    strcmp(s, "true") == 0));
	}
	json_decref(aliases);
	return (out);
}

/* The exception a failed remote call shows, as the transport names it. */
json_t *
remote_failure_cause(struct remote_result *res, const char *action)
{
	json_t	*cause;

	switch (res->outcome) {
	case REMOTE_NO_ALIAS:
		return (sim_cause("no_such_remote_cluster_exception",
		    "no such remote cluster: [%s]", res->alias));
	case REMOTE_TIMEOUT:
		return (sim_cause("receive_timeout_transport_exception",
		    "[%s][%s][%s] request_id [%llu] timed out after [%llums]",
		    res->alias, res->address, action,
		    (unsigned long long)arc4random_uniform(100000),
		    (unsigned long long)res->elapsed_ms));
	case REMOTE_REFUSED:
		cause = sim_cause("connect_transport_exception",
		    "[%s][%s] connect_exception", res->alias, res->address);
		json_object_set_new(cause, "caused_by", sim_cause(
		    "connect_exception", "Connection refused: %s",
		    res->address));
		return (cause);
	default:
		break;
	}
	if (res->body != NULL && json_is_object(json_object_get(res->body,
	    "error")))
		return (json_deep_copy(json_object_get(res->body, "error")));
	return (sim_cause("exception", "remote cluster [%s] answered status "
	    "[%d] with an unreadable body", res->alias, res->status));
}

/* Milliseconds of an Elasticsearch time value ("500ms", "1m"); -1 if bad. */
static int64_t
remote_time_ms(const char *s)
{
	char	*end;
	double	 v;

	v = strtod(s, &end);
	if (end == s || v < 0)
		return (-1);
	if (strcmp(end, "ms") == 0)
		return ((int64_t)v);
	if (strcmp(end, "s") == 0)
		return ((int64_t)(v * 1000));
	if (strcmp(end, "m") == 0)
		return ((int64_t)(v * 60000));
	if (strcmp(end, "h") == 0)
		return ((int64_t)(v * 3600000));
	if (strcmp(end, "d") == 0)
		return ((int64_t)(v * 86400000));
	return (-1);
}

/* A time-valued follow parameter of an index, or a default. */
static int64_t
remote_param_ms(struct sim_index *ix, const char *name, int64_t def)
{
	json_t	*v;
	int64_t	 ms;

	if (ix->follow_params == NULL ||
	    !json_is_string(v = json_object_get(ix->follow_params, name)) ||
	    (ms = remote_time_ms(json_string_value(v))) < 0)
		return (def);
	return (ms);
}

/* Free a batched read's bookkeeping. */
static void
remote_read_free(struct remote_read *rd)
{
	size_t	i;

	for (i = 0; i < rd->ntargets; i++)
		free(rd->targets[i].index);
	free(rd->targets);
	free(rd);
}

/* The follower shard a target names, if it is still following. */
static struct sim_index *
remote_target_index(struct essim *es, struct remote_target *t)
{
	struct sim_index	*ix;

	if ((ix = sim_index_find(es->cluster, t->index)) == NULL ||
	    strcmp(ix->uuid, t->uuid) != 0 || !ix->tasks ||
	    t->shard >= ix->nshards)
		return (NULL);
	return (ix);
}

/*
 * The knob hold_back of a follower index: the writes of a range of
 * sequence numbers do not land while later ones do, as when one of
 * ShardFollowNodeTask's parallel reads is still outstanding.
 */
static void
remote_hold_back(struct essim *es, struct sim_index *ix, int sh)
{
	json_t	*h = knob_value(es, ix->name, "hold_back"), *hs;

	if (!json_is_object(h))
		return;
	hs = json_object_get(h, "shard");
	if (hs != NULL && json_integer_value(hs) != sh)
		return;
	ix->shards[sh].hold_from = json_integer_value(json_object_get(h,
	    "from_seq_no"));
	ix->shards[sh].hold_to = json_integer_value(json_object_get(h,
	    "to_seq_no"));
}

/* The answer to a batched read: apply or record per shard. */
static void
remote_read_done(void *arg, struct remote_result *res)
{
	struct remote_read	*rd = arg;
	struct essim		*es = rd->es;
	struct remote		*r;
	struct sim_index		*ix;
	json_t			*shards, *e, *cause = NULL;
	size_t			 i;
	int			 failed = 0;
	uint64_t		 now = essim_now_ms(), gen;

	gen = es->cluster->write_generation;
	shards = res->outcome == REMOTE_OK && res->status == 200 ?
	    json_object_get(res->body, "shards") : NULL;
	if (shards == NULL || json_array_size(shards) != rd->ntargets) {
		cause = remote_failure_cause(res,
		    "indices:data/read/xpack/ccr/shard_changes");
		failed = 1;
	}
	for (i = 0; i < rd->ntargets; i++) {
		if ((ix = remote_target_index(es, &rd->targets[i])) == NULL)
			continue;
		ix->shards[rd->targets[i].shard].follow.outstanding_reads = 0;
		if (failed) {
			sim_read_failed(ix, rd->targets[i].shard,
			    json_incref(cause), (int)res->elapsed_ms);
			continue;
		}
		e = json_array_get(shards, i);
		if (json_object_get(e, "error") != NULL) {
			failed = 1;
			sim_read_failed(ix, rd->targets[i].shard,
			    json_deep_copy(json_object_get(e, "error")),
			    (int)res->elapsed_ms);
		} else {
			remote_hold_back(es, ix, rd->targets[i].shard);
			sim_apply_changes(es->cluster, ix, rd->targets[i].shard,
			    e, res->elapsed_ms);
			ix->shards[rd->targets[i].shard].hold_from = -1;
			ix->shards[rd->targets[i].shard].hold_to = -1;
		}
	}
	json_decref(cause);
	if ((r = remote_find(es, res->alias)) == rd->r && r != NULL) {
		r->reading = 0;
		r->read = NULL;
		if (failed) {
			r->backoff_ms = r->backoff_ms == 0 ?
			    REMOTE_MIN_RETRY_MS : r->backoff_ms * 2;
			if (r->backoff_ms > REMOTE_MAX_RETRY_MS)
				r->backoff_ms = REMOTE_MAX_RETRY_MS;
			r->next_read_ms = now + r->backoff_ms;
		} else {
			r->backoff_ms = 0;
			r->next_read_ms = now;
		}
	}
	remote_read_free(rd);
	if (es->cluster->write_generation != gen)
		rest_wake_parked(es);
}

/* Send one batched read for every active follower shard of a remote. */
static void
remote_read(struct essim *es, struct remote *r, uint64_t now)
{
	struct sim_cluster	*c = es->cluster;
	struct sim_index		*ix;
	struct remote_read	*rd;
	struct remote_target	*t;
	json_t			*shards;
	size_t			 i;
	int			 sh;
	int64_t			 poll = -1, p;
	json_int_t		 max_ops = -1, m;
	char			*lease, *reader;

	rd = xcalloc(1, sizeof *rd);
	rd->es = es;
	rd->r = r;
	shards = json_array();
	for (i = 0; i < c->nindices; i++) {
		ix = c->indices[i];
		if (!ix->follower || !ix->tasks || !ix->open ||
		    strcmp(ix->remote, r->alias) != 0)
			continue;
		p = remote_param_ms(ix, "read_poll_timeout",
		    es->opt.read_poll_ms);
		if (poll == -1 || p < poll)
			poll = p;
		m = json_integer_value(ix->follow_params == NULL ? NULL :
		    json_object_get(ix->follow_params,
		    "max_read_request_operation_count"));
		if (m <= 0)
			m = 5120;
		if (max_ops == -1 || m < max_ops)
			max_ops = m;
		for (sh = 0; sh < ix->nshards; sh++) {
			struct sim_follow_shard	*f = &ix->shards[sh].follow;

			if (f->fatal_exception != NULL)
				continue;
			rd->targets = xreallocarray(rd->targets,
			    rd->ntargets + 1, sizeof *rd->targets);
			t = &rd->targets[rd->ntargets++];
			t->index = xstrdup(ix->name);
			memcpy(t->uuid, ix->uuid, sizeof t->uuid);
			t->shard = sh;
			f->outstanding_reads = 1;
			/*
			 * From the local checkpoint: a hole left by a
			 * held-back range is read again until it fills.
			 */
			f->last_requested_seq_no =
			    ix->shards[sh].checkpoint + 1;
			f->last_read_ms = now;
			xasprintf(&lease, "%s/%s/%s-following-%s/%s/%s",
			    c->name, ix->name, ix->uuid, r->alias,
			    ix->leader_index, ix->leader_uuid);
			json_array_append_new(shards, json_pack(
			    "{s:s, s:s, s:i, s:I, s:s}", "index",
			    ix->leader_index, "uuid", ix->leader_uuid,
			    "shard", sh, "from_seq_no",
			    (json_int_t)f->last_requested_seq_no, "lease",
			    lease));
			free(lease);
		}
	}
	if (rd->ntargets == 0) {
		json_decref(shards);
		remote_read_free(rd);
		return;
	}
	r->reading = 1;
	xasprintf(&reader, "%s/%s", c->name, r->alias);
	remote_call(es, r->alias, EVHTTP_REQ_POST, "/_essim/ccr/changes",
	    json_pack("{s:o, s:I, s:I, s:s}", "shards", shards,
	    "poll_timeout_ms", (json_int_t)poll, "max_ops", max_ops, "reader",
	    reader), (int)poll + es->opt.transport_timeout_ms,
	    remote_read_done, rd);
	free(reader);
	r->read = TAILQ_LAST(&r->calls, remote_call_list);
}

/*
 * Abandon a remote's read in flight (its long-poll names the shards of
 * before a follow change) without counting it as a failure, so the next
 * tick reads the current set at once.
 */
static void
remote_read_cancel(struct essim *es, struct remote *r)
{
	struct remote_call	*call = r->read;
	struct remote_read	*rd;
	struct sim_index		*ix;
	size_t			 i;

	if (call == NULL)
		return;
	rd = call->arg;
	for (i = 0; i < rd->ntargets; i++) {
		if ((ix = remote_target_index(es, &rd->targets[i])) != NULL)
			ix->shards[rd->targets[i].shard].follow.
			    outstanding_reads = 0;
	}
	remote_read_free(rd);
	if (call->conn != NULL) {
		evhttp_connection_free(call->conn);
		call->conn = NULL;
	}
	call->cb = NULL;
	remote_finish(call, REMOTE_TIMEOUT, 0, NULL);
	r->read = NULL;
	r->reading = 0;
	r->next_read_ms = 0;
}

/*
 * Followers whose remote alias is no longer configured fail their reads
 * with no_such_remote_cluster_exception (retried, as ShardFollowNodeTask
 * does), at the capped retry delay; with the knob remote_removed "fatal"
 * the task stops instead, with the illegal_state_exception "Unable to open
 * any connections to remote cluster" that RestartIndexFollowingIT sees
 * once the alias is gone.
 */
static void
remote_orphans(struct essim *es, uint64_t now)
{
	struct sim_cluster	*c = es->cluster;
	struct sim_index		*ix;
	size_t			 i;
	int			 sh;

	if (now < es->orphan_next_ms)
		return;
	es->orphan_next_ms = now + REMOTE_MAX_RETRY_MS;
	for (i = 0; i < c->nindices; i++) {
		ix = c->indices[i];
		if (!ix->follower || !ix->tasks || !ix->open ||
		    remote_find(es, ix->remote) != NULL)
			continue;
		for (sh = 0; sh < ix->nshards; sh++) {
			if (ix->shards[sh].follow.fatal_exception != NULL)
				continue;
			ix->shards[sh].follow.last_read_ms = now;
			if (knob_is(es, "remote_removed", "fatal"))
				sim_read_failed(ix, sh, sim_cause(
				    "illegal_state_exception", "Unable to open "
				    "any connections to remote cluster [%s]",
				    ix->remote), 0);
			else
				sim_read_failed(ix, sh, sim_cause(
				    "no_such_remote_cluster_exception",
				    "no such remote cluster: [%s]", ix->remote),
				    0);
		}
	}
}

struct remote_af {
	struct essim	*es;
	char		*alias;
};

/* A remote's index list arrived: run its active auto-follow patterns. */
static void
remote_af_done(void *arg, struct remote_result *res)
{
	struct remote_af	*af = arg;
	struct essim		*es = af->es;
	struct remote		*r;
	json_t			*p;
	const char		*name, *alias;
	uint64_t		 gen = es->cluster->write_generation;

	if ((r = remote_find(es, af->alias)) != NULL)
		r->af_fetching = 0;
	if (res->outcome != REMOTE_OK || res->status != 200 ||
	    !json_is_array(json_object_get(res->body, "indices")))
		sim_auto_follow_remote_failed(es->cluster, af->alias,
		    remote_failure_cause(res, "cluster:monitor/state"),
		    essim_wall_ms());
	else {
		json_object_foreach(es->cluster->auto_follow, name, p) {
			alias = json_string_value(json_object_get(p,
			    "remote_cluster"));
			if (alias != NULL && strcmp(alias, af->alias) == 0)
				sim_auto_follow_run(es->cluster, name, res->body,
				    essim_wall_ms());
		}
	}
	free(af->alias);
	free(af);
	if (es->cluster->write_generation != gen)
		rest_wake_parked(es);
}

/*
 * Once a second, read the index list of every remote that an active
 * auto-follow pattern names.
 */
static void
remote_auto_follow(struct essim *es, uint64_t now)
{
	struct remote		*r;
	struct remote_af	*af;
	json_t			*p;
	const char		*name, *alias;
	int			 wanted;

	if (now < es->af_next_ms)
		return;
	es->af_next_ms = now + 1000;
	TAILQ_FOREACH(r, &es->remotes, entry) {
		if (r->af_fetching)
			continue;
		wanted = 0;
		json_object_foreach(es->cluster->auto_follow, name, p) {
			alias = json_string_value(json_object_get(p,
			    "remote_cluster"));
			if (alias != NULL && strcmp(alias, r->alias) == 0 &&
			    json_is_true(json_object_get(p, "active")))
				wanted = 1;
		}
		if (!wanted)
			continue;
		af = xcalloc(1, sizeof *af);
		af->es = es;
		af->alias = xstrdup(r->alias);
		r->af_fetching = 1;
		remote_call(es, r->alias, EVHTTP_REQ_GET, "/_essim/ccr/indices",
		    NULL, es->opt.transport_timeout_ms, remote_af_done, af);
	}
}

/* Start a batched read for every remote that is due one. */
static void
remote_tick(evutil_socket_t fd, short events, void *arg)
{
	struct essim	*es = arg;
	struct remote	*r;
	uint64_t	 now = essim_now_ms();
	int		 waiting;

	(void)fd;
	(void)events;
	if (es->cluster->follow_generation != es->follow_generation) {
		waiting = 0;
		TAILQ_FOREACH(r, &es->remotes, entry) {
			if (now < r->cancel_ms + REMOTE_CANCEL_MS) {
				waiting = 1;
				continue;
			}
			remote_read_cancel(es, r);
			r->cancel_ms = now;
		}
		if (!waiting)
			es->follow_generation = es->cluster->follow_generation;
	}
	TAILQ_FOREACH(r, &es->remotes, entry) {
		if (!r->reading && now >= r->next_read_ms)
			remote_read(es, r, now);
	}
	remote_orphans(es, now);
	remote_auto_follow(es, now);
}

/* Start the tick and connect the remotes configured at start. */
void
remote_init(struct essim *es)
{
	struct timeval	tv;

	TAILQ_INIT(&es->remotes);
	TAILQ_INIT(&remote_none.calls);
	es->reaper = evtimer_new(es->base, remote_reap, es);
	es->tick = event_new(es->base, -1, EV_PERSIST, remote_tick, es);
	tv.tv_sec = es->opt.tick_ms / 1000;
	tv.tv_usec = (es->opt.tick_ms % 1000) * 1000;
	event_add(es->tick, &tv);
	remote_sync(es);
}

/* End every call (their callbacks answer their clients) and free all. */
void
remote_shutdown(struct essim *es)
{
	struct remote	*r;

	while ((r = TAILQ_FIRST(&es->remotes)) != NULL) {
		TAILQ_REMOVE(&es->remotes, r, entry);
		remote_fail_calls(es, r, REMOTE_REFUSED);
		remote_free(r);
	}
	remote_fail_calls(es, &remote_none, REMOTE_NO_ALIAS);
	event_free(es->tick);
	remote_reap(-1, 0, es);
	event_free(es->reaper);
}
