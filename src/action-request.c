/*
 * The engine's requests: built for an index's step, or for one step over
 * many indices, handed to the transport and guarded by the engine's own
 * timeout; what leaves when, within max_in_flight; how a batch's answer is
 * shared out among its indices.
 *
 * Steps that Elasticsearch can take for many indices at once go out as one
 * request: the record step's _ccr/stats, _close, _open, the divergence
 * check's _stats and the DELETE go over comma lists that keep the request
 * line within Elasticsearch's 4096 bytes. A batch that Elasticsearch
 * refuses outright cannot say which index was at fault, so its indices are
 * retried one by one ("solo").
 *
 * A mutating request leaves only after the record says it may have been
 * sent; in a dry run it is logged instead, and taken as done.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "action-int.h"
#include "log.h"
#include "monotime.h"
#include "xmalloc.h"

/* How long a health read waits for yellow before it says "not yet". */
#define ACTION_WAIT_MS	1000
/* Followers whose stats one record request reads, at most. */
#define ACTION_RECORD_CHUNK	100

void
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
struct action_request *
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
void
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

/*
 * Give up on a request whose effect is known from elsewhere: its answer
 * will not be awaited, and its connection is closed.
 */
void
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

/* Log what a dry run would have sent. */
void
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
	case STEP_VERIFY_DELETE:
		return (es_call_index_uuid(call, n, cause));
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
void
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

/*
 * Each index's share of an answer to one step over several indices. Only a
 * success is everyone's: the answers that mean "already done" alone (a
 * DELETE's 404) are about one member of a list, found by asking alone.
 */
void
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
		    v != VERDICT_VERIFY && req->nmembers > 1) {
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
