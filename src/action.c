/*
 * The action engine carries out one promotion, failback or switchover over
 * every configured index pair.
 *
 * An action runs in phases: a switchover first waits until every follower
 * has caught up (lag 0) or gives up, nothing changed. Caught up means the
 * follower's own checkpoints agree and, per shard, it holds the old
 * leader's max_seq_no as the old leader itself reported it just before: a
 * follower's _ccr/stats only knows the leader as of its last read, so a
 * read still in flight would hide operations it never got. Failback and
 * switchover register the new leader as a remote on the old one; then every
 * index walks its own steps (step.h) in parallel, with at most
 * max_in_flight requests out; promotion and switchover end by pausing the
 * promoted cluster's auto-follow patterns that point at the old leader.
 *
 * Steps that Elasticsearch can take for many indices at once go out as one
 * request: the record step's _ccr/stats, _close, _open, the divergence
 * check's _stats and the DELETE go over comma lists that keep the request
 * line within Elasticsearch's 4096 bytes.
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
 * Everything needed to carry on after a crash lives in the record, which
 * the daemon persists from on_change: the engine calls it before any
 * mutating request leaves (the step is marked "sent") and once answers are
 * known. Every step is idempotent, so a resumed engine simply sends a "sent"
 * step again. Transient answers are retried with capped, jittered backoff
 * up to max_attempts per step; an index that cannot go on is FAILED with
 * Elasticsearch's error type and reason, and the others carry on. A
 * follower that fails between _close and _open is opened again first, so
 * no index is left closed.
 *
 * A batch that Elasticsearch refuses outright cannot say which index was at
 * fault, so its indices are retried one by one ("solo"). An old leader's
 * index that holds operations the new leader never received is not deleted
 * until the operator confirms; it is then write-blocked and cloned first.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "action.h"
#include "config.h"
#include "es-parse.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "xmalloc.h"


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
};

/* How long a health read waits for yellow before it says "not yet". */
#define ACTION_WAIT_MS	1000
/* An unfollow this old is looked for on the follower cluster, ms. */
#define ACTION_WATCH_AGE_MS	2
/*
 * Between two watches: the shortest gap after one that found converted
 * indices, doubling up to the longest while they find none.
 */
#define ACTION_WATCH_GAP_MIN_MS	2
#define ACTION_WATCH_GAP_MAX_MS	100
/* Followers whose stats one record request reads, at most. */
#define ACTION_RECORD_CHUNK	100

static void	action_pump(struct action_engine *);
static void	action_kick(struct action_engine *);

/* Jitter only: xorshift64 is plenty to spread retries apart. */
static uint32_t
action_random(struct action_engine *e)
{
	e->rnd ^= e->rnd << 13;
	e->rnd ^= e->rnd >> 7;
	e->rnd ^= e->rnd << 17;
	return ((uint32_t)(e->rnd >> 32));
}

/* The cluster that ends as leader. */
static int
action_promoted(const struct action_record *rec)
{
	return (1 - rec->old_leader);
}

/* Promotion steps run on the promoted cluster, failback steps on the old. */
static int
action_step_cluster(const struct action_record *rec, enum step step)
{
	return (step <= STEP_OPEN ? action_promoted(rec) : rec->old_leader);
}

/* Replace a string the record owns. */
static void
action_set_string(char **dst, const char *src)
{
	char	*copy = src != NULL ? xstrdup(src) : NULL;

	free(*dst);
	*dst = copy;
}

/* A string of es.h's result, or NULL when it is empty. */
static const char *
action_text(const char *s)
{
	return (s != NULL && *s != '\0' ? s : NULL);
}

/* The parts of an answer that decide a step's fate. */
static void
action_reply(const struct es_result *a, struct step_reply *r)
{
	memset(r, 0, sizeof *r);
	r->outcome = a->outcome;
	r->status = (int)a->status;
	if (a->outcome != HTTP_DONE) {
		r->reason = action_text(a->reason);
		return;
	}
	if (a->status >= 200 && a->status <= 299) {
		r->garbled = !a->ok;
		if (r->garbled)
			r->reason = action_text(a->reason);
		return;
	}
	r->error_type = action_text(a->error_type);
	r->reason = action_text(a->reason);
	r->leases_failed = a->leases_failed;
}

/* The error type recorded for an answer that carried none. */
static const char *
action_reply_type(const struct step_reply *r)
{
	switch (r->outcome) {
	case HTTP_DONE:
		break;
	case HTTP_TIMEOUT:
		return ("timeout");
	case HTTP_REFUSED:
		return ("connection_refused");
	default:
		return ("transport_error");
	}
	return (r->error_type != NULL ? r->error_type : "http_error");
}

/* The reason recorded for an answer; never NULL. */
static const char *
action_reply_reason(const struct step_reply *r, char *buf, size_t len)
{
	if (r->reason != NULL)
		return (r->reason);
	if (r->outcome == HTTP_DONE)
		snprintf(buf, len, "HTTP status %d", r->status);
	else
		snprintf(buf, len, "no answer");
	return (buf);
}

/* Mark the record changed; on_change runs before the next send or soon. */
static void
action_changed(struct action_engine *e)
{
	e->dirty = true;
	action_kick(e);
}

/* Hand the record to the daemon if it changed since it last saw it. */
static void
action_notify(struct action_engine *e)
{
	if (!e->dirty)
		return;
	e->dirty = false;
	if (e->cb.on_change != NULL)
		e->cb.on_change(e->rec, e->cb.arg);
}

/* Run the pump from the loop, once, however many times this is called. */
static void
action_kick(struct action_engine *e)
{
	if (e->running && !event_pending(e->kick, EV_TIMEOUT, NULL))
		event_active(e->kick, EV_TIMEOUT, 0);
}

static void
action_kick_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	action_pump(arg);
}

/* Arm a timer for ms milliseconds. */
static void
action_timer_add(struct event *ev, uint64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Journal an index that gives up, with the fields operators search for. */
static void
action_log_failed(struct action_engine *e, size_t i, enum step step)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 c = action_step_cluster(e->rec, step);
	struct log_field		 f[] = {
		{ "CCR_INDEX", ir->names[c] },
		{ "CCR_CLUSTER", e->rec->clusters[c] },
		{ "CCR_STEP", step_name(step) },
		{ "CCR_ERROR_TYPE", ir->error_type },
	};

	events_emit(e->params.events, CCR_EVENT_ACTION_FAILED,
	    LOG_LEVEL_ERROR, f, sizeof f / sizeof f[0], NULL,
	    "%s: index %s on %s failed at %s: %s: %s",
	    fsm_action_name(e->rec->kind), ir->names[c], e->rec->clusters[c],
	    step_name(step), ir->error_type,
	    ir->error_reason != NULL ? ir->error_reason : "");
}

/*
 * Give an index up with an error. A follower that failed between _close
 * and _open is opened again first (as the paused follower it still is), so
 * that no index is left closed; failed_step set on a live step means that.
 */
static void
action_index_fail(struct action_engine *e, size_t i, const char *type,
    const char *reason)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	enum step			 at = ir->step;
	bool				 reopen;

	reopen = ir->failed_step == STEP_FAILED &&
	    (ir->step == STEP_UNFOLLOW || ir->step == STEP_VERIFY_UNFOLLOW);
	if (ir->failed_step == STEP_FAILED)
		ir->failed_step = ir->step;
	ir->step = reopen ? STEP_OPEN : STEP_FAILED;
	ir->sent = false;
	ir->attempts = 0;
	e->runs[i].solo = false;
	action_set_string(&ir->error_type, type);
	action_set_string(&ir->error_reason, reason);
	action_log_failed(e, i, at);
	if (reopen) {
		log_info("%s: %s: opening it again",
		    fsm_action_name(e->rec->kind),
		    ir->names[action_promoted(e->rec)]);
	}
	action_changed(e);
}

/* Move an index to step next; the last error stays until it is done. */
static void
action_index_move(struct action_engine *e, size_t i, enum step next)
{
	struct action_index_record	*ir = &e->rec->indices[i];

	log_debug("%s: %s: %s -> %s", fsm_action_name(e->rec->kind),
	    ir->names[action_step_cluster(e->rec, ir->step)],
	    step_name(ir->step), step_name(next));
	ir->step = next;
	ir->sent = false;
	ir->attempts = 0;
	e->runs[i].solo = false;
	action_changed(e);
}

/*
 * The failback deleted the old leader's index. Until the follow creates
 * its successor, a client's write may create an index of that name
 * (Elasticsearch's auto_create_index): neither the pinned uuid nor the
 * recorded checkpoints say anything about such an index, so they are
 * forgotten, and one met later counts as divergent (kept until confirmed,
 * then copied) instead of re-created and left, or replaced unseen.
 */
static void
action_index_deleted(struct action_index_record *ir)
{
	size_t	k;

	free(ir->uuid);
	ir->uuid = NULL;
	for (k = 0; k < ir->nshards; k++)
		ir->follower_global_checkpoint[k] = STEP_SEQ_UNKNOWN;
}

/* Move an index on to step next with a clean slate. */
static void
action_index_advance(struct action_engine *e, size_t i, enum step next)
{
	struct action_index_record	*ir = &e->rec->indices[i];

	/* Reopened after a failure: it stays failed, with its error. */
	if (ir->failed_step != STEP_FAILED) {
		action_index_move(e, i, STEP_FAILED);
		return;
	}
	if (ir->step == STEP_DELETE)
		action_index_deleted(ir);
	action_index_move(e, i, next);
	action_set_string(&ir->error_type, NULL);
	action_set_string(&ir->error_reason, NULL);
}

static void
action_backoff_cb(int fd, short events, void *arg)
{
	struct index_run	*run = arg;

	(void)fd;
	(void)events;
	run->waiting = false;
	action_kick(run->engine);
}

/*
 * Not yet (a copy starting, a restore copying): ask again after a poll
 * interval, without counting it as a failure; why shows in the status.
 */
static void
action_index_wait(struct action_engine *e, size_t i, const char *type,
    const char *why)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];

	action_set_string(&ir->error_type, type);
	action_set_string(&ir->error_reason, why);
	if (run->backoff == NULL)
		run->backoff = evtimer_new(e->base, action_backoff_cb, run);
	run->waiting = true;
	action_timer_add(run->backoff, e->params.lag_poll_ms > 0 ?
	    e->params.lag_poll_ms : e->params.retry_cap_ms);
	action_changed(e);
}

/* A transient failure: back off, or give up after max_attempts. */
static void
action_index_retry(struct action_engine *e, size_t i,
    const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	char				 buf[64];
	const char			*reason = action_reply_reason(r, buf,
					    sizeof buf);
	uint64_t			 delay;

	if (e->params.max_attempts != 0 &&
	    ir->attempts + 1 >= e->params.max_attempts) {
		action_index_fail(e, i, action_reply_type(r), reason);
		return;
	}
	delay = step_backoff_ms(ir->attempts, e->params.retry_base_ms,
	    e->params.retry_cap_ms, action_random(e));
	ir->attempts++;
	action_set_string(&ir->error_type, action_reply_type(r));
	action_set_string(&ir->error_reason, reason);
	log_debug("%s: %s: %s: %s (%s), retry %u in %" PRIu64 " ms",
	    fsm_action_name(e->rec->kind),
	    ir->names[action_step_cluster(e->rec, ir->step)],
	    step_name(ir->step), ir->error_type, reason, ir->attempts, delay);
	if (run->backoff == NULL)
		run->backoff = evtimer_new(e->base, action_backoff_cb, run);
	run->waiting = true;
	action_timer_add(run->backoff, delay);
	action_changed(e);
}

/*
 * Keep the follower's per-shard view from parsed _ccr/stats (NULL when
 * they could not be read); a follower absent from them is paused.
 */
static void
action_record_stats(struct action_engine *e, size_t i,
    const struct es_ccr_stats *st)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[action_promoted(e->rec)];
	const struct es_index_stats	*is;
	bool				 kept = false;

	/* A retried promotion keeps what the first read saw. */
	if (ir->nshards > 0)
		return;
	if (st != NULL && (is = es_ccr_stats_find(st, name)) != NULL)
		kept = action_index_keep_shards(ir, is);
	if (!kept) {
		log_warnx("%s: %s: _ccr/stats without shards",
		    fsm_action_name(e->rec->kind), name);
		return;
	}
	if (ir->lost_operations > 0) {
		log_warnx("%s: %s: at least %" PRId64 " operations of the old "
		    "leader are lost (up to %" PRId64 " of those the follower "
		    "knew of: holes above its global checkpoint are filled "
		    "with no-ops)", fsm_action_name(e->rec->kind), name,
		    ir->lost_operations, ir->lost_operations_max);
	}
}

/*
 * The primaries' max_seq_no of one index in a _stats answer (the only
 * index, whatever its name, when just one is there), by shard number.
 */
static int64_t *
action_primary_seqs(const struct es_shard_seqs *ss, const char *name,
    size_t *nshards)
{
	const struct es_index_seq	*is;

	*nshards = 0;
	if ((is = es_shard_seqs_find(ss, name)) == NULL && ss->nindices == 1)
		is = &ss->indices[0];
	return (is != NULL ? action_seqs_by_shard(is, nshards) : NULL);
}

/*
 * The divergence guard: compare the old leader's operations with what the
 * new leader had received when it was promoted; anything unproven counts as
 * divergent, and such an index waits for the operator.
 */
static void
action_check_divergence(struct action_engine *e, size_t i,
    const struct es_shard_seqs *ss)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[e->rec->old_leader];
	const struct es_index_seq	*is;
	int64_t				*now = NULL, divergent;
	size_t				 nnow = 0;
	char				 count[32], *why;
	struct log_field		 f[] = {
		{ "CCR_INDEX", name },
		{ "CCR_CLUSTER", e->rec->clusters[e->rec->old_leader] },
		{ "CCR_DIVERGENT_OPERATIONS", count },
	};

	if (ss != NULL) {
		/* Not the index that led: someone re-created it. */
		if ((is = es_shard_seqs_find(ss, name)) == NULL &&
		    ss->nindices == 1)
			is = &ss->indices[0];
		if (is != NULL && ir->uuid != NULL && is->uuid[0] != '\0' &&
		    strcmp(is->uuid, ir->uuid) != 0) {
			xasprintf(&why, "its uuid %s is not the one pinned "
			    "while it led (%s): re-created since, left as it "
			    "is", is->uuid, ir->uuid);
			action_index_fail(e, i, "index_recreated", why);
			free(why);
			return;
		}
		now = action_primary_seqs(ss, name, &nnow);
	}
	divergent = step_divergent_operations(ir->follower_global_checkpoint,
	    ir->nshards, now, nnow);
	free(now);
	ir->divergent_operations = divergent;
	if (divergent == 0) {
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_DIVERGENCE, false));
		return;
	}
	if (ir->clone == NULL)
		ir->clone = action_record_clone_name(name);
	if (divergent > 0)
		snprintf(count, sizeof count, "%" PRId64, divergent);
	else
		snprintf(count, sizeof count, "unknown");
	events_emit(e->params.events, CCR_EVENT_DIVERGENCE,
	    LOG_LEVEL_WARNING, f, sizeof f / sizeof f[0], NULL,
	    "%s: index %s on %s holds %s operations the new leader never "
	    "received; kept until confirmed, then copied to %s",
	    fsm_action_name(e->rec->kind), name,
	    e->rec->clusters[e->rec->old_leader], count, ir->clone);
	action_index_advance(e, i, step_next(e->rec->kind, STEP_DIVERGENCE,
	    true));
}

/*
 * The record step's answer for the indices in members, parsed once: each
 * keeps its shards. The step moves on either way.
 */
static void
action_answer_stats(struct action_engine *e, const size_t *members,
    size_t n, const json_t *root)
{
	struct es_ccr_stats	 st;
	char			*cause = NULL;
	bool			 parsed;
	size_t			 k;

	parsed = es_parse_ccr_stats(root, &st, &cause) == 0;
	free(cause);
	for (k = 0; k < n; k++)
		action_record_stats(e, members[k], parsed ? &st : NULL);
	if (parsed)
		es_ccr_stats_clear(&st);
}

/*
 * The divergence check's _stats for the indices in members, parsed once.
 * Alone, an index is judged on whatever came back (an unreadable answer
 * proves nothing, so it counts as divergent); in a list, one that is not
 * in the answer is asked about alone.
 */
static void
action_answer_seqs(struct action_engine *e, const size_t *members,
    size_t n, const json_t *root)
{
	struct es_shard_seqs	 ss;
	char			*cause = NULL;
	bool			 parsed;
	size_t			 k, i;

	parsed = es_parse_shard_seqs(root, &ss, &cause) == 0;
	free(cause);
	for (k = 0; k < n; k++) {
		i = members[k];
		if (n > 1 && (!parsed || es_shard_seqs_find(&ss,
		    e->rec->indices[i].names[e->rec->old_leader]) == NULL)) {
			e->runs[i].solo = true;
			continue;
		}
		action_check_divergence(e, i, parsed ? &ss : NULL);
	}
	if (parsed)
		es_shard_seqs_clear(&ss);
}

/* What _ccr/info says about one index; *entry is its entry, if any. */
static enum obs_follow_status
action_follow_status(const json_t *root, const char *name,
    struct es_follow_info *entry)
{
	struct es_ccr_info		 ci;
	const struct es_follow_info	*fi;
	char				*cause = NULL;

	memset(entry, 0, sizeof *entry);
	if (es_parse_ccr_info(root, &ci, &cause) != 0) {
		free(cause);
		return (OBS_FOLLOW_UNKNOWN);
	}
	fi = es_ccr_info_find(&ci, name);
	if (fi != NULL)
		*entry = *fi;
	es_ccr_info_clear(&ci);
	if (fi == NULL)
		return (OBS_FOLLOW_NOT_FOLLOWER);
	return (entry->active ? OBS_FOLLOW_ACTIVE : OBS_FOLLOW_PAUSED);
}

/* After an ambiguous unfollow: resume where _ccr/info says the index is. */
static void
action_unfollow_verified(struct action_engine *e, size_t i,
    const json_t *root, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	struct es_follow_info		 entry;
	enum obs_follow_status		 st;
	enum step			 next;

	st = action_follow_status(root, ir->names[action_promoted(e->rec)],
	    &entry);
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
static void
action_following_checked(struct action_engine *e, size_t i,
    const json_t *root, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	int				 p = action_promoted(e->rec);
	const char			*name = ir->names[e->rec->old_leader];
	struct es_follow_info		 entry;
	char				*why;
	enum obs_follow_status		 st;

	st = action_follow_status(root, name, &entry);
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
	if (strcmp(entry.remote_cluster, e->rec->clusters[p]) != 0 ||
	    strcmp(entry.leader_index, ir->names[p]) != 0) {
		xasprintf(&why, "the index follows %s:%s",
		    *entry.remote_cluster != '\0' ? entry.remote_cluster : "?",
		    *entry.leader_index != '\0' ? entry.leader_index : "?");
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

/*
 * The old leader cannot be shown to reach the new one through the remote
 * just registered: following would fail, so its index is not deleted; it
 * waits for the operator with the reason.
 */
static void
action_index_unreachable(struct action_engine *e, size_t i, const char *why)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	struct log_field		 f[] = {
		{ "CCR_INDEX", ir->names[e->rec->old_leader] },
		{ "CCR_CLUSTER", e->rec->clusters[e->rec->old_leader] },
	};

	ir->unreachable = true;
	action_set_string(&ir->error_type, "remote_unreachable");
	action_set_string(&ir->error_reason, why);
	log_event(LOG_LEVEL_WARNING,
	    ccr_events[CCR_EVENT_DIVERGENCE].message_id, f,
	    sizeof f / sizeof f[0], "%s: index %s on %s is kept: %s cannot "
	    "reach %s through its remote: %s; nothing is deleted until "
	    "confirmed", fsm_action_name(e->rec->kind),
	    ir->names[e->rec->old_leader],
	    e->rec->clusters[e->rec->old_leader],
	    e->rec->clusters[e->rec->old_leader], e->rec->clusters[p], why);
	action_changed(e);
}

/*
 * The answer of a step that waits or proves something on the old leader
 * (clone_started, clone_count, restore, reach_check); true when it was
 * handled here.
 */
static bool
action_index_check(struct action_engine *e, size_t i, enum step step,
    const struct es_result *a, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	const char			*name = ir->names[e->rec->old_leader];
	struct es_health		 h;
	struct es_resolved		 rc;
	int64_t				 src, copy;
	uint64_t			 copied, total;
	char				*cause = NULL, why[320];
	bool				 up;

	memset(&rc, 0, sizeof rc);
	switch (step) {
	case STEP_RESTORE:
		if (a->outcome != HTTP_DONE || a->status != 200 ||
		    a->root == NULL)
			return (false);
		if (es_parse_recovery(a->root, name, &up, &copied, &total,
		    &cause) != 0) {
			free(cause);
			return (false);
		}
		if (!up) {
			snprintf(why, sizeof why, "the follow's restore has "
			    "copied %llu%% (%llu of %llu bytes)",
			    (unsigned long long)(total > 0 ?
			    copied * 100 / total : 0),
			    (unsigned long long)copied,
			    (unsigned long long)total);
			action_index_wait(e, i, "restoring", why);
			return (true);
		}
		e->runs[i].restored = true;
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_CLONE_STARTED:
		if (a->outcome != HTTP_DONE || (a->status != 200 &&
		    a->status != 408))
			return (false);
		up = a->status == 200 && a->root != NULL &&
		    es_parse_health(a->root, &h, &cause) == 0 &&
		    !h.timed_out && (h.status == OBS_HEALTH_GREEN ||
		    h.status == OBS_HEALTH_YELLOW);
		free(cause);
		if (!up) {
			action_index_wait(e, i, "copy_starting",
			    "the copy's shards are not started yet");
			return (true);
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_CLONE_COUNT:
		if (a->outcome != HTTP_DONE || a->status != 200)
			return (false);
		src = es_docs_count(a->root, name);
		copy = es_docs_count(a->root, ir->clone);
		if (src < 0 || copy < 0 || src != copy) {
			snprintf(why, sizeof why, "the copy %s holds %lld of "
			    "%lld documents", ir->clone, (long long)copy,
			    (long long)src);
			action_index_wait(e, i, "copy_incomplete", why);
			return (true);
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_REACH:
		if (a->outcome == HTTP_TIMEOUT) {
			action_index_unreachable(e, i, "its _resolve/cluster "
			    "did not answer in time");
			return (true);
		}
		if (a->outcome != HTTP_DONE)
			return (false);
		if (a->status == 200 && a->root != NULL &&
		    es_parse_resolve_cluster(a->root, e->rec->clusters[p], &rc,
		    &cause) == 0 && rc.found && rc.connected) {
			action_index_advance(e, i, step_next(e->rec->kind,
			    step, false));
			return (true);
		}
		free(cause);
		if (a->status == 200)
			snprintf(why, sizeof why, "not connected%s%s",
			    rc.error[0] != '\0' ? ": " : "", rc.error);
		else if (a->status < 500)
			snprintf(why, sizeof why, "%s",
			    r->reason != NULL ? r->reason : "refused");
		else
			return (false);
		action_index_unreachable(e, i, why);
		return (true);
	default:
		return (false);
	}
}

/* What one index makes of the answer to its step. */
static void
action_index_answer(struct action_engine *e, size_t i, enum step step,
    const struct es_result *a)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct step_reply		 r;
	enum verdict			 v;
	char				 buf[64];

	action_reply(a, &r);
	if (action_index_check(e, i, step, a, &r))
		return;
	v = step_verdict(step, &r);
	log_debug("%s: %s: %s answered %d: %s",
	    fsm_action_name(e->rec->kind),
	    ir->names[action_step_cluster(e->rec, step)], step_name(step),
	    r.status, verdict_name(v));
	switch (v) {
	case VERDICT_DONE:
		if (step == STEP_RECORD) {
			if (r.status >= 200 && r.status < 300)
				action_answer_stats(e, &i, 1, a->root);
		} else if (step == STEP_VERIFY_UNFOLLOW) {
			action_unfollow_verified(e, i, a->root, &r);
			return;
		} else if (step == STEP_DIVERGENCE) {
			action_answer_seqs(e, &i, 1, a->root);
			return;
		} else if (step == STEP_FOLLOWING) {
			action_following_checked(e, i, a->root, &r);
			return;
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		break;
	case VERDICT_RETRY:
		action_index_retry(e, i, &r);
		break;
	case VERDICT_VERIFY:
		/* A follow that met an existing index: see what it is. */
		action_index_move(e, i, step == STEP_FOLLOW ? STEP_FOLLOWING :
		    STEP_VERIFY_UNFOLLOW);
		e->runs[i].followed = step == STEP_FOLLOW;
		action_set_string(&ir->error_type, action_reply_type(&r));
		action_set_string(&ir->error_reason,
		    action_reply_reason(&r, buf, sizeof buf));
		action_changed(e);
		break;
	case VERDICT_MISSING:
		if (step == STEP_DIVERGENCE || step == STEP_FENCE ||
		    step == STEP_FOLLOWING) {
			/* Nothing on the old leader to lose: follow. */
			action_index_advance(e, i, STEP_REACH);
			break;
		}
		/* FALLTHROUGH */
	case VERDICT_FAIL:
		action_index_fail(e, i, action_reply_type(&r),
		    action_reply_reason(&r, buf, sizeof buf));
		break;
	}
}

/*
 * Each index's share of an answer to one step over several indices. Only a
 * success is everyone's: the answers that mean "already done" alone (a
 * DELETE's 404) are about one member of a list, found by asking alone.
 */
static void
action_batch_answer(struct action_engine *e, struct action_request *req,
    const struct es_result *a)
{
	struct action_index_record	*ir;
	struct step_reply		 r;
	enum verdict			 v;
	char				*cause;
	size_t				 k, i;
	bool				 closed;

	action_reply(a, &r);
	v = step_verdict(req->step, &r);
	if (v == VERDICT_DONE && req->nmembers > 1 &&
	    (r.status < 200 || r.status > 299))
		v = VERDICT_FAIL;
	if (v == VERDICT_DONE && req->step == STEP_RECORD) {
		action_answer_stats(e, req->members, req->nmembers, a->root);
	} else if (v == VERDICT_DONE && req->step == STEP_DIVERGENCE) {
		action_answer_seqs(e, req->members, req->nmembers, a->root);
		action_kick(e);
		return;
	} else if (req->step == STEP_REACH ||
	    (v == VERDICT_DONE && (r.status >= 200 && r.status < 300) &&
	    (req->step == STEP_FOLLOWING || req->step == STEP_RESTORE))) {
		/* Answers each member reads for itself (by name or cluster). */
		for (k = 0; k < req->nmembers; k++)
			action_index_answer(e, req->members[k], req->step, a);
		action_kick(e);
		return;
	}
	for (k = 0; k < req->nmembers; k++) {
		i = req->members[k];
		ir = &e->rec->indices[i];
		if (v != VERDICT_DONE && v != VERDICT_RETRY &&
		    req->nmembers > 1) {
			/* Refused as a whole: find the culprit one by one. */
			e->runs[i].solo = true;
			continue;
		}
		if (v != VERDICT_DONE) {
			action_index_answer(e, i, req->step, a);
			continue;
		}
		cause = NULL;
		closed = true;
		if (req->step == STEP_CLOSE && a->root != NULL &&
		    es_parse_closed(a->root,
		    ir->names[action_step_cluster(e->rec, req->step)], &closed,
		    &cause) != 0)
			closed = true;
		free(cause);
		if (!closed) {
			r.error_type = "close_failed";
			r.reason = "the index was not closed";
			r.status = 500;
			action_index_retry(e, i, &r);
			continue;
		}
		action_index_advance(e, i, step_next(e->rec->kind, req->step,
		    false));
	}
	action_kick(e);
}

static void	action_phase_answer(struct action_engine *,
		    struct action_request *, const struct es_result *);
static void	action_watch_answer(struct action_engine *,
		    struct action_request *, const struct es_result *);

static void
action_request_free(struct action_request *req)
{
	if (req == NULL)
		return;
	if (req->timer != NULL)
		event_free(req->timer);
	es_call_clear(&req->call);
	free(req->members);
	free(req);
}

/* Route an answer to whoever asked. */
static void
action_dispatch(struct action_request *req, const struct es_result *a)
{
	struct action_engine	*e = req->engine;
	size_t			 k;

	TAILQ_REMOVE(&e->requests, req, entry);
	e->in_flight--;
	for (k = 0; req->kind != REQUEST_WATCH && k < req->nmembers; k++)
		e->runs[req->members[k]].busy = false;
	switch (req->kind) {
	case REQUEST_INDEX:
		action_index_answer(e, req->members[0], req->step, a);
		break;
	case REQUEST_BATCH:
		action_batch_answer(e, req, a);
		break;
	case REQUEST_PHASE:
		e->phase_busy = false;
		action_phase_answer(e, req, a);
		break;
	case REQUEST_WATCH:
		e->watch_busy = false;
		action_watch_answer(e, req, a);
		break;
	}
	action_request_free(req);
	action_kick(e);
}

static void
action_request_done(const struct es_result *a, void *arg)
{
	struct action_request	*req = arg;

	evtimer_del(req->timer);
	req->handle = NULL;
	action_dispatch(req, a);
}

/* The engine's own guard: no answer in time, or it could not be queued. */
static void
action_request_timer_cb(int fd, short events, void *arg)
{
	struct action_request	*req = arg;
	struct action_engine	*e = req->engine;
	struct es_result	 a;

	(void)fd;
	(void)events;
	memset(&a, 0, sizeof a);
	if (req->handle != NULL) {
		e->transport.cancel(e->transport.ctx, req->handle);
		req->handle = NULL;
		a.outcome = HTTP_TIMEOUT;
		a.reason = "no answer within the request timeout";
	} else {
		a.outcome = HTTP_FAILED;
		a.reason = "the request could not be queued";
	}
	action_dispatch(req, &a);
}

/* A request for call, which it takes over, on behalf of n indices. */
static struct action_request *
action_request_new(struct action_engine *e, enum request_kind kind,
    enum step step, int cluster, struct es_call *call, bool mutates,
    const size_t *members, size_t n)
{
	struct action_request	*req;

	req = xcalloc(1, sizeof *req);
	if (n > 0) {
		req->members = xreallocarray(NULL, n, sizeof *req->members);
		memcpy(req->members, members, n * sizeof *req->members);
		req->nmembers = n;
	}
	req->engine = e;
	req->kind = kind;
	req->step = step;
	req->cluster = cluster;
	req->call = *call;
	memset(call, 0, sizeof *call);
	req->mutates = mutates;
	req->timer = evtimer_new(e->base, action_request_timer_cb, req);
	return (req);
}

/* Hand a request to the transport and watch it. */
static void
action_request_send(struct action_engine *e, struct action_request *req)
{
	size_t	k;

	TAILQ_INSERT_TAIL(&e->requests, req, entry);
	e->in_flight++;
	for (k = 0; req->kind != REQUEST_WATCH && k < req->nmembers; k++)
		e->runs[req->members[k]].busy = true;
	if (req->kind == REQUEST_PHASE)
		e->phase_busy = true;
	if (req->kind == REQUEST_WATCH)
		e->watch_busy = true;
	req->sent_ms = monotime_ms();
	log_debug("%s %s on %s", http_method_name(req->call.method),
	    req->call.path, e->rec->clusters[req->cluster]);
	req->handle = e->transport.send(e->transport.ctx, req->cluster,
	    &req->call, action_request_done, req);
	if (req->handle == NULL)
		action_timer_add(req->timer, 0);
	else if (e->params.request_timeout_ms != 0)
		action_timer_add(req->timer, e->params.request_timeout_ms);
}

/* Log what a dry run would have sent. */
static void
action_dry_log(struct action_engine *e, const struct action_request *req)
{
	log_info("dry run: %s %s on %s%s%s", http_method_name(req->call.method),
	    req->call.path, e->rec->clusters[req->cluster],
	    req->call.body != NULL ? " " : "",
	    req->call.body != NULL ? req->call.body : "");
}

/* Build the call for one index's current step. */
static int
action_step_call(struct action_engine *e, size_t i, struct es_call *call,
    char **cause)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	const char			*n;

	n = ir->names[action_step_cluster(e->rec, ir->step)];
	switch (ir->step) {
	case STEP_RECORD:
		return (es_call_ccr_stats(call, n, cause));
	case STEP_PAUSE:
		return (es_call_pause_follow(call, n, cause));
	case STEP_CLOSE:
		return (es_call_close(call, &n, 1, &(size_t){ 0 }, cause));
	case STEP_UNFOLLOW:
		return (es_call_unfollow(call, n, cause));
	case STEP_VERIFY_UNFOLLOW:
		return (es_call_ccr_info(call, n, cause));
	case STEP_OPEN:
		return (es_call_open(call, &n, 1, &(size_t){ 0 }, cause));
	case STEP_DIVERGENCE:
		return (es_call_shard_stats(call, n, cause));
	case STEP_BLOCK:
		return (es_call_add_write_block(call, n, cause));
	case STEP_CLONE:
		return (es_call_clone(call, n, ir->clone, cause));
	case STEP_DELETE:
		return (es_call_delete(call, n, cause));
	case STEP_FOLLOW:
		return (es_call_follow(call, n, e->rec->clusters[p],
		    ir->names[p], cause));
	case STEP_FOLLOWING:
		return (es_call_ccr_info(call, n, cause));
	case STEP_FENCE:
		return (es_call_add_write_block(call, n, cause));
	case STEP_CLONE_STARTED:
		return (es_call_index_health(call, ir->clone,
		    ACTION_WAIT_MS, cause));
	case STEP_CLONE_COUNT:
		return (es_call_docs_count(call, n, ir->clone, cause));
	case STEP_REACH:
		return (es_call_resolve_cluster(call, e->rec->clusters[p],
		    ir->names[p], 0, cause));
	case STEP_RESTORE:
		return (es_call_recovery(call, n, cause));
	default:
		fatalx("%s: no request for step %s", __func__,
		    step_name(ir->step));
	}
}

/*
 * Reads that look for the effect of a mutating request (the remote, the
 * copy, the follow): in a dry run that request was only logged, so they
 * are too.
 */
static bool
action_dry_effect(enum step step)
{
	return (step == STEP_REACH || step == STEP_CLONE_STARTED ||
	    step == STEP_CLONE_COUNT || step == STEP_RESTORE);
}

/* The request for one index's current step, or NULL when it failed. */
static struct action_request *
action_index_request(struct action_engine *e, size_t i)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct action_request		*req;
	struct es_call			 call;
	char				*cause = NULL;

	if (action_step_call(e, i, &call, &cause) != 0) {
		action_index_fail(e, i, "invalid_request", cause);
		free(cause);
		return (NULL);
	}
	req = action_request_new(e, REQUEST_INDEX, ir->step,
	    action_step_cluster(e->rec, ir->step), &call,
	    (step_mutates(ir->step) ||
	    (e->params.dry_run && action_dry_effect(ir->step))), &i, 1);
	return (req);
}

/*
 * The requests for the indices waiting for one batched step, appending to
 * out: comma lists that fit one request line, and for the record step of
 * at most ACTION_RECORD_CHUNK indices, so that the first pauses need not
 * wait for every follower's stats.
 */
static void
action_batches(struct action_engine *e, enum step step, const size_t *ready,
    size_t nready, struct action_request ***out, size_t *nout)
{
	struct action_request	*req;
	struct es_call		 call;
	const char		**names;
	int			 c = action_step_cluster(e->rec, step);
	char			*cause;
	size_t			 k, used, off = 0;
	int			 rv;

	names = xreallocarray(NULL, nready, sizeof *names);
	for (k = 0; k < nready; k++)
		names[k] = e->rec->indices[ready[k]].names[c];
	while (off < nready) {
		cause = NULL;
		used = nready - off;
		switch (step) {
		case STEP_RECORD:
			rv = es_call_record_stats_list(&call, names + off,
			    nready - off < ACTION_RECORD_CHUNK ? nready - off :
			    ACTION_RECORD_CHUNK, &used, &cause);
			break;
		case STEP_CLOSE:
			rv = es_call_close(&call, names + off, nready - off,
			    &used, &cause);
			break;
		case STEP_OPEN:
			rv = es_call_open(&call, names + off, nready - off,
			    &used, &cause);
			break;
		case STEP_DIVERGENCE:
			rv = es_call_shard_stats_list(&call, names + off,
			    nready - off, &used, &cause);
			break;
		case STEP_DELETE:
			rv = es_call_delete_list(&call, names + off,
			    nready - off, &used, &cause);
			break;
		case STEP_FOLLOWING:
			rv = es_call_follow_info_list(&call, names + off,
			    nready - off, &used, &cause);
			break;
		case STEP_FENCE:
			rv = es_call_add_write_block_list(&call, names + off,
			    nready - off, &used, &cause);
			break;
		case STEP_RESTORE:
			rv = es_call_recovery_list(&call, names + off,
			    nready - off, &used, &cause);
			break;
		case STEP_REACH:
			/* Whether the remote connects, whatever the index. */
			rv = es_call_resolve_cluster(&call,
			    e->rec->clusters[action_promoted(e->rec)],
			    e->rec->indices[ready[off]].names[
			    action_promoted(e->rec)], 0, &cause);
			break;
		default:
			fatalx("%s: step %s is not batched", __func__,
			    step_name(step));
		}
		if (rv != 0) {
			action_index_fail(e, ready[off++], "invalid_request",
			    cause);
			free(cause);
			continue;
		}
		req = action_request_new(e, REQUEST_BATCH, step, c, &call,
		    step_mutates(step) ||
		    (e->params.dry_run && action_dry_effect(step)), ready + off,
		    used);
		off += used;
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = req;
	}
	free(names);
}

/* Whether a step goes out for many indices in one request. */
static bool
action_step_batched(enum step step)
{
	switch (step) {
	case STEP_RECORD:
	case STEP_CLOSE:
	case STEP_OPEN:
	case STEP_DIVERGENCE:
	case STEP_DELETE:
	case STEP_FOLLOWING:
	case STEP_FENCE:
	case STEP_RESTORE:
	case STEP_REACH:
		return (true);
	default:
		return (false);
	}
}

/* Whether an index is ready to send its step now. */
static bool
action_index_ready(struct action_engine *e, size_t i)
{
	struct index_run	*run = &e->runs[i];

	if (run->busy || run->waiting)
		return (false);
	return (action_index_status(&e->rec->indices[i]) ==
	    ACTION_INDEX_RUNNING);
}

/*
 * Send what the indices can send within the in-flight bound. Single-index
 * steps take the free slots first and _close/_open batches what is left:
 * while the singles keep the slots busy the batches grow, and no index ever
 * waits for a slow or backing-off one.
 */
static void
action_pump_indices(struct action_engine *e)
{
	struct action_record	 *rec = e->rec;
	struct action_request	**out = NULL, *req;
	size_t			 *batch[STEP_MAX] = { NULL }, nbatch[STEP_MAX];
	size_t			  nout = 0, nsingle, i, k;
	unsigned int		  slots;
	enum step		  s;

	memset(nbatch, 0, sizeof nbatch);
	slots = e->params.max_in_flight > e->in_flight ?
	    e->params.max_in_flight - e->in_flight : 0;
	for (i = 0; i < rec->nindices; i++) {
		if (!action_index_ready(e, i))
			continue;
		s = rec->indices[i].step;
		if (action_step_batched(s) && !e->runs[i].solo) {
			batch[s] = xreallocarray(batch[s], nbatch[s] + 1,
			    sizeof *batch[s]);
			batch[s][nbatch[s]++] = i;
			continue;
		}
		if (slots == 0)
			continue;
		if ((req = action_index_request(e, i)) == NULL)
			continue;
		slots--;
		out = xreallocarray(out, nout + 1, sizeof *out);
		out[nout++] = req;
	}
	nsingle = nout;
	for (s = 0; s < STEP_MAX; s++) {
		if (nbatch[s] > 0 && slots > 0)
			action_batches(e, s, batch[s], nbatch[s], &out, &nout);
		free(batch[s]);
	}
	for (k = nsingle; k < nout; k++) {
		if (slots == 0) {
			action_request_free(out[k]);
			out[k] = NULL;
		} else
			slots--;
	}

	/* Write ahead: the record says "sent" before anything leaves. */
	for (k = 0; k < nout; k++) {
		if (out[k] == NULL || !out[k]->mutates)
			continue;
		for (i = 0; i < out[k]->nmembers; i++) {
			rec->indices[out[k]->members[i]].sent = true;
			e->dirty = true;
		}
	}
	action_notify(e);

	for (k = 0; k < nout; k++) {
		if (out[k] == NULL)
			continue;
		if (!e->params.dry_run || !out[k]->mutates) {
			action_request_send(e, out[k]);
			continue;
		}
		action_dry_log(e, out[k]);
		for (i = 0; i < out[k]->nmembers; i++) {
			action_index_advance(e, out[k]->members[i],
			    out[k]->step == STEP_RESTORE ? STEP_DONE :
			    step_next(rec->kind, out[k]->step, false));
		}
		action_request_free(out[k]);
	}
	free(out);
}

/* Whether every index has ended, DONE or FAILED. */
static bool
action_indices_finished(const struct action_record *rec)
{
	size_t	i;

	for (i = 0; i < rec->nindices; i++) {
		if (rec->indices[i].step != STEP_DONE &&
		    rec->indices[i].step != STEP_FAILED)
			return (false);
	}
	return (true);
}

/* The phase after this one for the record's kind. */
static enum action_phase
action_phase_next(enum fsm_action kind, enum action_phase phase)
{
	switch (phase) {
	case ACTION_PHASE_LAG:
		return (ACTION_PHASE_REMOTE);
	case ACTION_PHASE_REMOTE:
		return (ACTION_PHASE_INDICES);
	case ACTION_PHASE_INDICES:
		return (kind == FSM_ACTION_FAILBACK ? ACTION_PHASE_FINISHED :
		    ACTION_PHASE_AUTO_FOLLOW);
	default:
		return (ACTION_PHASE_FINISHED);
	}
}

/* The phase an action starts in. */
static enum action_phase
action_phase_first(enum fsm_action kind)
{
	switch (kind) {
	case FSM_ACTION_SWITCHOVER:
		return (ACTION_PHASE_LAG);
	case FSM_ACTION_FAILBACK:
		return (ACTION_PHASE_REMOTE);
	default:
		return (ACTION_PHASE_INDICES);
	}
}

/* End a lag wait, which has changed nothing, with an error. */
static void
action_give_up(struct action_engine *e, const char *type, const char *why)
{
	struct action_request	*req, *next;

	for (req = TAILQ_FIRST(&e->requests); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		if (req->kind != REQUEST_PHASE)
			continue;
		if (req->handle != NULL)
			e->transport.cancel(e->transport.ctx, req->handle);
		TAILQ_REMOVE(&e->requests, req, entry);
		e->in_flight--;
		action_request_free(req);
	}
	e->phase_busy = e->phase_waiting = false;
	evtimer_del(e->phase_timer);
	evtimer_del(e->deadline);
	action_set_string(&e->rec->error_type, type);
	action_set_string(&e->rec->error_reason, why);
	/* What the wait blocked is unblocked: nothing stays changed. */
	e->rec->phase = e->rec->fenced > e->rec->unfenced ?
	    ACTION_PHASE_UNFENCE : ACTION_PHASE_FINISHED;
	action_changed(e);
}

static void
action_deadline_cb(int fd, short events, void *arg)
{
	struct action_engine	*e = arg;
	char			*why;

	(void)fd;
	(void)events;
	xasprintf(&why, "lag did not reach 0 within %" PRIu64 " ms",
	    e->params.switchover_timeout_ms);
	action_give_up(e, "lag_timeout", why);
	free(why);
}

/* Forget what the phase in hand had read and waited for. */
static void
action_phase_clear(struct action_engine *e)
{
	size_t	k;

	e->phase_attempts = 0;
	e->phase_waiting = false;
	evtimer_del(e->phase_timer);
	es_shard_seqs_clear(&e->lag_leader);
	e->lag_read = false;
	e->lag_checked = 0;
	for (k = 0; k < e->npatterns; k++)
		free(e->patterns[k]);
	free(e->patterns);
	e->patterns = NULL;
	e->npatterns = e->next_pattern = 0;
	e->patterns_listed = false;
}

/* Enter a phase: reset its runtime state, arm what it needs. */
static void
action_phase_enter(struct action_engine *e, enum action_phase phase)
{
	e->rec->phase = phase;
	action_phase_clear(e);
	if (phase == ACTION_PHASE_LAG)
		action_timer_add(e->deadline, e->params.switchover_timeout_ms);
	else
		evtimer_del(e->deadline);
	log_debug("%s: phase %s", fsm_action_name(e->rec->kind),
	    action_phase_name(phase));
	action_changed(e);
}

static void
action_phase_timer_cb(int fd, short events, void *arg)
{
	struct action_engine	*e = arg;

	(void)fd;
	(void)events;
	e->phase_waiting = false;
	action_kick(e);
}

/* The phase's request failed: retry it, or end the action with it. */
static void
action_phase_retry(struct action_engine *e, const struct step_reply *r,
    bool permanent)
{
	char		 buf[64];
	const char	*reason = action_reply_reason(r, buf, sizeof buf);

	if (e->rec->phase == ACTION_PHASE_LAG) {
		/* Keep reading until the deadline says otherwise. */
		e->phase_waiting = true;
		action_timer_add(e->phase_timer, e->params.lag_poll_ms);
		return;
	}
	if (permanent || (e->params.max_attempts != 0 &&
	    e->phase_attempts + 1 >= e->params.max_attempts)) {
		log_warnx("%s: %s failed: %s: %s",
		    fsm_action_name(e->rec->kind),
		    action_phase_name(e->rec->phase), action_reply_type(r),
		    reason);
		action_set_string(&e->rec->error_type, action_reply_type(r));
		action_set_string(&e->rec->error_reason, reason);
		/* Before the indices nothing changed; after, they are done. */
		action_phase_enter(e, ACTION_PHASE_FINISHED);
		return;
	}
	e->phase_waiting = true;
	action_timer_add(e->phase_timer, step_backoff_ms(e->phase_attempts++,
	    e->params.retry_base_ms, e->params.retry_cap_ms,
	    action_random(e)));
}

/*
 * The promoted cluster's _ccr/info over some followers, read before the
 * lag wait: an index that exists there and follows nothing was promoted by
 * an earlier attempt whose record is gone. Its lag will never read 0, and
 * giving up would lift the block on its old side while it takes writes
 * itself; so it is not waited for and takes up the failback half, where
 * its old side is fenced, counted against the divergence guard (with no
 * record, as divergent) and made to follow.
 */
static void
action_lag_promoted(struct action_engine *e,
    const struct action_request *req, const json_t *root)
{
	struct action_index_record	*ir;
	struct es_ccr_info		 ci;
	int				 p = action_promoted(e->rec);
	char				*cause = NULL;
	size_t				 k;

	e->lag_checked += req->nmembers;
	if (es_parse_ccr_info(root, &ci, &cause) != 0) {
		free(cause);
		return;
	}
	for (k = 0; k < req->nmembers; k++) {
		ir = &e->rec->indices[req->members[k]];
		if (ir->step != STEP_RECORD ||
		    es_ccr_info_find(&ci, ir->names[p]) != NULL)
			continue;
		log_notice("%s: %s on %s already follows nothing: its lag is "
		    "not waited for, %s on %s is failed back",
		    fsm_action_name(e->rec->kind), ir->names[p],
		    e->rec->clusters[p], ir->names[e->rec->old_leader],
		    e->rec->clusters[e->rec->old_leader]);
		ir->step = STEP_FOLLOWING;
		ir->sent = false;
		action_changed(e);
	}
	es_ccr_info_clear(&ci);
}

/*
 * Whether _ccr/stats shows every configured follower caught up: its
 * checkpoints agree and each shard holds at least the max_seq_no the old
 * leader's _stats (e->lag_leader, read first) reported for it.
 */
static bool
action_lag_zero(struct action_engine *e, const json_t *root)
{
	struct action_index_record	*ir;
	struct es_ccr_stats		 st;
	const struct es_index_stats	*is;
	const struct es_shard_stats	*sh;
	int64_t				*seqs;
	size_t				 i, k, nseqs;
	char				*cause = NULL;
	bool				 zero = true;

	if (es_parse_ccr_stats(root, &st, &cause) != 0) {
		free(cause);
		return (false);
	}
	for (i = 0; zero && i < e->rec->nindices; i++) {
		ir = &e->rec->indices[i];
		/* Promoted before: its lag was proven then, or is moot. */
		if (ir->step != STEP_RECORD)
			continue;
		is = es_ccr_stats_find(&st, ir->names[action_promoted(e->rec)]);
		if (is == NULL || is->nshards == 0 ||
		    es_shard_seqs_find(&e->lag_leader,
		    ir->names[e->rec->old_leader]) == NULL) {
			zero = false;
			break;
		}
		seqs = action_primary_seqs(&e->lag_leader,
		    ir->names[e->rec->old_leader], &nseqs);
		if (nseqs != is->nshards)
			zero = false;
		for (k = 0; zero && k < is->nshards; k++) {
			sh = &is->shards[k];
			if (sh->leader_global_checkpoint !=
			    sh->follower_global_checkpoint ||
			    sh->shard_id < 0 || (size_t)sh->shard_id >= nseqs ||
			    seqs[sh->shard_id] == STEP_SEQ_UNKNOWN ||
			    sh->follower_max_seq_no < seqs[sh->shard_id])
				zero = false;
		}
		free(seqs);
	}
	es_ccr_stats_clear(&st);
	return (zero);
}

/* Remember the auto-follow patterns that point at the old leader. */
static int
action_list_patterns(struct action_engine *e, const json_t *root)
{
	struct es_auto_follows	 af;
	const char		*old = e->rec->clusters[e->rec->old_leader];
	char			*cause = NULL;
	size_t			 k;

	if (es_parse_auto_follow(root, &af, &cause) != 0) {
		log_warnx("%s: auto-follow patterns: %s",
		    fsm_action_name(e->rec->kind), cause);
		free(cause);
		return (-1);
	}
	for (k = 0; k < af.npatterns; k++) {
		if (strcmp(af.patterns[k].remote_cluster, old) != 0 ||
		    !af.patterns[k].active)
			continue;
		e->patterns = xreallocarray(e->patterns, e->npatterns + 1,
		    sizeof *e->patterns);
		e->patterns[e->npatterns++] = xstrdup(af.patterns[k].name);
	}
	es_auto_follows_clear(&af);
	e->patterns_listed = true;
	return (0);
}

/* The answer to a phase's request. */
static void
action_phase_answer(struct action_engine *e, struct action_request *req,
    const struct es_result *a)
{
	struct step_reply	r;
	char			*cause = NULL;
	bool			ok, missing;

	action_reply(a, &r);
	ok = r.outcome == HTTP_DONE && r.status >= 200 && r.status < 300;
	missing = r.outcome == HTTP_DONE && r.status == 404;
	if (!ok && (r.outcome != HTTP_DONE || r.status == 408 ||
	    r.status == 429 || r.status >= 500)) {
		action_phase_retry(e, &r, false);
		return;
	}
	switch (e->rec->phase) {
	case ACTION_PHASE_LAG:
		if (req->step == STEP_FOLLOWING) {
			/* A missing follower is not promoted: it waits. */
			if (!ok && !missing) {
				action_phase_retry(e, &r, false);
				break;
			}
			if (ok)
				action_lag_promoted(e, req, a->root);
			else
				e->lag_checked += req->nmembers;
			e->phase_attempts = 0;
			break;
		}
		if (req->step == STEP_FENCE) {
			/* An index that does not exist takes no write. */
			if (!ok && !missing) {
				action_phase_retry(e, &r, true);
				break;
			}
			e->rec->fenced++;
			e->phase_attempts = 0;
			action_changed(e);
			break;
		}
		if (ok && !e->lag_read) {
			e->lag_read = es_parse_shard_seqs(a->root,
			    &e->lag_leader, &cause) == 0;
			free(cause);
			if (e->lag_read)
				break;
		} else if (ok && action_lag_zero(e, a->root)) {
			log_info("%s: every follower caught up",
			    fsm_action_name(e->rec->kind));
			action_phase_enter(e, action_phase_next(e->rec->kind,
			    ACTION_PHASE_LAG));
			break;
		}
		es_shard_seqs_clear(&e->lag_leader);
		e->lag_read = false;
		action_phase_retry(e, &r, false);
		break;
	case ACTION_PHASE_REMOTE:
		if (!ok) {
			action_phase_retry(e, &r, true);
			break;
		}
		action_phase_enter(e, action_phase_next(e->rec->kind,
		    ACTION_PHASE_REMOTE));
		break;
	case ACTION_PHASE_UNFENCE:
		if (!ok && !missing) {
			action_phase_retry(e, &r, true);
			break;
		}
		e->rec->unfenced++;
		e->phase_attempts = 0;
		action_changed(e);
		break;
	case ACTION_PHASE_AUTO_FOLLOW:
		/* A pattern deleted meanwhile needs no pausing. */
		if (!ok && !(missing && req->mutates)) {
			action_phase_retry(e, &r, true);
			break;
		}
		if (!e->patterns_listed) {
			if (action_list_patterns(e, a->root) != 0) {
				action_phase_retry(e, &r, false);
				break;
			}
		} else {
			log_info("%s: auto-follow pattern %s paused",
			    fsm_action_name(e->rec->kind),
			    e->patterns[e->next_pattern]);
			e->next_pattern++;
		}
		e->phase_attempts = 0;
		break;
	default:
		break;
	}
}

/*
 * The lag wait's _ccr/info on the promoted cluster for the followers from
 * e->lag_checked on, as many as one request line holds; *members (to
 * free) says which.
 */
static int
action_lag_info_call(struct action_engine *e, struct es_call *call,
    size_t **members, size_t *n, char **cause)
{
	const char	**names;
	size_t		  k, left = e->rec->nindices - e->lag_checked, used = 0;
	int		  p = action_promoted(e->rec), rv;

	names = xreallocarray(NULL, left, sizeof *names);
	for (k = 0; k < left; k++)
		names[k] = e->rec->indices[e->lag_checked + k].names[p];
	rv = es_call_follow_info_list(call, names, left, &used, cause);
	free(names);
	if (rv != 0)
		return (rv);
	*members = xreallocarray(NULL, used, sizeof **members);
	for (k = 0; k < used; k++)
		(*members)[k] = e->lag_checked + k;
	*n = used;
	return (0);
}

/* Send the current phase's next request, if it has one. */
static void
action_pump_phase(struct action_engine *e)
{
	struct action_request	*req;
	struct es_call		 call;
	struct es_result	 a;
	char			*cause = NULL;
	int			 p = action_promoted(e->rec), c = p, rv = 0;
	bool			 mutates = false;
	enum step		 step = STEP_MAX;
	size_t			*members = NULL, nmembers = 0;

	if (e->phase_busy || e->phase_waiting ||
	    e->in_flight >= e->params.max_in_flight)
		return;
	switch (e->rec->phase) {
	case ACTION_PHASE_LAG:
		/*
		 * Which followers were promoted before (an earlier attempt,
		 * its record gone); then writes to the old leader stop, index
		 * by index, but for those: lag 0 then means every
		 * acknowledged write has reached the follower. Then the old
		 * leader's numbers, then the follower's view of them.
		 */
		while (e->lag_checked == e->rec->nindices &&
		    e->rec->fenced < e->rec->nindices &&
		    e->rec->indices[e->rec->fenced].step != STEP_RECORD) {
			e->rec->fenced++;
			e->dirty = true;
		}
		if (e->lag_checked < e->rec->nindices) {
			rv = action_lag_info_call(e, &call, &members,
			    &nmembers, &cause);
			step = STEP_FOLLOWING;
		} else if (e->rec->fenced < e->rec->nindices) {
			c = e->rec->old_leader;
			mutates = true;
			step = STEP_FENCE;
			/* Write ahead: the index says a request may be out. */
			e->rec->indices[e->rec->fenced].sent = true;
			e->dirty = true;
			rv = es_call_add_write_block(&call,
			    e->rec->indices[e->rec->fenced].names[c], &cause);
		} else if (!e->lag_read) {
			c = e->rec->old_leader;
			rv = es_call_shard_stats(&call, NULL, &cause);
		} else
			rv = es_call_ccr_stats(&call, NULL, &cause);
		break;
	case ACTION_PHASE_REMOTE:
		c = e->rec->old_leader;
		mutates = true;
		rv = es_call_remote_settings(&call, e->rec->clusters[p],
		    &e->config->clusters[p].remote, &cause);
		break;
	case ACTION_PHASE_UNFENCE:
		/* A promoted index's old side keeps its block. */
		while (e->rec->unfenced < e->rec->fenced &&
		    e->rec->indices[e->rec->unfenced].step != STEP_RECORD) {
			e->rec->unfenced++;
			e->dirty = true;
		}
		if (e->rec->unfenced == e->rec->fenced) {
			action_phase_enter(e, ACTION_PHASE_FINISHED);
			return;
		}
		c = e->rec->old_leader;
		mutates = true;
		e->rec->indices[e->rec->unfenced].sent = true;
		e->dirty = true;
		rv = es_call_remove_write_block(&call,
		    e->rec->indices[e->rec->unfenced].names[c], &cause);
		break;
	case ACTION_PHASE_AUTO_FOLLOW:
		if (!e->patterns_listed) {
			es_call_auto_follow_list(&call);
			break;
		}
		if (e->next_pattern == e->npatterns) {
			action_phase_enter(e, ACTION_PHASE_FINISHED);
			return;
		}
		mutates = true;
		rv = es_call_auto_follow_pause(&call,
		    e->patterns[e->next_pattern], &cause);
		break;
	default:
		return;
	}
	if (rv != 0) {
		log_warnx("%s: %s: %s", fsm_action_name(e->rec->kind),
		    action_phase_name(e->rec->phase), cause);
		action_set_string(&e->rec->error_type, "invalid_request");
		action_set_string(&e->rec->error_reason, cause);
		free(cause);
		action_phase_enter(e, ACTION_PHASE_FINISHED);
		return;
	}
	req = action_request_new(e, REQUEST_PHASE, step, c, &call,
	    mutates, members, nmembers);
	free(members);
	action_notify(e);
	if (e->params.dry_run && req->mutates) {
		action_dry_log(e, req);
		memset(&a, 0, sizeof a);
		a.outcome = HTTP_DONE;
		a.status = 200;
		action_phase_answer(e, req, &a);
		action_request_free(req);
		action_kick(e);
		return;
	}
	action_request_send(e, req);
}

/*
 * Give up on a request whose effect is known from elsewhere: its answer
 * will not be awaited, and its connection is closed.
 */
static void
action_request_abandon(struct action_engine *e, struct action_request *req)
{
	size_t	k;

	evtimer_del(req->timer);
	if (req->handle != NULL)
		e->transport.cancel(e->transport.ctx, req->handle);
	req->handle = NULL;
	TAILQ_REMOVE(&e->requests, req, entry);
	e->in_flight--;
	for (k = 0; k < req->nmembers; k++)
		e->runs[req->members[k]].busy = false;
	action_request_free(req);
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
static void
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

static void
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
static void
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

/* Tell the daemon that the action is over, with its counts. */
static void
action_finish(struct action_engine *e)
{
	struct action_summary	sum;

	action_record_summary(e->rec, &sum);
	e->running = false;
	e->dirty = true;
	action_notify(e);
	if (e->cb.on_finished != NULL)
		e->cb.on_finished(&sum, e->cb.arg);
}

/* Move the action on as far as it can go without waiting. */
static void
action_pump(struct action_engine *e)
{
	if (!e->running)
		return;
	if (e->rec->phase == ACTION_PHASE_INDICES) {
		action_pump_indices(e);
		action_pump_watch(e);
		if (action_indices_finished(e->rec) && e->in_flight == 0) {
			action_phase_enter(e, action_phase_next(e->rec->kind,
			    ACTION_PHASE_INDICES));
		}
	} else if (e->rec->phase != ACTION_PHASE_FINISHED)
		action_pump_phase(e);
	if (e->rec->phase == ACTION_PHASE_FINISHED && e->in_flight == 0) {
		action_finish(e);
		return;
	}
	action_notify(e);
}

/* Create an engine; config, transport and callbacks must outlive it. */
struct action_engine *
action_create(struct event_base *base, const struct ccr_config *config,
    const struct action_transport *transport,
    const struct action_params *params, const struct action_callbacks *cb)
{
	struct action_engine	*e;
	struct timespec		 ts;

	e = xcalloc(1, sizeof *e);
	e->base = base;
	e->config = config;
	e->transport = *transport;
	e->params = *params;
	if (e->params.max_in_flight == 0)
		e->params.max_in_flight = 1;
	e->cb = *cb;
	TAILQ_INIT(&e->requests);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	e->rnd = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
	    (uint64_t)(uintptr_t)e;
	if (e->rnd == 0)
		e->rnd = 1;
	e->kick = event_new(base, -1, 0, action_kick_cb, e);
	e->phase_timer = evtimer_new(base, action_phase_timer_cb, e);
	e->deadline = evtimer_new(base, action_deadline_cb, e);
	e->watch_timer = evtimer_new(base, action_watch_timer_cb, e);
	return (e);
}

/* Drop per-run state: requests (cancelled), timers, runs. */
static void
action_clear_runtime(struct action_engine *e)
{
	struct action_request	*req;
	size_t			 i;

	while ((req = TAILQ_FIRST(&e->requests)) != NULL) {
		if (req->handle != NULL)
			e->transport.cancel(e->transport.ctx, req->handle);
		TAILQ_REMOVE(&e->requests, req, entry);
		action_request_free(req);
	}
	e->in_flight = 0;
	e->phase_busy = false;
	action_phase_clear(e);
	event_del(e->kick);
	evtimer_del(e->deadline);
	evtimer_del(e->watch_timer);
	e->watch_busy = false;
	e->watch_gap_ms = 0;
	if (e->runs != NULL && e->rec != NULL) {
		for (i = 0; i < e->rec->nindices; i++) {
			if (e->runs[i].backoff != NULL)
				event_free(e->runs[i].backoff);
		}
	}
	free(e->runs);
	e->runs = NULL;
	e->running = false;
}

/*
 * Stop where the action is: cancel what is in flight, send nothing more.
 * The record stays as it is, so a later action_resume finishes the job.
 */
void
action_stop(struct action_engine *e)
{
	if (e->running)
		log_info("%s stopped at phase %s",
		    fsm_action_name(e->rec->kind),
		    action_phase_name(e->rec->phase));
	action_clear_runtime(e);
}

void
action_free(struct action_engine *e)
{
	if (e == NULL)
		return;
	action_clear_runtime(e);
	action_record_free(e->rec);
	event_free(e->kick);
	event_free(e->phase_timer);
	event_free(e->deadline);
	event_free(e->watch_timer);
	free(e);
}

bool
action_running(const struct action_engine *e)
{
	return (e->running);
}

/* The engine's record (NULL before any action); borrowed. */
const struct action_record *
action_record(const struct action_engine *e)
{
	return (e->rec);
}

/* Set up runtime state for rec and get going. */
static void
action_go(struct action_engine *e, struct action_record *rec)
{
	size_t	i;

	action_clear_runtime(e);
	action_record_free(e->rec);
	e->rec = rec;
	e->runs = xcalloc(rec->nindices, sizeof *e->runs);
	for (i = 0; i < rec->nindices; i++) {
		e->runs[i].engine = e;
	}
	e->running = true;
	metrics_action_started(rec->kind);
	if (rec->phase == ACTION_PHASE_LAG)
		action_timer_add(e->deadline, e->params.switchover_timeout_ms);
	/* The intent is on disk before the first request is even built. */
	e->dirty = true;
	action_notify(e);
	action_kick(e);
}

/*
 * Start an action. old_leader is the cluster (config index) that leads now
 * or led until it was lost: promotion and switchover promote the other one;
 * failback turns old_leader into the follower of the other one. A failback
 * takes the finished promotion's record (may be NULL) for the divergence
 * guard; without it every index counts as divergent.
 */
int
action_start(struct action_engine *e, enum fsm_action kind, int old_leader,
    const struct action_record *promotion, char **cause)
{
	const struct ccr_config		*cf = e->config;
	struct action_record		*rec;
	size_t				 i;

	if (e->running) {
		xasprintf(cause, "%s is already running",
		    fsm_action_name(e->rec->kind));
		return (-1);
	}
	if (kind != FSM_ACTION_PROMOTE && kind != FSM_ACTION_FAILBACK &&
	    kind != FSM_ACTION_SWITCHOVER) {
		xasprintf(cause, "cannot start action %s",
		    fsm_action_name(kind));
		return (-1);
	}
	if (old_leader != 0 && old_leader != 1) {
		xasprintf(cause, "no cluster %d", old_leader);
		return (-1);
	}
	if (promotion != NULL && (promotion->kind != FSM_ACTION_PROMOTE ||
	    promotion->old_leader != old_leader)) {
		/* Another direction's numbers would prove nothing here. */
		log_warnx("%s: ignoring a %s record that replaced %s",
		    fsm_action_name(kind), fsm_action_name(promotion->kind),
		    promotion->clusters[promotion->old_leader]);
		promotion = NULL;
	}
	rec = action_record_new(kind, old_leader, action_phase_first(kind),
	    cf, promotion, cause);
	if (rec == NULL)
		return (-1);
	action_go(e, rec);
	for (i = 0; i < rec->nindices; i++) {
		if (rec->indices[i].step == STEP_FAILED)
			action_log_failed(e, i, rec->indices[i].failed_step);
	}
	return (0);
}

/*
 * Carry on with a recorded action after a restart. The record is copied;
 * it must name the configured clusters.
 */
int
action_resume(struct action_engine *e, const struct action_record *rec,
    char **cause)
{
	struct action_record	*copy;
	size_t			 i;

	if (e->running) {
		xasprintf(cause, "%s is already running",
		    fsm_action_name(e->rec->kind));
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		if (strcmp(rec->clusters[i],
		    e->config->clusters[i].name) != 0) {
			xasprintf(cause, "recorded cluster %s is not "
			    "configured", rec->clusters[i]);
			return (-1);
		}
	}
	if (rec->phase == ACTION_PHASE_FINISHED) {
		xasprintf(cause, "the recorded %s has finished",
		    fsm_action_name(rec->kind));
		return (-1);
	}
	if ((copy = action_record_copy(rec, cause)) == NULL)
		return (-1);
	log_info("%s resumed at phase %s", fsm_action_name(copy->kind),
	    action_phase_name(copy->phase));
	action_go(e, copy);
	return (0);
}

/*
 * Where a failed index takes up a retried action. Promotion steps from the
 * pause on are idempotent and each checks what the last left (a reopened
 * index is paused, not closed): they start again at the pause, after the
 * record the first attempt took, which is kept. A failback step starts
 * again at the check whether the index already follows the new leader.
 */
static enum step
action_retry_step(enum fsm_action kind, enum step failed)
{
	if (failed == STEP_RECORD || failed == STEP_OPEN)
		return (failed);
	if (failed < STEP_OPEN)
		return (STEP_PAUSE);
	if (!step_of(kind, failed) || failed == STEP_FAILED ||
	    failed == STEP_DONE)
		return (step_first(kind));
	return (STEP_FOLLOWING);
}

/*
 * Retry a failed action: the same action, from its record. Indices that
 * are done stay done and their recorded checkpoints are kept; a failed
 * index takes up where it failed (action_retry_step); an action that gave
 * up before touching anything starts over. A switchover with indices not
 * yet promoted waits for their lag again (the others are not waited for).
 */
int
action_retry(struct action_engine *e, const struct action_record *rec,
    char **cause)
{
	struct action_record		*copy;
	struct action_index_record	*ir;
	size_t				 i, done = 0, again = 0;
	bool				 touched = false, unpromoted = false;

	if (e->running) {
		xasprintf(cause, "%s is already running",
		    fsm_action_name(e->rec->kind));
		return (-1);
	}
	if ((copy = action_record_copy(rec, cause)) == NULL)
		return (-1);
	for (i = 0; i < copy->nindices; i++) {
		ir = &copy->indices[i];
		touched = touched || step_touched(copy->kind, ir->step,
		    ir->sent, ir->failed_step);
		if (ir->step == STEP_DONE) {
			done++;
			continue;
		}
		if (ir->step == STEP_FAILED)
			ir->step = action_retry_step(copy->kind,
			    ir->failed_step);
		ir->failed_step = STEP_FAILED;
		ir->sent = step_mutates(ir->step);
		ir->attempts = 0;
		ir->unreachable = false;
		unpromoted = unpromoted || ir->step == STEP_RECORD;
		again++;
	}
	free(copy->error_type);
	free(copy->error_reason);
	copy->error_type = copy->error_reason = NULL;
	if (!touched || (unpromoted && copy->kind == FSM_ACTION_SWITCHOVER)) {
		copy->phase = action_phase_first(copy->kind);
		copy->fenced = copy->unfenced = 0;
	} else
		copy->phase = copy->kind == FSM_ACTION_PROMOTE ?
		    ACTION_PHASE_INDICES : ACTION_PHASE_REMOTE;
	log_notice("%s retried: %zu indices done stay done, %zu taken up "
	    "again", fsm_action_name(copy->kind), done, again);
	action_go(e, copy);
	return (0);
}

/*
 * Abort an action that has not changed anything yet: a switchover still
 * waiting for the followers to catch up. Past that point an action is only
 * ever stopped (action_stop) and resumed, never left half done.
 */
int
action_abort(struct action_engine *e, char **cause)
{
	if (!e->running) {
		xasprintf(cause, "no action is running");
		return (-1);
	}
	if (e->rec->phase != ACTION_PHASE_LAG) {
		xasprintf(cause, "%s is past the point of no return",
		    fsm_action_name(e->rec->kind));
		return (-1);
	}
	log_info("%s aborted by the operator", fsm_action_name(e->rec->kind));
	action_give_up(e, "aborted", "aborted by the operator");
	return (0);
}

/* Release every index held for divergence; returns how many. */
size_t
action_confirm(struct action_engine *e)
{
	size_t	i, n = 0;

	if (!e->running)
		return (0);
	for (i = 0; i < e->rec->nindices; i++) {
		if (action_index_status(&e->rec->indices[i]) !=
		    ACTION_INDEX_AWAITING_CONFIRMATION)
			continue;
		n++;
		/* The operator takes the unproven link on himself. */
		if (e->rec->indices[i].unreachable) {
			e->rec->indices[i].unreachable = false;
			action_index_advance(e, i, STEP_DELETE);
		} else
			e->rec->indices[i].confirmed = true;
	}
	if (n > 0) {
		log_info("%s: %zu divergent indices confirmed: copying, then "
		    "deleting", fsm_action_name(e->rec->kind), n);
		action_changed(e);
	}
	return (n);
}
