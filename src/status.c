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
#include "jsonw.h"
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
static void
status_string(struct jsonw *w, const char *s)
{
	json_t		*valid;
	const char	*p;
	char		*copy, *q;

	if (s == NULL) {
		jsonw_null(w);
		return;
	}
	for (p = s; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p == '\0') {
		jsonw_string(w, s);
		return;
	}
	/* Beyond ASCII: jansson knows whether it is UTF-8. */
	if ((valid = json_string(s)) != NULL) {
		json_decref(valid);
		jsonw_string(w, s);
		return;
	}
	copy = xstrdup(s);
	for (q = copy; *q != '\0'; q++) {
		if ((unsigned char)*q >= 0x80)
			*q = '?';
	}
	jsonw_string(w, copy);
	free(copy);
}

/* A wall-clock time, or null when unset. */
static void
status_time(struct jsonw *w, const struct timespec *ts)
{
	char	buf[ISOTIME_LEN];

	if (ts->tv_sec == 0 && ts->tv_nsec == 0) {
		jsonw_null(w);
		return;
	}
	isotime_format(ts, buf, sizeof buf);
	jsonw_string(w, buf);
}

/* The clusters object, keyed by cluster name in name order. */
static void
status_clusters(struct jsonw *w, const struct status_snapshot *snap)
{
	const struct status_cluster	*c;
	size_t				 order[CCR_CLUSTERS], i, n = 0;

	for (i = 0; i < CCR_CLUSTERS; i++) {
		if (snap->clusters[i].name != NULL)
			order[n++] = i;
	}
	if (n == 2 && strcmp(snap->clusters[order[0]].name,
	    snap->clusters[order[1]].name) > 0) {
		order[0] = 1;
		order[1] = 0;
	}
	jsonw_object(w);
	for (i = 0; i < n; i++) {
		c = &snap->clusters[order[i]];
		jsonw_key(w, c->name);
		jsonw_object(w);
		jsonw_key(w, "consecutive_failures");
		jsonw_int(w, c->consecutive_failures);
		jsonw_key(w, "last_error");
		status_string(w, c->last_error);
		jsonw_key(w, "reachable");
		jsonw_bool(w, c->reachable);
		jsonw_key(w, "status");
		jsonw_string(w, status_health_name(c->health));
		jsonw_end(w, '}');
	}
	jsonw_end(w, '}');
}

/* The indices array, in configuration order. */
static void
status_indices(struct jsonw *w, const struct status_snapshot *snap)
{
	const struct status_index	*x;
	size_t				 i;

	jsonw_array(w);
	for (i = 0; i < snap->nindices; i++) {
		x = &snap->indices[i];
		jsonw_object(w);
		jsonw_key(w, "action_step");
		status_string(w, x->action_step);
		jsonw_key(w, "error");
		status_string(w, x->error);
		jsonw_key(w, "follow_status");
		jsonw_string(w, status_follow_name(x->follow));
		jsonw_key(w, "follower");
		status_string(w, x->follower);
		jsonw_key(w, "lag_ops");
		if (x->lag_ops >= 0)
			jsonw_int(w, x->lag_ops);
		else
			jsonw_null(w);
		jsonw_key(w, "leader");
		status_string(w, x->leader);
		jsonw_end(w, '}');
	}
	jsonw_end(w, ']');
}

/* The action in flight with its progress, or null. */
static void
status_action(struct jsonw *w, const struct status_action *a)
{
	if (a->kind == NULL) {
		jsonw_null(w);
		return;
	}
	jsonw_object(w);
	jsonw_key(w, "done");
	jsonw_int(w, (int64_t)a->done);
	jsonw_key(w, "failed");
	jsonw_int(w, (int64_t)a->failed);
	jsonw_key(w, "kind");
	jsonw_string(w, a->kind);
	jsonw_key(w, "started");
	status_time(w, &a->started);
	jsonw_key(w, "total");
	jsonw_int(w, (int64_t)a->total);
	jsonw_end(w, '}');
}

/* What the divergence guard found, or null. */
static void
status_divergence(struct jsonw *w, const struct status_divergence *d)
{
	if (!d->fired) {
		jsonw_null(w);
		return;
	}
	jsonw_object(w);
	jsonw_key(w, "indices");
	jsonw_int(w, (int64_t)d->indices);
	jsonw_key(w, "operations");
	jsonw_int(w, (int64_t)d->operations);
	jsonw_end(w, '}');
}

/* The last control command consumed, or null. */
static void
status_last_command(struct jsonw *w, const struct status_command *c)
{
	if (c->id == NULL) {
		jsonw_null(w);
		return;
	}
	jsonw_object(w);
	if (c->by != NULL) {
		jsonw_key(w, "by");
		status_string(w, c->by);
	}
	jsonw_key(w, "command");
	jsonw_string(w, fsm_command_name(c->command));
	jsonw_key(w, "id");
	status_string(w, c->id);
	jsonw_key(w, "message");
	status_string(w, c->message);
	jsonw_key(w, "outcome");
	jsonw_string(w, control_outcome_name(c->outcome));
	jsonw_end(w, '}');
}

/* The watchers and who acts; only with a coordination section. */
static void
status_coordination(struct jsonw *w, const struct status_coordination *c)
{
	const struct status_member	*m;
	size_t				 i;

	jsonw_object(w);
	jsonw_key(w, "acting");
	jsonw_bool(w, c->acting);
	jsonw_key(w, "actor");
	status_string(w, c->actor);
	jsonw_key(w, "etcd_reachable");
	jsonw_bool(w, c->etcd_reachable);
	jsonw_key(w, "member");
	status_string(w, c->member);
	jsonw_key(w, "members");
	jsonw_array(w);
	for (i = 0; i < c->nmembers; i++) {
		m = &c->members[i];
		jsonw_object(w);
		jsonw_key(w, "age_ms");
		jsonw_int(w, (int64_t)m->age_ms);
		jsonw_key(w, "leader_reachable");
		jsonw_bool(w, m->leader_reachable);
		jsonw_key(w, "name");
		status_string(w, m->name);
		jsonw_key(w, "state");
		status_string(w, m->state);
		jsonw_end(w, '}');
	}
	jsonw_end(w, ']');
	jsonw_end(w, '}');
}

/* The readiness checks of the last pass. */
static void
status_readiness(struct jsonw *w, const struct readiness_check *checks,
    size_t n)
{
	size_t	 i;

	jsonw_array(w);
	for (i = 0; i < n; i++) {
		jsonw_object(w);
		jsonw_key(w, "check");
		status_string(w, checks[i].check);
		jsonw_key(w, "detail");
		status_string(w, checks[i].detail);
		jsonw_key(w, "ok");
		jsonw_bool(w, checks[i].ok);
		jsonw_end(w, '}');
	}
	jsonw_end(w, ']');
}

/*
 * The readiness member's value as status.json holds it, for the view's
 * readiness_text: a pass changes it every few minutes, and with a check
 * per index it is a third of a document written every poll.
 */
char *
status_readiness_text(const struct readiness_check *checks, size_t n)
{
	struct jsonw	w;

	jsonw_init_value(&w, 1);
	status_readiness(&w, checks, n);
	return (jsonw_finish(&w));
}

/*
 * The whole document, keys in name order, indented: written directly
 * rather than through a jansson tree, since it is rewritten every poll
 * with a member per configured index.
 */
static char *
status_to_text(const struct status_snapshot *snap)
{
	/*
	 * The last document's length: the next one is about as long. The
	 * first is sized from what it lists.
	 */
	static size_t	last_len;
	struct jsonw	w;
	char		*text;
	size_t		 expect = last_len;

	if (expect == 0)
		expect = 256 * snap->nindices + (snap->readiness_text != NULL ?
		    strlen(snap->readiness_text) : 160 * snap->nreadiness);
	jsonw_init(&w, true);
	jsonw_expect(&w, expect + expect / 16 + 4096);
	jsonw_object(&w);
	jsonw_key(&w, "action");
	status_action(&w, &snap->action);
	jsonw_key(&w, "clusters");
	status_clusters(&w, snap);
	if (snap->coordination.enabled) {
		jsonw_key(&w, "coordination");
		status_coordination(&w, &snap->coordination);
	}
	jsonw_key(&w, "divergence");
	status_divergence(&w, &snap->divergence);
	jsonw_key(&w, "fenced");
	status_string(&w, snap->fenced);
	jsonw_key(&w, "follower");
	status_string(&w, snap->follower);
	jsonw_key(&w, "held");
	jsonw_bool(&w, snap->held);
	jsonw_key(&w, "indices");
	status_indices(&w, snap);
	jsonw_key(&w, "last_command");
	status_last_command(&w, &snap->last_command);
	jsonw_key(&w, "last_poll");
	status_time(&w, &snap->last_poll);
	jsonw_key(&w, "leader");
	status_string(&w, snap->leader);
	jsonw_key(&w, "pending");
	status_string(&w, snap->pending);
	jsonw_key(&w, "pid");
	jsonw_int(&w, (int64_t)getpid());
	jsonw_key(&w, "poll_interval_ms");
	jsonw_int(&w, (int64_t)snap->poll_interval_ms);
	jsonw_key(&w, "readiness");
	if (snap->readiness_text != NULL)
		jsonw_raw(&w, snap->readiness_text);
	else
		status_readiness(&w, snap->readiness, snap->nreadiness);
	jsonw_key(&w, "ready");
	jsonw_bool(&w, snap->ready);
	jsonw_key(&w, "reason");
	status_string(&w, snap->reason);
	jsonw_key(&w, "since");
	status_time(&w, &snap->since);
	jsonw_key(&w, "state");
	status_string(&w, snap->state);
	jsonw_key(&w, "tilt");
	jsonw_bool(&w, snap->tilt);
	jsonw_key(&w, "version");
	jsonw_string(&w, PACKAGE_VERSION);
	jsonw_end(&w, '}');
	text = jsonw_finish(&w);
	last_len = strlen(text);
	return (text);
}

/*
 * Replace <dir>/status.json with snap; -1 with *cause on failure. The file
 * is a snapshot rewritten every poll, so it is replaced atomically but not
 * synced to disk: after a crash the next poll writes it again.
 */
int
status_write(const struct status_snapshot *snap, const char *dir,
    char **cause)
{
	char	*text, *path;
	size_t	 len;
	int	 ret;

	text = status_to_text(snap);
	len = strlen(text);
	text = xreallocarray(text, len + 2, 1);
	text[len++] = '\n';
	text[len] = '\0';
	xasprintf(&path, "%s/%s", dir, STATUS_FILE);
	ret = atomicfile_replace(path, text, len, 0644, cause);
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
	snap.readiness_text = v->readiness_text;
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
