/*
 * Unit tests for action.c against a small in-test fake of two Elasticsearch
 * clusters. The fake keeps each index in one of the follower lifecycle
 * states of the reference (section 20) and answers every call the engine
 * makes the way that table says, including the traps: a second pause_follow
 * answers 400, a paused follower has no _ccr/stats, an unfollow whose
 * leader is down converts the index yet answers 500. Errors (429, 503,
 * hangs, permanent 400s) are injected per cluster, index and call; a crash
 * is simulated by stopping the engine at the k-th mutating request and
 * resuming a new engine from the last record it reported. The pre_promote
 * veto runs real hook scripts.
 */
#include "autoconf.h"

#include <sys/queue.h>

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "action.h"
#include "config.h"
#include "es-parse.h"
#include "events.h"
#include "hook.h"
#include "log.h"
#include "testutil.h"
#include "xmalloc.h"

#define FAKE_INDICES_MAX	256
#define FAKE_SHARDS_MAX		3
#define FAKE_INJECT_MAX		16
#define FAKE_NAME_MAX		256
#define ALPHA			0	/* clusters[0]: the configured leader */
#define BETA			1

enum fstate {
	F_ACTIVE,
	F_PAUSED,
	F_CLOSED_ACTIVE,
	F_CLOSED_PAUSED,
	F_REGULAR_CLOSED,
	F_REGULAR_OPEN
};

static const char *const fstate_names[] = {
	"ACTIVE", "PAUSED", "CLOSED_ACTIVE", "CLOSED_PAUSED",
	"REGULAR_CLOSED", "REGULAR_OPEN"
};

struct fake_index {
	char		name[FAKE_NAME_MAX];
	bool		exists;
	enum fstate	state;
	bool		write_block;
	char		remote[64];		/* follower metadata */
	char		leader[FAKE_NAME_MAX];
	int		nshards;
	int64_t		max_seq[FAKE_SHARDS_MAX];
	int64_t		seen_leader_max[FAKE_SHARDS_MAX];
	int		lag;	/* checkpoints behind; one less per read */
	int		hole;	/* shard 0: operations missing below max */
	int		starting; /* health reads before its shards start */
	bool		stuck;	/* lag never shrinks */
	bool		unfollow_answered;	/* its unfollow reply arrived */
	int		generation;	/* indices of that name before it */
};

struct fake_pattern {
	char	name[64];
	char	remote[64];
	bool	active;
};

struct fake_cluster {
	char			name[64];
	bool			down;	/* requests are never answered */
	bool			lease_hang; /* unfollow converts, never answers */
	struct fake_index	idx[FAKE_INDICES_MAX];
	size_t			n;
	char			remotes[4][64];
	size_t			nremotes;
	char			settings[1024];	/* last settings body */
	struct fake_pattern	patterns[4];
	size_t			npatterns;
	bool			cut;	/* cannot reach the other cluster */
	int			clone_starting;	/* health reads of a new copy
						   before it starts */
	int			restoring;	/* _recovery reads of a new
						   follower before its restore
						   is over */
	bool			settings_refused; /* _cluster/settings
						   answers 400 */
	bool			recreate_on_delete; /* a client's write
						   creates the index again
						   at once, and the DELETE
						   answers 500 */
};

struct fake_inject {
	int	cluster;
	char	index[FAKE_NAME_MAX];
	char	op[32];
	int	status;		/* 0: hang */
	char	type[64];
	char	reason[128];
	int	count;		/* -1: forever */
};

struct fake_pending {
	struct fake			*f;
	struct event			*ev;
	int				 status;
	json_t				*root;
	es_done_cb			 done;
	void				*arg;
	struct fake_index		*unfollowed;	/* an unfollow's */
	TAILQ_ENTRY(fake_pending)	 entry;
};

struct fake {
	struct event_base		*base;
	struct fake_cluster		 c[2];
	struct fake_inject		 inj[FAKE_INJECT_MAX];
	size_t				 ninj;
	TAILQ_HEAD(, fake_pending)	 pending;
	int				 requests;
	int				 mutating;
	int				 closes;	/* _close requests */
	int				 opens;
	int				 lag_reads;
	int				 infos;		/* _ccr/info reads */
	/* _ccr/info reads of an index whose unfollow was answered */
	int				 infos_after_unfollow;
	int				 cancels;	/* requests abandoned */
	int				 stats_lists;	/* _ccr/stats of lists */
	int				 refuse;	/* sends to turn down */
	size_t				 max_line;
	int				 crash_at;	/* k-th mutation */
	const char			*crash_method;	/* or first of these */
	bool				 crash_apply;
	bool				 crashed;
	const char *const		*wal;	/* last persisted record */
};

/* The test's side: config, engine, what the callbacks saw. */
struct harness {
	struct event_base	*base;
	struct fake		 f;
	struct ccr_config	 cf;
	char			*names[2][FAKE_INDICES_MAX];
	struct ccr_index_pair	 pairs[FAKE_INDICES_MAX];
	char			*seeds[1];
	struct action_params	 params;
	struct action_engine	*e;
	bool			 finished;
	struct action_summary	 sum;
	char			*last;		/* last record, as JSON text */
	int			 changes;
	int			 vetoed;

	/* A pre_promote hook, for the tests of the veto. */
	char			*dir;
	char			*hook;		/* its path */
	struct hook_runner	*hooks;
	struct events		 ev;
};

static struct fake_index *
fake_find(struct fake_cluster *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->n; i++) {
		if (c->idx[i].exists && strcmp(c->idx[i].name, name) == 0)
			return (&c->idx[i]);
	}
	return (NULL);
}

static struct fake_index *
fake_add(struct fake_cluster *c, const char *name, enum fstate state,
    int nshards, int64_t seq)
{
	struct fake_index	*x;
	int			 s;

	size_t			 i;
	int			 generation = 0;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->idx[i].name, name) == 0 &&
		    c->idx[i].generation >= generation)
			generation = c->idx[i].generation + 1;
	}
	x = fake_find(c, name);
	if (x == NULL) {
		ck_assert_uint_lt(c->n, FAKE_INDICES_MAX);
		x = &c->idx[c->n++];
	}
	memset(x, 0, sizeof *x);
	x->generation = generation;
	snprintf(x->name, sizeof x->name, "%s", name);
	x->exists = true;
	x->state = state;
	x->nshards = nshards;
	for (s = 0; s < nshards; s++)
		x->max_seq[s] = x->seen_leader_max[s] = seq + s;
	return (x);
}

/* An index's uuid: made of its name, and of how often it was created. */
static const char *
fake_uuid(const struct fake_index *x, char *buf, size_t len)
{
	if (x->generation == 0)
		snprintf(buf, len, "uuid-%s", x->name);
	else
		snprintf(buf, len, "uuid-%s-%d", x->name, x->generation);
	return (buf);
}

static size_t
fake_count(const struct fake_cluster *c)
{
	size_t	i, n = 0;

	for (i = 0; i < c->n; i++)
		n += c->idx[i].exists;
	return (n);
}

static int64_t
fake_docs(const struct fake_index *x)
{
	int64_t	n = 0;
	int	s;

	for (s = 0; s < x->nshards; s++)
		n += x->max_seq[s] + 1;
	return (n);
}

static bool
fstate_follower(enum fstate s)
{
	return (s <= F_CLOSED_PAUSED);
}

static bool
fstate_open(enum fstate s)
{
	return (s == F_ACTIVE || s == F_PAUSED || s == F_REGULAR_OPEN);
}

static bool
fstate_tasks(enum fstate s)
{
	return (s == F_ACTIVE || s == F_CLOSED_ACTIVE);
}

static json_t *
fake_error(int *status, int code, const char *type, const char *reason)
{
	*status = code;
	return (json_pack("{s:{s:[{s:s,s:s}],s:s,s:s},s:i}", "error",
	    "root_cause", "type", type, "reason", reason, "type", type,
	    "reason", reason, "status", code));
}

static json_t *
fake_no_index(int *status, const char *name)
{
	char	reason[FAKE_NAME_MAX + 32];

	snprintf(reason, sizeof reason, "no such index [%s]", name);
	return (fake_error(status, 404, "index_not_found_exception", reason));
}

static json_t *
fake_bad(int *status, const char *before, const char *name,
    const char *after)
{
	char	reason[FAKE_NAME_MAX + 128];

	snprintf(reason, sizeof reason, "%s%s%s", before, name, after);
	return (fake_error(status, 400, "illegal_argument_exception", reason));
}

static json_t *
fake_ack(int *status)
{
	*status = 200;
	return (json_pack("{s:b}", "acknowledged", 1));
}

/* Decode %XX in place. */
static void
fake_unescape(char *s)
{
	char		*o = s;
	unsigned int	 v;

	for (; *s != '\0'; s++) {
		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* An injected failure for cluster, index and op, if one is armed. */
static struct fake_inject *
fake_injected(struct fake *f, int cluster, const char *index, const char *op)
{
	struct fake_inject	*in;
	size_t			 i;

	for (i = 0; i < f->ninj; i++) {
		in = &f->inj[i];
		if (in->cluster == cluster && in->count != 0 &&
		    strcmp(in->index, index) == 0 && strcmp(in->op, op) == 0) {
			if (in->count > 0)
				in->count--;
			return (in);
		}
	}
	return (NULL);
}

static void
fake_inject(struct fake *f, int cluster, const char *index, const char *op,
    int status, const char *type, int count)
{
	struct fake_inject	*in = &f->inj[f->ninj++];

	in->cluster = cluster;
	snprintf(in->index, sizeof in->index, "%s", index);
	snprintf(in->op, sizeof in->op, "%s", op);
	in->status = status;
	snprintf(in->type, sizeof in->type, "%s", type != NULL ? type : "");
	snprintf(in->reason, sizeof in->reason, "injected %s", op);
	in->count = count;
}

/* The write-ahead rule: a mutation of an index is in the record first. */
static void
fake_check_wal(struct fake *f, int cluster, const char *name)
{
	json_t		*root, *list, *ir;
	json_error_t	 err;
	size_t		 i;
	bool		 found = false;

	if (f->wal == NULL || *f->wal == NULL)
		return;
	root = json_loads(*f->wal, 0, &err);
	ck_assert_ptr_nonnull(root);
	list = json_object_get(root, "indices");
	json_array_foreach(list, i, ir) {
		if (strcmp(json_string_value(json_array_get(json_object_get(ir,
		    "names"), cluster)), name) != 0)
			continue;
		found = true;
		ck_assert_msg(json_is_true(json_object_get(ir, "sent")),
		    "%s sent to Elasticsearch before the record said so", name);
	}
	json_decref(root);
	ck_assert_msg(found, "%s is in no record", name);
}

/* Split a comma list of names into out (which it modifies). */
static size_t
fake_split(char *list, char **out, size_t max)
{
	size_t	n = 0;
	char	*p;

	while ((p = strsep(&list, ",")) != NULL && n < max) {
		fake_unescape(p);
		out[n++] = p;
	}
	return (n);
}

static json_t *
fake_shard_stats(struct fake_index *x, bool lag_read)
{
	json_t	*shards = json_array();
	int64_t	 fgcp;
	int	 s;

	for (s = 0; s < x->nshards; s++) {
		fgcp = x->max_seq[s] - (s == 0 && lag_read ? x->lag : 0) -
		    (s == 0 ? x->hole : 0);
		json_array_append_new(shards, json_pack("{s:s,s:s,s:s,s:i,"
		    "s:I,s:I,s:I,s:I}", "remote_cluster", x->remote,
		    "leader_index", x->leader, "follower_index", x->name,
		    "shard_id", s,
		    "leader_global_checkpoint",
		    (json_int_t)(lag_read ? x->max_seq[s] :
		    x->seen_leader_max[s]),
		    "leader_max_seq_no", (json_int_t)x->seen_leader_max[s],
		    "follower_global_checkpoint", (json_int_t)fgcp,
		    "follower_max_seq_no", (json_int_t)x->max_seq[s]));
	}
	return (shards);
}

/* GET /_ccr/stats: the lag a switchover waits on shrinks with each read. */
static json_t *
fake_ccr_stats_all(struct fake *f, struct fake_cluster *c, int *status)
{
	json_t	*list = json_array();
	size_t	 i;

	f->lag_reads++;
	for (i = 0; i < c->n; i++) {
		if (!c->idx[i].exists || !fstate_tasks(c->idx[i].state))
			continue;
		json_array_append_new(list, json_pack("{s:s,s:i,s:o}", "index",
		    c->idx[i].name, "total_global_checkpoint_lag",
		    c->idx[i].lag, "shards",
		    fake_shard_stats(&c->idx[i], true)));
		if (c->idx[i].lag > 0 && !c->idx[i].stuck)
			c->idx[i].lag--;
	}
	*status = 200;
	return (json_pack("{s:{s:[]},s:{s:o}}", "auto_follow_stats",
	    "recent_auto_follow_errors", "follow_stats", "indices", list));
}

static json_t *
fake_index_stats(struct fake_index *x, int *status)
{
	json_t	*shards = json_object();
	char	 key[16], uuid[FAKE_NAME_MAX + 24];
	int	 s;

	if (!fstate_open(x->state)) {
		return (fake_error(status, 400, "index_closed_exception",
		    "closed"));
	}
	for (s = 0; s < x->nshards; s++) {
		snprintf(key, sizeof key, "%d", s);
		/* A replica that lags: only the primary counts. */
		json_object_set_new(shards, key, json_pack("[{s:{s:b},s:{s:I}},"
		    "{s:{s:b},s:{s:I}}]", "routing", "primary", 0, "seq_no",
		    "max_seq_no", (json_int_t)-1, "routing", "primary", 1,
		    "seq_no", "max_seq_no", (json_int_t)x->max_seq[s]));
	}
	*status = 200;
	return (json_pack("{s:{s:{s:s,s:{s:{s:I}},s:o}}}", "indices", x->name,
	    "uuid", fake_uuid(x, uuid, sizeof uuid), "primaries", "docs", "count",
	    (json_int_t)fake_docs(x), "shards", shards));
}

/* GET /_stats: every open index, as <index>/_stats answers for each. */
static json_t *
fake_stats_all(struct fake_cluster *c, int *status)
{
	json_t	*indices = json_object(), *one;
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		if (!c->idx[i].exists || !fstate_open(c->idx[i].state))
			continue;
		one = fake_index_stats(&c->idx[i], status);
		json_object_update(indices, json_object_get(one, "indices"));
		json_decref(one);
	}
	*status = 200;
	return (json_pack("{s:o}", "indices", indices));
}

/* PUT <i>/_ccr/follow: restore from the remote's index and follow it. */
static json_t *
fake_follow(struct fake *f, int cluster, const char *name, const char *body,
    int *status)
{
	struct fake_cluster	*c = &f->c[cluster], *rc = NULL;
	struct fake_index	*x, *l;
	json_t			*b;
	json_error_t		 err;
	const char		*remote, *leader;
	char			 reason[512];
	size_t			 i;
	int			 s;
	bool			 known = false;

	b = json_loads(body != NULL ? body : "", 0, &err);
	ck_assert_ptr_nonnull(b);
	remote = json_string_value(json_object_get(b, "remote_cluster"));
	leader = json_string_value(json_object_get(b, "leader_index"));
	ck_assert_ptr_nonnull(remote);
	ck_assert_ptr_nonnull(leader);
	for (i = 0; i < c->nremotes; i++)
		known = known || strcmp(c->remotes[i], remote) == 0;
	if (strcmp(f->c[1 - cluster].name, remote) == 0)
		rc = &f->c[1 - cluster];
	if (!known || rc == NULL) {
		snprintf(reason, sizeof reason, "no such remote cluster: [%s]",
		    remote);
		json_decref(b);
		return (fake_error(status, 404,
		    "no_such_remote_cluster_exception", reason));
	}
	if ((l = fake_find(rc, leader)) == NULL) {
		json_decref(b);
		return (fake_no_index(status, leader));
	}
	x = fake_find(c, name);
	if (x != NULL && fstate_open(x->state)) {
		snprintf(reason, sizeof reason, "[_ccr_%s:_latest_/_latest_] "
		    "cannot restore index [%s] because an open index with same "
		    "name already exists in the cluster", remote, name);
		json_decref(b);
		return (fake_error(status, 500, "snapshot_restore_exception",
		    reason));
	}
	x = fake_add(c, name, F_ACTIVE, l->nshards, 0);
	x->starting = c->restoring;
	snprintf(x->remote, sizeof x->remote, "%s", remote);
	snprintf(x->leader, sizeof x->leader, "%s", leader);
	for (s = 0; s < l->nshards; s++)
		x->max_seq[s] = x->seen_leader_max[s] = l->max_seq[s];
	json_decref(b);
	*status = 200;
	return (json_pack("{s:b,s:b,s:b}", "follow_index_created", 1,
	    "follow_index_shards_acked", 1, "index_following_started", 1));
}

/* _close or _open over a comma list, as Elasticsearch answers them. */
static json_t *
fake_close_open(struct fake *f, struct fake_cluster *c, char *list,
    bool closing, int *status)
{
	struct fake_index	*x;
	char			*names[FAKE_INDICES_MAX];
	json_t			*indices = json_object();
	size_t			 n, i;

	n = fake_split(list, names, FAKE_INDICES_MAX);
	for (i = 0; i < n; i++) {
		if (fake_find(c, names[i]) == NULL) {
			json_decref(indices);
			return (fake_no_index(status, names[i]));
		}
	}
	for (i = 0; i < n; i++) {
		if ((x = fake_find(c, names[i])) == NULL)
			continue;
		if (closing && fstate_open(x->state)) {
			x->state = x->state == F_ACTIVE ? F_CLOSED_ACTIVE :
			    x->state == F_PAUSED ? F_CLOSED_PAUSED :
			    F_REGULAR_CLOSED;
			json_object_set_new(indices, x->name,
			    json_pack("{s:b}", "closed", 1));
		} else if (!closing && !fstate_open(x->state)) {
			x->state = x->state == F_CLOSED_ACTIVE ? F_ACTIVE :
			    x->state == F_CLOSED_PAUSED ? F_PAUSED :
			    F_REGULAR_OPEN;
		}
	}
	*status = 200;
	if (closing) {
		f->closes++;
		return (json_pack("{s:b,s:b,s:o}", "acknowledged", 1,
		    "shards_acknowledged", 1, "indices", indices));
	}
	f->opens++;
	json_decref(indices);
	return (json_pack("{s:b,s:b}", "acknowledged", 1,
	    "shards_acknowledged", 1));
}

/* One call on one index, by the lifecycle table. */
static json_t *
fake_index_call(struct fake *f, int cluster, const char *method,
    const char *name, const char *op, const char *arg, const char *body,
    int *status)
{
	struct fake_cluster	*c = &f->c[cluster];
	struct fake_index	*x = fake_find(c, name), *t;
	char			 reason[FAKE_NAME_MAX + 64];
	char			 uuid[FAKE_NAME_MAX + 24];

	if (strcmp(op, "follow") == 0)
		return (fake_follow(f, cluster, name, body, status));
	if (strcmp(op, "stats") == 0 && strcmp(method, "GET") == 0) {
		if (x == NULL || !fstate_tasks(x->state)) {
			snprintf(reason, sizeof reason, "No shard follow tasks "
			    "for follower indices [%s]", name);
			return (fake_error(status, 404,
			    "resource_not_found_exception", reason));
		}
		*status = 200;
		return (json_pack("{s:[{s:s,s:i,s:o}]}", "indices", "index",
		    name, "total_global_checkpoint_lag", 0, "shards",
		    fake_shard_stats(x, false)));
	}
	if (x == NULL)
		return (fake_no_index(status, name));
	if (strcmp(op, "") == 0 && strcmp(method, "DELETE") == 0) {
		x->exists = false;
		if (c->recreate_on_delete) {
			c->recreate_on_delete = false;
			fake_add(c, name, F_REGULAR_OPEN, 1, 4);
			return (fake_error(status, 500, "exception",
			    "the master left before it answered"));
		}
		return (fake_ack(status));
	}
	if (strcmp(op, "uuid") == 0) {
		*status = 200;
		return (json_pack("{s:{s:{s:{s:s}}}}", name, "settings",
		    "index", "uuid", fake_uuid(x, uuid, sizeof uuid)));
	}
	if (strcmp(op, "pause_follow") == 0) {
		if (!fstate_follower(x->state))
			return (fake_bad(status, "index [", name,
			    "] is not a follower index"));
		if (!fstate_tasks(x->state))
			return (fake_bad(status, "no shard follow tasks for [",
			    name, "]"));
		x->state = x->state == F_ACTIVE ? F_PAUSED : F_CLOSED_PAUSED;
		return (fake_ack(status));
	}
	if (strcmp(op, "unfollow") == 0) {
		if (!fstate_follower(x->state))
			return (fake_bad(status, "index [", name,
			    "] is not a follower index"));
		if (fstate_open(x->state))
			return (fake_bad(status, "cannot convert the follower "
			    "index [", name, "] to a non-follower, because it "
			    "has not been closed"));
		if (fstate_tasks(x->state))
			return (fake_bad(status, "cannot convert the follower "
			    "index [", name, "] to a non-follower, because it "
			    "has not been paused"));
		x->state = F_REGULAR_CLOSED;
		if (f->c[cluster].lease_hang)
			return (NULL);
		if (f->c[1 - cluster].down) {
			*status = 500;
			return (json_pack("{s:{s:s,s:s,s:s},s:i}", "error",
			    "type", "exception", "reason",
			    "NoSuchRemoteClusterException[unreachable]",
			    "failed_to_remove_retention_leases", "lease",
			    "status", 500));
		}
		return (fake_ack(status));
	}
	if (strcmp(op, "info") == 0) {
		f->infos++;
		if (x->unfollow_answered)
			f->infos_after_unfollow++;
		*status = 200;
		if (!fstate_follower(x->state))
			return (json_pack("{s:[]}", "follower_indices"));
		return (json_pack("{s:[{s:s,s:s,s:s,s:s}]}", "follower_indices",
		    "follower_index", name, "remote_cluster", x->remote,
		    "leader_index", x->leader, "status",
		    fstate_tasks(x->state) ? "active" : "paused"));
	}
	if (strcmp(op, "_stats") == 0)
		return (fake_index_stats(x, status));
	if (strcmp(op, "block") == 0) {
		x->write_block = true;
		return (fake_ack(status));
	}
	if (strcmp(op, "_recovery") == 0) {
		*status = 200;
		if (x->starting > 0) {
			x->starting--;
			return (json_pack("{s:{s:[{s:s,s:{s:{s:i,s:i}}}]}}",
			    name, "shards", "stage", "INDEX", "index", "size",
			    "total_in_bytes", 10, "recovered_in_bytes", 5));
		}
		return (json_pack("{s:{s:[{s:s,s:{s:{s:i,s:i}}}]}}", name,
		    "shards", "stage", "DONE", "index", "size",
		    "total_in_bytes", 10, "recovered_in_bytes", 10));
	}
	if (strcmp(op, "_settings") == 0 && strcmp(method, "PUT") == 0) {
		ck_assert_ptr_nonnull(strstr(body, "\"index.blocks.write\""));
		x->write_block = strstr(body, "true") != NULL;
		return (fake_ack(status));
	}
	if (strcmp(op, "clone") == 0) {
		if (!x->write_block)
			return (fake_error(status, 400,
			    "illegal_state_exception",
			    "index must be read-only to resize index"));
		if (fake_find(c, arg) != NULL) {
			snprintf(reason, sizeof reason, "index [%s/x] already "
			    "exists", arg);
			return (fake_error(status, 400,
			    "resource_already_exists_exception", reason));
		}
		t = fake_add(c, arg, F_REGULAR_OPEN, x->nshards, 0);
		memcpy(t->max_seq, x->max_seq, sizeof t->max_seq);
		t->starting = c->clone_starting;
		t->write_block = true;
		return (fake_ack(status));
	}
	ck_abort_msg("fake: unexpected %s %s %s", method, name, op);
	return (NULL);
}

/* GET /_cluster/health/<i>?wait_for_status=yellow: 408 until started. */
static json_t *
fake_health(struct fake_cluster *c, char *name, int *status)
{
	struct fake_index	*x;

	fake_unescape(name);
	x = fake_find(c, name);
	if (x == NULL || x->starting > 0) {
		if (x != NULL)
			x->starting--;
		*status = 408;
		return (json_pack("{s:s,s:b}", "status", "red", "timed_out",
		    1));
	}
	*status = 200;
	return (json_pack("{s:s,s:b}", "status", "green", "timed_out", 0));
}

/* GET /_resolve/cluster/<alias>:<index> on cluster. */
static json_t *
fake_resolve(struct fake *f, int cluster, char *expr, int *status)
{
	struct fake_cluster	*c = &f->c[cluster];
	char			*colon, reason[128];
	size_t			 i;
	bool			 known = false;

	fake_unescape(expr);
	ck_assert_ptr_nonnull(colon = strchr(expr, ':'));
	*colon = '\0';
	for (i = 0; i < c->nremotes; i++)
		known = known || strcmp(c->remotes[i], expr) == 0;
	if (!known) {
		snprintf(reason, sizeof reason, "no such remote cluster: [%s]",
		    expr);
		return (fake_error(status, 404,
		    "no_such_remote_cluster_exception", reason));
	}
	*status = 200;
	if (c->cut || f->c[1 - cluster].down)
		return (json_pack("{s:{s:b,s:b}}", expr, "connected", 0,
		    "skip_unavailable", 1));
	return (json_pack("{s:{s:b,s:b,s:b}}", expr, "connected", 1,
	    "skip_unavailable", 1, "matching_indices", 1));
}

/* GET /<a>,<b>/_stats/docs: the primaries' document counts. */
static json_t *
fake_docs_stats(struct fake_cluster *c, char *list, int *status)
{
	struct fake_index	*x;
	char			*names[FAKE_INDICES_MAX];
	json_t			*indices = json_object();
	size_t			 n, i;

	n = fake_split(list, names, FAKE_INDICES_MAX);
	for (i = 0; i < n; i++) {
		if ((x = fake_find(c, names[i])) == NULL) {
			json_decref(indices);
			return (fake_no_index(status, names[i]));
		}
		json_object_set_new(indices, x->name, json_pack("{s:{s:{s:I}}}",
		    "primaries", "docs", "count", (json_int_t)fake_docs(x)));
	}
	*status = 200;
	return (json_pack("{s:o}", "indices", indices));
}

/*
 * A read or a DELETE over a comma list, as Elasticsearch takes it: a
 * missing name refuses the whole list (404) and changes nothing.
 */
static json_t *
fake_list_call(struct fake *f, int cluster, const char *method,
    char **names, size_t n, const char *op, int *status)
{
	struct fake_cluster	*c = &f->c[cluster];
	struct fake_index	*x;
	json_t			*out, *one;
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (fake_find(c, names[i]) == NULL)
			return (fake_no_index(status, names[i]));
	}
	if (strcmp(op, "delete") == 0 && strcmp(method, "DELETE") == 0) {
		for (i = 0; i < n; i++)
			fake_check_wal(f, cluster, names[i]);
		for (i = 0; i < n; i++)
			fake_find(c, names[i])->exists = false;
		return (fake_ack(status));
	}
	if (strcmp(op, "_stats") == 0) {
		out = json_object();
		for (i = 0; i < n; i++) {
			one = fake_index_stats(fake_find(c, names[i]), status);
			if (*status != 200) {
				json_decref(out);
				return (one);
			}
			json_object_update(out, json_object_get(one, "indices"));
			json_decref(one);
		}
		*status = 200;
		return (json_pack("{s:o}", "indices", out));
	}
	if (strcmp(op, "stats") == 0 && strcmp(method, "GET") == 0) {
		f->stats_lists++;
		out = json_array();
		for (i = 0; i < n; i++) {
			x = fake_find(c, names[i]);
			if (fstate_tasks(x->state))
				json_array_append_new(out, json_pack(
				    "{s:s,s:i,s:o}", "index", x->name,
				    "total_global_checkpoint_lag", 0, "shards",
				    fake_shard_stats(x, false)));
		}
		if (json_array_size(out) == 0) {
			json_decref(out);
			return (fake_error(status, 404,
			    "resource_not_found_exception",
			    "No shard follow tasks for follower indices"));
		}
		*status = 200;
		return (json_pack("{s:o}", "indices", out));
	}
	if (strcmp(op, "info") == 0 && strcmp(method, "GET") == 0) {
		f->infos++;
		out = json_array();
		for (i = 0; i < n; i++) {
			x = fake_find(c, names[i]);
			if (fstate_follower(x->state))
				json_array_append_new(out, json_pack(
				    "{s:s,s:s,s:s,s:s}", "follower_index",
				    x->name, "remote_cluster", x->remote,
				    "leader_index", x->leader, "status",
				    fstate_tasks(x->state) ? "active" : "paused"));
		}
		*status = 200;
		return (json_pack("{s:o}", "follower_indices", out));
	}
	if (strcmp(op, "block") == 0 && strcmp(method, "PUT") == 0) {
		for (i = 0; i < n; i++)
			fake_check_wal(f, cluster, names[i]);
		for (i = 0; i < n; i++)
			fake_find(c, names[i])->write_block = true;
		return (fake_ack(status));
	}
	if (strcmp(op, "_recovery") == 0 && strcmp(method, "GET") == 0) {
		out = json_object();
		for (i = 0; i < n; i++) {
			one = fake_index_call(f, cluster, method, names[i],
			    op, NULL, NULL, status);
			json_object_update(out, one);
			json_decref(one);
		}
		*status = 200;
		return (out);
	}
	ck_abort_msg("fake: unexpected %s over a list: %s", method, op);
	return (NULL);
}

/* Route a request; NULL root means: never answer (a hang). */
static json_t *
fake_route(struct fake *f, int cluster, const char *method, const char *path,
    const char *body, int *status)
{
	struct fake_cluster	*c = &f->c[cluster];
	struct fake_inject	*in;
	char			 buf[8192], *p = buf, *query, *seg[4];
	char			*names[FAKE_INDICES_MAX];
	char			 list[8192], reason[128];
	const char		*op;
	json_t			*root;
	size_t			 nseg = 0, n, i;

	snprintf(buf, sizeof buf, "%s", path);
	if ((query = strchr(buf, '?')) != NULL)
		*query++ = '\0';
	ck_assert_int_eq(*p, '/');
	p++;
	while (nseg < 4 && (seg[nseg] = strsep(&p, "/")) != NULL)
		nseg++;

	if (nseg == 2 && strcmp(seg[0], "_ccr") == 0 &&
	    strcmp(seg[1], "stats") == 0) {
		/* Any index's stats failure fails the whole read. */
		for (i = 0; i < c->n; i++) {
			if ((in = fake_injected(f, cluster, c->idx[i].name,
			    "stats")) == NULL)
				continue;
			if (in->status == 0)
				return (NULL);
			return (fake_error(status, in->status, in->type,
			    in->reason));
		}
		return (fake_ccr_stats_all(f, c, status));
	}
	if (strcmp(seg[0], "_stats") == 0 && nseg == 1)
		return (fake_stats_all(c, status));
	if (nseg == 3 && strcmp(seg[0], "_cluster") == 0 &&
	    strcmp(seg[1], "health") == 0)
		return (fake_health(c, seg[2], status));
	if (nseg == 3 && strcmp(seg[0], "_resolve") == 0)
		return (fake_resolve(f, cluster, seg[2], status));
	if (nseg == 3 && strcmp(seg[1], "_stats") == 0 &&
	    strcmp(seg[2], "docs") == 0)
		return (fake_docs_stats(c, seg[0], status));
	if (strcmp(path, "/_cluster/settings") == 0) {
		if (c->settings_refused)
			return (fake_error(status, 400,
			    "illegal_argument_exception", "refused setting"));
		snprintf(c->settings, sizeof c->settings, "%s", body);
		snprintf(reason, sizeof reason, "\"cluster.remote.%s.mode\"",
		    f->c[1 - cluster].name);
		for (i = 0; i < c->nremotes; i++) {
			if (strcmp(c->remotes[i], f->c[1 - cluster].name) == 0)
				return (fake_ack(status));
		}
		if (strstr(body, reason) != NULL && c->nremotes < 4) {
			memcpy(c->remotes[c->nremotes++],
			    f->c[1 - cluster].name, sizeof c->remotes[0]);
		}
		return (fake_ack(status));
	}
	if (strcmp(seg[0], "_ccr") == 0 && nseg >= 2 &&
	    strcmp(seg[1], "auto_follow") == 0) {
		if (nseg == 2) {
			root = json_pack("{s:[]}", "patterns");
			for (i = 0; i < c->npatterns; i++) {
				json_array_append_new(json_object_get(root,
				    "patterns"), json_pack("{s:s,s:{s:b,s:s,"
				    "s:[s]}}", "name", c->patterns[i].name,
				    "pattern", "active", c->patterns[i].active,
				    "remote_cluster", c->patterns[i].remote,
				    "leader_index_patterns", "*"));
			}
			*status = 200;
			return (root);
		}
		fake_unescape(seg[2]);
		for (i = 0; i < c->npatterns; i++) {
			if (strcmp(c->patterns[i].name, seg[2]) == 0) {
				c->patterns[i].active = false;
				return (fake_ack(status));
			}
		}
		return (fake_error(status, 404, "resource_not_found_exception",
		    "auto-follow pattern is missing"));
	}

	op = nseg == 1 ? "" : nseg >= 3 ? seg[2] : seg[1];
	if (nseg == 2 && strcmp(seg[1], "_close") == 0)
		op = "close";
	else if (nseg == 2 && strcmp(seg[1], "_open") == 0)
		op = "open";
	else if (nseg == 3 && strcmp(seg[1], "_block") == 0)
		op = "block";
	else if (nseg == 3 && strcmp(seg[1], "_clone") == 0)
		op = "clone";
	else if (nseg == 2 && strcmp(seg[1], "_stats") == 0)
		op = "_stats";
	else if (nseg == 2 && strcmp(seg[1], "_settings") == 0)
		op = "_settings";
	else if (nseg == 3 && strcmp(seg[1], "_settings") == 0 &&
	    strcmp(seg[2], "index.uuid") == 0 && strcmp(method, "GET") == 0)
		op = "uuid";
	else if (nseg == 2 && strcmp(seg[1], "_recovery") == 0)
		op = "_recovery";
	else if (nseg == 1 && strcmp(method, "DELETE") == 0)
		op = "delete";

	/* Injected failures, checked for every index the call names. */
	snprintf(list, sizeof list, "%s", seg[0]);
	n = fake_split(list, names, FAKE_INDICES_MAX);
	for (i = 0; i < n; i++) {
		if ((in = fake_injected(f, cluster, names[i], op)) == NULL)
			continue;
		if (in->status == 0)
			return (NULL);
		return (fake_error(status, in->status, in->type, in->reason));
	}
	if (strcmp(op, "close") == 0 || strcmp(op, "open") == 0) {
		for (i = 0; i < n; i++)
			fake_check_wal(f, cluster, names[i]);
		return (fake_close_open(f, c, seg[0], strcmp(op, "close") == 0,
		    status));
	}
	if (n > 1)
		return (fake_list_call(f, cluster, method, names, n, op,
		    status));
	fake_unescape(seg[0]);
	if (strcmp(method, "GET") != 0)
		fake_check_wal(f, cluster, seg[0]);
	if (strcmp(op, "delete") == 0)
		op = "";
	if (nseg == 3 && strcmp(seg[1], "_clone") == 0)
		fake_unescape(seg[2]);
	return (fake_index_call(f, cluster, method, seg[0], op,
	    nseg == 3 ? seg[2] : NULL, body, status));
}

static void
fake_deliver(int fd, short events, void *arg)
{
	struct fake_pending	*p = arg;
	struct fake		*f = p->f;
	struct es_result	 a;
	struct es_error		 ee;
	char			*cause = NULL;

	(void)fd;
	(void)events;
	TAILQ_REMOVE(&f->pending, p, entry);
	memset(&a, 0, sizeof a);
	a.outcome = HTTP_DONE;
	a.status = p->status;
	a.root = p->root;
	a.ok = p->status >= 200 && p->status <= 299;
	if (!a.ok && es_parse_error(p->root, &ee, &cause) == 0) {
		a.error_type = ee.type;
		a.reason = ee.reason;
		a.leases_failed = ee.leases_failed;
	}
	free(cause);
	if (p->unfollowed != NULL)
		p->unfollowed->unfollow_answered = true;
	p->done(&a, p->arg);
	json_decref(p->root);
	event_free(p->ev);
	free(p);
}

static void *
fake_send(void *ctx, int cluster, const struct es_call *call, es_done_cb done,
    void *arg)
{
	struct fake		*f = ctx;
	const char		*method = http_method_name(call->method);
	const char		*path = call->path, *body = call->body;
	struct fake_pending	*p;
	struct timeval		 now = { 0, 0 };
	size_t			 line;
	bool			 hang = false;
	const char		*tail;
	char			 name[FAKE_NAME_MAX * 3 + 1];

	ck_assert(cluster == ALPHA || cluster == BETA);
	line = strlen(method) + 1 + strlen(path) + strlen(" HTTP/1.1");
	if (line > f->max_line)
		f->max_line = line;
	ck_assert_uint_le(line, 4096);
	if (f->refuse > 0) {
		f->refuse--;
		return (NULL);
	}

	p = calloc(1, sizeof *p);
	ck_assert_ptr_nonnull(p);
	p->f = f;
	p->done = done;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&f->pending, p, entry);
	f->requests++;
	if (f->crashed || f->c[cluster].down)
		return (p);
	if (strcmp(method, "GET") != 0) {
		f->mutating++;
		if ((f->crash_at != 0 && f->mutating == f->crash_at) ||
		    (f->crash_method != NULL &&
		    strcmp(method, f->crash_method) == 0)) {
			f->crash_method = NULL;
			f->crashed = true;
			event_base_loopbreak(f->base);
			if (!f->crash_apply)
				return (p);
			hang = true;
		}
	}
	p->root = fake_route(f, cluster, method, path, body, &p->status);
	if (p->root == NULL || hang)
		return (p);
	if ((tail = strstr(path, "/_ccr/unfollow")) != NULL) {
		snprintf(name, sizeof name, "%.*s", (int)(tail - path - 1),
		    path + 1);
		fake_unescape(name);
		p->unfollowed = fake_find(&f->c[cluster], name);
	}
	p->ev = evtimer_new(f->base, fake_deliver, p);
	evtimer_add(p->ev, &now);
	return (p);
}

static void
fake_cancel(void *ctx, void *handle)
{
	struct fake		*f = ctx;
	struct fake_pending	*p = handle;

	f->cancels++;
	TAILQ_REMOVE(&f->pending, p, entry);
	if (p->ev != NULL)
		event_free(p->ev);
	json_decref(p->root);
	free(p);
}

/* What both clusters hold, for comparing a resumed run with a clean one. */
static char *
fake_dump(struct fake *f)
{
	char		*out = NULL, *line, *tmp;
	const char	*cut;
	size_t		 i, k;
	int		 s;
	const struct fake_index	*x;

	out = strdup("");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < f->c[k].n; i++) {
			x = &f->c[k].idx[i];
			if (!x->exists)
				continue;
			/* A copy's name ends in the time it was made. */
			cut = strstr(x->name, "-diverged-");
			ck_assert_int_ge(asprintf(&line, "%s/%.*s%s %s wb=%d "
			    "%s:%s", f->c[k].name, cut != NULL ?
			    (int)(cut - x->name) : (int)strlen(x->name),
			    x->name, cut != NULL ? "(copy)" : "",
			    fstate_names[x->state],
			    x->write_block, fstate_follower(x->state) ?
			    x->remote : "", fstate_follower(x->state) ?
			    x->leader : ""), 0);
			for (s = 0; s < x->nshards; s++) {
				tmp = line;
				ck_assert_int_ge(asprintf(&line, "%s %" PRId64,
				    tmp, x->max_seq[s]), 0);
				free(tmp);
			}
			tmp = out;
			ck_assert_int_ge(asprintf(&out, "%s%s\n", tmp, line),
			    0);
			free(tmp);
			free(line);
		}
		for (i = 0; i < f->c[k].npatterns; i++) {
			tmp = out;
			ck_assert_int_ge(asprintf(&out, "%s%s pattern %s %d\n",
			    tmp, f->c[k].name, f->c[k].patterns[i].name,
			    f->c[k].patterns[i].active), 0);
			free(tmp);
		}
		for (i = 0; i < f->c[k].nremotes; i++) {
			tmp = out;
			ck_assert_int_ge(asprintf(&out, "%s%s remote %s\n",
			    tmp, f->c[k].name, f->c[k].remotes[i]), 0);
			free(tmp);
		}
	}
	return (out);
}

static void
on_change(const struct action_record *rec, void *arg)
{
	struct harness	*h = arg;
	json_t		*j;

	j = action_record_to_json(rec);
	free(h->last);
	h->last = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	h->changes++;
}

static void
on_finished(const struct action_summary *sum, void *arg)
{
	struct harness	*h = arg;

	h->finished = true;
	h->sum = *sum;
	event_base_loopbreak(h->base);
}

static const struct action_transport fake_transport = {
	fake_send, fake_cancel, NULL
};

/*
 * Set up alpha (leader, clusters[0]) and beta (follower) with n replicated
 * index pairs: alpha's "<prefix>N" followed by beta's "<prefix>N-f".
 * Beta saw `behind` more operations on the leader than it received.
 */
static void
harness_init(struct harness *h, size_t n, const char *prefix, int64_t behind)
{
	struct fake_index	*l, *fo;
	char			 name[FAKE_NAME_MAX];
	size_t			 i;
	int			 s;

	memset(h, 0, sizeof *h);
	log_init("check_action", LOG_LEVEL_WARNING);
	h->base = event_base_new();
	h->f.base = h->base;
	TAILQ_INIT(&h->f.pending);
	h->f.wal = (const char *const *)&h->last;
	snprintf(h->f.c[ALPHA].name, sizeof h->f.c[ALPHA].name, "alpha");
	snprintf(h->f.c[BETA].name, sizeof h->f.c[BETA].name, "beta");

	h->cf.clusters[ALPHA].name = "alpha";
	h->cf.clusters[BETA].name = "beta";
	h->seeds[0] = "10.0.0.1:9300";
	h->cf.clusters[ALPHA].remote.mode = "sniff";
	h->cf.clusters[ALPHA].remote.seeds = h->seeds;
	h->cf.clusters[ALPHA].remote.nseeds = 1;
	h->cf.clusters[BETA].remote.mode = "proxy";
	h->cf.clusters[BETA].remote.proxy_address = "beta.example:9400";
	h->cf.clusters[BETA].remote.server_name = "beta.example";
	h->cf.clusters[BETA].remote.proxy_socket_connections = 18;
	h->cf.clusters[BETA].remote.skip_unavailable = true;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s%zu", prefix, i);
		h->names[0][i] = strdup(name);
		snprintf(name, sizeof name, "%s%zu-f", prefix, i);
		h->names[1][i] = strdup(name);
		h->pairs[i].leader_index = h->names[0][i];
		h->pairs[i].follower_index = h->names[1][i];
		l = fake_add(&h->f.c[ALPHA], h->names[0][i], F_REGULAR_OPEN,
		    1 + (int)(i % FAKE_SHARDS_MAX), 10 + (int64_t)i);
		fo = fake_add(&h->f.c[BETA], h->names[1][i], F_ACTIVE,
		    l->nshards, 10 + (int64_t)i);
		snprintf(fo->remote, sizeof fo->remote, "alpha");
		snprintf(fo->leader, sizeof fo->leader, "%s", l->name);
		for (s = 0; s < fo->nshards; s++)
			fo->max_seq[s] -= behind;
	}
	h->cf.indices = h->pairs;
	h->cf.nindices = n;
	/* Beta already knows alpha as its remote. */
	snprintf(h->f.c[BETA].remotes[h->f.c[BETA].nremotes++], 64, "alpha");
	h->f.c[BETA].npatterns = 2;
	snprintf(h->f.c[BETA].patterns[0].name, 64, "from-alpha");
	snprintf(h->f.c[BETA].patterns[0].remote, 64, "alpha");
	h->f.c[BETA].patterns[0].active = true;
	snprintf(h->f.c[BETA].patterns[1].name, 64, "from-gamma");
	snprintf(h->f.c[BETA].patterns[1].remote, 64, "gamma");
	h->f.c[BETA].patterns[1].active = true;

	h->params.max_in_flight = 8;
	h->params.retry_base_ms = 1;
	h->params.retry_cap_ms = 4;
	h->params.max_attempts = 12;
	h->params.request_timeout_ms = 0;	/* tests that hang set it */
	h->params.switchover_timeout_ms = 5000;
	h->params.lag_poll_ms = 1;
}

static void
harness_engine(struct harness *h)
{
	struct action_transport		t = fake_transport;
	struct action_callbacks		cb = { on_change, on_finished, h };

	t.ctx = &h->f;
	action_free(h->e);
	h->e = action_create(h->base, &h->cf, &t, &h->params, &cb);
	h->finished = false;
}

static void
harness_free(struct harness *h)
{
	struct fake_pending	*p;
	size_t			 i;

	action_free(h->e);
	hook_runner_free(h->hooks);
	if (h->dir != NULL)
		tu_rmtree(h->dir);
	free(h->dir);
	free(h->hook);
	while ((p = TAILQ_FIRST(&h->f.pending)) != NULL)
		fake_cancel(&h->f, p);
	for (i = 0; i < h->cf.nindices; i++) {
		free(h->names[0][i]);
		free(h->names[1][i]);
	}
	free(h->last);
	event_base_free(h->base);
}

static void
harness_start(struct harness *h, enum fsm_action kind,
    const struct action_record *promotion)
{
	char	*cause = NULL;

	harness_engine(h);
	if (action_start(h->e, kind, ALPHA, promotion, NULL, &cause) != 0)
		ck_abort_msg("action_start: %s", cause);
}

static void
on_vetoed(const struct action_record *rec, void *arg)
{
	struct harness	*h = arg;

	ck_assert_str_eq(rec->error_type, "vetoed");
	ck_assert_ptr_nonnull(strstr(rec->error_reason, "pre_promote"));
	h->vetoed++;
	event_base_loopbreak(h->base);
}

/*
 * n index pairs, the leader lost, and a pre_promote hook that writes its
 * environment to "<path>.env", sleeps `seconds` (sleep(1)'s argument) and
 * exits with code.
 */
static void
harness_veto_init(struct harness *h, size_t n, const char *seconds, int code,
    uint64_t timeout_ms)
{
	char	*text;
	int	 len;

	harness_init(h, n, "v", 0);
	h->f.c[ALPHA].down = true;
	h->dir = tu_tmpdir("check_action");
	xasprintf(&h->hook, "%s/pre_promote", h->dir);
	len = asprintf(&text, "#!/bin/sh\nenv >\"$0.env\"\n"
	    "sleep %s\nexit %d\n", seconds, code);
	ck_assert_int_ge(len, 0);
	tu_write(h->hook, text, (size_t)len, 0755);
	free(text);
	h->cf.hooks.pre_promote = h->hook;
	h->cf.hooks.timeout_ms = timeout_ms;
	h->hooks = hook_runner_create(h->base, 4, 8);
	h->ev.hooks = h->hooks;
	h->ev.config = &h->cf.hooks;
	h->params.events = &h->ev;
}

/* Start a promotion that the pre_promote hook may veto. */
static void
harness_start_vetoable(struct harness *h)
{
	struct action_veto	 veto = { on_vetoed, h };
	char			*cause = NULL;

	harness_engine(h);
	if (action_start(h->e, FSM_ACTION_PROMOTE, ALPHA, NULL, &veto,
	    &cause) != 0)
		ck_abort_msg("action_start: %s", cause);
}

/* What the pre_promote hook was told; NULL when it never ran. */
static char *
hook_env(struct harness *h)
{
	char	*path, *env;

	xasprintf(&path, "%s.env", h->hook);
	env = access(path, F_OK) == 0 ? tu_read(path, NULL) : NULL;
	free(path);
	return (env);
}

/* Run until the action finishes, the fake crashes or all is idle. */
static void
harness_run(struct harness *h)
{
	ck_assert_int_ne(event_base_dispatch(h->base), -1);
}

/* Run the loop for ms at most (an index may wait on a timer for ever). */
static void
harness_run_for(struct harness *h, unsigned int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(h->base, &tv);
	ck_assert_int_ne(event_base_dispatch(h->base), -1);
}

/* A record copied through its JSON form, as the state file holds it. */
static struct action_record *
record_copy(const char *text)
{
	json_t			*j;
	json_error_t		 err;
	struct action_record	*rec;
	char			*cause = NULL;

	j = json_loads(text, 0, &err);
	ck_assert_ptr_nonnull(j);
	rec = action_record_from_json(j, &cause);
	if (rec == NULL)
		ck_abort_msg("record: %s", cause);
	json_decref(j);
	return (rec);
}

static const struct action_index_record *
index_record(struct harness *h, size_t i)
{
	const struct action_record	*rec = action_record(h->e);

	ck_assert_ptr_nonnull(rec);
	ck_assert_uint_lt(i, rec->nindices);
	return (&rec->indices[i]);
}

static void
assert_promoted(struct harness *h, size_t n)
{
	struct fake_index	*x;
	size_t			 i;

	for (i = 0; i < n; i++) {
		x = fake_find(&h->f.c[BETA], h->names[1][i]);
		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
		ck_assert_int_eq(index_record(h, i)->step, STEP_DONE);
	}
}

/* Promote the given harness to the end and keep its record. */
static struct action_record *
promote_and_keep(struct harness *h)
{
	harness_start(h, FSM_ACTION_PROMOTE, NULL);
	harness_run(h);
	ck_assert(h->finished);
	return (record_copy(h->last));
}

START_TEST(promote_one_index)
{
	struct harness	h;

	harness_init(&h, 1, "logs", 3);
	h.f.c[ALPHA].down = true;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 1);
	ck_assert_uint_eq(h.sum.done, 1);
	ck_assert_uint_eq(h.sum.failed, 0);
	/* One shard, three operations behind. */
	ck_assert_int_eq(h.sum.lost_operations, 3);
	ck_assert_int_eq(index_record(&h, 0)->lost_operations, 3);
	ck_assert_ptr_null(h.sum.error_type);
	/* Only the pattern pointing at the lost leader is paused. */
	ck_assert(!h.f.c[BETA].patterns[0].active);
	ck_assert(h.f.c[BETA].patterns[1].active);
	/* The alpha side was never touched. */
	ck_assert_str_eq(fstate_names[h.f.c[ALPHA].idx[0].state],
	    "REGULAR_OPEN");
	ck_assert_int_eq(action_record(h.e)->phase, ACTION_PHASE_FINISHED);
	ck_assert(!action_running(h.e));
	harness_free(&h);
}
END_TEST

START_TEST(promote_many_indices_in_batches)
{
	struct harness	h;
	int64_t		want = 0;
	size_t		i;

	harness_init(&h, 60, "idx", 2);
	h.f.c[ALPHA].down = true;
	for (i = 0; i < 60; i++)
		want += 2 * (1 + (int64_t)(i % FAKE_SHARDS_MAX));
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 60);
	ck_assert_uint_eq(h.sum.done, 60);
	ck_assert_int_eq(h.sum.lost_operations, want);
	/* Far fewer _close and _open requests than indices. */
	ck_assert_int_ge(h.f.closes, 1);
	ck_assert_int_le(h.f.closes, 3);
	ck_assert_int_le(h.f.opens, 3);
	harness_free(&h);
}
END_TEST

START_TEST(batches_stay_under_the_request_line_limit)
{
	struct harness	h;
	char		prefix[220];

	memset(prefix, 'n', sizeof prefix - 1);
	prefix[sizeof prefix - 1] = '\0';
	harness_init(&h, 50, prefix, 0);
	h.params.max_in_flight = 64;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 50);
	/* 50 names of ~225 bytes cannot share one 4096-byte line. */
	ck_assert_int_ge(h.f.closes, 3);
	ck_assert_int_ge(h.f.opens, 3);
	ck_assert_uint_le(h.f.max_line, 4096);
	ck_assert_uint_gt(h.f.max_line, 3500);
	ck_assert_int_eq(h.sum.lost_operations, 0);
	harness_free(&h);
}
END_TEST

START_TEST(transient_errors_are_retried)
{
	struct harness	h;

	harness_init(&h, 4, "t", 0);
	fake_inject(&h.f, BETA, "t1-f", "close", 429,
	    "es_rejected_execution_exception", 3);
	fake_inject(&h.f, BETA, "t2-f", "close", 503,
	    "master_not_discovered_exception", 2);
	fake_inject(&h.f, BETA, "t3-f", "pause_follow", 0, NULL, 1);
	h.params.request_timeout_ms = 50;
	fake_inject(&h.f, BETA, "t0-f", "stats", 503,
	    "cluster_block_exception", 2);
	h.f.refuse = 2;		/* the transport could not even queue them */
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 4);
	ck_assert_uint_eq(h.sum.failed, 0);
	harness_free(&h);
}
END_TEST

START_TEST(permanent_error_fails_one_index_only)
{
	struct harness			 h;
	const struct action_index_record *ir;
	struct fake_index		*x;

	harness_init(&h, 5, "p", 0);
	fake_inject(&h.f, BETA, "p2-f", "close", 400,
	    "illegal_argument_exception", -1);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 4);
	ck_assert_uint_eq(h.sum.failed, 1);
	ir = index_record(&h, 2);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_int_eq(ir->failed_step, STEP_CLOSE);
	ck_assert_str_eq(ir->error_type, "illegal_argument_exception");
	ck_assert_str_eq(ir->error_reason, "injected close");
	ck_assert_int_eq(action_index_status(ir), ACTION_INDEX_FAILED);
	x = fake_find(&h.f.c[BETA], "p2-f");
	ck_assert_str_eq(fstate_names[x->state], "PAUSED");
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
	    "p0-f")->state], "REGULAR_OPEN");
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
	    "p4-f")->state], "REGULAR_OPEN");
	harness_free(&h);
}
END_TEST

START_TEST(failed_unfollow_leaves_the_index_open)
{
	struct harness			 h;
	const struct action_index_record *ir;
	struct action_record		*rec;
	char				*cause = NULL;

	harness_init(&h, 3, "o", 0);
	fake_inject(&h.f, BETA, "o1-f", "unfollow", 403, "security_exception",
	    -1);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 2);
	ck_assert_uint_eq(h.sum.failed, 1);
	ir = index_record(&h, 1);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_int_eq(ir->failed_step, STEP_UNFOLLOW);
	ck_assert_str_eq(ir->error_type, "security_exception");
	/* Still a follower, paused, but readable: not left closed. */
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
	    "o1-f")->state], "PAUSED");
	/* A crash while reopening: the resumed engine reopens it. */
	rec = record_copy(h.last);
	rec->phase = ACTION_PHASE_INDICES;
	rec->indices[1].step = STEP_OPEN;
	fake_find(&h.f.c[BETA], "o1-f")->state = F_CLOSED_PAUSED;
	harness_engine(&h);
	ck_assert_int_eq(action_resume(h.e, rec, &cause), 0);
	action_record_free(rec);
	harness_run(&h);
	ck_assert(h.finished);
	ir = index_record(&h, 1);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_int_eq(ir->failed_step, STEP_UNFOLLOW);
	ck_assert_str_eq(ir->error_type, "security_exception");
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
	    "o1-f")->state], "PAUSED");
	harness_free(&h);
}
END_TEST

START_TEST(retries_end_at_max_attempts)
{
	struct harness			 h;
	const struct action_index_record *ir;

	harness_init(&h, 3, "m", 0);
	h.params.max_attempts = 3;
	fake_inject(&h.f, BETA, "m0-f", "pause_follow", 503,
	    "cluster_block_exception", -1);
	/* A 5xx unfollow is verified, not retried blindly; still bounded. */
	fake_inject(&h.f, BETA, "m1-f", "unfollow", 503,
	    "cluster_block_exception", -1);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_int_eq(ir->failed_step, STEP_PAUSE);
	ck_assert_str_eq(ir->error_type, "cluster_block_exception");
	ir = index_record(&h, 1);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_str_eq(ir->error_type, "cluster_block_exception");
	ck_assert_str_eq(ir->error_reason, "injected unfollow");
	ck_assert_uint_eq(h.sum.done, 1);
	ck_assert_uint_eq(h.sum.failed, 2);
	harness_free(&h);
}
END_TEST

START_TEST(unfollow_500_with_leases_and_second_pause_are_done)
{
	struct harness	h;

	harness_init(&h, 2, "u", 1);
	h.f.c[ALPHA].down = true;
	/* Already paused by someone: _ccr/stats 404, pause_follow 400. */
	fake_find(&h.f.c[BETA], "u1-f")->state = F_PAUSED;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 2);
	ck_assert_uint_eq(h.sum.failed, 0);
	/*
	 * The 500 was taken for what it is, not merely verified (a watch
	 * sent while the unfollow was out is not a verification).
	 */
	ck_assert_int_eq(h.f.infos_after_unfollow, 0);
	/* Nothing was recorded for the paused one: lost is unknown. */
	ck_assert_int_eq(index_record(&h, 1)->lost_operations, -1);
	ck_assert_int_eq(h.sum.lost_operations, -1);
	harness_free(&h);
}
END_TEST

START_TEST(ambiguous_unfollow_is_verified)
{
	struct harness	h;

	harness_init(&h, 2, "v", 0);
	/* The wire breaks on the first unfollow: _ccr/info decides. */
	fake_inject(&h.f, BETA, "v0-f", "unfollow", 0, NULL, 1);
	h.params.request_timeout_ms = 50;
	fake_inject(&h.f, BETA, "v1-f", "unfollow", 502, "exception", 1);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 2);
	harness_free(&h);
}
END_TEST

START_TEST(missing_follower_fails)
{
	struct harness			 h;
	const struct action_index_record *ir;

	harness_init(&h, 2, "g", 0);
	fake_find(&h.f.c[BETA], "g0-f")->exists = false;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_str_eq(ir->error_type, "index_not_found_exception");
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_DONE);
	harness_free(&h);
}
END_TEST

START_TEST(failback_without_divergence_deletes_and_follows)
{
	struct harness		 h;
	struct action_record	*promotion;
	struct fake_index	*x;
	json_t			*settings, *want;
	size_t			 i;

	harness_init(&h, 3, "fb", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 3);
	ck_assert_uint_eq(h.sum.divergent, 0);
	for (i = 0; i < 3; i++) {
		x = fake_find(&h.f.c[ALPHA], h.names[0][i]);
		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
		ck_assert_str_eq(x->remote, "beta");
		ck_assert_str_eq(x->leader, h.names[1][i]);
		ck_assert_int_eq(index_record(&h, i)->divergent_operations, 0);
		ck_assert_ptr_null(index_record(&h, i)->clone);
	}
	/* Beta registered on alpha as its configured remote says. */
	settings = json_loads(h.f.c[ALPHA].settings, 0, NULL);
	want = json_pack("{s:{s:s, s:n, s:s, s:i, s:n, s:s, s:b}}",
	    "persistent", "cluster.remote.beta.mode", "proxy",
	    "cluster.remote.beta.node_connections",
	    "cluster.remote.beta.proxy_address", "beta.example:9400",
	    "cluster.remote.beta.proxy_socket_connections", 18,
	    "cluster.remote.beta.seeds",
	    "cluster.remote.beta.server_name", "beta.example",
	    "cluster.remote.beta.skip_unavailable", 1);
	ck_assert(json_equal(settings, want));
	json_decref(settings);
	json_decref(want);
	ck_assert_uint_eq(fake_count(&h.f.c[ALPHA]), 3);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/*
 * The leader is lost in a cut network: each unfollow converts its index at
 * once but never answers (the lease removal on the old leader hangs). The
 * engine sees the conversion on the follower itself, abandons those
 * requests and opens the indices, with no request timeout to save it.
 */
START_TEST(promote_does_not_wait_for_hanging_unfollows)
{
	struct harness	h;

	harness_init(&h, 6, "uh", 1);
	h.f.c[ALPHA].down = true;
	h.f.c[BETA].lease_hang = true;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 6);
	ck_assert_uint_eq(h.sum.done, 6);
	ck_assert_uint_eq(h.sum.failed, 0);
	ck_assert_int_ge(h.f.infos, 1);
	ck_assert_int_ge(h.f.cancels, 6);
	ck_assert(TAILQ_EMPTY(&h.f.pending));
	harness_free(&h);
}
END_TEST

/*
 * One unfollow is lost before it converts its index: the watch, which
 * sees that index still following, abandons only the others; the lost
 * one is sent again after its timeout.
 */
START_TEST(watch_abandons_only_converted_indices)
{
	struct harness	h;

	harness_init(&h, 6, "uw", 0);
	h.f.c[ALPHA].down = true;
	h.f.c[BETA].lease_hang = true;
	fake_inject(&h.f, BETA, "uw3-f", "unfollow", 0, NULL, 1);
	h.params.request_timeout_ms = 300;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 6);
	ck_assert_uint_eq(h.sum.failed, 0);
	ck_assert_int_ge(h.f.cancels, 6);
	harness_free(&h);
}
END_TEST

/* The record step reads the followers' stats a hundred at a time. */
START_TEST(record_reads_followers_together)
{
	struct harness	h;
	size_t		i;

	harness_init(&h, 40, "rec", 2);
	h.f.c[ALPHA].down = true;
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 40);
	ck_assert_int_eq(h.f.stats_lists, 1);
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(index_record(&h, i)->lost_operations,
		    2 * (1 + (int64_t)(i % FAKE_SHARDS_MAX)));
	harness_free(&h);
}
END_TEST

/*
 * Failback checks, fences, reads the old leader's sequence numbers,
 * deletes and watches the restores over comma lists: a handful of requests
 * besides one follow per index.
 */
START_TEST(failback_batches_reads_and_deletes)
{
	struct harness		 h;
	struct action_record	*promotion;
	struct fake_index	*x;
	size_t			 i;
	int			 before;

	harness_init(&h, 40, "fbb", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	before = h.f.requests;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 40);
	for (i = 0; i < 40; i++) {
		x = fake_find(&h.f.c[ALPHA], h.names[0][i]);
		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
	}
	/*
	 * The remote; one _ccr/info, write block, _stats, _resolve/cluster
	 * and DELETE for all; 40 follows; one _recovery and one _ccr/info.
	 */
	ck_assert_int_le(h.f.requests - before, 40 + 8);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* One index gone from a list: the others are still checked and deleted. */
START_TEST(failback_list_with_a_missing_index)
{
	struct harness		 h;
	struct action_record	*promotion;
	struct fake_index	*x;

	harness_init(&h, 5, "fbm", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	fake_find(&h.f.c[ALPHA], h.names[0][2])->exists = false;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 5);
	ck_assert_uint_eq(h.sum.divergent, 0);
	x = fake_find(&h.f.c[ALPHA], h.names[0][2]);
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
	ck_assert_uint_eq(fake_count(&h.f.c[ALPHA]), 5);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

START_TEST(failback_with_divergence_waits_then_copies)
{
	struct harness			 h;
	struct action_record		*promotion;
	const struct action_index_record *ir;
	struct fake_index		*x, *copy;
	int64_t				 old_docs, new_docs;
	int				 before;

	harness_init(&h, 2, "dv", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	/* Alpha took 5 writes on shard 0 that beta never received. */
	x = fake_find(&h.f.c[ALPHA], "dv0");
	x->max_seq[0] += 5;
	old_docs = fake_docs(x);
	new_docs = fake_docs(fake_find(&h.f.c[BETA], "dv0-f"));
	ck_assert_int_eq(old_docs - new_docs, 5);

	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(!h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(action_index_status(ir),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_int_eq(ir->divergent_operations, 5);
	ck_assert_ptr_nonnull(ir->clone);
	ck_assert_ptr_nonnull(strstr(ir->clone, "dv0-diverged-"));
	/* Held: nothing deleted; fenced before it was counted. */
	x = fake_find(&h.f.c[ALPHA], "dv0");
	ck_assert_ptr_nonnull(x);
	ck_assert(x->write_block);
	ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_DONE);

	before = h.changes;
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_gt(h.changes, before);
	ck_assert_uint_eq(h.sum.done, 2);
	ck_assert_uint_eq(h.sum.divergent, 1);
	copy = fake_find(&h.f.c[ALPHA], index_record(&h, 0)->clone);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(fake_docs(copy), old_docs);
	ck_assert_int_eq(fake_docs(copy) - new_docs, 5);
	x = fake_find(&h.f.c[ALPHA], "dv0");
	ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
	ck_assert_int_eq(fake_docs(x), new_docs);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/*
 * A follower shard that held operations above a hole: the promotion fills
 * the hole with no-ops, so the old leader's copies of those operations are
 * the only ones. The guard compares against the checkpoint, not the max.
 */
START_TEST(gap_above_checkpoint_is_divergent)
{
	struct harness			 h;
	struct action_record		*promotion;
	const struct action_index_record *ir;
	struct fake_index		*x;

	harness_init(&h, 1, "gp", 0);
	fake_find(&h.f.c[BETA], "gp0-f")->hole = 4;
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	ir = &promotion->indices[0];
	ck_assert_int_eq(ir->follower_global_checkpoint[0],
	    ir->follower_max_seq_no[0] - 4);
	/* Nothing beyond the follower's max, one hole: at least 1. */
	ck_assert_int_eq(ir->lost_operations, 1);
	ck_assert_int_eq(ir->lost_operations_max, 4);
	h.f.c[ALPHA].down = false;
	/* The old leader holds exactly what the follower's max said. */
	x = fake_find(&h.f.c[ALPHA], "gp0");
	ck_assert_int_eq(x->max_seq[0], promotion->indices[0].
	    follower_max_seq_no[0]);
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(!h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(action_index_status(ir),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_int_eq(ir->divergent_operations, 4);
	x = fake_find(&h.f.c[ALPHA], "gp0");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* A copy that does not start keeps the original from being deleted. */
START_TEST(copy_must_start_before_the_delete)
{
	struct harness			 h;
	struct action_record		*promotion;
	struct fake_index		*x;

	harness_init(&h, 1, "cs", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	fake_find(&h.f.c[ALPHA], "cs0")->max_seq[0] += 2;
	h.f.c[ALPHA].clone_starting = 1000000;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run_for(&h, 300);
	ck_assert(!h.finished);
	ck_assert_int_eq(index_record(&h, 0)->step, STEP_CLONE_STARTED);
	x = fake_find(&h.f.c[ALPHA], "cs0");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
	/* It starts: then, and only then, the original goes. */
	fake_find(&h.f.c[ALPHA], index_record(&h, 0)->clone)->starting = 0;
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "cs0")->state], "ACTIVE");
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* An old leader that cannot reach the new one keeps its index. */
START_TEST(unreachable_new_leader_keeps_the_index)
{
	struct harness			 h;
	struct action_record		*promotion;
	const struct action_index_record *ir;
	struct fake_index		*x;

	harness_init(&h, 2, "ur", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	h.f.c[ALPHA].cut = true;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(!h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(ir->step, STEP_REACH);
	ck_assert_int_eq(action_index_status(ir),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_str_eq(ir->error_type, "remote_unreachable");
	x = fake_find(&h.f.c[ALPHA], "ur0");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
	/* The operator fixed the link and confirms. */
	h.f.c[ALPHA].cut = false;
	ck_assert_uint_eq(action_confirm(h.e), 2);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 2);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* A retried failback: an index that already follows is not divergent. */
START_TEST(already_following_is_done)
{
	struct harness			 h;
	struct action_record		*promotion;
	struct fake_index		*x;

	harness_init(&h, 1, "af", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	x = fake_find(&h.f.c[ALPHA], "af0");
	x->state = F_ACTIVE;
	x->max_seq[0] += 7;
	snprintf(x->remote, sizeof x->remote, "beta");
	snprintf(x->leader, sizeof x->leader, "af0-f");
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	ck_assert_uint_eq(h.sum.divergent, 0);
	ck_assert(!x->write_block);
	ck_assert_ptr_null(index_record(&h, 0)->clone);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/*
 * A promotion failed on one index; retried, it takes that one up where it
 * failed and never closes the others again (they take writes already).
 */
START_TEST(retried_promotion_leaves_done_indices_alone)
{
	struct harness		 h;
	struct action_record	*failed;
	char			*cause = NULL;
	int64_t			 gcp;

	harness_init(&h, 3, "rt", 0);
	h.f.c[ALPHA].down = true;
	/* Refused in its batch, then alone. */
	fake_inject(&h.f, BETA, "rt1-f", "close", 400,
	    "illegal_argument_exception", 2);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 2);
	ck_assert_uint_eq(h.sum.failed, 1);
	failed = record_copy(h.last);
	gcp = failed->indices[0].follower_global_checkpoint[0];
	/* A close reaching a done index now would fail the retry. */
	fake_inject(&h.f, BETA, "rt0-f", "close", 400,
	    "illegal_argument_exception", -1);
	fake_inject(&h.f, BETA, "rt2-f", "close", 400,
	    "illegal_argument_exception", -1);
	fake_find(&h.f.c[BETA], "rt0-f")->max_seq[0] += 9;
	h.finished = false;
	if (action_retry(h.e, failed, &cause) != 0)
		ck_abort_msg("retry: %s", cause);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 3);
	ck_assert_uint_eq(h.sum.failed, 0);
	assert_promoted(&h, 3);
	/* The first attempt's record of the done index is kept. */
	ck_assert_int_eq(index_record(&h, 0)->follower_global_checkpoint[0],
	    gcp);
	action_record_free(failed);
	harness_free(&h);
}
END_TEST

/* A follow's restore takes as long as it takes; its progress shows. */
START_TEST(restore_is_waited_for)
{
	struct harness			 h;
	struct action_record		*promotion;
	const struct action_index_record *ir;

	harness_init(&h, 1, "rs", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	h.f.c[ALPHA].restoring = 1000000;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run_for(&h, 300);
	ck_assert(!h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(ir->step, STEP_RESTORE);
	ck_assert_str_eq(ir->error_reason, "the follow's restore has copied "
	    "50% (5 of 10 bytes)");
	fake_find(&h.f.c[ALPHA], "rs0")->starting = 0;
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* An old-leader index re-created since it led is never replaced. */
START_TEST(recreated_index_is_refused)
{
	struct harness			 h;
	struct action_record		*promotion;
	const struct action_index_record *ir;

	harness_init(&h, 2, "rc", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	promotion->indices[0].uuid = xstrdup("uuid-pinned-long-ago");
	promotion->indices[1].uuid = xstrdup("uuid-rc1");
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ir = index_record(&h, 0);
	ck_assert_int_eq(ir->step, STEP_FAILED);
	ck_assert_str_eq(ir->error_type, "index_recreated");
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "rc0")->state], "REGULAR_OPEN");
	/* The one whose uuid is the pinned one is failed back. */
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_DONE);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

START_TEST(failback_leaves_unpromoted_indices_alone)
{
	struct harness		 h;
	struct action_record	*promotion;
	struct fake_index	*x;

	harness_init(&h, 3, "np", 0);
	h.f.c[ALPHA].down = true;
	fake_inject(&h.f, BETA, "np1-f", "pause_follow", 400,
	    "illegal_argument_exception", -1);
	promotion = promote_and_keep(&h);
	ck_assert_uint_eq(h.sum.failed, 1);
	h.f.c[ALPHA].down = false;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 2);
	ck_assert_uint_eq(h.sum.failed, 1);
	ck_assert_str_eq(index_record(&h, 1)->error_type, "not_promoted");
	/* Alpha's np1 is still the leader index, untouched. */
	x = fake_find(&h.f.c[ALPHA], "np1");
	ck_assert_ptr_nonnull(x);
	ck_assert_str_eq(fstate_names[x->state], "REGULAR_OPEN");
	ck_assert(!x->write_block);
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "np0")->state], "ACTIVE");
	action_record_free(promotion);
	harness_free(&h);

	/* A record of the other direction proves nothing: hold. */
	harness_init(&h, 1, "od", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	promotion->old_leader = BETA;
	h.f.c[ALPHA].down = false;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

START_TEST(follow_onto_a_foreign_index_fails)
{
	static const char	 text[] =
	    "{\"version\":1,\"kind\":\"failback\",\"old_leader\":0,"
	    "\"clusters\":[\"alpha\",\"beta\"],\"started\":"
	    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\",\"indices\":["
	    "{\"names\":[\"ff0\",\"ff0-f\"],\"step\":\"follow\","
	    "\"sent\":true,\"attempts\":0,\"confirmed\":false,\"shards\":[],"
	    "\"lost_operations\":-1,\"divergent_operations\":0},"
	    "{\"names\":[\"ff1\",\"ff1-f\"],\"step\":\"follow\","
	    "\"sent\":true,\"attempts\":0,\"confirmed\":false,\"shards\":[],"
	    "\"lost_operations\":-1,\"divergent_operations\":0},"
	    "{\"names\":[\"ff2\",\"ff2-f\"],\"step\":\"follow\","
	    "\"sent\":true,\"attempts\":0,\"confirmed\":false,\"shards\":[],"
	    "\"lost_operations\":-1,\"divergent_operations\":0}]}";
	struct harness		 h;
	struct action_record	*rec;
	struct fake_index	*x;
	char			*cause = NULL;

	harness_init(&h, 3, "ff", 0);
	snprintf(h.f.c[ALPHA].remotes[h.f.c[ALPHA].nremotes++], 64, "beta");
	fake_find(&h.f.c[BETA], "ff0-f")->state = F_REGULAR_OPEN;
	fake_find(&h.f.c[BETA], "ff1-f")->state = F_REGULAR_OPEN;
	fake_find(&h.f.c[BETA], "ff2-f")->state = F_REGULAR_OPEN;
	/* ff0 is a plain index (never deleted); ff1 follows someone else. */
	x = fake_find(&h.f.c[ALPHA], "ff1");
	x->state = F_ACTIVE;
	snprintf(x->remote, sizeof x->remote, "gamma");
	snprintf(x->leader, sizeof x->leader, "other");
	/* ff2 already follows the right leader: a replayed follow. */
	x = fake_find(&h.f.c[ALPHA], "ff2");
	x->state = F_ACTIVE;
	snprintf(x->remote, sizeof x->remote, "beta");
	snprintf(x->leader, sizeof x->leader, "ff2-f");
	rec = record_copy(text);
	harness_engine(&h);
	if (action_resume(h.e, rec, &cause) != 0)
		ck_abort_msg("resume: %s", cause);
	action_record_free(rec);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_eq(index_record(&h, 0)->step, STEP_FAILED);
	ck_assert_str_eq(index_record(&h, 0)->error_type, "follow_conflict");
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_FAILED);
	ck_assert_str_eq(index_record(&h, 1)->error_reason,
	    "the index follows gamma:other");
	ck_assert_int_eq(index_record(&h, 2)->step, STEP_DONE);
	harness_free(&h);
}
END_TEST

START_TEST(failback_without_record_holds_every_index)
{
	struct harness	h;

	harness_init(&h, 2, "nr", 0);
	fake_find(&h.f.c[ALPHA], "nr1")->exists = false;
	harness_start(&h, FSM_ACTION_FAILBACK, NULL);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_int_eq(index_record(&h, 0)->divergent_operations, -1);
	/* Missing on the old leader: straight to follow. */
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_DONE);
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "nr1")->state], "ACTIVE");
	harness_free(&h);
}
END_TEST

START_TEST(odd_and_long_names)
{
	struct harness			 h;
	const struct action_index_record *ir;
	char				 prefix[246];

	/* Escaped in paths, found again by Elasticsearch. */
	harness_init(&h, 2, "caf\xc3\xa9+", 0);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	assert_promoted(&h, 2);
	harness_free(&h);

	/* A copy's name stays within Elasticsearch's 255 bytes. */
	memset(prefix, 'l', sizeof prefix - 1);
	prefix[sizeof prefix - 1] = '\0';
	harness_init(&h, 1, prefix, 0);
	harness_start(&h, FSM_ACTION_FAILBACK, NULL);
	harness_run(&h);
	ck_assert(!h.finished);
	ir = index_record(&h, 0);
	ck_assert_ptr_nonnull(ir->clone);
	ck_assert_uint_le(strlen(ir->clone), 255);
	ck_assert_ptr_nonnull(strstr(ir->clone, "-diverged-"));
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_ptr_nonnull(fake_find(&h.f.c[ALPHA], ir->clone));
	harness_free(&h);
}
END_TEST

START_TEST(switchover_waits_for_lag_then_swaps)
{
	struct harness		 h;
	struct fake_index	*x;
	size_t			 i;

	harness_init(&h, 3, "sw", 0);
	fake_find(&h.f.c[BETA], "sw1-f")->lag = 4;
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_ge(h.f.lag_reads, 5);
	ck_assert_uint_eq(h.sum.done, 3);
	ck_assert_int_eq(h.sum.lost_operations, 0);
	ck_assert_uint_eq(h.sum.divergent, 0);
	for (i = 0; i < 3; i++) {
		ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
		    h.names[1][i])->state], "REGULAR_OPEN");
		x = fake_find(&h.f.c[ALPHA], h.names[0][i]);
		ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
		ck_assert_str_eq(x->remote, "beta");
		ck_assert_int_eq(fake_docs(x), fake_docs(fake_find(
		    &h.f.c[BETA], h.names[1][i])));
	}
	harness_free(&h);
}
END_TEST

START_TEST(switchover_times_out_without_change)
{
	struct harness	h;
	char		*before, *after;

	harness_init(&h, 2, "so", 0);
	fake_find(&h.f.c[BETA], "so0-f")->lag = 2;
	fake_find(&h.f.c[BETA], "so0-f")->stuck = true;
	h.params.switchover_timeout_ms = 30;
	before = fake_dump(&h.f);
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_str_eq(h.sum.error_type, "lag_timeout");
	/* Writes were blocked for the wait, and the blocks lifted. */
	ck_assert_int_eq(h.f.mutating, 4);
	ck_assert_uint_eq(h.sum.done, 0);
	after = fake_dump(&h.f);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	harness_free(&h);
}
END_TEST

START_TEST(switchover_not_fooled_by_a_stale_follower)
{
	struct harness	h;
	char		*before, *after;

	/*
	 * The followers' stats say caught up, but they have not read the
	 * leader's last three operations: only the leader's own _stats shows
	 * it, and the switchover must wait for them, changing nothing.
	 */
	harness_init(&h, 2, "st", 3);
	h.params.switchover_timeout_ms = 30;
	before = fake_dump(&h.f);
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_str_eq(h.sum.error_type, "lag_timeout");
	ck_assert_int_eq(h.f.mutating, 4);
	ck_assert_int_ge(h.f.lag_reads, 1);
	after = fake_dump(&h.f);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	harness_free(&h);
}
END_TEST

/*
 * Between the failback's DELETE and its follow (here the daemon dies with
 * the follow out), a client's write creates the index again, a plain one
 * with the client's documents (auto_create_index). The follow then meets
 * it and fails; retried, the failback must not replace it unseen: nothing
 * recorded about the deleted index applies to it, so it counts as
 * divergent and is copied before it is replaced.
 */
START_TEST(index_created_after_the_delete_is_kept)
{
	struct harness		 h;
	struct action_record	*promotion, *rec;
	struct fake_index	*x, *copy;
	char			*cause = NULL;
	int64_t			 docs;

	harness_init(&h, 1, "ac", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	fake_inject(&h.f, ALPHA, "ac0", "follow", 0, NULL, 1);
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run_for(&h, 100);
	ck_assert_int_eq(index_record(&h, 0)->step, STEP_FOLLOW);
	ck_assert_ptr_null(fake_find(&h.f.c[ALPHA], "ac0"));
	/* Fewer operations than the old one had: they look like nothing. */
	x = fake_add(&h.f.c[ALPHA], "ac0", F_REGULAR_OPEN, 1, 1);
	docs = fake_docs(x);
	ck_assert_int_gt(docs, 0);

	rec = record_copy(h.last);
	harness_engine(&h);
	if (action_resume(h.e, rec, &cause) != 0)
		ck_abort_msg("resume: %s", cause);
	action_record_free(rec);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.failed, 1);
	ck_assert_int_eq(fake_docs(fake_find(&h.f.c[ALPHA], "ac0")), docs);

	rec = record_copy(h.last);
	harness_engine(&h);
	if (action_retry(h.e, rec, &cause) != 0)
		ck_abort_msg("retry: %s", cause);
	action_record_free(rec);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_int_eq(fake_docs(fake_find(&h.f.c[ALPHA], "ac0")), docs);
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	copy = fake_find(&h.f.c[ALPHA], index_record(&h, 0)->clone);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(fake_docs(copy), docs);
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "ac0")->state], "ACTIVE");
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/*
 * The daemon dies with the failback's DELETE out. Whether it went through
 * only the index there can tell: a client's write may have created one of
 * that name since (auto_create_index), and that one, with its writes, is
 * not deleted unseen: it is held for the operator, then copied. The index
 * that was checked, still there, is deleted; a deleted one is followed.
 */
static void
delete_resumed(bool applied, bool recreated)
{
	struct harness		 h;
	struct action_record	*promotion, *rec;
	struct fake_index	*x, *copy;
	char			*cause = NULL;
	int64_t			 docs = 0;

	harness_init(&h, 1, "dr", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	h.f.crash_method = "DELETE";
	h.f.crash_apply = applied;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.f.crashed);
	ck_assert_int_eq(index_record(&h, 0)->step, STEP_DELETE);
	ck_assert(index_record(&h, 0)->sent);
	ck_assert(applied == (fake_find(&h.f.c[ALPHA], "dr0") == NULL));
	if (recreated) {
		x = fake_add(&h.f.c[ALPHA], "dr0", F_REGULAR_OPEN, 1, 2);
		docs = fake_docs(x);
		ck_assert_int_gt(docs, 0);
	}

	action_free(h.e);
	h.e = NULL;
	h.f.crashed = false;
	rec = record_copy(h.last);
	harness_engine(&h);
	if (action_resume(h.e, rec, &cause) != 0)
		ck_abort_msg("resume: %s", cause);
	action_record_free(rec);
	harness_run(&h);
	if (recreated) {
		ck_assert(!h.finished);
		ck_assert_int_eq(action_index_status(index_record(&h, 0)),
		    ACTION_INDEX_AWAITING_CONFIRMATION);
		x = fake_find(&h.f.c[ALPHA], "dr0");
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(fake_docs(x), docs);
		ck_assert(x->write_block);
		ck_assert_uint_eq(action_confirm(h.e), 1);
		harness_run(&h);
		copy = fake_find(&h.f.c[ALPHA], index_record(&h, 0)->clone);
		ck_assert_ptr_nonnull(copy);
		ck_assert_int_eq(fake_docs(copy), docs);
	}
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	ck_assert_uint_eq(h.sum.failed, 0);
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "dr0")->state], "ACTIVE");
	action_record_free(promotion);
	harness_free(&h);
}

START_TEST(resumed_delete_spares_an_index_created_since)
{
	delete_resumed(true, true);
}
END_TEST

START_TEST(resumed_delete_is_sent_again_or_taken_as_done)
{
	delete_resumed(false, false);
	delete_resumed(true, false);
}
END_TEST

/*
 * A DELETE answered 500 may have deleted the index, and a client's write
 * may have created it again before the retry: the retry reads first.
 */
START_TEST(ambiguous_delete_spares_an_index_created_since)
{
	struct harness		 h;
	struct action_record	*promotion;
	struct fake_index	*x, *copy;
	int64_t			 docs;

	harness_init(&h, 1, "ad", 0);
	h.f.c[ALPHA].down = true;
	promotion = promote_and_keep(&h);
	h.f.c[ALPHA].down = false;
	h.f.c[ALPHA].recreate_on_delete = true;
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	x = fake_find(&h.f.c[ALPHA], "ad0");
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(x->generation, 1);
	docs = fake_docs(x);
	ck_assert_int_gt(docs, 0);
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 1);
	copy = fake_find(&h.f.c[ALPHA], index_record(&h, 0)->clone);
	ck_assert_ptr_nonnull(copy);
	ck_assert_int_eq(fake_docs(copy), docs);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/* Make beta's follower of pair i a plain index, as a promotion leaves it. */
static struct fake_index *
promoted_before(struct harness *h, size_t i)
{
	struct fake_index	*x;

	x = fake_find(&h->f.c[BETA], h->names[1][i]);
	x->state = F_REGULAR_OPEN;
	x->remote[0] = x->leader[0] = '\0';
	/* The switchover that promoted it had blocked its old side. */
	fake_find(&h->f.c[ALPHA], h->names[0][i])->write_block = true;
	return (x);
}

/*
 * A switchover started afresh over a pair an earlier attempt promoted (its
 * record gone): that follower follows nothing and its lag is never waited
 * for; the other pair switches over, and the promoted pair's old side is
 * failed back, held for the operator since nothing recorded what it holds.
 */
START_TEST(switchover_takes_up_an_earlier_promotion)
{
	struct harness		 h;
	struct fake_index	*x;
	size_t			 i;

	harness_init(&h, 2, "sp", 0);
	promoted_before(&h, 0);
	h.params.switchover_timeout_ms = 200;
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_ptr_null(action_record(h.e)->error_type);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_int_eq(index_record(&h, 1)->step, STEP_DONE);
	ck_assert(fake_find(&h.f.c[ALPHA], "sp0")->write_block);
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_ptr_null(h.sum.error_type);
	ck_assert_uint_eq(h.sum.done, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
		    h.names[1][i])->state], "REGULAR_OPEN");
		x = fake_find(&h.f.c[ALPHA], h.names[0][i]);
		ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
		ck_assert_str_eq(x->remote, "beta");
	}
	harness_free(&h);
}
END_TEST

/*
 * Given up (the other pair's lag stays), such a switchover lifts only the
 * blocks it may: the promoted pair's old side stays blocked, or both of
 * its sides would take writes. Retried from its record, it waits only for
 * the pair not yet promoted, and finishes both.
 */
START_TEST(switchover_given_up_keeps_one_writer_per_pair)
{
	struct harness		 h;
	struct action_record	*failed;
	struct fake_index	*y;
	char			*cause = NULL;

	harness_init(&h, 2, "sg", 0);
	promoted_before(&h, 0);
	y = fake_find(&h.f.c[BETA], "sg1-f");
	y->lag = 2;
	y->stuck = true;
	h.params.switchover_timeout_ms = 30;
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_str_eq(h.sum.error_type, "lag_timeout");
	ck_assert(fake_find(&h.f.c[ALPHA], "sg0")->write_block);
	ck_assert(!fake_find(&h.f.c[ALPHA], "sg1")->write_block);
	ck_assert_str_eq(fstate_names[y->state], "ACTIVE");
	failed = record_copy(h.last);
	ck_assert(action_record_changed(failed));

	y->stuck = false;
	h.params.switchover_timeout_ms = 5000;
	harness_engine(&h);
	if (action_retry(h.e, failed, &cause) != 0)
		ck_abort_msg("retry: %s", cause);
	harness_run(&h);
	ck_assert(!h.finished);
	ck_assert_int_eq(action_index_status(index_record(&h, 0)),
	    ACTION_INDEX_AWAITING_CONFIRMATION);
	ck_assert_uint_eq(action_confirm(h.e), 1);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_ptr_null(h.sum.error_type);
	ck_assert_uint_eq(h.sum.done, 2);
	ck_assert_str_eq(fstate_names[y->state], "REGULAR_OPEN");
	ck_assert_str_eq(fstate_names[fake_find(&h.f.c[ALPHA],
	    "sg1")->state], "ACTIVE");
	action_record_free(failed);
	harness_free(&h);
}
END_TEST

/*
 * The new leader cannot be registered on the old one for good: the
 * switchover fails before any index is promoted, and the write blocks its
 * lag wait put on the old leader, which still leads, are lifted.
 */
START_TEST(switchover_refused_remote_unblocks_the_old_leader)
{
	struct harness	h;
	size_t		i;

	harness_init(&h, 2, "sr", 0);
	h.f.c[ALPHA].settings_refused = true;
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_str_eq(h.sum.error_type, "illegal_argument_exception");
	for (i = 0; i < 2; i++) {
		ck_assert(!fake_find(&h.f.c[ALPHA], h.names[0][i])->write_block);
		ck_assert_str_eq(fstate_names[fake_find(&h.f.c[BETA],
		    h.names[1][i])->state], "ACTIVE");
	}
	harness_free(&h);
}
END_TEST

static void
abort_on_third_read(int fd, short events, void *arg)
{
	struct harness	*h = arg;
	char		*cause = NULL;

	(void)fd;
	(void)events;
	if (h->f.lag_reads < 3) {
		event_base_once(h->base, -1, EV_TIMEOUT, abort_on_third_read,
		    h, &(struct timeval){ 0, 1000 });
		return;
	}
	/* While it waits for lag 0, the old leader takes no write. */
	ck_assert(fake_find(&h->f.c[ALPHA], "ab0")->write_block);
	ck_assert(fake_find(&h->f.c[ALPHA], "ab1")->write_block);
	ck_assert_int_eq(action_abort(h->e, &cause), 0);
}

START_TEST(switchover_abort_only_before_any_change)
{
	struct harness	h;
	char		*before, *after, *cause = NULL;

	/* Lag that never shrinks: only the operator ends the wait. */
	harness_init(&h, 2, "ab", 0);
	fake_find(&h.f.c[BETA], "ab0-f")->lag = 2;
	fake_find(&h.f.c[BETA], "ab0-f")->stuck = true;
	h.params.lag_poll_ms = 5;
	harness_start(&h, FSM_ACTION_SWITCHOVER, NULL);
	before = fake_dump(&h.f);
	event_base_once(h.base, -1, EV_TIMEOUT, abort_on_third_read, &h,
	    &(struct timeval){ 0, 1000 });
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_str_eq(h.sum.error_type, "aborted");
	ck_assert_int_eq(h.f.mutating, 4);
	after = fake_dump(&h.f);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	ck_assert_int_eq(action_abort(h.e, &cause), -1);
	free(cause);
	harness_free(&h);

	/* Once indices move, abort is refused and the action goes on. */
	harness_init(&h, 2, "ab", 0);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	cause = NULL;
	ck_assert_int_eq(action_abort(h.e, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "point of no return"));
	free(cause);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_uint_eq(h.sum.done, 2);
	harness_free(&h);
}
END_TEST

START_TEST(dry_run_sends_no_mutating_request)
{
	struct harness		 h;
	struct action_record	*promotion;
	char			*before, *after;

	harness_init(&h, 4, "dr", 0);
	h.params.dry_run = true;
	before = fake_dump(&h.f);
	promotion = promote_and_keep(&h);
	ck_assert_uint_eq(h.sum.done, 4);
	ck_assert_int_eq(h.f.mutating, 0);
	ck_assert_int_gt(h.f.requests, 0);	/* the reads went out */
	harness_start(&h, FSM_ACTION_FAILBACK, promotion);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_eq(h.f.mutating, 0);
	after = fake_dump(&h.f);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	action_record_free(promotion);
	harness_free(&h);
}
END_TEST

/*
 * Crash at the k-th mutating request (after Elasticsearch applied it, or
 * before it arrived), resume a new engine from the last reported record,
 * and compare the clusters with an uninterrupted run. Divergence holds are
 * confirmed whenever the run goes idle.
 */
static void
resume_scenario(enum fsm_action kind, bool diverge)
{
	struct harness		 h;
	struct action_record	*promotion = NULL, *rec;
	char			*want = NULL, *got, *cause = NULL;
	int			 k, apply;

	for (apply = 0; apply < 2; apply++) {
		for (k = 0; ; k++) {
			/* Only a failover loses operations. */
			harness_init(&h, 3, "r", kind == FSM_ACTION_PROMOTE);
			if (kind == FSM_ACTION_FAILBACK) {
				h.f.c[ALPHA].down = true;
				promotion = promote_and_keep(&h);
				h.f.c[ALPHA].down = false;
				if (diverge)
					fake_find(&h.f.c[ALPHA],
					    "r1")->max_seq[0] += 3;
			}
			if (kind == FSM_ACTION_PROMOTE)
				h.f.c[ALPHA].down = true;
			h.f.mutating = 0;
			h.f.crash_at = k;
			h.f.crash_apply = apply;
			harness_start(&h, kind, promotion);
			harness_run(&h);
			while (!h.finished && !h.f.crashed) {
				ck_assert_uint_gt(action_confirm(h.e), 0);
				harness_run(&h);
			}
			if (h.f.crashed) {
				/* Kill -9: a new engine from the state file. */
				action_free(h.e);
				h.e = NULL;
				h.f.crashed = false;
				h.f.crash_at = 0;
				rec = record_copy(h.last);
				harness_engine(&h);
				if (action_resume(h.e, rec, &cause) != 0)
					ck_abort_msg("resume: %s", cause);
				action_record_free(rec);
				harness_run(&h);
				while (!h.finished) {
					ck_assert_uint_gt(action_confirm(h.e),
					    0);
					harness_run(&h);
				}
			}
			ck_assert(h.finished);
			ck_assert_uint_eq(h.sum.failed, 0);
			got = fake_dump(&h.f);
			if (want == NULL)
				want = strdup(got);
			ck_assert_msg(strcmp(want, got) == 0,
			    "crash at %d (applied %d):\n%s\nwant:\n%s", k,
			    apply, got, want);
			free(got);
			action_record_free(promotion);
			promotion = NULL;
			if (k > 0 && h.f.crash_at == k) {
				/* Never reached: every step was covered. */
				harness_free(&h);
				break;
			}
			harness_free(&h);
		}
		ck_assert_int_gt(k, 3);
	}
	free(want);
}

START_TEST(resume_promotion_at_every_step)
{
	resume_scenario(FSM_ACTION_PROMOTE, false);
}
END_TEST

START_TEST(resume_failback_at_every_step)
{
	resume_scenario(FSM_ACTION_FAILBACK, true);
}
END_TEST

START_TEST(resume_switchover_at_every_step)
{
	resume_scenario(FSM_ACTION_SWITCHOVER, false);
}
END_TEST

/*
 * Which failback steps may have deleted the old leader's index (past the
 * DELETE, or with a DELETE sent whose outcome nothing has read), and what
 * is forgotten of an index deleted there.
 */
START_TEST(deleted_indices_are_forgotten)
{
	static const struct {
		enum step	step, failed_step;
		bool		sent, deleted;
	} cases[] = {
		{ STEP_FOLLOWING, STEP_FAILED, false, false },
		{ STEP_DIVERGENCE, STEP_FAILED, false, false },
		{ STEP_DELETE, STEP_FAILED, false, false },
		{ STEP_DELETE, STEP_FAILED, true, true },
		{ STEP_VERIFY_DELETE, STEP_FAILED, false, true },
		{ STEP_VERIFY_DELETE, STEP_FAILED, true, true },
		{ STEP_FOLLOW, STEP_FAILED, false, true },
		{ STEP_RESTORE, STEP_FAILED, false, true },
		{ STEP_DONE, STEP_FAILED, false, true },
		{ STEP_FAILED, STEP_DIVERGENCE, false, false },
		{ STEP_FAILED, STEP_DELETE, false, false },
		{ STEP_FAILED, STEP_VERIFY_DELETE, false, true },
		{ STEP_FAILED, STEP_FOLLOW, false, true },
	};
	struct action_index_record	ir;
	int64_t				gcp[2] = { 10, 20 };
	size_t				k;

	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		memset(&ir, 0, sizeof ir);
		ir.step = cases[k].step;
		ir.failed_step = cases[k].failed_step;
		ir.sent = cases[k].sent;
		ck_assert_msg(action_index_record_deleted(&ir) ==
		    cases[k].deleted, "case %zu", k);
	}
	memset(&ir, 0, sizeof ir);
	ir.uuid = xstrdup("u-old");
	ir.follower_global_checkpoint = gcp;
	ir.nshards = 2;
	action_index_record_forget(&ir);
	ck_assert_ptr_null(ir.uuid);
	ck_assert(gcp[0] == STEP_SEQ_UNKNOWN && gcp[1] == STEP_SEQ_UNKNOWN);
}
END_TEST

START_TEST(record_round_trips)
{
	struct harness		 h;
	struct action_record	*rec;
	json_t			*j;
	char			*again;

	harness_init(&h, 3, "rt", 2);
	fake_inject(&h.f, BETA, "rt1-f", "close", 400,
	    "illegal_argument_exception", -1);
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	rec = record_copy(h.last);
	ck_assert_uint_eq(rec->nindices, 3);
	ck_assert_int_eq(rec->indices[1].step, STEP_FAILED);
	ck_assert_int_eq(rec->indices[1].failed_step, STEP_CLOSE);
	ck_assert_str_eq(rec->indices[1].error_type,
	    "illegal_argument_exception");
	ck_assert_uint_eq(rec->indices[2].nshards, 3);
	ck_assert_int_eq(rec->indices[2].lost_operations, 6);
	j = action_record_to_json(rec);
	again = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(again, h.last);
	free(again);
	json_decref(j);
	/* The state file's text is jansson's compact text of it. */
	again = action_record_to_text(rec);
	ck_assert_str_eq(again, h.last);
	free(again);
	action_record_free(rec);
	harness_free(&h);
}
END_TEST

START_TEST(garbage_records_are_rejected)
{
	static const char *const bad[] = {
		"[]",
		"{}",
		"{\"version\":2}",
		"{\"version\":1,\"kind\":\"explode\"}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":2}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\"]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":\"yesterday\"}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"nap\"}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":{}}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\"]}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],"
		    "\"step\":\"jump\"}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"close\","
		    "\"sent\":\"yes\",\"confirmed\":false}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"close\","
		    "\"sent\":true,\"confirmed\":false,\"attempts\":-1}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"close\","
		    "\"sent\":true,\"confirmed\":false,\"attempts\":0,"
		    "\"lost_operations\":0,\"divergent_operations\":-1,"
		    "\"shards\":[{\"leader_max_seq_no\":\"7\"}]}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"delete\","
		    "\"sent\":true,\"confirmed\":false,\"attempts\":0,"
		    "\"lost_operations\":0,\"divergent_operations\":-1,"
		    "\"shards\":[]}]}",
		"{\"version\":1,\"kind\":\"failback\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"clone\","
		    "\"sent\":true,\"confirmed\":true,\"attempts\":0,"
		    "\"lost_operations\":0,\"divergent_operations\":-1,"
		    "\"shards\":[]}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"failed\","
		    "\"sent\":false,\"confirmed\":false,\"attempts\":0,"
		    "\"lost_operations\":0,\"divergent_operations\":-1,"
		    "\"shards\":[]}]}",
		"{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
		    "\"clusters\":[\"a\",\"b\"],\"started\":"
		    "\"2026-01-01T00:00:00Z\",\"phase\":\"indices\","
		    "\"indices\":[{\"names\":[\"x\",\"y\"],\"step\":\"close\","
		    "\"failed_step\":\"unfollow\","
		    "\"sent\":false,\"confirmed\":false,\"attempts\":0,"
		    "\"lost_operations\":0,\"divergent_operations\":-1,"
		    "\"shards\":[]}]}",
	};
	static const char good[] =
	    "{\"version\":1,\"kind\":\"promote\",\"old_leader\":0,"
	    "\"clusters\":[\"a\",\"b\"],\"started\":\"2026-01-01T00:00:00Z\","
	    "\"phase\":\"indices\",\"error\":{\"type\":\"t\",\"reason\":null},"
	    "\"indices\":[{\"names\":[\"x\",\"y\"],"
	    "\"step\":\"close\",\"sent\":true,\"confirmed\":false,"
	    "\"attempts\":0,\"lost_operations\":0,"
	    "\"divergent_operations\":-1,\"shards\":[{\"leader_max_seq_no\":"
	    "null,\"follower_max_seq_no\":4}]}]}";
	struct action_record	*rec;
	json_t			*j;
	json_error_t		 err;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = json_loads(bad[i], 0, &err);
		ck_assert_ptr_nonnull(j);
		cause = NULL;
		rec = action_record_from_json(j, &cause);
		ck_assert_msg(rec == NULL, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		json_decref(j);
	}
	j = json_loads(good, 0, &err);
	cause = NULL;
	rec = action_record_from_json(j, &cause);
	ck_assert_msg(rec != NULL, "%s", cause);
	ck_assert_int_eq(rec->indices[0].leader_max_seq_no[0],
	    STEP_SEQ_UNKNOWN);
	ck_assert_int_eq(rec->indices[0].follower_max_seq_no[0], 4);
	ck_assert_str_eq(rec->error_type, "t");
	ck_assert_ptr_null(rec->error_reason);
	action_record_free(rec);
	json_decref(j);
}
END_TEST

START_TEST(refuses_bad_names_foreign_or_finished_records)
{
	struct harness		 h;
	struct action_record	*rec;
	char			*cause = NULL;

	harness_init(&h, 1, "f", 0);
	/* A name that cannot be recorded is refused up front. */
	h.pairs[0].follower_index = "\xff\xfe";
	harness_engine(&h);
	ck_assert_int_eq(action_start(h.e, FSM_ACTION_PROMOTE, ALPHA, NULL, NULL,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "UTF-8"));
	free(cause);
	cause = NULL;
	ck_assert(!action_running(h.e));
	h.pairs[0].follower_index = h.names[1][0];
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	rec = record_copy(h.last);
	harness_engine(&h);
	ck_assert_int_eq(action_resume(h.e, rec, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "finished"));
	free(cause);
	cause = NULL;
	rec->phase = ACTION_PHASE_INDICES;
	free(rec->clusters[1]);
	rec->clusters[1] = strdup("gamma");
	ck_assert_int_eq(action_resume(h.e, rec, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "gamma"));
	free(cause);
	action_record_free(rec);
	harness_free(&h);
}
END_TEST

START_TEST(veto_allows_the_promotion)
{
	static const char *const told[] = {
		"CCR_HOOK=pre_promote\n", "CCR_EVENT=pre-promote\n",
		"CCR_OLD_LEADER=alpha\n", "CCR_NEW_LEADER=beta\n",
		"CCR_STATE=PROMOTING\n"
	};
	struct harness	 h;
	char		*env;
	size_t		 i;

	harness_veto_init(&h, 3, "0.2", 0, 5000);
	harness_start_vetoable(&h);
	/* The intent is recorded before the hook runs, and nothing leaves. */
	ck_assert_int_eq(action_record(h.e)->phase, ACTION_PHASE_PRE_PROMOTE);
	ck_assert_ptr_nonnull(strstr(h.last, "\"phase\":\"pre_promote\""));
	harness_run_for(&h, 100);
	ck_assert(action_running(h.e));
	ck_assert_int_eq(h.f.requests, 0);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_eq(h.vetoed, 0);
	assert_promoted(&h, 3);
	env = hook_env(&h);
	ck_assert_ptr_nonnull(env);
	for (i = 0; i < sizeof told / sizeof told[0]; i++)
		ck_assert_msg(strstr(env, told[i]) != NULL, "no %s", told[i]);
	free(env);
	harness_free(&h);
}
END_TEST

/*
 * A promotion over n indices whose hook sleeps `seconds` and exits with
 * code, killed after timeout_ms, is refused: nothing sent, and the record
 * it leaves has touched nothing.
 */
static void
assert_vetoed(size_t n, const char *seconds, int code, uint64_t timeout_ms)
{
	struct harness		 harness, *h = &harness;
	struct action_record	*rec;
	struct fake_index	*x;
	char			*cause = NULL;
	size_t			 i;

	harness_veto_init(h, n, seconds, code, timeout_ms);
	harness_start_vetoable(h);
	harness_run(h);
	ck_assert_int_eq(h->vetoed, 1);
	ck_assert(!h->finished);
	ck_assert(!action_running(h->e));
	ck_assert_int_eq(h->f.requests, 0);
	for (i = 0; i < n; i++) {
		x = fake_find(&h->f.c[BETA], h->names[1][i]);
		ck_assert_str_eq(fstate_names[x->state], "ACTIVE");
	}
	rec = record_copy(h->last);
	ck_assert_int_eq(rec->phase, ACTION_PHASE_PRE_PROMOTE);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(rec->indices[i].step, STEP_RECORD);
		ck_assert(!rec->indices[i].sent);
	}
	ck_assert_int_eq(action_record(h->e)->phase, ACTION_PHASE_FINISHED);
	/* A restart decides again rather than resume it. */
	ck_assert_int_eq(action_resume(h->e, rec, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "afresh"));
	free(cause);
	action_record_free(rec);
	harness_free(h);
}

START_TEST(veto_refuses_the_promotion)
{
	assert_vetoed(3, "0", 1, 5000);
}
END_TEST

START_TEST(veto_hook_timeout_refuses)
{
	assert_vetoed(2, "30", 0, 100);
}
END_TEST

START_TEST(veto_skipped_when_confirmed_or_unrunnable)
{
	struct harness	h;

	harness_veto_init(&h, 2, "0", 1, 5000);
	/* Confirmed by the operator: no veto is given, the hook never runs. */
	harness_start(&h, FSM_ACTION_PROMOTE, NULL);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_eq(h.vetoed, 0);
	assert_promoted(&h, 2);
	ck_assert_ptr_null(hook_env(&h));
	harness_free(&h);

	/* A hook that cannot be started lets the promotion go on. */
	harness_veto_init(&h, 2, "0", 1, 5000);
	h.params.events = NULL;
	harness_start_vetoable(&h);
	harness_run(&h);
	ck_assert(h.finished);
	ck_assert_int_eq(h.vetoed, 0);
	assert_promoted(&h, 2);
	harness_free(&h);
}
END_TEST

START_TEST(veto_outlives_a_stopped_engine)
{
	struct harness	h;
	unsigned int	running = 1, queued = 0;
	int		i;

	harness_veto_init(&h, 1, "0.3", 1, 5000);
	harness_start_vetoable(&h);
	harness_run_for(&h, 50);
	/* Stopped, then freed (a reload) while the hook still runs. */
	action_stop(h.e);
	action_free(h.e);
	h.e = NULL;
	for (i = 0; i < 200 && running + queued > 0; i++) {
		harness_run_for(&h, 20);
		hook_runner_counts(h.hooks, &running, &queued);
	}
	ck_assert_uint_eq(running + queued, 0);
	ck_assert_int_eq(h.vetoed, 0);
	ck_assert_int_eq(h.f.requests, 0);
	harness_free(&h);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("action");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, promote_one_index);
	tcase_add_test(tc, promote_many_indices_in_batches);
	tcase_add_test(tc, batches_stay_under_the_request_line_limit);
	tcase_add_test(tc, transient_errors_are_retried);
	tcase_add_test(tc, permanent_error_fails_one_index_only);
	tcase_add_test(tc, failed_unfollow_leaves_the_index_open);
	tcase_add_test(tc, retries_end_at_max_attempts);
	tcase_add_test(tc, unfollow_500_with_leases_and_second_pause_are_done);
	tcase_add_test(tc, ambiguous_unfollow_is_verified);
	tcase_add_test(tc, missing_follower_fails);
	tcase_add_test(tc, failback_without_divergence_deletes_and_follows);
	tcase_add_test(tc, failback_with_divergence_waits_then_copies);
	tcase_add_test(tc, gap_above_checkpoint_is_divergent);
	tcase_add_test(tc, copy_must_start_before_the_delete);
	tcase_add_test(tc, unreachable_new_leader_keeps_the_index);
	tcase_add_test(tc, already_following_is_done);
	tcase_add_test(tc, retried_promotion_leaves_done_indices_alone);
	tcase_add_test(tc, recreated_index_is_refused);
	tcase_add_test(tc, restore_is_waited_for);
	tcase_add_test(tc, failback_leaves_unpromoted_indices_alone);
	tcase_add_test(tc, follow_onto_a_foreign_index_fails);
	tcase_add_test(tc, failback_without_record_holds_every_index);
	tcase_add_test(tc, odd_and_long_names);
	tcase_add_test(tc, switchover_waits_for_lag_then_swaps);
	tcase_add_test(tc, switchover_times_out_without_change);
	tcase_add_test(tc, switchover_not_fooled_by_a_stale_follower);
	tcase_add_test(tc, switchover_abort_only_before_any_change);
	tcase_add_test(tc, switchover_takes_up_an_earlier_promotion);
	tcase_add_test(tc, switchover_given_up_keeps_one_writer_per_pair);
	tcase_add_test(tc, switchover_refused_remote_unblocks_the_old_leader);
	tcase_add_test(tc, index_created_after_the_delete_is_kept);
	tcase_add_test(tc, resumed_delete_spares_an_index_created_since);
	tcase_add_test(tc, resumed_delete_is_sent_again_or_taken_as_done);
	tcase_add_test(tc, ambiguous_delete_spares_an_index_created_since);
	tcase_add_test(tc, dry_run_sends_no_mutating_request);
	tcase_add_test(tc, resume_promotion_at_every_step);
	tcase_add_test(tc, resume_failback_at_every_step);
	tcase_add_test(tc, resume_switchover_at_every_step);
	tcase_add_test(tc, record_round_trips);
	tcase_add_test(tc, deleted_indices_are_forgotten);
	tcase_add_test(tc, promote_does_not_wait_for_hanging_unfollows);
	tcase_add_test(tc, watch_abandons_only_converted_indices);
	tcase_add_test(tc, record_reads_followers_together);
	tcase_add_test(tc, failback_batches_reads_and_deletes);
	tcase_add_test(tc, failback_list_with_a_missing_index);
	tcase_add_test(tc, garbage_records_are_rejected);
	tcase_add_test(tc, refuses_bad_names_foreign_or_finished_records);
	tcase_add_test(tc, veto_allows_the_promotion);
	tcase_add_test(tc, veto_refuses_the_promotion);
	tcase_add_test(tc, veto_hook_timeout_refuses);
	tcase_add_test(tc, veto_skipped_when_confirmed_or_unrunnable);
	tcase_add_test(tc, veto_outlives_a_stopped_engine);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
