/*
 * Per-index steps of promotion, failback and switchover, and the meaning of
 * Elasticsearch's answers to them.
 *
 * Every step must be safe to send twice: after a crash the engine replays
 * the step it had recorded as in flight. The "already done" answers come
 * from Elasticsearch's own code (see the reference's restartable-promotion
 * table): a second pause_follow answers 400 "no shard follow tasks for [i]",
 * an unfollow of a plain index 400 "is not a follower index", closing a
 * closed index and opening an open one answer 200, deleting a deleted index
 * 404. An unfollow whose old leader is unreachable converts the index yet
 * answers 500 with failed_to_remove_retention_leases; that is success too.
 * Anything else an unfollow answers leaves the index in a state only a read
 * can tell, so it is verified rather than guessed.
 */
#include "autoconf.h"

#include <string.h>

#include "seqno.h"
#include "step.h"

static const char *const step_names[STEP_MAX] = {
	"record", "pause_follow", "close", "unfollow", "verify_unfollow",
	"open", "divergence_check", "write_block", "clone", "delete",
	"follow", "following_check", "fence", "clone_started", "clone_count",
	"reach_check", "restore", "verify_delete", "done", "failed"
};

static const char *const verdict_names[] = {
	"done", "retry", "verify", "missing", "fail"
};

const char *
step_name(enum step step)
{
	if (step >= STEP_MAX)
		return ("unknown");
	return (step_names[step]);
}

int
step_from_name(const char *name, enum step *ret)
{
	enum step	s;

	for (s = 0; s < STEP_MAX; s++) {
		if (strcmp(name, step_names[s]) == 0) {
			*ret = s;
			return (0);
		}
	}
	return (-1);
}

const char *
verdict_name(enum verdict v)
{
	if ((size_t)v >= sizeof verdict_names / sizeof verdict_names[0])
		return ("unknown");
	return (verdict_names[v]);
}

/* The step an action starts each index with. */
enum step
step_first(enum fsm_action kind)
{
	switch (kind) {
	case FSM_ACTION_PROMOTE:
	case FSM_ACTION_SWITCHOVER:
		return (STEP_RECORD);
	case FSM_ACTION_FAILBACK:
		return (STEP_FOLLOWING);
	default:
		return (STEP_DONE);
	}
}

/* Whether step is one that an action of this kind takes. */
bool
step_of(enum fsm_action kind, enum step step)
{
	bool	promotion = step <= STEP_OPEN;

	if (step == STEP_DONE || step == STEP_FAILED)
		return (true);
	switch (kind) {
	case FSM_ACTION_PROMOTE:
		return (promotion);
	case FSM_ACTION_FAILBACK:
		return (!promotion && step < STEP_MAX);
	case FSM_ACTION_SWITCHOVER:
		return (step < STEP_MAX);
	default:
		return (false);
	}
}

/*
 * The step after a finished one. diverged only matters after the divergence
 * check: the old leader holds operations the new leader never received, so a
 * copy is kept before anything is deleted. The failback of an index goes:
 * is it already a follower of the new leader (then only its restore is
 * waited for); fence it with a write block, so its operations can be
 * counted and no client adds one; count them against the record; if it
 * diverged, wait for the operator (at write_block), clone it and wait
 * until the copy is started and whole; prove that the old leader reaches
 * the new one; only then delete it, follow, and wait for the restore.
 */
enum step
step_next(enum fsm_action kind, enum step step, bool diverged)
{
	switch (step) {
	case STEP_RECORD:
		return (STEP_PAUSE);
	case STEP_PAUSE:
		return (STEP_CLOSE);
	case STEP_CLOSE:
		return (STEP_UNFOLLOW);
	case STEP_UNFOLLOW:
	case STEP_VERIFY_UNFOLLOW:
		return (STEP_OPEN);
	case STEP_OPEN:
		return (kind == FSM_ACTION_SWITCHOVER ? STEP_FOLLOWING :
		    STEP_DONE);
	case STEP_FOLLOWING:
		return (STEP_FENCE);
	case STEP_FENCE:
		return (STEP_DIVERGENCE);
	case STEP_DIVERGENCE:
		return (diverged ? STEP_BLOCK : STEP_REACH);
	case STEP_BLOCK:
		return (STEP_CLONE);
	case STEP_CLONE:
		return (STEP_CLONE_STARTED);
	case STEP_CLONE_STARTED:
		return (STEP_CLONE_COUNT);
	case STEP_CLONE_COUNT:
		return (STEP_REACH);
	case STEP_REACH:
		return (STEP_DELETE);
	case STEP_DELETE:
		return (STEP_FOLLOW);
	case STEP_FOLLOW:
		return (STEP_RESTORE);
	case STEP_RESTORE:
		return (STEP_FOLLOWING);
	case STEP_DONE:
		return (STEP_DONE);
	default:
		return (STEP_FAILED);
	}
}

/* Whether a step changes a cluster (a dry run sends none of those). */
bool
step_mutates(enum step step)
{
	switch (step) {
	case STEP_RECORD:
	case STEP_VERIFY_UNFOLLOW:
	case STEP_DIVERGENCE:
	case STEP_FOLLOWING:
	case STEP_CLONE_STARTED:
	case STEP_CLONE_COUNT:
	case STEP_REACH:
	case STEP_RESTORE:
	case STEP_VERIFY_DELETE:
	case STEP_DONE:
	case STEP_FAILED:
		return (false);
	default:
		return (true);
	}
}

/*
 * Whether an index that stands at step (sent or not; failed_step when it
 * FAILED) may have changed a cluster: a restart must finish such an action
 * from its record, and may decide afresh one where no index has.
 */
bool
step_touched(enum fsm_action kind, enum step step, bool sent,
    enum step failed_step)
{
	enum step	first;

	first = kind == FSM_ACTION_FAILBACK ? STEP_FOLLOWING : STEP_PAUSE;
	if (step == STEP_FAILED)
		return (step_mutates(failed_step));
	if (step == STEP_DONE)
		return (true);
	if (sent && step_mutates(step))
		return (true);
	/* A failback's first index step reads; every later one follows a
	   write (the fence, or the remote registered before any index). */
	if (kind == FSM_ACTION_FAILBACK)
		return (step != first);
	return (step > first);
}

/* True when the answer is the error type given and its reason contains s. */
static bool
reply_is(const struct step_reply *r, const char *type, const char *s)
{
	if (r->error_type == NULL || strcmp(r->error_type, type) != 0)
		return (false);
	return (s == NULL || (r->reason != NULL && strstr(r->reason, s) != NULL));
}

/* Decide what an answer to a step means. */
enum verdict
step_verdict(enum step step, const struct step_reply *r)
{
	/*
	 * A 2xx cut short (a proxy or a dying node) proves nothing; every
	 * step is safe to send again.
	 */
	if (r->outcome != HTTP_DONE || (r->garbled &&
	    r->status >= 200 && r->status < 300)) {
		/*
		 * An unfollow may have converted the index before the wire
		 * broke, and a DELETE may have removed it.
		 */
		return (step == STEP_UNFOLLOW || step == STEP_DELETE ?
		    VERDICT_VERIFY : VERDICT_RETRY);
	}
	if (r->status >= 200 && r->status < 300)
		return (VERDICT_DONE);

	switch (step) {
	case STEP_RECORD:
		/* A paused follower has no stats: nothing new to record. */
		if (reply_is(r, "resource_not_found_exception", NULL))
			return (VERDICT_DONE);
		break;
	case STEP_PAUSE:
		if (reply_is(r, "illegal_argument_exception",
		    "no shard follow tasks") ||
		    reply_is(r, "illegal_argument_exception",
		    "is not a follower index"))
			return (VERDICT_DONE);
		break;
	case STEP_UNFOLLOW:
		if (r->leases_failed ||
		    reply_is(r, "illegal_argument_exception",
		    "is not a follower index"))
			return (VERDICT_DONE);
		/* Not closed or not paused: the index moved; read it again. */
		if (reply_is(r, "illegal_argument_exception",
		    "cannot convert the follower index"))
			return (VERDICT_VERIFY);
		if (r->status >= 500)
			return (VERDICT_VERIFY);
		break;
	case STEP_DELETE:
		if (reply_is(r, "index_not_found_exception", NULL))
			return (VERDICT_DONE);
		/*
		 * It may have been deleted all the same, and a client's write
		 * may have created a new one since: sending it again unseen
		 * would delete that one and its writes with it.
		 */
		if (r->status >= 500)
			return (VERDICT_VERIFY);
		break;
	case STEP_CLONE:
		/* The copy's name is fixed in the record: it is ours. */
		if (reply_is(r, "resource_already_exists_exception", NULL))
			return (VERDICT_DONE);
		break;
	case STEP_FOLLOW:
		if (reply_is(r, "resource_already_exists_exception", NULL) ||
		    reply_is(r, "snapshot_restore_exception", NULL))
			return (VERDICT_VERIFY);
		/*
		 * The new leader is registered but not reachable yet (a 400,
		 * caused by a connection error): the index here is already
		 * deleted, and only time mends this, not an operator.
		 */
		if (reply_is(r, "status_exception", "license state of the "
		    "remote cluster"))
			return (VERDICT_RETRY);
		break;
	case STEP_FENCE:
		/* Nothing there to fence: nothing there to lose either. */
		if (reply_is(r, "index_not_found_exception", NULL))
			return (VERDICT_MISSING);
		break;

	default:
		break;
	}

	if (reply_is(r, "index_not_found_exception", NULL))
		return (VERDICT_MISSING);
	if (r->status == 429 || r->status == 408 || r->status >= 500)
		return (VERDICT_RETRY);
	return (VERDICT_FAIL);
}

/*
 * Where a promotion resumes once _ccr/info told what an ambiguous unfollow
 * left behind: a plain index is promoted and only needs opening; a follower
 * that is still paused needs the close (a no-op if closed) and the unfollow
 * again; an active one was resumed by someone and starts over at the pause.
 */
enum step
step_after_verify(enum obs_follow_status follow)
{
	switch (follow) {
	case OBS_FOLLOW_NOT_FOLLOWER:
		return (STEP_OPEN);
	case OBS_FOLLOW_PAUSED:
		return (STEP_CLOSE);
	case OBS_FOLLOW_ACTIVE:
		return (STEP_PAUSE);
	case OBS_FOLLOW_MISSING:
		return (STEP_FAILED);
	default:
		return (STEP_VERIFY_UNFOLLOW);
	}
}

/*
 * Delay before retry number attempt (0 = first retry): exponential from
 * base_ms, capped at cap_ms, with the upper half randomized by rnd so that
 * many indices retrying together do not hammer a recovering cluster in step.
 */
uint64_t
step_backoff_ms(unsigned int attempt, uint64_t base_ms, uint64_t cap_ms,
    uint32_t rnd)
{
	uint64_t	delay = base_ms;
	unsigned int	i;

	for (i = 0; i < attempt && delay < cap_ms; i++)
		delay *= 2;
	if (delay > cap_ms)
		delay = cap_ms;
	return (delay / 2 + rnd % (delay / 2 + 1));
}

/*
 * Operations the leader had that the follower never received, summed over
 * shards, from the follower's own _ccr/stats (leader_max_seq_no against
 * follower_max_seq_no). -1 when any shard is unknown.
 */
int64_t
step_lost_operations(const int64_t *leader_max, const int64_t *follower_max,
    size_t nshards)
{
	int64_t	total = 0;
	size_t	i;

	for (i = 0; i < nshards; i++) {
		if (leader_max[i] == STEP_SEQ_UNKNOWN ||
		    follower_max[i] == STEP_SEQ_UNKNOWN)
			return (-1);
		total = seq_add(total, seq_gap(leader_max[i], follower_max[i]));
	}
	return (total);
}

/*
 * What a promotion lost, per shard from the follower's _ccr/stats read just
 * before the pause: only operations up to follower_global_checkpoint are
 * known to be on the follower; above it lie holes (reads land out of
 * order) that opening the promoted index fills with no-ops. At least the
 * operations above follower_max_seq_no and one in each hole are lost
 * (*least); at most every one above the checkpoint (*most). Both only count
 * what the leader had as of the follower's last read: the leader may have
 * had more, so the figure is "at least". -1 in both when a shard is
 * unknown.
 */
void
step_lost_bounds(const int64_t *leader_max, const int64_t *follower_gcp,
    const int64_t *follower_max, size_t nshards, int64_t *least,
    int64_t *most)
{
	size_t	i;

	*least = *most = 0;
	for (i = 0; i < nshards; i++) {
		if (leader_max[i] == STEP_SEQ_UNKNOWN ||
		    follower_gcp[i] == STEP_SEQ_UNKNOWN ||
		    follower_max[i] == STEP_SEQ_UNKNOWN) {
			*least = *most = -1;
			return;
		}
		*least = seq_add(*least, seq_gap(leader_max[i],
		    follower_max[i]));
		if (follower_max[i] > follower_gcp[i])
			*least = seq_add(*least, 1);
		*most = seq_add(*most, seq_gap(leader_max[i],
		    follower_gcp[i]));
	}
}

/*
 * Operations the old leader holds beyond what the new leader had received
 * when it was promoted, per shard max_seq_no against the record. The
 * record to compare against is the follower's global checkpoint at
 * promotion: an operation above it may have been in a hole the promotion
 * filled with a no-op, so the new leader may lack it. -1 when it
 * cannot be proven (no record, a shard unknown, shard counts differ): the
 * caller must then treat the index as divergent.
 */
int64_t
step_divergent_operations(const int64_t *recorded, size_t nrecorded,
    const int64_t *now, size_t nnow)
{
	int64_t	total = 0;
	size_t	i;

	if (nrecorded == 0 || nrecorded != nnow)
		return (-1);
	for (i = 0; i < nnow; i++) {
		if (recorded[i] == STEP_SEQ_UNKNOWN || now[i] == STEP_SEQ_UNKNOWN)
			return (-1);
		total = seq_add(total, seq_gap(now[i], recorded[i]));
	}
	return (total);
}
