/*
 * The daemon proper. main() hands over a parsed command line; from here on
 * everything happens on one libevent loop:
 *
 *   poller round  -> fsm_observe  -> daemon_apply (log, hooks, persist,
 *   operator cmd  -> fsm_command  ->  roles, status file, sd_notify)
 *
 * Callbacks stay thin: they gather what happened, step the state machine and
 * hand its output to daemon_apply, the one place decisions take effect.
 * The state file is written whenever the machine's durable part changes, the
 * status file after every round and every command.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "action.h"
#include "config.h"
#include "control-proto.h"
#include "control.h"
#include "daemon.h"
#include "es.h"
#include "events.h"
#include "fsm.h"
#include "hook.h"
#include "http.h"
#include "notify.h"
#include "observation.h"
#include "poller.h"
#include "readiness.h"
#include "state.h"
#include "status.h"
#include "xmalloc.h"

#define DAEMON_HOOKS_RUNNING	4
#define DAEMON_HOOKS_QUEUED	64
#define DAEMON_HTTP_CONNS	64
#define DAEMON_ACTION_TIMEOUT_MS 30000	/* one action request */
#define DAEMON_RETRY_BASE_MS	200
#define DAEMON_RETRY_CAP_MS	5000
#define DAEMON_FLUSH_MS		20	/* group commit window */
#define DAEMON_ACTION_IN_FLIGHT	256	/* recorded, not yet answered */

/* One action request, queued until the state file is written. */
struct daemon_call {
	TAILQ_ENTRY(daemon_call) entry;
	struct daemon		*d;
	int			 cluster;
	enum http_method	 method;
	char			*path;
	char			*body;
	struct es_request	*req;	/* NULL while queued */
	void			(*done)(const struct action_answer *, void *);
	void			*done_arg;
};

struct daemon {
	struct event_base	*base;
	const struct daemon_options *opts;
	struct ccr_config	*config;
	char			*state_dir;
	char			*runtime_dir;
	char			*state_path;

	struct http		*http;
	struct es_cluster	*es[CCR_CLUSTERS];
	struct poller		*poller;
	struct readiness	*readiness;
	struct control		*control;
	struct hook_runner	*hooks;
	struct event		*watchdog;

	/*
	 * The action engine's requests wait here until the record they follow
	 * is on disk: one state file write covers every request queued in the
	 * same loop iteration (group commit) instead of one fsync per step.
	 */
	struct action_engine	*engine;
	TAILQ_HEAD(, daemon_call) calls;
	struct event		*flush;
	bool			 state_dirty;
	bool			 action_dirty;	/* engine record changed */
	size_t			 on_wire;	/* action requests sent */
	bool			 awaiting_divergence;
	struct action_record	*failed;	/* shown in status while FAILED */

	struct fsm		 fsm;
	struct fsm_params	 params;
	int			 leader;	/* config index of the leader */
	struct state		 state;

	/* The last round, kept for the status file. */
	bool			 polled;
	struct obs_cluster	 seen[CCR_CLUSTERS];	/* by config index */
	struct obs_index	*seen_indices;
	struct timespec		 last_poll;

	struct {
		char			 id[CONTROL_PROTO_ID_MAX];
		enum fsm_command	 command;
		enum control_outcome	 outcome;
		char			 message[FSM_REASON_LEN];
		bool			 set;
	}			 last_command;

	bool			 ready;
	struct fsm_output	 restored;	/* what fsm_restore asked for */

	/* The last readiness pass; checks NULL before the first. */
	struct readiness_check	*checks;
	size_t			 nchecks;
	bool			 checks_ok;
};

static void	daemon_apply(struct daemon *, const struct fsm_output *);
static void	daemon_start_action(struct daemon *, const struct fsm_output *);

static uint64_t
daemon_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static const char *
daemon_cluster_name(const struct daemon *d, int i)
{
	return (d->config->clusters[i].name);
}

/* An index pair's name on cluster i (config order: 0 holds leader_index). */
static const char *
daemon_index_name(const struct daemon *d, size_t pair, int i)
{
	const struct ccr_index_pair	*p = &d->config->indices[pair];

	return (i == 0 ? p->leader_index : p->follower_index);
}

/* Config index of a cluster name, -1 when the config has no such cluster. */
static int
daemon_cluster_index(const struct ccr_config *cfg, const char *name)
{
	int	i;

	for (i = 0; i < CCR_CLUSTERS; i++) {
		if (name != NULL && strcmp(cfg->clusters[i].name, name) == 0)
			return (i);
	}
	return (-1);
}

/* Convert a monotonic instant in the past to wall-clock time. */
static struct timespec
daemon_wall_at(uint64_t mono_ms)
{
	struct timespec	now;
	uint64_t	ago = daemon_now_ms() - mono_ms;

	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec -= (time_t)(ago / 1000);
	now.tv_nsec -= (long)(ago % 1000) * 1000000;
	if (now.tv_nsec < 0) {
		now.tv_nsec += 1000000000;
		now.tv_sec--;
	}
	return (now);
}

/* Write the durable part of the machine and the roles to state.json. */
static void
daemon_save_state(struct daemon *d)
{
	struct timespec	 now;
	char		*cause;

	fsm_save(&d->fsm, daemon_now_ms(), &d->state.fsm);
	state_set_roles(&d->state, daemon_cluster_name(d, d->leader),
	    daemon_cluster_name(d, 1 - d->leader));
	memset(&d->state.block_until, 0, sizeof d->state.block_until);
	if (d->state.fsm.block_left_ms != 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		d->state.block_until.tv_sec = now.tv_sec +
		    (time_t)(d->state.fsm.block_left_ms / 1000);
		d->state.block_until.tv_nsec = now.tv_nsec;
	}
	if (state_save(&d->state, &cause) == -1) {
		log_warnx("cannot save state: %s", cause);
		free(cause);
	}
}

/* Build and write status.json, then tell systemd the one-line summary. */
static void
daemon_publish(struct daemon *d)
{
	struct status_snapshot	 snap;
	struct status_index	*idx;
	const struct fsm	*f = &d->fsm;
	const struct action_record *rec = NULL;
	const struct action_index_record *ir;
	size_t			 i, n = d->config->nindices;
	int64_t			 lag = 0;
	bool			 lag_known = true;
	char			*cause, line[256], **errors;
	int			 c, role;

	memset(&snap, 0, sizeof snap);
	snap.state = fsm_state_name(f->state);
	snap.held = f->held;
	snap.pending = f->pending != FSM_ACTION_NONE ?
	    fsm_action_name(f->pending) : NULL;
	snap.leader = daemon_cluster_name(d, d->leader);
	snap.follower = daemon_cluster_name(d, 1 - d->leader);
	for (c = 0; c < CCR_CLUSTERS; c++) {
		role = c == d->leader;
		snap.clusters[c].name = daemon_cluster_name(d, c);
		snap.clusters[c].reachable = d->seen[c].reachable;
		snap.clusters[c].health = d->seen[c].health;
		snap.clusters[c].consecutive_failures = (int)(role ?
		    f->leader_failures : f->follower_failures);
		snap.clusters[c].last_error = d->seen[c].error[0] != '\0' ?
		    d->seen[c].error : NULL;
	}
	idx = xcalloc(n, sizeof *idx);
	for (i = 0; i < n; i++) {
		idx[i].leader = daemon_index_name(d, i, d->leader);
		idx[i].follower = daemon_index_name(d, i, 1 - d->leader);
		idx[i].lag_ops = d->polled ? d->seen_indices[i].lag_ops : -1;
		idx[i].follow = d->polled ? d->seen_indices[i].follow :
		    OBS_FOLLOW_UNKNOWN;
		idx[i].error = d->polled && d->seen_indices[i].fatal ?
		    d->seen_indices[i].fatal_reason : NULL;
		if (idx[i].lag_ops < 0)
			lag_known = false;
		else
			lag += idx[i].lag_ops;
	}
	if (action_running(d->engine))
		rec = action_record(d->engine);
	else if (f->state == FSM_STATE_FAILED)
		rec = d->failed;
	errors = xcalloc(n, sizeof *errors);
	if (rec != NULL && rec->nindices == n) {
		snap.action.kind = fsm_action_name(rec->kind);
		snap.action.started.tv_sec = rec->started;
		snap.action.total = n;
		for (i = 0; i < n; i++) {
			ir = &rec->indices[i];
			idx[i].action_step = step_name(ir->step);
			if (ir->error_type != NULL || ir->error_reason != NULL) {
				xasprintf(&errors[i], "%s: %s", ir->error_type !=
				    NULL ? ir->error_type : "error",
				    ir->error_reason != NULL ?
				    ir->error_reason : "no reason given");
				idx[i].error = errors[i];
			}
			switch (action_index_status(ir)) {
			case ACTION_INDEX_DONE:
				snap.action.done++;
				break;
			case ACTION_INDEX_FAILED:
				snap.action.failed++;
				break;
			case ACTION_INDEX_AWAITING_CONFIRMATION:
				snap.divergence.fired = true;
				snap.divergence.indices++;
				if (ir->divergent_operations > 0)
					snap.divergence.operations +=
					    (uint64_t)ir->divergent_operations;
				break;
			default:
				break;
			}
		}
	}
	snap.indices = idx;
	snap.nindices = n;
	snap.last_poll = d->last_poll;
	snap.poll_interval_ms = d->config->poll_interval_ms;
	snap.tilt = f->tilt;
	snap.reason = f->reason[0] != '\0' ? f->reason : NULL;
	snap.ready = d->checks != NULL && d->checks_ok;
	snap.readiness = d->checks;
	snap.nreadiness = d->nchecks;
	snap.since = daemon_wall_at(f->state_since_ms);
	if (d->last_command.set) {
		snap.last_command.id = d->last_command.id;
		snap.last_command.command = d->last_command.command;
		snap.last_command.outcome = d->last_command.outcome;
		snap.last_command.message = d->last_command.message[0] != '\0' ?
		    d->last_command.message : NULL;
	}
	if (status_write(&snap, d->runtime_dir, &cause) == -1) {
		log_warnx("cannot write status: %s", cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		free(errors[i]);
	free(errors);
	free(idx);

	if (!d->polled)
		snprintf(line, sizeof line, "starting, first poll pending");
	else if (lag_known && n > 0)
		snprintf(line, sizeof line, "%s%s, leader %s, lag %lld ops",
		    snap.state, f->held ? " (held)" : "", snap.leader,
		    (long long)lag);
	else
		snprintf(line, sizeof line, "%s%s, leader %s", snap.state,
		    f->held ? " (held)" : "", snap.leader);
	notify_status(line);
}

/* A hook finished: its exit status belongs in the journal. */
static void
daemon_hook_done(const struct hook_result *r, void *arg)
{
	struct log_field	 fields[2];
	char			 status[32];

	(void)arg;
	switch (r->outcome) {
	case HOOK_OUTCOME_EXITED:
		snprintf(status, sizeof status, "%d", r->exit_status);
		break;
	case HOOK_OUTCOME_SIGNALED:
		snprintf(status, sizeof status, "signal %d", r->signo);
		break;
	default:
		snprintf(status, sizeof status, "%s",
		    hook_outcome_name(r->outcome));
		break;
	}
	fields[0].name = "CCR_HOOK";
	fields[0].value = r->name;
	fields[1].name = "CCR_HOOK_STATUS";
	fields[1].value = status;
	log_event(hook_result_succeeded(r) ? LOG_LEVEL_INFO :
	    LOG_LEVEL_WARNING, ccr_events[CCR_EVENT_HOOK_FINISHED].message_id,
	    fields, 2, "hook %s (%s) finished: %s after %llu ms%s%s", r->name,
	    r->path, status, (unsigned long long)r->duration_ms,
	    r->error != NULL ? ": " : "", r->error != NULL ? r->error : "");
}

/* Run the on_state_change hook, if one is configured. */
static void
daemon_state_hook(struct daemon *d, const struct fsm_output *out)
{
	struct hook_request	 req;
	char			*cause;

	if (d->config->hooks.on_state_change == NULL)
		return;
	memset(&req, 0, sizeof req);
	req.name = "on_state_change";
	req.path = d->config->hooks.on_state_change;
	req.timeout_ms = d->config->hooks.timeout_ms;
	req.event = ccr_events[CCR_EVENT_STATE_CHANGED].name;
	req.leader = daemon_cluster_name(d, d->leader);
	req.follower = daemon_cluster_name(d, 1 - d->leader);
	req.state = fsm_state_name(out->new_state);
	req.old_state = fsm_state_name(out->old_state);
	if (hook_run(d->hooks, &req, daemon_hook_done, d, &cause) == -1) {
		log_warnx("on_state_change not run: %s", cause);
		free(cause);
	}
}

/* The cluster an event is about, for its CCR_CLUSTER field. */
static const char *
daemon_event_cluster(const struct daemon *d, enum fsm_event e)
{
	switch (e) {
	case FSM_EVENT_DEGRADED:
	case FSM_EVENT_LEADER_BACK:
		return (daemon_cluster_name(d, 1 - d->leader));
	default:
		return (daemon_cluster_name(d, d->leader));
	}
}

/*
 * The reason to print after an event's name: a reason that starts with that
 * name, or with its first part ("tilt: " for tilt-enter), would repeat it.
 */
static const char *
daemon_event_reason(const char *name, const char *reason)
{
	size_t	len;

	len = strcspn(reason, ":");
	if (len == 0 || strncmp(reason + len, ": ", 2) != 0 ||
	    strncmp(name, reason, len) != 0)
		return (reason);
	if (name[len] != '\0' && name[len] != '-')
		return (reason);
	return (reason + len + 2);
}

/* Log the events a state machine call reported that only it knows of. */
static void
daemon_log_events(struct daemon *d, const struct fsm_output *out)
{
	struct log_field	fields[2];
	enum fsm_event		e;
	enum ccr_event		kind;
	enum log_level		level;

	for (e = 0; e < FSM_EVENT_MAX; e++) {
		if ((out->events & FSM_EVENT_BIT(e)) == 0)
			continue;
		switch (e) {
		case FSM_EVENT_PROMOTION_STARTED:
		case FSM_EVENT_PROMOTION_FINISHED:
		case FSM_EVENT_FAILBACK_STARTED:
		case FSM_EVENT_FAILBACK_FINISHED:
		case FSM_EVENT_SWITCHOVER_STARTED:
		case FSM_EVENT_SWITCHOVER_FINISHED:
		case FSM_EVENT_ACTION_FAILED:
			/* The engine logs these itself, with its counts. */
			continue;
		default:
			break;
		}
		kind = fsm_event_kind(e);
		switch (e) {
		case FSM_EVENT_LEADER_LOST:
		case FSM_EVENT_ACTION_FAILED:
		case FSM_EVENT_DEGRADED:
			level = LOG_LEVEL_WARNING;
			break;
		default:
			level = LOG_LEVEL_NOTICE;
			break;
		}
		fields[0].name = "CCR_CLUSTER";
		fields[0].value = daemon_event_cluster(d, e);
		fields[1].name = "CCR_STATE";
		fields[1].value = fsm_state_name(out->new_state);
		log_event(level, ccr_events[kind].message_id, fields, 2,
		    "%s: %s", fsm_event_name(e),
		    daemon_event_reason(fsm_event_name(e), out->reason));
	}
}

/*
 * Make a state machine decision take effect: log it, swap roles, start the
 * action it asks for, run hooks, persist and publish.
 */
static void
daemon_apply(struct daemon *d, const struct fsm_output *out)
{
	struct log_field	field;

	daemon_log_events(d, out);
	if (out->swap_roles) {
		d->leader = 1 - d->leader;
		poller_set_leader(d->poller, d->leader);
		readiness_set_leader(d->readiness, d->leader);
		readiness_run(d->readiness);
		log_notice("roles swapped: leader %s, follower %s",
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	}
	if (out->changed) {
		field.name = "CCR_STATE";
		field.value = fsm_state_name(out->new_state);
		log_event(LOG_LEVEL_NOTICE,
		    ccr_events[CCR_EVENT_STATE_CHANGED].message_id, &field, 1,
		    "state %s -> %s: %s", fsm_state_name(out->old_state),
		    fsm_state_name(out->new_state), out->reason);
		daemon_state_hook(d, out);
	}
	if (out->changed || out->swap_roles || out->action != FSM_ACTION_NONE)
		daemon_save_state(d);
	if (out->action != FSM_ACTION_NONE)
		daemon_start_action(d, out);
	else if (action_running(d->engine) && d->awaiting_divergence &&
	    out->new_state != FSM_STATE_AWAITING_CONFIRMATION) {
		/* Aborted at the divergence gate: nothing more is deleted. */
		action_stop(d->engine);
		state_set_action(&d->state, NULL);
		d->awaiting_divergence = false;
		daemon_save_state(d);
	}
	daemon_publish(d);
}

/* Keep the cluster_uuids the poller pinned in state.json. */
static void
daemon_keep_identity(struct daemon *d)
{
	const char	*seen, *kept, *name;
	bool		 changed = false;
	int		 i;

	for (i = 0; i < CCR_CLUSTERS; i++) {
		name = daemon_cluster_name(d, i);
		seen = poller_identity(d->poller, i);
		kept = state_identity(&d->state, name);
		if (seen == NULL || (kept != NULL && strcmp(seen, kept) == 0))
			continue;
		state_set_identity(&d->state, name, seen);
		changed = true;
	}
	if (changed)
		daemon_save_state(d);
}

/*
 * reset-identity: forget cluster name's pinned cluster_uuid; the next
 * answer is pinned. -1 (and why) when no such cluster is configured.
 */
static int
daemon_reset_identity(struct daemon *d, const char *name, char *why,
    size_t len)
{
	int	i;

	if ((i = daemon_cluster_index(d->config, name)) == -1) {
		snprintf(why, len, "reset-identity rejected: no cluster named "
		    "\"%.64s\"", name);
		return (-1);
	}
	poller_set_identity(d->poller, i, NULL);
	state_set_identity(&d->state, name, NULL);
	return (0);
}

/* A poll round finished: remember what it saw and let the machine decide. */
static void
daemon_round(const struct observation *obs, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;
	size_t			 n;

	d->seen[d->leader] = obs->leader;
	d->seen[1 - d->leader] = obs->follower;
	n = obs->nindices < d->config->nindices ? obs->nindices :
	    d->config->nindices;
	memcpy(d->seen_indices, obs->indices, n * sizeof *obs->indices);
	d->polled = true;
	clock_gettime(CLOCK_REALTIME, &d->last_poll);
	daemon_keep_identity(d);

	fsm_observe(&d->fsm, &d->params, obs, &out);
	daemon_apply(d, &out);
	if (!d->ready) {
		d->ready = true;
		notify_ready();
		log_info("first poll done: %s, leader %s",
		    fsm_state_name(d->fsm.state),
		    daemon_cluster_name(d, d->leader));
	}
}

/* An operator command, from the control file or a signal. */
static void
daemon_command(const struct control_request *req, enum control_source source,
    void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;
	struct log_field	 fields[2];
	int			 accepted;

	memset(&out, 0, sizeof out);
	if (req->command == FSM_COMMAND_RESET_IDENTITY &&
	    daemon_reset_identity(d, req->arg, out.reason,
	    sizeof out.reason) == -1) {
		accepted = 0;
		out.old_state = out.new_state = d->fsm.state;
		out.pending = d->fsm.pending;
	} else
		accepted = fsm_command(&d->fsm, req->command,
		    daemon_now_ms(), &out) == 0;
	snprintf(d->last_command.id, sizeof d->last_command.id, "%s", req->id);
	d->last_command.command = req->command;
	d->last_command.outcome = accepted ? CONTROL_OUTCOME_ACCEPTED :
	    CONTROL_OUTCOME_REJECTED;
	snprintf(d->last_command.message, sizeof d->last_command.message,
	    "%s", out.reason);
	d->last_command.set = true;

	fields[0].name = "CCR_COMMAND";
	fields[0].value = fsm_command_name(req->command);
	fields[1].name = "CCR_STATE";
	fields[1].value = fsm_state_name(out.new_state);
	log_event(accepted ? LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING,
	    ccr_events[CCR_EVENT_CONTROL].message_id, fields, 2,
	    "%s%s%s from %s (%s) %s: %s", fsm_command_name(req->command),
	    req->arg[0] != '\0' ? " " : "", req->arg,
	    control_source_name(source), req->id,
	    accepted ? "accepted" : "rejected", out.reason);
	if (accepted)
		daemon_save_state(d);
	daemon_apply(d, &out);
}

/* The HTTP verb for a method name the engine uses. */
static int
daemon_method(const char *name, enum http_method *ret)
{
	enum http_method	m;

	for (m = 0; m < HTTP_METHOD_MAX; m++) {
		if (strcmp(http_method_name(m), name) == 0) {
			*ret = m;
			return (0);
		}
	}
	return (-1);
}

static void
daemon_call_free(struct daemon_call *c)
{
	free(c->path);
	free(c->body);
	free(c);
}

/* An action request was answered: translate for the engine. */
static void
daemon_call_done(const struct es_result *r, void *arg)
{
	struct daemon_call	*c = arg;
	struct action_answer	 a;

	memset(&a, 0, sizeof a);
	switch (r->outcome) {
	case HTTP_DONE:
		a.transport = TRANSPORT_OK;
		break;
	case HTTP_TIMEOUT:
		a.transport = TRANSPORT_TIMEOUT;
		break;
	case HTTP_REFUSED:
		a.transport = TRANSPORT_REFUSED;
		break;
	default:
		a.transport = TRANSPORT_ERROR;
		break;
	}
	a.status = (int)r->status;
	a.root = r->root;
	if (a.transport != TRANSPORT_OK)
		a.reason = r->reason;
	c->req = NULL;
	c->d->on_wire--;
	c->done(&a, c->done_arg);
	daemon_call_free(c);
}

/*
 * Flush at once when no action request is on the wire, else soon: answers
 * and new requests that arrive within DAEMON_FLUSH_MS then share one state
 * file write, which is what makes a thousand-index promotion cost tens of
 * writes instead of thousands while a single index waits for none.
 */
static void
daemon_schedule_flush(struct daemon *d)
{
	struct timeval	tv = { 0, DAEMON_FLUSH_MS * 1000 };

	if (d->on_wire == 0)
		event_active(d->flush, EV_TIMEOUT, 0);
	else if (!evtimer_pending(d->flush, NULL))
		evtimer_add(d->flush, &tv);
}

/* The engine's send: queue until the record it follows is saved. */
static void *
daemon_send(void *ctx, int cluster, const char *method,
    const char *path_and_query, const char *body,
    void (*done)(const struct action_answer *, void *), void *done_arg)
{
	struct daemon		*d = ctx;
	struct daemon_call	*c;
	enum http_method	 m;

	if (cluster < 0 || cluster >= CCR_CLUSTERS ||
	    daemon_method(method, &m) == -1)
		return (NULL);
	/* Another cluster behind the url: touch nothing there. */
	if (poller_identity_changed(d->poller, cluster)) {
		log_warnx("not sent to %s, whose identity changed: %s %s",
		    daemon_cluster_name(d, cluster), method, path_and_query);
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->d = d;
	c->cluster = cluster;
	c->method = m;
	c->path = xstrdup(path_and_query);
	c->body = body != NULL ? xstrdup(body) : NULL;
	c->done = done;
	c->done_arg = done_arg;
	TAILQ_INSERT_TAIL(&d->calls, c, entry);
	daemon_schedule_flush(d);
	return (c);
}

/* The engine's cancel: a queued request is dropped, a sent one cancelled. */
static void
daemon_cancel(void *ctx, void *handle)
{
	struct daemon		*d = ctx;
	struct daemon_call	*c = handle;

	if (c->req != NULL) {
		es_cancel(c->req);
		d->on_wire--;
	} else
		TAILQ_REMOVE(&d->calls, c, entry);
	daemon_call_free(c);
}

/* Save the record if it changed, then send every request queued behind it. */
static void
daemon_flush_cb(evutil_socket_t fd, short events, void *arg)
{
	struct daemon		*d = arg;
	struct daemon_call	*c;
	struct action_answer	 a;

	(void)fd;
	(void)events;
	if (d->action_dirty) {
		d->action_dirty = false;
		if (action_running(d->engine)) {
			state_set_action(&d->state,
			    action_record_to_json(action_record(d->engine)));
			d->state_dirty = true;
		}
	}
	if (d->state_dirty) {
		d->state_dirty = false;
		daemon_save_state(d);
	}
	while ((c = TAILQ_FIRST(&d->calls)) != NULL) {
		TAILQ_REMOVE(&d->calls, c, entry);
		c->req = es_request(d->es[c->cluster], c->method, c->path,
		    c->body, DAEMON_ACTION_TIMEOUT_MS, daemon_call_done, c);
		if (c->req != NULL) {
			d->on_wire++;
			continue;
		}
		memset(&a, 0, sizeof a);
		a.transport = TRANSPORT_ERROR;
		a.reason = "request could not be queued";
		c->done(&a, c->done_arg);
		daemon_call_free(c);
	}
}

/* Run a hook about an action; hooks are optional. */
static void
daemon_action_hook(struct daemon *d, const char *name, const char *path,
    enum ccr_event event, const struct action_record *rec,
    int64_t lost_operations)
{
	struct hook_request	 req;
	const char		**names;
	size_t			 i;
	int			 promoted = 1 - rec->old_leader;
	char			*cause;

	if (path == NULL)
		return;
	names = xcalloc(rec->nindices, sizeof *names);
	for (i = 0; i < rec->nindices; i++)
		names[i] = rec->indices[i].names[promoted];
	memset(&req, 0, sizeof req);
	req.name = name;
	req.path = path;
	req.timeout_ms = d->config->hooks.timeout_ms;
	req.event = ccr_events[event].name;
	req.old_leader = rec->clusters[rec->old_leader];
	req.new_leader = rec->clusters[promoted];
	req.leader = daemon_cluster_name(d, d->leader);
	req.follower = daemon_cluster_name(d, 1 - d->leader);
	req.state = fsm_state_name(d->fsm.state);
	req.indices = names;
	req.nindices = rec->nindices;
	if (lost_operations >= 0) {
		req.has_lost_operations = true;
		req.lost_operations = (uint64_t)lost_operations;
	}
	if (hook_run(d->hooks, &req, daemon_hook_done, d, &cause) == -1) {
		log_warnx("%s not run: %s", name, cause);
		free(cause);
	}
	free(names);
}

/* The engine's record changed: it must reach the disk before what follows. */
static void
daemon_action_change(const struct action_record *rec, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;
	size_t			 i, waiting = 0;
	char			 detail[128];

	d->action_dirty = true;
	daemon_schedule_flush(d);

	for (i = 0; i < rec->nindices; i++) {
		if (action_index_status(&rec->indices[i]) ==
		    ACTION_INDEX_AWAITING_CONFIRMATION)
			waiting++;
	}
	if (waiting == 0 || d->awaiting_divergence)
		return;
	d->awaiting_divergence = true;
	snprintf(detail, sizeof detail, "%zu indices on %s hold operations the "
	    "new leader never received: confirm to copy them and continue",
	    waiting, rec->clusters[rec->old_leader]);
	if (fsm_action_done(&d->fsm, &d->params, rec->kind,
	    FSM_RESULT_NEEDS_CONFIRM, detail, daemon_now_ms(), &out) == 0)
		daemon_apply(d, &out);
}

/* A copy of the engine's record, or NULL if it cannot be made. */
static struct action_record *
daemon_record_copy(const struct action_record *rec)
{
	struct action_record	*copy;
	json_t			*j;
	char			*cause;

	j = action_record_to_json(rec);
	if ((copy = action_record_from_json(j, &cause)) == NULL) {
		log_warnx("the failed action's record is not kept: %s", cause);
		free(cause);
	}
	json_decref(j);
	return (copy);
}

/*
 * The engine finished: record what a failback will need, keep a failed
 * action's record so status.json can show each index's error, run hooks,
 * decide.
 */
static void
daemon_action_finished(const struct action_summary *sum, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;
	enum fsm_result		 result;
	char			 detail[256];

	result = sum->failed == 0 && sum->error_type == NULL ?
	    FSM_RESULT_DONE : FSM_RESULT_FAILED;
	if (sum->error_type != NULL)
		snprintf(detail, sizeof detail, "%s: %s", sum->error_type,
		    sum->error_reason != NULL ? sum->error_reason : "");
	else
		snprintf(detail, sizeof detail, "%zu indices done, %zu failed",
		    sum->done, sum->failed);
	if (sum->kind == FSM_ACTION_PROMOTE && sum->done > 0)
		state_set_promotion(&d->state,
		    action_record_to_json(sum->record));
	else if (sum->kind != FSM_ACTION_PROMOTE && result == FSM_RESULT_DONE)
		state_set_promotion(&d->state, NULL);
	state_set_action(&d->state, NULL);
	d->awaiting_divergence = false;
	action_record_free(d->failed);
	d->failed = NULL;
	if (result == FSM_RESULT_FAILED)
		d->failed = daemon_record_copy(sum->record);

	if (fsm_action_done(&d->fsm, &d->params, sum->kind, result, detail,
	    daemon_now_ms(), &out) == 0)
		daemon_apply(d, &out);
	else
		daemon_save_state(d);
	if (result != FSM_RESULT_DONE)
		return;
	if (sum->kind == FSM_ACTION_PROMOTE)
		daemon_action_hook(d, "on_promote", d->config->hooks.on_promote,
		    CCR_EVENT_PROMOTION_FINISHED, sum->record,
		    sum->lost_operations);
	else
		daemon_action_hook(d, "on_failback",
		    d->config->hooks.on_failback,
		    sum->kind == FSM_ACTION_FAILBACK ?
		    CCR_EVENT_FAILBACK_FINISHED :
		    CCR_EVENT_SWITCHOVER_FINISHED, sum->record, -1);
}

/* Start an action now; a failure to start is the action's failure. */
static void
daemon_launch(struct daemon *d, enum fsm_action kind)
{
	struct action_record	*promotion = NULL;
	struct fsm_output	 out;
	char			*cause;
	int			 old_leader;

	old_leader = kind == FSM_ACTION_FAILBACK ? 1 - d->leader : d->leader;
	if (kind == FSM_ACTION_FAILBACK && d->state.promotion != NULL &&
	    (promotion = action_record_from_json(d->state.promotion,
	    &cause)) == NULL) {
		log_warnx("the promotion record is unusable, every index counts "
		    "as divergent: %s", cause);
		free(cause);
	}
	if (action_start(d->engine, kind, old_leader, promotion,
	    &cause) == -1) {
		log_event(LOG_LEVEL_ERROR,
		    ccr_events[CCR_EVENT_ACTION_FAILED].message_id, NULL, 0,
		    "%s could not start: %s", fsm_action_name(kind), cause);
		if (fsm_action_done(&d->fsm, &d->params, kind,
		    FSM_RESULT_FAILED, cause, daemon_now_ms(), &out) == 0)
			daemon_apply(d, &out);
		free(cause);
	}
	action_record_free(promotion);
}

/* pre_promote answered: go on, or hold the promotion for the operator. */
static void
daemon_veto_done(const struct hook_result *r, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;

	daemon_hook_done(r, arg);
	if (d->fsm.state != FSM_STATE_PROMOTING || action_running(d->engine))
		return;
	if (hook_result_succeeded(r)) {
		daemon_launch(d, FSM_ACTION_PROMOTE);
		return;
	}
	if (fsm_action_done(&d->fsm, &d->params, FSM_ACTION_PROMOTE,
	    FSM_RESULT_NEEDS_CONFIRM, "the pre_promote hook vetoed the "
	    "promotion", daemon_now_ms(), &out) == 0)
		daemon_apply(d, &out);
}

/*
 * Carry out the action a decision asked for. A promotion first asks the
 * pre_promote hook unless the operator already confirmed it; a confirm while
 * the engine waits on divergent indices releases them.
 */
static void
daemon_start_action(struct daemon *d, const struct fsm_output *out)
{
	struct hook_request	 req;
	char			*cause;
	size_t			 n;

	if (action_running(d->engine)) {
		if (out->confirmed && d->awaiting_divergence) {
			n = action_confirm(d->engine);
			d->awaiting_divergence = false;
			log_notice("operator confirmed: %zu divergent indices "
			    "are copied before they are replaced", n);
		}
		return;
	}
	if (out->action != FSM_ACTION_PROMOTE || out->confirmed ||
	    d->config->hooks.pre_promote == NULL) {
		daemon_launch(d, out->action);
		return;
	}
	memset(&req, 0, sizeof req);
	req.name = "pre_promote";
	req.path = d->config->hooks.pre_promote;
	req.timeout_ms = d->config->hooks.timeout_ms;
	req.event = "pre-promote";
	req.old_leader = daemon_cluster_name(d, d->leader);
	req.new_leader = daemon_cluster_name(d, 1 - d->leader);
	req.leader = req.old_leader;
	req.follower = req.new_leader;
	req.state = fsm_state_name(d->fsm.state);
	if (hook_run(d->hooks, &req, daemon_veto_done, d, &cause) == -1) {
		log_warnx("pre_promote not run (%s): promoting", cause);
		free(cause);
		daemon_launch(d, FSM_ACTION_PROMOTE);
	}
}

/* Read the secrets of cluster i and build its client. */
static struct es_cluster *
daemon_open_cluster(struct daemon *d, struct ccr_config *cfg, int i,
    char **cause)
{
	const struct ccr_cluster_config	*cc = &cfg->clusters[i];
	struct es_cluster		*es;
	char				*password = NULL, *api_key = NULL;

	if (cc->password_file != NULL &&
	    config_read_secret(cfg, cc->password_file, &password, cause) == -1)
		return (NULL);
	if (cc->api_key_file != NULL &&
	    config_read_secret(cfg, cc->api_key_file, &api_key, cause) == -1) {
		config_secret_free(password);
		return (NULL);
	}
	es = es_cluster_create(d->http, cc, password, api_key,
	    cfg->max_requests_per_cluster, cause);
	config_secret_free(password);
	config_secret_free(api_key);
	return (es);
}

/*
 * A readiness pass finished: keep it for the status file, and tell the
 * journal when readiness or any check's verdict changed.
 */
static void
daemon_readiness_done(const struct readiness_check *checks, size_t n,
    bool ok, void *arg)
{
	struct daemon	*d = arg;
	char		 failed[1024];
	bool		 changed;
	size_t		 i;

	changed = d->checks == NULL || d->nchecks != n || d->checks_ok != ok;
	for (i = 0; !changed && i < n; i++)
		changed = strcmp(d->checks[i].check, checks[i].check) != 0 ||
		    d->checks[i].ok != checks[i].ok;
	free(d->checks);
	d->checks = xcalloc(n + 1, sizeof *d->checks);
	memcpy(d->checks, checks, n * sizeof *checks);
	d->nchecks = n;
	d->checks_ok = ok;
	if (changed) {
		failed[0] = '\0';
		for (i = 0; i < n; i++) {
			if (checks[i].ok)
				continue;
			snprintf(failed + strlen(failed),
			    sizeof failed - strlen(failed), "%s%s: %s",
			    failed[0] != '\0' ? "; " : "", checks[i].check,
			    checks[i].detail);
		}
		if (ok)
			log_notice("readiness: ready, %zu checks pass", n);
		else
			log_warnx("readiness: NOT ready: %s", failed);
	}
	daemon_publish(d);
}

/* Start the readiness checks over the current clients and roles. */
static void
daemon_readiness_start(struct daemon *d)
{
	d->readiness = readiness_create(d->base, d->config, d->es[0],
	    d->es[1], daemon_readiness_done, d);
	readiness_set_leader(d->readiness, d->leader);
	readiness_start(d->readiness, READINESS_INTERVAL_MS);
}

/* Tear down the poller and the cluster clients. */
static void
daemon_close_clusters(struct daemon *d)
{
	int	i;

	readiness_free(d->readiness);
	d->readiness = NULL;
	poller_free(d->poller);
	d->poller = NULL;
	for (i = 0; i < CCR_CLUSTERS; i++) {
		es_cluster_free(d->es[i]);
		d->es[i] = NULL;
	}
}

/*
 * Build the cluster clients and the poller for cfg. On failure nothing of
 * the new set survives and the daemon's current set is untouched.
 */
static int
daemon_open_clusters(struct daemon *d, struct ccr_config *cfg,
    struct es_cluster **es, struct poller **poller, char **cause)
{
	int	i;

	for (i = 0; i < CCR_CLUSTERS; i++) {
		if ((es[i] = daemon_open_cluster(d, cfg, i, cause)) == NULL) {
			while (i-- > 0)
				es_cluster_free(es[i]);
			return (-1);
		}
	}
	*poller = poller_create(d->base, cfg, es[0], es[1], daemon_round, d);
	for (i = 0; i < CCR_CLUSTERS; i++)
		poller_set_identity(*poller, i,
		    state_identity(&d->state, cfg->clusters[i].name));
	return (0);
}

/* A fresh engine for the configuration in force (it borrows it). */
static struct action_engine *
daemon_engine_create(struct daemon *d)
{
	struct action_transport	transport;
	struct action_params	params;
	struct action_callbacks	callbacks;

	transport.send = daemon_send;
	transport.cancel = daemon_cancel;
	transport.ctx = d;
	memset(&params, 0, sizeof params);
	/* The cluster clients bound what is on the wire; more wait there. */
	params.max_in_flight = DAEMON_ACTION_IN_FLIGHT;
	params.retry_base_ms = DAEMON_RETRY_BASE_MS;
	params.retry_cap_ms = DAEMON_RETRY_CAP_MS;
	params.max_attempts = 0;
	params.request_timeout_ms = DAEMON_ACTION_TIMEOUT_MS + 5000;
	params.switchover_timeout_ms = d->config->switchover_timeout_ms;
	params.lag_poll_ms = d->config->poll_interval_ms / 2;
	params.dry_run = d->config->dry_run;
	callbacks.on_change = daemon_action_change;
	callbacks.on_finished = daemon_action_finished;
	callbacks.arg = d;
	return (action_create(d->base, d->config, &transport, &params,
	    &callbacks));
}

/* The watchdog ping comes from the loop itself: a stuck loop stops it. */
static void
daemon_watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	notify_watchdog();
}

/* SIGHUP: validate the new configuration, swap it in only when it is good. */
static void
daemon_reload(void *arg)
{
	struct daemon		*d = arg;
	struct ccr_config	*cfg;
	struct es_cluster	*es[CCR_CLUSTERS];
	struct poller		*poller;
	struct log_field	 field;
	char			*cause;
	int			 leader, i;

	notify_reloading();
	field.name = "CCR_CONFIG";
	field.value = d->opts->config_path;
	if (action_running(d->engine)) {
		xasprintf(&cause, "a %s is running; reload again when it is "
		    "done", fsm_action_name(action_record(d->engine)->kind));
		goto rejected;
	}
	if (config_load(d->opts->config_path, &cfg, &cause) == -1)
		goto rejected;
	leader = daemon_cluster_index(cfg, daemon_cluster_name(d, d->leader));
	if (leader == -1 || daemon_cluster_index(cfg,
	    daemon_cluster_name(d, 1 - d->leader)) == -1) {
		cause = xstrdup("the clusters were renamed; restart the daemon "
		    "to change them");
		config_free(cfg);
		goto rejected;
	}
	if (cfg->nindices != d->config->nindices) {
		cause = xstrdup("the number of indices changed; restart the "
		    "daemon to change them");
		config_free(cfg);
		goto rejected;
	}
	if (d->opts->dry_run)
		cfg->dry_run = true;
	if (daemon_open_clusters(d, cfg, es, &poller, &cause) == -1) {
		config_free(cfg);
		goto rejected;
	}

	action_free(d->engine);
	daemon_close_clusters(d);
	config_free(d->config);
	d->config = cfg;
	d->engine = daemon_engine_create(d);
	for (i = 0; i < CCR_CLUSTERS; i++)
		d->es[i] = es[i];
	d->poller = poller;
	d->leader = leader;
	poller_set_leader(d->poller, d->leader);
	daemon_readiness_start(d);
	fsm_params_from_config(cfg, &d->params);
	control_set_interval(d->control, cfg->poll_interval_ms);
	if (!d->opts->level_given) {
		enum log_level	level;

		if (cfg->log_level != NULL &&
		    log_level_from_name(cfg->log_level, &level) == 0)
			log_set_level(level);
	}
	poller_start(d->poller);
	log_event(LOG_LEVEL_NOTICE,
	    ccr_events[CCR_EVENT_CONFIG_RELOADED].message_id, &field, 1,
	    "configuration reloaded from %s", d->opts->config_path);
	notify_ready();
	return;

rejected:
	log_event(LOG_LEVEL_WARNING,
	    ccr_events[CCR_EVENT_CONFIG_RELOADED].message_id, &field, 1,
	    "reload rejected, keeping the running configuration: %s", cause);
	free(cause);
	notify_ready();
}

/* SIGTERM or SIGINT: leave the loop; in-flight requests are abandoned. */
static void
daemon_stop(int signo, void *arg)
{
	struct daemon	*d = arg;

	log_notice("%s: stopping", strsignal(signo));
	notify_stopping();
	event_base_loopbreak(d->base);
}

/*
 * Whether the recorded action may have changed a cluster: a mutating
 * request of some index may have left, or a failback registered its remote.
 * An unreadable record counts as touched: it is then finished, or fails,
 * but is never silently dropped.
 */
static bool
daemon_record_touched(const json_t *j)
{
	struct action_record			*rec;
	const struct action_index_record	*ir;
	char					*cause;
	bool					 touched;
	size_t					 i;

	if (j == NULL)
		return (false);
	if ((rec = action_record_from_json(j, &cause)) == NULL) {
		free(cause);
		return (true);
	}
	/* Failback and switchover register the remote before any index. */
	touched = rec->phase > ACTION_PHASE_INDICES ||
	    (rec->kind != FSM_ACTION_PROMOTE &&
	    rec->phase >= ACTION_PHASE_REMOTE);
	for (i = 0; i < rec->nindices && !touched; i++) {
		ir = &rec->indices[i];
		touched = step_touched(rec->kind, ir->step, ir->sent,
		    ir->failed_step);
	}
	action_record_free(rec);
	return (touched);
}

/* Load state.json: roles and the machine as they were before a restart. */
static int
daemon_restore(struct daemon *d, char **cause)
{
	struct fsm_saved	 saved;
	struct timespec		 now;
	char			*why;
	int			 leader;

	switch (state_load(&d->state, d->state_path, &why)) {
	case STATE_MISSING:
		return (0);
	case STATE_INVALID:
		xasprintf(cause, "%s (move it away to start from the "
		    "configured roles)", why);
		free(why);
		return (-1);
	case STATE_LOADED:
		break;
	}
	leader = daemon_cluster_index(d->config, d->state.leader);
	if (leader == -1 ||
	    daemon_cluster_index(d->config, d->state.follower) != 1 - leader) {
		xasprintf(cause, "%s names clusters the configuration does not "
		    "have", d->state.path);
		return (-1);
	}
	d->leader = leader;
	saved = d->state.fsm;
	saved.block_left_ms = 0;
	saved.action_touched = daemon_record_touched(d->state.action);
	if (!saved.action_touched && d->state.action != NULL) {
		/* Nothing was sent: decided afresh, not resumed. */
		state_set_action(&d->state, NULL);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (d->state.block_until.tv_sec > now.tv_sec)
		saved.block_left_ms =
		    (uint64_t)(d->state.block_until.tv_sec - now.tv_sec) * 1000;
	if (fsm_restore(&d->fsm, &saved, daemon_now_ms(), &d->restored) == -1) {
		xasprintf(cause, "%s: inconsistent state machine record",
		    d->state.path);
		return (-1);
	}
	log_info("restored from %s: %s, leader %s%s%s", d->state.path,
	    fsm_state_name(d->fsm.state), daemon_cluster_name(d, d->leader),
	    d->restored.reason[0] != '\0' ? ": " : "", d->restored.reason);
	return (0);
}

/*
 * After a restart: an action recorded in the state file is finished from
 * where it stood; one the state machine re-issues without a record (the
 * daemon stopped between deciding and starting) starts afresh.
 */
static void
daemon_resume(struct daemon *d)
{
	struct action_record	*rec;
	struct fsm_output	 out;
	char			*cause;

	if (d->state.action != NULL) {
		rec = action_record_from_json(d->state.action, &cause);
		if (rec == NULL || action_resume(d->engine, rec, &cause) == -1) {
			log_event(LOG_LEVEL_ERROR,
			    ccr_events[CCR_EVENT_ACTION_FAILED].message_id,
			    NULL, 0, "the recorded action cannot be resumed: %s",
			    cause);
			if (fsm_action_done(&d->fsm, &d->params,
			    d->fsm.action, FSM_RESULT_FAILED, cause,
			    daemon_now_ms(), &out) == 0)
				daemon_apply(d, &out);
			free(cause);
		} else
			log_notice("resuming the recorded %s",
			    fsm_action_name(rec->kind));
		action_record_free(rec);
	}
	if (d->restored.action != FSM_ACTION_NONE && !action_running(d->engine))
		daemon_start_action(d, &d->restored);
}

/* Create a directory the daemon owns, if it is not there yet. */
static int
daemon_mkdir(const char *path, mode_t mode, char **cause)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		xasprintf(cause, "mkdir %s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Free whatever daemon_run built, in reverse order. */
static void
daemon_free(struct daemon *d)
{
	struct daemon_call	*c;

	if (d->watchdog != NULL)
		event_free(d->watchdog);
	control_free(d->control);
	hook_runner_free(d->hooks);
	action_free(d->engine);
	action_record_free(d->failed);
	while ((c = TAILQ_FIRST(&d->calls)) != NULL) {
		TAILQ_REMOVE(&d->calls, c, entry);
		daemon_call_free(c);
	}
	if (d->flush != NULL)
		event_free(d->flush);
	daemon_close_clusters(d);
	free(d->checks);
	http_free(d->http);
	state_clear(&d->state);
	free(d->seen_indices);
	config_free(d->config);
	free(d->state_dir);
	free(d->state_path);
	free(d->runtime_dir);
	if (d->base != NULL)
		event_base_free(d->base);
}

/* Run the daemon until it is told to stop; returns the exit status. */
int
daemon_run(const struct daemon_options *opts)
{
	static const struct control_callbacks	callbacks = {
		daemon_command, daemon_reload, daemon_stop, NULL
	};
	struct control_callbacks	cb = callbacks;
	struct daemon			d;
	struct timeval			tv;
	enum log_level			level;
	uint64_t			watchdog_ms;
	char				*cause = NULL;
	int				status = 1;

	memset(&d, 0, sizeof d);
	d.opts = opts;
	TAILQ_INIT(&d.calls);
	log_init("ccr-failoverd", opts->level);
	if (config_load(opts->config_path, &d.config, &cause) == -1) {
		log_warnx("%s", cause);
		free(cause);
		return (1);
	}
	if (!opts->level_given && d.config->log_level != NULL &&
	    log_level_from_name(d.config->log_level, &level) == 0)
		log_set_level(level);
	if (opts->dry_run)
		d.config->dry_run = true;
	d.state_dir = config_dir(d.config, CONFIG_DIR_STATE, opts->state_dir,
	    getenv);
	d.runtime_dir = config_dir(d.config, CONFIG_DIR_RUNTIME,
	    opts->runtime_dir, getenv);
	notify_init();

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("libcurl could not be initialised");
		goto out;
	}
	if ((d.base = event_base_new()) == NULL) {
		log_warnx("libevent could not create an event base");
		goto out;
	}
	if (daemon_mkdir(d.state_dir, 0700, &cause) == -1)
		goto fail;
	xasprintf(&d.state_path, "%s/%s", d.state_dir, STATE_FILE);
	state_init(&d.state, d.state_path);

	d.leader = 0;
	fsm_init(&d.fsm, daemon_now_ms());
	fsm_params_from_config(d.config, &d.params);
	if (daemon_restore(&d, &cause) == -1)
		goto fail;
	d.seen_indices = xcalloc(d.config->nindices, sizeof *d.seen_indices);

	cb.arg = &d;
	if ((d.control = control_create(d.base, d.runtime_dir,
	    d.config->poll_interval_ms, &cb, &cause)) == NULL)
		goto fail;
	d.hooks = hook_runner_create(d.base, DAEMON_HOOKS_RUNNING,
	    DAEMON_HOOKS_QUEUED);
	if ((d.http = http_create(d.base, DAEMON_HTTP_CONNS, &cause)) == NULL)
		goto fail;
	if (daemon_open_clusters(&d, d.config, d.es, &d.poller, &cause) == -1)
		goto fail;
	poller_set_leader(d.poller, d.leader);
	daemon_readiness_start(&d);
	d.flush = event_new(d.base, -1, 0, daemon_flush_cb, &d);
	d.engine = daemon_engine_create(&d);

	if ((watchdog_ms = notify_watchdog_interval_ms()) != 0) {
		d.watchdog = event_new(d.base, -1, EV_PERSIST,
		    daemon_watchdog_cb, &d);
		tv.tv_sec = (time_t)(watchdog_ms / 1000);
		tv.tv_usec = (suseconds_t)(watchdog_ms % 1000) * 1000;
		event_add(d.watchdog, &tv);
	}

	log_event(LOG_LEVEL_INFO, ccr_events[CCR_EVENT_STARTED].message_id,
	    NULL, 0, "started %s: leader %s, follower %s, %zu indices%s",
	    PACKAGE_VERSION, daemon_cluster_name(&d, d.leader),
	    daemon_cluster_name(&d, 1 - d.leader), d.config->nindices,
	    d.config->dry_run ? ", dry run" : "");
	daemon_save_state(&d);
	daemon_resume(&d);
	daemon_publish(&d);
	poller_start(d.poller);
	event_base_dispatch(d.base);
	status = 0;
	goto out;

fail:
	log_warnx("%s", cause);
	free(cause);
out:
	daemon_free(&d);
	curl_global_cleanup();
	return (status);
}
