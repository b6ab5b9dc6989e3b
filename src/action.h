/*
 * The action engine: carries out one promotion, failback or switchover over
 * every configured index pair, step by step (step.h), resumable from a
 * record that it reports before each mutating request and after each answer.
 * Elasticsearch is reached only through the transport given at creation.
 */
#ifndef CCR_ACTION_H
#define CCR_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "action-record.h"
#include "es.h"
#include "step.h"

struct event_base;
struct ccr_config;
struct action_engine;

/*
 * How the engine talks to Elasticsearch. send queues one call (built by
 * es.h) to cluster 0 or 1 (config order), copying what it keeps. It returns
 * a handle, or NULL when the call could not be queued (the engine treats
 * that as a transport failure). done gets es.h's result and is called
 * exactly once, from the event loop and never from within send, unless the
 * request is cancelled first; after cancel, done is never called.
 */
struct action_transport {
	void	*(*send)(void *ctx, int cluster, const struct es_call *,
		    es_done_cb done, void *done_arg);
	void	 (*cancel)(void *ctx, void *handle);
	void	  *ctx;
};

/*
 * Retries: a transient answer (429, 408, 5xx, no answer) is retried after
 * step_backoff_ms(attempt, retry_base_ms, retry_cap_ms, jitter); an index
 * whose current step failed max_attempts times in a row is FAILED with the
 * last error. request_timeout_ms guards against a transport that never
 * answers; set it above the transport's own timeout.
 */
struct action_params {
	unsigned int	 max_in_flight;		/* requests at once, >= 1 */
	uint64_t	 retry_base_ms;
	uint64_t	 retry_cap_ms;
	unsigned int	 max_attempts;		/* per step; 0: no limit */
	uint64_t	 request_timeout_ms;	/* 0: none */
	uint64_t	 switchover_timeout_ms;	/* lag must reach 0 within */
	uint64_t	 lag_poll_ms;		/* between lag reads */
	bool		 dry_run;
	const struct events *events;		/* hooks, and the runner of
						   pre_promote; NULL: journal
						   only */
};

/*
 * on_change: the record changed; persist it before returning (a mutating
 * request may be about to leave). It must not call into the engine.
 * on_finished: every index is DONE or FAILED, or the action gave up
 * (summary.error_type); the engine may be freed or reused from here.
 */
struct action_callbacks {
	void	(*on_change)(const struct action_record *, void *);
	void	(*on_finished)(const struct action_summary *, void *);
	void	 *arg;
};

/*
 * A promotion's veto, for action_start: before anything is sent, the
 * pre_promote hook (hooks.pre_promote) runs. Exit 0 lets the promotion go
 * on; any other end (an exit status, a signal, the timeout) ends it with
 * nothing sent, and vetoed is called instead of on_finished. A hook that
 * cannot be started lets it go on.
 */
struct action_veto {
	void	(*vetoed)(const struct action_record *, void *);
	void	 *arg;
};

struct action_engine	*action_create(struct event_base *,
			     const struct ccr_config *,
			     const struct action_transport *,
			     const struct action_params *,
			     const struct action_callbacks *);
void			 action_free(struct action_engine *);
int			 action_start(struct action_engine *, enum fsm_action,
			     int, const struct action_record *,
			     const struct action_veto *, char **);
int			 action_retry(struct action_engine *,
			     const struct action_record *, char **);
int			 action_resume(struct action_engine *,
			     const struct action_record *, char **);
size_t			 action_confirm(struct action_engine *);
int			 action_abort(struct action_engine *, char **);
void			 action_stop(struct action_engine *);
bool			 action_running(const struct action_engine *);
const struct action_record *action_record(const struct action_engine *);

#endif
