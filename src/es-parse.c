/*
 * Parsers for the Elasticsearch answers the daemon reads. Each takes a
 * parsed document (es.c parses the body once) and fills a plain struct;
 * none keeps a reference into the document. A field of the wrong type, a
 * name too long, or a missing required part is an error rather than a
 * guess: the poller then counts the answer as a failure.
 *
 * Response shapes follow the reference's sections: health (4), remote info
 * (6), CCR stats (13), follow info (14), shard stats (16), resolve cluster
 * and cross-cluster search (24), the error envelope (2.1), and the answers
 * of the action calls: acknowledgements, close (11), follow (7), the
 * following_index setting (12.3), auto-follow patterns (15), counts (17).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es-parse.h"
#include "seqno.h"
#include "xmalloc.h"

/* Order index stats by name, for lookups. */
static int
ep_index_stats_cmp(const void *a, const void *b)
{
	const struct es_index_stats	*x = a, *y = b;

	return (strcmp(x->index, y->index));
}

/* Order follow info by follower name, for lookups. */
static int
ep_follow_info_cmp(const void *a, const void *b)
{
	const struct es_follow_info	*x = a, *y = b;

	return (strcmp(x->follower_index, y->follower_index));
}

/* Copy a JSON string into a fixed buffer; too long or not a string fails. */
static int
ep_string(const json_t *v, char *dst, size_t size, const char *what,
    char **cause)
{
	size_t	len;

	if (!json_is_string(v)) {
		xasprintf(cause, "%s is not a string", what);
		return (-1);
	}
	len = json_string_length(v);
	if (len >= size || memchr(json_string_value(v), '\0', len) != NULL) {
		xasprintf(cause, "%s is too long or holds a NUL", what);
		return (-1);
	}
	memcpy(dst, json_string_value(v), len + 1);
	return (0);
}

/*
 * A name-like string of an answer, copied: at most ES_NAME_MAX - 1 bytes,
 * no NUL inside; "" when absent and optional.
 */
static int
ep_name_dup(const json_t *v, bool optional, const char *what, char **dst,
    char **cause)
{
	char	buf[ES_NAME_MAX];

	if (v == NULL && optional) {
		*dst = xstrdup("");
		return (0);
	}
	if (ep_string(v, buf, sizeof buf, what, cause) != 0)
		return (-1);
	*dst = xstrdup(buf);
	return (0);
}

/* Copy a string for display, truncating quietly: used for reasons. */
static void
ep_text(const json_t *v, char *dst, size_t size)
{
	if (json_is_string(v))
		snprintf(dst, size, "%s", json_string_value(v));
	else
		dst[0] = '\0';
}

/* Read an integer member; absent is an error only when required. */
static int
ep_int(const json_t *obj, const char *key, bool required, int64_t *out,
    char **cause)
{
	const json_t	*v;

	v = json_object_get(obj, key);
	if (v == NULL) {
		if (!required)
			return (0);
		xasprintf(cause, "%s is missing", key);
		return (-1);
	}
	if (!json_is_integer(v)) {
		xasprintf(cause, "%s is not an integer", key);
		return (-1);
	}
	*out = json_integer_value(v);
	return (0);
}

/* Read a non-negative integer member, for counters. */
static int
ep_count(const json_t *obj, const char *key, bool required, uint64_t *out,
    char **cause)
{
	int64_t	v = 0;

	if (ep_int(obj, key, required, &v, cause) != 0)
		return (-1);
	if (v < 0) {
		xasprintf(cause, "%s is negative", key);
		return (-1);
	}
	if (json_object_get(obj, key) != NULL)
		*out = (uint64_t)v;
	return (0);
}

/* Read an optional boolean member. */
static int
ep_bool(const json_t *obj, const char *key, bool *out, char **cause)
{
	const json_t	*v;

	if ((v = json_object_get(obj, key)) == NULL)
		return (0);
	if (!json_is_boolean(v)) {
		xasprintf(cause, "%s is not a boolean", key);
		return (-1);
	}
	*out = json_is_true(v);
	return (0);
}

/* Fail unless the document is an object. */
static int
ep_object(const json_t *v, const char *what, char **cause)
{
	if (!json_is_object(v)) {
		xasprintf(cause, "%s is not an object", what);
		return (-1);
	}
	return (0);
}

/* The error envelope; an old-style string "error" becomes the reason. */
int
es_parse_error(const json_t *root, struct es_error *e, char **cause)
{
	const json_t	*err;
	int64_t		 status = 0;

	memset(e, 0, sizeof *e);
	if (ep_object(root, "response", cause) != 0)
		return (-1);
	if (ep_int(root, "status", false, &status, cause) != 0)
		return (-1);
	e->status = status > 0 && status < 1000 ? (int)status : 0;
	err = json_object_get(root, "error");
	if (json_is_string(err)) {
		snprintf(e->type, sizeof e->type, "error");
		ep_text(err, e->reason, sizeof e->reason);
		return (0);
	}
	if (!json_is_object(err)) {
		xasprintf(cause, "no error object");
		return (-1);
	}
	if (!json_is_string(json_object_get(err, "type"))) {
		xasprintf(cause, "error.type is not a string");
		return (-1);
	}
	ep_text(json_object_get(err, "type"), e->type, sizeof e->type);
	ep_text(json_object_get(err, "reason"), e->reason, sizeof e->reason);
	/* An unfollow that converted the index but kept the leader's leases. */
	e->leases_failed = json_object_get(err,
	    "failed_to_remove_retention_leases") != NULL;
	return (0);
}

/* GET /_cluster/health (a 408 wait timeout has the same shape). */
int
es_parse_health(const json_t *root, struct es_health *h, char **cause)
{
	const json_t	*v;
	const char	*s;
	int64_t		 nodes = 0;

	memset(h, 0, sizeof *h);
	if (ep_object(root, "health", cause) != 0)
		return (-1);
	v = json_object_get(root, "status");
	if (!json_is_string(v)) {
		xasprintf(cause, "status is missing or not a string");
		return (-1);
	}
	s = json_string_value(v);
	if (strcmp(s, "green") == 0)
		h->status = OBS_HEALTH_GREEN;
	else if (strcmp(s, "yellow") == 0)
		h->status = OBS_HEALTH_YELLOW;
	else if (strcmp(s, "red") == 0)
		h->status = OBS_HEALTH_RED;
	else {
		xasprintf(cause, "unknown health status");
		return (-1);
	}
	if ((v = json_object_get(root, "cluster_name")) != NULL &&
	    ep_string(v, h->cluster_name, sizeof h->cluster_name,
	    "cluster_name", cause) != 0)
		return (-1);
	if (ep_bool(root, "timed_out", &h->timed_out, cause) != 0)
		return (-1);
	if (ep_int(root, "number_of_nodes", false, &nodes, cause) != 0)
		return (-1);
	h->number_of_nodes = nodes > 0 && nodes < 1000000 ? (int)nodes : 0;
	return (0);
}

/* GET /: version.number as major and minor. */
int
es_parse_version(const json_t *root, int *major, int *minor, char **cause)
{
	const json_t	*v;

	if (ep_object(root, "root", cause) != 0)
		return (-1);
	v = json_object_get(json_object_get(root, "version"), "number");
	if (!json_is_string(v) ||
	    sscanf(json_string_value(v), "%d.%d", major, minor) != 2 ||
	    *major < 0 || *minor < 0) {
		xasprintf(cause, "version.number is missing or malformed");
		return (-1);
	}
	return (0);
}

/*
 * The entry for alias in an answer keyed by remote alias (_remote/info,
 * _resolve/cluster), and its connected flag; *entry is NULL when the alias
 * is absent.
 */
static int
ep_alias_entry(const json_t *root, const char *alias, const char *what,
    const json_t **entry, bool *connected, char **cause)
{
	const json_t	*v;

	*entry = NULL;
	if (ep_object(root, what, cause) != 0)
		return (-1);
	if ((v = json_object_get(root, alias)) == NULL)
		return (0);
	if (ep_object(v, "alias entry", cause) != 0)
		return (-1);
	*entry = v;
	v = json_object_get(*entry, "connected");
	if (!json_is_boolean(v)) {
		*entry = NULL;
		xasprintf(cause, "connected is missing or not a boolean");
		return (-1);
	}
	*connected = json_is_true(v);
	return (0);
}

/* GET /_remote/info, for one alias. */
int
es_parse_remote_info(const json_t *root, const char *alias,
    struct es_remote *r, char **cause)
{
	const json_t	*a, *v;

	memset(r, 0, sizeof *r);
	if (ep_alias_entry(root, alias, "remote info", &a, &r->connected,
	    cause) != 0)
		return (-1);
	if (a == NULL)
		return (0);
	r->found = true;
	if ((v = json_object_get(a, "mode")) != NULL &&
	    ep_string(v, r->mode, sizeof r->mode, "mode", cause) != 0)
		return (-1);
	return (0);
}

/* "type: reason" of an exception object, with its innermost cause. */
static void
ep_exception(const json_t *ex, char *dst, size_t size)
{
	const json_t	*inner = ex, *next;
	char		 type[64], reason[160], itype[64], ireason[160];

	ep_text(json_object_get(ex, "type"), type, sizeof type);
	ep_text(json_object_get(ex, "reason"), reason, sizeof reason);
	while ((next = json_object_get(inner, "caused_by")) != NULL &&
	    json_is_object(next))
		inner = next;
	if (inner == ex) {
		snprintf(dst, size, "%s: %s", type, reason);
		return;
	}
	ep_text(json_object_get(inner, "type"), itype, sizeof itype);
	ep_text(json_object_get(inner, "reason"), ireason, sizeof ireason);
	snprintf(dst, size, "%s: %s (caused by %s: %s)", type, reason, itype,
	    ireason);
}

/*
 * The shapes of a _ccr/stats answer: every shard's numbers (detail), only
 * its read counters (reads: the checkpoints need not be there, and are
 * left 0), or each index's total lag and fatal exceptions (summary).
 */
enum ep_stats_shape {
	EP_STATS_DETAIL,
	EP_STATS_READS,
	EP_STATS_SUMMARY
};

/* One shard object of _ccr/stats. */
static int
ep_shard_stats(const json_t *o, struct es_shard_stats *s,
    enum ep_stats_shape shape, char **cause)
{
	bool	checkpoints = shape == EP_STATS_DETAIL;

	const json_t	*v;
	int64_t		 id = 0;

	memset(s, 0, sizeof *s);
	s->leader_max_seq_no = s->follower_max_seq_no = -1;
	s->since_last_read_ms = UINT64_MAX;
	if (ep_object(o, "shard", cause) != 0)
		return (-1);
	if (ep_int(o, "shard_id", true, &id, cause) != 0)
		return (-1);
	if (id < 0 || id > 100000) {
		xasprintf(cause, "shard_id out of range");
		return (-1);
	}
	s->shard_id = (int)id;
	if (ep_int(o, "leader_global_checkpoint", checkpoints,
	    &s->leader_global_checkpoint, cause) != 0 ||
	    ep_int(o, "follower_global_checkpoint", checkpoints,
	    &s->follower_global_checkpoint, cause) != 0 ||
	    ep_int(o, "leader_max_seq_no", false, &s->leader_max_seq_no,
	    cause) != 0 ||
	    ep_int(o, "follower_max_seq_no", false, &s->follower_max_seq_no,
	    cause) != 0 ||
	    ep_count(o, "failed_read_requests", false,
	    &s->failed_read_requests, cause) != 0 ||
	    ep_count(o, "successful_read_requests", false,
	    &s->successful_read_requests, cause) != 0 ||
	    ep_count(o, "operations_read", false, &s->operations_read,
	    cause) != 0 ||
	    ep_count(o, "time_since_last_read_millis", false,
	    &s->since_last_read_ms, cause) != 0)
		return (-1);
	if ((v = json_object_get(o, "read_exceptions")) != NULL) {
		if (!json_is_array(v)) {
			xasprintf(cause, "read_exceptions is not an array");
			return (-1);
		}
		s->read_exceptions = json_array_size(v);
	}
	if ((v = json_object_get(o, "fatal_exception")) != NULL) {
		if (ep_object(v, "fatal_exception", cause) != 0)
			return (-1);
		s->fatal = true;
		ep_exception(v, s->fatal_reason, sizeof s->fatal_reason);
	}
	return (0);
}

/* Note the first stopped shard of an index. */
static void
ep_index_fatal(struct es_index_stats *is, const json_t *shard,
    const char *reason)
{
	const json_t	*id;

	if (is->fatal)
		return;
	is->fatal = true;
	id = json_object_get(shard, "shard_id");
	if (json_is_integer(id))
		xasprintf(&is->fatal_reason, "shard %d: %.240s",
		    (int)json_integer_value(id), reason);
	else
		xasprintf(&is->fatal_reason, "%.250s", reason);
}

/*
 * One index object of _ccr/stats: with every shard's numbers (detail), or
 * as a summary of total_global_checkpoint_lag and fatal exceptions.
 */
static int
ep_index_stats(const json_t *o, struct es_index_stats *is,
    enum ep_stats_shape shape, char **cause)
{
	bool		 detail = shape != EP_STATS_SUMMARY;
	const json_t	*shards, *v, *fe;
	char		 reason[224];
	size_t		 i;

	is->total_lag = -1;
	if (ep_object(o, "index entry", cause) != 0)
		return (-1);
	if (ep_name_dup(json_object_get(o, "index"), false, "index",
	    &is->index, cause) != 0)
		return (-1);
	if (ep_int(o, "total_global_checkpoint_lag", !detail, &is->total_lag,
	    cause) != 0)
		return (-1);
	shards = json_object_get(o, "shards");
	if (shards == NULL)
		return (0);
	if (!json_is_array(shards)) {
		xasprintf(cause, "shards is not an array");
		return (-1);
	}
	if (detail)
		is->shards = xcalloc(json_array_size(shards) + 1,
		    sizeof *is->shards);
	json_array_foreach(shards, i, v) {
		if (detail) {
			if (ep_shard_stats(v, &is->shards[i], shape,
			    cause) != 0)
				return (-1);
			is->nshards++;
			if (is->shards[i].fatal)
				ep_index_fatal(is, v,
				    is->shards[i].fatal_reason);
			continue;
		}
		if (ep_object(v, "shard", cause) != 0)
			return (-1);
		if ((fe = json_object_get(v, "fatal_exception")) == NULL)
			continue;
		if (ep_object(fe, "fatal_exception", cause) != 0)
			return (-1);
		ep_exception(fe, reason, sizeof reason);
		ep_index_fatal(is, v, reason);
	}
	return (0);
}

/* Both shapes of CCR stats, in detail or as a summary. */
static int
ep_ccr_stats(const json_t *root, struct es_ccr_stats *st,
    enum ep_stats_shape shape, char **cause)
{
	const json_t	*list, *fs, *v;
	size_t		 i;

	memset(st, 0, sizeof *st);
	if (ep_object(root, "ccr stats", cause) != 0)
		return (-1);
	if ((fs = json_object_get(root, "follow_stats")) != NULL) {
		if (ep_object(fs, "follow_stats", cause) != 0)
			return (-1);
		list = json_object_get(fs, "indices");
	} else
		list = json_object_get(root, "indices");
	if (list == NULL)
		return (0);
	if (!json_is_array(list)) {
		xasprintf(cause, "indices is not an array");
		return (-1);
	}
	st->indices = xcalloc(json_array_size(list) + 1, sizeof *st->indices);
	json_array_foreach(list, i, v) {
		st->nindices++;
		if (ep_index_stats(v, &st->indices[i], shape, cause) != 0) {
			es_ccr_stats_clear(st);
			return (-1);
		}
	}
	qsort(st->indices, st->nindices, sizeof *st->indices,
	    ep_index_stats_cmp);
	return (0);
}

/*
 * GET /<index>/_ccr/stats ({"indices": [...]}) or GET /_ccr/stats
 * ({"follow_stats": {"indices": [...]}}) with every shard's numbers;
 * filter_path may leave {}.
 */
int
es_parse_ccr_stats(const json_t *root, struct es_ccr_stats *st, char **cause)
{
	return (ep_ccr_stats(root, st, EP_STATS_DETAIL, cause));
}

/*
 * The same answers trimmed to each index's total_global_checkpoint_lag
 * (required) and its shards' fatal exceptions: the cheap poll of many
 * indices. No shards are kept.
 */
int
es_parse_ccr_summary(const json_t *root, struct es_ccr_stats *st,
    char **cause)
{
	return (ep_ccr_stats(root, st, EP_STATS_SUMMARY, cause));
}

/*
 * The same answers trimmed to each shard's read counters, for the
 * poller's sample of replication at work: the checkpoints may be absent.
 */
int
es_parse_ccr_reads(const json_t *root, struct es_ccr_stats *st,
    char **cause)
{
	return (ep_ccr_stats(root, st, EP_STATS_READS, cause));
}

/* Free what es_parse_ccr_stats allocated. */
void
es_ccr_stats_clear(struct es_ccr_stats *st)
{
	size_t	i;

	for (i = 0; i < st->nindices; i++) {
		free(st->indices[i].index);
		free(st->indices[i].fatal_reason);
		free(st->indices[i].shards);
	}
	free(st->indices);
	memset(st, 0, sizeof *st);
}

/* The stats of one follower index, or NULL. */
const struct es_index_stats *
es_ccr_stats_find(const struct es_ccr_stats *st, const char *index)
{
	struct es_index_stats	key;

	if (st->nindices == 0)
		return (NULL);
	key.index = (char *)index;
	return (bsearch(&key, st->indices, st->nindices, sizeof key,
	    ep_index_stats_cmp));
}

/*
 * Operations the follower lacks: the sum of per-shard checkpoint gaps, or
 * for a summary Elasticsearch's own total of them (-1 when absent).
 */
int64_t
es_index_stats_lag(const struct es_index_stats *is)
{
	int64_t	lag = 0;
	size_t	i;

	if (is->nshards == 0)
		return (is->total_lag);

	for (i = 0; i < is->nshards; i++)
		lag = seq_add(lag, seq_gap(is->shards[i].leader_global_checkpoint,
		    is->shards[i].follower_global_checkpoint));
	return (lag);
}

static void
ep_follow_info_free(struct es_follow_info *fi)
{
	free(fi->follower_index);
	free(fi->remote_cluster);
	free(fi->leader_index);
}

/*
 * GET /<index>/_ccr/info. The names are copied one by one, each in the
 * room it needs: the answer for 1,000 followers is read at every poll
 * that asks for it.
 */
int
es_parse_ccr_info(const json_t *root, struct es_ccr_info *ci, char **cause)
{
	const json_t		*list, *v, *f;
	struct es_follow_info	*fi;
	const char		*status;
	size_t			 i;

	memset(ci, 0, sizeof *ci);
	if (ep_object(root, "ccr info", cause) != 0)
		return (-1);
	if ((list = json_object_get(root, "follower_indices")) == NULL)
		return (0);
	if (!json_is_array(list)) {
		xasprintf(cause, "follower_indices is not an array");
		return (-1);
	}
	ci->indices = xcalloc(json_array_size(list) + 1, sizeof *ci->indices);
	json_array_foreach(list, i, v) {
		fi = &ci->indices[i];
		if (ep_object(v, "follower entry", cause) != 0 ||
		    ep_name_dup(json_object_get(v, "follower_index"), false,
		    "follower_index", &fi->follower_index, cause) != 0 ||
		    ep_name_dup(json_object_get(v, "remote_cluster"), true,
		    "remote_cluster", &fi->remote_cluster, cause) != 0 ||
		    ep_name_dup(json_object_get(v, "leader_index"), true,
		    "leader_index", &fi->leader_index, cause) != 0)
			goto fail;
		f = json_object_get(v, "status");
		status = json_is_string(f) ? json_string_value(f) : "";
		if (strcmp(status, "active") == 0)
			fi->active = true;
		else if (strcmp(status, "paused") != 0) {
			xasprintf(cause, "status is not active or paused");
			goto fail;
		}
		ci->nindices++;
	}
	qsort(ci->indices, ci->nindices, sizeof *ci->indices,
	    ep_follow_info_cmp);
	return (0);

fail:
	/* The entry cut short holds what it copied before the error. */
	ep_follow_info_free(&ci->indices[ci->nindices]);
	es_ccr_info_clear(ci);
	return (-1);
}

/* Free what es_parse_ccr_info allocated. */
void
es_ccr_info_clear(struct es_ccr_info *ci)
{
	size_t	i;

	for (i = 0; i < ci->nindices; i++)
		ep_follow_info_free(&ci->indices[i]);
	free(ci->indices);
	memset(ci, 0, sizeof *ci);
}

/* The follow info of one follower index, or NULL. */
const struct es_follow_info *
es_ccr_info_find(const struct es_ccr_info *ci, const char *index)
{
	struct es_follow_info	key;

	if (ci->nindices == 0)
		return (NULL);
	key.follower_index = (char *)index;
	return (bsearch(&key, ci->indices, ci->nindices, sizeof key,
	    ep_follow_info_cmp));
}

/* Order shards by number. */
static int
ep_shard_seq_cmp(const void *a, const void *b)
{
	const struct es_shard_seq	*x = a, *y = b;

	return ((x->shard_id > y->shard_id) - (x->shard_id < y->shard_id));
}

/* The primary copy in one shard's array of copies; NULL when none. */
static int
ep_primary(const json_t *copies, const char *num, struct es_shard_seq *s,
    bool *found, char **cause)
{
	const json_t	*c, *routing, *seq;
	char		*end;
	long		 id;
	bool		 primary;
	size_t		 i;

	*found = false;
	if (!json_is_array(copies)) {
		xasprintf(cause, "shard %s is not an array", num);
		return (-1);
	}
	id = strtol(num, &end, 10);
	if (*num == '\0' || *end != '\0' || id < 0 || id > 100000) {
		xasprintf(cause, "bad shard number");
		return (-1);
	}
	json_array_foreach(copies, i, c) {
		if (ep_object(c, "shard copy", cause) != 0)
			return (-1);
		routing = json_object_get(c, "routing");
		if (ep_object(routing, "routing", cause) != 0)
			return (-1);
		primary = false;
		if (ep_bool(routing, "primary", &primary, cause) != 0)
			return (-1);
		if (!primary)
			continue;
		seq = json_object_get(c, "seq_no");
		if (ep_object(seq, "seq_no", cause) != 0)
			return (-1);
		s->shard_id = (int)id;
		s->global_checkpoint = -1;
		if (ep_int(seq, "max_seq_no", true, &s->max_seq_no,
		    cause) != 0 || ep_int(seq, "global_checkpoint", false,
		    &s->global_checkpoint, cause) != 0)
			return (-1);
		*found = true;
		return (0);
	}
	return (0);
}

/* GET /<index>/_stats?level=shards: primaries' sequence numbers. */
int
es_parse_shard_seqs(const json_t *root, struct es_shard_seqs *ss,
    char **cause)
{
	const json_t		*indices, *idx, *shards, *copies;
	struct es_index_seq	*is;
	const char		*name, *num;
	bool			 found;

	memset(ss, 0, sizeof *ss);
	if (ep_object(root, "stats", cause) != 0)
		return (-1);
	if ((indices = json_object_get(root, "indices")) == NULL)
		return (0);
	if (ep_object(indices, "indices", cause) != 0)
		return (-1);
	ss->indices = xcalloc(json_object_size(indices) + 1,
	    sizeof *ss->indices);
	json_object_foreach((json_t *)indices, name, idx) {
		is = &ss->indices[ss->nindices++];
		if (strlen(name) >= sizeof is->index) {
			xasprintf(cause, "index name too long");
			goto fail;
		}
		memcpy(is->index, name, strlen(name) + 1);
		if (ep_object(idx, "index stats", cause) != 0)
			goto fail;
		if (json_object_get(idx, "uuid") != NULL &&
		    ep_string(json_object_get(idx, "uuid"), is->uuid,
		    sizeof is->uuid, "uuid", cause) != 0)
			goto fail;
		shards = json_object_get(idx, "shards");
		if (shards == NULL) {
			xasprintf(cause, "no shards for %s (level=shards?)",
			    is->index);
			goto fail;
		}
		if (ep_object(shards, "shards", cause) != 0)
			goto fail;
		is->shards = xcalloc(json_object_size(shards) + 1,
		    sizeof *is->shards);
		json_object_foreach((json_t *)shards, num, copies) {
			if (ep_primary(copies, num, &is->shards[is->nshards],
			    &found, cause) != 0)
				goto fail;
			if (found)
				is->nshards++;
		}
		qsort(is->shards, is->nshards, sizeof *is->shards,
		    ep_shard_seq_cmp);
	}
	return (0);

fail:
	es_shard_seqs_clear(ss);
	return (-1);
}

/* Free what es_parse_shard_seqs allocated. */
void
es_shard_seqs_clear(struct es_shard_seqs *ss)
{
	size_t	i;

	for (i = 0; i < ss->nindices; i++)
		free(ss->indices[i].shards);
	free(ss->indices);
	memset(ss, 0, sizeof *ss);
}

/* The primaries of one index, or NULL. */
const struct es_index_seq *
es_shard_seqs_find(const struct es_shard_seqs *ss, const char *index)
{
	size_t	i;

	for (i = 0; i < ss->nindices; i++) {
		if (strcmp(ss->indices[i].index, index) == 0)
			return (&ss->indices[i]);
	}
	return (NULL);
}

/* GET /_resolve/cluster[/<alias>:<expr>], for one alias. */
int
es_parse_resolve_cluster(const json_t *root, const char *alias,
    struct es_resolved *r, char **cause)
{
	const json_t	*a, *v;

	memset(r, 0, sizeof *r);
	if (ep_alias_entry(root, alias, "resolve cluster", &a, &r->connected,
	    cause) != 0)
		return (-1);
	if (a == NULL)
		return (0);
	r->found = true;
	if (ep_bool(a, "matching_indices", &r->matching_indices, cause) != 0)
		return (-1);
	if ((v = json_object_get(a, "error")) != NULL) {
		if (json_is_string(v))
			ep_text(v, r->error, sizeof r->error);
		else if (json_is_object(v))
			ep_exception(v, r->error, sizeof r->error);
		else {
			xasprintf(cause, "error is neither string nor object");
			return (-1);
		}
	}
	return (0);
}

/*
 * A cross-cluster search's _clusters section: did the named remote
 * answer? A skipped or failed remote did not.
 */
int
es_parse_search_clusters(const json_t *root, const char *alias, bool *ok,
    char **cause)
{
	const json_t	*c, *d;
	uint64_t	 successful = 0, skipped = 0, failed = 0;
	const char	*status;

	*ok = false;
	if (ep_object(root, "search", cause) != 0)
		return (-1);
	c = json_object_get(root, "_clusters");
	if (ep_object(c, "_clusters", cause) != 0)
		return (-1);
	d = json_object_get(json_object_get(c, "details"), alias);
	if (d != NULL) {
		if (!json_is_string(json_object_get(d, "status"))) {
			xasprintf(cause, "details status is not a string");
			return (-1);
		}
		status = json_string_value(json_object_get(d, "status"));
		*ok = strcmp(status, "successful") == 0 ||
		    strcmp(status, "partial") == 0;
		return (0);
	}
	if (ep_count(c, "successful", true, &successful, cause) != 0 ||
	    ep_count(c, "skipped", false, &skipped, cause) != 0 ||
	    ep_count(c, "failed", false, &failed, cause) != 0)
		return (-1);
	*ok = successful > 0 && skipped == 0 && failed == 0;
	return (0);
}

/* GET /_ccr/auto_follow: each pattern's name, remote and state. */
int
es_parse_auto_follow(const json_t *root, struct es_auto_follows *af,
    char **cause)
{
	const json_t		*list, *v, *pat;
	struct es_auto_follow	*p;
	size_t			 i;

	memset(af, 0, sizeof *af);
	if (ep_object(root, "auto-follow patterns", cause) != 0)
		return (-1);
	if ((list = json_object_get(root, "patterns")) == NULL)
		return (0);
	if (!json_is_array(list)) {
		xasprintf(cause, "patterns is not an array");
		return (-1);
	}
	af->patterns = xcalloc(json_array_size(list) + 1,
	    sizeof *af->patterns);
	json_array_foreach(list, i, v) {
		p = &af->patterns[i];
		if (ep_object(v, "pattern entry", cause) != 0 ||
		    ep_string(json_object_get(v, "name"), p->name,
		    sizeof p->name, "name", cause) != 0)
			goto fail;
		pat = json_object_get(v, "pattern");
		if (ep_object(pat, "pattern", cause) != 0 ||
		    ep_string(json_object_get(pat, "remote_cluster"),
		    p->remote_cluster, sizeof p->remote_cluster,
		    "remote_cluster", cause) != 0)
			goto fail;
		p->active = true;
		if (ep_bool(pat, "active", &p->active, cause) != 0)
			goto fail;
		af->npatterns++;
	}
	return (0);

fail:
	es_auto_follows_clear(af);
	return (-1);
}

/* Free what es_parse_auto_follow allocated. */
void
es_auto_follows_clear(struct es_auto_follows *af)
{
	free(af->patterns);
	memset(af, 0, sizeof *af);
}

/* {"acknowledged": bool, ...}: the answer of most mutating calls. */
int
es_parse_acknowledged(const json_t *root, bool *ack, char **cause)
{
	const json_t	*v;

	*ack = false;
	if (ep_object(root, "answer", cause) != 0)
		return (-1);
	v = json_object_get(root, "acknowledged");
	if (!json_is_boolean(v)) {
		xasprintf(cause, "acknowledged is missing or not a boolean");
		return (-1);
	}
	*ack = json_is_true(v);
	return (0);
}

/*
 * POST /<list>/_close: whether index is closed now. An index missing from
 * "indices" was already closed (Elasticsearch skips it), so it counts too.
 */
int
es_parse_closed(const json_t *root, const char *index, bool *closed,
    char **cause)
{
	const json_t	*indices, *entry;

	*closed = false;
	if (ep_object(root, "close answer", cause) != 0)
		return (-1);
	if ((indices = json_object_get(root, "indices")) == NULL) {
		*closed = true;
		return (0);
	}
	if (ep_object(indices, "indices", cause) != 0)
		return (-1);
	if ((entry = json_object_get(indices, index)) == NULL) {
		*closed = true;
		return (0);
	}
	if (ep_object(entry, "close entry", cause) != 0 ||
	    ep_bool(entry, "closed", closed, cause) != 0)
		return (-1);
	return (0);
}

/*
 * GET /<index>/_settings/index.xpack.ccr.following_index: whether index is
 * still a follower (the setting is removed by unfollow). Settings are
 * strings; flat or nested form.
 */
int
es_parse_following(const json_t *root, const char *index, bool *following,
    char **cause)
{
	const json_t	*settings, *v;

	*following = false;
	if (ep_object(root, "settings answer", cause) != 0)
		return (-1);
	settings = json_object_get(json_object_get(root, index), "settings");
	if (ep_object(settings, "settings", cause) != 0)
		return (-1);
	v = json_object_get(settings, "index.xpack.ccr.following_index");
	if (v == NULL)
		v = json_object_get(json_object_get(json_object_get(
		    json_object_get(settings, "index"), "xpack"), "ccr"),
		    "following_index");
	if (v == NULL)
		return (0);
	if (json_is_boolean(v))
		*following = json_is_true(v);
	else if (json_is_string(v))
		*following = strcmp(json_string_value(v), "true") == 0;
	else {
		xasprintf(cause, "following_index is neither string nor "
		    "boolean");
		return (-1);
	}
	return (0);
}

/*
 * GET /<names>/_settings/...?ignore_unavailable=true: whether index is
 * among the indices the answer names (a missing one is left out).
 */
int
es_parse_index_present(const json_t *root, const char *index, bool *present,
    char **cause)
{
	*present = false;
	if (ep_object(root, "settings answer", cause) != 0)
		return (-1);
	*present = json_object_get(root, index) != NULL;
	return (0);
}

/* PUT /<follower>/_ccr/follow. */
int
es_parse_follow_result(const json_t *root, struct es_follow_result *fr,
    char **cause)
{
	memset(fr, 0, sizeof *fr);
	if (ep_object(root, "follow answer", cause) != 0)
		return (-1);
	if (!json_is_boolean(json_object_get(root, "follow_index_created"))) {
		xasprintf(cause, "follow_index_created is missing");
		return (-1);
	}
	if (ep_bool(root, "follow_index_created", &fr->follow_index_created,
	    cause) != 0 || ep_bool(root, "follow_index_shards_acked",
	    &fr->follow_index_shards_acked, cause) != 0 ||
	    ep_bool(root, "index_following_started",
	    &fr->index_following_started, cause) != 0)
		return (-1);
	return (0);
}

/* GET /<index>/_count. */
int
es_parse_count(const json_t *root, uint64_t *count, char **cause)
{
	*count = 0;
	if (ep_object(root, "count answer", cause) != 0)
		return (-1);
	return (ep_count(root, "count", true, count, cause));
}

/*
 * Safety: who answers, whether it refuses us, and what our credentials may
 * do. These read the answers the daemon uses to tell a dead cluster from a
 * live one that says no, and one cluster from another behind the same url.
 */

/*
 * GET /'s cluster_uuid. A cluster that has not recovered its state yet
 * answers "_na_": that names no cluster, so uuid is left empty.
 */
int
es_parse_cluster_uuid(const json_t *root, char *uuid, size_t size,
    char **cause)
{
	uuid[0] = '\0';
	if (ep_object(root, "root", cause) != 0)
		return (-1);
	if (ep_string(json_object_get(root, "cluster_uuid"), uuid, size,
	    "cluster_uuid", cause) != 0)
		return (-1);
	if (strcmp(uuid, "_na_") == 0)
		uuid[0] = '\0';
	return (0);
}

/*
 * Whether an answer is Elasticsearch refusing the daemon's credentials
 * (401) or one of their privileges (403), and in words which: the action
 * name from "action [<name>] is unauthorized ..." when it says one.
 */
enum obs_denial
es_denial(long status, const char *reason, char *detail, size_t size)
{
	const char	*a, *end;

	if (status == 401) {
		snprintf(detail, size, "credentials rejected");
		return (OBS_DENIAL_CREDENTIALS);
	}
	if (status != 403) {
		if (size > 0)
			detail[0] = '\0';
		return (OBS_DENIAL_NONE);
	}
	if (reason != NULL && (a = strstr(reason, "action [")) != NULL &&
	    (end = strchr(a + 8, ']')) != NULL)
		snprintf(detail, size, "privilege missing: %.*s",
		    (int)(end - a - 8), a + 8);
	else
		snprintf(detail, size, "privilege missing: %s",
		    reason != NULL && *reason != '\0' ? reason : "forbidden");
	return (OBS_DENIAL_PRIVILEGE);
}

/*
 * Whether _resolve/cluster says the follower could not reach the remote:
 * not connected with no error (refused, reset) or with the timeout error.
 * Not connected with any other error (a security exception, raised by the
 * remote or by the follower itself) says nothing about the link.
 */
bool
es_resolved_unreachable(const struct es_resolved *r)
{
	if (!r->found || r->connected)
		return (false);
	return (r->error[0] == '\0' || strstr(r->error,
	    "Request timed out before receiving a response") != NULL);
}

/*
 * POST /_security/user/_has_privileges: every privilege asked about and
 * whether it is granted, an entry per index (the cluster's with an empty
 * index) whose privileges are bits of the answer's table of names.
 */
static int
es_privilege_bit(const struct es_privileges *pv, const char *priv)
{
	size_t	i;

	for (i = 0; i < pv->nnames; i++) {
		if (strcmp(pv->names[i], priv) == 0)
			return ((int)i);
	}
	return (-1);
}

static struct es_privilege *
es_privilege_entry(struct es_privileges *pv, const char *index)
{
	struct es_privilege	*p;

	if (pv->n == pv->cap) {
		pv->cap = pv->cap == 0 ? 16 : pv->cap * 2;
		pv->list = xreallocarray(pv->list, pv->cap, sizeof *pv->list);
	}
	p = &pv->list[pv->n++];
	p->index = xstrdup(index);
	p->asked = p->granted = 0;
	return (p);
}

/* One index's (or the cluster's) privileges; -1 when malformed. */
static int
es_privilege_add(struct es_privileges *pv, const char *index,
    const json_t *privs, char **cause)
{
	struct es_privilege	*p;
	const json_t		*v;
	const char		*priv;
	int			 bit;

	p = es_privilege_entry(pv, index);
	json_object_foreach((json_t *)privs, priv, v) {
		if (!json_is_boolean(v)) {
			xasprintf(cause, "privilege %.64s is not a boolean",
			    priv);
			return (-1);
		}
		if ((bit = es_privilege_bit(pv, priv)) < 0) {
			if (pv->nnames == ES_PRIVILEGE_NAMES ||
			    strlen(priv) >= ES_PRIVILEGE_MAX) {
				xasprintf(cause, "too many or too long "
				    "privilege names");
				return (-1);
			}
			snprintf(pv->names[pv->nnames], sizeof pv->names[0],
			    "%s", priv);
			bit = (int)pv->nnames++;
		}
		p->asked |= 1U << bit;
		if (json_is_true(v))
			p->granted |= 1U << bit;
	}
	return (0);
}

static int
es_privilege_cmp(const void *a, const void *b)
{
	const struct es_privilege	*x = a, *y = b;

	return (strcmp(x->index, y->index));
}

int
es_parse_has_privileges(const json_t *root, struct es_privileges *pv,
    char **cause)
{
	const json_t	*cl, *ix, *privs, *v;
	const char	*name;

	memset(pv, 0, sizeof *pv);
	if (ep_object(root, "has_privileges answer", cause) != 0)
		return (-1);
	v = json_object_get(root, "has_all_requested");
	if (!json_is_boolean(v)) {
		xasprintf(cause, "has_all_requested is missing");
		return (-1);
	}
	pv->all = json_is_true(v);
	cl = json_object_get(root, "cluster");
	ix = json_object_get(root, "index");
	if ((cl != NULL && !json_is_object(cl)) ||
	    (ix != NULL && !json_is_object(ix))) {
		xasprintf(cause, "cluster or index is not an object");
		goto fail;
	}
	if (cl != NULL && es_privilege_add(pv, "", cl, cause) != 0)
		goto fail;
	json_object_foreach((json_t *)ix, name, privs) {
		/* "" is the cluster's entry, and no index's name. */
		if (!json_is_object(privs) || *name == '\0' ||
		    strlen(name) >= ES_NAME_MAX) {
			xasprintf(cause, "index privileges are malformed");
			goto fail;
		}
		if (es_privilege_add(pv, name, privs, cause) != 0)
			goto fail;
	}
	if (pv->n > 0)
		qsort(pv->list, pv->n, sizeof *pv->list, es_privilege_cmp);
	return (0);
fail:
	es_privileges_clear(pv);
	return (-1);
}

/* Whether privilege priv (on index, or cluster-wide with NULL) was granted. */
bool
es_privileges_granted(const struct es_privileges *pv, const char *index,
    const char *priv)
{
	struct es_privilege	 key, *p;
	int			 bit;

	if (pv->n == 0 || (bit = es_privilege_bit(pv, priv)) < 0)
		return (false);
	key.index = (char *)(index != NULL ? index : "");
	p = bsearch(&key, pv->list, pv->n, sizeof *pv->list,
	    es_privilege_cmp);
	return (p != NULL && (p->granted & (1U << bit)) != 0);
}

void
es_privileges_clear(struct es_privileges *pv)
{
	size_t	i;

	for (i = 0; i < pv->n; i++)
		free(pv->list[i].index);
	free(pv->list);
	memset(pv, 0, sizeof *pv);
}

/*
 * An index's primaries' document count in a _stats/docs answer; -1 when
 * the answer does not hold it.
 */
int64_t
es_docs_count(const json_t *root, const char *index)
{
	const json_t	*v;

	v = json_object_get(json_object_get(root, "indices"), index);
	v = json_object_get(json_object_get(json_object_get(v, "primaries"),
	    "docs"), "count");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return (-1);
	return (json_integer_value(v));
}

/* An index's uuid in a GET /_settings answer, or NULL. */
const char *
es_index_uuid(const json_t *root, const char *index)
{
	return (json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(root, index), "settings"),
	    "index"), "uuid")));
}

static int
es_index_uuid_cmp(const void *a, const void *b)
{
	const struct es_index_uuid	*x = a, *y = b;

	return (strcmp(x->index, y->index));
}

/*
 * Every index's uuid in a GET /_settings answer, without keeping the
 * answer: a readiness pass holds those of 1,000 indices until the next.
 * An index answered without a uuid is left out.
 */
int
es_parse_index_uuids(const json_t *root, struct es_index_uuids *u,
    char **cause)
{
	const json_t	*v;
	const char	*name, *uuid;

	memset(u, 0, sizeof *u);
	if (ep_object(root, "settings answer", cause) != 0)
		return (-1);
	u->list = xcalloc(json_object_size(root) + 1, sizeof *u->list);
	json_object_foreach((json_t *)root, name, v) {
		uuid = json_string_value(json_object_get(json_object_get(
		    json_object_get(v, "settings"), "index"), "uuid"));
		if (uuid == NULL)
			continue;
		u->list[u->n].index = xstrdup(name);
		u->list[u->n].uuid = xstrdup(uuid);
		u->n++;
	}
	qsort(u->list, u->n, sizeof *u->list, es_index_uuid_cmp);
	return (0);
}

/* The uuid of index in u, or NULL. */
const char *
es_index_uuids_find(const struct es_index_uuids *u, const char *index)
{
	struct es_index_uuid	 key, *p;

	if (u->n == 0)
		return (NULL);
	key.index = (char *)index;
	p = bsearch(&key, u->list, u->n, sizeof *u->list, es_index_uuid_cmp);
	return (p != NULL ? p->uuid : NULL);
}

void
es_index_uuids_clear(struct es_index_uuids *u)
{
	size_t	i;

	for (i = 0; i < u->n; i++) {
		free(u->list[i].index);
		free(u->list[i].uuid);
	}
	free(u->list);
	memset(u, 0, sizeof *u);
}

/*
 * An index's recovery (a follow's restore) from GET /<index>/_recovery:
 * done when it has shards and every one is at stage DONE; the bytes copied
 * and to copy, summed. An index without shards listed is not done.
 */
int
es_parse_recovery(const json_t *root, const char *index, bool *done,
    uint64_t *copied, uint64_t *total, char **cause)
{
	const json_t	*shards, *s, *size;
	const char	*stage;
	uint64_t	 c, t;
	size_t		 i;

	*done = false;
	*copied = *total = 0;
	if (ep_object(root, "recovery", cause) != 0)
		return (-1);
	shards = json_object_get(json_object_get(root, index), "shards");
	if (shards == NULL)
		return (0);
	if (!json_is_array(shards)) {
		xasprintf(cause, "shards is not an array");
		return (-1);
	}
	*done = json_array_size(shards) > 0;
	json_array_foreach((json_t *)shards, i, s) {
		stage = json_string_value(json_object_get(s, "stage"));
		if (stage == NULL || strcmp(stage, "DONE") != 0)
			*done = false;
		size = json_object_get(json_object_get(s, "index"), "size");
		c = t = 0;
		if (size != NULL && (ep_count(size, "recovered_in_bytes", false,
		    &c, cause) != 0 || ep_count(size, "total_in_bytes", false,
		    &t, cause) != 0))
			return (-1);
		*copied += c;
		*total += t;
	}
	return (0);
}
