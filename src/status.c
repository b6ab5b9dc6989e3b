/*
 * Building and writing status.json. The file is the daemon's public face:
 * field names are a contract with ccr-failoverctl and operators' monitoring,
 * so they only ever grow. Unknown values are JSON null, never a made-up 0.
 * The file is replaced atomically (0644: anyone on the host may read it),
 * so a reader never sees half of it.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "action-record.h"
#include "atomicfile.h"
#include "fsm.h"
#include "isotime.h"
#include "monotime.h"
#include "seqno.h"
#include "status.h"
#include "xmalloc.h"

static const char *const status_health_names[] = {
	"unknown", "green", "yellow", "red"
};

static const char *const status_follow_names[] = {
	"unknown", "active", "paused", "not_follower", "missing"
};

/* The status.json name of a cluster health. */
const char *
status_health_name(enum obs_health health)
{
	if ((size_t)health >= sizeof status_health_names /
	    sizeof status_health_names[0])
		return ("unknown");
	return (status_health_names[health]);
}

/* The status.json name of a follower index's status. */
const char *
status_follow_name(enum obs_follow_status follow)
{
	if ((size_t)follow >= sizeof status_follow_names /
	    sizeof status_follow_names[0])
		return ("unknown");
	return (status_follow_names[follow]);
}

/*
 * A string, or null for NULL. Text from elsewhere (Elasticsearch error
 * reasons) may not be UTF-8; its other bytes become '?' rather than costing
 * the whole file.
 */
static json_t *
status_string(const char *s)
{
	json_t	*j;
	char	*copy, *p;

	if (s == NULL)
		return (json_null());
	if ((j = json_string(s)) != NULL)
		return (j);
	copy = xstrdup(s);
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	j = json_string(copy);
	free(copy);
	return (j);
}

/* The clusters object, keyed by cluster name. */
static json_t *
status_clusters(const struct status_snapshot *snap)
{
	const struct status_cluster	*c;
	json_t				*obj;
	size_t				 i;

	obj = json_object();
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &snap->clusters[i];
		if (c->name == NULL)
			continue;
		json_object_set_new(obj, c->name, json_pack("{s:b s:s s:i s:o}",
		    "reachable", c->reachable,
		    "status", status_health_name(c->health),
		    "consecutive_failures", c->consecutive_failures,
		    "last_error", status_string(c->last_error)));
	}
	return (obj);
}

/* The indices array, in configuration order. */
static json_t *
status_indices(const struct status_snapshot *snap)
{
	const struct status_index	*x;
	json_t				*arr;
	size_t				 i;

	arr = json_array();
	for (i = 0; i < snap->nindices; i++) {
		x = &snap->indices[i];
		json_array_append_new(arr,
		    json_pack("{s:o s:o s:o s:s s:o s:o}",
		    "leader", status_string(x->leader),
		    "follower", status_string(x->follower),
		    "lag_ops", x->lag_ops >= 0 ?
		    json_integer(x->lag_ops) : json_null(),
		    "follow_status", status_follow_name(x->follow),
		    "action_step", status_string(x->action_step),
		    "error", status_string(x->error)));
	}
	return (arr);
}

/* The action in flight with its progress, or null. */
static json_t *
status_action(const struct status_action *a)
{
	if (a->kind == NULL)
		return (json_null());
	return (json_pack("{s:s s:o s:I s:I s:I}",
	    "kind", a->kind,
	    "started", isotime_json(&a->started),
	    "total", (json_int_t)a->total,
	    "done", (json_int_t)a->done,
	    "failed", (json_int_t)a->failed));
}

/* What the divergence guard found, or null. */
static json_t *
status_divergence(const struct status_divergence *d)
{
	if (!d->fired)
		return (json_null());
	return (json_pack("{s:I s:I}",
	    "indices", (json_int_t)d->indices,
	    "operations", (json_int_t)d->operations));
}

/* The last control command consumed, or null. */
static json_t *
status_last_command(const struct status_command *c)
{
	json_t	*j;

	if (c->id == NULL)
		return (json_null());
	j = json_pack("{s:s s:s s:s s:o}",
	    "id", c->id,
	    "command", fsm_command_name(c->command),
	    "outcome", control_outcome_name(c->outcome),
	    "message", status_string(c->message));
	if (j != NULL && c->by != NULL)
		json_object_set_new(j, "by", json_string(c->by));
	return (j);
}

/* The watchers and who acts; only with a coordination section. */
static json_t *
status_coordination(const struct status_coordination *c)
{
	const struct status_member	*m;
	json_t				*members;
	size_t				 i;

	if ((members = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < c->nmembers; i++) {
		m = &c->members[i];
		json_array_append_new(members, json_pack("{s:s s:b s:s s:I}",
		    "name", m->name, "leader_reachable", m->leader_reachable,
		    "state", m->state, "age_ms", (json_int_t)m->age_ms));
	}
	return (json_pack("{s:s s:o s:b s:b s:o}",
	    "member", c->member,
	    "actor", status_string(c->actor),
	    "acting", c->acting,
	    "etcd_reachable", c->etcd_reachable,
	    "members", members));
}

/* The readiness checks of the last pass. */
static json_t *
status_readiness(const struct status_snapshot *snap)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < snap->nreadiness; i++)
		json_array_append_new(a, json_pack("{s:s s:b s:s}",
		    "check", snap->readiness[i].check,
		    "ok", snap->readiness[i].ok,
		    "detail", snap->readiness[i].detail));
	return (a);
}

/* The whole document; a new reference. */
static json_t *
status_to_json(const struct status_snapshot *snap)
{
	json_t	*doc;

	doc = json_pack("{s:s s:I s:o s:b s:o s:o s:o s:o s:o s:o s:o s:I"
	    " s:b s:o s:o s:o s:o s:b s:o s:o}",
	    "version", PACKAGE_VERSION,
	    "pid", (json_int_t)getpid(),
	    "state", status_string(snap->state),
	    "held", snap->held,
	    "pending", status_string(snap->pending),
	    "leader", status_string(snap->leader),
	    "follower", status_string(snap->follower),
	    "clusters", status_clusters(snap),
	    "indices", status_indices(snap),
	    "last_poll", isotime_json(&snap->last_poll),
	    "since", isotime_json(&snap->since),
	    "poll_interval_ms", (json_int_t)snap->poll_interval_ms,
	    "tilt", snap->tilt,
	    "reason", status_string(snap->reason),
	    "action", status_action(&snap->action),
	    "divergence", status_divergence(&snap->divergence),
	    "last_command", status_last_command(&snap->last_command),
	    "ready", snap->ready,
	    "readiness", status_readiness(snap),
	    "fenced", status_string(snap->fenced));
	if (doc != NULL && snap->coordination.enabled &&
	    json_object_set_new(doc, "coordination",
	    status_coordination(&snap->coordination)) == -1) {
		json_decref(doc);
		return (NULL);
	}
	return (doc);
}

/* Replace <dir>/status.json with snap; -1 with *cause on failure. */
int
status_write(const struct status_snapshot *snap, const char *dir,
    char **cause)
{
	json_t	*doc;
	char	*dump, *text, *path;
	int	 ret;

	if ((doc = status_to_json(snap)) == NULL) {
		xasprintf(cause, "status snapshot holds invalid text");
		return (-1);
	}
	dump = json_dumps(doc, JSON_INDENT(2)|JSON_SORT_KEYS);
	json_decref(doc);
	if (dump == NULL) {
		xasprintf(cause, "cannot serialize the status");
		return (-1);
	}
	xasprintf(&text, "%s\n", dump);
	free(dump);
	xasprintf(&path, "%s/%s", dir, STATUS_FILE);
	ret = atomicfile_write(path, text, strlen(text), 0644, cause);
	free(path);
	free(text);
	return (ret);
}

/* Convert a monotonic instant in the past to wall-clock time. */
static struct timespec
status_wall_at(uint64_t mono_ms)
{
	struct timespec	now;
	uint64_t	ago = monotime_ms() - mono_ms;

	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec -= (time_t)(ago / 1000);
	now.tv_nsec -= (long)(ago % 1000) * 1000000;
	if (now.tv_nsec < 0) {
		now.tv_nsec += 1000000000;
		now.tv_sec--;
	}
	return (now);
}

/* An index pair's name on cluster c (config order: 0 holds leader_index). */
static const char *
status_index_name(const struct ccr_config *cf, size_t pair, int c)
{
	return (c == 0 ? cf->indices[pair].leader_index :
	    cf->indices[pair].follower_index);
}

/* The action's share of the snapshot: its counts, steps and errors. */
static void
status_from_record(const struct action_record *rec,
    struct status_snapshot *snap, struct status_index *idx, char **errors)
{
	const struct action_index_record	*ir;
	size_t					 i;

	snap->action.kind = fsm_action_name(rec->kind);
	snap->action.started.tv_sec = rec->started;
	snap->action.total = rec->nindices;
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		idx[i].action_step = step_name(ir->step);
		if (ir->error_type != NULL || ir->error_reason != NULL) {
			xasprintf(&errors[i], "%s: %s", ir->error_type != NULL ?
			    ir->error_type : "error", ir->error_reason != NULL ?
			    ir->error_reason : "no reason given");
			idx[i].error = errors[i];
		}
		switch (action_index_status(ir)) {
		case ACTION_INDEX_DONE:
			snap->action.done++;
			break;
		case ACTION_INDEX_FAILED:
			snap->action.failed++;
			break;
		case ACTION_INDEX_AWAITING_CONFIRMATION:
			snap->divergence.fired = true;
			snap->divergence.indices++;
			if (ir->divergent_operations > 0)
				snap->divergence.operations +=
				    (uint64_t)ir->divergent_operations;
			break;
		default:
			break;
		}
	}
}

/*
 * Build status.json from the machine, the action record and the last
 * round, write it, and leave in line the one-line summary for systemd.
 */
int
status_publish(const struct status_view *v, const char *dir, char *line,
    size_t len, char **cause)
{
	struct status_snapshot	 snap;
	struct status_index	*idx;
	const struct fsm	*f = v->fsm;
	const struct ccr_config	*cf = v->config;
	size_t			 i, n = cf->nindices;
	int64_t			 lag = 0;
	bool			 lag_known = true;
	char			**errors;
	int			 c, rv;

	memset(&snap, 0, sizeof snap);
	snap.state = fsm_state_name(f->state);
	snap.held = f->held;
	snap.pending = f->pending != FSM_ACTION_NONE ?
	    fsm_action_name(f->pending) : NULL;
	snap.leader = cf->clusters[v->leader].name;
	snap.follower = cf->clusters[1 - v->leader].name;
	for (c = 0; c < CCR_CLUSTERS; c++) {
		snap.clusters[c].name = cf->clusters[c].name;
		snap.clusters[c].reachable = v->seen[c].reachable;
		snap.clusters[c].health = v->seen[c].health;
		snap.clusters[c].consecutive_failures = (int)(c == v->leader ?
		    f->leader_failures : f->follower_failures);
		snap.clusters[c].last_error = v->seen[c].error[0] != '\0' ?
		    v->seen[c].error : NULL;
	}
	idx = xcalloc(n, sizeof *idx);
	for (i = 0; i < n; i++) {
		idx[i].leader = status_index_name(cf, i, v->leader);
		idx[i].follower = status_index_name(cf, i, 1 - v->leader);
		idx[i].lag_ops = v->polled ? v->seen_indices[i].lag_ops : -1;
		idx[i].follow = v->polled ? v->seen_indices[i].follow :
		    OBS_FOLLOW_UNKNOWN;
		idx[i].error = v->polled && v->seen_indices[i].fatal ?
		    v->seen_indices[i].fatal_reason : NULL;
		if (idx[i].lag_ops < 0)
			lag_known = false;
		else
			lag = seq_add(lag, idx[i].lag_ops);
	}
	errors = xcalloc(n, sizeof *errors);
	if (v->action != NULL && v->action->nindices == n)
		status_from_record(v->action, &snap, idx, errors);
	snap.indices = idx;
	snap.nindices = n;
	snap.last_poll = v->last_poll;
	snap.poll_interval_ms = cf->poll_interval_ms;
	snap.tilt = f->tilt;
	snap.reason = f->reason[0] != '\0' ? f->reason : NULL;
	snap.ready = v->ready;
	snap.readiness = v->readiness;
	snap.nreadiness = v->nreadiness;
	snap.fenced = v->fenced;
	snap.since = status_wall_at(f->state_since_ms);
	if (v->last_command != NULL)
		snap.last_command = *v->last_command;
	if (v->coordination != NULL)
		snap.coordination = *v->coordination;
	rv = status_write(&snap, dir, cause);
	for (i = 0; i < n; i++)
		free(errors[i]);
	free(errors);
	free(idx);

	if (v->coordination != NULL && !v->coordination->etcd_reachable)
		snprintf(line, len, "%s, leader %s, coordination unavailable",
		    snap.state, snap.leader);
	else if (v->coordination != NULL && !v->coordination->acting)
		snprintf(line, len, "%s, leader %s, actor %s", snap.state,
		    snap.leader, v->coordination->actor != NULL ?
		    v->coordination->actor : "none");
	else if (!v->polled)
		snprintf(line, len, "starting, first poll pending");
	else if (lag_known && n > 0)
		snprintf(line, len, "%s%s, leader %s, lag %lld ops",
		    snap.state, f->held ? " (held)" : "", snap.leader,
		    (long long)lag);
	else
		snprintf(line, len, "%s%s, leader %s", snap.state,
		    f->held ? " (held)" : "", snap.leader);
	return (rv);
}
