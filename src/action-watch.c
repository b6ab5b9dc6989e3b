/*
 * What _ccr/info on the cluster an index lives on says about it.
 *
 * An unfollow converts its index at once but answers only when the
 * follower's retention leases are gone from the old leader, which, when
 * that leader is lost in a cut network, takes until the transport gives up
 * on it (30 s by default, longer on a half-open connection). So the engine
 * does not wait for that answer: while unfollows are out, it asks the
 * follower cluster itself, in one _ccr/info over the lot, which of those
 * indices are no longer followers, abandons their requests (closing their
 * connections) and opens them. The stale leases stay on the old leader
 * until they expire.
 *
 * The same read settles an unfollow whose answer was ambiguous, and tells
 * a failback whether the old leader's index already follows the new one.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "action-int.h"
#include "config.h"
#include "log.h"
#include "monotime.h"
#include "xmalloc.h"

/* An unfollow this old is looked for on the follower cluster, ms. */
#define ACTION_WATCH_AGE_MS	2
/*
 * Between two watches: the shortest gap after one that found converted
 * indices, doubling up to the longest while they find none.
 */
#define ACTION_WATCH_GAP_MIN_MS	2
#define ACTION_WATCH_GAP_MAX_MS	100

/*
 * What _ccr/info says about one index; *entry is its entry in *ci, if
 * any. The caller clears *ci.
 */
static enum obs_follow_status
action_follow_status(const json_t *root, const char *name,
    struct es_ccr_info *ci, const struct es_follow_info **entry)
{
	char	*cause = NULL;

	*entry = NULL;
	if (es_parse_ccr_info(root, ci, &cause) != 0) {
		free(cause);
		return (OBS_FOLLOW_UNKNOWN);
	}
	if ((*entry = es_ccr_info_find(ci, name)) == NULL)
		return (OBS_FOLLOW_NOT_FOLLOWER);
	return ((*entry)->active ? OBS_FOLLOW_ACTIVE : OBS_FOLLOW_PAUSED);
}

/* After an ambiguous unfollow: resume where _ccr/info says the index is. */
void
action_unfollow_verified(struct action_engine *e, size_t i,
    const json_t *root, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	struct es_ccr_info		 ci;
	const struct es_follow_info	*entry;
	enum obs_follow_status		 st;
	enum step			 next;

	st = action_follow_status(root, ir->names[action_promoted(e->rec)],
	    &ci, &entry);
	es_ccr_info_clear(&ci);
	next = step_after_verify(st);
	if (next == STEP_VERIFY_UNFOLLOW) {
		action_index_retry(e, i, r);
		return;
	}
	if (next == STEP_FAILED) {
		action_index_fail(e, i, "index_not_found_exception",
		    "the index is gone");
		return;
	}
	if (next == STEP_OPEN) {
		action_index_advance(e, i, next);
		return;
	}
	/* Back to an earlier step: keep the error that sent it there. */
	if (e->params.max_attempts != 0 &&
	    ++run->verify_rounds >= e->params.max_attempts) {
		action_index_fail(e, i,
		    ir->error_type != NULL ? ir->error_type : "unfollow_failed",
		    ir->error_reason != NULL ? ir->error_reason :
		    "the index is still a follower");
		return;
	}
	action_index_move(e, i, next);
}

/*
 * The old leader's index, at the start of its failback or after its
 * restore: does it already follow the new leader's index? Active: done.
 * Paused before its restore was seen over: the restore runs (after a
 * restart, or a follow resent). A plain index is failed back from the
 * fence on, unless it was already followed: then the follow did not hold.
 */
void
action_following_checked(struct action_engine *e, size_t i,
    const json_t *root, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	int				 p = action_promoted(e->rec);
	const char			*name = ir->names[e->rec->old_leader];
	struct es_ccr_info		 ci;
	const struct es_follow_info	*entry;
	char				*why = NULL;
	enum obs_follow_status		 st;

	st = action_follow_status(root, name, &ci, &entry);
	if (entry != NULL && (strcmp(entry->remote_cluster,
	    e->rec->clusters[p]) != 0 ||
	    strcmp(entry->leader_index, ir->names[p]) != 0))
		xasprintf(&why, "the index follows %s:%s",
		    *entry->remote_cluster != '\0' ? entry->remote_cluster : "?",
		    *entry->leader_index != '\0' ? entry->leader_index : "?");
	es_ccr_info_clear(&ci);
	switch (st) {
	case OBS_FOLLOW_UNKNOWN:
		action_index_retry(e, i, r);
		return;
	case OBS_FOLLOW_NOT_FOLLOWER:
		if (run->restored || run->followed) {
			action_index_fail(e, i, "follow_conflict",
			    "the index exists and is not a follower");
			return;
		}
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_FOLLOWING, false));
		return;
	default:
		break;
	}
	if (why != NULL) {
		action_index_fail(e, i, "follow_conflict", why);
		free(why);
		return;
	}
	if (st == OBS_FOLLOW_ACTIVE) {
		action_index_advance(e, i, STEP_DONE);
		return;
	}
	if (run->restored) {
		action_index_fail(e, i, "follow_conflict",
		    "the index follows the new leader but is paused");
		return;
	}
	action_index_move(e, i, STEP_RESTORE);
}

/* The unfollow of index i that is out, if one is. */
static struct action_request *
action_unfollow_out(struct action_engine *e, size_t i)
{
	struct action_request	*req;

	TAILQ_FOREACH(req, &e->requests, entry) {
		if (req->kind == REQUEST_INDEX && req->step == STEP_UNFOLLOW &&
		    req->members[0] == i)
			return (req);
	}
	return (NULL);
}

/*
 * The watch's answer: every watched index that no longer follows (the
 * unfollow's first part, its cluster-state update, is done) has its
 * unfollow abandoned and is opened. An index still following, or an answer
 * that says nothing (an index gone refuses the list), leaves the unfollows
 * to answer for themselves.
 */
void
action_watch_answer(struct action_engine *e, struct action_request *req,
    const struct es_result *a)
{
	struct es_ccr_info	 ci;
	struct action_request	*u;
	const char		*name;
	char			*cause = NULL;
	size_t			 k, i, n = 0;
	int			 p = action_promoted(e->rec);

	if (!a->ok || es_parse_ccr_info(a->root, &ci, &cause) != 0) {
		log_debug("%s: unfollow watch: %s", fsm_action_name(e->rec->kind),
		    cause != NULL ? cause : a->reason);
		free(cause);
		return;
	}
	for (k = 0; k < req->nmembers; k++) {
		i = req->members[k];
		name = e->rec->indices[i].names[p];
		if (es_ccr_info_find(&ci, name) != NULL ||
		    (u = action_unfollow_out(e, i)) == NULL)
			continue;
		log_debug("%s: %s: no longer a follower after %" PRIu64 " ms; "
		    "its unfollow is not awaited", fsm_action_name(e->rec->kind),
		    name, monotime_ms() - u->sent_ms);
		action_request_abandon(e, u);
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_UNFOLLOW, false));
		n++;
	}
	es_ccr_info_clear(&ci);
	if (n > 0)
		e->watch_gap_ms = ACTION_WATCH_GAP_MIN_MS;
	else if ((e->watch_gap_ms *= 2) > ACTION_WATCH_GAP_MAX_MS)
		e->watch_gap_ms = ACTION_WATCH_GAP_MAX_MS;
	if (n > 0)
		log_info("%s: %zu indices no longer followers; their unfollow "
		    "answers, which wait for the old leader to drop the "
		    "retention leases, are not awaited",
		    fsm_action_name(e->rec->kind), n);
}

/* Time for the next watch: the pump sends it. */
void
action_watch_timer_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	action_kick(arg);
}

/*
 * Ask the follower cluster which of the indices whose unfollow has been
 * out a little while still follow: one _ccr/info over them (as many as fit
 * a request line), soon after a watch that found some, less and less
 * often while none convert. It is a read, so the unfollows that hang do
 * not hold it back.
 */
void
action_pump_watch(struct action_engine *e)
{
	struct action_request	*req;
	struct es_call		 call;
	const char		**names = NULL;
	size_t			 *members = NULL, n = 0, used, most;
	uint64_t		  now = monotime_ms(), wait = UINT64_MAX, age;
	char			 *cause = NULL;
	int			  p = action_promoted(e->rec);

	if (e->watch_busy || e->params.dry_run)
		return;
	/*
	 * Requests leave in order, max_requests_per_cluster at a time: the
	 * oldest unfollows are the ones on the wire, the others still wait.
	 */
	most = e->config->max_requests_per_cluster > 0 ?
	    2 * (size_t)e->config->max_requests_per_cluster : 32;
	TAILQ_FOREACH(req, &e->requests, entry) {
		if (req->kind != REQUEST_INDEX || req->step != STEP_UNFOLLOW)
			continue;
		if (n == most)
			break;
		age = now - req->sent_ms;
		if (age < ACTION_WATCH_AGE_MS) {
			if (ACTION_WATCH_AGE_MS - age < wait)
				wait = ACTION_WATCH_AGE_MS - age;
			continue;
		}
		names = xreallocarray(names, n + 1, sizeof *names);
		members = xreallocarray(members, n + 1, sizeof *members);
		names[n] = e->rec->indices[req->members[0]].names[p];
		members[n++] = req->members[0];
	}
	if (e->watch_gap_ms == 0)
		e->watch_gap_ms = ACTION_WATCH_GAP_MIN_MS;
	if (n > 0 && now - e->watch_ms < e->watch_gap_ms)
		wait = e->watch_gap_ms - (now - e->watch_ms);
	else if (n > 0) {
		if (es_call_ccr_info_list(&call, names, n, &used,
		    &cause) == 0) {
			req = action_request_new(e, REQUEST_WATCH,
			    STEP_UNFOLLOW, p, &call, false, members, used);
			e->watch_ms = now;
			action_request_send(e, req);
		} else {
			log_debug("%s: unfollow watch: %s",
			    fsm_action_name(e->rec->kind), cause);
			free(cause);
		}
	}
	free(names);
	free(members);
	if (!e->watch_busy && wait != UINT64_MAX &&
	    !evtimer_pending(e->watch_timer, NULL))
		action_timer_add(e->watch_timer, wait);
}
