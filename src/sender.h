/*
 * The action engine's requests, sent in groups behind the record they
 * follow (group commit): a request is queued, and a flush first lets the
 * owner persist the record, then hands every queued request to its
 * cluster's client. One state file write covers all the requests queued
 * meanwhile instead of one fsync per step.
 */
#ifndef CCR_SENDER_H
#define CCR_SENDER_H

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

#endif
