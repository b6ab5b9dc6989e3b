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
 * max_in_flight requests out and _close/_open batched over comma lists that
 * keep the request line within Elasticsearch's 4096 bytes; promotion and
 * switchover end by pausing the promoted cluster's auto-follow patterns that
 * point at the old leader.
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
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define ACTION_RECORD_VERSION	1
#define ACTION_REQUEST_LINE_MAX	4096	/* http.max_initial_line_length */
#define ACTION_INDEX_NAME_MAX	255	/* bytes, Elasticsearch's limit */
#define ACTION_SHARDS_MAX	1024	/* index.number_of_shards limit */
#define ACTION_CLONE_INFIX	"-diverged-"

enum request_kind {
	REQUEST_INDEX,		/* one index's step */
	REQUEST_BATCH,		/* _close or _open over several indices */
	REQUEST_PHASE		/* the action's own requests */
};

struct action_request {
	struct action_engine		*engine;
	enum request_kind		 kind;
	enum step			 step;
	bool				 verify; /* _ccr/info after a follow */
	bool				 mutates; /* dry run: logged only */
	int				 cluster;
	const char			*method;
	char				*path;
	char				*body;
	size_t				*members;	/* index numbers */
	size_t				 nmembers;
	void				*handle;
	struct event			*timer;
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
	bool			 verify_follow;	/* follow is being verified */
	unsigned int		 verify_rounds;
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
	json_t				*lag_leader;	/* old leader's _stats */
	bool				 patterns_listed;
	char				**patterns;	/* to pause */
	size_t				 npatterns;
	size_t				 next_pattern;
};

static const char *const action_phase_names[ACTION_PHASE_MAX] = {
	"lag", "remote", "indices", "auto_follow", "finished"
};

static const char *const action_index_status_names[ACTION_INDEX_STATUS_MAX] = {
	"running", "awaiting_confirmation", "done", "failed"
};

/* Journal events per kind: started, finished. */
static const enum ccr_event action_events[FSM_ACTION_MAX][2] = {
	[FSM_ACTION_PROMOTE] = {
	    CCR_EVENT_PROMOTION_STARTED, CCR_EVENT_PROMOTION_FINISHED },
	[FSM_ACTION_FAILBACK] = {
	    CCR_EVENT_FAILBACK_STARTED, CCR_EVENT_FAILBACK_FINISHED },
	[FSM_ACTION_SWITCHOVER] = {
	    CCR_EVENT_SWITCHOVER_STARTED, CCR_EVENT_SWITCHOVER_FINISHED },
};

static void	action_pump(struct action_engine *);
static void	action_kick(struct action_engine *);

const char *
action_phase_name(enum action_phase phase)
{
	if (phase >= ACTION_PHASE_MAX)
		return ("unknown");
	return (action_phase_names[phase]);
}

const char *
action_index_status_name(enum action_index_status status)
{
	if (status >= ACTION_INDEX_STATUS_MAX)
		return ("unknown");
	return (action_index_status_names[status]);
}

/* Where an index stands, as status and journal present it. */
enum action_index_status
action_index_status(const struct action_index_record *ir)
{
	if (ir->step == STEP_DONE)
		return (ACTION_INDEX_DONE);
	if (ir->step == STEP_FAILED)
		return (ACTION_INDEX_FAILED);
	if (ir->step == STEP_BLOCK && !ir->confirmed)
		return (ACTION_INDEX_AWAITING_CONFIRMATION);
	return (ACTION_INDEX_RUNNING);
}

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

static void
action_index_record_clear(struct action_index_record *ir)
{
	free(ir->names[0]);
	free(ir->names[1]);
	free(ir->error_type);
	free(ir->error_reason);
	free(ir->leader_max_seq_no);
	free(ir->follower_max_seq_no);
	free(ir->clone);
}

/* Free a record and everything it owns; NULL is fine. */
void
action_record_free(struct action_record *rec)
{
	size_t	i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->nindices; i++)
		action_index_record_clear(&rec->indices[i]);
	free(rec->indices);
	free(rec->clusters[0]);
	free(rec->clusters[1]);
	free(rec->error_type);
	free(rec->error_reason);
	free(rec);
}

/* Replace a string the record owns. */
static void
action_set_string(char **dst, const char *src)
{
	char	*copy = src != NULL ? xstrdup(src) : NULL;

	free(*dst);
	*dst = copy;
}

/* Percent-encode an index or pattern name for a path segment. */
static char *
action_escape(const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out, *o;

	out = o = xmalloc(strlen(name) * 3 + 1);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '%';
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 0xf];
	}
	*o = '\0';
	return (out);
}

/* Bytes of "METHOD target HTTP/1.1\r\n", the line Elasticsearch limits. */
static size_t
action_request_line_len(const char *method, size_t target_len)
{
	return (strlen(method) + 1 + target_len + strlen(" HTTP/1.1\r\n"));
}

/* Fill a step_reply from an answer, reading the error envelope if needed. */
static void
action_reply(const struct action_answer *a, struct step_reply *r)
{
	json_t	*error, *v;

	r->transport = a->transport;
	r->status = a->status;
	r->error_type = a->error_type;
	r->reason = a->reason;
	r->leases_failed = a->leases_failed;
	if (r->error_type != NULL || a->transport != TRANSPORT_OK ||
	    a->root == NULL)
		return;
	error = json_object_get(a->root, "error");
	if (json_is_string(error)) {
		r->error_type = "error";
		r->reason = json_string_value(error);
	} else if (json_is_object(error)) {
		v = json_object_get(error, "type");
		r->error_type = json_is_string(v) ? json_string_value(v) :
		    "error";
		v = json_object_get(error, "reason");
		if (json_is_string(v))
			r->reason = json_string_value(v);
		if (json_object_get(error,
		    "failed_to_remove_retention_leases") != NULL)
			r->leases_failed = true;
	}
}

/* The error type recorded for an answer that carried none. */
static const char *
action_reply_type(const struct step_reply *r)
{
	switch (r->transport) {
	case TRANSPORT_TIMEOUT:
		return ("timeout");
	case TRANSPORT_REFUSED:
		return ("connection_refused");
	case TRANSPORT_ERROR:
		return ("transport_error");
	default:
		break;
	}
	return (r->error_type != NULL ? r->error_type : "http_error");
}

/* The reason recorded for an answer; never NULL. */
static const char *
action_reply_reason(const struct step_reply *r, char *buf, size_t len)
{
	if (r->reason != NULL)
		return (r->reason);
	if (r->transport == TRANSPORT_OK)
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

	log_event(LOG_LEVEL_ERROR,
	    ccr_events[CCR_EVENT_ACTION_FAILED].message_id, f,
	    sizeof f / sizeof f[0], "%s: index %s on %s failed at %s: %s: %s",
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
	e->runs[i].verify_follow = false;
	e->runs[i].solo = false;
	action_changed(e);
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

/* A name for the copy of a divergent index: what it is and when. */
static char *
action_clone_name(const char *index)
{
	char		 stamp[32], *name, *p;
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 len = strlen(index);
	size_t		 room = ACTION_INDEX_NAME_MAX -
			    strlen(ACTION_CLONE_INFIX) - 14;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	/* Cut long names on a UTF-8 character boundary. */
	if (len > room) {
		len = room;
		while (len > 0 && ((unsigned char)index[len] & 0xc0) == 0x80)
			len--;
	}
	xasprintf(&name, "%.*s%s%s", (int)len, index, ACTION_CLONE_INFIX,
	    stamp);
	for (p = name; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return (name);
}

/* A JSON integer in range, or STEP_SEQ_UNKNOWN. */
static int64_t
action_json_seq(json_t *v)
{
	if (!json_is_integer(v))
		return (STEP_SEQ_UNKNOWN);
	return ((int64_t)json_integer_value(v));
}

/* The entry of an array of objects whose key equals name. */
static json_t *
action_json_find(json_t *array, const char *key, const char *name)
{
	json_t	*v, *s;
	size_t	 i;

	json_array_foreach(array, i, v) {
		s = json_object_get(v, key);
		if (json_is_string(s) &&
		    strcmp(json_string_value(s), name) == 0)
			return (v);
	}
	return (NULL);
}

/* Keep the follower's per-shard view from its _ccr/stats. */
static void
action_record_stats(struct action_engine *e, size_t i, json_t *root)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name;
	json_t				*index, *shards, *shard, *id;
	size_t				 n, nshards = 0, k;
	int64_t				*lmax, *fmax;

	name = ir->names[action_promoted(e->rec)];
	index = action_json_find(json_object_get(root, "indices"), "index",
	    name);
	shards = json_object_get(index, "shards");
	json_array_foreach(shards, n, shard) {
		id = json_object_get(shard, "shard_id");
		if (json_is_integer(id) && json_integer_value(id) >= 0 &&
		    json_integer_value(id) < ACTION_SHARDS_MAX &&
		    (size_t)json_integer_value(id) >= nshards)
			nshards = (size_t)json_integer_value(id) + 1;
	}
	if (nshards == 0) {
		log_warnx("%s: %s: _ccr/stats without shards",
		    fsm_action_name(e->rec->kind), name);
		return;
	}
	lmax = xreallocarray(NULL, nshards, sizeof *lmax);
	fmax = xreallocarray(NULL, nshards, sizeof *fmax);
	for (k = 0; k < nshards; k++)
		lmax[k] = fmax[k] = STEP_SEQ_UNKNOWN;
	json_array_foreach(shards, n, shard) {
		id = json_object_get(shard, "shard_id");
		if (!json_is_integer(id) || json_integer_value(id) < 0 ||
		    json_integer_value(id) >= (json_int_t)nshards)
			continue;
		k = (size_t)json_integer_value(id);
		lmax[k] = action_json_seq(json_object_get(shard,
		    "leader_max_seq_no"));
		fmax[k] = action_json_seq(json_object_get(shard,
		    "follower_max_seq_no"));
	}
	free(ir->leader_max_seq_no);
	free(ir->follower_max_seq_no);
	ir->leader_max_seq_no = lmax;
	ir->follower_max_seq_no = fmax;
	ir->nshards = nshards;
	ir->lost_operations = step_lost_operations(lmax, fmax, nshards);
	if (ir->lost_operations > 0) {
		log_warnx("%s: %s: %" PRId64 " operations of the old leader "
		    "never arrived", fsm_action_name(e->rec->kind), name,
		    ir->lost_operations);
	}
}

/*
 * The old leader's per-shard max_seq_no of its primaries from _stats, in an
 * array the caller frees; *nshards is 0 when the answer holds none.
 */
static int64_t *
action_primary_seqs(json_t *root, const char *name, size_t *nshards)
{
	json_t		*indices, *index, *shards, *copies, *copy, *routing;
	const char	*key;
	char		*end;
	unsigned long	 k;
	size_t		 n = 0, j;
	int64_t		*seqs;

	*nshards = 0;
	indices = json_object_get(root, "indices");
	index = json_object_get(indices, name);
	if (index == NULL && json_object_size(indices) == 1)
		index = json_object_iter_value(json_object_iter(indices));
	shards = json_object_get(index, "shards");
	json_object_foreach(shards, key, copies) {
		k = strtoul(key, &end, 10);
		if (*key != '\0' && *end == '\0' && k < ACTION_SHARDS_MAX &&
		    k + 1 > n)
			n = k + 1;
	}
	if (n == 0)
		return (NULL);
	seqs = xreallocarray(NULL, n, sizeof *seqs);
	for (j = 0; j < n; j++)
		seqs[j] = STEP_SEQ_UNKNOWN;
	json_object_foreach(shards, key, copies) {
		k = strtoul(key, &end, 10);
		if (*key == '\0' || *end != '\0' || k >= n)
			continue;
		json_array_foreach(copies, j, copy) {
			routing = json_object_get(copy, "routing");
			if (!json_is_true(json_object_get(routing, "primary")))
				continue;
			seqs[k] = action_json_seq(json_object_get(
			    json_object_get(copy, "seq_no"), "max_seq_no"));
		}
	}
	*nshards = n;
	return (seqs);
}

/*
 * The divergence guard: compare the old leader's operations with what the
 * new leader had received when it was promoted; anything unproven counts as
 * divergent, and such an index waits for the operator.
 */
static void
action_check_divergence(struct action_engine *e, size_t i, json_t *root)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[e->rec->old_leader];
	int64_t				*now, divergent;
	size_t				 nnow;
	char				 count[32];
	struct log_field		 f[] = {
		{ "CCR_INDEX", name },
		{ "CCR_CLUSTER", e->rec->clusters[e->rec->old_leader] },
		{ "CCR_DIVERGENT_OPERATIONS", count },
	};

	now = action_primary_seqs(root, name, &nnow);
	divergent = step_divergent_operations(ir->follower_max_seq_no,
	    ir->nshards, now, nnow);
	free(now);
	ir->divergent_operations = divergent;
	if (divergent == 0) {
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_DIVERGENCE, false));
		return;
	}
	if (ir->clone == NULL)
		ir->clone = action_clone_name(name);
	if (divergent > 0)
		snprintf(count, sizeof count, "%" PRId64, divergent);
	else
		snprintf(count, sizeof count, "unknown");
	log_event(LOG_LEVEL_WARNING,
	    ccr_events[CCR_EVENT_DIVERGENCE].message_id, f,
	    sizeof f / sizeof f[0], "%s: index %s on %s holds %s operations "
	    "the new leader never received; kept until confirmed, then copied "
	    "to %s", fsm_action_name(e->rec->kind), name,
	    e->rec->clusters[e->rec->old_leader], count, ir->clone);
	action_index_advance(e, i, step_next(e->rec->kind, STEP_DIVERGENCE,
	    true));
}

/* What _ccr/info says about one index. */
static enum obs_follow_status
action_follow_status(json_t *root, const char *name, json_t **entry)
{
	json_t		*list, *status;
	const char	*s;

	list = json_object_get(root, "follower_indices");
	*entry = NULL;
	if (!json_is_array(list))
		return (OBS_FOLLOW_UNKNOWN);
	*entry = action_json_find(list, "follower_index", name);
	if (*entry == NULL)
		return (OBS_FOLLOW_NOT_FOLLOWER);
	status = json_object_get(*entry, "status");
	s = json_is_string(status) ? json_string_value(status) : "";
	if (strcmp(s, "active") == 0)
		return (OBS_FOLLOW_ACTIVE);
	if (strcmp(s, "paused") == 0)
		return (OBS_FOLLOW_PAUSED);
	return (OBS_FOLLOW_UNKNOWN);
}

/* After an ambiguous unfollow: resume where _ccr/info says the index is. */
static void
action_unfollow_verified(struct action_engine *e, size_t i, json_t *root,
    const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct index_run		*run = &e->runs[i];
	json_t				*entry;
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

/* After a follow that met an existing index: is it the follower we want? */
static void
action_follow_verified(struct action_engine *e, size_t i, json_t *root,
    const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	const char			*name = ir->names[e->rec->old_leader];
	json_t				*entry;
	const char			*remote, *leader;
	char				*why;
	enum obs_follow_status		 st;

	st = action_follow_status(root, name, &entry);
	switch (st) {
	case OBS_FOLLOW_UNKNOWN:
		action_index_retry(e, i, r);
		return;
	case OBS_FOLLOW_NOT_FOLLOWER:
		action_index_fail(e, i, "follow_conflict",
		    "the index exists and is not a follower");
		return;
	default:
		break;
	}
	remote = json_string_value(json_object_get(entry, "remote_cluster"));
	leader = json_string_value(json_object_get(entry, "leader_index"));
	if (remote == NULL || leader == NULL ||
	    strcmp(remote, e->rec->clusters[p]) != 0 ||
	    strcmp(leader, ir->names[p]) != 0) {
		xasprintf(&why, "the index follows %s:%s", remote != NULL ?
		    remote : "?", leader != NULL ? leader : "?");
		action_index_fail(e, i, "follow_conflict", why);
		free(why);
		return;
	}
	if (st != OBS_FOLLOW_ACTIVE) {
		action_index_fail(e, i, "follow_conflict",
		    "the index follows the new leader but is paused");
		return;
	}
	action_index_advance(e, i, STEP_DONE);
}

/* What one index makes of the answer to its step. */
static void
action_index_answer(struct action_engine *e, size_t i, enum step step,
    bool verify, const struct action_answer *a)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	struct step_reply		 r;
	enum verdict			 v;
	char				 buf[64];

	action_reply(a, &r);
	if (verify) {
		/* _ccr/info on a follow's target: retry unless it answered. */
		v = step_verdict(STEP_VERIFY_UNFOLLOW, &r);
		if (v == VERDICT_DONE)
			action_follow_verified(e, i, a->root, &r);
		else if (v == VERDICT_RETRY)
			action_index_retry(e, i, &r);
		else {
			action_index_fail(e, i, action_reply_type(&r),
			    action_reply_reason(&r, buf, sizeof buf));
		}
		return;
	}

	v = step_verdict(step, &r);
	log_debug("%s: %s: %s answered %d: %s",
	    fsm_action_name(e->rec->kind),
	    ir->names[action_step_cluster(e->rec, step)], step_name(step),
	    r.status, verdict_name(v));
	switch (v) {
	case VERDICT_DONE:
		if (step == STEP_RECORD) {
			if (r.status >= 200 && r.status < 300)
				action_record_stats(e, i, a->root);
		} else if (step == STEP_VERIFY_UNFOLLOW) {
			action_unfollow_verified(e, i, a->root, &r);
			return;
		} else if (step == STEP_DIVERGENCE) {
			action_check_divergence(e, i, a->root);
			return;
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		break;
	case VERDICT_RETRY:
		action_index_retry(e, i, &r);
		break;
	case VERDICT_VERIFY:
		if (step == STEP_FOLLOW)
			e->runs[i].verify_follow = true;
		else
			action_index_move(e, i, STEP_VERIFY_UNFOLLOW);
		action_set_string(&ir->error_type, action_reply_type(&r));
		action_set_string(&ir->error_reason,
		    action_reply_reason(&r, buf, sizeof buf));
		action_changed(e);
		break;
	case VERDICT_MISSING:
		if (step == STEP_DIVERGENCE) {
			/* Nothing on the old leader to lose: follow. */
			action_index_advance(e, i, STEP_FOLLOW);
			break;
		}
		/* FALLTHROUGH */
	case VERDICT_FAIL:
		action_index_fail(e, i, action_reply_type(&r),
		    action_reply_reason(&r, buf, sizeof buf));
		break;
	}
}

/* One index's share of a _close or _open answer over a comma list. */
static void
action_batch_answer(struct action_engine *e, struct action_request *req,
    const struct action_answer *a)
{
	struct action_index_record	*ir;
	struct step_reply		 r;
	enum verdict			 v;
	json_t				*indices, *entry, *closed;
	size_t				 k, i;

	action_reply(a, &r);
	v = step_verdict(req->step, &r);
	indices = json_object_get(a->root, "indices");
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
			action_index_answer(e, i, req->step, false, a);
			continue;
		}
		entry = json_object_get(indices,
		    ir->names[action_step_cluster(e->rec, req->step)]);
		closed = json_object_get(entry, "closed");
		if (req->step == STEP_CLOSE && json_is_false(closed)) {
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
		    struct action_request *, const struct action_answer *);

static void
action_request_free(struct action_request *req)
{
	if (req == NULL)
		return;
	if (req->timer != NULL)
		event_free(req->timer);
	free(req->path);
	free(req->body);
	free(req->members);
	free(req);
}

/* Route an answer to whoever asked. */
static void
action_dispatch(struct action_request *req, const struct action_answer *a)
{
	struct action_engine	*e = req->engine;
	size_t			 k;

	TAILQ_REMOVE(&e->requests, req, entry);
	e->in_flight--;
	for (k = 0; k < req->nmembers; k++)
		e->runs[req->members[k]].busy = false;
	switch (req->kind) {
	case REQUEST_INDEX:
		action_index_answer(e, req->members[0], req->step, req->verify,
		    a);
		break;
	case REQUEST_BATCH:
		action_batch_answer(e, req, a);
		break;
	case REQUEST_PHASE:
		e->phase_busy = false;
		action_phase_answer(e, req, a);
		break;
	}
	action_request_free(req);
	action_kick(e);
}

static void
action_request_done(const struct action_answer *a, void *arg)
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
	struct action_answer	 a;

	(void)fd;
	(void)events;
	memset(&a, 0, sizeof a);
	if (req->handle != NULL) {
		e->transport.cancel(e->transport.ctx, req->handle);
		req->handle = NULL;
		a.transport = TRANSPORT_TIMEOUT;
		a.reason = "no answer within the request timeout";
	} else {
		a.transport = TRANSPORT_ERROR;
		a.reason = "the request could not be queued";
	}
	action_dispatch(req, &a);
}

static struct action_request *
action_request_new(struct action_engine *e, enum request_kind kind,
    enum step step, int cluster, const char *method, bool mutates)
{
	struct action_request	*req;

	req = xcalloc(1, sizeof *req);
	req->engine = e;
	req->kind = kind;
	req->step = step;
	req->cluster = cluster;
	req->method = method;
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
	for (k = 0; k < req->nmembers; k++)
		e->runs[req->members[k]].busy = true;
	if (req->kind == REQUEST_PHASE)
		e->phase_busy = true;
	log_debug("%s %s on %s", req->method, req->path,
	    e->rec->clusters[req->cluster]);
	req->handle = e->transport.send(e->transport.ctx, req->cluster,
	    req->method, req->path, req->body, action_request_done, req);
	if (req->handle == NULL)
		action_timer_add(req->timer, 0);
	else if (e->params.request_timeout_ms != 0)
		action_timer_add(req->timer, e->params.request_timeout_ms);
}

/* Log what a dry run would have sent. */
static void
action_dry_log(struct action_engine *e, const struct action_request *req)
{
	log_info("dry run: %s %s on %s%s%s", req->method, req->path,
	    e->rec->clusters[req->cluster], req->body != NULL ? " " : "",
	    req->body != NULL ? req->body : "");
}

/* The follow request's body: the new leader's index on its alias. */
static char *
action_follow_body(struct action_engine *e, size_t i)
{
	int	 p = action_promoted(e->rec);
	json_t	*o;
	char	*s;

	o = json_pack("{s:s, s:s}", "remote_cluster", e->rec->clusters[p],
	    "leader_index", e->rec->indices[i].names[p]);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return (s);
}

/* Build the request for one index's current step. */
static struct action_request *
action_index_request(struct action_engine *e, size_t i)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 c;
	struct action_request		*req;
	char				*n, *clone;
	const char			*method = "GET", *suffix = "";

	c = action_step_cluster(e->rec, ir->step);
	n = action_escape(ir->names[c]);
	if (e->runs[i].verify_follow) {
		req = action_request_new(e, REQUEST_INDEX, ir->step, c, "GET",
		    false);
		req->verify = true;
		xasprintf(&req->path, "/%s/_ccr/info", n);
		goto out;
	}
	switch (ir->step) {
	case STEP_RECORD:
		suffix = "/_ccr/stats";
		break;
	case STEP_PAUSE:
		method = "POST";
		suffix = "/_ccr/pause_follow";
		break;
	case STEP_CLOSE:
		method = "POST";
		suffix = "/_close";
		break;
	case STEP_UNFOLLOW:
		method = "POST";
		suffix = "/_ccr/unfollow";
		break;
	case STEP_VERIFY_UNFOLLOW:
		suffix = "/_ccr/info";
		break;
	case STEP_OPEN:
		method = "POST";
		suffix = "/_open";
		break;
	case STEP_DIVERGENCE:
		suffix = "/_stats?level=shards";
		break;
	case STEP_BLOCK:
		method = "PUT";
		suffix = "/_block/write";
		break;
	case STEP_CLONE:
		method = "POST";
		break;
	case STEP_DELETE:
		method = "DELETE";
		break;
	case STEP_FOLLOW:
		method = "PUT";
		suffix = "/_ccr/follow?wait_for_active_shards=1";
		break;
	default:
		fatalx("%s: no request for step %s", __func__,
		    step_name(ir->step));
	}
	req = action_request_new(e, REQUEST_INDEX, ir->step, c, method,
	    step_mutates(ir->step));
	if (ir->step == STEP_CLONE) {
		clone = action_escape(ir->clone);
		xasprintf(&req->path, "/%s/_clone/%s", n, clone);
		free(clone);
	} else
		xasprintf(&req->path, "/%s%s", n, suffix);
	if (ir->step == STEP_FOLLOW)
		req->body = action_follow_body(e, i);
out:
	free(n);
	req->members = xmalloc(sizeof *req->members);
	req->members[0] = i;
	req->nmembers = 1;
	return (req);
}

/*
 * Cut the indices waiting for a _close or _open into comma lists whose
 * request line stays within Elasticsearch's limit, appending to out.
 */
static void
action_batches(struct action_engine *e, enum step step, const size_t *ready,
    size_t nready, struct action_request ***out, size_t *nout)
{
	struct action_request	*req = NULL;
	const char		*suffix = step == STEP_CLOSE ?
				    "/_close?ignore_unavailable=true" :
				    "/_open?ignore_unavailable=true";
	int			 c = action_step_cluster(e->rec, step);
	char			*n, *list = NULL;
	size_t			 k, len = 0, nlen;

	for (k = 0; k <= nready; k++) {
		n = NULL;
		nlen = 0;
		if (k < nready) {
			n = action_escape(e->rec->indices[ready[k]].names[c]);
			nlen = strlen(n);
		}
		if (req != NULL && (n == NULL || action_request_line_len("POST",
		    1 + len + 1 + nlen + strlen(suffix)) >
		    ACTION_REQUEST_LINE_MAX)) {
			xasprintf(&req->path, "/%s%s", list, suffix);
			free(list);
			list = NULL;
			*out = xreallocarray(*out, *nout + 1, sizeof **out);
			(*out)[(*nout)++] = req;
			req = NULL;
		}
		if (n == NULL)
			break;
		if (req == NULL) {
			req = action_request_new(e, REQUEST_BATCH, step, c,
			    "POST", true);
			list = xstrdup(n);
			len = nlen;
		} else {
			list = xreallocarray(list, len + nlen + 2, 1);
			list[len++] = ',';
			memcpy(list + len, n, nlen + 1);
			len += nlen;
		}
		req->members = xreallocarray(req->members, req->nmembers + 1,
		    sizeof *req->members);
		req->members[req->nmembers++] = ready[k];
		free(n);
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
	struct action_request	**out = NULL;
	size_t			 *closing = NULL, *opening = NULL, nclose = 0;
	size_t			  nopen = 0, nout = 0, nsingle, i, k;
	unsigned int		  slots;
	enum step		  s;

	slots = e->params.max_in_flight > e->in_flight ?
	    e->params.max_in_flight - e->in_flight : 0;
	for (i = 0; i < rec->nindices; i++) {
		if (!action_index_ready(e, i))
			continue;
		s = rec->indices[i].step;
		if ((s == STEP_CLOSE || s == STEP_OPEN) && !e->runs[i].solo) {
			if (s == STEP_CLOSE) {
				closing = xreallocarray(closing, nclose + 1,
				    sizeof *closing);
				closing[nclose++] = i;
			} else {
				opening = xreallocarray(opening, nopen + 1,
				    sizeof *opening);
				opening[nopen++] = i;
			}
			continue;
		}
		if (slots == 0)
			continue;
		slots--;
		out = xreallocarray(out, nout + 1, sizeof *out);
		out[nout++] = action_index_request(e, i);
	}
	nsingle = nout;
	if (nclose > 0 && slots > 0)
		action_batches(e, STEP_CLOSE, closing, nclose, &out, &nout);
	if (nopen > 0 && slots > 0)
		action_batches(e, STEP_OPEN, opening, nopen, &out, &nout);
	free(closing);
	free(opening);
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
	e->rec->phase = ACTION_PHASE_FINISHED;
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

/* Enter a phase: reset its runtime state, arm what it needs. */
static void
action_phase_enter(struct action_engine *e, enum action_phase phase)
{
	size_t	k;

	e->rec->phase = phase;
	e->phase_attempts = 0;
	e->phase_waiting = false;
	json_decref(e->lag_leader);
	e->lag_leader = NULL;
	evtimer_del(e->phase_timer);
	for (k = 0; k < e->npatterns; k++)
		free(e->patterns[k]);
	free(e->patterns);
	e->patterns = NULL;
	e->npatterns = e->next_pattern = 0;
	e->patterns_listed = false;
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
 * Whether _ccr/stats shows every configured follower caught up: its
 * checkpoints agree and each shard holds at least the max_seq_no the old
 * leader's _stats (e->lag_leader, read first) reported for it.
 */
static bool
action_lag_zero(struct action_engine *e, json_t *root)
{
	struct action_index_record	*ir;
	json_t				*list, *index, *shards, *shard, *l, *f;
	json_t				*id;
	int64_t				*seqs;
	size_t				 i, k, nseqs;
	bool				 zero = true;

	list = json_object_get(json_object_get(root, "follow_stats"),
	    "indices");
	for (i = 0; zero && i < e->rec->nindices; i++) {
		ir = &e->rec->indices[i];
		index = action_json_find(list, "index",
		    ir->names[action_promoted(e->rec)]);
		shards = json_object_get(index, "shards");
		if (json_array_size(shards) == 0 || json_object_get(
		    json_object_get(e->lag_leader, "indices"),
		    ir->names[e->rec->old_leader]) == NULL)
			return (false);
		seqs = action_primary_seqs(e->lag_leader,
		    ir->names[e->rec->old_leader], &nseqs);
		if (nseqs != json_array_size(shards))
			zero = false;
		json_array_foreach(shards, k, shard) {
			l = json_object_get(shard, "leader_global_checkpoint");
			f = json_object_get(shard,
			    "follower_global_checkpoint");
			id = json_object_get(shard, "shard_id");
			if (!zero || !json_is_integer(l) ||
			    !json_is_integer(f) ||
			    json_integer_value(l) != json_integer_value(f) ||
			    !json_is_integer(id) || json_integer_value(id) < 0 ||
			    (size_t)json_integer_value(id) >= nseqs ||
			    seqs[json_integer_value(id)] == STEP_SEQ_UNKNOWN ||
			    action_json_seq(json_object_get(shard,
			    "follower_max_seq_no")) <
			    seqs[json_integer_value(id)]) {
				zero = false;
				break;
			}
		}
		free(seqs);
	}
	return (zero);
}

/* Remember the auto-follow patterns that point at the old leader. */
static void
action_list_patterns(struct action_engine *e, json_t *root)
{
	json_t		*patterns, *p, *pattern, *remote, *name;
	size_t		 k;
	const char	*old = e->rec->clusters[e->rec->old_leader];

	patterns = json_object_get(root, "patterns");
	json_array_foreach(patterns, k, p) {
		name = json_object_get(p, "name");
		pattern = json_object_get(p, "pattern");
		remote = json_object_get(pattern, "remote_cluster");
		if (!json_is_string(name) || !json_is_string(remote) ||
		    strcmp(json_string_value(remote), old) != 0 ||
		    json_is_false(json_object_get(pattern, "active")))
			continue;
		e->patterns = xreallocarray(e->patterns, e->npatterns + 1,
		    sizeof *e->patterns);
		e->patterns[e->npatterns++] = xstrdup(json_string_value(name));
	}
	e->patterns_listed = true;
}

/* The answer to a phase's request. */
static void
action_phase_answer(struct action_engine *e, struct action_request *req,
    const struct action_answer *a)
{
	struct step_reply	r;
	bool			ok, missing;

	action_reply(a, &r);
	ok = r.transport == TRANSPORT_OK && r.status >= 200 && r.status < 300;
	missing = r.transport == TRANSPORT_OK && r.status == 404;
	if (!ok && (r.transport != TRANSPORT_OK || r.status == 408 ||
	    r.status == 429 || r.status >= 500)) {
		action_phase_retry(e, &r, false);
		return;
	}
	switch (e->rec->phase) {
	case ACTION_PHASE_LAG:
		if (ok && e->lag_leader == NULL) {
			e->lag_leader = json_incref(a->root);
			break;
		}
		if (ok && action_lag_zero(e, a->root)) {
			log_info("%s: every follower caught up",
			    fsm_action_name(e->rec->kind));
			action_phase_enter(e, action_phase_next(e->rec->kind,
			    ACTION_PHASE_LAG));
			break;
		}
		json_decref(e->lag_leader);
		e->lag_leader = NULL;
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
	case ACTION_PHASE_AUTO_FOLLOW:
		/* A pattern deleted meanwhile needs no pausing. */
		if (!ok && !(missing && req->mutates)) {
			action_phase_retry(e, &r, true);
			break;
		}
		e->phase_attempts = 0;
		if (!e->patterns_listed)
			action_list_patterns(e, a->root);
		else {
			log_info("%s: auto-follow pattern %s paused",
			    fsm_action_name(e->rec->kind),
			    e->patterns[e->next_pattern]);
			e->next_pattern++;
		}
		break;
	default:
		break;
	}
}

/* PUT _cluster/settings body registering the new leader as a remote. */
static char *
action_remote_body(struct action_engine *e)
{
	int				 p = action_promoted(e->rec);
	const struct ccr_remote_config	*rc = &e->config->clusters[p].remote;
	const char			*mode = rc->mode;
	json_t				*settings, *seeds, *root;
	char				*prefix, *key, *s;
	size_t				 k;
	bool				 sniff;

	if (mode == NULL)
		mode = rc->nseeds > 0 ? "sniff" : "proxy";
	sniff = strcmp(mode, "sniff") == 0;
	xasprintf(&prefix, "cluster.remote.%s.", e->rec->clusters[p]);
	settings = json_object();

#define SET(name, value) do {						\
	xasprintf(&key, "%s%s", prefix, name);				\
	json_object_set_new(settings, key, value);			\
	free(key);							\
} while (0)
	SET("mode", json_string(mode));
	SET("skip_unavailable", json_boolean(rc->skip_unavailable));
	/* The other mode's keys are cleared in the same request. */
	if (sniff) {
		seeds = json_array();
		for (k = 0; k < rc->nseeds; k++)
			json_array_append_new(seeds, json_string(rc->seeds[k]));
		SET("seeds", seeds);
		SET("node_connections", rc->node_connections > 0 ?
		    json_integer(rc->node_connections) : json_null());
		SET("proxy_address", json_null());
		SET("server_name", json_null());
		SET("proxy_socket_connections", json_null());
	} else {
		SET("proxy_address", rc->proxy_address != NULL ?
		    json_string(rc->proxy_address) : json_null());
		SET("server_name", rc->server_name != NULL ?
		    json_string(rc->server_name) : json_null());
		SET("proxy_socket_connections",
		    rc->proxy_socket_connections > 0 ?
		    json_integer(rc->proxy_socket_connections) : json_null());
		SET("seeds", json_null());
		SET("node_connections", json_null());
	}
#undef SET
	free(prefix);
	root = json_pack("{s:o}", "persistent", settings);
	s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return (s);
}

/* Send the current phase's next request, if it has one. */
static void
action_pump_phase(struct action_engine *e)
{
	struct action_request	*req;
	struct action_answer	 a;
	char			*n;
	int			 p = action_promoted(e->rec);

	if (e->phase_busy || e->phase_waiting ||
	    e->in_flight >= e->params.max_in_flight)
		return;
	switch (e->rec->phase) {
	case ACTION_PHASE_LAG:
		/* The old leader first, then the follower's view of it. */
		if (e->lag_leader == NULL) {
			req = action_request_new(e, REQUEST_PHASE, STEP_MAX,
			    e->rec->old_leader, "GET", false);
			req->path = xstrdup("/_stats?level=shards&filter_path="
			    "indices.*.shards.*.routing.primary,"
			    "indices.*.shards.*.seq_no.max_seq_no");
			break;
		}
		req = action_request_new(e, REQUEST_PHASE, STEP_MAX, p, "GET",
		    false);
		req->path = xstrdup("/_ccr/stats");
		break;
	case ACTION_PHASE_REMOTE:
		req = action_request_new(e, REQUEST_PHASE, STEP_MAX,
		    e->rec->old_leader, "PUT", true);
		req->path = xstrdup("/_cluster/settings");
		req->body = action_remote_body(e);
		break;
	case ACTION_PHASE_AUTO_FOLLOW:
		if (!e->patterns_listed) {
			req = action_request_new(e, REQUEST_PHASE, STEP_MAX,
			    p, "GET", false);
			req->path = xstrdup("/_ccr/auto_follow");
			break;
		}
		if (e->next_pattern == e->npatterns) {
			action_phase_enter(e, ACTION_PHASE_FINISHED);
			return;
		}
		req = action_request_new(e, REQUEST_PHASE, STEP_MAX, p,
		    "POST", true);
		n = action_escape(e->patterns[e->next_pattern]);
		xasprintf(&req->path, "/_ccr/auto_follow/%s/pause", n);
		free(n);
		break;
	default:
		return;
	}
	action_notify(e);
	if (e->params.dry_run && req->mutates) {
		action_dry_log(e, req);
		memset(&a, 0, sizeof a);
		a.transport = TRANSPORT_OK;
		a.status = 200;
		action_phase_answer(e, req, &a);
		action_request_free(req);
		action_kick(e);
		return;
	}
	action_request_send(e, req);
}

/* Tell the journal and the daemon that the action is over. */
static void
action_finish(struct action_engine *e)
{
	struct action_record	*rec = e->rec;
	struct action_summary	 sum;
	char			 done[32], failed[32], lost[32], outcome[64];
	size_t			 i;
	bool			 unknown = false;
	struct log_field	 f[] = {
		{ "CCR_CLUSTER", rec->clusters[action_promoted(rec)] },
		{ "CCR_OLD_LEADER", rec->clusters[rec->old_leader] },
		{ "CCR_DONE", done },
		{ "CCR_FAILED", failed },
		{ "CCR_LOST_OPERATIONS", lost },
		{ "CCR_ERROR_TYPE", rec->error_type },
	};

	memset(&sum, 0, sizeof sum);
	sum.kind = rec->kind;
	sum.record = rec;
	sum.error_type = rec->error_type;
	sum.error_reason = rec->error_reason;
	for (i = 0; i < rec->nindices; i++) {
		if (rec->indices[i].step == STEP_DONE)
			sum.done++;
		else if (rec->indices[i].step == STEP_FAILED)
			sum.failed++;
		if (rec->indices[i].clone != NULL &&
		    rec->indices[i].step == STEP_DONE)
			sum.divergent++;
		if (rec->indices[i].lost_operations < 0)
			unknown = true;
		else
			sum.lost_operations += rec->indices[i].lost_operations;
	}
	if (unknown || rec->kind == FSM_ACTION_FAILBACK)
		sum.lost_operations = -1;
	snprintf(done, sizeof done, "%zu", sum.done);
	snprintf(failed, sizeof failed, "%zu", sum.failed);
	if (sum.lost_operations >= 0)
		snprintf(lost, sizeof lost, "%" PRId64, sum.lost_operations);
	else
		snprintf(lost, sizeof lost, "unknown");
	if (rec->kind == FSM_ACTION_FAILBACK)
		snprintf(outcome, sizeof outcome, "%zu divergent indices copied",
		    sum.divergent);
	else
		snprintf(outcome, sizeof outcome, "%s operations lost", lost);
	if (sum.done == 0 && sum.failed == 0 && rec->error_type != NULL) {
		/* Given up before any index was touched. */
		log_event(LOG_LEVEL_WARNING,
		    ccr_events[action_events[rec->kind][1]].message_id, f, 6,
		    "%s gave up, nothing changed: %s: %s",
		    fsm_action_name(rec->kind), rec->error_type,
		    rec->error_reason != NULL ? rec->error_reason : "");
	} else {
		log_event(sum.failed > 0 || rec->error_type != NULL ?
		    LOG_LEVEL_WARNING : LOG_LEVEL_NOTICE,
		    ccr_events[action_events[rec->kind][1]].message_id, f,
		    rec->error_type != NULL ? 6 : 5,
		    "%s finished: %s leads; %zu indices done, %zu failed, "
		    "%s%s%s", fsm_action_name(rec->kind),
		    rec->clusters[action_promoted(rec)], sum.done, sum.failed,
		    outcome, rec->error_reason != NULL ? "; " : "",
		    rec->error_reason != NULL ? rec->error_reason : "");
	}
	e->running = false;
	e->dirty = true;
	action_notify(e);
	metrics_action_finished(rec->kind, sum.done, sum.failed == 0 &&
	    rec->error_type == NULL, sum.lost_operations);
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
	e->phase_busy = e->phase_waiting = false;
	event_del(e->kick);
	evtimer_del(e->phase_timer);
	evtimer_del(e->deadline);
	if (e->runs != NULL && e->rec != NULL) {
		for (i = 0; i < e->rec->nindices; i++) {
			if (e->runs[i].backoff != NULL)
				event_free(e->runs[i].backoff);
		}
	}
	free(e->runs);
	e->runs = NULL;
	for (i = 0; i < e->npatterns; i++)
		free(e->patterns[i]);
	free(e->patterns);
	e->patterns = NULL;
	e->npatterns = e->next_pattern = 0;
	e->patterns_listed = false;
	json_decref(e->lag_leader);
	e->lag_leader = NULL;
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
 * Take what the promotion recorded for ir's index pair: its per-shard seq
 * nos for the divergence guard. An index whose promotion did not finish is
 * not failed back: its old leader is still the only copy that is written.
 */
static void
action_copy_seqs(struct action_index_record *ir,
    const struct action_record *promotion)
{
	const struct action_index_record	*p;
	size_t					 i;

	for (i = 0; i < promotion->nindices; i++) {
		p = &promotion->indices[i];
		if (strcmp(p->names[0], ir->names[0]) != 0 ||
		    strcmp(p->names[1], ir->names[1]) != 0)
			continue;
		if (p->step != STEP_DONE) {
			ir->failed_step = ir->step;
			ir->step = STEP_FAILED;
			ir->error_type = xstrdup("not_promoted");
			ir->error_reason = xstrdup("its promotion did not "
			    "finish; left as it is");
			return;
		}
		if (p->nshards == 0)
			return;
		ir->nshards = p->nshards;
		ir->leader_max_seq_no = xreallocarray(NULL, p->nshards,
		    sizeof *ir->leader_max_seq_no);
		ir->follower_max_seq_no = xreallocarray(NULL, p->nshards,
		    sizeof *ir->follower_max_seq_no);
		memcpy(ir->leader_max_seq_no, p->leader_max_seq_no,
		    p->nshards * sizeof *ir->leader_max_seq_no);
		memcpy(ir->follower_max_seq_no, p->follower_max_seq_no,
		    p->nshards * sizeof *ir->follower_max_seq_no);
		ir->lost_operations = p->lost_operations;
		return;
	}
}

/* Whether a name can go into the record (JSON strings are UTF-8). */
static bool
action_utf8(const char *s)
{
	json_t	*j = json_string(s);

	json_decref(j);
	return (j != NULL);
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
	struct action_index_record	*ir;
	size_t				 i;
	struct log_field		 f[2];

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
	if (!action_utf8(cf->clusters[0].name) ||
	    !action_utf8(cf->clusters[1].name)) {
		xasprintf(cause, "a cluster name is not valid UTF-8");
		return (-1);
	}
	for (i = 0; i < cf->nindices; i++) {
		if (!action_utf8(cf->indices[i].leader_index) ||
		    !action_utf8(cf->indices[i].follower_index)) {
			xasprintf(cause, "index pair %zu: a name is not valid "
			    "UTF-8", i);
			return (-1);
		}
	}
	rec = xcalloc(1, sizeof *rec);
	rec->kind = kind;
	rec->old_leader = old_leader;
	rec->clusters[0] = xstrdup(cf->clusters[0].name);
	rec->clusters[1] = xstrdup(cf->clusters[1].name);
	rec->started = time(NULL);
	rec->phase = action_phase_first(kind);
	rec->nindices = cf->nindices;
	rec->indices = xcalloc(cf->nindices, sizeof *rec->indices);
	for (i = 0; i < cf->nindices; i++) {
		ir = &rec->indices[i];
		ir->names[0] = xstrdup(cf->indices[i].leader_index);
		ir->names[1] = xstrdup(cf->indices[i].follower_index);
		ir->step = step_first(kind);
		ir->failed_step = STEP_FAILED;
		ir->lost_operations = -1;
		ir->divergent_operations = -1;
		if (kind == FSM_ACTION_FAILBACK && promotion != NULL)
			action_copy_seqs(ir, promotion);
	}
	f[0].name = "CCR_CLUSTER";
	f[0].value = rec->clusters[1 - old_leader];
	f[1].name = "CCR_OLD_LEADER";
	f[1].value = rec->clusters[old_leader];
	log_event(LOG_LEVEL_NOTICE,
	    ccr_events[action_events[kind][0]].message_id, f, 2,
	    "%s started: %s to lead, %s to follow, %zu indices%s",
	    fsm_action_name(kind), rec->clusters[1 - old_leader],
	    rec->clusters[old_leader], rec->nindices,
	    e->params.dry_run ? " (dry run)" : "");
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
	json_t			*j;
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
	j = action_record_to_json(rec);
	copy = action_record_from_json(j, cause);
	json_decref(j);
	if (copy == NULL)
		return (-1);
	log_info("%s resumed at phase %s", fsm_action_name(copy->kind),
	    action_phase_name(copy->phase));
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
		if (action_index_status(&e->rec->indices[i]) ==
		    ACTION_INDEX_AWAITING_CONFIRMATION) {
			e->rec->indices[i].confirmed = true;
			n++;
		}
	}
	if (n > 0) {
		log_info("%s: %zu divergent indices confirmed: copying, then "
		    "deleting", fsm_action_name(e->rec->kind), n);
		action_changed(e);
	}
	return (n);
}

/* A sequence number as JSON: null when unknown. */
static json_t *
action_seq_json(int64_t v)
{
	return (v == STEP_SEQ_UNKNOWN ? json_null() : json_integer(v));
}

/* The record as JSON, for the state file. */
json_t *
action_record_to_json(const struct action_record *rec)
{
	const struct action_index_record	*ir;
	json_t					*root, *list, *o, *shards;
	char					 started[32];
	struct tm				 tm;
	size_t					 i, k;

	gmtime_r(&rec->started, &tm);
	strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
	list = json_array();
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		shards = json_array();
		for (k = 0; k < ir->nshards; k++) {
			json_array_append_new(shards, json_pack("{s:o, s:o}",
			    "leader_max_seq_no",
			    action_seq_json(ir->leader_max_seq_no[k]),
			    "follower_max_seq_no",
			    action_seq_json(ir->follower_max_seq_no[k])));
		}
		o = json_pack("{s:[s,s], s:s, s:b, s:I, s:b, s:o, s:I, s:I}",
		    "names", ir->names[0], ir->names[1],
		    "step", step_name(ir->step),
		    "sent", ir->sent,
		    "attempts", (json_int_t)ir->attempts,
		    "confirmed", ir->confirmed,
		    "shards", shards,
		    "lost_operations", (json_int_t)ir->lost_operations,
		    "divergent_operations",
		    (json_int_t)ir->divergent_operations);
		if (ir->failed_step != STEP_FAILED)
			json_object_set_new(o, "failed_step",
			    json_string(step_name(ir->failed_step)));
		if (ir->error_type != NULL)
			json_object_set_new(o, "error",
			    json_pack("{s:s, s:s?}", "type", ir->error_type,
			    "reason", ir->error_reason));
		if (ir->clone != NULL)
			json_object_set_new(o, "clone", json_string(ir->clone));
		json_array_append_new(list, o);
	}
	root = json_pack("{s:i, s:s, s:i, s:[s,s], s:s, s:s, s:o}",
	    "version", ACTION_RECORD_VERSION,
	    "kind", fsm_action_name(rec->kind),
	    "old_leader", rec->old_leader,
	    "clusters", rec->clusters[0], rec->clusters[1],
	    "started", started,
	    "phase", action_phase_name(rec->phase),
	    "indices", list);
	if (rec->error_type != NULL)
		json_object_set_new(root, "error", json_pack("{s:s, s:s?}",
		    "type", rec->error_type, "reason", rec->error_reason));
	return (root);
}

/* A string member, or NULL with a cause. */
static const char *
action_json_string(const json_t *o, const char *key, const char *where,
    char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0) {
		xasprintf(cause, "%s: %s is missing or not a string", where,
		    key);
		return (NULL);
	}
	return (json_string_value(v));
}

/* An optional {"type","reason"} member into two strings. */
static int
action_json_error(const json_t *o, char **type, char **reason,
    const char *where, char **cause)
{
	json_t		*e = json_object_get(o, "error"), *r;
	const char	*t;

	if (e == NULL)
		return (0);
	if ((t = action_json_string(e, "type", where, cause)) == NULL)
		return (-1);
	r = json_object_get(e, "reason");
	if (r != NULL && !json_is_null(r) && !json_is_string(r)) {
		xasprintf(cause, "%s: error reason is not a string", where);
		return (-1);
	}
	*type = xstrdup(t);
	*reason = json_is_string(r) ? xstrdup(json_string_value(r)) : NULL;
	return (0);
}

/* An integer member within [min, max]. */
static int
action_json_int(const json_t *o, const char *key, json_int_t min,
    json_int_t max, json_int_t *ret, const char *where, char **cause)
{
	json_t	*v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		xasprintf(cause, "%s: %s is missing or out of range", where,
		    key);
		return (-1);
	}
	*ret = json_integer_value(v);
	return (0);
}

/* One index record from JSON. */
static int
action_index_from_json(const json_t *o, struct action_index_record *ir,
    size_t n, char **cause)
{
	json_t		*names, *shards, *s, *v;
	const char	*str;
	char		 where[64];
	json_int_t	 x;
	size_t		 k;

	snprintf(where, sizeof where, "index %zu", n);
	ir->failed_step = STEP_FAILED;
	if (!json_is_object(o)) {
		xasprintf(cause, "%s: not an object", where);
		return (-1);
	}
	names = json_object_get(o, "names");
	if (!json_is_array(names) || json_array_size(names) != 2 ||
	    !json_is_string(json_array_get(names, 0)) ||
	    !json_is_string(json_array_get(names, 1)) ||
	    json_string_length(json_array_get(names, 0)) == 0 ||
	    json_string_length(json_array_get(names, 1)) == 0) {
		xasprintf(cause, "%s: names must be two index names", where);
		return (-1);
	}
	ir->names[0] = xstrdup(json_string_value(json_array_get(names, 0)));
	ir->names[1] = xstrdup(json_string_value(json_array_get(names, 1)));
	if ((str = action_json_string(o, "step", where, cause)) == NULL)
		return (-1);
	if (step_from_name(str, &ir->step) != 0) {
		xasprintf(cause, "%s: unknown step %s", where, str);
		return (-1);
	}
	if (!json_is_boolean(json_object_get(o, "sent")) ||
	    !json_is_boolean(json_object_get(o, "confirmed"))) {
		xasprintf(cause, "%s: sent and confirmed must be booleans",
		    where);
		return (-1);
	}
	ir->sent = json_is_true(json_object_get(o, "sent"));
	ir->confirmed = json_is_true(json_object_get(o, "confirmed"));
	if (action_json_int(o, "attempts", 0, UINT32_MAX, &x, where,
	    cause) != 0)
		return (-1);
	ir->attempts = (unsigned int)x;
	if (action_json_int(o, "lost_operations", -1, INT64_MAX, &x, where,
	    cause) != 0)
		return (-1);
	ir->lost_operations = x;
	if (action_json_int(o, "divergent_operations", -1, INT64_MAX, &x,
	    where, cause) != 0)
		return (-1);
	ir->divergent_operations = x;
	if (ir->step == STEP_FAILED ||
	    json_object_get(o, "failed_step") != NULL) {
		if ((str = action_json_string(o, "failed_step", where,
		    cause)) == NULL)
			return (-1);
		if (step_from_name(str, &ir->failed_step) != 0 ||
		    ir->failed_step >= STEP_DONE) {
			xasprintf(cause, "%s: bad failed_step %s", where, str);
			return (-1);
		}
		/* Only a failed index, or one being reopened, has one. */
		if (ir->step != STEP_FAILED && ir->step != STEP_OPEN) {
			xasprintf(cause, "%s: failed_step with step %s", where,
			    step_name(ir->step));
			return (-1);
		}
	}
	if (action_json_error(o, &ir->error_type, &ir->error_reason, where,
	    cause) != 0)
		return (-1);
	if (json_object_get(o, "clone") != NULL) {
		if ((str = action_json_string(o, "clone", where, cause)) ==
		    NULL)
			return (-1);
		ir->clone = xstrdup(str);
	}
	if (ir->step >= STEP_BLOCK && ir->step <= STEP_CLONE &&
	    ir->clone == NULL) {
		xasprintf(cause, "%s: step %s without a clone name", where,
		    step_name(ir->step));
		return (-1);
	}
	shards = json_object_get(o, "shards");
	if (!json_is_array(shards) ||
	    json_array_size(shards) > ACTION_SHARDS_MAX) {
		xasprintf(cause, "%s: shards must be an array", where);
		return (-1);
	}
	ir->nshards = json_array_size(shards);
	if (ir->nshards == 0)
		return (0);
	ir->leader_max_seq_no = xreallocarray(NULL, ir->nshards,
	    sizeof *ir->leader_max_seq_no);
	ir->follower_max_seq_no = xreallocarray(NULL, ir->nshards,
	    sizeof *ir->follower_max_seq_no);
	json_array_foreach(shards, k, s) {
		v = json_object_get(s, "leader_max_seq_no");
		if (!json_is_object(s) || !(json_is_null(v) ||
		    json_is_integer(v))) {
			xasprintf(cause, "%s: shard %zu is malformed", where,
			    k);
			return (-1);
		}
		ir->leader_max_seq_no[k] = action_json_seq(v);
		v = json_object_get(s, "follower_max_seq_no");
		if (!(json_is_null(v) || json_is_integer(v))) {
			xasprintf(cause, "%s: shard %zu is malformed", where,
			    k);
			return (-1);
		}
		ir->follower_max_seq_no[k] = action_json_seq(v);
	}
	return (0);
}

/* Read a record back; -1 with a cause when it is not one. */
struct action_record *
action_record_from_json(const json_t *root, char **cause)
{
	struct action_record	*rec;
	json_t			*clusters, *list, *o;
	const char		*s;
	struct tm		 tm;
	char			*end;
	json_int_t		 x;
	enum step		 first;
	size_t			 i;

	if (!json_is_object(root)) {
		xasprintf(cause, "action record is not an object");
		return (NULL);
	}
	rec = xcalloc(1, sizeof *rec);
	if (action_json_int(root, "version", ACTION_RECORD_VERSION,
	    ACTION_RECORD_VERSION, &x, "action record", cause) != 0)
		goto fail;
	if ((s = action_json_string(root, "kind", "action record",
	    cause)) == NULL)
		goto fail;
	if (fsm_action_from_name(s, &rec->kind) != 0 ||
	    rec->kind == FSM_ACTION_NONE) {
		xasprintf(cause, "action record: unknown kind %s", s);
		goto fail;
	}
	if (action_json_int(root, "old_leader", 0, 1, &x, "action record",
	    cause) != 0)
		goto fail;
	rec->old_leader = (int)x;
	clusters = json_object_get(root, "clusters");
	if (!json_is_array(clusters) || json_array_size(clusters) != 2 ||
	    !json_is_string(json_array_get(clusters, 0)) ||
	    !json_is_string(json_array_get(clusters, 1))) {
		xasprintf(cause, "action record: clusters must be two names");
		goto fail;
	}
	rec->clusters[0] = xstrdup(json_string_value(json_array_get(clusters,
	    0)));
	rec->clusters[1] = xstrdup(json_string_value(json_array_get(clusters,
	    1)));
	if ((s = action_json_string(root, "started", "action record",
	    cause)) == NULL)
		goto fail;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		xasprintf(cause, "action record: bad started time");
		goto fail;
	}
	rec->started = timegm(&tm);
	if ((s = action_json_string(root, "phase", "action record",
	    cause)) == NULL)
		goto fail;
	for (rec->phase = 0; rec->phase < ACTION_PHASE_MAX; rec->phase++) {
		if (strcmp(s, action_phase_names[rec->phase]) == 0)
			break;
	}
	if (rec->phase == ACTION_PHASE_MAX) {
		xasprintf(cause, "action record: unknown phase %s", s);
		goto fail;
	}
	if (action_json_error(root, &rec->error_type, &rec->error_reason,
	    "action record", cause) != 0)
		goto fail;
	list = json_object_get(root, "indices");
	if (!json_is_array(list)) {
		xasprintf(cause, "action record: indices must be an array");
		goto fail;
	}
	rec->nindices = json_array_size(list);
	rec->indices = xcalloc(rec->nindices, sizeof *rec->indices);
	first = step_first(rec->kind);
	json_array_foreach(list, i, o) {
		if (action_index_from_json(o, &rec->indices[i], i, cause) != 0)
			goto fail;
		/* A promotion never reaches failback steps, and vice versa. */
		if ((rec->kind == FSM_ACTION_PROMOTE &&
		    rec->indices[i].step > STEP_OPEN &&
		    rec->indices[i].step < STEP_DONE) ||
		    (rec->kind == FSM_ACTION_FAILBACK &&
		    rec->indices[i].step < first)) {
			xasprintf(cause, "index %zu: step %s is not part of a "
			    "%s", i, step_name(rec->indices[i].step),
			    fsm_action_name(rec->kind));
			goto fail;
		}
	}
	return (rec);

fail:
	action_record_free(rec);
	return (NULL);
}
