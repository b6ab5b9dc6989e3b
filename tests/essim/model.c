/*
 * The essim cluster model: one single-node Elasticsearch 8.x cluster held in
 * memory. Indices keep shards; a shard keeps its operation history in
 * sequence number order and a map from document id to the live operation, so
 * a follower can ask for "everything from seq_no N" and replay it with the
 * leader's numbers. Each index lives in one of the follower lifecycle states
 * of the reference's section 20 (follower metadata yes/no, open yes/no,
 * follow tasks yes/no) and every call checks its preconditions in the order
 * Elasticsearch does, answering with the same status and error text.
 *
 * Nothing here does I/O or reads a clock: callers pass wall-clock stamps
 * (for creation dates and lease timestamps) and monotonic times (for task
 * statistics). Mutations are handed to the journal hook as JSON records.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model.h"
#include "xmalloc.h"

/* Follow parameters and the defaults follow info reports. */
static const struct {
	const char	*name;
	int		 is_int;
	const char	*sdefault;
	json_int_t	 idefault;
} sim_follow_params[] = {
	{ "max_read_request_operation_count", 1, NULL, 5120 },
	{ "max_read_request_size", 0, "32mb", 0 },
	{ "max_outstanding_read_requests", 1, NULL, 12 },
	{ "max_write_request_operation_count", 1, NULL, 5120 },
	{ "max_write_request_size", 0, "9223372036854775807b", 0 },
	{ "max_outstanding_write_requests", 1, NULL, 9 },
	{ "max_write_buffer_count", 1, NULL, 2147483647 },
	{ "max_write_buffer_size", 0, "512mb", 0 },
	{ "max_retry_delay", 0, "500ms", 0 },
	{ "read_poll_timeout", 0, "1m", 0 },
};
#define ES_NFOLLOW_PARAMS \
	(sizeof sim_follow_params / sizeof sim_follow_params[0])

static size_t	sim_shard_pos(struct sim_shard *, int64_t);
static int	sim_shard_put(struct sim_shard *, enum sim_op_kind, int64_t,
		    int64_t, const char *, json_t *);
static void	sim_journal_op(struct sim_cluster *, struct sim_index *, int,
		    struct sim_op *);

/* Hand a record (stolen) to the journal hook. */
static void
sim_journal(struct sim_cluster *c, json_t *rec)
{
	if (c->journal != NULL)
		c->journal(c->journal_arg, rec);
	json_decref(rec);
}

/* An empty cluster with fresh cluster and node ids. */
struct sim_cluster *
sim_cluster_new(const char *name)
{
	struct sim_cluster	*c;

	c = xcalloc(1, sizeof *c);
	c->name = xstrdup(name);
	sim_random_id(c->uuid, sizeof c->uuid);
	sim_random_id(c->node_id, sizeof c->node_id);
	c->persistent = json_object();
	c->transient = json_object();
	c->auto_follow = json_object();
	c->auto_follow_seen = json_object();
	c->af_errors = json_array();
	c->data_path = xstrdup("/var/lib/elasticsearch");
	return (c);
}

/* Start a shard follow task's statistics afresh. */
static void
sim_follow_reset(struct sim_follow_shard *f)
{
	json_decref(f->read_exceptions);
	json_decref(f->fatal_exception);
	memset(f, 0, sizeof *f);
	f->leader_global_checkpoint = -1;
	f->leader_max_seq_no = -1;
	f->last_requested_seq_no = -1;
	f->read_exceptions = json_array();
}

/* Drop a shard's history and documents. */
static void
sim_shard_clear(struct sim_shard *s)
{
	size_t	i;

	for (i = 0; i < s->nops; i++) {
		free(s->ops[i].id);
		json_decref(s->ops[i].source);
	}
	free(s->ops);
	s->ops = NULL;
	s->nops = s->opsalloc = 0;
	json_decref(s->docs);
	s->docs = json_object();
	json_decref(s->tombs);
	s->tombs = json_object();
	s->max_seq_no = s->refreshed_seq_no = s->checkpoint = -1;
}

/* Free the shards of an index. */
static void
sim_shards_free(struct sim_index *ix)
{
	int	i;

	for (i = 0; i < ix->nshards; i++) {
		sim_shard_clear(&ix->shards[i]);
		json_decref(ix->shards[i].docs);
		json_decref(ix->shards[i].tombs);
		json_decref(ix->shards[i].leases);
		json_decref(ix->shards[i].follow.read_exceptions);
		json_decref(ix->shards[i].follow.fatal_exception);
	}
	free(ix->shards);
	ix->shards = NULL;
}

/* Allocate empty shards for an index. */
static void
sim_shards_alloc(struct sim_index *ix)
{
	int	i;

	ix->shards = xcalloc(ix->nshards, sizeof *ix->shards);
	for (i = 0; i < ix->nshards; i++) {
		ix->shards[i].id = i;
		ix->shards[i].max_seq_no = -1;
		ix->shards[i].refreshed_seq_no = -1;
		ix->shards[i].checkpoint = -1;
		ix->shards[i].hold_from = ix->shards[i].hold_to = -1;
		sim_random_id(ix->shards[i].history_uuid,
		    sizeof ix->shards[i].history_uuid);
		ix->shards[i].docs = json_object();
		ix->shards[i].tombs = json_object();
		ix->shards[i].leases = json_object();
		sim_follow_reset(&ix->shards[i].follow);
	}
}

/* Free an index and everything it holds. */
static void
sim_index_free(struct sim_index *ix)
{
	sim_shards_free(ix);
	free(ix->name);
	free(ix->remote);
	free(ix->leader_index);
	json_decref(ix->follow_params);
	free(ix);
}

/* Free a cluster; NULL is fine. */
void
sim_cluster_free(struct sim_cluster *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nindices; i++)
		sim_index_free(c->indices[i]);
	free(c->indices);
	json_decref(c->persistent);
	json_decref(c->transient);
	json_decref(c->auto_follow);
	json_decref(c->auto_follow_seen);
	json_decref(c->af_errors);
	free(c->data_path);
	free(c->name);
	free(c);
}

/* Binary search; *pos is where the name is or would go. */
static struct sim_index *
sim_index_lookup(struct sim_cluster *c, const char *name, size_t *pos)
{
	size_t	lo = 0, hi = c->nindices, mid;
	int	cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(c->indices[mid]->name, name);
		if (cmp == 0) {
			*pos = mid;
			return (c->indices[mid]);
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return (NULL);
}

/* The index of that name, or NULL. */
struct sim_index *
sim_index_find(struct sim_cluster *c, const char *name)
{
	size_t	pos;

	return (sim_index_lookup(c, name, &pos));
}

/* Insert a new empty open index, keeping the name order. */
static struct sim_index *
sim_index_insert(struct sim_cluster *c, const char *name, int nshards,
    int nreplicas)
{
	struct sim_index	*ix;
	size_t		 pos;

	if (sim_index_lookup(c, name, &pos) != NULL)
		return (NULL);
	ix = xcalloc(1, sizeof *ix);
	ix->name = xstrdup(name);
	sim_random_id(ix->uuid, sizeof ix->uuid);
	ix->nshards = nshards;
	ix->nreplicas = nreplicas;
	ix->open = 1;
	sim_shards_alloc(ix);
	c->indices = xreallocarray(c->indices, c->nindices + 1,
	    sizeof *c->indices);
	memmove(c->indices + pos + 1, c->indices + pos,
	    (c->nindices - pos) * sizeof *c->indices);
	c->indices[pos] = ix;
	c->nindices++;
	return (ix);
}

/* Remove an index from the cluster and free it. */
static void
sim_index_remove(struct sim_cluster *c, struct sim_index *ix)
{
	size_t	pos;

	if (sim_index_lookup(c, ix->name, &pos) == NULL)
		return;
	memmove(c->indices + pos, c->indices + pos + 1,
	    (c->nindices - pos - 1) * sizeof *c->indices);
	c->nindices--;
	if (ix->follower)
		c->follow_generation++;
	sim_index_free(ix);
}

/* The history UUIDs of an index's shards, in shard order. */
static json_t *
sim_history_uuids(struct sim_index *ix)
{
	json_t	*a = json_array();
	int	 sh;

	for (sh = 0; sh < ix->nshards; sh++)
		json_array_append_new(a, json_string(
		    ix->shards[sh].history_uuid));
	return (a);
}

/* Take history UUIDs from a JSON array (a journal record, a leader). */
static void
sim_set_history_uuids(struct sim_index *ix, json_t *a)
{
	const char	*u;
	int		 sh;

	for (sh = 0; sh < ix->nshards; sh++) {
		if ((u = json_string_value(json_array_get(a, sh))) != NULL)
			snprintf(ix->shards[sh].history_uuid,
			    sizeof ix->shards[sh].history_uuid, "%s", u);
	}
}

/* The metadata of an index as a journal record. */
static json_t *
sim_index_meta(struct sim_index *ix)
{
	json_t	*j;

	j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:b, s:b, s:b, s:b, s:b,"
	    " s:b, s:b}",
	    "t", "index", "name", ix->name, "uuid", ix->uuid,
	    "shards", ix->nshards, "replicas", ix->nreplicas,
	    "creation_date", (json_int_t)ix->creation_date, "open", ix->open,
	    "block_write", ix->block_write, "block_read_only",
	    ix->block_read_only, "block_read", ix->block_read,
	    "block_metadata", ix->block_metadata, "follower", ix->follower,
	    "tasks", ix->tasks);
	if (ix->follower) {
		json_object_set_new(j, "remote", json_string(ix->remote));
		json_object_set_new(j, "leader_index",
		    json_string(ix->leader_index));
		json_object_set_new(j, "leader_uuid",
		    json_string(ix->leader_uuid));
	}
	if (ix->follow_params != NULL)
		json_object_set(j, "follow_params", ix->follow_params);
	json_object_set_new(j, "history_uuids", sim_history_uuids(ix));
	return (j);
}

/* Journal an index's metadata after a change. */
static void
sim_journal_index(struct sim_cluster *c, struct sim_index *ix)
{
	sim_journal(c, sim_index_meta(ix));
}

/* Journal the cluster-wide state (persistent settings, auto-follow). */
static void
sim_journal_cluster(struct sim_cluster *c)
{
	sim_journal(c, json_pack("{s:s, s:s, s:O, s:O, s:O}", "t", "cluster",
	    "uuid", c->uuid, "persistent", c->persistent,
	    "auto_follow", c->auto_follow, "auto_follow_seen",
	    c->auto_follow_seen));
}

/*
 * Resolve an index expression (comma list, '*' wildcards, _all, -exclusions)
 * to indices in name order. Concrete names that do not exist are a 404.
 */
int
sim_resolve(struct sim_cluster *c, const char *expr, int flags,
    struct sim_index ***out, size_t *nout, json_t **err)
{
	char		*copy, *tok, *save;
	unsigned char	*mark;
	size_t		 i, pos, n = 0;
	int		 exclude, any = 0;
	struct sim_index	*ix;

	*out = NULL;
	*nout = 0;
	mark = xcalloc(c->nindices + 1, 1);
	copy = xstrdup(expr == NULL || *expr == '\0' ? "_all" : expr);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		exclude = any && *tok == '-';
		if (exclude)
			tok++;
		any = 1;
		if (strcmp(tok, "_all") == 0 || strchr(tok, '*') != NULL) {
			if (flags & ES_RESOLVE_NO_WILDCARD) {
				free(copy);
				free(mark);
				return (sim_error(err, 400,
				    "illegal_argument_exception",
				    "Wildcard expressions or all indices are "
				    "not allowed"));
			}
			for (i = 0; i < c->nindices; i++) {
				ix = c->indices[i];
				if (strcmp(tok, "_all") != 0 &&
				    !sim_glob(tok, ix->name))
					continue;
				if (exclude)
					mark[i] = 0;
				else if ((ix->open &&
				    (flags & ES_RESOLVE_OPEN)) || (!ix->open &&
				    (flags & ES_RESOLVE_CLOSED)))
					mark[i] = 1;
			}
			continue;
		}
		if (sim_index_lookup(c, tok, &pos) == NULL) {
			if (exclude || (flags & ES_RESOLVE_IGNORE_MISSING))
				continue;
			sim_index_not_found(err, tok);
			free(copy);
			free(mark);
			return (404);
		}
		mark[pos] = !exclude;
	}
	free(copy);
	for (i = 0; i < c->nindices; i++)
		n += mark[i];
	*out = xcalloc(n + 1, sizeof **out);
	for (i = 0; i < c->nindices; i++) {
		if (mark[i])
			(*out)[(*nout)++] = c->indices[i];
	}
	free(mark);
	return (0);
}

/* Resolve for a read API: concrete closed indices are 400 index_closed. */
static int
sim_resolve_open(struct sim_cluster *c, const char *expr,
    struct sim_index ***out, size_t *n, json_t **err)
{
	size_t	i;
	int	status;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN, out, n, err)) != 0)
		return (status);
	for (i = 0; i < *n; i++) {
		if (!(*out)[i]->open) {
			status = sim_index_closed(err, (*out)[i]);
			free(*out);
			*out = NULL;
			return (status);
		}
	}
	return (0);
}

/* GET /: node and cluster identity and the version. */
json_t *
sim_info(struct sim_cluster *c)
{
	return (json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:b,"
	    " s:s, s:s, s:s}, s:s}",
	    "name", c->name, "cluster_name", c->name, "cluster_uuid", c->uuid,
	    "version", "number", ES_VERSION, "build_flavor", "default",
	    "build_type", "tar",
	    "build_hash", "a091390de485bd4b127884f7e565c0cad59b10d2",
	    "build_date", "2025-02-28T10:07:26.089129809Z",
	    "build_snapshot", 0, "lucene_version", "9.12.0",
	    "minimum_wire_compatibility_version", "7.17.0",
	    "minimum_index_compatibility_version", "7.0.0",
	    "tagline", "You Know, for Search"));
}

/*
 * Health of one index: primaries all active, replicas unassigned; while a
 * put-follow still copies the leader's files the primaries are
 * initializing from the CCR repository, so the index is red.
 */
static json_t *
sim_index_health(struct sim_index *ix)
{
	int	unassigned = ix->nshards * ix->nreplicas;
	int	active = ix->restoring ? 0 : ix->nshards;

	return (json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
	    "status", ix->restoring ? "red" : unassigned > 0 ? "yellow" :
	    "green", "number_of_shards", ix->nshards,
	    "number_of_replicas", ix->nreplicas,
	    "active_primary_shards", active,
	    "active_shards", active, "relocating_shards", 0,
	    "initializing_shards", ix->nshards - active,
	    "unassigned_shards", unassigned,
	    "unassigned_primary_shards", 0));
}

/*
 * GET /_cluster/health[/<expr>]: one data node, so every replica is
 * unassigned and an index with replicas is yellow (closed ones too).
 */
int
sim_health(struct sim_cluster *c, const char *expr, const char *level,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, primaries = 0, unassigned = 0;
	int		  initializing = 0;
	json_t		 *indices = NULL;
	double		  pct;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
	    &list, &n, out)) != 0)
		return (status);
	if (level != NULL && (strcmp(level, "indices") == 0 ||
	    strcmp(level, "shards") == 0))
		indices = json_object();
	for (i = 0; i < n; i++) {
		if (list[i]->restoring)
			initializing += list[i]->nshards;
		else
			primaries += list[i]->nshards;
		unassigned += list[i]->nshards * list[i]->nreplicas;
		if (indices != NULL)
			json_object_set_new(indices, list[i]->name,
			    sim_index_health(list[i]));
	}
	free(list);
	pct = primaries + initializing + unassigned == 0 ? 100.0 :
	    100.0 * primaries / (primaries + initializing + unassigned);
	*out = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:i, s:i, s:i, s:f}",
	    "cluster_name", c->name,
	    "status", initializing > 0 ? "red" : unassigned > 0 ? "yellow" :
	    "green", "timed_out", 0,
	    "number_of_nodes", 1, "number_of_data_nodes", 1,
	    "active_primary_shards", primaries, "active_shards", primaries,
	    "relocating_shards", 0, "initializing_shards", initializing,
	    "unassigned_shards", unassigned, "unassigned_primary_shards", 0,
	    "delayed_unassigned_shards", 0, "number_of_pending_tasks", 0,
	    "number_of_in_flight_fetch", 0,
	    "task_max_waiting_in_queue_millis", 0,
	    "active_shards_percent_as_number", pct);
	if (indices != NULL)
		json_object_set_new(*out, "indices", indices);
	return (200);
}

/* Flatten nested settings into dotted keys; returns -1 on a bad value. */
static int
sim_flatten(json_t *in, const char *prefix, json_t *out)
{
	const char	*key;
	json_t		*v;
	char		*full;
	int		 rc = 0;

	json_object_foreach(in, key, v) {
		if (prefix != NULL)
			xasprintf(&full, "%s.%s", prefix, key);
		else
			full = xstrdup(key);
		if (json_is_object(v))
			rc = sim_flatten(v, full, out);
		else
			json_object_set(out, full, v);
		free(full);
		if (rc != 0)
			return (rc);
	}
	return (0);
}

/* A setting value as Elasticsearch stores it: a string or string list. */
static json_t *
sim_setting_value(json_t *v)
{
	json_t	*list, *item;
	size_t	 i;
	char	*s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return (json_incref(v));
	case JSON_TRUE:
		return (json_string("true"));
	case JSON_FALSE:
		return (json_string("false"));
	case JSON_INTEGER:
		xasprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		list = json_string(s);
		free(s);
		return (list);
	case JSON_REAL:
		xasprintf(&s, "%g", json_real_value(v));
		list = json_string(s);
		free(s);
		return (list);
	case JSON_ARRAY:
		list = json_array();
		json_array_foreach(v, i, item) {
			if (json_is_array(item) || json_is_object(item) ||
			    json_is_null(item)) {
				json_decref(list);
				return (NULL);
			}
			json_array_append_new(list, sim_setting_value(item));
		}
		return (list);
	default:
		return (NULL);
	}
}

/* Render flat settings nested ({"a.b": 1} -> {"a": {"b": 1}}). */
static json_t *
sim_unflatten(json_t *flat)
{
	json_t		*out, *node, *next;
	const char	*key, *dot, *p;
	json_t		*v;
	char		*part;

	out = json_object();
	json_object_foreach(flat, key, v) {
		node = out;
		for (p = key; (dot = strchr(p, '.')) != NULL; p = dot + 1) {
			part = xstrndup(p, dot - p);
			next = json_object_get(node, part);
			if (next == NULL || !json_is_object(next)) {
				next = json_object();
				json_object_set_new(node, part, next);
			}
			free(part);
			node = next;
		}
		json_object_set(node, p, v);
	}
	return (out);
}

/* An integer setting within bounds, or a 400 for a bad value. */
static int
sim_get_int_setting(json_t *flat, const char *key, int def, int min, int max,
    int *out, json_t **err)
{
	json_t		*v;
	const char	*s;
	char		*end;
	long		 l;

	*out = def;
	if ((v = json_object_get(flat, key)) == NULL)
		return (0);
	if (json_is_integer(v))
		l = (long)json_integer_value(v);
	else if (json_is_string(v)) {
		s = json_string_value(v);
		l = strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0')
			return (sim_error(err, 400, "illegal_argument_exception",
			    "Failed to parse value [%s] for setting [%s]", s,
			    key));
	} else
		return (sim_error(err, 400, "illegal_argument_exception",
		    "Failed to parse value for setting [%s]", key));
	if (l < min || l > max)
		return (sim_error(err, 400, "illegal_argument_exception",
		    "Failed to parse value [%ld] for setting [%s] must be "
		    "between %d and %d", l, key, min, max));
	*out = (int)l;
	return (0);
}

/* Index settings from a create body, flattened and "index."-prefixed. */
static int
sim_index_settings(json_t *body, json_t **flat, json_t **err)
{
	json_t		*settings, *raw, *v;
	const char	*key;
	char		*full;

	*flat = json_object();
	if (body == NULL || (settings = json_object_get(body, "settings")) ==
	    NULL)
		return (0);
	if (!json_is_object(settings))
		return (sim_error(err, 400, "illegal_argument_exception",
		    "settings must be an object"));
	raw = json_object();
	sim_flatten(settings, NULL, raw);
	json_object_foreach(raw, key, v) {
		if (strncmp(key, "index.", 6) == 0)
			full = xstrdup(key);
		else
			xasprintf(&full, "index.%s", key);
		json_object_set(*flat, full, v);
		free(full);
	}
	json_decref(raw);
	v = json_object_get(*flat, "index.soft_deletes.enabled");
	if (v != NULL && (json_is_false(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "false") == 0)))
		return (sim_error(err, 400, "illegal_argument_exception",
		    "Creating indices with soft-deletes disabled is no longer "
		    "supported. Please do not specify a value for setting "
		    "[index.soft_deletes.enabled]."));
	return (0);
}

/* PUT /<index>: create with number_of_shards/replicas from the body. */
int
sim_create_index(struct sim_cluster *c, const char *name, json_t *body,
    uint64_t now, json_t **out)
{
	struct sim_index	*ix;
	json_t		*flat = NULL, *cause;
	int		 status, shards, replicas;

	if ((status = sim_valid_index_name(name, out)) != 0)
		return (status);
	if ((ix = sim_index_find(c, name)) != NULL) {
		cause = sim_cause("resource_already_exists_exception",
		    "index [%s/%s] already exists", ix->name, ix->uuid);
		json_object_set_new(cause, "index_uuid", json_string(ix->uuid));
		json_object_set_new(cause, "index", json_string(ix->name));
		return (sim_error_cause(out, 400, cause));
	}
	if (body != NULL && !json_is_object(body))
		return (sim_error(out, 400, "parse_exception",
		    "request body must be an object"));
	if ((status = sim_index_settings(body, &flat, out)) != 0 ||
	    (status = sim_get_int_setting(flat, "index.number_of_shards", 1, 1,
	    1024, &shards, out)) != 0 ||
	    (status = sim_get_int_setting(flat, "index.number_of_replicas", 1, 0,
	    64, &replicas, out)) != 0) {
		json_decref(flat);
		return (status);
	}
	json_decref(flat);
	ix = sim_index_insert(c, name, shards, replicas);
	ix->creation_date = now;
	sim_journal_index(c, ix);
	*out = json_pack("{s:b, s:b, s:s}", "acknowledged", 1,
	    "shards_acknowledged", 1, "index", name);
	return (200);
}

/* DELETE /<names>: names only (action.destructive_requires_name). */
int
sim_delete_index(struct sim_cluster *c, const char *expr, json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_NO_WILDCARD, &list, &n,
	    out)) != 0)
		return (status);
	for (i = 0; i < n; i++) {
		sim_journal(c, json_pack("{s:s, s:s, s:s}", "t", "delete",
		    "name", list[i]->name, "uuid", list[i]->uuid));
		sim_index_remove(c, list[i]);
	}
	free(list);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* HEAD /<expr>: 200 when everything named exists, open or closed. */
int
sim_exists(struct sim_cluster *c, const char *expr)
{
	struct sim_index	**list;
	size_t		  n;
	json_t		 *err = NULL;
	int		  status;

	status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
	    &list, &n, &err);
	json_decref(err);
	if (status != 0)
		return (404);
	free(list);
	return (200);
}

/* POST /<expr>/_close: closing a closed index is ignored. */
int
sim_close(struct sim_cluster *c, const char *expr, int ignore_missing,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, closed = 0;
	json_t		 *indices;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_NO_WILDCARD |
	    (ignore_missing ? ES_RESOLVE_IGNORE_MISSING : 0), &list, &n,
	    out)) != 0)
		return (status);
	for (i = 0; i < n; i++) {
		if (list[i]->restoring) {
			status = sim_error(out, 400, "illegal_argument_exception",
			    "Cannot close indices that are being restored: "
			    "[[%s/%s]]", list[i]->name, list[i]->uuid);
			free(list);
			return (status);
		}
	}
	indices = json_object();
	for (i = 0; i < n; i++) {
		if (!list[i]->open)
			continue;
		list[i]->open = 0;
		closed++;
		c->follow_generation++;
		sim_journal_index(c, list[i]);
		json_object_set_new(indices, list[i]->name,
		    json_pack("{s:b}", "closed", 1));
	}
	free(list);
	*out = json_pack("{s:b, s:b, s:o}", "acknowledged", 1,
	    "shards_acknowledged", closed > 0, "indices", indices);
	return (200);
}

/*
 * A regular index recovering from store fills every hole below its
 * max_seq_no with a no-op (IndexShard/StoreRecovery fillSeqNoGaps): what a
 * follower never received is gone for good, and the history is whole
 * again. A following engine does not do this.
 */
static void
sim_fill_gaps(struct sim_cluster *c, struct sim_index *ix)
{
	struct sim_shard	*s;
	int64_t		 seq;
	int		 sh;

	for (sh = 0; sh < ix->nshards; sh++) {
		s = &ix->shards[sh];
		for (seq = s->checkpoint + 1; seq < s->max_seq_no; seq++) {
			if (sim_shard_put(s, ES_OP_NOOP, seq, 1, NULL,
			    NULL) == 0)
				sim_journal_op(c, ix, sh,
				    &s->ops[sim_shard_pos(s, seq)]);
		}
	}
}

/* POST /<expr>/_open: opening an open index is a no-op. */
int
sim_open(struct sim_cluster *c, const char *expr, int ignore_missing,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_CLOSED |
	    (ignore_missing ? ES_RESOLVE_IGNORE_MISSING : 0), &list, &n,
	    out)) != 0)
		return (status);
	for (i = 0; i < n; i++) {
		if (list[i]->open)
			continue;
		list[i]->open = 1;
		c->follow_generation++;
		sim_journal_index(c, list[i]);
		if (!list[i]->follower)
			sim_fill_gaps(c, list[i]);
	}
	free(list);
	*out = json_pack("{s:b, s:b}", "acknowledged", 1,
	    "shards_acknowledged", 1);
	return (200);
}

/* PUT /<expr>/_block/<block>. */
int
sim_add_block(struct sim_cluster *c, const char *expr, const char *block,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, *flag;
	json_t		 *indices;

	if (strcmp(block, "write") != 0 && strcmp(block, "read") != 0 &&
	    strcmp(block, "read_only") != 0 && strcmp(block, "metadata") != 0)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "No enum constant org.elasticsearch.cluster.metadata."
		    "IndexMetadata.APIBlock.%s", block));
	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN, &list, &n,
	    out)) != 0)
		return (status);
	indices = json_array();
	for (i = 0; i < n; i++) {
		if (!list[i]->open) {
			json_decref(indices);
			status = sim_index_closed(out, list[i]);
			free(list);
			return (status);
		}
	}
	for (i = 0; i < n; i++) {
		if (strcmp(block, "write") == 0)
			flag = &list[i]->block_write;
		else if (strcmp(block, "read") == 0)
			flag = &list[i]->block_read;
		else if (strcmp(block, "read_only") == 0)
			flag = &list[i]->block_read_only;
		else
			flag = &list[i]->block_metadata;
		*flag = 1;
		sim_journal_index(c, list[i]);
		json_array_append_new(indices, json_pack("{s:s, s:b}", "name",
		    list[i]->name, "blocked", 1));
	}
	free(list);
	*out = json_pack("{s:b, s:b, s:o}", "acknowledged", 1,
	    "shards_acknowledged", 1, "indices", indices);
	return (200);
}

/* Where a sequence number is in a shard's history, or would go. */
static size_t
sim_shard_pos(struct sim_shard *s, int64_t seq_no)
{
	size_t	lo = 0, hi = s->nops, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->ops[mid].seq_no < seq_no)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* The sequence number of the newest operation on a document id, or -1. */
static int64_t
sim_doc_seq(struct sim_shard *s, const char *id)
{
	json_t	*v;

	if ((v = json_object_get(s->docs, id)) != NULL)
		return (s->ops[json_integer_value(v)].seq_no);
	if ((v = json_object_get(s->tombs, id)) != NULL)
		return (json_integer_value(v));
	return (-1);
}

/*
 * Put an operation into a shard's history at its sequence number (a
 * follower may receive them out of order, leaving gaps). The newest
 * operation on an id decides whether the document is live or deleted; the
 * local checkpoint moves over every sequence number now held. Returns -1
 * (and changes nothing) when the sequence number is already there.
 */
static int
sim_shard_put(struct sim_shard *s, enum sim_op_kind kind, int64_t seq_no,
    int64_t version, const char *id, json_t *source)
{
	struct sim_op	*op;
	size_t		 pos;
	const char	*k;
	json_t		*v;

	pos = sim_shard_pos(s, seq_no);
	if (pos < s->nops && s->ops[pos].seq_no == seq_no)
		return (-1);
	if (s->nops == s->opsalloc) {
		s->opsalloc = s->opsalloc == 0 ? 8 : s->opsalloc * 2;
		s->ops = xreallocarray(s->ops, s->opsalloc, sizeof *s->ops);
	}
	if (pos < s->nops) {
		memmove(&s->ops[pos + 1], &s->ops[pos],
		    (s->nops - pos) * sizeof *s->ops);
		json_object_foreach(s->docs, k, v) {
			if ((size_t)json_integer_value(v) >= pos)
				json_integer_set(v, json_integer_value(v) + 1);
		}
	}
	op = &s->ops[pos];
	op->seq_no = seq_no;
	op->version = version;
	op->kind = kind;
	op->id = id == NULL || kind == ES_OP_NOOP ? NULL : xstrdup(id);
	op->source = kind == ES_OP_INDEX ? json_incref(source) : NULL;
	s->nops++;
	if (op->id != NULL && seq_no > sim_doc_seq(s, op->id)) {
		if (kind == ES_OP_INDEX) {
			json_object_set_new(s->docs, op->id,
			    json_integer((json_int_t)pos));
			json_object_del(s->tombs, op->id);
		} else {
			json_object_del(s->docs, op->id);
			json_object_set_new(s->tombs, op->id,
			    json_integer(seq_no));
		}
	}
	if (seq_no > s->max_seq_no)
		s->max_seq_no = seq_no;
	while (s->checkpoint + 1 < (int64_t)s->nops &&
	    s->ops[s->checkpoint + 1].seq_no == s->checkpoint + 1)
		s->checkpoint++;
	return (0);
}

/* The version of the newest operation on a document id, or 0. */
static int64_t
sim_doc_version(struct sim_shard *s, const char *id)
{
	int64_t	seq = sim_doc_seq(s, id);
	size_t	pos;

	if (seq < 0)
		return (0);
	pos = sim_shard_pos(s, seq);
	return (pos < s->nops ? s->ops[pos].version : 0);
}

/* The live operation of a document id in a shard, or NULL. */
static struct sim_op *
sim_doc_lookup(struct sim_shard *s, const char *id)
{
	json_t	*pos;

	if ((pos = json_object_get(s->docs, id)) == NULL)
		return (NULL);
	return (&s->ops[json_integer_value(pos)]);
}

/* One operation of a shard as a journal record. */
static json_t *
sim_op_record(struct sim_index *ix, int shard, struct sim_op *op)
{
	json_t	*rec;

	rec = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I}", "t", "op", "index",
	    ix->name, "uuid", ix->uuid, "shard", shard, "seq_no",
	    (json_int_t)op->seq_no, "version", (json_int_t)op->version);
	if (op->kind != ES_OP_INDEX)
		json_object_set_new(rec, "op", json_string(op->kind ==
		    ES_OP_DELETE ? "delete" : "noop"));
	if (op->id != NULL)
		json_object_set_new(rec, "id", json_string(op->id));
	if (op->source != NULL)
		json_object_set(rec, "source", op->source);
	return (rec);
}

/* Journal one operation of a shard. */
static void
sim_journal_op(struct sim_cluster *c, struct sim_index *ix, int shard,
    struct sim_op *op)
{
	sim_journal(c, sim_op_record(ix, shard, op));
}

/* The write blocks of an index as a cluster_block_exception, or 0. */
static int
sim_write_blocked(struct sim_index *ix, json_t **out)
{
	if (ix->block_write)
		return (sim_error(out, 403, "cluster_block_exception",
		    "index [%s] blocked by: [FORBIDDEN/8/index write (api)];",
		    ix->name));
	if (ix->block_read_only)
		return (sim_error(out, 403, "cluster_block_exception",
		    "index [%s] blocked by: [FORBIDDEN/5/index read-only "
		    "(api)];", ix->name));
	return (0);
}

/*
 * POST /<index>/_doc[/<id>]: missing indices are created (auto_create_index
 * is on by default); followers refuse with 403 until promoted.
 */
int
sim_index_doc(struct sim_cluster *c, const char *name, const char *id,
    json_t *body, const char *refresh, uint64_t now, json_t **out)
{
	struct sim_index	*ix;
	struct sim_shard	*s;
	char		 auto_id[21];
	json_t		*created;
	int		 status, shard;
	int64_t		 version = 1;

	if (body == NULL)
		return (sim_error(out, 400, "parse_exception",
		    "request body is required"));
	if (!json_is_object(body))
		return (sim_error(out, 400, "document_parsing_exception",
		    "[1:1] failed to parse: root must be an object"));
	if (id != NULL && (*id == '\0' || strlen(id) > 512))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: id is too long, must be no longer "
		    "than 512 bytes but was: %zu;", strlen(id)));
	if ((ix = sim_index_find(c, name)) == NULL) {
		if ((status = sim_create_index(c, name, NULL, now,
		    &created)) != 200) {
			*out = created;
			return (status);
		}
		json_decref(created);
		ix = sim_index_find(c, name);
	}
	if (!ix->open)
		return (sim_index_closed(out, ix));
	if ((status = sim_write_blocked(ix, out)) != 0)
		return (status);
	if (ix->follower)
		return (sim_error(out, 403, "status_exception",
		    "a following engine does not accept operations without an "
		    "assigned sequence number"));
	if (id == NULL) {
		sim_random_id(auto_id, sizeof auto_id);
		id = auto_id;
	}
	shard = sim_shard_for_id(id, ix->nshards);
	s = &ix->shards[shard];
	version = sim_doc_version(s, id) + 1;
	sim_shard_put(s, ES_OP_INDEX, s->max_seq_no + 1, version, id, body);
	sim_journal_op(c, ix, shard, &s->ops[s->nops - 1]);
	c->write_generation++;
	if (refresh != NULL && (*refresh == '\0' ||
	    strcmp(refresh, "true") == 0 || strcmp(refresh, "wait_for") == 0))
		s->refreshed_seq_no = s->max_seq_no;
	*out = json_pack("{s:s, s:s, s:I, s:s, s:{s:i, s:i, s:i}, s:I, s:i}",
	    "_index", ix->name, "_id", id, "_version", (json_int_t)version,
	    "result", version == 1 ? "created" : "updated",
	    "_shards", "total", 1 + ix->nreplicas, "successful", 1, "failed", 0,
	    "_seq_no", (json_int_t)s->max_seq_no, "_primary_term", 1);
	if (refresh != NULL && (*refresh == '\0' ||
	    strcmp(refresh, "true") == 0))
		json_object_set_new(*out, "forced_refresh", json_true());
	return (version == 1 ? 201 : 200);
}

/* GET /<index>/_doc/<id>: realtime, so unrefreshed documents are found. */
int
sim_get_doc(struct sim_cluster *c, const char *name, const char *id,
    json_t **out)
{
	struct sim_index	*ix;
	struct sim_op	*op;

	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->open)
		return (sim_index_closed(out, ix));
	op = sim_doc_lookup(&ix->shards[sim_shard_for_id(id, ix->nshards)], id);
	if (op == NULL) {
		*out = json_pack("{s:s, s:s, s:b}", "_index", ix->name,
		    "_id", id, "found", 0);
		return (404);
	}
	*out = json_pack("{s:s, s:s, s:I, s:I, s:i, s:b, s:O}", "_index",
	    ix->name, "_id", id, "_version", (json_int_t)op->version,
	    "_seq_no", (json_int_t)op->seq_no, "_primary_term", 1, "found", 1,
	    "_source", op->source);
	return (200);
}

/*
 * DELETE /<index>/_doc/<id>: a delete operation takes a sequence number
 * whether or not the document existed (404 "not_found" then), and the
 * document stays deleted in the history that followers replay.
 */
int
sim_delete_doc(struct sim_cluster *c, const char *name, const char *id,
    const char *refresh, json_t **out)
{
	struct sim_index	*ix;
	struct sim_shard	*s;
	int		 shard, found;
	int64_t		 version;

	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->open)
		return (sim_index_closed(out, ix));
	if (sim_write_blocked(ix, out) != 0)
		return (403);
	if (ix->follower)
		return (sim_error(out, 403, "status_exception",
		    "a following engine does not accept operations without an "
		    "assigned sequence number"));
	shard = sim_shard_for_id(id, ix->nshards);
	s = &ix->shards[shard];
	found = sim_doc_lookup(s, id) != NULL;
	version = sim_doc_version(s, id) + 1;
	sim_shard_put(s, ES_OP_DELETE, s->max_seq_no + 1, version, id, NULL);
	sim_journal_op(c, ix, shard, &s->ops[s->nops - 1]);
	c->write_generation++;
	if (refresh != NULL && (*refresh == '\0' ||
	    strcmp(refresh, "true") == 0 || strcmp(refresh, "wait_for") == 0))
		s->refreshed_seq_no = s->max_seq_no;
	*out = json_pack("{s:s, s:s, s:I, s:s, s:{s:i, s:i, s:i}, s:I, s:i}",
	    "_index", ix->name, "_id", id, "_version", (json_int_t)version,
	    "result", found ? "deleted" : "not_found",
	    "_shards", "total", 1 + ix->nreplicas, "successful", 1, "failed", 0,
	    "_seq_no", (json_int_t)s->max_seq_no, "_primary_term", 1);
	return (found ? 200 : 404);
}

/* Lower-case alphanumeric tokens of a value, as the standard analyzer. */
static int
sim_token_in(const char *token, const char *text)
{
	size_t		 tlen = strlen(token);
	const char	*p = text, *start;
	size_t		 i;

	while (*p != '\0') {
		while (*p != '\0' && !((unsigned char)*p >= 0x80 ||
		    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z')))
			p++;
		start = p;
		while (*p != '\0' && ((unsigned char)*p >= 0x80 ||
		    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z')))
			p++;
		if ((size_t)(p - start) != tlen || tlen == 0)
			continue;
		for (i = 0; i < tlen; i++) {
			if ((start[i] | 0x20) != (token[i] | 0x20) &&
			    start[i] != token[i])
				break;
		}
		if (i == tlen)
			return (1);
	}
	return (0);
}

/* Whether a JSON value contains the query text (any token matches). */
static int
sim_value_matches(json_t *v, const char *query)
{
	json_t		*item;
	const char	*key;
	size_t		 i;
	char		*text, *tok, *save, *q;
	int		 hit = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, item) {
			if (sim_value_matches(item, query))
				return (1);
		}
		return (0);
	case JSON_ARRAY:
		json_array_foreach(v, i, item) {
			if (sim_value_matches(item, query))
				return (1);
		}
		return (0);
	case JSON_STRING:
		text = xstrdup(json_string_value(v));
		break;
	case JSON_NULL:
		return (0);
	default:
		if ((text = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
			return (0);
		break;
	}
	if (strcmp(query, "*") == 0) {
		free(text);
		return (1);
	}
	q = xstrdup(query);
	for (tok = strtok_r(q, " \t\"", &save); tok != NULL && !hit;
	    tok = strtok_r(NULL, " \t\"", &save)) {
		if (strcmp(text, tok) == 0 || sim_token_in(tok, text))
			hit = 1;
	}
	free(q);
	free(text);
	return (hit);
}

/* A field of a source by dotted path, or NULL. */
static json_t *
sim_source_field(json_t *source, const char *path)
{
	json_t	*v;
	char	*copy, *part, *save;

	if ((v = json_object_get(source, path)) != NULL)
		return (v);
	copy = xstrdup(path);
	v = source;
	for (part = strtok_r(copy, ".", &save); part != NULL && v != NULL;
	    part = strtok_r(NULL, ".", &save))
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
	free(copy);
	return (v);
}

/*
 * Whether a source matches a Lucene query string: space-separated terms,
 * each "field:value" or "value", any term suffices (default_operator OR).
 */
static int
sim_query_string_matches(json_t *source, const char *q)
{
	char		*copy, *p, *term, *colon, *val;
	json_t		*field;
	int		 hit = 0, quoted;

	if (q == NULL || strcmp(q, "*") == 0 || strcmp(q, "*:*") == 0)
		return (1);
	copy = xstrdup(q);
	p = copy;
	while (*p != '\0' && !hit) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		term = p;
		quoted = 0;
		while (*p != '\0' && (quoted || *p != ' ')) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if (*p != '\0')
			*p++ = '\0';
		if ((colon = strchr(term, ':')) != NULL && colon != term) {
			*colon = '\0';
			val = colon + 1;
			field = sim_source_field(source, term);
			hit = field != NULL && sim_value_matches(field, val);
		} else
			hit = sim_value_matches(source, term);
	}
	free(copy);
	return (hit);
}

/* Translate a search body's query into a query string; -1 if unsupported. */
static int
sim_body_query(json_t *body, char **q, json_t **out)
{
	json_t		*query, *clause, *v;
	const char	*kind, *field;
	char		*s;

	*q = NULL;
	if (body == NULL || (query = json_object_get(body, "query")) == NULL)
		return (0);
	if (!json_is_object(query) || json_object_size(query) != 1)
		return (sim_error(out, 400, "parsing_exception",
		    "[query] malformed query, expected [END_OBJECT] but found "
		    "[FIELD_NAME]"));
	json_object_foreach(query, kind, clause)
		break;
	if (strcmp(kind, "match_all") == 0)
		return (0);
	if (strcmp(kind, "query_string") == 0) {
		v = json_object_get(clause, "query");
		if (!json_is_string(v))
			return (sim_error(out, 400, "parsing_exception",
			    "[query_string] requires query"));
		*q = xstrdup(json_string_value(v));
		return (0);
	}
	if ((strcmp(kind, "match") == 0 || strcmp(kind, "term") == 0) &&
	    json_is_object(clause) && json_object_size(clause) == 1) {
		json_object_foreach(clause, field, v)
			break;
		if (json_is_object(v))
			v = json_object_get(v, strcmp(kind, "match") == 0 ?
			    "query" : "value");
		if (v == NULL || json_is_object(v) || json_is_array(v))
			return (sim_error(out, 400, "parsing_exception",
			    "[%s] malformed query", kind));
		s = json_is_string(v) ? xstrdup(json_string_value(v)) :
		    json_dumps(v, JSON_ENCODE_ANY);
		xasprintf(q, "%s:%s", field, s);
		free(s);
		return (0);
	}
	return (sim_error(out, 400, "parsing_exception", "unknown query [%s]",
	    kind));
}

/*
 * GET /<expr>/_search or _count: only refreshed documents are visible.
 * count_only selects the _count body.
 */
int
sim_search(struct sim_cluster *c, const char *expr, const char *q,
    json_t *body, int from, int size, int count_only, json_t **out)
{
	struct sim_index	**list;
	struct sim_shard	 *s;
	struct sim_op	 *op;
	size_t		  n, i;
	int		  status, shards = 0, sh;
	json_int_t	  total = 0;
	const char	 *id;
	json_t		 *pos, *hits;
	char		 *bq = NULL;

	if ((status = sim_body_query(body, &bq, out)) != 0)
		return (status);
	if ((status = sim_resolve_open(c, expr, &list, &n, out)) != 0) {
		free(bq);
		return (status);
	}
	hits = json_array();
	for (i = 0; i < n; i++) {
		for (sh = 0; sh < list[i]->nshards; sh++) {
			shards++;
			s = &list[i]->shards[sh];
			json_object_foreach(s->docs, id, pos) {
				op = &s->ops[json_integer_value(pos)];
				if (op->seq_no > s->refreshed_seq_no ||
				    !sim_query_string_matches(op->source,
				    q != NULL ? q : bq))
					continue;
				if (!count_only && total >= from &&
				    (json_int_t)json_array_size(hits) < size)
					json_array_append_new(hits,
					    json_pack("{s:s, s:s, s:f, s:O}",
					    "_index", list[i]->name, "_id", id,
					    "_score", 1.0, "_source",
					    op->source));
				total++;
			}
		}
	}
	free(list);
	free(bq);
	if (count_only) {
		json_decref(hits);
		*out = json_pack("{s:I, s:{s:i, s:i, s:i, s:i}}", "count",
		    total, "_shards", "total", shards, "successful", shards,
		    "skipped", 0, "failed", 0);
		return (200);
	}
	*out = json_pack("{s:i, s:b, s:{s:i, s:i, s:i, s:i}, s:{s:{s:I, s:s},"
	    " s:o, s:o}}", "took", 1, "timed_out", 0,
	    "_shards", "total", shards, "successful", shards, "skipped", 0,
	    "failed", 0, "hits", "total", "value", total, "relation", "eq",
	    "max_score", total > 0 ? json_real(1.0) : json_null(),
	    "hits", hits);
	return (200);
}

/* POST /<expr>/_refresh. */
int
sim_refresh(struct sim_cluster *c, const char *expr, json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, sh, total = 0, ok = 0;

	if ((status = sim_resolve_open(c, expr, &list, &n, out)) != 0)
		return (status);
	for (i = 0; i < n; i++) {
		for (sh = 0; sh < list[i]->nshards; sh++)
			list[i]->shards[sh].refreshed_seq_no =
			    list[i]->shards[sh].max_seq_no;
		total += list[i]->nshards * (1 + list[i]->nreplicas);
		ok += list[i]->nshards;
	}
	free(list);
	*out = json_pack("{s:{s:i, s:i, s:i}}", "_shards", "total", total,
	    "successful", ok, "failed", 0);
	return (200);
}

/* The periodic refresh (index.refresh_interval 1s) of every open shard. */
void
sim_refresh_all(struct sim_cluster *c)
{
	size_t	i;
	int	sh;

	for (i = 0; i < c->nindices; i++) {
		if (!c->indices[i]->open)
			continue;
		for (sh = 0; sh < c->indices[i]->nshards; sh++)
			c->indices[i]->shards[sh].refreshed_seq_no =
			    c->indices[i]->shards[sh].max_seq_no;
	}
}

/* The documents of a shard a search would see. */
static json_int_t
sim_shard_visible_docs(struct sim_shard *s)
{
	const char	*id;
	json_t		*pos;
	json_int_t	 n = 0;

	json_object_foreach(s->docs, id, pos) {
		if (s->ops[json_integer_value(pos)].seq_no <=
		    s->refreshed_seq_no)
			n++;
	}
	return (n);
}

/* One shard copy as _stats?level=shards renders it. */
static json_t *
sim_shard_stats(struct sim_cluster *c, struct sim_shard *s, json_int_t docs)
{
	json_t		*leases, *lease;
	const char	*id;
	char		 buf[32], cp[32];

	leases = json_array();
	json_object_foreach(s->leases, id, lease)
		json_array_append_new(leases, json_pack("{s:s, s:O, s:O, s:s}",
		    "id", id, "retaining_seq_no",
		    json_object_get(lease, "retaining_seq_no"), "timestamp",
		    json_object_get(lease, "timestamp"), "source", "ccr"));
	snprintf(buf, sizeof buf, "%lld", (long long)s->max_seq_no);
	snprintf(cp, sizeof cp, "%lld", (long long)s->checkpoint);
	return (json_pack("{s:{s:s, s:b, s:s, s:n}, s:{s:I, s:i},"
	    " s:{s:s, s:i, s:{s:s, s:s, s:s, s:s, s:s}, s:I},"
	    " s:{s:I, s:I, s:I}, s:{s:i, s:i, s:o}, s:{s:s, s:s, s:b}}",
	    "routing", "state", "STARTED", "primary", 1, "node", c->node_id,
	    "relocating_node", "docs", "count", docs, "deleted", 0,
	    "commit", "id", s->history_uuid, "generation", 1,
	    "user_data", "history_uuid", s->history_uuid,
	    "local_checkpoint", cp, "max_seq_no", buf,
	    "translog_uuid", s->history_uuid,
	    "max_unsafe_auto_id_timestamp", "-1", "num_docs", docs,
	    "seq_no", "max_seq_no", (json_int_t)s->max_seq_no,
	    "local_checkpoint", (json_int_t)s->checkpoint,
	    "global_checkpoint", (json_int_t)s->checkpoint,
	    "retention_leases", "primary_term", 1, "version", 1,
	    "leases", leases,
	    "shard_path", "state_path", c->data_path, "data_path",
	    c->data_path, "is_custom_data_path", 0));
}

/* GET /<expr>/_stats[?level=shards]. */
int
sim_stats(struct sim_cluster *c, const char *expr, const char *level,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, sh, shards = 0, ok = 0;
	json_int_t	  all = 0, docs, idocs;
	json_t		 *indices, *ij, *sj = NULL;
	int		  by_shard;

	by_shard = level != NULL && strcmp(level, "shards") == 0;
	if ((status = sim_resolve_open(c, expr, &list, &n, out)) != 0)
		return (status);
	indices = json_object();
	for (i = 0; i < n; i++) {
		idocs = 0;
		if (by_shard)
			sj = json_object();
		for (sh = 0; sh < list[i]->nshards; sh++) {
			docs = sim_shard_visible_docs(&list[i]->shards[sh]);
			idocs += docs;
			if (by_shard) {
				char	num[16];

				snprintf(num, sizeof num, "%d", sh);
				json_object_set_new(sj, num, json_pack("[o]",
				    sim_shard_stats(c, &list[i]->shards[sh],
				    docs)));
			}
		}
		shards += list[i]->nshards * (1 + list[i]->nreplicas);
		ok += list[i]->nshards;
		all += idocs;
		ij = json_pack("{s:s, s:s, s:s, s:{s:{s:I, s:i}},"
		    " s:{s:{s:I, s:i}}}", "uuid", list[i]->uuid,
		    "health", list[i]->nreplicas > 0 ? "yellow" : "green",
		    "status", "open", "primaries", "docs", "count", idocs,
		    "deleted", 0, "total", "docs", "count", idocs,
		    "deleted", 0);
		if (by_shard)
			json_object_set_new(ij, "shards", sj);
		json_object_set_new(indices, list[i]->name, ij);
	}
	free(list);
	*out = json_pack("{s:{s:i, s:i, s:i}, s:{s:{s:{s:I, s:i}},"
	    " s:{s:{s:I, s:i}}}}", "_shards", "total", shards, "successful", ok,
	    "failed", 0, "_all", "primaries", "docs", "count", all,
	    "deleted", 0, "total", "docs", "count", all, "deleted", 0);
	if (level == NULL || strcmp(level, "cluster") != 0)
		json_object_set_new(*out, "indices", indices);
	else
		json_decref(indices);
	return (200);
}

/*
 * GET /_cat/indices[/<expr>] as JSON rows of strings (the caller renders
 * text); sizes are the JSON size of the live documents.
 */
int
sim_cat_indices(struct sim_cluster *c, const char *expr, json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, sh;
	json_int_t	  docs, bytes;
	json_t		 *rows, *pos;
	const char	 *id;
	char		  b[4][32], *text;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
	    &list, &n, out)) != 0)
		return (status);
	rows = json_array();
	for (i = 0; i < n; i++) {
		docs = bytes = 0;
		for (sh = 0; sh < list[i]->nshards; sh++) {
			struct sim_shard	*s = &list[i]->shards[sh];

			docs += sim_shard_visible_docs(s);
			json_object_foreach(s->docs, id, pos) {
				text = json_dumps(s->ops[json_integer_value(
				    pos)].source, JSON_COMPACT);
				if (text != NULL) {
					bytes += (json_int_t)strlen(text);
					free(text);
				}
			}
		}
		snprintf(b[0], sizeof b[0], "%d", list[i]->nshards);
		snprintf(b[1], sizeof b[1], "%d", list[i]->nreplicas);
		snprintf(b[2], sizeof b[2], "%lld", (long long)docs);
		snprintf(b[3], sizeof b[3], "%lldb", (long long)bytes);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s,"
		    " s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
		    "health", list[i]->nreplicas > 0 ? "yellow" : "green",
		    "status", list[i]->open ? "open" : "close",
		    "index", list[i]->name, "uuid", list[i]->uuid,
		    "pri", b[0], "rep", b[1],
		    "docs.count", list[i]->open ? json_string(b[2]) :
		    json_null(), "docs.deleted", list[i]->open ?
		    json_string("0") : json_null(), "store.size",
		    list[i]->open ? json_string(b[3]) : json_null(),
		    "pri.store.size", list[i]->open ? json_string(b[3]) :
		    json_null(), "dataset.size", list[i]->open ?
		    json_string(b[3]) : json_null()));
	}
	free(list);
	*out = rows;
	return (200);
}

/* The flat settings of an index, all values strings. */
static json_t *
sim_index_flat_settings(struct sim_index *ix)
{
	json_t	*s;
	char	 buf[32];

	s = json_object();
	snprintf(buf, sizeof buf, "%llu",
	    (unsigned long long)ix->creation_date);
	json_object_set_new(s, "index.creation_date", json_string(buf));
	snprintf(buf, sizeof buf, "%d", ix->nshards);
	json_object_set_new(s, "index.number_of_shards", json_string(buf));
	snprintf(buf, sizeof buf, "%d", ix->nreplicas);
	json_object_set_new(s, "index.number_of_replicas", json_string(buf));
	json_object_set_new(s, "index.provided_name", json_string(ix->name));
	json_object_set_new(s, "index.routing.allocation.include."
	    "_tier_preference", json_string("data_content"));
	json_object_set_new(s, "index.uuid", json_string(ix->uuid));
	json_object_set_new(s, "index.version.created",
	    json_string("8521000"));
	if (ix->block_write)
		json_object_set_new(s, "index.blocks.write",
		    json_string("true"));
	if (ix->block_read_only)
		json_object_set_new(s, "index.blocks.read_only",
		    json_string("true"));
	if (ix->block_read)
		json_object_set_new(s, "index.blocks.read",
		    json_string("true"));
	if (ix->block_metadata)
		json_object_set_new(s, "index.blocks.metadata",
		    json_string("true"));
	if (ix->follower)
		json_object_set_new(s, "index.xpack.ccr.following_index",
		    json_string("true"));
	return (s);
}

/*
 * GET /<expr>/_settings[/<names>]; ignore_missing (ignore_unavailable)
 * leaves a missing concrete name out of the answer instead of a 404.
 */
int
sim_get_settings(struct sim_cluster *c, const char *expr, const char *names,
    int flat, int ignore_missing, json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, keep;
	json_t		 *all, *s, *val;
	const char	 *key;
	void		 *tmp;
	char		 *copy, *tok, *save;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED |
	    (ignore_missing ? ES_RESOLVE_IGNORE_MISSING : 0), &list, &n,
	    out)) != 0)
		return (status);
	all = json_object();
	for (i = 0; i < n; i++) {
		s = sim_index_flat_settings(list[i]);
		if (names != NULL) {
			json_object_foreach_safe(s, tmp, key, val) {
				keep = 0;
				copy = xstrdup(names);
				for (tok = strtok_r(copy, ",", &save);
				    tok != NULL && !keep;
				    tok = strtok_r(NULL, ",", &save))
					keep = strcmp(tok, "_all") == 0 ||
					    sim_glob(tok, key);
				free(copy);
				if (!keep)
					json_object_del(s, key);
			}
		}
		if (!flat) {
			json_t	*nested = sim_unflatten(s);

			json_decref(s);
			s = nested;
		}
		json_object_set_new(all, list[i]->name,
		    json_pack("{s:o}", "settings", s));
	}
	free(list);
	*out = all;
	return (200);
}

/* A boolean setting value given as JSON bool, string or null. */
static int
sim_bool_value(json_t *v, int *out)
{
	if (json_is_null(v) || json_is_false(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "false") == 0))
		*out = 0;
	else if (json_is_true(v) || (json_is_string(v) &&
	    strcmp(json_string_value(v), "true") == 0))
		*out = 1;
	else
		return (-1);
	return (0);
}

/* PUT /<expr>/_settings: blocks and number_of_replicas are dynamic. */
int
sim_put_settings(struct sim_cluster *c, const char *expr, json_t *body,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status, replicas = -1, b;
	json_t		 *flat, *raw, *v, *wrapped;
	const char	 *key;
	char		 *full;
	int		  set[4] = { -1, -1, -1, -1 };
	static const char *const blocks[4] = { "index.blocks.write",
	    "index.blocks.read_only", "index.blocks.read",
	    "index.blocks.metadata" };

	if (body == NULL || !json_is_object(body))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: no settings to update;"));
	wrapped = json_object_get(body, "settings") != NULL ?
	    json_incref(body) : json_pack("{s:O}", "settings", body);
	status = sim_index_settings(wrapped, &raw, out);
	json_decref(wrapped);
	if (status != 0) {
		json_decref(raw);
		return (status);
	}
	flat = json_object();
	json_object_foreach(raw, key, v) {
		for (i = 0; i < 4; i++) {
			if (strcmp(key, blocks[i]) == 0)
				break;
		}
		if (i < 4) {
			if (sim_bool_value(v, &b) == -1) {
				status = sim_error(out, 400,
				    "illegal_argument_exception",
				    "Failed to parse value for setting [%s]",
				    key);
				json_decref(raw);
				json_decref(flat);
				return (status);
			}
			set[i] = b;
		} else if (strcmp(key, "index.number_of_replicas") == 0) {
			json_object_set(flat, key, v);
			status = sim_get_int_setting(flat, key, 1, 0, 64,
			    &replicas, out);
			if (status != 0) {
				json_decref(raw);
				json_decref(flat);
				return (status);
			}
		} else {
			full = xstrdup(key);
			json_decref(raw);
			json_decref(flat);
			status = sim_error(out, 400,
			    "illegal_argument_exception",
			    "unknown setting [%s] please check that any "
			    "required plugins are installed, or check the "
			    "breaking changes documentation for removed "
			    "settings", full);
			free(full);
			return (status);
		}
	}
	json_decref(raw);
	json_decref(flat);
	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
	    &list, &n, out)) != 0)
		return (status);
	for (i = 0; i < n; i++) {
		if (set[0] != -1)
			list[i]->block_write = set[0];
		if (set[1] != -1)
			list[i]->block_read_only = set[1];
		if (set[2] != -1)
			list[i]->block_read = set[2];
		if (set[3] != -1)
			list[i]->block_metadata = set[3];
		if (replicas != -1)
			list[i]->nreplicas = replicas;
		sim_journal_index(c, list[i]);
	}
	free(list);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/*
 * POST /<src>/_clone/<target>: the source must be open and write-blocked;
 * the target gets the source's documents and history, and its blocks
 * (copied, as Elasticsearch copies them, unless the body's settings clear
 * them with "index.blocks.write": null).
 */
int
sim_clone(struct sim_cluster *c, const char *src, const char *target,
    json_t *body, uint64_t now, json_t **out)
{
	struct sim_index	*ix, *nx;
	json_t		*flat = NULL, *cause, *v;
	int		 status, sh, replicas, bw, bro;
	size_t		 i;

	if ((ix = sim_index_find(c, src)) == NULL)
		return (sim_index_not_found(out, src));
	if ((status = sim_valid_index_name(target, out)) != 0)
		return (status);
	if ((nx = sim_index_find(c, target)) != NULL) {
		cause = sim_cause("resource_already_exists_exception",
		    "index [%s/%s] already exists", nx->name, nx->uuid);
		json_object_set_new(cause, "index_uuid", json_string(nx->uuid));
		json_object_set_new(cause, "index", json_string(nx->name));
		return (sim_error_cause(out, 400, cause));
	}
	if (!ix->open)
		return (sim_index_closed(out, ix));
	if (!ix->block_write && !ix->block_read_only)
		return (sim_error(out, 500, "illegal_state_exception",
		    "index %s must block write operations to resize index. use "
		    "\"index.blocks.write=true\"", ix->name));
	if ((status = sim_index_settings(body, &flat, out)) != 0 ||
	    (status = sim_get_int_setting(flat, "index.number_of_replicas",
	    ix->nreplicas, 0, 64, &replicas, out)) != 0) {
		json_decref(flat);
		return (status);
	}
	if (json_object_get(flat, "index.number_of_shards") != NULL &&
	    (status = sim_get_int_setting(flat, "index.number_of_shards", 1, 1,
	    1024, &sh, out)) == 0 && sh != ix->nshards) {
		json_decref(flat);
		return (sim_error(out, 400, "illegal_argument_exception",
		    "the number of target shards (%d) must be the same as "
		    "the number of source shards (%d)", sh, ix->nshards));
	}
	bw = ix->block_write;
	bro = ix->block_read_only;
	if (status == 0 && (((v = json_object_get(flat,
	    "index.blocks.write")) != NULL && sim_bool_value(v, &bw) == -1) ||
	    ((v = json_object_get(flat, "index.blocks.read_only")) != NULL &&
	    sim_bool_value(v, &bro) == -1)))
		status = sim_error(out, 400, "illegal_argument_exception",
		    "Failed to parse value for setting [index.blocks.*]");
	json_decref(flat);
	if (status != 0)
		return (status);
	nx = sim_index_insert(c, target, ix->nshards, replicas);
	nx->creation_date = now;
	nx->block_write = bw;
	nx->block_read_only = bro;
	sim_journal_index(c, nx);
	for (sh = 0; sh < ix->nshards; sh++) {
		for (i = 0; i < ix->shards[sh].nops; i++) {
			struct sim_op	*op = &ix->shards[sh].ops[i];

			sim_shard_put(&nx->shards[sh], op->kind, op->seq_no,
			    op->version, op->id, op->source);
			sim_journal_op(c, nx, sh, op);
		}
		nx->shards[sh].refreshed_seq_no = nx->shards[sh].max_seq_no;
	}
	*out = json_pack("{s:b, s:b, s:s}", "acknowledged", 1,
	    "shards_acknowledged", 1, "index", target);
	return (200);
}

/* Effective value (transient over persistent) of a flat cluster setting. */
static json_t *
sim_cluster_setting(struct sim_cluster *c, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(c->transient, key)) != NULL)
		return (v);
	return (json_object_get(c->persistent, key));
}

/* cluster.remote.<alias>.<key> as a string, or NULL. */
const char *
sim_remote_setting(struct sim_cluster *c, const char *alias, const char *key)
{
	char	*full;
	json_t	*v;

	xasprintf(&full, "cluster.remote.%s.%s", alias, key);
	v = sim_cluster_setting(c, full);
	free(full);
	if (json_is_array(v))
		v = json_array_get(v, 0);
	return (json_is_string(v) ? json_string_value(v) : NULL);
}

/* Whether a remote alias is configured: seeds (sniff) or an address. */
static int
sim_remote_configured(struct sim_cluster *c, const char *alias)
{
	const char	*mode = sim_remote_setting(c, alias, "mode");

	if (mode != NULL && strcmp(mode, "proxy") == 0)
		return (sim_remote_setting(c, alias, "proxy_address") != NULL);
	return (sim_remote_setting(c, alias, "seeds") != NULL);
}

/* Add the configured aliases named by a flat settings map. */
static void
sim_collect_aliases(struct sim_cluster *c, json_t *flat, json_t *set)
{
	const char	*key, *dot;
	json_t		*v;
	char		*alias;

	json_object_foreach(flat, key, v) {
		if (strncmp(key, "cluster.remote.", 15) != 0 ||
		    (dot = strchr(key + 15, '.')) == NULL)
			continue;
		alias = xstrndup(key + 15, dot - (key + 15));
		if (sim_remote_configured(c, alias))
			json_object_set_new(set, alias, json_true());
		free(alias);
	}
}

/* The configured remote aliases as a JSON object alias -> true. */
json_t *
sim_remote_aliases(struct sim_cluster *c)
{
	json_t	*set = json_object();

	sim_collect_aliases(c, c->persistent, set);
	sim_collect_aliases(c, c->transient, set);
	return (set);
}

/* The HTTP address of a remote: its proxy_address or first seed. */
int
sim_remote_address(struct sim_cluster *c, const char *alias, char **addr)
{
	const char	*mode, *a;

	if (!sim_remote_configured(c, alias))
		return (-1);
	mode = sim_remote_setting(c, alias, "mode");
	if (mode != NULL && strcmp(mode, "proxy") == 0)
		a = sim_remote_setting(c, alias, "proxy_address");
	else
		a = sim_remote_setting(c, alias, "seeds");
	*addr = xstrdup(a);
	return (0);
}

static const char *const sim_remote_keys[] = {
	"mode", "seeds", "node_connections", "proxy_address",
	"proxy_socket_connections", "server_name", "skip_unavailable",
	"transport.ping_schedule", "transport.compress", NULL
};
static const char *const sim_cluster_keys[] = {
	"action.destructive_requires_name", "cluster.routing.allocation.enable",
	"indices.recovery.max_bytes_per_sec", "cluster.max_shards_per_node",
	NULL
};

/* Whether a flat key is a cluster setting essim knows. */
static int
sim_known_setting(const char *key, char **alias)
{
	const char	*dot;
	size_t		 i;

	*alias = NULL;
	for (i = 0; sim_cluster_keys[i] != NULL; i++) {
		if (strcmp(key, sim_cluster_keys[i]) == 0)
			return (1);
	}
	if (strncmp(key, "cluster.remote.", 15) != 0 ||
	    (dot = strchr(key + 15, '.')) == NULL || dot == key + 15)
		return (0);
	for (i = 0; sim_remote_keys[i] != NULL; i++) {
		if (strcmp(dot + 1, sim_remote_keys[i]) == 0 ||
		    strcmp(dot + 1, "*") == 0) {
			*alias = xstrndup(key + 15, dot - (key + 15));
			return (1);
		}
	}
	return (0);
}

/* Apply one scope's changes to a copy of its flat settings. */
static int
sim_settings_apply(json_t *store, json_t *changes, const char *scope,
    json_t *echo, json_t *aliases, json_t **err)
{
	const char	*key, *k2;
	json_t		*v, *value;
	void		*tmp;
	char		*alias, *prefix;
	size_t		 plen;

	json_object_foreach(changes, key, v) {
		if (!sim_known_setting(key, &alias))
			return (sim_error(err, 400, "illegal_argument_exception",
			    "%s setting [%s], not recognized", scope, key));
		if (alias != NULL) {
			json_object_set_new(aliases, alias, json_true());
			free(alias);
		}
		plen = strlen(key);
		if (plen >= 2 && strcmp(key + plen - 2, ".*") == 0) {
			if (!json_is_null(v))
				return (sim_error(err, 400,
				    "illegal_argument_exception",
				    "%s setting [%s], not recognized", scope,
				    key));
			prefix = xstrndup(key, plen - 1);
			json_object_foreach_safe(store, tmp, k2, value) {
				if (strncmp(k2, prefix, plen - 1) == 0)
					json_object_del(store, k2);
			}
			free(prefix);
			continue;
		}
		if (json_is_null(v)) {
			json_object_del(store, key);
			continue;
		}
		if ((value = sim_setting_value(v)) == NULL)
			return (sim_error(err, 400, "illegal_argument_exception",
			    "Failed to parse value for setting [%s]", key));
		json_object_set(echo, key, value);
		json_object_set_new(store, key, value);
	}
	return (0);
}

/* Check one alias's keys against its mode, as the strategy validator. */
static int
sim_remote_validate(json_t *persistent, json_t *transient, const char *alias,
    json_t **err)
{
	static const char *const proxy_keys[] = { "proxy_address",
	    "proxy_socket_connections", "server_name", NULL };
	static const char *const sniff_keys[] = { "seeds", "node_connections",
	    NULL };
	char		*key;
	json_t		*v;
	const char	*mode = "sniff";
	const char	*const *other;
	size_t		 i;
	int		 proxy;

	xasprintf(&key, "cluster.remote.%s.mode", alias);
	if ((v = json_object_get(transient, key)) == NULL)
		v = json_object_get(persistent, key);
	free(key);
	if (v != NULL)
		mode = json_string_value(v);
	if (mode == NULL || (strcmp(mode, "sniff") != 0 &&
	    strcmp(mode, "proxy") != 0))
		return (sim_error(err, 400, "illegal_argument_exception",
		    "No enum constant org.elasticsearch.transport."
		    "RemoteConnectionStrategy.ConnectionStrategy.%s",
		    mode == NULL ? "null" : mode));
	proxy = strcmp(mode, "proxy") == 0;
	other = proxy ? sniff_keys : proxy_keys;
	for (i = 0; other[i] != NULL; i++) {
		xasprintf(&key, "cluster.remote.%s.%s", alias, other[i]);
		if (json_object_get(transient, key) != NULL ||
		    json_object_get(persistent, key) != NULL) {
			sim_error(err, 400, "illegal_argument_exception",
			    "Setting \"%s\" cannot be used with the configured "
			    "\"cluster.remote.%s.mode\" [required=%s, "
			    "configured=%s]", key, alias,
			    proxy ? "SNIFF" : "PROXY",
			    proxy ? "PROXY" : "SNIFF");
			free(key);
			return (400);
		}
		free(key);
	}
	return (0);
}

/* PUT /_cluster/settings: validate everything, then apply atomically. */
int
sim_put_cluster_settings(struct sim_cluster *c, json_t *body, int flat_out,
    json_t **out)
{
	json_t		*p_in, *t_in, *p_flat, *t_flat, *p_new, *t_new;
	json_t		*p_echo, *t_echo, *aliases;
	const char	*alias, *key;
	json_t		*v;
	int		 status = 0;

	if (body == NULL || !json_is_object(body))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: no settings to update;"));
	json_object_foreach(body, key, v) {
		if (strcmp(key, "persistent") != 0 &&
		    strcmp(key, "transient") != 0)
			return (sim_error(out, 400, "x_content_parse_exception",
			    "[1:2] [cluster_update_settings_request] unknown "
			    "field [%s]", key));
		if (!json_is_object(v))
			return (sim_error(out, 400, "x_content_parse_exception",
			    "[1:2] [cluster_update_settings_request] failed "
			    "to parse field [%s]", key));
	}
	p_in = json_object_get(body, "persistent");
	t_in = json_object_get(body, "transient");
	if ((p_in == NULL || json_object_size(p_in) == 0) &&
	    (t_in == NULL || json_object_size(t_in) == 0))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: no settings to update;"));
	p_flat = json_object();
	t_flat = json_object();
	if (p_in != NULL)
		sim_flatten(p_in, NULL, p_flat);
	if (t_in != NULL)
		sim_flatten(t_in, NULL, t_flat);
	p_new = json_deep_copy(c->persistent);
	t_new = json_deep_copy(c->transient);
	p_echo = json_object();
	t_echo = json_object();
	aliases = json_object();
	if ((status = sim_settings_apply(p_new, p_flat, "persistent", p_echo,
	    aliases, out)) == 0 && (status = sim_settings_apply(t_new, t_flat,
	    "transient", t_echo, aliases, out)) == 0) {
		json_object_foreach(aliases, alias, v) {
			if ((status = sim_remote_validate(p_new, t_new, alias,
			    out)) != 0)
				break;
		}
	}
	json_decref(p_flat);
	json_decref(t_flat);
	json_decref(aliases);
	if (status != 0) {
		json_decref(p_new);
		json_decref(t_new);
		json_decref(p_echo);
		json_decref(t_echo);
		return (status);
	}
	json_decref(c->persistent);
	json_decref(c->transient);
	c->persistent = p_new;
	c->transient = t_new;
	sim_journal_cluster(c);
	if (!flat_out) {
		v = sim_unflatten(p_echo);
		json_decref(p_echo);
		p_echo = v;
		v = sim_unflatten(t_echo);
		json_decref(t_echo);
		t_echo = v;
	}
	*out = json_pack("{s:b, s:o, s:o}", "acknowledged", 1,
	    "persistent", p_echo, "transient", t_echo);
	return (200);
}

/* GET /_cluster/settings. */
int
sim_get_cluster_settings(struct sim_cluster *c, int flat, json_t **out)
{
	if (flat)
		*out = json_pack("{s:O, s:O}", "persistent", c->persistent,
		    "transient", c->transient);
	else
		*out = json_pack("{s:o, s:o}", "persistent",
		    sim_unflatten(c->persistent), "transient",
		    sim_unflatten(c->transient));
	return (200);
}

/* Whether a body key is a follow parameter; checks its type. */
static int
sim_follow_param(const char *key, json_t *v, int *ok)
{
	size_t	i;

	for (i = 0; i < ES_NFOLLOW_PARAMS; i++) {
		if (strcmp(key, sim_follow_params[i].name) != 0)
			continue;
		*ok = sim_follow_params[i].is_int ? json_is_integer(v) &&
		    json_integer_value(v) > 0 : json_is_string(v);
		return (1);
	}
	return (0);
}

/* Validate the follow parameters of a body; collect them into *params. */
static int
sim_parse_follow_params(json_t *body, const char *action, int put,
    json_t **params, json_t **out)
{
	const char	*key;
	json_t		*v;
	int		 ok;

	*params = json_object();
	if (body == NULL)
		return (0);
	json_object_foreach(body, key, v) {
		if (put && (strcmp(key, "remote_cluster") == 0 ||
		    strcmp(key, "leader_index") == 0 ||
		    strcmp(key, "settings") == 0 ||
		    strcmp(key, "data_stream_name") == 0))
			continue;
		if (sim_follow_param(key, v, &ok)) {
			if (!ok) {
				json_decref(*params);
				*params = NULL;
				return (sim_error(out, 400,
				    "x_content_parse_exception",
				    "[1:2] [%s] failed to parse field [%s]",
				    action, key));
			}
			json_object_set(*params, key, v);
			continue;
		}
		json_decref(*params);
		*params = NULL;
		return (sim_error(out, 400, "x_content_parse_exception",
		    "[1:2] [%s] unknown field [%s]", action, key));
	}
	return (0);
}

/* 404 no_such_remote_cluster_exception. */
static int
sim_no_such_remote(json_t **out, const char *alias)
{
	return (sim_error(out, 404, "no_such_remote_cluster_exception",
	    "no such remote cluster: [%s]", alias));
}

/*
 * The local half of PUT /<f>/_ccr/follow: body validation and the remote
 * alias; the leader is fetched by the caller next.
 */
int
sim_follow_check(struct sim_cluster *c, const char *name, json_t *body,
    json_t **out)
{
	json_t		*params, *rc, *li, *cause;
	struct sim_index	*ix;
	int		 status, n = 0;
	char		 msg[256] = "";

	if (body == NULL || !json_is_object(body))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: remote_cluster is missing;2: "
		    "leader_index is missing;"));
	if ((status = sim_parse_follow_params(body,
	    "indices:admin/xpack/ccr/put_follow", 1, &params, out)) != 0)
		return (status);
	json_decref(params);
	rc = json_object_get(body, "remote_cluster");
	li = json_object_get(body, "leader_index");
	if (!json_is_string(rc))
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    "%d: remote_cluster is missing;", ++n);
	if (!json_is_string(li))
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    "%d: leader_index is missing;", ++n);
	if (n > 0)
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: %s", msg));
	if ((status = sim_valid_index_name(name, out)) != 0)
		return (status);
	if ((ix = sim_index_find(c, name)) != NULL && ix->restoring) {
		cause = sim_cause("resource_already_exists_exception",
		    "index [%s/%s] already exists", ix->name, ix->uuid);
		json_object_set_new(cause, "index_uuid", json_string(ix->uuid));
		json_object_set_new(cause, "index", json_string(ix->name));
		return (sim_error_cause(out, 400, cause));
	}
	if (!sim_remote_configured(c, json_string_value(rc)))
		return (sim_no_such_remote(out, json_string_value(rc)));
	return (0);
}

/*
 * Create (or restore over a closed index) the follower once the leader's
 * metadata is known: {"index", "uuid", "shards", "replicas"}.
 */
int
sim_follow_create(struct sim_cluster *c, const char *name, json_t *body,
    json_t *leader, uint64_t now, json_t **out)
{
	struct sim_index	*ix;
	json_t		*flat = NULL, *params, *v;
	const char	*key, *alias, *lname;
	int		 status, lshards, replicas;

	alias = json_string_value(json_object_get(body, "remote_cluster"));
	lname = json_string_value(json_object_get(leader, "index"));
	lshards = (int)json_integer_value(json_object_get(leader, "shards"));
	if ((status = sim_index_settings(body, &flat, out)) != 0) {
		json_decref(flat);
		return (status);
	}
	json_object_foreach(flat, key, v) {
		if (strcmp(key, "index.number_of_replicas") != 0) {
			json_decref(flat);
			return (sim_error(out, 400, "illegal_argument_exception",
			    "can not put follower index that could override "
			    "leader settings {\"%s\":\"...\"}", key));
		}
	}
	status = sim_get_int_setting(flat, "index.number_of_replicas",
	    (int)json_integer_value(json_object_get(leader, "replicas")), 0, 64,
	    &replicas, out);
	json_decref(flat);
	if (status != 0)
		return (status);
	if ((ix = sim_index_find(c, name)) != NULL) {
		if (ix->open)
			return (sim_error(out, 500, "snapshot_restore_exception",
			    "[_ccr_%s:_latest_/_latest_] cannot restore index "
			    "[%s] because an open index with same name already "
			    "exists in the cluster. Either close or delete the "
			    "existing index or restore the index under a "
			    "different name by providing a rename pattern and "
			    "replacement name", alias, name));
		if (ix->nshards != lshards)
			return (sim_error(out, 500, "snapshot_restore_exception",
			    "[_ccr_%s:_latest_/_latest_] cannot restore index "
			    "[%s] with [%d] shards from a snapshot of index "
			    "[%s] with [%d] shards", alias, name, ix->nshards,
			    lname, lshards));
		sim_journal(c, json_pack("{s:s, s:s, s:s}", "t", "delete",
		    "name", ix->name, "uuid", ix->uuid));
		sim_index_remove(c, ix);
	}
	sim_parse_follow_params(body, "", 1, &params, out);
	ix = sim_index_insert(c, name, lshards, replicas);
	ix->creation_date = now;
	ix->follower = 1;
	ix->tasks = 1;
	ix->remote = xstrdup(alias);
	ix->leader_index = xstrdup(lname);
	snprintf(ix->leader_uuid, sizeof ix->leader_uuid, "%s",
	    json_string_value(json_object_get(leader, "uuid")));
	ix->follow_params = params;
	/* The follower replays the leader's history: same history UUIDs. */
	sim_set_history_uuids(ix, json_object_get(leader, "history_uuids"));
	c->follow_generation++;
	sim_journal_index(c, ix);
	*out = NULL;
	return (0);
}

/*
 * A put-follow's copy of the leader's files has started: the follower
 * exists (with its CCR metadata) but its follow tasks start only once the
 * copy is done (TransportPutFollowAction).
 */
void
sim_restore_begin(struct sim_cluster *c, struct sim_index *ix)
{
	ix->restoring = 1;
	ix->tasks = 0;
	c->follow_generation++;
	sim_journal_index(c, ix);
}

/* The copy ended: when it worked, the shard follow tasks start. */
void
sim_restore_end(struct sim_cluster *c, struct sim_index *ix, int ok)
{
	int	sh;

	ix->restoring = 0;
	if (ok) {
		ix->tasks = 1;
		for (sh = 0; sh < ix->nshards; sh++) {
			sim_follow_reset(&ix->shards[sh].follow);
			ix->shards[sh].follow.leader_global_checkpoint =
			    ix->shards[sh].checkpoint;
			ix->shards[sh].follow.leader_max_seq_no =
			    ix->shards[sh].max_seq_no;
		}
	}
	c->follow_generation++;
	sim_journal_index(c, ix);
}

/* Whether any index in the cluster has shard follow tasks. */
static int
sim_any_tasks(struct sim_cluster *c)
{
	size_t	i;

	for (i = 0; i < c->nindices; i++) {
		if (c->indices[i]->tasks)
			return (1);
	}
	return (0);
}

/*
 * Fresh shard follow tasks. As in Elasticsearch, a task starts out taking
 * the leader to be where the follower shard is, so its lag starts at 0
 * (not at minus the follower's checkpoint) until its first read.
 */
static void
sim_tasks_reset(struct sim_index *ix)
{
	struct sim_follow_shard	*f;
	int			 sh;

	for (sh = 0; sh < ix->nshards; sh++) {
		f = &ix->shards[sh].follow;
		sim_follow_reset(f);
		f->leader_global_checkpoint = ix->shards[sh].max_seq_no;
		f->leader_max_seq_no = ix->shards[sh].max_seq_no;
	}
}

/* POST /<f>/_ccr/pause_follow: local only, works with the leader down. */
int
sim_pause_follow(struct sim_cluster *c, const char *name, json_t **out)
{
	struct sim_index	*ix;

	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->follower)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "index [%s] is not a follower index", name));
	if (!sim_any_tasks(c))
		return (sim_error(out, 400, "illegal_argument_exception",
		    "no shard follow tasks found"));
	if (!ix->tasks)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "no shard follow tasks for [%s]", name));
	ix->tasks = 0;
	sim_tasks_reset(ix);
	c->follow_generation++;
	sim_journal_index(c, ix);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* The local half of resume_follow: existence, CCR metadata, the remote. */
int
sim_resume_check(struct sim_cluster *c, const char *name, json_t *body,
    json_t **out)
{
	struct sim_index	*ix;
	json_t		*params;
	int		 status;

	if (body != NULL && !json_is_object(body))
		return (sim_error(out, 400, "parse_exception",
		    "request body must be an object"));
	if ((status = sim_parse_follow_params(body,
	    "indices:admin/xpack/ccr/resume_follow", 0, &params, out)) != 0)
		return (status);
	json_decref(params);
	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->follower)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "follow index [%s] does not have ccr metadata", name));
	if (!sim_remote_configured(c, ix->remote))
		return (sim_no_such_remote(out, ix->remote));
	return (0);
}

/*
 * The second half of resume_follow with the leader's metadata (leader) and
 * the request body: compare, then start the tasks.
 */
int
sim_resume_leader(struct sim_cluster *c, const char *name, json_t *leader,
    json_t *body, json_t **out)
{
	struct sim_index	*ix;
	json_t		*cause, *suppressed, *params;
	const char	*uuid;
	int		 lshards, sh;

	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->follower)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "follow index [%s] does not have ccr metadata", name));
	uuid = json_string_value(json_object_get(leader, "uuid"));
	lshards = (int)json_integer_value(json_object_get(leader, "shards"));
	if (!ix->open || !json_is_true(json_object_get(leader, "open")))
		return (sim_error(out, 400, "illegal_argument_exception",
		    "leader and follow index must be open"));
	if (uuid == NULL || strcmp(uuid, ix->leader_uuid) != 0)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "follow index [%s] should reference [%s] as leader index "
		    "but instead reference [%s] as leader index", name,
		    uuid == NULL ? "" : uuid, ix->leader_uuid));
	if (lshards != ix->nshards)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "leader index primary shards [%d] does not match with the "
		    "number of shards of the follow index [%d]", lshards,
		    ix->nshards));
	if (ix->tasks) {
		cause = sim_cause("resource_already_exists_exception",
		    "task with id {%s-0} already exist", ix->uuid);
		if (ix->nshards > 1) {
			suppressed = json_array();
			for (sh = 1; sh < ix->nshards; sh++)
				json_array_append_new(suppressed, sim_cause(
				    "resource_already_exists_exception",
				    "task with id {%s-%d} already exist",
				    ix->uuid, sh));
			json_object_set_new(cause, "suppressed", suppressed);
		}
		return (sim_error_cause(out, 400, cause));
	}
	sim_parse_follow_params(body, "", 0, &params, out);
	json_decref(ix->follow_params);
	ix->follow_params = params;
	ix->tasks = 1;
	sim_tasks_reset(ix);
	c->follow_generation++;
	sim_journal_index(c, ix);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/*
 * POST /<f>/_ccr/unfollow: convert the closed, paused follower into a
 * regular index, then hand back what the caller must send to the leader
 * to remove the retention leases ({"remote", "leader_index", "body"}).
 */
int
sim_unfollow(struct sim_cluster *c, const char *name, json_t **forget,
    json_t **out)
{
	struct sim_index	*ix;

	*forget = NULL;
	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	if (!ix->follower)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "index [%s] is not a follower index", name));
	if (ix->open)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "cannot convert the follower index [%s] to a non-follower, "
		    "because it has not been closed", name));
	if (ix->tasks)
		return (sim_error(out, 400, "illegal_argument_exception",
		    "cannot convert the follower index [%s] to a non-follower, "
		    "because it has not been paused", name));
	*forget = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}",
	    "remote", ix->remote, "leader_index", ix->leader_index,
	    "leader_uuid", ix->leader_uuid,
	    "body", "follower_cluster", c->name, "follower_index", ix->name,
	    "follower_index_uuid", ix->uuid, "leader_remote_cluster",
	    ix->remote);
	ix->follower = 0;
	free(ix->remote);
	free(ix->leader_index);
	ix->remote = ix->leader_index = NULL;
	ix->leader_uuid[0] = '\0';
	json_decref(ix->follow_params);
	ix->follow_params = NULL;
	sim_journal_index(c, ix);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* The follow parameters with defaults filled in. */
static json_t *
sim_follow_params_full(struct sim_index *ix)
{
	json_t	*p, *v;
	size_t	 i;

	p = json_object();
	for (i = 0; i < ES_NFOLLOW_PARAMS; i++) {
		v = ix->follow_params == NULL ? NULL :
		    json_object_get(ix->follow_params,
		    sim_follow_params[i].name);
		if (v != NULL)
			json_object_set(p, sim_follow_params[i].name, v);
		else if (sim_follow_params[i].is_int)
			json_object_set_new(p, sim_follow_params[i].name,
			    json_integer(sim_follow_params[i].idefault));
		else
			json_object_set_new(p, sim_follow_params[i].name,
			    json_string(sim_follow_params[i].sdefault));
	}
	return (p);
}

/* GET /<expr>/_ccr/info: active iff tasks exist; regular indices skipped. */
int
sim_follow_info(struct sim_cluster *c, const char *expr, json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	int		  status;
	json_t		 *arr, *e;

	if ((status = sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED,
	    &list, &n, out)) != 0)
		return (status);
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (!list[i]->follower)
			continue;
		e = json_pack("{s:s, s:s, s:s, s:s}", "follower_index",
		    list[i]->name, "remote_cluster", list[i]->remote,
		    "leader_index", list[i]->leader_index, "status",
		    list[i]->tasks ? "active" : "paused");
		if (list[i]->tasks)
			json_object_set_new(e, "parameters",
			    sim_follow_params_full(list[i]));
		json_array_append_new(arr, e);
	}
	free(list);
	*out = json_pack("{s:o}", "follower_indices", arr);
	return (200);
}

/* One follower index's stats object. */
static json_t *
sim_follow_index_stats(struct sim_index *ix, uint64_t now_ms)
{
	json_t			*shards, *sj;
	struct sim_shard		*s;
	struct sim_follow_shard	*f;
	json_int_t		 lag = 0;
	int			 sh;

	shards = json_array();
	for (sh = 0; sh < ix->nshards; sh++) {
		s = &ix->shards[sh];
		f = &s->follow;
		lag += f->leader_global_checkpoint - s->checkpoint;
		sj = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I,"
		    " s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		    "remote_cluster", ix->remote, "leader_index",
		    ix->leader_index, "follower_index", ix->name,
		    "shard_id", sh,
		    "leader_global_checkpoint",
		    (json_int_t)f->leader_global_checkpoint,
		    "leader_max_seq_no", (json_int_t)f->leader_max_seq_no,
		    "follower_global_checkpoint", (json_int_t)s->checkpoint,
		    "follower_max_seq_no", (json_int_t)s->max_seq_no,
		    "last_requested_seq_no",
		    (json_int_t)f->last_requested_seq_no,
		    "outstanding_read_requests", f->outstanding_reads,
		    "outstanding_write_requests", 0,
		    "write_buffer_operation_count", 0,
		    "write_buffer_size_in_bytes", 0,
		    "follower_mapping_version", 1,
		    "follower_settings_version", 1,
		    "follower_aliases_version", 1);
		json_object_set_new(sj, "total_read_time_millis",
		    json_integer((json_int_t)f->total_read_time_ms));
		json_object_set_new(sj, "total_read_remote_exec_time_millis",
		    json_integer((json_int_t)f->total_read_time_ms));
		json_object_set_new(sj, "successful_read_requests",
		    json_integer((json_int_t)f->successful_reads));
		json_object_set_new(sj, "failed_read_requests",
		    json_integer((json_int_t)f->failed_reads));
		json_object_set_new(sj, "operations_read",
		    json_integer((json_int_t)f->operations_read));
		json_object_set_new(sj, "bytes_read",
		    json_integer((json_int_t)f->bytes_read));
		json_object_set_new(sj, "total_write_time_millis",
		    json_integer(0));
		json_object_set_new(sj, "successful_write_requests",
		    json_integer((json_int_t)f->successful_writes));
		json_object_set_new(sj, "failed_write_requests",
		    json_integer(0));
		json_object_set_new(sj, "operations_written",
		    json_integer((json_int_t)f->operations_written));
		json_object_set(sj, "read_exceptions", f->read_exceptions);
		json_object_set_new(sj, "time_since_last_read_millis",
		    json_integer(f->last_read_ms == 0 ||
		    now_ms < f->last_read_ms ? 0 :
		    (json_int_t)(now_ms - f->last_read_ms)));
		if (f->fatal_exception != NULL)
			json_object_set(sj, "fatal_exception",
			    f->fatal_exception);
		json_array_append_new(shards, sj);
	}
	return (json_pack("{s:s, s:I, s:o}", "index", ix->name,
	    "total_global_checkpoint_lag", lag, "shards", shards));
}

/* GET /<expr>/_ccr/stats: 404 when nothing named has follow tasks. */
int
sim_follow_stats(struct sim_cluster *c, const char *expr, uint64_t now_ms,
    json_t **out)
{
	struct sim_index	**list;
	size_t		  n, i;
	json_t		 *arr, *err = NULL;
	int		  all;

	all = expr == NULL || strcmp(expr, "_all") == 0 ||
	    strcmp(expr, "*") == 0;
	if (sim_resolve(c, expr, ES_RESOLVE_OPEN | ES_RESOLVE_CLOSED |
	    ES_RESOLVE_IGNORE_MISSING, &list, &n, &err) != 0) {
		json_decref(err);
		n = 0;
		list = NULL;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		if (list[i]->tasks)
			json_array_append_new(arr,
			    sim_follow_index_stats(list[i], now_ms));
	}
	free(list);
	if (json_array_size(arr) == 0 && !all) {
		json_decref(arr);
		return (sim_error(out, 404, "resource_not_found_exception",
		    "No shard follow tasks for follower indices [%s]", expr));
	}
	*out = json_pack("{s:o}", "indices", arr);
	return (200);
}

/* The auto_follow_stats section of GET /_ccr/stats. */
json_t *
sim_auto_follow_stats(struct sim_cluster *c)
{
	json_t	*st;

	st = json_pack("{s:I, s:I, s:I, s:O, s:[]}",
	    "number_of_failed_follow_indices", (json_int_t)c->af_failed,
	    "number_of_failed_remote_cluster_state_requests",
	    (json_int_t)c->af_failed_remote,
	    "number_of_successful_follow_indices",
	    (json_int_t)c->af_successful,
	    "recent_auto_follow_errors", c->af_errors,
	    "auto_followed_clusters");
	return (st);
}

/* Remember an auto-follow error (cause stolen), keeping the newest few. */
static void
sim_auto_follow_error(struct sim_cluster *c, const char *leader, json_t *cause,
    uint64_t now)
{
	if (json_array_size(c->af_errors) >= 16)
		json_array_remove(c->af_errors, 0);
	json_array_append_new(c->af_errors, json_pack("{s:s, s:I, s:o}",
	    "leader_index", leader, "timestamp", (json_int_t)now,
	    "auto_follow_exception", cause));
}

/* An auto-follow pattern's remote could not be read. */
void
sim_auto_follow_remote_failed(struct sim_cluster *c, const char *alias,
    json_t *cause, uint64_t now)
{
	c->af_failed_remote++;
	sim_auto_follow_error(c, alias, cause, now);
}

/* Whether a name matches any glob of a string list. */
static int
sim_glob_any(json_t *patterns, const char *name)
{
	json_t	*p;
	size_t	 i;

	json_array_foreach(patterns, i, p) {
		if (json_is_string(p) && sim_glob(json_string_value(p), name))
			return (1);
	}
	return (0);
}

/* The follower name for a leader: {{leader_index}} replaced. */
static char *
sim_follow_name(json_t *pattern, const char *leader)
{
	const char	*fip, *at;
	char		*out;

	fip = json_string_value(json_object_get(pattern,
	    "follow_index_pattern"));
	if (fip == NULL || (at = strstr(fip, "{{leader_index}}")) == NULL)
		return (xstrdup(fip == NULL ? leader : fip));
	xasprintf(&out, "%.*s%s%s", (int)(at - fip), fip, leader,
	    at + strlen("{{leader_index}}"));
	return (out);
}

/*
 * One auto-follow round of a pattern over the remote's index list
 * ({"indices": [{index, uuid, shards, replicas, open}]}): the first round
 * only records what exists (Elasticsearch follows indices created after
 * the pattern); later rounds follow every new open match. A paused
 * pattern records nothing, so resuming picks up what was created
 * meanwhile. Returns the number of followers created.
 */
int
sim_auto_follow_run(struct sim_cluster *c, const char *name, json_t *list,
    uint64_t now)
{
	json_t		*pattern, *seen, *e, *body, *meta, *v, *out;
	const char	*leader, *uuid;
	char		*fname;
	size_t		 i, k;
	int		 first, created = 0, changed;

	if ((pattern = json_object_get(c->auto_follow, name)) == NULL ||
	    !json_is_true(json_object_get(pattern, "active")))
		return (0);
	if ((seen = json_object_get(c->auto_follow_seen, name)) == NULL) {
		seen = json_object();
		json_object_set_new(c->auto_follow_seen, name, seen);
		first = changed = 1;
	} else
		first = changed = 0;
	json_array_foreach(json_object_get(list, "indices"), i, e) {
		leader = json_string_value(json_object_get(e, "index"));
		uuid = json_string_value(json_object_get(e, "uuid"));
		if (leader == NULL || uuid == NULL ||
		    json_object_get(seen, uuid) != NULL ||
		    !json_is_true(json_object_get(e, "open")) ||
		    !sim_glob_any(json_object_get(pattern,
		    "leader_index_patterns"), leader) ||
		    sim_glob_any(json_object_get(pattern,
		    "leader_index_exclusion_patterns"), leader))
			continue;
		json_object_set_new(seen, uuid, json_true());
		changed = 1;
		if (first)
			continue;
		fname = sim_follow_name(pattern, leader);
		body = json_pack("{s:O, s:s}", "remote_cluster",
		    json_object_get(pattern, "remote_cluster"), "leader_index",
		    leader);
		for (k = 0; k < ES_NFOLLOW_PARAMS; k++) {
			v = json_object_get(pattern, sim_follow_params[k].name);
			if (v != NULL)
				json_object_set(body, sim_follow_params[k].name,
				    v);
		}
		meta = json_pack("{s:s, s:s, s:O, s:O}", "index", leader,
		    "uuid", uuid, "shards", json_object_get(e, "shards"),
		    "replicas", json_object_get(e, "replicas"));
		out = NULL;
		if (sim_valid_index_name(fname, &out) == 0 &&
		    sim_index_find(c, fname) == NULL &&
		    sim_follow_create(c, fname, body, meta, now, &out) == 0) {
			c->af_successful++;
			created++;
		} else {
			c->af_failed++;
			sim_auto_follow_error(c, leader, out != NULL ?
			    json_deep_copy(json_object_get(out, "error")) :
			    sim_cause("resource_already_exists_exception",
			    "index [%s] already exists", fname), now);
		}
		json_decref(out);
		json_decref(meta);
		json_decref(body);
		free(fname);
	}
	if (changed)
		sim_journal_cluster(c);
	return (created);
}

/* Every index of the cluster, as a remote auto-follower reads it. */
json_t *
sim_leader_list(struct sim_cluster *c)
{
	json_t	*arr;
	size_t	 i;

	arr = json_array();
	for (i = 0; i < c->nindices; i++)
		json_array_append_new(arr, json_pack(
		    "{s:s, s:s, s:i, s:i, s:b}", "index", c->indices[i]->name,
		    "uuid", c->indices[i]->uuid, "shards",
		    c->indices[i]->nshards, "replicas",
		    c->indices[i]->nreplicas, "open", c->indices[i]->open));
	return (json_pack("{s:o}", "indices", arr));
}

/* POST /<leader>/_ccr/forget_follower: drop the follower's leases. */
int
sim_forget_follower(struct sim_cluster *c, const char *name, json_t *body,
    json_t **out)
{
	struct sim_index	*ix;
	const char	*fc, *fi, *fu, *rc;
	char		*id;
	int		 sh;

	fc = json_string_value(json_object_get(body, "follower_cluster"));
	fi = json_string_value(json_object_get(body, "follower_index"));
	fu = json_string_value(json_object_get(body, "follower_index_uuid"));
	rc = json_string_value(json_object_get(body, "leader_remote_cluster"));
	if (fc == NULL || fi == NULL || fu == NULL || rc == NULL)
		return (sim_error(out, 400, "x_content_parse_exception",
		    "[1:1] [forget_follower] required fields: follower_cluster,"
		    " follower_index, follower_index_uuid, "
		    "leader_remote_cluster"));
	if ((ix = sim_index_find(c, name)) == NULL)
		return (sim_index_not_found(out, name));
	xasprintf(&id, "%s/%s/%s-following-%s/%s/%s", fc, fi, fu, rc, ix->name,
	    ix->uuid);
	for (sh = 0; sh < ix->nshards; sh++)
		json_object_del(ix->shards[sh].leases, id);
	free(id);
	*out = json_pack("{s:{s:i, s:i, s:i, s:[]}}", "_shards", "total",
	    ix->nshards, "successful", ix->nshards, "failed", 0, "failures");
	return (200);
}

/* Collect a string or string list field of an auto-follow body. */
static int
sim_string_list(json_t *v, json_t **list)
{
	json_t	*item;
	size_t	 i;

	if (v == NULL) {
		*list = json_array();
		return (0);
	}
	if (json_is_string(v)) {
		*list = json_pack("[O]", v);
		return (0);
	}
	if (!json_is_array(v))
		return (-1);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return (-1);
	}
	*list = json_incref(v);
	return (0);
}

/* PUT /_ccr/auto_follow/<name>. */
int
sim_auto_follow_put(struct sim_cluster *c, const char *name, json_t *body,
    json_t **out)
{
	json_t		*params, *patterns = NULL, *excl = NULL, *rc, *fip;
	json_t		*pattern;
	int		 status, n = 0;
	char		 msg[256] = "";

	if (body == NULL || !json_is_object(body))
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: 1: [remote_cluster] is missing;"));
	json_t *copy = json_deep_copy(body);
	json_object_del(copy, "leader_index_patterns");
	json_object_del(copy, "leader_index_exclusion_patterns");
	json_object_del(copy, "follow_index_pattern");
	status = sim_parse_follow_params(copy,
	    "put_auto_follow_pattern_request", 1, &params, out);
	json_decref(copy);
	if (status != 0)
		return (status);
	rc = json_object_get(body, "remote_cluster");
	fip = json_object_get(body, "follow_index_pattern");
	if (!json_is_string(rc))
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    "%d: [remote_cluster] is missing;", ++n);
	if (sim_string_list(json_object_get(body, "leader_index_patterns"),
	    &patterns) == -1 || json_array_size(patterns) == 0)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    "%d: [leader_index_patterns] is missing;", ++n);
	if (sim_string_list(json_object_get(body,
	    "leader_index_exclusion_patterns"), &excl) == -1)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    "%d: [leader_index_exclusion_patterns] must be a list;",
		    ++n);
	if (n > 0) {
		json_decref(params);
		json_decref(patterns);
		json_decref(excl);
		return (sim_error(out, 400,
		    "action_request_validation_exception",
		    "Validation Failed: %s", msg));
	}
	if (!sim_remote_configured(c, json_string_value(rc))) {
		json_decref(params);
		json_decref(patterns);
		json_decref(excl);
		return (sim_no_such_remote(out, json_string_value(rc)));
	}
	pattern = json_pack("{s:b, s:O, s:o, s:o}", "active", 1,
	    "remote_cluster", rc, "leader_index_patterns", patterns,
	    "leader_index_exclusion_patterns", excl);
	if (json_is_string(fip))
		json_object_set(pattern, "follow_index_pattern", fip);
	json_object_update(pattern, params);
	json_decref(params);
	json_object_set_new(c->auto_follow, name, pattern);
	sim_journal_cluster(c);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* 404 for an auto-follow pattern that does not exist. */
static int
sim_auto_follow_missing(json_t **out, const char *name)
{
	return (sim_error(out, 404, "resource_not_found_exception",
	    "auto-follow pattern [%s] is missing", name));
}

/* GET /_ccr/auto_follow[/<name>]. */
int
sim_auto_follow_get(struct sim_cluster *c, const char *name, json_t **out)
{
	json_t		*arr, *p;
	const char	*key;

	arr = json_array();
	if (name != NULL) {
		if ((p = json_object_get(c->auto_follow, name)) == NULL) {
			json_decref(arr);
			return (sim_auto_follow_missing(out, name));
		}
		json_array_append_new(arr, json_pack("{s:s, s:O}", "name", name,
		    "pattern", p));
	} else {
		json_object_foreach(c->auto_follow, key, p)
			json_array_append_new(arr, json_pack("{s:s, s:O}",
			    "name", key, "pattern", p));
	}
	*out = json_pack("{s:o}", "patterns", arr);
	return (200);
}

/* DELETE /_ccr/auto_follow/<name>. */
int
sim_auto_follow_delete(struct sim_cluster *c, const char *name, json_t **out)
{
	if (json_object_get(c->auto_follow, name) == NULL)
		return (sim_auto_follow_missing(out, name));
	json_object_del(c->auto_follow, name);
	json_object_del(c->auto_follow_seen, name);
	sim_journal_cluster(c);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/* POST /_ccr/auto_follow/<name>/pause|resume: idempotent. */
int
sim_auto_follow_activate(struct sim_cluster *c, const char *name, int active,
    json_t **out)
{
	json_t	*p;

	if ((p = json_object_get(c->auto_follow, name)) == NULL)
		return (sim_auto_follow_missing(out, name));
	json_object_set_new(p, "active", json_boolean(active));
	sim_journal_cluster(c);
	*out = json_pack("{s:b}", "acknowledged", 1);
	return (200);
}

/*
 * What a follower needs to know about a leader index (served on the
 * internal endpoint): name, uuid, shard and replica counts, open.
 */
json_t *
sim_leader_meta(struct sim_cluster *c, const char *name, int *status)
{
	struct sim_index	*ix;
	json_t		*err;

	if ((ix = sim_index_find(c, name)) == NULL) {
		*status = sim_index_not_found(&err, name);
		return (err);
	}
	*status = 200;
	return (json_pack("{s:s, s:s, s:i, s:i, s:b, s:o}", "index", ix->name,
	    "uuid", ix->uuid, "shards", ix->nshards, "replicas", ix->nreplicas,
	    "open", ix->open, "history_uuids", sim_history_uuids(ix)));
}

/* The operations of a shard from a sequence number, at most max. */
static json_t *
sim_shard_ops(struct sim_shard *s, int64_t from, size_t max)
{
	json_t	*ops, *o;
	size_t	 lo;

	ops = json_array();
	for (lo = sim_shard_pos(s, from); lo < s->nops &&
	    json_array_size(ops) < max; lo++) {
		o = json_pack("{s:I, s:I}", "seq_no",
		    (json_int_t)s->ops[lo].seq_no, "version",
		    (json_int_t)s->ops[lo].version);
		if (s->ops[lo].kind != ES_OP_INDEX)
			json_object_set_new(o, "op", json_string(
			    s->ops[lo].kind == ES_OP_DELETE ? "delete" :
			    "noop"));
		if (s->ops[lo].id != NULL)
			json_object_set_new(o, "id",
			    json_string(s->ops[lo].id));
		if (s->ops[lo].source != NULL)
			json_object_set(o, "source", s->ops[lo].source);
		json_array_append_new(ops, o);
	}
	return (ops);
}

/*
 * The shard changes of a batched read from a follower (the internal
 * endpoint): per requested shard either its checkpoints and operations or
 * an error and status. Renews the follower's retention lease. *empty is
 * set when no shard returned operations (the caller may long-poll).
 */
json_t *
sim_changes(struct sim_cluster *c, json_t *req, uint64_t now, int *empty)
{
	json_t		*shards, *out, *e, *r, *err, *ops;
	struct sim_index	*ix;
	struct sim_shard	*s;
	const char	*name, *uuid, *lease;
	size_t		 i, max;
	json_int_t	 sh, from;
	int		 status;

	*empty = 1;
	out = json_array();
	shards = json_object_get(req, "shards");
	max = (size_t)json_integer_value(json_object_get(req, "max_ops"));
	if (max == 0)
		max = 5120;
	json_array_foreach(shards, i, e) {
		name = json_string_value(json_object_get(e, "index"));
		uuid = json_string_value(json_object_get(e, "uuid"));
		lease = json_string_value(json_object_get(e, "lease"));
		sh = json_integer_value(json_object_get(e, "shard"));
		from = json_integer_value(json_object_get(e, "from_seq_no"));
		ix = name == NULL ? NULL : sim_index_find(c, name);
		if (ix == NULL || (uuid != NULL &&
		    strcmp(uuid, ix->uuid) != 0)) {
			status = sim_index_not_found(&err, name == NULL ? "" :
			    name);
			r = json_pack("{s:O, s:i}", "error",
			    json_object_get(err, "error"), "status", status);
			json_object_del(json_object_get(r, "error"),
			    "root_cause");
			json_decref(err);
		} else if (!ix->open) {
			r = json_pack("{s:o, s:i}", "error", sim_cause(
			    "index_closed_exception", "closed"), "status", 400);
		} else if (sh < 0 || sh >= ix->nshards) {
			r = json_pack("{s:o, s:i}", "error", sim_cause(
			    "shard_not_found_exception", "no such shard"),
			    "status", 404);
		} else {
			s = &ix->shards[sh];
			if (lease != NULL)
				json_object_set_new(s->leases, lease,
				    json_pack("{s:I, s:I}", "retaining_seq_no",
				    from, "timestamp", (json_int_t)now));
			ops = sim_shard_ops(s, from, max);
			if (json_array_size(ops) > 0)
				*empty = 0;
			r = json_pack("{s:I, s:I, s:o}", "global_checkpoint",
			    (json_int_t)s->max_seq_no, "max_seq_no",
			    (json_int_t)s->max_seq_no, "ops", ops);
		}
		json_array_append_new(out, r);
	}
	return (json_pack("{s:o}", "shards", out));
}

/* Exceptions a shard follow task retries; everything else is fatal. */
static int
sim_retryable(const char *type)
{
	static const char *const types[] = {
		"connect_transport_exception",
		"receive_timeout_transport_exception",
		"node_disconnected_exception", "node_not_connected_exception",
		"node_closed_exception", "no_such_remote_cluster_exception",
		"no_seed_node_left_exception",
		"es_rejected_execution_exception",
		"circuit_breaking_exception", "cluster_block_exception",
		"index_closed_exception", "security_exception",
		"no_shard_available_action_exception",
		"unavailable_shards_exception", "connect_exception", NULL
	};
	size_t	i;

	for (i = 0; types[i] != NULL; i++) {
		if (type != NULL && strcmp(type, types[i]) == 0)
			return (1);
	}
	return (0);
}

/*
 * Record a failed read of a shard (cause stolen): one read_exceptions entry
 * per from_seq_no with its retry count; non-retryable causes stop the task.
 */
void
sim_read_failed(struct sim_index *ix, int sh, json_t *cause, int elapsed_ms)
{
	struct sim_follow_shard	*f = &ix->shards[sh].follow;
	json_t			*e = NULL;
	size_t			 i;
	json_int_t		 from = ix->shards[sh].checkpoint + 1;
	const char		*type;

	f->failed_reads++;
	f->total_read_time_ms += elapsed_ms;
	for (i = 0; i < json_array_size(f->read_exceptions); i++) {
		e = json_array_get(f->read_exceptions, i);
		if (json_integer_value(json_object_get(e, "from_seq_no")) ==
		    from)
			break;
		e = NULL;
	}
	if (e != NULL) {
		json_object_set_new(e, "retries", json_integer(
		    json_integer_value(json_object_get(e, "retries")) + 1));
		json_object_set(e, "exception", cause);
	} else {
		if (json_array_size(f->read_exceptions) >= 16)
			json_array_remove(f->read_exceptions, 0);
		json_array_append_new(f->read_exceptions, json_pack(
		    "{s:I, s:i, s:O}", "from_seq_no", from, "retries", 0,
		    "exception", cause));
	}
	type = json_string_value(json_object_get(cause, "type"));
	if (!sim_retryable(type) && f->fatal_exception == NULL)
		f->fatal_exception = json_incref(cause);
	json_decref(cause);
}

/*
 * Apply a successful read of a shard (one entry of an sim_changes answer):
 * operations above the follower's max_seq_no are written with the
 * leader's sequence numbers. Returns the number of operations written.
 */
int
sim_apply_changes(struct sim_cluster *c, struct sim_index *ix, int sh,
    json_t *r, uint64_t elapsed_ms)
{
	struct sim_shard		*s = &ix->shards[sh];
	struct sim_follow_shard	*f = &s->follow;
	json_t			*ops, *op, *src;
	const char		*id, *kind;
	size_t			 i;
	json_int_t		 seq;
	int			 written = 0;
	enum sim_op_kind		 k;
	char			*text;

	ops = json_object_get(r, "ops");
	/*
	 * ShardFollowNodeTask does not count polls against fetch stats: an
	 * empty answer (a long-poll that timed out on an idle leader) moves
	 * only the read time.
	 */
	if (json_array_size(ops) > 0)
		f->successful_reads++;
	f->total_read_time_ms += elapsed_ms;
	f->leader_global_checkpoint =
	    json_integer_value(json_object_get(r, "global_checkpoint"));
	f->leader_max_seq_no =
	    json_integer_value(json_object_get(r, "max_seq_no"));
	json_array_clear(f->read_exceptions);
	json_array_foreach(ops, i, op) {
		seq = json_integer_value(json_object_get(op, "seq_no"));
		id = json_string_value(json_object_get(op, "id"));
		src = json_object_get(op, "source");
		kind = json_string_value(json_object_get(op, "op"));
		f->operations_read++;
		if ((text = json_dumps(op, JSON_COMPACT)) != NULL) {
			f->bytes_read += strlen(text);
			free(text);
		}
		k = kind == NULL ? ES_OP_INDEX : strcmp(kind, "delete") == 0 ?
		    ES_OP_DELETE : ES_OP_NOOP;
		if (seq < 0 || (k != ES_OP_NOOP && id == NULL) ||
		    (k == ES_OP_INDEX && !json_is_object(src)))
			continue;
		/* A held-back range: the write of those reads never lands. */
		if (s->hold_from >= 0 && seq >= s->hold_from &&
		    seq <= s->hold_to)
			continue;
		if (sim_shard_put(s, k, seq, json_integer_value(
		    json_object_get(op, "version")), id, src) == -1)
			continue;
		sim_journal_op(c, ix, sh, &s->ops[sim_shard_pos(s, seq)]);
		written++;
	}
	if (written > 0) {
		f->successful_writes++;
		f->operations_written += written;
		c->write_generation++;
	}
	return (written);
}

/* The whole cluster as journal records, for compaction. */
json_t *
sim_snapshot(struct sim_cluster *c)
{
	json_t		*recs, *rec;
	struct sim_index	*ix;
	size_t		 i, k;
	int		 sh;

	recs = json_array();
	json_array_append_new(recs, json_pack("{s:s, s:s, s:O, s:O, s:O}", "t",
	    "cluster", "uuid", c->uuid, "persistent", c->persistent,
	    "auto_follow", c->auto_follow, "auto_follow_seen",
	    c->auto_follow_seen));
	for (i = 0; i < c->nindices; i++) {
		ix = c->indices[i];
		json_array_append_new(recs, sim_index_meta(ix));
		for (sh = 0; sh < ix->nshards; sh++) {
			for (k = 0; k < ix->shards[sh].nops; k++) {
				rec = sim_op_record(ix, sh,
				    &ix->shards[sh].ops[k]);
				json_array_append_new(recs, rec);
			}
		}
	}
	return (recs);
}

/* Replay one journal record; unknown or inconsistent ones are an error. */
int
sim_replay(struct sim_cluster *c, json_t *rec, char **cause)
{
	const char	*t, *name, *uuid, *s, *kind;
	struct sim_index	*ix;
	json_t		*v;
	json_int_t	 sh;
	int		 nshards;
	enum sim_op_kind	 k;

	t = json_string_value(json_object_get(rec, "t"));
	name = json_string_value(json_object_get(rec, "name"));
	uuid = json_string_value(json_object_get(rec, "uuid"));
	if (t == NULL) {
		xasprintf(cause, "record without type");
		return (-1);
	}
	if (strcmp(t, "cluster") == 0) {
		if (uuid != NULL)
			snprintf(c->uuid, sizeof c->uuid, "%s", uuid);
		if (json_is_object(v = json_object_get(rec, "persistent"))) {
			json_decref(c->persistent);
			c->persistent = json_deep_copy(v);
		}
		if (json_is_object(v = json_object_get(rec, "auto_follow"))) {
			json_decref(c->auto_follow);
			c->auto_follow = json_deep_copy(v);
		}
		v = json_object_get(rec, "auto_follow_seen");
		if (json_is_object(v)) {
			json_decref(c->auto_follow_seen);
			c->auto_follow_seen = json_deep_copy(v);
		}
		return (0);
	}
	if (strcmp(t, "delete") == 0) {
		if (name != NULL && (ix = sim_index_find(c, name)) != NULL &&
		    uuid != NULL && strcmp(ix->uuid, uuid) == 0)
			sim_index_remove(c, ix);
		return (0);
	}
	if (strcmp(t, "index") == 0) {
		nshards = (int)json_integer_value(json_object_get(rec,
		    "shards"));
		if (name == NULL || uuid == NULL || nshards < 1 ||
		    nshards > 1024) {
			xasprintf(cause, "bad index record");
			return (-1);
		}
		if ((ix = sim_index_find(c, name)) != NULL &&
		    strcmp(ix->uuid, uuid) != 0) {
			sim_index_remove(c, ix);
			ix = NULL;
		}
		if (ix == NULL) {
			ix = sim_index_insert(c, name, nshards, 1);
			snprintf(ix->uuid, sizeof ix->uuid, "%s", uuid);
		}
		ix->nreplicas = (int)json_integer_value(json_object_get(rec,
		    "replicas"));
		ix->creation_date = (uint64_t)json_integer_value(
		    json_object_get(rec, "creation_date"));
		ix->open = json_is_true(json_object_get(rec, "open"));
		ix->block_write = json_is_true(json_object_get(rec,
		    "block_write"));
		ix->block_read_only = json_is_true(json_object_get(rec,
		    "block_read_only"));
		ix->block_read = json_is_true(json_object_get(rec,
		    "block_read"));
		ix->block_metadata = json_is_true(json_object_get(rec,
		    "block_metadata"));
		ix->follower = json_is_true(json_object_get(rec, "follower"));
		ix->tasks = json_is_true(json_object_get(rec, "tasks"));
		free(ix->remote);
		free(ix->leader_index);
		ix->remote = ix->leader_index = NULL;
		ix->leader_uuid[0] = '\0';
		if (ix->follower) {
			s = json_string_value(json_object_get(rec, "remote"));
			ix->remote = xstrdup(s == NULL ? "" : s);
			s = json_string_value(json_object_get(rec,
			    "leader_index"));
			ix->leader_index = xstrdup(s == NULL ? "" : s);
			s = json_string_value(json_object_get(rec,
			    "leader_uuid"));
			snprintf(ix->leader_uuid, sizeof ix->leader_uuid, "%s",
			    s == NULL ? "" : s);
		}
		json_decref(ix->follow_params);
		v = json_object_get(rec, "follow_params");
		ix->follow_params = json_is_object(v) ? json_deep_copy(v) :
		    NULL;
		sim_set_history_uuids(ix, json_object_get(rec,
		    "history_uuids"));
		return (0);
	}
	if (strcmp(t, "op") == 0) {
		name = json_string_value(json_object_get(rec, "index"));
		sh = json_integer_value(json_object_get(rec, "shard"));
		s = json_string_value(json_object_get(rec, "id"));
		v = json_object_get(rec, "source");
		kind = json_string_value(json_object_get(rec, "op"));
		k = kind == NULL ? ES_OP_INDEX : strcmp(kind, "delete") == 0 ?
		    ES_OP_DELETE : ES_OP_NOOP;
		if (name == NULL || (ix = sim_index_find(c, name)) == NULL ||
		    uuid == NULL || strcmp(ix->uuid, uuid) != 0 || sh < 0 ||
		    sh >= ix->nshards || (k != ES_OP_NOOP && s == NULL) ||
		    (k == ES_OP_INDEX && v == NULL)) {
			xasprintf(cause, "operation for an unknown index");
			return (-1);
		}
		sim_shard_put(&ix->shards[sh], k,
		    json_integer_value(json_object_get(rec, "seq_no")),
		    json_integer_value(json_object_get(rec, "version")), s, v);
		ix->shards[sh].refreshed_seq_no = ix->shards[sh].max_seq_no;
		return (0);
	}
	xasprintf(cause, "unknown record type %s", t);
	return (-1);
}
