/*
 * The action engine carries out one promotion, failback or switchover over
 * every configured index pair.
 *
 * An action runs in phases. A promotion the operator has not confirmed
 * first asks the pre_promote hook, with nothing sent yet: a veto ends it
 * there, and the record it leaves has touched nothing, so a restart
 * meanwhile decides afresh. A switchover first waits until every follower
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
 * The engine's parts: action-request.c builds, batches and sends its
 * requests; action-watch.c reads _ccr/info for it (the unfollows it does
 * not wait for, ambiguous answers, existing follows); action-seqno.c keeps
 * what the promotion's record step read; action-failback.c checks the old
 * leader before its indices are replaced. They share action-int.h.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "action-int.h"
#include "config.h"
#include "es-parse.h"
#include "events.h"
#include "hook.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

static void	action_pump(struct action_engine *);
static void	action_clear_runtime(struct action_engine *);
static enum action_phase action_phase_first(enum fsm_action);
static void	action_phase_enter(struct action_engine *, enum action_phase);
static void	action_phase_answer(struct action_engine *,
		    struct action_request *, const struct es_result *);

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
int
action_promoted(const struct action_record *rec)
{
	return (1 - rec->old_leader);
}

/* Promotion steps run on the promoted cluster, failback steps on the old. */
int
action_step_cluster(const struct action_record *rec, enum step step)
{
	return (step <= STEP_OPEN ? action_promoted(rec) : rec->old_leader);
}

/* Replace a string the record owns. */
void
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
void
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
const char *
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
const char *
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
void
action_changed(struct action_engine *e)
{
	e->dirty = true;
	action_kick(e);
}

/* Hand the record to the daemon if it changed since it last saw it. */
void
action_notify(struct action_engine *e)
{
	if (!e->dirty)
		return;
	e->dirty = false;
	if (e->cb.on_change != NULL)
		e->cb.on_change(e->rec, e->cb.arg);
}

/* Run the pump from the loop, once, however many times this is called. */
void
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
void
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
void
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
void
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

/* Move an index on to step next with a clean slate. */
void
action_index_advance(struct action_engine *e, size_t i, enum step next)
{
	struct action_index_record	*ir = &e->rec->indices[i];

	/* Reopened after a failure: it stays failed, with its error. */
	if (ir->failed_step != STEP_FAILED) {
		action_index_move(e, i, STEP_FAILED);
		return;
	}
	if (ir->step == STEP_DELETE || ir->step == STEP_VERIFY_DELETE)
		action_index_record_forget(ir);
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
void
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
void
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

/* What one index makes of the answer to its step. */
void
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
		    step == STEP_DELETE ? STEP_VERIFY_DELETE :
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

/* Route an answer to whoever asked. */
void
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

/* A new action is under way: say so, and which indices cannot start. */
static void
action_announce(struct action_engine *e)
{
	size_t	i;

	for (i = 0; i < e->rec->nindices; i++) {
		if (e->rec->indices[i].step == STEP_FAILED)
			action_log_failed(e, i, e->rec->indices[i].failed_step);
	}
	events_action_started(e->params.events, e->rec, e->params.dry_run);
}

/* No veto: the promotion starts where it would have without one. */
static void
action_veto_passed(struct action_engine *e)
{
	metrics_action_started(e->rec->kind);
	action_announce(e);
	action_phase_enter(e, action_phase_first(e->rec->kind));
}

/*
 * The pre_promote hook ended. Exit 0 lets the promotion go on; anything
 * else holds it for the operator: it ends here with nothing sent, and
 * vetoed says so in place of on_finished.
 */
static void
action_veto_done(const struct hook_result *r, void *arg)
{
	struct action_engine	*e = arg;

	events_hook_done(r, NULL);
	e->veto_running = false;
	if (hook_result_succeeded(r)) {
		action_veto_passed(e);
		return;
	}
	action_set_string(&e->rec->error_type, "vetoed");
	action_set_string(&e->rec->error_reason,
	    "the pre_promote hook vetoed the promotion");
	e->rec->phase = ACTION_PHASE_FINISHED;
	action_clear_runtime(e);
	if (e->veto.vetoed != NULL)
		e->veto.vetoed(e->rec, e->veto.arg);
}

/*
 * The pre_promote phase: run the hook, once. One that cannot be started
 * lets the promotion go on, as if none were configured.
 */
static void
action_pump_veto(struct action_engine *e)
{
	const struct ccr_hooks_config	*hc = &e->config->hooks;
	struct hook_request		 req;
	char				*cause = NULL;
	int				 rv = -1;

	if (e->veto_running)
		return;
	memset(&req, 0, sizeof req);
	req.name = "pre_promote";
	req.path = hc->pre_promote;
	req.timeout_ms = hc->timeout_ms;
	req.event = "pre-promote";
	req.old_leader = req.leader = e->rec->clusters[e->rec->old_leader];
	req.new_leader = req.follower =
	    e->rec->clusters[action_promoted(e->rec)];
	req.state = fsm_state_name(FSM_STATE_PROMOTING);
	if (e->params.events == NULL || e->params.events->hooks == NULL)
		cause = xstrdup("no hook runner");
	else
		rv = hook_run(e->params.events->hooks, &req, action_veto_done,
		    e, &cause);
	if (rv == 0) {
		e->veto_running = true;
		return;
	}
	log_warnx("pre_promote not run (%s): promoting", cause);
	free(cause);
	action_veto_passed(e);
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
		/*
		 * Before the indices nothing changed but a switchover's write
		 * blocks, which are lifted (the old leader still leads); after
		 * them, the indices are done.
		 */
		action_phase_enter(e, e->rec->phase == ACTION_PHASE_REMOTE &&
		    e->rec->fenced > e->rec->unfenced ? ACTION_PHASE_UNFENCE :
		    ACTION_PHASE_FINISHED);
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
	if (e->rec->phase == ACTION_PHASE_PRE_PROMOTE)
		action_pump_veto(e);
	else if (e->rec->phase == ACTION_PHASE_INDICES) {
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
	/* The hook runs on; its end is only logged. */
	if (e->veto_running) {
		hook_forget(e->params.events->hooks, e, events_hook_done);
		e->veto_running = false;
	}
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
	if (rec->phase != ACTION_PHASE_PRE_PROMOTE)
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
 * guard; without it every index counts as divergent. A promotion given a
 * veto asks the pre_promote hook first, when one is configured.
 */
int
action_start(struct action_engine *e, enum fsm_action kind, int old_leader,
    const struct action_record *promotion, const struct action_veto *veto,
    char **cause)
{
	const struct ccr_config		*cf = e->config;
	struct action_record		*rec;
	enum action_phase		 first = action_phase_first(kind);

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
	memset(&e->veto, 0, sizeof e->veto);
	if (kind == FSM_ACTION_PROMOTE && veto != NULL &&
	    cf->hooks.pre_promote != NULL) {
		e->veto = *veto;
		first = ACTION_PHASE_PRE_PROMOTE;
	}
	rec = action_record_new(kind, old_leader, first, cf, promotion, cause);
	if (rec == NULL)
		return (-1);
	action_go(e, rec);
	if (first != ACTION_PHASE_PRE_PROMOTE)
		action_announce(e);
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
	/* Held for its veto, it had sent nothing: a restart decides afresh. */
	if (rec->phase == ACTION_PHASE_PRE_PROMOTE) {
		xasprintf(cause, "the recorded %s sent nothing yet: it is "
		    "decided afresh", fsm_action_name(rec->kind));
		return (-1);
	}
	if ((copy = action_record_copy(rec, cause)) == NULL)
		return (-1);
	/*
	 * A DELETE that may have gone out: a client's write may have created
	 * an index of that name since, which is not to be deleted unseen.
	 */
	for (i = 0; i < copy->nindices; i++) {
		if (copy->indices[i].step == STEP_DELETE &&
		    copy->indices[i].sent) {
			copy->indices[i].step = STEP_VERIFY_DELETE;
			copy->indices[i].sent = false;
		}
	}
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
