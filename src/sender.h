/*
 * The action engine's requests, sent in groups behind the record they
 * follow (group commit): a request is queued, and a flush first lets the
 * owner persist the record, then hands every queued request to its
 * cluster's client. One state file write covers all the requests queued
 * meanwhile instead of one fsync per step.
 */
#ifndef CCR_SENDER_H
#define CCR_SENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "action.h"
#include "es.h"

struct event_base;
struct sender;

/*
 * clients points at the owner's two cluster clients (config order); the
 * pointers may be replaced between flushes (reload). persist runs at the
 * start of every flush, before anything queued is sent.
 */
struct sender	*sender_create(struct event_base *,
		     struct es_cluster *const *, uint64_t,
		     void (*)(void *), void *);
void		 sender_free(struct sender *);
void		 sender_schedule(struct sender *);
void		 sender_transport(struct sender *, struct action_transport *);

/*
 * A second, asynchronous barrier after persist (several watchers: the
 * record must be in etcd too). At each flush, barrier(ticket, arg) is given
 * the ticket of the requests queued since the last flush and makes their
 * record durable (or cannot: they wait, until the engine that queued them
 * is stopped); sender_release(ticket) then sends every request up to that
 * ticket, each only while may_send(arg) holds.
 */
void		 sender_set_barrier(struct sender *, void (*)(uint64_t, void *),
		     bool (*)(void *));
void		 sender_release(struct sender *, uint64_t);

#endif
