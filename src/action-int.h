/*
 * Inside the action engine: what action.c and its parts (action-request.c,
 * action-watch.c, action-seqno.c, action-failback.c) share. Nothing else
 * includes this; the rest of the daemon knows only action.h.
 */
#ifndef CCR_ACTION_INT_H
#define CCR_ACTION_INT_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "action.h"
#include "es-parse.h"

struct event;

enum request_kind {
	REQUEST_INDEX,		/* one index's step */
	REQUEST_BATCH,		/* one step over several indices */
	REQUEST_PHASE,		/* the action's own requests */
	REQUEST_WATCH		/* which unfollowed indices still follow */
};

struct action_request {
	struct action_engine		*engine;
	enum request_kind		 kind;
	enum step			 step;
	bool				 mutates; /* dry run: logged only */
	int				 cluster;
	struct es_call			 call;
	size_t				*members;	/* index numbers */
	size_t				 nmembers;
	void				*handle;
	struct event			*timer;
	uint64_t			 sent_ms;
	TAILQ_ENTRY(action_request)	 entry;
};
TAILQ_HEAD(action_requests, action_request);

/* What the engine knows about an index beyond its record. */
struct index_run {
	struct action_engine	*engine;
	struct event		*backoff;
	bool			 busy;		/* a request is out */
	bool			 waiting;	/* backing off */
	bool			 solo;		/* its batch was refused */
	unsigned int		 verify_rounds;
	bool			 restored;	/* its restore was seen over */
	bool			 followed;	/* a follow met it existing */
};

struct action_engine {
	struct event_base		*base;
	const struct ccr_config		*config;
	struct action_transport		 transport;
	struct action_params		 params;
	struct action_callbacks		 cb;

	struct action_record		*rec;
	struct index_run		*runs;
	bool				 running;
	bool				 dirty;
	unsigned int			 in_flight;
	struct action_requests		 requests;
	uint64_t			 rnd;

	struct event			*kick;
	struct event			*phase_timer;	/* poll or backoff */
	struct event			*deadline;	/* lag wait */
	bool				 phase_busy;
	bool				 phase_waiting;
	unsigned int			 phase_attempts;
	bool				 lag_read;	/* lag_leader holds */
	size_t				 lag_checked;	/* follow status read */
	struct es_shard_seqs		 lag_leader;	/* old leader's _stats */
	bool				 patterns_listed;
	char				**patterns;	/* to pause */
	size_t				 npatterns;
	size_t				 next_pattern;

	struct event			*watch_timer;	/* next unfollow watch */
	bool				 watch_busy;
	uint64_t			 watch_ms;	/* last one sent */
	uint64_t			 watch_gap_ms;	/* until the next */

	struct action_veto		 veto;		/* this promotion's */
	bool				 veto_running;	/* its hook */
};

/* action.c */
int		 action_promoted(const struct action_record *);
int		 action_step_cluster(const struct action_record *, enum step);
void		 action_set_string(char **, const char *);
void		 action_reply(const struct es_result *, struct step_reply *);
const char	*action_reply_type(const struct step_reply *);
const char	*action_reply_reason(const struct step_reply *, char *,
		     size_t);
void		 action_changed(struct action_engine *);
void		 action_notify(struct action_engine *);
void		 action_kick(struct action_engine *);
void		 action_timer_add(struct event *, uint64_t);
void		 action_index_fail(struct action_engine *, size_t,
		     const char *, const char *);
void		 action_index_move(struct action_engine *, size_t, enum step);
void		 action_index_advance(struct action_engine *, size_t,
		     enum step);
void		 action_index_wait(struct action_engine *, size_t,
		     const char *, const char *);
void		 action_index_retry(struct action_engine *, size_t,
		     const struct step_reply *);
void		 action_index_answer(struct action_engine *, size_t,
		     enum step, const struct es_result *);
void		 action_dispatch(struct action_request *,
		     const struct es_result *);

/* action-request.c */
struct action_request *action_request_new(struct action_engine *,
		     enum request_kind, enum step, int, struct es_call *, bool,
		     const size_t *, size_t);
void		 action_request_free(struct action_request *);
void		 action_request_send(struct action_engine *,
		     struct action_request *);
void		 action_request_abandon(struct action_engine *,
		     struct action_request *);
void		 action_dry_log(struct action_engine *,
		     const struct action_request *);
void		 action_pump_indices(struct action_engine *);
void		 action_batch_answer(struct action_engine *,
		     struct action_request *, const struct es_result *);

/* action-watch.c */
void		 action_pump_watch(struct action_engine *);
void		 action_watch_timer_cb(int, short, void *);
void		 action_watch_answer(struct action_engine *,
		     struct action_request *, const struct es_result *);
void		 action_unfollow_verified(struct action_engine *, size_t,
		     const json_t *, const struct step_reply *);
void		 action_following_checked(struct action_engine *, size_t,
		     const json_t *, const struct step_reply *);

/* action-seqno.c */
void		 action_answer_stats(struct action_engine *, const size_t *,
		     size_t, const json_t *);
int64_t		*action_primary_seqs(const struct es_shard_seqs *,
		     const char *, size_t *);

/* action-failback.c */
void		 action_answer_seqs(struct action_engine *, const size_t *,
		     size_t, const json_t *);
bool		 action_index_check(struct action_engine *, size_t,
		     enum step, const struct es_result *,
		     const struct step_reply *);

#endif
