/*
 * The steps an action takes on each index, and what an Elasticsearch answer
 * to a step means. Pure: no I/O, so the engine's decisions about "already
 * done", "try again" and "give up" are tested without a cluster.
 */
#ifndef CCR_STEP_H
#define CCR_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "http.h"
#include "observation.h"

/* A sequence number nobody reported; -1 is a real value (an empty shard). */
#define STEP_SEQ_UNKNOWN	INT64_MIN

/*
 * Per-index steps in the order an action runs them. Promotion runs on the
 * surviving cluster, failback on the old leader; a switchover runs the
 * promotion steps and then the failback steps.
 */
enum step {
	STEP_RECORD,		/* _ccr/stats: what the follower had received */
	STEP_PAUSE,		/* POST <f>/_ccr/pause_follow */
	STEP_CLOSE,		/* POST <f>/_close */
	STEP_UNFOLLOW,		/* POST <f>/_ccr/unfollow */
	STEP_VERIFY_UNFOLLOW,	/* _ccr/info after an ambiguous unfollow */
	STEP_OPEN,		/* POST <f>/_open */
	STEP_DIVERGENCE,	/* _stats?level=shards against the record */
	STEP_BLOCK,		/* PUT <i>/_block/write before the copy */
	STEP_CLONE,		/* POST <i>/_clone/<copy> */
	STEP_DELETE,		/* DELETE <i> */
	STEP_FOLLOW,		/* PUT <i>/_ccr/follow?wait_for_active_shards=0 */
	STEP_FOLLOWING,		/* _ccr/info: already follows the new leader? */
	STEP_FENCE,		/* PUT <i>/_block/write before anything else */
	STEP_CLONE_STARTED,	/* the copy's health is yellow or green */
	STEP_CLONE_COUNT,	/* the copy holds as many documents */
	STEP_REACH,		/* the old leader reaches the new through the
				   remote just registered */
	STEP_RESTORE,		/* the follow's restore is over */
	STEP_VERIFY_DELETE,	/* the old leader's index uuid after a DELETE
				   that may have gone out */
	STEP_DONE,
	STEP_FAILED,
	STEP_MAX
};

/* The parts of an answer that decide a step's fate. Strings are borrowed. */
struct step_reply {
	enum http_outcome	 outcome;
	int			 status;	/* HTTP status when HTTP_DONE */
	const char		*error_type;	/* error.type, NULL on success */
	const char		*reason;	/* error.reason, may be NULL */
	bool			 leases_failed;	/* failed_to_remove_retention_leases */
	bool			 garbled;	/* 2xx whose body is not JSON */
};

enum verdict {
	VERDICT_DONE,		/* the step's effect is in place */
	VERDICT_RETRY,		/* transient: back off and send again */
	VERDICT_VERIFY,		/* ambiguous: read the index's real state */
	VERDICT_MISSING,	/* the index does not exist */
	VERDICT_FAIL		/* retrying cannot fix it */
};

const char	*step_name(enum step);
int		 step_from_name(const char *, enum step *);
const char	*verdict_name(enum verdict);

enum step	 step_first(enum fsm_action);
enum step	 step_next(enum fsm_action, enum step, bool);
bool		 step_mutates(enum step);
bool		 step_touched(enum fsm_action, enum step, bool, enum step);
bool		 step_of(enum fsm_action, enum step);
enum verdict	 step_verdict(enum step, const struct step_reply *);
enum step	 step_after_verify(enum obs_follow_status);
uint64_t	 step_backoff_ms(unsigned int, uint64_t, uint64_t, uint32_t);

int64_t		 step_lost_operations(const int64_t *, const int64_t *, size_t);
void		 step_lost_bounds(const int64_t *, const int64_t *,
		     const int64_t *, size_t, int64_t *, int64_t *);
int64_t		 step_divergent_operations(const int64_t *, size_t,
		     const int64_t *, size_t);

#endif
