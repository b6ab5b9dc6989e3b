/*
 * Prometheus metrics. Counters are process-wide and fed where things happen
 * (an HTTP exchange completes in http.c, a hook exits in hook.c, a poll
 * round ends in poller.c, an action starts in action.c and its end is an
 * event of events.c); the daemon copies its view in (metrics_update)
 * whenever it changes. metrics.c calls none of those back: they only call
 * it. /metrics is served by evhttp on the daemon's loop from that copy
 * alone, so a scrape never waits for, nor holds up, a poll or an action.
 */
#ifndef CCR_METRICS_H
#define CCR_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "hook.h"

struct ccr_config;
struct evbuffer;
struct event_base;
struct metrics;
struct status_view;

/* Counters: safe to call whether or not metrics are served. */
void		 metrics_count_request(const char *, long, const char *);
void		 metrics_count_hook(const char *, enum hook_outcome, int);
void		 metrics_poll_round(uint64_t);
void		 metrics_action_started(enum fsm_action);
void		 metrics_action_finished(enum fsm_action, size_t, bool,
		     int64_t);
void		 metrics_counters_clear(void);

/* The server and the daemon's view; NULL stands for "not served". */
int		 metrics_create(struct event_base *, const struct ccr_config *,
		     struct metrics **, char **);
void		 metrics_free(struct metrics *);
void		 metrics_update(struct metrics *, const struct status_view *,
		     uint64_t);
void		 metrics_format(const struct metrics *, struct evbuffer *);

int		 metrics_reload_check(const struct ccr_config *,
		     const struct ccr_config *, char **);

#endif
