/*
 * The action record and its JSON form (version 1, see action-record.h).
 * Reading a record never trusts it: every field is checked, and a record
 * that does not make sense is refused with the reason.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "action-record.h"
#include "config.h"
#include "es-parse.h"
#include "jsonw.h"
#include "seqno.h"
#include "xmalloc.h"

#define ACTION_RECORD_VERSION	1
#define ACTION_INDEX_NAME_MAX	255	/* bytes, Elasticsearch's limit */
#define ACTION_CLONE_INFIX	"-diverged-"

static const char *const action_phase_names[ACTION_PHASE_MAX] = {
	"pre_promote", "lag", "remote", "indices", "auto_follow", "unfence",
	"finished"
};

static const char *const action_index_status_names[ACTION_INDEX_STATUS_MAX] = {
	"running", "awaiting_confirmation", "done", "failed"
};

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
	if (ir->step == STEP_REACH && ir->unreachable)
		return (ACTION_INDEX_AWAITING_CONFIRMATION);
	return (ACTION_INDEX_RUNNING);
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
	free(ir->follower_global_checkpoint);
	free(ir->clone);
	free(ir->uuid);
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
		if (p->uuid != NULL)
			ir->uuid = xstrdup(p->uuid);
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
		ir->follower_global_checkpoint = xreallocarray(NULL,
		    p->nshards, sizeof *ir->follower_global_checkpoint);
		memcpy(ir->follower_global_checkpoint,
		    p->follower_global_checkpoint,
		    p->nshards * sizeof *ir->follower_global_checkpoint);
		ir->lost_operations = p->lost_operations;
		ir->lost_operations_max = p->lost_operations_max;
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
 * Whether the failback may have deleted this index on the old leader: it
 * went past the DELETE (or past the read that showed the index gone), or
 * the DELETE may have gone out and nothing has read what it did since
 * (sent, or waiting for that read, when the failback stopped). A DELETE
 * whose outcome is unknown counts: Elasticsearch may have carried it out,
 * and forgetting an index that is still there costs only a confirmed copy.
 */
bool
action_index_record_deleted(const struct action_index_record *ir)
{
	enum step	s = ir->step == STEP_FAILED ? ir->failed_step : ir->step;

	if (ir->step == STEP_DELETE && ir->sent)
		return (true);
	return (s == STEP_VERIFY_DELETE || s == STEP_FOLLOW ||
	    s == STEP_RESTORE || s == STEP_DONE);
}

/*
 * The failback deleted the old leader's index. Until the follow creates
 * its successor, a client's write may create an index of that name
 * (Elasticsearch's auto_create_index): neither the pinned uuid nor the
 * recorded checkpoints say anything about such an index, so they are
 * forgotten, and one met later counts as divergent (kept until confirmed,
 * then copied) instead of re-created and left, or replaced unseen.
 */
void
action_index_record_forget(struct action_index_record *ir)
{
	size_t	k;

	free(ir->uuid);
	ir->uuid = NULL;
	for (k = 0; k < ir->nshards; k++)
		ir->follower_global_checkpoint[k] = STEP_SEQ_UNKNOWN;
}

/*
 * A new record for an action over the configured index pairs. A failback
 * takes the finished promotion's numbers (promotion may be NULL).
 */
struct action_record *
action_record_new(enum fsm_action kind, int old_leader,
    enum action_phase first, const struct ccr_config *cf,
    const struct action_record *promotion, char **cause)
{
	struct action_record		*rec;
	struct action_index_record	*ir;
	size_t				 i;

	if (!action_utf8(cf->clusters[0].name) ||
	    !action_utf8(cf->clusters[1].name)) {
		xasprintf(cause, "a cluster name is not valid UTF-8");
		return (NULL);
	}
	for (i = 0; i < cf->nindices; i++) {
		if (!action_utf8(cf->indices[i].leader_index) ||
		    !action_utf8(cf->indices[i].follower_index)) {
			xasprintf(cause, "index pair %zu: a name is not valid "
			    "UTF-8", i);
			return (NULL);
		}
	}
	rec = xcalloc(1, sizeof *rec);
	rec->kind = kind;
	rec->old_leader = old_leader;
	rec->clusters[0] = xstrdup(cf->clusters[0].name);
	rec->clusters[1] = xstrdup(cf->clusters[1].name);
	rec->started = time(NULL);
	rec->phase = first;
	rec->nindices = cf->nindices;
	rec->indices = xcalloc(cf->nindices, sizeof *rec->indices);
	for (i = 0; i < cf->nindices; i++) {
		ir = &rec->indices[i];
		ir->names[0] = xstrdup(cf->indices[i].leader_index);
		ir->names[1] = xstrdup(cf->indices[i].follower_index);
		ir->step = step_first(kind);
		ir->failed_step = STEP_FAILED;
		ir->lost_operations = -1;
		ir->lost_operations_max = -1;
		ir->divergent_operations = -1;
		if (kind == FSM_ACTION_FAILBACK && promotion != NULL)
			action_copy_seqs(ir, promotion);
	}
	return (rec);
}

/* What an action came to, counted from its record. */
void
action_record_summary(const struct action_record *rec,
    struct action_summary *sum)
{
	size_t	i;
	bool	unknown = false;

	memset(sum, 0, sizeof *sum);
	sum->kind = rec->kind;
	sum->record = rec;
	sum->error_type = rec->error_type;
	sum->error_reason = rec->error_reason;
	for (i = 0; i < rec->nindices; i++) {
		if (rec->indices[i].step == STEP_DONE)
			sum->done++;
		else if (rec->indices[i].step == STEP_FAILED)
			sum->failed++;
		if (rec->indices[i].clone != NULL &&
		    rec->indices[i].step == STEP_DONE)
			sum->divergent++;
		if (rec->indices[i].lost_operations < 0)
			unknown = true;
		else
			sum->lost_operations = seq_add(sum->lost_operations,
			    rec->indices[i].lost_operations);
	}
	if (unknown || rec->kind == FSM_ACTION_FAILBACK)
		sum->lost_operations = -1;
}

/*
 * Whether a finished action left a change on a cluster that giving it up
 * would strand: an index past its first mutating step, or write blocks
 * still standing on the old leader.
 */
bool
action_record_changed(const struct action_record *rec)
{
	const struct action_index_record	*ir;
	size_t					 i;

	if (rec->fenced > rec->unfenced)
		return (true);
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		if (step_touched(rec->kind, ir->step, ir->sent,
		    ir->failed_step))
			return (true);
	}
	return (false);
}

/* A deep copy of a record, made through its JSON form. */
struct action_record *
action_record_copy(const struct action_record *rec, char **cause)
{
	struct action_record	*copy;
	json_t			*j;

	j = action_record_to_json(rec);
	copy = action_record_from_json(j, cause);
	json_decref(j);
	return (copy);
}

/* A name for the copy of a divergent index: what it is and when. */
char *
action_record_clone_name(const char *index)
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

/* Room for shards 0 .. n-1, none of them reported yet. */
static int64_t *
action_seqs(size_t n)
{
	int64_t	*seqs;
	size_t	 k;

	seqs = xreallocarray(NULL, n, sizeof *seqs);
	for (k = 0; k < n; k++)
		seqs[k] = STEP_SEQ_UNKNOWN;
	return (seqs);
}

/* Whether a shard number can index the per-shard arrays. */
#define ACTION_SHARD_OK(id)	((id) >= 0 && (id) < ACTION_SHARDS_MAX)

/*
 * Keep a follower's per-shard numbers from its _ccr/stats and what they
 * say was lost; false (and nothing kept) when it reported no shard.
 */
bool
action_index_keep_shards(struct action_index_record *ir,
    const struct es_index_stats *is)
{
	size_t	n = 0, k;
	int	id;

	for (k = 0; k < is->nshards; k++) {
		id = is->shards[k].shard_id;
		if (ACTION_SHARD_OK(id) && (size_t)id >= n)
			n = (size_t)id + 1;
	}
	if (n == 0)
		return (false);
	free(ir->leader_max_seq_no);
	free(ir->follower_max_seq_no);
	free(ir->follower_global_checkpoint);
	ir->leader_max_seq_no = action_seqs(n);
	ir->follower_max_seq_no = action_seqs(n);
	ir->follower_global_checkpoint = action_seqs(n);
	ir->nshards = n;
	for (k = 0; k < is->nshards; k++) {
		if (!ACTION_SHARD_OK(id = is->shards[k].shard_id))
			continue;
		ir->leader_max_seq_no[id] = is->shards[k].leader_max_seq_no;
		ir->follower_max_seq_no[id] = is->shards[k].follower_max_seq_no;
		ir->follower_global_checkpoint[id] =
		    is->shards[k].follower_global_checkpoint;
	}
	step_lost_bounds(ir->leader_max_seq_no, ir->follower_global_checkpoint,
	    ir->follower_max_seq_no, n, &ir->lost_operations,
	    &ir->lost_operations_max);
	return (true);
}

/*
 * An index's primaries' max_seq_no from _stats, by shard number, in an
 * array the caller frees; NULL and *n 0 when it has none.
 */
int64_t *
action_seqs_by_shard(const struct es_index_seq *is, size_t *n)
{
	int64_t	*seqs;
	size_t	 k;
	int	 id;

	*n = 0;
	for (k = 0; k < is->nshards; k++) {
		id = is->shards[k].shard_id;
		if (ACTION_SHARD_OK(id) && (size_t)id >= *n)
			*n = (size_t)id + 1;
	}
	if (*n == 0)
		return (NULL);
	seqs = action_seqs(*n);
	for (k = 0; k < is->nshards; k++) {
		if (ACTION_SHARD_OK(id = is->shards[k].shard_id))
			seqs[id] = is->shards[k].max_seq_no;
	}
	return (seqs);
}

/* A recorded sequence number: an integer, or null for unknown. */
static int64_t
action_json_seq(const json_t *v)
{
	if (!json_is_integer(v))
		return (STEP_SEQ_UNKNOWN);
	return ((int64_t)json_integer_value(v));
}

/* A sequence number, or null when nobody reported it. */
static void
action_seq_text(struct jsonw *w, int64_t v)
{
	if (v == STEP_SEQ_UNKNOWN)
		jsonw_null(w);
	else
		jsonw_int(w, v);
}

/*
 * The record as compact JSON text, for the state file. It is written
 * before every batch of mutating requests, with a member per index, so it
 * is written directly rather than through a jansson tree.
 */
char *
action_record_to_text(const struct action_record *rec)
{
	const struct action_index_record	*ir;
	struct jsonw				 w;
	char					 started[32];
	struct tm				 tm;
	size_t					 i, k;

	gmtime_r(&rec->started, &tm);
	strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jsonw_init(&w, false);
	jsonw_object(&w);
	jsonw_key(&w, "version");
	jsonw_int(&w, ACTION_RECORD_VERSION);
	jsonw_key(&w, "kind");
	jsonw_string(&w, fsm_action_name(rec->kind));
	jsonw_key(&w, "old_leader");
	jsonw_int(&w, rec->old_leader);
	jsonw_key(&w, "clusters");
	jsonw_array(&w);
	jsonw_string(&w, rec->clusters[0]);
	jsonw_string(&w, rec->clusters[1]);
	jsonw_end(&w, ']');
	jsonw_key(&w, "started");
	jsonw_string(&w, started);
	jsonw_key(&w, "phase");
	jsonw_string(&w, action_phase_name(rec->phase));
	jsonw_key(&w, "indices");
	jsonw_array(&w);
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		jsonw_object(&w);
		jsonw_key(&w, "names");
		jsonw_array(&w);
		jsonw_string(&w, ir->names[0]);
		jsonw_string(&w, ir->names[1]);
		jsonw_end(&w, ']');
		jsonw_key(&w, "step");
		jsonw_string(&w, step_name(ir->step));
		jsonw_key(&w, "sent");
		jsonw_bool(&w, ir->sent);
		jsonw_key(&w, "attempts");
		jsonw_int(&w, ir->attempts);
		jsonw_key(&w, "confirmed");
		jsonw_bool(&w, ir->confirmed);
		jsonw_key(&w, "shards");
		jsonw_array(&w);
		for (k = 0; k < ir->nshards; k++) {
			jsonw_object(&w);
			jsonw_key(&w, "leader_max_seq_no");
			action_seq_text(&w, ir->leader_max_seq_no[k]);
			jsonw_key(&w, "follower_max_seq_no");
			action_seq_text(&w, ir->follower_max_seq_no[k]);
			jsonw_key(&w, "follower_global_checkpoint");
			action_seq_text(&w, ir->follower_global_checkpoint[k]);
			jsonw_end(&w, '}');
		}
		jsonw_end(&w, ']');
		jsonw_key(&w, "lost_operations");
		jsonw_int(&w, ir->lost_operations);
		jsonw_key(&w, "lost_operations_max");
		jsonw_int(&w, ir->lost_operations_max);
		jsonw_key(&w, "divergent_operations");
		jsonw_int(&w, ir->divergent_operations);
		if (ir->failed_step != STEP_FAILED) {
			jsonw_key(&w, "failed_step");
			jsonw_string(&w, step_name(ir->failed_step));
		}
		if (ir->error_type != NULL) {
			jsonw_key(&w, "error");
			jsonw_object(&w);
			jsonw_key(&w, "type");
			jsonw_string(&w, ir->error_type);
			jsonw_key(&w, "reason");
			jsonw_string(&w, ir->error_reason);
			jsonw_end(&w, '}');
		}
		if (ir->clone != NULL) {
			jsonw_key(&w, "clone");
			jsonw_string(&w, ir->clone);
		}
		if (ir->uuid != NULL) {
			jsonw_key(&w, "uuid");
			jsonw_string(&w, ir->uuid);
		}
		if (ir->unreachable) {
			jsonw_key(&w, "unreachable");
			jsonw_bool(&w, true);
		}
		jsonw_end(&w, '}');
	}
	jsonw_end(&w, ']');
	if (rec->fenced > 0) {
		jsonw_key(&w, "fenced");
		jsonw_object(&w);
		jsonw_key(&w, "blocked");
		jsonw_int(&w, rec->fenced);
		jsonw_key(&w, "lifted");
		jsonw_int(&w, rec->unfenced);
		jsonw_end(&w, '}');
	}
	if (rec->error_type != NULL) {
		jsonw_key(&w, "error");
		jsonw_object(&w);
		jsonw_key(&w, "type");
		jsonw_string(&w, rec->error_type);
		jsonw_key(&w, "reason");
		jsonw_string(&w, rec->error_reason);
		jsonw_end(&w, '}');
	}
	jsonw_end(&w, '}');
	return (jsonw_finish(&w));
}

/* The record as JSON: its text, parsed (NULL if it holds invalid text). */
json_t *
action_record_to_json(const struct action_record *rec)
{
	json_error_t	 err;
	json_t		*j;
	char		*text;

	text = action_record_to_text(rec);
	j = json_loads(text, 0, &err);
	free(text);
	return (j);
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
	ir->unreachable = json_is_true(json_object_get(o, "unreachable"));
	ir->lost_operations_max = -1;
	if (json_object_get(o, "lost_operations_max") != NULL) {
		if (action_json_int(o, "lost_operations_max", -1, INT64_MAX,
		    &x, where, cause) != 0)
			return (-1);
		ir->lost_operations_max = x;
	}
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
	if (json_object_get(o, "uuid") != NULL) {
		if ((str = action_json_string(o, "uuid", where, cause)) ==
		    NULL)
			return (-1);
		ir->uuid = xstrdup(str);
	}
	if ((ir->step == STEP_BLOCK || ir->step == STEP_CLONE ||
	    ir->step == STEP_CLONE_STARTED || ir->step == STEP_CLONE_COUNT) &&
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
	ir->follower_global_checkpoint = xreallocarray(NULL, ir->nshards,
	    sizeof *ir->follower_global_checkpoint);
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
		/* A record from before checkpoints proves nothing: unknown. */
		v = json_object_get(s, "follower_global_checkpoint");
		if (v != NULL && !(json_is_null(v) || json_is_integer(v))) {
			xasprintf(cause, "%s: shard %zu is malformed", where,
			    k);
			return (-1);
		}
		ir->follower_global_checkpoint[k] = action_json_seq(v);
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
	if ((o = json_object_get(root, "fenced")) != NULL) {
		if (action_json_int(o, "blocked", 0, INT32_MAX, &x,
		    "action record: fenced", cause) != 0)
			goto fail;
		rec->fenced = (size_t)x;
		if (action_json_int(o, "lifted", 0, x, &x,
		    "action record: fenced", cause) != 0)
			goto fail;
		rec->unfenced = (size_t)x;
	}
	list = json_object_get(root, "indices");
	if (!json_is_array(list)) {
		xasprintf(cause, "action record: indices must be an array");
		goto fail;
	}
	rec->nindices = json_array_size(list);
	if (rec->fenced > rec->nindices) {
		xasprintf(cause, "action record: more indices fenced than "
		    "recorded");
		goto fail;
	}
	rec->indices = xcalloc(rec->nindices, sizeof *rec->indices);
	json_array_foreach(list, i, o) {
		if (action_index_from_json(o, &rec->indices[i], i, cause) != 0)
			goto fail;
		/* A promotion never reaches failback steps, and vice versa. */
		if (!step_of(rec->kind, rec->indices[i].step)) {
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
