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

#include "step.h"

struct event_base;
struct ccr_config;
struct action_engine;

/*
 * An answer from Elasticsearch, borrowed for the duration of the done
 * callback. root is the parsed body (NULL when there is none). When
 * error_type is NULL and root holds an error envelope, the engine reads
 * type, reason and failed_to_remove_retention_leases from root itself.
 * For transport failures reason may say what went wrong.
 */
struct action_answer {
	enum transport_result	 transport;
	int			 status;
	json_t			*root;
	const char		*error_type;
	const char		*reason;
	bool			 leases_failed;
};

/*
 * How the engine talks to Elasticsearch. send queues one request to cluster
 * 0 or 1 (config order); body is NULL or JSON text; path_and_query is
 * already escaped. It returns a handle, or NULL when the request could not
 * be queued (the engine treats that as a transport error). done is called
 * exactly once, from the event loop and never from within send, unless the
 * request is cancelled first; after cancel, done is never called.
 */
struct action_transport {
	void	*(*send)(void *ctx, int cluster, const char *method,
		    const char *path_and_query, const char *body,
		    void (*done)(const struct action_answer *, void *),
		    void *done_arg);
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
};

/* What the whole action is doing; indices move on their own inside. */
enum action_phase {
	ACTION_PHASE_LAG,	/* switchover: wait until every lag is 0 */
	ACTION_PHASE_REMOTE,	/* register the new leader on the old one */
	ACTION_PHASE_INDICES,	/* per-index steps */
	ACTION_PHASE_AUTO_FOLLOW, /* pause patterns following the old leader */
	ACTION_PHASE_FINISHED,
	ACTION_PHASE_MAX
};

enum action_index_status {
	ACTION_INDEX_RUNNING,
	ACTION_INDEX_AWAITING_CONFIRMATION,	/* divergent: action_confirm */
	ACTION_INDEX_DONE,
	ACTION_INDEX_FAILED,
	ACTION_INDEX_STATUS_MAX
};

/* One index pair's progress. Strings and arrays are owned by the record. */
struct action_index_record {
	char		*names[2];	/* its name on cluster 0 and 1 */
	enum step	 step;		/* next step, or DONE/FAILED */
	bool		 sent;		/* step was (maybe) sent: resend it */
	unsigned int	 attempts;	/* transient failures of this step */
	bool		 confirmed;	/* divergence released by operator */
	enum step	 failed_step;	/* where it failed, or FAILED */
	char		*error_type;	/* last error, NULL if none */
	char		*error_reason;

	/* Per shard, from the follower's _ccr/stats before the pause. */
	int64_t		*leader_max_seq_no;
	int64_t		*follower_max_seq_no;
	size_t		 nshards;
	int64_t		 lost_operations;	/* -1: unknown */
	int64_t		 divergent_operations;	/* -1: unproven or unknown */
	char		*clone;		/* the copy's name, fixed before it */
};

/*
 * The engine's whole progress: enough to resume after a crash. Its JSON
 * form (action_record_to_json), version 1:
 *
 *   {"version": 1, "kind": "promote"|"failback"|"switchover",
 *    "old_leader": 0|1, "clusters": ["<name 0>", "<name 1>"],
 *    "started": "YYYY-MM-DDTHH:MM:SSZ",
 *    "phase": "lag"|"remote"|"indices"|"auto_follow"|"finished",
 *    "error": {"type": "...", "reason": "..."},	(action-level, optional)
 *    "indices": [{
 *      "names": ["<on cluster 0>", "<on cluster 1>"],
 *      "step": "<step_name()>", "sent": bool, "attempts": n,
 *      "confirmed": bool,
 *      "failed_step": "<step>" (when "failed", or "open" to reopen it),
 *      "error": {"type": "...", "reason": "..."}	(optional),
 *      "shards": [{"leader_max_seq_no": n|null,
 *                  "follower_max_seq_no": n|null}, ...],
 *      "lost_operations": n|-1, "divergent_operations": n|-1,
 *      "clone": "<copy's name>" (optional)}]}
 */
struct action_record {
	enum fsm_action		 kind;
	int				 old_leader; /* ends as follower */
	char				*clusters[2]; /* cluster names */
	time_t				 started;    /* wall clock, display */
	enum action_phase		 phase;
	char				*error_type; /* action-level failure */
	char				*error_reason;
	struct action_index_record	*indices;
	size_t				 nindices;
};

/* Given to on_finished; record is borrowed. */
struct action_summary {
	enum fsm_action		 kind;
	size_t				 done;
	size_t				 failed;
	int64_t				 lost_operations; /* -1: unknown */
	size_t				 divergent;	/* indices copied */
	const char			*error_type; /* action-level or NULL */
	const char			*error_reason;
	const struct action_record	*record;
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

struct action_engine	*action_create(struct event_base *,
			     const struct ccr_config *,
			     const struct action_transport *,
			     const struct action_params *,
			     const struct action_callbacks *);
void			 action_free(struct action_engine *);
int			 action_start(struct action_engine *, enum fsm_action,
			     int, const struct action_record *, char **);
int			 action_resume(struct action_engine *,
			     const struct action_record *, char **);
size_t			 action_confirm(struct action_engine *);
int			 action_abort(struct action_engine *, char **);
void			 action_stop(struct action_engine *);
bool			 action_running(const struct action_engine *);
const struct action_record *action_record(const struct action_engine *);

const char		*action_phase_name(enum action_phase);
const char		*action_index_status_name(enum action_index_status);
enum action_index_status action_index_status(
			     const struct action_index_record *);

json_t			*action_record_to_json(const struct action_record *);
char			*action_record_to_text(const struct action_record *);
struct action_record	*action_record_from_json(const json_t *, char **);
void			 action_record_free(struct action_record *);

#endif
