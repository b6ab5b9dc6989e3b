/*
 * Fault injection, driven over HTTP by the /_essim endpoints: rules on
 * incoming requests (error status, added latency, hang, malformed body,
 * dropped connection) matched by method and path prefix or glob, each for a
 * number of requests or until cleared; refusing connections (the listening
 * socket is closed and requests on open connections are dropped) for a
 * while or until SIGUSR1; and cutting only the outgoing link to a peer.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "essim.h"
#include "log.h"
#include "xmalloc.h"

static const char *const fault_action_names[FAULT_ACTION_MAX] = {
	"error", "delay", "hang", "malformed", "drop"
};
static const char *const fault_from_names[FAULT_FROM_MAX] = {
	"any", "clients", "peer"
};
static const char *const link_cut_names[LINK_CUT_MAX] = {
	"ok", "refuse", "hang"
};

/* Free one rule. */
static void
fault_free(struct fault *f)
{
	free(f->method);
	free(f->path);
	free(f->type);
	free(f->reason);
	free(f->header);
	free(f->header_value);
	free(f);
}

/* Parse a rule from its JSON form and append it; answers {"id": N}. */
int
fault_add(struct essim *es, json_t *body, json_t **out)
{
	struct fault	*f;
	const char	*action, *path, *method, *type, *reason, *from, *hdr;
	const char	*colon;
	json_t		*count;
	int		 i, j;

	action = json_string_value(json_object_get(body, "action"));
	path = json_string_value(json_object_get(body, "path"));
	if (action == NULL || path == NULL || *path != '/')
		return (sim_error(out, 400, "illegal_argument_exception",
		    "a fault needs \"action\" and a \"path\" starting with /"));
	for (i = 0; i < FAULT_ACTION_MAX; i++) {
		if (strcmp(action, fault_action_names[i]) == 0)
			break;
	}
	if (i == FAULT_ACTION_MAX)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "unknown fault action [%s]", action));
	from = json_string_value(json_object_get(body, "from"));
	for (j = 0; from != NULL && j < FAULT_FROM_MAX; j++) {
		if (strcmp(from, fault_from_names[j]) == 0)
			break;
	}
	if (j == FAULT_FROM_MAX)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "fault \"from\" must be any, clients or peer"));
	f = xcalloc(1, sizeof *f);
	f->action = i;
	f->from = from == NULL ? FAULT_FROM_ANY : j;
	f->id = ++es->fault_next_id;
	f->path = xstrdup(path);
	if ((method = json_string_value(json_object_get(body, "method"))) !=
	    NULL)
		f->method = xstrdup(method);
	f->status = (int)json_integer_value(json_object_get(body, "status"));
	if (f->status == 0)
		f->status = f->action == FAULT_MALFORMED ? 200 : 503;
	if (f->status < 100 || f->status > 599) {
		fault_free(f);
		return (sim_error(out, 400, "illegal_argument_exception",
		    "bad fault status"));
	}
	if ((type = json_string_value(json_object_get(body, "type"))) != NULL)
		f->type = xstrdup(type);
	if ((reason = json_string_value(json_object_get(body, "reason"))) !=
	    NULL)
		f->reason = xstrdup(reason);
	if ((hdr = json_string_value(json_object_get(body, "header"))) !=
	    NULL) {
		if ((colon = strchr(hdr, ':')) == NULL || colon == hdr) {
			fault_free(f);
			return (sim_error(out, 400, "illegal_argument_exception",
			    "a fault \"header\" is \"Name: substring\""));
		}
		f->header = xstrndup(hdr, colon - hdr);
		colon++;
		while (*colon == ' ')
			colon++;
		f->header_value = xstrdup(colon);
	}
	f->delay_ms = (int)json_integer_value(json_object_get(body,
	    "delay_ms"));
	count = json_object_get(body, "count");
	f->remaining = json_is_integer(count) ? (int)json_integer_value(count) :
	    -1;
	if (f->remaining == 0 || f->delay_ms < 0) {
		fault_free(f);
		return (sim_error(out, 400, "illegal_argument_exception",
		    "count must be positive and delay_ms not negative"));
	}
	TAILQ_INSERT_TAIL(&es->faults, f, entry);
	*out = json_pack("{s:i}", "id", f->id);
	return (200);
}

/*
 * GET /_essim/faults: the rules, the listening and link state, and the
 * requests held open.
 */
json_t *
fault_list_json(struct essim *es)
{
	struct fault	*f;
	struct hung	*h;
	json_t		*arr, *j;
	int		 n;

	arr = json_array();
	TAILQ_FOREACH(f, &es->faults, entry) {
		j = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "id",
		    f->id, "action", fault_action_names[f->action], "from",
		    fault_from_names[f->from], "path", f->path,
		    "status", f->status, "delay_ms", f->delay_ms,
		    "remaining", f->remaining, "hits", f->hits);
		if (f->method != NULL)
			json_object_set_new(j, "method",
			    json_string(f->method));
		if (f->header != NULL)
			json_object_set_new(j, "header", json_pack("{s:s}",
			    f->header, f->header_value));
		json_array_append_new(arr, j);
	}
	n = 0;
	TAILQ_FOREACH(h, &es->hung, entry)
		n++;
	return (json_pack("{s:o, s:b, s:s, s:i, s:i, s:i}", "faults", arr,
	    "refusing", es->refusing, "link", link_cut_names[es->link_cut],
	    "hung_requests", n, "long_polls", rest_parked_count(es, 0),
	    "held_connections", rest_parked_count(es, 1)));
}

/* Clear every rule and the link cut, and release hung requests. */
void
fault_clear(struct essim *es)
{
	struct fault	*f;

	while ((f = TAILQ_FIRST(&es->faults)) != NULL) {
		TAILQ_REMOVE(&es->faults, f, entry);
		fault_free(f);
	}
	es->link_cut = LINK_OK;
	free(es->link_alias);
	es->link_alias = NULL;
	rest_release_hung(es);
}

/* Remove one rule by id; -1 if there is none. */
int
fault_remove(struct essim *es, int id)
{
	struct fault	*f;

	TAILQ_FOREACH(f, &es->faults, entry) {
		if (f->id == id) {
			TAILQ_REMOVE(&es->faults, f, entry);
			fault_free(f);
			return (0);
		}
	}
	return (-1);
}

/*
 * The first rule matching a request (from the peer or not, with these
 * headers), or NULL.
 */
struct fault *
fault_match(struct essim *es, const char *method, const char *path, int peer,
    const struct evkeyvalq *headers)
{
	struct fault	*f;
	const char	*v;

	TAILQ_FOREACH(f, &es->faults, entry) {
		if (f->method != NULL && strcasecmp(f->method, method) != 0)
			continue;
		if (f->header != NULL && ((v = evhttp_find_header(headers,
		    f->header)) == NULL || strstr(v, f->header_value) == NULL))
			continue;
		if ((f->from == FAULT_FROM_CLIENTS && peer) ||
		    (f->from == FAULT_FROM_PEER && !peer))
			continue;
		if (strchr(f->path, '*') != NULL ? sim_glob(f->path, path) :
		    strncmp(f->path, path, strlen(f->path)) == 0)
			return (f);
	}
	return (NULL);
}

/* Count a use of a rule; a rule with a count ends after its last use. */
void
fault_used(struct essim *es, struct fault *f)
{
	f->hits++;
	if (f->remaining > 0 && --f->remaining == 0) {
		TAILQ_REMOVE(&es->faults, f, entry);
		fault_free(f);
	}
}

/* A timed refusal is over. */
static void
fault_refuse_end(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	fault_accept(arg);
}

/* Create the timer that ends a timed refusal. */
void
fault_init(struct essim *es)
{
	es->refuse_timer = evtimer_new(es->base, fault_refuse_end, es);
}

/*
 * Stop accepting: close the listening socket so new connections are
 * refused. duration_ms > 0 reopens it after that long; otherwise SIGUSR1
 * does.
 */
int
fault_refuse(struct essim *es, int duration_ms)
{
	struct timeval	tv;

	if (es->refusing)
		return (0);
	evhttp_del_accept_socket(es->http, es->bound);
	es->bound = NULL;
	es->refusing = 1;
	log_info("refusing connections%s", duration_ms > 0 ? " for a while" :
	    " until SIGUSR1");
	if (duration_ms > 0) {
		tv.tv_sec = duration_ms / 1000;
		tv.tv_usec = (duration_ms % 1000) * 1000;
		evtimer_add(es->refuse_timer, &tv);
	}
	return (0);
}

/* Listen again on the same address and port. */
void
fault_accept(struct essim *es)
{
	if (!es->refusing)
		return;
	evtimer_del(es->refuse_timer);
	es->bound = evhttp_bind_socket_with_handle(es->http, es->host,
	    (ev_uint16_t)es->port);
	if (es->bound == NULL)
		fatalx("cannot listen again on %s:%d", es->host, es->port);
	es->refusing = 0;
	log_info("accepting connections again");
}

/*
 * Drop a request's connection without an answer: shut the socket down,
 * then let the failing reply make libevent free the connection.
 */
void
fault_drop_request(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	if ((evcon = evhttp_request_get_connection(req)) != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		shutdown(bufferevent_getfd(bev), SHUT_RDWR);
	evhttp_send_reply(req, 500, "Dropped", NULL);
}

/* POST /_essim/link: {"mode": "refuse"|"hang"|"ok", "remote", "count"}. */
int
fault_link(struct essim *es, json_t *body, json_t **out)
{
	const char	*mode, *alias;
	json_t		*count;
	int		 i;

	mode = json_string_value(json_object_get(body, "mode"));
	for (i = 0; mode != NULL && i < LINK_CUT_MAX; i++) {
		if (strcmp(mode, link_cut_names[i]) == 0)
			break;
	}
	if (mode == NULL || i == LINK_CUT_MAX)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "link mode must be ok, refuse or hang"));
	count = json_object_get(body, "count");
	free(es->link_alias);
	es->link_alias = NULL;
	if ((alias = json_string_value(json_object_get(body, "remote"))) !=
	    NULL)
		es->link_alias = xstrdup(alias);
	es->link_cut = i;
	es->link_remaining = json_is_integer(count) ?
	    (int)json_integer_value(count) : -1;
	if (es->link_remaining < 0)
		remote_cut_in_flight(es, es->link_alias, es->link_cut);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* Whether the link to a remote is cut for this call; counts the use. */
enum link_cut
fault_link_use(struct essim *es, const char *alias)
{
	enum link_cut	cut = es->link_cut;

	if (cut == LINK_OK || (es->link_alias != NULL &&
	    strcmp(es->link_alias, alias) != 0))
		return (LINK_OK);
	if (es->link_remaining > 0 && --es->link_remaining == 0) {
		es->link_cut = LINK_OK;
		free(es->link_alias);
		es->link_alias = NULL;
	}
	return (cut);
}
