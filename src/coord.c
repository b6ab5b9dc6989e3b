/*
 * This member's coordination through etcd; coord.h lists the keys.
 *
 * Three things run on the loop. The lease: granted once, kept alive every
 * sixth of the TTL; its last acknowledgement (stamped with the time the
 * keepalive was sent, the earliest the lease may have been refreshed) is
 * what coord_may_act checks. The round: each poll round the daemon hands
 * over its summary; it is put on the lease, then everything but the record
 * is listed in one range (actor, commands, members); with no actor the
 * member claims the key; a member that holds it on a confirmed lease and
 * is not acting yet takes over from the record; others fetch the record
 * when it moved. The record writes: one in flight, the next coalesced, each
 * a transaction fenced on the record's revision and on the actor key, so a
 * member that lost the role cannot overwrite what its successor wrote.
 *
 * A failed request moves to the next endpoint. etcd unreachable (a
 * transport error, a 5xx, a gateway error other than "not found") is
 * reported once per edge; the member then cannot confirm its lease and
 * stops acting within a third of the TTL.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "coord.h"
#include "http.h"
#include "isotime.h"
#include "log.h"
#include "xmalloc.h"

#define COORD_GRPC_NOT_FOUND	5
#define COORD_GRPC_UNAUTHENTICATED 16
#define COORD_MAX_BODY		((size_t)16 * 1024 * 1024)

enum coord_op {
	COORD_OP_AUTH,
	COORD_OP_GRANT,
	COORD_OP_KEEPALIVE,
	COORD_OP_SUMMARY,
	COORD_OP_LIST,
	COORD_OP_CLAIM,
	COORD_OP_TAKEOVER,	/* read the record to start acting */
	COORD_OP_MIRROR,	/* read the record while not acting */
	COORD_OP_RECORD,	/* write the record */
	COORD_OP_FORWARD,
	COORD_OP_ANSWER,
	COORD_OP_DELETE,
	COORD_OP_REVOKE,
	COORD_OP_MAX
};

static const char *const coord_paths[COORD_OP_MAX] = {
	"/v3/auth/authenticate", "/v3/lease/grant", "/v3/lease/keepalive",
	"/v3/kv/put", "/v3/kv/range", "/v3/kv/txn", "/v3/kv/range",
	"/v3/kv/range", "/v3/kv/txn", "/v3/kv/put", "/v3/kv/txn",
	"/v3/kv/deleterange", "/v3/lease/revoke"
};

struct coord_call {
	LIST_ENTRY(coord_call)	 entry;
	struct coord		*c;
	struct http_request	*req;
	enum coord_op		 op;
	uint64_t		 sent_ms;
	char			*key;		/* FORWARD: the command's key */
};

/* Someone waiting for a record write to reach etcd. */
struct coord_waiter {
	TAILQ_ENTRY(coord_waiter) entry;
	void			(*done)(bool, void *);
	void			*arg;
};
TAILQ_HEAD(coord_waiters, coord_waiter);

/* A command this member forwarded, until answered or too old. */
struct coord_pending {
	LIST_ENTRY(coord_pending) entry;
	struct coord_command	 cmd;
	char			*key;
	uint64_t		 deadline_ms;
};

struct coord {
	struct event_base	*base;
	struct http		*http;
	struct coord_callbacks	 cb;

	char			**endpoints;
	size_t			 nendpoints;
	size_t			 ep;		/* the one in use */
	char			*ca_file;
	char			*cert_file;
	char			*key_file;
	char			*username;
	char			*password;
	char			*token;		/* NULL: authenticate first */
	char			*member;
	uint64_t		 ttl_s;
	uint64_t		 ttl_ms;
	uint64_t		 timeout_ms;

	char			*k_actor;
	char			*k_members;	/* ".../members/" */
	char			*k_commands;	/* ".../commands/" */
	char			*k_mine;	/* ".../commands/<member>/" */
	char			*k_record;

	struct event		*tick;
	struct event		*lost_ev;	/* report a role lost in a call */
	LIST_HEAD(, coord_call)	 calls;
	bool			 busy[COORD_OP_MAX];

	bool			 reachable;
	bool			 reported;	/* reachable, as last reported */
	int64_t			 lease;		/* 0: none */
	uint64_t		 ack_ms;

	char			 actor[CONFIG_MEMBER_MAX + 1];	/* "": none */
	int64_t			 actor_lease;
	bool			 acting;
	struct coord_view	 view;
	struct coord_summary	 summary;
	uint64_t		 round;

	int64_t			 record_rev;
	json_t			*next_record;	/* waiting behind one in flight */
	struct coord_waiters	 writing;
	struct coord_waiters	 queued;

	LIST_HEAD(, coord_pending) pending;
	uint64_t		 forwarded;	/* names forwarded commands */
	char			*handling;	/* the command being answered */
	int64_t			 handling_rev;
	char			*answered;	/* the last one answered */
	int64_t			 answered_rev;

	bool			 resigning;	/* coord_resign was called */
	void			(*resigned)(void *);
	void			*resigned_arg;
	struct coord_command	 handling_cmd;
};

static void	coord_submit(struct coord *, enum coord_op, char *,
		    const char *);

static uint64_t
coord_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Report etcd's reachability on an edge only. */
static void
coord_set_reachable(struct coord *c, bool reachable, const char *why)
{
	c->reachable = reachable;
	if (reachable == c->reported)
		return;
	c->reported = reachable;
	if (c->cb.available != NULL)
		c->cb.available(reachable, why, c->cb.arg);
}

/* Tell every waiter of a batch how its write ended. */
static void
coord_waiters_done(struct coord_waiters *w, bool ok)
{
	struct coord_waiter	*wt;

	while ((wt = TAILQ_FIRST(w)) != NULL) {
		TAILQ_REMOVE(w, wt, entry);
		wt->done(ok, wt->arg);
		free(wt);
	}
}

/*
 * Stop acting. From a call the daemon made (coord_may_act), the report
 * waits for the loop; from an answer it goes out at once.
 */
static void
coord_lose(struct coord *c, const char *why, bool deferred)
{
	if (!c->acting)
		return;
	c->acting = false;
	log_warnx("coordination: %s gives up the actor role: %s", c->member,
	    why);
	json_decref(c->next_record);
	c->next_record = NULL;
	if (deferred) {
		event_active(c->lost_ev, EV_TIMEOUT, 0);
		return;
	}
	coord_waiters_done(&c->queued, false);
	c->cb.acting(false, NULL, c->cb.arg);
}

/* The deferred report of coord_lose. */
static void
coord_lost_cb(evutil_socket_t fd, short events, void *arg)
{
	struct coord	*c = arg;

	(void)fd;
	(void)events;
	if (c->acting)
		return;
	coord_waiters_done(&c->queued, false);
	c->cb.acting(false, NULL, c->cb.arg);
}

/* The lease is gone in etcd: act no more, ask for a new one. */
static void
coord_lease_gone(struct coord *c)
{
	c->lease = 0;
	c->ack_ms = 0;
	coord_lose(c, "its lease expired", false);
	if (!c->busy[COORD_OP_GRANT] && !c->resigning)
		coord_submit(c, COORD_OP_GRANT, coord_body_grant(c->ttl_s),
		    NULL);
}

/* Whether the lease was acknowledged within the last third of its TTL. */
static bool
coord_confirmed(const struct coord *c)
{
	return (c->lease != 0 &&
	    coord_lease_confirmed(c->ack_ms, c->ttl_ms, coord_now_ms()));
}

static void	coord_answer(struct coord *, struct coord_call *,
		    const struct coord_answer *);
static void	coord_resigned_cb(evutil_socket_t, short, void *);

/* An etcd answer arrived: classify it, then hand it to its operation. */
static void
coord_call_done(const struct http_response *r, void *arg)
{
	struct coord_call	*call = arg;
	struct coord		*c = call->c;
	struct coord_answer	 a;
	char			*cause = NULL, why[256];
	bool			 ok = false;

	LIST_REMOVE(call, entry);
	c->busy[call->op] = false;
	memset(&a, 0, sizeof a);
	if (r->outcome != HTTP_DONE)
		snprintf(why, sizeof why, "%s: %s",
		    c->endpoints[c->ep], r->error[0] != '\0' ? r->error :
		    http_outcome_name(r->outcome));
	else if (coord_parse_answer(r->body, r->body_len, &a, &cause) == -1) {
		snprintf(why, sizeof why, "%s: HTTP %ld, %s",
		    c->endpoints[c->ep], r->status, cause);
		free(cause);
	} else if (a.error != NULL && a.code == COORD_GRPC_UNAUTHENTICATED) {
		snprintf(why, sizeof why, "%s: %s", c->endpoints[c->ep],
		    a.error);
		free(c->token);
		c->token = NULL;
	} else if (a.error != NULL && a.code != COORD_GRPC_NOT_FOUND)
		snprintf(why, sizeof why, "%s: %s", c->endpoints[c->ep],
		    a.error);
	else if (a.error == NULL && r->status != 200)
		snprintf(why, sizeof why, "%s: HTTP %ld",
		    c->endpoints[c->ep], r->status);
	else
		ok = true;

	if (ok) {
		coord_set_reachable(c, true, NULL);
		coord_answer(c, call, &a);
	} else {
		if (r->outcome != HTTP_DONE && c->nendpoints > 1)
			c->ep = (c->ep + 1) % c->nendpoints;
		coord_set_reachable(c, false, why);
		coord_answer(c, call, NULL);
	}
	coord_answer_clear(&a);
	free(call->key);
	free(call);
}

/* Send one gateway call; body is consumed. */
static void
coord_submit(struct coord *c, enum coord_op op, char *body, const char *key)
{
	struct http_request_spec	 spec;
	struct coord_call		*call;
	const char			*headers[2];
	char				*url, *auth = NULL;

	if (c->password != NULL && c->token == NULL && op != COORD_OP_AUTH) {
		/* Every call waits for a token; the next tick retries. */
		free(body);
		if (!c->busy[COORD_OP_AUTH])
			coord_submit(c, COORD_OP_AUTH, coord_body_auth(
			    c->username, c->password), NULL);
		return;
	}
	call = xcalloc(1, sizeof *call);
	call->c = c;
	call->op = op;
	call->sent_ms = coord_now_ms();
	call->key = key != NULL ? xstrdup(key) : NULL;
	c->busy[op] = true;
	xasprintf(&url, "%s%s", c->endpoints[c->ep], coord_paths[op]);
	headers[0] = "Content-Type: application/json";
	if (c->token != NULL && op != COORD_OP_AUTH)
		xasprintf(&auth, "Authorization: %s", c->token);
	headers[1] = auth;
	memset(&spec, 0, sizeof spec);
	spec.method = HTTP_POST;
	spec.url = url;
	spec.body = body;
	spec.body_len = strlen(body);
	spec.headers = headers;
	spec.nheaders = auth != NULL ? 2 : 1;
	spec.timeout_ms = c->timeout_ms;
	spec.ca_file = c->ca_file;
	spec.cert_file = c->cert_file;
	spec.key_file = c->key_file;
	spec.max_body = COORD_MAX_BODY;
	LIST_INSERT_HEAD(&c->calls, call, entry);
	call->req = http_submit(c->http, &spec, coord_call_done, call);
	free(url);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (op == COORD_OP_AUTH)
		explicit_bzero(body, strlen(body));
	free(body);
}

/* Read the record: to take over (acting) or to follow the actor. */
static void
coord_fetch_record(struct coord *c, enum coord_op op)
{
	if (c->busy[COORD_OP_TAKEOVER] || c->busy[COORD_OP_MIRROR])
		return;
	coord_submit(c, op, coord_body_range(c->k_record, NULL,
	    op == COORD_OP_MIRROR ? c->record_rev + 1 : 0), NULL);
}

/* Decode the record document: {"member", "time", "state"}. */
static json_t *
coord_record_doc(const struct coord_kv *kv, char *by, size_t len)
{
	json_t		*doc;
	const char	*m;

	if ((doc = json_loadb(kv->value, kv->value_len, 0, NULL)) == NULL ||
	    !json_is_object(json_object_get(doc, "state"))) {
		log_warnx("coordination: the record in etcd is not a record; "
		    "it is ignored until the actor rewrites it");
		json_decref(doc);
		return (NULL);
	}
	m = json_string_value(json_object_get(doc, "member"));
	snprintf(by, len, "%s", m != NULL ? m : "?");
	return (doc);
}

/* The record as etcd holds it: start acting from it. */
static void
coord_takeover(struct coord *c, const struct coord_answer *a)
{
	json_t	*doc = NULL;
	char	 by[CONFIG_MEMBER_MAX + 1];

	if (strcmp(c->actor, c->member) != 0 || c->actor_lease != c->lease ||
	    !coord_confirmed(c) || c->acting)
		return;
	c->record_rev = 0;
	if (a->nkvs > 0) {
		c->record_rev = a->kvs[0].mod_revision;
		doc = coord_record_doc(&a->kvs[0], by, sizeof by);
	}
	c->acting = true;
	if (doc != NULL)
		log_info("coordination: taking over the record %s wrote", by);
	c->cb.acting(true, doc != NULL ? json_object_get(doc, "state") : NULL,
	    c->cb.arg);
	json_decref(doc);
}

/* A newer record while not acting: follow it. */
static void
coord_mirror(struct coord *c, const struct coord_answer *a)
{
	json_t	*doc;
	char	 by[CONFIG_MEMBER_MAX + 1];

	if (c->acting || a->nkvs == 0 ||
	    a->kvs[0].mod_revision <= c->record_rev)
		return;
	c->record_rev = a->kvs[0].mod_revision;
	if ((doc = coord_record_doc(&a->kvs[0], by, sizeof by)) == NULL)
		return;
	c->cb.record(json_object_get(doc, "state"), by, c->cb.arg);
	json_decref(doc);
}

/* Send the coalesced record write, if one waits. */
static void
coord_record_next(struct coord *c)
{
	json_t	*doc;
	char	*value, now[ISOTIME_LEN];
	struct timespec ts;

	if (c->busy[COORD_OP_RECORD] || c->next_record == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	isotime_format(&ts, now, sizeof now);
	doc = json_pack("{s:s s:s s:O}", "member", c->member, "time", now,
	    "state", c->next_record);
	json_decref(c->next_record);
	c->next_record = NULL;
	if (doc == NULL || (value = json_dumps(doc, JSON_COMPACT)) == NULL)
		fatalx("coord: cannot serialize the record");
	json_decref(doc);
	TAILQ_CONCAT(&c->writing, &c->queued, entry);
	coord_submit(c, COORD_OP_RECORD, coord_body_record(c->k_record,
	    c->record_rev, c->k_actor, c->member, c->lease, value), NULL);
	free(value);
}

/* A forwarded command with this key: answer it, or read its answer. */
static void
coord_see_command(struct coord *c, const struct coord_kv *kv)
{
	struct coord_command	 cmd;
	struct coord_pending	*p;
	char			*cause;

	if (coord_command_decode(kv->value, kv->value_len, &cmd,
	    &cause) == -1) {
		log_warnx("coordination: %s ignored: %s", kv->key, cause);
		free(cause);
		return;
	}
	if (cmd.answered) {
		LIST_FOREACH(p, &c->pending, entry) {
			if (strcmp(p->key, kv->key) == 0)
				break;
		}
		if (p == NULL)
			return;
		LIST_REMOVE(p, entry);
		coord_submit(c, COORD_OP_DELETE, coord_body_delete(p->key),
		    NULL);
		c->cb.answered(&cmd, c->cb.arg);
		free(p->key);
		free(p);
		return;
	}
	if (!c->acting || c->handling != NULL || !coord_confirmed(c))
		return;
	/* Its answer may still be on the wire: never carry it out twice. */
	if (c->answered != NULL && strcmp(c->answered, kv->key) == 0 &&
	    c->answered_rev == kv->mod_revision)
		return;
	c->handling = xstrdup(kv->key);
	c->handling_rev = kv->mod_revision;
	c->handling_cmd = cmd;
	c->cb.command(&cmd, c->cb.arg);
}

/* The listing of actor, commands and members. */
static void
coord_listed(struct coord *c, const struct coord_answer *a)
{
	struct coord_summary	 s;
	const struct coord_kv	*kv;
	const char		*name;
	char			*cause, was[sizeof c->actor];
	uint64_t		 now = coord_now_ms();
	size_t			 i, nm = strlen(c->k_members);

	snprintf(was, sizeof was, "%s", c->actor);
	c->actor[0] = '\0';
	c->actor_lease = 0;
	coord_view_begin(&c->view);
	for (i = 0; i < a->nkvs; i++) {
		kv = &a->kvs[i];
		if (strcmp(kv->key, c->k_actor) == 0) {
			snprintf(c->actor, sizeof c->actor, "%s", kv->value);
			c->actor_lease = kv->lease;
		} else if (strncmp(kv->key, c->k_members, nm) == 0) {
			name = kv->key + nm;
			if (coord_summary_decode(kv->value, kv->value_len, &s,
			    &cause) == -1) {
				log_debug("coordination: %s ignored: %s",
				    kv->key, cause);
				free(cause);
				continue;
			}
			/* The key names the member, whatever the text says. */
			snprintf(s.member, sizeof s.member, "%s", name);
			coord_view_see(&c->view, &s, kv->mod_revision, now);
		} else if (strncmp(kv->key, c->k_commands,
		    strlen(c->k_commands)) == 0)
			coord_see_command(c, kv);
	}
	coord_view_end(&c->view);
	if (strcmp(was, c->actor) != 0)
		log_notice("coordination: actor %s", c->actor[0] != '\0' ?
		    c->actor : "none");

	if (c->acting && (strcmp(c->actor, c->member) != 0 ||
	    c->actor_lease != c->lease)) {
		coord_lose(c, "the actor key is no longer its own", false);
		return;
	}
	if (c->actor[0] == '\0' && coord_confirmed(c)) {
		if (!c->busy[COORD_OP_CLAIM])
			coord_submit(c, COORD_OP_CLAIM, coord_body_claim(
			    c->k_actor, c->member, c->lease), NULL);
	} else if (strcmp(c->actor, c->member) == 0 &&
	    c->actor_lease == c->lease && !c->acting && coord_confirmed(c))
		coord_fetch_record(c, COORD_OP_TAKEOVER);
	else if (!c->acting)
		coord_fetch_record(c, COORD_OP_MIRROR);
}

/* Dispatch an answer (NULL: the call failed) to its operation. */
static void
coord_answer(struct coord *c, struct coord_call *call,
    const struct coord_answer *a)
{
	struct coord_pending	*p;
	struct coord_command	 cmd;

	switch (call->op) {
	case COORD_OP_AUTH:
		if (a != NULL && a->token != NULL)
			c->token = xstrdup(a->token);
		break;
	case COORD_OP_GRANT:
		if (a != NULL && a->lease_id != 0 && a->ttl > 0) {
			c->lease = a->lease_id;
			c->ack_ms = call->sent_ms;
			log_info("coordination: %s holds lease %" PRIx64
			    " (%" PRId64 " s)", c->member, (uint64_t)c->lease,
			    a->ttl);
		}
		break;
	case COORD_OP_KEEPALIVE:
		if (a == NULL)
			break;
		if (a->ttl > 0 && a->lease_id == c->lease)
			c->ack_ms = call->sent_ms;
		else if (a->lease_id == c->lease)
			coord_lease_gone(c);
		break;
	case COORD_OP_SUMMARY:
		if (a != NULL && a->error != NULL)
			coord_lease_gone(c);
		else if (a != NULL && !c->busy[COORD_OP_LIST])
			coord_submit(c, COORD_OP_LIST, coord_body_range(
			    c->k_actor, c->k_record, 0), NULL);
		break;
	case COORD_OP_LIST:
		if (a != NULL)
			coord_listed(c, a);
		break;
	case COORD_OP_CLAIM:
		if (a == NULL)
			break;
		if (a->succeeded) {
			snprintf(c->actor, sizeof c->actor, "%s", c->member);
			c->actor_lease = c->lease;
			log_notice("coordination: %s claimed the actor key",
			    c->member);
			coord_fetch_record(c, COORD_OP_TAKEOVER);
		} else if (a->nkvs > 0) {
			snprintf(c->actor, sizeof c->actor, "%s",
			    a->kvs[0].value);
			c->actor_lease = a->kvs[0].lease;
		}
		break;
	case COORD_OP_TAKEOVER:
		if (a != NULL)
			coord_takeover(c, a);
		break;
	case COORD_OP_MIRROR:
		if (a != NULL)
			coord_mirror(c, a);
		break;
	case COORD_OP_RECORD:
		if (a != NULL && a->succeeded) {
			c->record_rev = a->revision;
			coord_waiters_done(&c->writing, true);
			coord_record_next(c);
			break;
		}
		coord_waiters_done(&c->writing, false);
		coord_lose(c, a == NULL ? "the record could not be written" :
		    "the record or the actor key changed under it", false);
		break;
	case COORD_OP_FORWARD:
		if (a != NULL)
			break;
		LIST_FOREACH(p, &c->pending, entry) {
			if (strcmp(p->key, call->key) == 0)
				break;
		}
		if (p == NULL)
			break;
		LIST_REMOVE(p, entry);
		cmd = p->cmd;
		cmd.answered = true;
		cmd.accepted = false;
		snprintf(cmd.message, sizeof cmd.message,
		    "coordination unavailable: the command could not be "
		    "forwarded to the actor");
		c->cb.answered(&cmd, c->cb.arg);
		free(p->key);
		free(p);
		break;
	case COORD_OP_REVOKE:
		coord_resigned_cb(-1, 0, c);
		break;
	case COORD_OP_ANSWER:
	case COORD_OP_DELETE:
	case COORD_OP_MAX:
		break;
	}
}

/* Forwarded commands nobody answered in time are rejected. */
static void
coord_expire(struct coord *c, uint64_t now)
{
	struct coord_pending	*p, *next;
	struct coord_command	 cmd;

	for (p = LIST_FIRST(&c->pending); p != NULL; p = next) {
		next = LIST_NEXT(p, entry);
		if (now < p->deadline_ms)
			continue;
		LIST_REMOVE(p, entry);
		coord_submit(c, COORD_OP_DELETE, coord_body_delete(p->key),
		    NULL);
		cmd = p->cmd;
		cmd.answered = true;
		cmd.accepted = false;
		snprintf(cmd.message, sizeof cmd.message, "no acting member "
		    "answered within %" PRIu64 " s", c->ttl_s);
		c->cb.answered(&cmd, c->cb.arg);
		free(p->key);
		free(p);
	}
}

/* Every sixth of the TTL: keep the lease alive, check it, expire commands. */
static void
coord_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct coord	*c = arg;

	(void)fd;
	(void)events;
	if (c->resigning)
		return;
	if (c->lease == 0) {
		if (!c->busy[COORD_OP_GRANT])
			coord_submit(c, COORD_OP_GRANT,
			    coord_body_grant(c->ttl_s), NULL);
	} else if (!c->busy[COORD_OP_KEEPALIVE])
		coord_submit(c, COORD_OP_KEEPALIVE, coord_body_lease(c->lease),
		    NULL);
	if (c->acting && !coord_confirmed(c))
		coord_lose(c, "its lease is not confirmed within a third of "
		    "the TTL", false);
	coord_expire(c, coord_now_ms());
}

/* Join the prefix and a name. */
static char *
coord_key(const char *prefix, const char *name)
{
	char	*k;

	xasprintf(&k, "%s/%s", prefix, name);
	return (k);
}

/*
 * Start coordinating as cfg's member; password (NULL: none) is copied.
 * Requests time out after timeout_ms or a third of the TTL, the shorter.
 */
struct coord *
coord_create(struct event_base *base, struct http *http,
    const struct ccr_coordination_config *cfg, const char *password,
    uint64_t timeout_ms, const struct coord_callbacks *cb)
{
	struct coord	*c = xcalloc(1, sizeof *c);
	struct timeval	 tv;
	size_t		 i;
	uint64_t	 tick_ms;

	c->base = base;
	c->http = http;
	c->cb = *cb;
	c->endpoints = xcalloc(cfg->nendpoints, sizeof *c->endpoints);
	for (i = 0; i < cfg->nendpoints; i++)
		c->endpoints[i] = xstrdup(cfg->endpoints[i]);
	c->nendpoints = cfg->nendpoints;
	c->ca_file = cfg->ca_file != NULL ? xstrdup(cfg->ca_file) : NULL;
	c->cert_file = cfg->cert_file != NULL ? xstrdup(cfg->cert_file) : NULL;
	c->key_file = cfg->key_file != NULL ? xstrdup(cfg->key_file) : NULL;
	c->username = cfg->username != NULL ? xstrdup(cfg->username) : NULL;
	c->password = password != NULL ? xstrdup(password) : NULL;
	c->member = xstrdup(cfg->member);
	c->ttl_s = cfg->lease_ttl_s;
	c->ttl_ms = cfg->lease_ttl_s * 1000;
	c->timeout_ms = timeout_ms < c->ttl_ms / 3 ? timeout_ms :
	    c->ttl_ms / 3;
	c->k_actor = coord_key(cfg->prefix, "actor");
	c->k_members = coord_key(cfg->prefix, "members/");
	c->k_commands = coord_key(cfg->prefix, "commands/");
	xasprintf(&c->k_mine, "%s/commands/%s/", cfg->prefix, cfg->member);
	c->k_record = coord_key(cfg->prefix, "record");
	LIST_INIT(&c->calls);
	LIST_INIT(&c->pending);
	TAILQ_INIT(&c->writing);
	TAILQ_INIT(&c->queued);
	c->reported = true;	/* the first failure is an edge */
	c->lost_ev = event_new(base, -1, 0, coord_lost_cb, c);
	c->tick = event_new(base, -1, EV_PERSIST, coord_tick_cb, c);
	tick_ms = c->ttl_ms / 6;
	tv.tv_sec = (time_t)(tick_ms / 1000);
	tv.tv_usec = (suseconds_t)(tick_ms % 1000) * 1000;
	event_add(c->tick, &tv);
	coord_submit(c, COORD_OP_GRANT, coord_body_grant(c->ttl_s), NULL);
	return (c);
}

/* Stop: calls in flight are cancelled, waiters told the write failed. */
void
coord_free(struct coord *c)
{
	struct coord_call	*call;
	struct coord_pending	*p;
	size_t			 i;

	if (c == NULL)
		return;
	while ((call = LIST_FIRST(&c->calls)) != NULL) {
		LIST_REMOVE(call, entry);
		http_cancel(call->req);
		free(call->key);
		free(call);
	}
	while ((p = LIST_FIRST(&c->pending)) != NULL) {
		LIST_REMOVE(p, entry);
		free(p->key);
		free(p);
	}
	coord_waiters_done(&c->writing, false);
	coord_waiters_done(&c->queued, false);
	json_decref(c->next_record);
	event_free(c->tick);
	event_free(c->lost_ev);
	coord_view_clear(&c->view);
	for (i = 0; i < c->nendpoints; i++)
		free(c->endpoints[i]);
	free(c->endpoints);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->username);
	if (c->password != NULL) {
		explicit_bzero(c->password, strlen(c->password));
		free(c->password);
	}
	if (c->token != NULL) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c->member);
	free(c->k_actor);
	free(c->k_members);
	free(c->k_commands);
	free(c->k_mine);
	free(c->k_record);
	free(c->handling);
	free(c->answered);
	free(c);
}

/*
 * A poll round ended: publish its summary on the lease, then list what
 * the other members published. A round whose predecessor is still on the
 * wire publishes nothing: its summary would arrive late anyway.
 */
void
coord_publish(struct coord *c, const struct coord_summary *s)
{
	char	*value, *key;

	c->summary = *s;
	snprintf(c->summary.member, sizeof c->summary.member, "%s",
	    c->member);
	c->summary.round = ++c->round;
	if (c->resigning || c->lease == 0 || c->busy[COORD_OP_SUMMARY] ||
	    c->busy[COORD_OP_LIST])
		return;
	value = coord_summary_encode(&c->summary);
	xasprintf(&key, "%s%s", c->k_members, c->member);
	coord_submit(c, COORD_OP_SUMMARY, coord_body_put(key, value, c->lease),
	    NULL);
	free(key);
	free(value);
}

/*
 * Whether this member may send a mutating request now: it is the actor
 * and its lease was confirmed within the last third of the TTL. When not,
 * it gives up the role; the daemon hears of it from the loop.
 */
bool
coord_may_act(struct coord *c)
{
	if (!c->acting)
		return (false);
	if (coord_confirmed(c))
		return (true);
	coord_lose(c, "its lease is not confirmed within a third of the TTL",
	    true);
	return (false);
}

bool
coord_available(const struct coord *c)
{
	return (c->reachable);
}

const char *
coord_actor(const struct coord *c)
{
	return (c->actor[0] != '\0' ? c->actor : NULL);
}

const char *
coord_member(const struct coord *c)
{
	return (c->member);
}

const struct coord_view *
coord_view(const struct coord *c)
{
	return (&c->view);
}

/* The quorum as this member sees it now; see coord_quorum_count. */
void
coord_quorum(const struct coord *c, bool self_down, uint64_t fresh_ms,
    struct coord_quorum *q)
{
	coord_quorum_count(&c->view, c->member, self_down, coord_now_ms(),
	    fresh_ms, q);
}

/*
 * Write the record (state, borrowed) to etcd; done(ok, arg) runs once it
 * is there, or failed. Writes made while one is on the wire share the next.
 * -1 (and no callback) when this member is not the actor.
 */
int
coord_record_write(struct coord *c, json_t *state, void (*done)(bool, void *),
    void *arg)
{
	struct coord_waiter	*w;

	if (!c->acting)
		return (-1);
	w = xcalloc(1, sizeof *w);
	w->done = done;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&c->queued, w, entry);
	json_decref(c->next_record);
	c->next_record = json_incref(state);
	coord_record_next(c);
	return (0);
}

/*
 * Forward an operator command to the actor; its answer arrives through
 * the answered callback. -1 when etcd cannot take it now.
 */
int
coord_forward(struct coord *c, const char *id, const char *command,
    char **cause)
{
	struct coord_pending	*p;
	char			*value;

	if (!c->reachable || c->lease == 0) {
		xasprintf(cause, "coordination unavailable");
		return (-1);
	}
	p = xcalloc(1, sizeof *p);
	snprintf(p->cmd.id, sizeof p->cmd.id, "%s", id);
	snprintf(p->cmd.command, sizeof p->cmd.command, "%s", command);
	snprintf(p->cmd.from, sizeof p->cmd.from, "%s", c->member);
	xasprintf(&p->key, "%s%" PRIu64, c->k_mine, ++c->forwarded);
	p->deadline_ms = coord_now_ms() + c->ttl_ms;
	LIST_INSERT_HEAD(&c->pending, p, entry);
	value = coord_command_encode(&p->cmd);
	coord_submit(c, COORD_OP_FORWARD, coord_body_put(p->key, value,
	    c->lease), p->key);
	free(value);
	return (0);
}

/* The actor carried out a forwarded command: put its outcome back. */
void
coord_command_done(struct coord *c, const struct coord_command *answer)
{
	struct coord_command	 cmd;
	char			*value;

	if (c->handling == NULL)
		return;
	cmd = c->handling_cmd;
	cmd.answered = true;
	cmd.accepted = answer->accepted;
	snprintf(cmd.message, sizeof cmd.message, "%s", answer->message);
	snprintf(cmd.by, sizeof cmd.by, "%s", c->member);
	value = coord_command_encode(&cmd);
	coord_submit(c, COORD_OP_ANSWER, coord_body_answer(c->handling,
	    c->handling_rev, value), NULL);
	free(value);
	free(c->answered);
	c->answered = c->handling;
	c->answered_rev = c->handling_rev;
	c->handling = NULL;
}

/* Tell the one who resigned that it is done, once. */
static void
coord_resigned_cb(evutil_socket_t fd, short events, void *arg)
{
	struct coord	*c = arg;
	void		(*done)(void *) = c->resigned;

	(void)fd;
	(void)events;
	c->resigned = NULL;
	if (done != NULL)
		done(c->resigned_arg);
}

/*
 * A clean stop: stop acting and revoke the lease, so that the actor key and
 * this member's summary go at once and another member takes the role now
 * rather than after the TTL. done(arg) runs from the loop once etcd
 * answered or the request failed; nothing is published or claimed after.
 */
void
coord_resign(struct coord *c, void (*done)(void *), void *arg)
{
	struct timeval	tv = { 0, 0 };

	c->acting = false;
	c->resigning = true;
	json_decref(c->next_record);
	c->next_record = NULL;
	c->resigned = done;
	c->resigned_arg = arg;
	if (c->lease == 0) {
		event_base_once(c->base, -1, EV_TIMEOUT, coord_resigned_cb, c,
		    &tv);
		return;
	}
	coord_submit(c, COORD_OP_REVOKE, coord_body_lease(c->lease), NULL);
	c->lease = 0;
	c->ack_ms = 0;
}
