/*
 * Slow restores: with the knob restore_ms (a fixed duration) or
 * restore_bytes_per_sec (a rate over the leader's size), a put-follow
 * copies the leader's files for a while before its shard follow tasks
 * start, as TransportPutFollowAction restores through the CCR repository
 * (CcrRepository) first. Meanwhile the follower is red with initializing
 * primaries, paused in _ccr/info, absent from _ccr/stats, refuses _close
 * and a second put-follow, and _recovery shows the copy's progress.
 *
 * The copy is fetched from the leader at once (its size sets the duration
 * under a rate) and applied when the time is up; a follower deleted
 * meanwhile simply never gets it. Finished copies are remembered for
 * _recovery.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "essim.h"
#include "xmalloc.h"

struct restore {
	TAILQ_ENTRY(restore)	 entry;
	struct essim		*es;
	char			*index;
	char			 uuid[ES_UUID_LEN + 1];
	char			*alias;
	char			*leader;
	char			 restore_uuid[ES_UUID_LEN + 1];
	int			 nshards;
	json_int_t		*bytes;		/* per shard */
	json_int_t		 total_bytes;
	json_t			*shards;	/* the leader's operations */
	uint64_t		 start_ms;	/* monotonic */
	uint64_t		 start_wall_ms;
	uint64_t		 stop_ms;
	int64_t			 duration_ms;	/* -1 until the size is known */
	int			 done;
	int			 ok;
	struct event		*timer;
	restore_cb		 cb;
	void			*arg;
};

/* Whether a knob asks put-follow of this index name to copy slowly. */
int
restore_wanted(struct essim *es, const char *index)
{
	return (knob_int(es, index, "restore_ms", -1) >= 0 ||
	    knob_int(es, index, "restore_bytes_per_sec", 0) > 0);
}

/* The copy ended (ok or not): tell the waiting caller, keep the record. */
static void
restore_finish(struct restore *r, int ok)
{
	restore_cb	 cb = r->cb;

	r->done = 1;
	r->ok = ok;
	r->stop_ms = essim_now_ms();
	json_decref(r->shards);
	r->shards = NULL;
	r->cb = NULL;
	if (cb != NULL)
		cb(r->arg, ok);
}

/* The follower of a restore, if it is still the one being restored. */
static struct sim_index *
restore_index(struct restore *r)
{
	struct sim_index	*ix;

	if ((ix = sim_index_find(r->es->cluster, r->index)) == NULL ||
	    strcmp(ix->uuid, r->uuid) != 0 || !ix->restoring)
		return (NULL);
	return (ix);
}

/* The time is up: the files are in, the follow tasks start. */
static void
restore_done(evutil_socket_t fd, short events, void *arg)
{
	struct restore	*r = arg;
	struct essim	*es = r->es;
	struct sim_index	*ix;
	int		 sh;

	(void)fd;
	(void)events;
	if ((ix = restore_index(r)) == NULL) {
		restore_finish(r, 0);
		return;
	}
	for (sh = 0; sh < ix->nshards; sh++) {
		sim_apply_changes(es->cluster, ix, sh,
		    json_array_get(r->shards, sh), 0);
		ix->shards[sh].refreshed_seq_no = ix->shards[sh].max_seq_no;
	}
	sim_restore_end(es->cluster, ix, 1);
	rest_wake_parked(es);
	restore_finish(r, 1);
}

/* The leader's operations arrived: size the copy and wait it out. */
static void
restore_fetched(void *arg, struct remote_result *res)
{
	struct restore	*r = arg;
	struct essim	*es = r->es;
	struct sim_index	*ix;
	json_t		*shards, *ops, *op;
	json_int_t	 rate, ms;
	size_t		 i;
	int		 sh;
	char		*text;
	uint64_t	 now = essim_now_ms(), end;
	struct timeval	 tv;

	shards = res->outcome == REMOTE_OK && res->status == 200 ?
	    json_object_get(res->body, "shards") : NULL;
	if ((ix = restore_index(r)) == NULL || shards == NULL ||
	    json_array_size(shards) != (size_t)r->nshards) {
		if (ix != NULL)
			sim_restore_end(es->cluster, ix, 0);
		restore_finish(r, 0);
		return;
	}
	for (sh = 0; sh < r->nshards; sh++) {
		if (json_object_get(json_array_get(shards, sh), "error") !=
		    NULL) {
			sim_restore_end(es->cluster, ix, 0);
			restore_finish(r, 0);
			return;
		}
		ops = json_object_get(json_array_get(shards, sh), "ops");
		json_array_foreach(ops, i, op) {
			if ((text = json_dumps(op, JSON_COMPACT)) != NULL) {
				r->bytes[sh] += (json_int_t)strlen(text);
				free(text);
			}
		}
		r->total_bytes += r->bytes[sh];
	}
	r->shards = json_incref(shards);
	ms = knob_int(es, r->index, "restore_ms", -1);
	rate = knob_int(es, r->index, "restore_bytes_per_sec", 0);
	if (ms < 0)
		ms = rate > 0 ? r->total_bytes * 1000 / rate : 0;
	r->duration_ms = ms;
	end = r->start_ms + (uint64_t)ms;
	ms = end > now ? (json_int_t)(end - now) : 0;
	r->timer = evtimer_new(es->base, restore_done, r);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

/*
 * Start the copy of a follower just created by put-follow; cb (if any)
 * runs once it ended, with whether the follow tasks started.
 */
void
restore_start(struct essim *es, struct sim_index *ix, restore_cb cb, void *arg)
{
	struct restore	*r, *old, *next;
	json_t		*shards;
	int		 sh;

	for (old = TAILQ_FIRST(&es->restores); old != NULL; old = next) {
		next = TAILQ_NEXT(old, entry);
		if (old->done && strcmp(old->index, ix->name) == 0) {
			TAILQ_REMOVE(&es->restores, old, entry);
			restore_free(old);
		}
	}
	r = xcalloc(1, sizeof *r);
	r->es = es;
	r->index = xstrdup(ix->name);
	memcpy(r->uuid, ix->uuid, sizeof r->uuid);
	r->alias = xstrdup(ix->remote);
	r->leader = xstrdup(ix->leader_index);
	sim_random_id(r->restore_uuid, sizeof r->restore_uuid);
	r->nshards = ix->nshards;
	r->bytes = xcalloc(ix->nshards, sizeof *r->bytes);
	r->start_ms = essim_now_ms();
	r->start_wall_ms = essim_wall_ms();
	r->duration_ms = -1;
	r->cb = cb;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&es->restores, r, entry);
	sim_restore_begin(es->cluster, ix);
	shards = json_array();
	for (sh = 0; sh < ix->nshards; sh++)
		json_array_append_new(shards, json_pack("{s:s, s:s, s:i, s:i}",
		    "index", ix->leader_index, "uuid", ix->leader_uuid,
		    "shard", sh, "from_seq_no", 0));
	remote_call(es, ix->remote, EVHTTP_REQ_POST, "/_essim/ccr/changes",
	    json_pack("{s:o, s:i, s:i}", "shards", shards, "poll_timeout_ms", 0,
	    "max_ops", 1 << 30), es->opt.transport_timeout_ms,
	    restore_fetched, r);
}

/* Free a restore record. */
void
restore_free(struct restore *r)
{
	if (r->timer != NULL)
		event_free(r->timer);
	json_decref(r->shards);
	free(r->bytes);
	free(r->index);
	free(r->alias);
	free(r->leader);
	free(r);
}

/* A percentage as _recovery renders it. */
static json_t *
restore_percent(json_int_t part, json_int_t whole)
{
	char	buf[32];

	snprintf(buf, sizeof buf, "%.1f%%", whole <= 0 ? 100.0 :
	    100.0 * (double)part / (double)whole);
	return (json_string(buf));
}

/* One shard of GET _recovery. */
static json_t *
restore_shard(struct essim *es, struct sim_index *ix, struct restore *r,
    int sh)
{
	json_t		*o, *source;
	json_int_t	 total = 0, done = 0, files = 0, fdone = 0;
	uint64_t	 now = essim_now_ms(), elapsed = 0;
	const char	*stage = "DONE";

	if (r != NULL) {
		total = r->bytes[sh];
		elapsed = (r->done ? r->stop_ms : now) - r->start_ms;
		if (r->done)
			done = r->ok ? total : 0;
		else if (r->duration_ms > 0)
			done = total * (json_int_t)(elapsed < (uint64_t)
			    r->duration_ms ? elapsed : (uint64_t)
			    r->duration_ms) / r->duration_ms;
		if (!r->done)
			stage = "INDEX";
		else if (!r->ok)
			stage = "INIT";
		files = total > 0 ? 1 : 0;
		fdone = done == total ? files : 0;
		source = json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "repository", "_ccr_", "snapshot", "_latest_", "version",
		    ES_VERSION, "index", r->leader, "restoreUUID",
		    r->restore_uuid);
		json_object_set_new(source, "repository",
		    json_sprintf("_ccr_%s", r->alias));
	} else
		source = json_object();
	o = json_pack("{s:i, s:s, s:s, s:b, s:I, s:I}", "id", sh, "type",
	    r != NULL ? "SNAPSHOT" : "EMPTY_STORE", "stage", stage, "primary",
	    1, "start_time_in_millis", (json_int_t)(r != NULL ?
	    r->start_wall_ms : ix->creation_date), "total_time_in_millis",
	    (json_int_t)elapsed);
	if (r == NULL || r->done)
		json_object_set_new(o, "stop_time_in_millis", json_integer(
		    r != NULL ? (json_int_t)(r->start_wall_ms + elapsed) :
		    (json_int_t)ix->creation_date));
	json_object_set_new(o, "source", source);
	json_object_set_new(o, "target", json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "id", es->cluster->node_id, "host", es->host, "transport_address",
	    es->host, "ip", es->host, "name", es->cluster->name));
	json_object_set_new(o, "index", json_pack("{s:{s:I, s:i, s:I, s:I,"
	    " s:o}, s:{s:I, s:i, s:I, s:o}, s:I, s:i, s:i}",
	    "size", "total_in_bytes", total, "reused_in_bytes", 0,
	    "recovered_in_bytes", done, "recovered_from_snapshot_in_bytes",
	    done, "percent", restore_percent(done, total),
	    "files", "total", files, "reused", 0, "recovered", fdone,
	    "percent", restore_percent(fdone, files),
	    "total_time_in_millis", (json_int_t)elapsed,
	    "source_throttle_time_in_millis", 0,
	    "target_throttle_time_in_millis", 0));
	json_object_set_new(o, "translog", json_pack("{s:i, s:i, s:s, s:i,"
	    " s:i}", "recovered", 0, "total", 0, "percent", "100.0%",
	    "total_on_start", 0, "total_time_in_millis", 0));
	json_object_set_new(o, "verify_index", json_pack("{s:i, s:i}",
	    "check_index_time_in_millis", 0, "total_time_in_millis", 0));
	return (o);
}

/*
 * GET /<expr>/_recovery: per index its shards' last recovery; a follower
 * copied by a slow put-follow shows the copy (type SNAPSHOT from the
 * _ccr_<alias> repository), other indices an empty-store recovery. With
 * active_only only copies still running.
 */
int
restore_recovery(struct essim *es, const char *expr, int active_only,
    json_t **out)
{
	struct sim_index	**list;
	struct restore	*r, *found;
	size_t		  n, i;
	json_t		 *shards;
	int		  status, sh;

	if ((status = sim_resolve(es->cluster, expr, ES_RESOLVE_OPEN |
	    ES_RESOLVE_CLOSED, &list, &n, out)) != 0)
		return (status);
	*out = json_object();
	for (i = 0; i < n; i++) {
		found = NULL;
		TAILQ_FOREACH(r, &es->restores, entry) {
			if (strcmp(r->index, list[i]->name) == 0 &&
			    strcmp(r->uuid, list[i]->uuid) == 0)
				found = r;
		}
		if (active_only && (found == NULL || found->done))
			continue;
		shards = json_array();
		for (sh = 0; sh < list[i]->nshards; sh++)
			json_array_append_new(shards, restore_shard(es,
			    list[i], found, sh));
		json_object_set_new(*out, list[i]->name, json_pack("{s:o}",
		    "shards", shards));
	}
	free(list);
	return (200);
}

/* Forget every copy (a copy still running is abandoned). */
void
restore_shutdown(struct essim *es)
{
	struct restore	*r;

	while ((r = TAILQ_FIRST(&es->restores)) != NULL) {
		TAILQ_REMOVE(&es->restores, r, entry);
		restore_free(r);
	}
}
