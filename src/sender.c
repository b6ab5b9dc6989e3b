/*
 * Group commit for the action engine's requests; see sender.h.
 *
 * A flush runs at once when no request is on the wire, else within
 * SENDER_FLUSH_MS: answers and new requests that arrive in that window
 * share one state file write, which is what makes a thousand-index
 * promotion cost tens of writes instead of thousands while a single index
 * waits for none.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "sender.h"
#include "xmalloc.h"

#define SENDER_FLUSH_MS		20	/* group commit window */

/* One request, queued until the record it follows is saved. */
struct sender_call {
	TAILQ_ENTRY(sender_call) entry;
	struct sender		*s;
	int			 cluster;
	struct es_call		 call;
	struct es_request	*req;	/* NULL while queued */
	uint64_t		 ticket;	/* barrier it waits for; 0: none */
	es_done_cb		 done;
	void			*done_arg;
};

struct sender {
	struct es_cluster *const *clients;
	uint64_t		 timeout_ms;
	void			(*persist)(void *);
	void			*arg;
	TAILQ_HEAD(, sender_call) calls;
	struct event		*flush;
	size_t			 on_wire;

	void			(*barrier)(uint64_t, void *);
	bool			(*may_send)(void *);
	uint64_t		 tickets;	/* the last one handed out */
};

static void
sender_call_free(struct sender_call *c)
{
	es_call_clear(&c->call);
	free(c);
}

/* A request was answered: hand es.h's result to whoever sent it. */
static void
sender_call_done(const struct es_result *r, void *arg)
{
	struct sender_call	*c = arg;

	c->req = NULL;
	c->s->on_wire--;
	c->done(r, c->done_arg);
	sender_call_free(c);
}

/* Put a queued request on the wire. */
static void
sender_send_one(struct sender *s, struct sender_call *c)
{
	struct es_result	a;

	c->req = es_send(s->clients[c->cluster], &c->call, s->timeout_ms,
	    sender_call_done, c);
	if (c->req != NULL) {
		s->on_wire++;
		return;
	}
	memset(&a, 0, sizeof a);
	a.outcome = HTTP_FAILED;
	a.reason = "request could not be queued";
	c->done(&a, c->done_arg);
	sender_call_free(c);
}

/*
 * With a barrier: hand the requests queued since the last flush a ticket
 * and ask for their record to be made durable; they leave on release.
 * Tickets go out in queue order, so released requests are the queue's head.
 */
static void
sender_barrier(struct sender *s)
{
	struct sender_call	*c;
	uint64_t		 ticket = 0;

	TAILQ_FOREACH(c, &s->calls, entry) {
		if (c->ticket != 0)
			continue;
		if (ticket == 0)
			ticket = ++s->tickets;
		c->ticket = ticket;
	}
	if (ticket != 0)
		s->barrier(ticket, s->arg);
}

/* Persist, then send every request queued behind what was persisted. */
static void
sender_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sender		*s = arg;
	struct sender_call	*c;

	(void)fd;
	(void)events;
	s->persist(s->arg);
	if (s->barrier != NULL) {
		sender_barrier(s);
		return;
	}
	while ((c = TAILQ_FIRST(&s->calls)) != NULL) {
		TAILQ_REMOVE(&s->calls, c, entry);
		sender_send_one(s, c);
	}
}

/* The barrier of ticket is passed: send what waited for it. */
void
sender_release(struct sender *s, uint64_t ticket)
{
	struct sender_call	*c;

	while ((c = TAILQ_FIRST(&s->calls)) != NULL && c->ticket != 0 &&
	    c->ticket <= ticket) {
		if (!s->may_send(s->arg))
			return;
		TAILQ_REMOVE(&s->calls, c, entry);
		sender_send_one(s, c);
	}
}

/* Requests wait for barrier as well as persist; see sender.h. */
void
sender_set_barrier(struct sender *s, void (*barrier)(uint64_t, void *),
    bool (*may_send)(void *))
{
	s->barrier = barrier;
	s->may_send = may_send;
}

/* Flush at once when nothing is on the wire, else soon. */
void
sender_schedule(struct sender *s)
{
	struct timeval	tv = { 0, SENDER_FLUSH_MS * 1000 };

	if (s->on_wire == 0)
		event_active(s->flush, EV_TIMEOUT, 0);
	else if (!evtimer_pending(s->flush, NULL))
		evtimer_add(s->flush, &tv);
}

/* The engine's send: queue until the record it follows is saved. */
static void *
sender_send(void *ctx, int cluster, const struct es_call *call,
    es_done_cb done, void *done_arg)
{
	struct sender		*s = ctx;
	struct sender_call	*c;

	if (cluster < 0 || cluster > 1)
		return (NULL);
	c = xcalloc(1, sizeof *c);
	c->s = s;
	c->cluster = cluster;
	c->call.method = call->method;
	c->call.path = xstrdup(call->path);
	c->call.body = call->body != NULL ? xstrdup(call->body) : NULL;
	c->done = done;
	c->done_arg = done_arg;
	TAILQ_INSERT_TAIL(&s->calls, c, entry);
	sender_schedule(s);
	return (c);
}

/* The engine's cancel: a queued request is dropped, a sent one cancelled. */
static void
sender_cancel(void *ctx, void *handle)
{
	struct sender		*s = ctx;
	struct sender_call	*c = handle;

	if (c->req != NULL) {
		es_cancel(c->req);
		s->on_wire--;
	} else
		TAILQ_REMOVE(&s->calls, c, entry);
	sender_call_free(c);
}

struct sender *
sender_create(struct event_base *base, struct es_cluster *const *clients,
    uint64_t timeout_ms, void (*persist)(void *), void *arg)
{
	struct sender	*s;

	s = xcalloc(1, sizeof *s);
	s->clients = clients;
	s->timeout_ms = timeout_ms;
	s->persist = persist;
	s->arg = arg;
	TAILQ_INIT(&s->calls);
	s->flush = event_new(base, -1, 0, sender_flush_cb, s);
	return (s);
}

/* Free the sender; whoever sent a request still queued is not told. */
void
sender_free(struct sender *s)
{
	struct sender_call	*c;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->calls)) != NULL) {
		TAILQ_REMOVE(&s->calls, c, entry);
		sender_call_free(c);
	}
	if (s->flush != NULL)
		event_free(s->flush);
	free(s);
}

/* The transport an action engine sends through. */
void
sender_transport(struct sender *s, struct action_transport *t)
{
	t->send = sender_send;
	t->cancel = sender_cancel;
	t->ctx = s;
}
