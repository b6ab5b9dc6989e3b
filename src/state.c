/*
 * The persistent record (see state.h): an in-memory model the daemon changes
 * through small setters, saved as a whole with atomicfile (temporary file,
 * fsync, rename, fsync of the directory) so the file on disk is always one
 * complete version.
 *
 * Loading trusts nothing. A missing file is a first start; an empty, torn,
 * malformed or newer-format file is reported with the reason and leaves the
 * caller's record untouched, because guessing at an action's progress could
 * repeat or skip a step on a live cluster. The loader parses into a fresh
 * record and swaps it in only when all of it is valid.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "isotime.h"
#include "state.h"
#include "xmalloc.h"

/* A state file this large is not one this daemon wrote. */
#define STATE_MAX_SIZE	(64 * 1024 * 1024)

static const char *const state_action_kind_names[STATE_ACTION_MAX] = {
	"none", "promote", "failback", "switchover"
};

static const char *const state_step_names[STATE_STEP_MAX] = {
	"wait_in_sync", "recorded_seqnos", "pause_follow", "close", "unfollow",
	"open", "register_remote", "divergence_check", "clone_copy", "delete",
	"follow", "done"
};

static const char *const state_step_status_names[STATE_STATUS_MAX] = {
	"pending", "running", "done", "failed"
};

static const enum state_step state_steps_promote[] = {
	STATE_STEP_RECORDED_SEQNOS, STATE_STEP_PAUSE_FOLLOW, STATE_STEP_CLOSE,
	STATE_STEP_UNFOLLOW, STATE_STEP_OPEN, STATE_STEP_DONE
};

static const enum state_step state_steps_failback[] = {
	STATE_STEP_REGISTER_REMOTE, STATE_STEP_DIVERGENCE_CHECK,
	STATE_STEP_CLONE_COPY, STATE_STEP_DELETE, STATE_STEP_FOLLOW,
	STATE_STEP_DONE
};

static const enum state_step state_steps_switchover[] = {
	STATE_STEP_WAIT_IN_SYNC, STATE_STEP_RECORDED_SEQNOS,
	STATE_STEP_PAUSE_FOLLOW, STATE_STEP_CLOSE, STATE_STEP_UNFOLLOW,
	STATE_STEP_OPEN, STATE_STEP_REGISTER_REMOTE,
	STATE_STEP_DIVERGENCE_CHECK, STATE_STEP_CLONE_COPY, STATE_STEP_DELETE,
	STATE_STEP_FOLLOW, STATE_STEP_DONE
};

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/* Find name in a table of n names; -1 when absent. */
static int
state_lookup(const char *const *names, int n, const char *name)
{
	int	i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (i);
	}
	return (-1);
}

/* The name of an action kind, as saved. */
const char *
state_action_kind_name(enum state_action_kind kind)
{
	if (kind >= STATE_ACTION_MAX)
		return ("unknown");
	return (state_action_kind_names[kind]);
}

/* Look an action kind up by name; -1 when there is none. */
int
state_action_kind_from_name(const char *name, enum state_action_kind *ret)
{
	int	i;

	if ((i = state_lookup(state_action_kind_names, STATE_ACTION_MAX,
	    name)) == -1)
		return (-1);
	*ret = (enum state_action_kind)i;
	return (0);
}

/* The name of a step, as saved and shown in status.json. */
const char *
state_step_name(enum state_step step)
{
	if (step >= STATE_STEP_MAX)
		return ("unknown");
	return (state_step_names[step]);
}

/* Look a step up by name; -1 when there is none. */
int
state_step_from_name(const char *name, enum state_step *ret)
{
	int	i;

	if ((i = state_lookup(state_step_names, STATE_STEP_MAX, name)) == -1)
		return (-1);
	*ret = (enum state_step)i;
	return (0);
}

/* The name of a step status, as saved. */
const char *
state_step_status_name(enum state_step_status status)
{
	if (status >= STATE_STATUS_MAX)
		return ("unknown");
	return (state_step_status_names[status]);
}

/* Look a step status up by name; -1 when there is none. */
int
state_step_status_from_name(const char *name, enum state_step_status *ret)
{
	int	i;

	if ((i = state_lookup(state_step_status_names, STATE_STATUS_MAX,
	    name)) == -1)
		return (-1);
	*ret = (enum state_step_status)i;
	return (0);
}

/* The steps of an action kind in order, ending with STATE_STEP_DONE. */
const enum state_step *
state_steps(enum state_action_kind kind, size_t *n)
{
	switch (kind) {
	case STATE_ACTION_PROMOTE:
		*n = nitems(state_steps_promote);
		return (state_steps_promote);
	case STATE_ACTION_FAILBACK:
		*n = nitems(state_steps_failback);
		return (state_steps_failback);
	case STATE_ACTION_SWITCHOVER:
		*n = nitems(state_steps_switchover);
		return (state_steps_switchover);
	default:
		*n = 0;
		return (NULL);
	}
}

/* Whether step belongs to kind's sequence. */
static int
state_step_in(enum state_action_kind kind, enum state_step step)
{
	const enum state_step	*steps;
	size_t			 n, i;

	steps = state_steps(kind, &n);
	for (i = 0; i < n; i++) {
		if (steps[i] == step)
			return (1);
	}
	return (0);
}

/* The step after step in kind's sequence; STATE_STEP_DONE after the last. */
enum state_step
state_step_next(enum state_action_kind kind, enum state_step step)
{
	const enum state_step	*steps;
	size_t			 n, i;

	steps = state_steps(kind, &n);
	for (i = 0; i + 1 < n; i++) {
		if (steps[i] == step)
			return (steps[i + 1]);
	}
	return (STATE_STEP_DONE);
}

/* An empty record that will be saved to path (which is copied). */
void
state_init(struct state *st, const char *path)
{
	memset(st, 0, sizeof *st);
	st->path = xstrdup(path);
}

/* Replace *dst with a copy of src (NULL allowed). */
static void
state_set_string(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/* Free what one index record owns. */
static void
state_index_clear(struct state_index *x)
{
	free(x->leader_index);
	free(x->follower_index);
	free(x->error_type);
	free(x->error_reason);
}

/* Forget the action in flight. */
void
state_action_end(struct state *st)
{
	struct state_action	*a = &st->action;
	size_t			 i;

	for (i = 0; i < a->nindices; i++)
		state_index_clear(&a->indices[i]);
	free(a->indices);
	free(a->from);
	free(a->to);
	memset(a, 0, sizeof *a);
}

/* Forget the promotion record, once failback no longer needs it. */
void
state_promotion_clear(struct state *st)
{
	struct state_promotion	*p = &st->promotion;
	size_t			 i;

	for (i = 0; i < p->nindices; i++) {
		free(p->indices[i].index);
		free(p->indices[i].shards);
	}
	free(p->indices);
	free(p->lost_leader);
	memset(p, 0, sizeof *p);
}

/* Free everything st owns; st may be initialized again afterwards. */
void
state_clear(struct state *st)
{
	state_action_end(st);
	state_promotion_clear(st);
	free(st->path);
	free(st->leader);
	free(st->follower);
	free(st->fsm_state);
	memset(st, 0, sizeof *st);
}

/* Record the current roles (after a promotion or failback). */
void
state_set_roles(struct state *st, const char *leader, const char *follower)
{
	state_set_string(&st->leader, leader);
	state_set_string(&st->follower, follower);
}

/* Record the state machine's state by name. */
void
state_set_fsm_state(struct state *st, const char *name)
{
	state_set_string(&st->fsm_state, name);
}

/* Start recording an action; any previous one is forgotten. */
void
state_action_begin(struct state *st, enum state_action_kind kind,
    const struct timespec *started, const char *from, const char *to)
{
	state_action_end(st);
	st->action.kind = kind;
	st->action.started = *started;
	st->action.from = xstrdup(from);
	st->action.to = xstrdup(to);
}

/* Add an index pair to the action at its first step; returns its number. */
size_t
state_action_add_index(struct state *st, const char *leader_index,
    const char *follower_index)
{
	struct state_action	*a = &st->action;
	struct state_index	*x;
	size_t			 n;

	a->indices = xreallocarray(a->indices, a->nindices + 1,
	    sizeof *a->indices);
	x = &a->indices[a->nindices];
	memset(x, 0, sizeof *x);
	x->leader_index = xstrdup(leader_index);
	x->follower_index = xstrdup(follower_index);
	x->step = state_steps(a->kind, &n)[0];
	x->status = STATE_STATUS_PENDING;
	return (a->nindices++);
}

/* Count the indices that are finished and those that failed. */
void
state_action_counts(const struct state_action *a, size_t *done,
    size_t *failed)
{
	size_t	i;

	*done = *failed = 0;
	for (i = 0; i < a->nindices; i++) {
		if (a->indices[i].status == STATE_STATUS_FAILED)
			(*failed)++;
		else if (a->indices[i].step == STATE_STEP_DONE &&
		    a->indices[i].status == STATE_STATUS_DONE)
			(*done)++;
	}
}

/* Record that step is about to be sent for index i (call, then save). */
void
state_step_begin(struct state *st, size_t i, enum state_step step)
{
	struct state_index	*x = &st->action.indices[i];

	if (x->step != step || x->status == STATE_STATUS_DONE)
		x->attempts = 0;
	x->step = step;
	x->status = STATE_STATUS_RUNNING;
	x->attempts++;
	state_set_string(&x->error_type, NULL);
	state_set_string(&x->error_reason, NULL);
}

/*
 * Record that index i's current step succeeded. After the last step the
 * index moves to STATE_STEP_DONE.
 */
void
state_step_done(struct state *st, size_t i)
{
	struct state_index	*x = &st->action.indices[i];

	x->status = STATE_STATUS_DONE;
	if (state_step_next(st->action.kind, x->step) == STATE_STEP_DONE) {
		x->step = STATE_STEP_DONE;
		x->attempts = 0;
	}
}

/* Record that index i's current step failed for good, with ES's error. */
void
state_step_failed(struct state *st, size_t i, const char *type,
    const char *reason)
{
	struct state_index	*x = &st->action.indices[i];

	x->status = STATE_STATUS_FAILED;
	state_set_string(&x->error_type, type);
	state_set_string(&x->error_reason, reason);
}

/* Start a promotion record: the follower's sequence numbers follow. */
void
state_promotion_begin(struct state *st, const struct timespec *at,
    const char *lost_leader)
{
	state_promotion_clear(st);
	st->promotion.recorded = true;
	st->promotion.at = *at;
	st->promotion.lost_leader = xstrdup(lost_leader);
}

/* The sequence numbers recorded for a follower index; NULL if none. */
struct state_seqnos *
state_promotion_find(struct state *st, const char *index)
{
	size_t	i;

	for (i = 0; i < st->promotion.nindices; i++) {
		if (strcmp(st->promotion.indices[i].index, index) == 0)
			return (&st->promotion.indices[i]);
	}
	return (NULL);
}

/*
 * Record one shard of a follower index at promotion; operations the leader
 * had (as far as the follower knew) and the follower had not count as lost.
 */
void
state_promotion_add_shard(struct state *st, const char *index, int shard,
    int64_t follower_max_seq_no, int64_t leader_max_seq_no)
{
	struct state_promotion	*p = &st->promotion;
	struct state_seqnos	*s;
	struct state_shard	*sh;

	s = state_promotion_find(st, index);
	if (s == NULL) {
		p->indices = xreallocarray(p->indices, p->nindices + 1,
		    sizeof *p->indices);
		s = &p->indices[p->nindices++];
		memset(s, 0, sizeof *s);
		s->index = xstrdup(index);
	}
	s->shards = xreallocarray(s->shards, s->nshards + 1,
	    sizeof *s->shards);
	sh = &s->shards[s->nshards++];
	sh->shard = shard;
	sh->follower_max_seq_no = follower_max_seq_no;
	sh->leader_max_seq_no = leader_max_seq_no;
	if (leader_max_seq_no > follower_max_seq_no)
		p->lost_operations += leader_max_seq_no - follower_max_seq_no;
}

/* A wall-clock time as text, or null when unset. */
static json_t *
state_time_json(const struct timespec *ts)
{
	char	buf[ISOTIME_LEN];

	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return (json_null());
	isotime_format(ts, buf, sizeof buf);
	return (json_string(buf));
}

/* A string, or null for NULL. */
static json_t *
state_string_json(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

/* The action in flight, or null when there is none. */
static json_t *
state_action_json(const struct state_action *a)
{
	const struct state_index	*x;
	json_t				*arr, *err;
	size_t				 i;

	if (a->kind == STATE_ACTION_NONE)
		return (json_null());
	arr = json_array();
	for (i = 0; i < a->nindices; i++) {
		x = &a->indices[i];
		if (x->error_type != NULL || x->error_reason != NULL)
			err = json_pack("{s:o s:o}",
			    "type", state_string_json(x->error_type),
			    "reason", state_string_json(x->error_reason));
		else
			err = json_null();
		json_array_append_new(arr,
		    json_pack("{s:s s:s s:s s:s s:i s:o}",
		    "leader_index", x->leader_index,
		    "follower_index", x->follower_index,
		    "step", state_step_name(x->step),
		    "status", state_step_status_name(x->status),
		    "attempts", x->attempts,
		    "error", err));
	}
	return (json_pack("{s:s s:o s:s s:s s:o}",
	    "kind", state_action_kind_name(a->kind),
	    "started", state_time_json(&a->started),
	    "from", a->from,
	    "to", a->to,
	    "indices", arr));
}

/* The promotion record, or null when there is none. */
static json_t *
state_promotion_json(const struct state_promotion *p)
{
	const struct state_seqnos	*s;
	json_t				*arr, *shards;
	size_t				 i, j;

	if (!p->recorded)
		return (json_null());
	arr = json_array();
	for (i = 0; i < p->nindices; i++) {
		s = &p->indices[i];
		shards = json_array();
		for (j = 0; j < s->nshards; j++)
			json_array_append_new(shards, json_pack("{s:i s:I s:I}",
			    "shard", s->shards[j].shard,
			    "follower_max_seq_no",
			    (json_int_t)s->shards[j].follower_max_seq_no,
			    "leader_max_seq_no",
			    (json_int_t)s->shards[j].leader_max_seq_no));
		json_array_append_new(arr, json_pack("{s:s s:o}",
		    "index", s->index, "shards", shards));
	}
	return (json_pack("{s:o s:s s:I s:o}",
	    "at", state_time_json(&p->at),
	    "lost_leader", p->lost_leader,
	    "lost_operations", (json_int_t)p->lost_operations,
	    "indices", arr));
}

/* Save the whole record to its path, atomically and durably, mode 0600. */
int
state_save(const struct state *st, char **cause)
{
	json_t	*doc;
	char	*dump, *text;
	int	 ret;

	doc = json_pack("{s:i s:o s:o s:o s:b s:o s:{s:o s:b} s:o s:o}",
	    "version", STATE_FORMAT_VERSION,
	    "leader", state_string_json(st->leader),
	    "follower", state_string_json(st->follower),
	    "fsm_state", state_string_json(st->fsm_state),
	    "held", st->held,
	    "pending", st->pending == STATE_ACTION_NONE ? json_null() :
	    json_string(state_action_kind_name(st->pending)),
	    "failover_block",
	    "until", state_time_json(&st->block_until),
	    "acknowledged", st->block_acknowledged,
	    "action", state_action_json(&st->action),
	    "promotion", state_promotion_json(&st->promotion));
	if (doc == NULL) {
		xasprintf(cause, "state record holds invalid text");
		return (-1);
	}
	dump = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (dump == NULL) {
		xasprintf(cause, "cannot serialize the state record");
		return (-1);
	}
	xasprintf(&text, "%s\n", dump);
	free(dump);
	ret = atomicfile_write(st->path, text, strlen(text), 0600, cause);
	free(text);
	return (ret);
}

/*
 * Field readers for the loader: each fails with a message naming the field
 * (never its value, which may be garbage of any size).
 */
static int
state_get_string(json_t *obj, const char *where, const char *key,
    int required, char **ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return (0);
		xasprintf(cause, "%s%s is missing", where, key);
		return (-1);
	}
	if (!json_is_string(v)) {
		xasprintf(cause, "%s%s is not a string", where, key);
		return (-1);
	}
	*ret = xstrdup(json_string_value(v));
	return (0);
}

/* Read a required boolean. */
static int
state_get_bool(json_t *obj, const char *where, const char *key, bool *ret,
    char **cause)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_boolean(v)) {
		xasprintf(cause, "%s%s is not true or false", where, key);
		return (-1);
	}
	*ret = json_is_true(v);
	return (0);
}

/* Read a required integer within [min, max]. */
static int
state_get_int(json_t *obj, const char *where, const char *key,
    int64_t min, int64_t max, int64_t *ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		xasprintf(cause, "%s%s is not an integer from %" PRId64
		    " to %" PRId64, where, key, min, max);
		return (-1);
	}
	*ret = json_integer_value(v);
	return (0);
}

/* Read an optional time; absent or null is zero. */
static int
state_get_time(json_t *obj, const char *where, const char *key,
    struct timespec *ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	memset(ret, 0, sizeof *ret);
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) ||
	    isotime_parse(json_string_value(v), ret) == -1) {
		xasprintf(cause, "%s%s is not an ISO 8601 UTC time", where,
		    key);
		return (-1);
	}
	return (0);
}

/* Read an optional action kind; absent or null is none. */
static int
state_get_kind(json_t *obj, const char *where, const char *key,
    enum state_action_kind *ret, char **cause)
{
	json_t	*v = json_object_get(obj, key);

	*ret = STATE_ACTION_NONE;
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v) ||
	    state_action_kind_from_name(json_string_value(v), ret) == -1) {
		xasprintf(cause, "%s%s is not an action kind", where, key);
		return (-1);
	}
	return (0);
}

/* Read one index record of an action of this kind. */
static int
state_load_index(json_t *j, enum state_action_kind kind,
    struct state_index *x, const char *where, char **cause)
{
	json_t	*v, *err;
	int64_t	 attempts;

	if (!json_is_object(j)) {
		xasprintf(cause, "%.*s is not an object",
		    (int)strlen(where) - 1, where);
		return (-1);
	}
	if (state_get_string(j, where, "leader_index", 1, &x->leader_index,
	    cause) == -1 ||
	    state_get_string(j, where, "follower_index", 1, &x->follower_index,
	    cause) == -1)
		return (-1);
	v = json_object_get(j, "step");
	if (!json_is_string(v) ||
	    state_step_from_name(json_string_value(v), &x->step) == -1 ||
	    !state_step_in(kind, x->step)) {
		xasprintf(cause, "%sstep is not a step of %s", where,
		    state_action_kind_name(kind));
		return (-1);
	}
	v = json_object_get(j, "status");
	if (!json_is_string(v) ||
	    state_step_status_from_name(json_string_value(v),
	    &x->status) == -1) {
		xasprintf(cause, "%sstatus is not a step status", where);
		return (-1);
	}
	if (state_get_int(j, where, "attempts", 0, INT32_MAX, &attempts,
	    cause) == -1)
		return (-1);
	x->attempts = (int)attempts;
	err = json_object_get(j, "error");
	if (err != NULL && !json_is_null(err)) {
		if (!json_is_object(err)) {
			xasprintf(cause, "%serror is not an object", where);
			return (-1);
		}
		if (state_get_string(err, where, "type", 0, &x->error_type,
		    cause) == -1 ||
		    state_get_string(err, where, "reason", 0, &x->error_reason,
		    cause) == -1)
			return (-1);
	}
	return (0);
}

/* Read the action in flight, if there is one. */
static int
state_load_action(json_t *j, struct state *st, char **cause)
{
	struct state_action	*a = &st->action;
	json_t			*arr;
	char			 where[64];
	size_t			 i;

	if (j == NULL || json_is_null(j))
		return (0);
	if (!json_is_object(j)) {
		xasprintf(cause, "action is not an object");
		return (-1);
	}
	if (state_get_kind(j, "action.", "kind", &a->kind, cause) == -1)
		return (-1);
	if (a->kind == STATE_ACTION_NONE) {
		xasprintf(cause, "action.kind is missing");
		return (-1);
	}
	if (state_get_time(j, "action.", "started", &a->started, cause) == -1 ||
	    state_get_string(j, "action.", "from", 1, &a->from, cause) == -1 ||
	    state_get_string(j, "action.", "to", 1, &a->to, cause) == -1)
		return (-1);
	arr = json_object_get(j, "indices");
	if (!json_is_array(arr)) {
		xasprintf(cause, "action.indices is not an array");
		return (-1);
	}
	a->indices = xcalloc(json_array_size(arr) + 1, sizeof *a->indices);
	for (i = 0; i < json_array_size(arr); i++) {
		a->nindices++;
		snprintf(where, sizeof where, "action.indices[%zu].", i);
		if (state_load_index(json_array_get(arr, i), a->kind,
		    &a->indices[i], where, cause) == -1)
			return (-1);
	}
	return (0);
}

/* Read one follower index's sequence numbers. */
static int
state_load_seqnos(json_t *j, struct state_seqnos *s, const char *where,
    char **cause)
{
	json_t	*arr, *sh;
	char	 w[96];
	int64_t	 v;
	size_t	 i;

	if (!json_is_object(j)) {
		xasprintf(cause, "%.*s is not an object",
		    (int)strlen(where) - 1, where);
		return (-1);
	}
	if (state_get_string(j, where, "index", 1, &s->index, cause) == -1)
		return (-1);
	arr = json_object_get(j, "shards");
	if (!json_is_array(arr)) {
		xasprintf(cause, "%sshards is not an array", where);
		return (-1);
	}
	s->shards = xcalloc(json_array_size(arr) + 1, sizeof *s->shards);
	for (i = 0; i < json_array_size(arr); i++) {
		sh = json_array_get(arr, i);
		snprintf(w, sizeof w, "%sshards[%zu].", where, i);
		if (!json_is_object(sh)) {
			xasprintf(cause, "%.*s is not an object",
			    (int)strlen(w) - 1, w);
			return (-1);
		}
		if (state_get_int(sh, w, "shard", 0, INT32_MAX, &v,
		    cause) == -1)
			return (-1);
		s->shards[i].shard = (int)v;
		if (state_get_int(sh, w, "follower_max_seq_no", -2, INT64_MAX,
		    &s->shards[i].follower_max_seq_no, cause) == -1 ||
		    state_get_int(sh, w, "leader_max_seq_no", -2, INT64_MAX,
		    &s->shards[i].leader_max_seq_no, cause) == -1)
			return (-1);
		s->nshards++;
	}
	return (0);
}

/* Read the promotion record, if there is one. */
static int
state_load_promotion(json_t *j, struct state *st, char **cause)
{
	struct state_promotion	*p = &st->promotion;
	json_t			*arr;
	char			 where[64];
	size_t			 i;

	if (j == NULL || json_is_null(j))
		return (0);
	if (!json_is_object(j)) {
		xasprintf(cause, "promotion is not an object");
		return (-1);
	}
	p->recorded = true;
	if (state_get_time(j, "promotion.", "at", &p->at, cause) == -1 ||
	    state_get_string(j, "promotion.", "lost_leader", 1,
	    &p->lost_leader, cause) == -1 ||
	    state_get_int(j, "promotion.", "lost_operations", 0, INT64_MAX,
	    &p->lost_operations, cause) == -1)
		return (-1);
	arr = json_object_get(j, "indices");
	if (!json_is_array(arr)) {
		xasprintf(cause, "promotion.indices is not an array");
		return (-1);
	}
	p->indices = xcalloc(json_array_size(arr) + 1, sizeof *p->indices);
	for (i = 0; i < json_array_size(arr); i++) {
		p->nindices++;
		snprintf(where, sizeof where, "promotion.indices[%zu].", i);
		if (state_load_seqnos(json_array_get(arr, i), &p->indices[i],
		    where, cause) == -1)
			return (-1);
	}
	return (0);
}

/* Fill st from a parsed document; st is cleared by the caller on failure. */
static int
state_from_json(json_t *doc, struct state *st, char **cause)
{
	json_t	*block;
	int64_t	 version;

	if (!json_is_object(doc)) {
		xasprintf(cause, "not a JSON object");
		return (-1);
	}
	if (state_get_int(doc, "", "version", 1, INT32_MAX, &version,
	    cause) == -1)
		return (-1);
	if (version > STATE_FORMAT_VERSION) {
		xasprintf(cause, "format version %" PRId64 " is newer than "
		    "this daemon's (%d)", version, STATE_FORMAT_VERSION);
		return (-1);
	}
	if (state_get_string(doc, "", "leader", 1, &st->leader, cause) == -1 ||
	    state_get_string(doc, "", "follower", 1, &st->follower,
	    cause) == -1 ||
	    state_get_string(doc, "", "fsm_state", 0, &st->fsm_state,
	    cause) == -1 ||
	    state_get_bool(doc, "", "held", &st->held, cause) == -1 ||
	    state_get_kind(doc, "", "pending", &st->pending, cause) == -1)
		return (-1);
	block = json_object_get(doc, "failover_block");
	if (!json_is_object(block)) {
		xasprintf(cause, "failover_block is not an object");
		return (-1);
	}
	if (state_get_time(block, "failover_block.", "until", &st->block_until,
	    cause) == -1 ||
	    state_get_bool(block, "failover_block.", "acknowledged",
	    &st->block_acknowledged, cause) == -1)
		return (-1);
	if (state_load_action(json_object_get(doc, "action"), st, cause) == -1)
		return (-1);
	return (state_load_promotion(json_object_get(doc, "promotion"), st,
	    cause));
}

/* Read all of fd, refusing files larger than any this daemon writes. */
static int
state_read(int fd, char **ret, size_t *len, char **cause)
{
	struct stat	 st;
	char		*buf;
	size_t		 size, got = 0;
	ssize_t		 n;

	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "stat: %s", strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "not a regular file");
		return (-1);
	}
	if (st.st_size > STATE_MAX_SIZE) {
		xasprintf(cause, "larger than %d bytes", STATE_MAX_SIZE);
		return (-1);
	}
	size = (size_t)st.st_size;
	buf = xmalloc(size + 1);
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "read: %s", strerror(errno));
			free(buf);
			return (-1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret = buf;
	*len = got;
	return (0);
}

/*
 * Load the record at path into st, which must hold a record (state_init),
 * replacing it and remembering path for saving. STATE_MISSING leaves st an empty record for path;
 * STATE_INVALID leaves st untouched and sets *cause.
 */
enum state_load_result
state_load(struct state *st, const char *path, char **cause)
{
	struct state	 fresh;
	json_error_t	 jerr;
	json_t		*doc;
	char		*buf, *why;
	size_t		 len;
	int		 fd;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			state_clear(st);
			state_init(st, path);
			return (STATE_MISSING);
		}
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (STATE_INVALID);
	}
	if (state_read(fd, &buf, &len, &why) == -1) {
		close(fd);
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (STATE_INVALID);
	}
	close(fd);
	if (len == 0) {
		free(buf);
		xasprintf(cause, "%s: empty file", path);
		return (STATE_INVALID);
	}
	doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (doc == NULL) {
		xasprintf(cause, "%s:%d:%d: not valid JSON (torn or damaged): "
		    "%s", path, jerr.line, jerr.column, jerr.text);
		return (STATE_INVALID);
	}
	state_init(&fresh, path);
	if (state_from_json(doc, &fresh, &why) == -1) {
		json_decref(doc);
		state_clear(&fresh);
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (STATE_INVALID);
	}
	json_decref(doc);
	state_clear(st);
	*st = fresh;
	return (STATE_LOADED);
}
