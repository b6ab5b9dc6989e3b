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

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
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
#include "coord.h"
#include "daemon.h"
#include "es.h"
#include "events.h"
#include "fsm.h"
#include "hook.h"
#include "http.h"
#include "isotime.h"
#include "metrics.h"
#include "monotime.h"
#include "notify.h"
#include "observation.h"
#include "poller.h"
#include "fence.h"
#include "readiness.h"
#include "sender.h"
#include "state.h"
#include "status.h"
#include "xmalloc.h"

#define DAEMON_HOOKS_RUNNING	4
#define DAEMON_HOOKS_QUEUED	64
#define DAEMON_HTTP_CONNS	64
#define DAEMON_ACTION_TIMEOUT_MS 30000	/* one action request */
#define DAEMON_RETRY_BASE_MS	200
#define DAEMON_RETRY_CAP_MS	5000
#define DAEMON_ACTION_IN_FLIGHT	256	/* recorded, not yet answered */

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
	struct fence		*fence;
	struct control		*control;
	struct hook_runner	*hooks;
	struct events		 events;	/* log, journal, hooks */
	struct event		*watchdog;
	struct metrics		*metrics;	/* NULL: not served */

	/* The engine's requests leave behind its saved record. */
	struct action_engine	*engine;
	struct sender		*sender;
	struct action_transport	 transport;	/* the sender's */
	bool			 action_dirty;	/* engine record changed */
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
		char			 by[CONFIG_MEMBER_MAX + 1];
		bool			 set;
	}			 last_command;

	/*
	 * Several watchers (coord NULL: a lone daemon, which always acts).
	 * Only the actor steps the machine for real, sends, runs hooks; the
	 * others follow the record it writes to etcd.
	 */
	struct coord		*coord;
	struct fsm		 own;	/* what this member alone decides */
	bool			 acting;
	bool			 resigning;	/* stopping: lease revoked */

	bool			 ready;
	struct fsm_output	 restored;	/* what fsm_restore asked for */

	/* The last readiness pass; checks NULL before the first. */
	struct readiness_check	*checks;
	size_t			 nchecks;
	bool			 checks_ok;
};

static void	daemon_apply(struct daemon *, const struct fsm_output *);
static void	daemon_fence_check(struct daemon *,
		    const struct observation *);
static void	daemon_start_action(struct daemon *, const struct fsm_output *);
static void	daemon_record_write(struct daemon *, uint64_t);

static const char *
daemon_cluster_name(const struct daemon *d, int i)
{
	return (d->config->clusters[i].name);
}

/* Write the durable part of the machine and the roles to state.json. */
static void
daemon_save_state(struct daemon *d)
{
	struct fsm_saved	 saved;
	char			*cause;

	fsm_save(&d->fsm, monotime_ms(), &saved);
	state_set_fsm(&d->state, &saved);
	state_set_roles(&d->state, daemon_cluster_name(d, d->leader),
	    daemon_cluster_name(d, 1 - d->leader));
	if (state_save(&d->state, &cause) == -1) {
		log_warnx("cannot save state: %s", cause);
		free(cause);
	}
	if (d->coord != NULL && d->acting)
		daemon_record_write(d, 0);
}

/*
 * Whether this watcher may change anything now: always when alone; with
 * coordination only as the actor on a lease confirmed within the last
 * third of its TTL.
 */
static bool
daemon_may_act(void *arg)
{
	struct daemon	*d = arg;

	return (d->coord == NULL || coord_may_act(d->coord));
}

/* Who acts and what each member sees, for the status; the caller frees. */
static struct status_member *
daemon_coord_view(struct daemon *d, struct status_coordination *co)
{
	const struct coord_view		*v = coord_view(d->coord);
	struct status_member		*m;
	uint64_t			 now = monotime_ms();
	size_t				 i;

	m = xcalloc(v->n + 1, sizeof *m);
	for (i = 0; i < v->n; i++) {
		m[i].name = v->members[i].summary.member;
		m[i].leader_reachable = v->members[i].summary.leader_reachable;
		m[i].state = v->members[i].summary.state;
		m[i].age_ms = coord_view_age(&v->members[i], now);
	}
	memset(co, 0, sizeof *co);
	co->enabled = true;
	co->member = coord_member(d->coord);
	co->actor = coord_actor(d->coord);
	co->acting = d->acting;
	co->etcd_reachable = coord_available(d->coord);
	co->members = m;
	co->nmembers = v->n;
	return (m);
}

/* Build and write status.json, then tell systemd the one-line summary. */
static void
daemon_publish(struct daemon *d)
{
	struct status_view	 v;
	struct status_command	 cmd;
	struct status_coordination co;
	struct status_member	*members = NULL;
	char			*cause, line[256];

	memset(&v, 0, sizeof v);
	v.config = d->config;
	v.fsm = &d->fsm;
	v.leader = d->leader;
	if (action_running(d->engine))
		v.action = action_record(d->engine);
	else if (d->fsm.state == FSM_STATE_FAILED)
		v.action = d->failed;
	v.polled = d->polled;
	v.seen = d->seen;
	v.seen_indices = d->seen_indices;
	v.last_poll = d->last_poll;
	v.ready = d->checks != NULL && d->checks_ok;
	v.readiness = d->checks;
	v.nreadiness = d->nchecks;
	v.fenced = d->state.fenced;
	if (d->last_command.set) {
		cmd.id = d->last_command.id;
		cmd.command = d->last_command.command;
		cmd.outcome = d->last_command.outcome;
		cmd.message = d->last_command.message[0] != '\0' ?
		    d->last_command.message : NULL;
		cmd.by = d->last_command.by[0] != '\0' ?
		    d->last_command.by : NULL;
		v.last_command = &cmd;
	}
	if (d->coord != NULL) {
		members = daemon_coord_view(d, &co);
		v.coordination = &co;
	}
	metrics_update(d->metrics, &v, monotime_ms());
	if (status_publish(&v, d->runtime_dir, line, sizeof line,
	    &cause) == -1) {
		log_warnx("cannot write status: %s", cause);
		free(cause);
	}
	free(members);
	notify_status(line);
}

/*
 * Polls ask only for health while the engine turns the indices over (not
 * while it waits for the operator, who reads the status meanwhile).
 */
static void
daemon_poll_mode(struct daemon *d)
{
	poller_set_quiet(d->poller, action_running(d->engine) &&
	    d->fsm.state != FSM_STATE_AWAITING_CONFIRMATION);
}

/*
 * Make a state machine decision take effect: log it, swap roles, start the
 * action it asks for, run hooks, persist and publish.
 */
static void
daemon_apply(struct daemon *d, const struct fsm_output *out)
{
	events_fsm(&d->events, out, daemon_cluster_name(d, d->leader),
	    daemon_cluster_name(d, 1 - d->leader));
	if (out->swap_roles) {
		d->leader = 1 - d->leader;
		poller_set_leader(d->poller, d->leader);
		readiness_set_leader(d->readiness, d->leader);
		readiness_run(d->readiness);
		log_notice("roles swapped: leader %s, follower %s",
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	}
	if (out->changed)
		events_state_changed(&d->events, out,
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	/* A new episode: the fenced old leader followed, or roles swapped. */
	if (d->state.fenced != NULL && (out->swap_roles ||
	    out->new_state == FSM_STATE_REPLICATING))
		state_set_fenced(&d->state, NULL);
	if (out->changed || out->swap_roles || out->action != FSM_ACTION_NONE)
		daemon_save_state(d);
	if (out->action != FSM_ACTION_NONE)
		daemon_start_action(d, out);
	else if (action_running(d->engine) &&
	    out->old_state == FSM_STATE_AWAITING_CONFIRMATION &&
	    out->new_state != FSM_STATE_AWAITING_CONFIRMATION) {
		/* Aborted at the divergence gate: nothing more is deleted. */
		action_stop(d->engine);
		state_set_action(&d->state, NULL);
		daemon_save_state(d);
	}
	daemon_poll_mode(d);
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

	if ((i = config_cluster_index(d->config, name)) == -1) {
		snprintf(why, len, "reset-identity rejected: no cluster named "
		    "\"%.64s\"", name);
		return (-1);
	}
	poller_set_identity(d->poller, i, NULL);
	state_set_identity(&d->state, name, NULL);
	return (0);
}

/*
 * A round with coordination: every member decides as a lone daemon would,
 * the actor with the quorum of fresh summaries and for real, the others in
 * a machine of their own (own) whose state only their summary shows; then
 * each publishes what it saw and decided.
 */
static void
daemon_coord_round(struct daemon *d, const struct observation *obs)
{
	struct observation	 o = *obs;
	struct coord_quorum	 q;
	struct coord_summary	 sum;
	struct fsm_output	 out;
	struct timespec		 now;
	enum fsm_state		 decided;

	coord_quorum(d->coord, !obs->leader.reachable,
	    coord_fresh_ms(d->config->poll_interval_ms,
	    d->config->request_timeout_ms), &q);
	o.quorum.required = true;
	o.quorum.available = coord_available(d->coord);
	o.quorum.needed = (unsigned int)d->config->coordination.quorum;
	o.quorum.fresh = q.fresh;
	o.quorum.down = q.down;
	if (d->acting) {
		fsm_observe(&d->fsm, &d->params, &o, &out);
		daemon_apply(d, &out);
		d->own = d->fsm;
		decided = d->fsm.state;
	} else {
		fsm_observe(&d->own, &d->params, &o, &out);
		decided = d->own.state;
		/* It decides; the actor acts: follow the record again. */
		if (out.action != FSM_ACTION_NONE)
			d->own = d->fsm;
		daemon_publish(d);
	}
	memset(&sum, 0, sizeof sum);
	sum.leader_reachable = obs->leader.reachable;
	sum.follower_agrees = fsm_follower_agrees(d->acting ? &d->fsm :
	    &d->own, &d->params, obs);
	snprintf(sum.state, sizeof sum.state, "%s", fsm_state_name(decided));
	clock_gettime(CLOCK_REALTIME, &now);
	isotime_format(&now, sum.time, sizeof sum.time);
	coord_publish(d->coord, &sum);
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

	if (d->coord != NULL)
		daemon_coord_round(d, obs);
	else {
		fsm_observe(&d->fsm, &d->params, obs, &out);
		daemon_apply(d, &out);
	}
	/* Only the one that acts touches a cluster. */
	if (d->coord == NULL || d->acting)
		daemon_fence_check(d, obs);
	if (!d->ready) {
		d->ready = true;
		notify_ready();
		log_info("first poll done: %s, leader %s",
		    fsm_state_name(d->fsm.state),
		    daemon_cluster_name(d, d->leader));
	}
}

/* Remember a command's outcome for status.json's last_command. */
static void
daemon_last_command(struct daemon *d, const char *id, enum fsm_command command,
    bool accepted, const char *message, const char *by)
{
	snprintf(d->last_command.id, sizeof d->last_command.id, "%s", id);
	d->last_command.command = command;
	d->last_command.outcome = accepted ? CONTROL_OUTCOME_ACCEPTED :
	    CONTROL_OUTCOME_REJECTED;
	snprintf(d->last_command.message, sizeof d->last_command.message,
	    "%s", message);
	snprintf(d->last_command.by, sizeof d->last_command.by, "%s",
	    by != NULL ? by : "");
	d->last_command.set = true;
}

/* Carry out an operator command here; source says where it came from. */
static bool
daemon_execute(struct daemon *d, const char *id, enum fsm_command command,
    const char *source, char *message, size_t len)
{
	struct fsm_output	 out;
	struct log_field	 fields[2];
	bool			 accepted;

	accepted = fsm_command(&d->fsm, command, monotime_ms(), &out) == 0;
	daemon_last_command(d, id, command, accepted, out.reason,
	    d->events.member);
	snprintf(message, len, "%s", out.reason);

	fields[0].name = "CCR_COMMAND";
	fields[0].value = fsm_command_name(command);
	fields[1].name = "CCR_STATE";
	fields[1].value = fsm_state_name(out.new_state);
	events_emit(&d->events, CCR_EVENT_CONTROL, accepted ?
	    LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, fields, 2, NULL,
	    "%s from %s (%s) %s%s%s: %s", fsm_command_name(command), source,
	    id, accepted ? "accepted" : "rejected",
	    d->events.member != NULL ? " by " : "",
	    d->events.member != NULL ? d->events.member : "", out.reason);
	if (accepted)
		daemon_save_state(d);
	daemon_apply(d, &out);
	return (accepted);
}

/* reset-identity CLUSTER: forget that cluster's pinned cluster_uuid. */
static void
daemon_reset_identity_command(struct daemon *d,
    const struct control_request *req, enum control_source source)
{
	struct fsm_output	 out;
	struct log_field	 field;
	bool			 accepted;

	memset(&out, 0, sizeof out);
	if (daemon_reset_identity(d, req->arg, out.reason,
	    sizeof out.reason) == -1)
		accepted = false;
	else
		accepted = fsm_command(&d->fsm, req->command, monotime_ms(),
		    &out) == 0;
	daemon_last_command(d, req->id, req->command, accepted, out.reason,
	    d->events.member);
	field.name = "CCR_COMMAND";
	field.value = fsm_command_name(req->command);
	events_emit(&d->events, CCR_EVENT_CONTROL, accepted ?
	    LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, &field, 1, NULL,
	    "%s %s from %s (%s) %s: %s", fsm_command_name(req->command),
	    req->arg, control_source_name(source), req->id,
	    accepted ? "accepted" : "rejected", out.reason);
	if (accepted)
		daemon_save_state(d);
	daemon_publish(d);
}

/*
 * An operator command, from the control file or a signal. With several
 * watchers only the actor carries it out; the others forward it.
 */
static void
daemon_command(const struct control_request *req, enum control_source source,
    void *arg)
{
	struct daemon		*d = arg;
	struct log_field	 field;
	char			 message[FSM_REASON_LEN], *cause;

	/* Each watcher pins what it sees: its own to reset, never forwarded. */
	if (req->command == FSM_COMMAND_RESET_IDENTITY) {
		daemon_reset_identity_command(d, req, source);
		return;
	}
	if (d->coord == NULL || d->acting) {
		daemon_execute(d, req->id, req->command,
		    control_source_name(source), message, sizeof message);
		return;
	}
	field.name = "CCR_COMMAND";
	field.value = fsm_command_name(req->command);
	if (coord_forward(d->coord, req->id, fsm_command_name(req->command),
	    &cause) == 0) {
		events_emit(&d->events, CCR_EVENT_CONTROL, LOG_LEVEL_NOTICE,
		    &field, 1, NULL, "%s from %s (%s) forwarded to the actor "
		    "%s", fsm_command_name(req->command),
		    control_source_name(source), req->id,
		    coord_actor(d->coord) != NULL ? coord_actor(d->coord) :
		    "(none yet)");
		return;
	}
	daemon_last_command(d, req->id, req->command, false, cause, NULL);
	events_emit(&d->events, CCR_EVENT_CONTROL, LOG_LEVEL_WARNING, &field, 1,
	    NULL, "%s from %s (%s) rejected: %s",
	    fsm_command_name(req->command), control_source_name(source),
	    req->id, cause);
	free(cause);
	daemon_publish(d);
}

/* Before the engine's queued requests leave: save the record they follow. */
static void
daemon_persist(void *arg)
{
	struct daemon	*d = arg;

	if (!d->action_dirty)
		return;
	d->action_dirty = false;
	if (action_running(d->engine)) {
		state_set_action(&d->state,
		    action_record_to_text(action_record(d->engine)));
		daemon_save_state(d);
	}
}

/* A record write some queued requests wait for. */
struct daemon_ticket {
	struct daemon	*d;
	uint64_t	 ticket;
};

/* The record is in etcd: release the requests that waited for it. */
static void
daemon_record_done(bool ok, void *arg)
{
	struct daemon_ticket	*t = arg;
	struct daemon		*d = t->d;
	uint64_t		 ticket = t->ticket;

	free(t);
	if (ok && ticket != 0)
		sender_release(d->sender, ticket);
}

/* Write the state to etcd; requests up to ticket (0: none) wait for it. */
static void
daemon_record_write(struct daemon *d, uint64_t ticket)
{
	struct daemon_ticket	*t;
	json_t			*doc;

	if ((doc = state_to_json(&d->state)) == NULL) {
		log_warnx("the record holds invalid text: not written to etcd");
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->d = d;
	t->ticket = ticket;
	if (coord_record_write(d->coord, doc, daemon_record_done, t) == -1)
		free(t);
	json_decref(doc);
}

/*
 * The sender's barrier with coordination: a request leaves only once the
 * record it follows is in etcd, not only on disk, so that the member that
 * takes over knows it may have been sent.
 */
static void
daemon_barrier(uint64_t ticket, void *arg)
{
	struct daemon	*d = arg;

	if (d->acting)
		daemon_record_write(d, ticket);
}

/* The engine's record changed: it must reach the disk before what follows. */
static void
daemon_action_change(const struct action_record *rec, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;
	const struct action_index_record *ir, *cut = NULL;
	size_t			 i, waiting = 0;
	char			 detail[512];

	d->action_dirty = true;
	sender_schedule(d->sender);

	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		if (action_index_status(ir) !=
		    ACTION_INDEX_AWAITING_CONFIRMATION)
			continue;
		waiting++;
		if (ir->unreachable && cut == NULL)
			cut = ir;
	}
	/* The engine reports, once; the fsm holds the gate. */
	if (waiting == 0 || (d->fsm.state == FSM_STATE_AWAITING_CONFIRMATION &&
	    d->fsm.pending_engine))
		return;
	if (cut != NULL)
		snprintf(detail, sizeof detail, "%s cannot reach %s through "
		    "its remote (%s): nothing is deleted; confirm once it "
		    "can, to go on", rec->clusters[rec->old_leader],
		    rec->clusters[1 - rec->old_leader],
		    cut->error_reason != NULL ? cut->error_reason : "?");
	else
		snprintf(detail, sizeof detail, "%zu indices on %s hold "
		    "operations the new leader never received: confirm to copy "
		    "them and continue", waiting,
		    rec->clusters[rec->old_leader]);
	if (fsm_action_done(&d->fsm, &d->params, rec->kind,
	    FSM_RESULT_NEEDS_CONFIRM, detail, monotime_ms(), &out) == 0)
		daemon_apply(d, &out);
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
	char			 detail[256], *cause;

	result = sum->failed == 0 && sum->error_type == NULL ?
	    FSM_RESULT_DONE : FSM_RESULT_FAILED;
	if (sum->error_type != NULL)
		snprintf(detail, sizeof detail, "%s: %s", sum->error_type,
		    sum->error_reason != NULL ? sum->error_reason : "");
	else
		snprintf(detail, sizeof detail, "%zu indices done, %zu failed",
		    sum->done, sum->failed);
	/* The old leader's indices were replaced: their pins with them. */
	if (sum->kind != FSM_ACTION_PROMOTE && result == FSM_RESULT_DONE)
		state_forget_index_uuids(&d->state,
		    sum->record->clusters[sum->record->old_leader]);
	if (sum->kind == FSM_ACTION_PROMOTE && sum->done > 0)
		state_set_promotion(&d->state,
		    action_record_to_text(sum->record));
	else if (sum->kind != FSM_ACTION_PROMOTE && result == FSM_RESULT_DONE)
		state_set_promotion(&d->state, NULL);
	state_set_action(&d->state, NULL);
	action_record_free(d->failed);
	d->failed = NULL;
	if (result == FSM_RESULT_FAILED &&
	    (d->failed = action_record_copy(sum->record, &cause)) == NULL) {
		log_warnx("the failed action's record is not kept: %s", cause);
		free(cause);
	}
	state_set_failed(&d->state, d->failed != NULL ?
	    action_record_to_text(d->failed) : NULL);

	if (fsm_action_done(&d->fsm, &d->params, sum->kind, result, detail,
	    monotime_ms(), &out) == 0)
		daemon_apply(d, &out);
	else
		daemon_save_state(d);
	events_action_ended(&d->events, sum, daemon_cluster_name(d, d->leader),
	    daemon_cluster_name(d, 1 - d->leader), fsm_state_name(d->fsm.state));
	daemon_poll_mode(d);
}

/*
 * Give a promotion record the uuids pinned for its old leader's indices
 * while that cluster led, so the failback refuses one re-created since.
 */
static void
daemon_pinned_uuids(struct daemon *d, struct action_record *rec)
{
	struct action_index_record	*ir;
	const char			*uuid, *cluster;
	size_t				 i;

	cluster = rec->clusters[rec->old_leader];
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		uuid = state_index_uuid(&d->state, cluster,
		    ir->names[rec->old_leader]);
		if (uuid != NULL && ir->uuid == NULL)
			ir->uuid = xstrdup(uuid);
	}
}

/* Start an action now; a failure to start is the action's failure. */
static void
daemon_launch(struct daemon *d, enum fsm_action kind)
{
	struct action_record	*promotion = NULL;
	struct fsm_output	 out;
	json_t			*j;
	char			*cause;
	int			 old_leader;

	if (!daemon_may_act(d))
		return;
	old_leader = kind == FSM_ACTION_FAILBACK ? 1 - d->leader : d->leader;
	if (kind == FSM_ACTION_FAILBACK && d->state.promotion != NULL) {
		j = state_promotion(&d->state);
		if ((promotion = action_record_from_json(j, &cause)) == NULL) {
			log_warnx("the promotion record is unusable, every "
			    "index counts as divergent: %s", cause);
			free(cause);
		}
		json_decref(j);
	}
	if (promotion != NULL)
		daemon_pinned_uuids(d, promotion);
	if (action_start(d->engine, kind, old_leader, promotion,
	    &cause) == 0) {
		events_action_started(&d->events, action_record(d->engine),
		    d->config->dry_run);
	} else {
		events_emit(&d->events, CCR_EVENT_ACTION_FAILED,
		    LOG_LEVEL_ERROR, NULL, 0, NULL, "%s could not start: %s",
		    fsm_action_name(kind), cause);
		if (fsm_action_done(&d->fsm, &d->params, kind,
		    FSM_RESULT_FAILED, cause, monotime_ms(), &out) == 0)
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

	events_hook_done(r, arg);
	if (d->fsm.state != FSM_STATE_PROMOTING || action_running(d->engine))
		return;
	if (hook_result_succeeded(r)) {
		daemon_launch(d, FSM_ACTION_PROMOTE);
		return;
	}
	if (fsm_action_done(&d->fsm, &d->params, FSM_ACTION_PROMOTE,
	    FSM_RESULT_NEEDS_CONFIRM, "the pre_promote hook vetoed the "
	    "promotion", monotime_ms(), &out) == 0)
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

	if (!daemon_may_act(d))
		return;
	if (action_running(d->engine)) {
		if (out->confirmed && (n = action_confirm(d->engine)) > 0) {
			log_notice("operator confirmed: %zu divergent indices "
			    "are copied before they are replaced", n);
		}
		return;
	}
	/* From FAILED: the same action again, from its record. */
	if (out->old_state == FSM_STATE_FAILED && d->failed != NULL &&
	    d->failed->kind == out->action) {
		if (action_retry(d->engine, d->failed, &cause) == 0)
			return;
		log_warnx("%s cannot be taken up again (%s): started afresh",
		    fsm_action_name(out->action), cause);
		free(cause);
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

/*
 * A readiness pass finished: keep it for the status file, and tell the
 * journal when readiness or any check's verdict changed.
 */
static void
daemon_readiness_done(const struct readiness_check *checks, size_t n,
    bool ok, void *arg)
{
	struct daemon	*d = arg;
	const char	*leader = daemon_cluster_name(d, d->leader);
	const char	*name, *uuid;
	char		 failed[1024];
	bool		 changed, pinned = false;
	size_t		 i;

	/* Pin the leader's index uuids at first sight. */
	for (i = 0; i < d->config->nindices; i++) {
		name = d->leader == 0 ? d->config->indices[i].leader_index :
		    d->config->indices[i].follower_index;
		uuid = readiness_index_uuid(d->readiness, name);
		if (uuid == NULL || state_index_uuid(&d->state, leader,
		    name) != NULL)
			continue;
		state_set_index_uuid(&d->state, leader, name, uuid);
		pinned = true;
	}
	if (pinned)
		daemon_save_state(d);
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

/* The old leader's write blocks are in place (or not yet). */
static void
daemon_fence_done(bool ok, size_t blocked, const char *why, void *arg)
{
	struct daemon		*d = arg;
	const char		*name = daemon_cluster_name(d, 1 - d->leader);
	struct log_field	 f = { "CCR_CLUSTER", name };

	if (!ok) {
		log_warnx("fencing %s failed, tried again at the next poll: %s",
		    name, why);
		return;
	}
	state_set_fenced(&d->state, name);
	daemon_save_state(d);
	log_event(LOG_LEVEL_NOTICE,
	    ccr_events[CCR_EVENT_STATE_CHANGED].message_id, &f, 1,
	    "fenced %s: a write block on its %zu former leader indices; "
	    "clients are refused there until the failback", name, blocked);
	daemon_publish(d);
}

/*
 * The old leader answers again after a promotion: before anything else,
 * fence it (once per episode; the failback replaces the blocked indices).
 */
static void
daemon_fence_check(struct daemon *d, const struct observation *obs)
{
	const struct fsm	*f = &d->fsm;
	int			 old = 1 - d->leader;

	/* Held: no automatic action touches a cluster, this one neither. */
	if (!d->config->fence_old_leader || d->state.fenced != NULL ||
	    d->fsm.held || fence_running(d->fence))
		return;
	if (f->state != FSM_STATE_PROMOTED &&
	    !(f->state == FSM_STATE_AWAITING_CONFIRMATION &&
	    f->pending == FSM_ACTION_FAILBACK))
		return;
	if (!obs->follower.reachable || obs->follower.identity_changed ||
	    obs->follower.denial != OBS_DENIAL_NONE)
		return;
	if (d->config->dry_run) {
		log_notice("dry run: would fence %s (write blocks on its "
		    "former leader indices)", daemon_cluster_name(d, old));
		state_set_fenced(&d->state, daemon_cluster_name(d, old));
		return;
	}
	fence_run(d->fence, d->es[old], old);
}

/* Start the readiness checks over the current clients and roles. */
static void
daemon_readiness_start(struct daemon *d)
{
	d->fence = fence_create(d->config, daemon_fence_done, d);
	d->readiness = readiness_create(d->base, d->config, d->es[0],
	    d->es[1], daemon_readiness_done, d);
	readiness_set_leader(d->readiness, d->leader);
	readiness_start(d->readiness, d->config->readiness_interval_s * 1000);
}

/* Tear down the poller and the cluster clients. */
static void
daemon_close_clusters(struct daemon *d)
{
	int	i;

	readiness_free(d->readiness);
	d->readiness = NULL;
	fence_free(d->fence);
	d->fence = NULL;
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
		if ((es[i] = es_cluster_open(d->http, cfg, i, cause)) == NULL) {
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

/*
 * The engine's send: through the sender, except to a cluster whose url
 * answers as another cluster, which no action may touch.
 */
static void *
daemon_send(void *ctx, int cluster, const struct es_call *call,
    es_done_cb done, void *done_arg)
{
	struct daemon	*d = ctx;

	if (poller_identity_changed(d->poller, cluster)) {
		log_warnx("not sent to %s, whose identity changed: %s %s",
		    daemon_cluster_name(d, cluster),
		    http_method_name(call->method), call->path);
		return (NULL);
	}
	return (d->transport.send(d->transport.ctx, cluster, call, done,
	    done_arg));
}

/* The engine's cancel: the sender's, in the sender's context. */
static void
daemon_cancel(void *ctx, void *handle)
{
	struct daemon	*d = ctx;

	d->transport.cancel(d->transport.ctx, handle);
}

/* A fresh engine for the configuration in force (it borrows it). */
static struct action_engine *
daemon_engine_create(struct daemon *d)
{
	struct action_transport	transport;
	struct action_params	params;
	struct action_callbacks	callbacks;

	sender_transport(d->sender, &transport);
	d->transport = transport;
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
	params.events = &d->events;
	callbacks.on_change = daemon_action_change;
	callbacks.on_finished = daemon_action_finished;
	callbacks.arg = d;
	return (action_create(d->base, d->config, &transport, &params,
	    &callbacks));
}

/*
 * Whether a reload may keep the running coordination: only the quorum may
 * change without a restart.
 */
static bool
daemon_coord_same(const struct ccr_coordination_config *a,
    const struct ccr_coordination_config *b)
{
	size_t	i;

#define SAME_STR(x, y) (((x) == NULL && (y) == NULL) || \
	((x) != NULL && (y) != NULL && strcmp((x), (y)) == 0))
	if (a->enabled != b->enabled)
		return (false);
	if (!a->enabled)
		return (true);
	if (a->nendpoints != b->nendpoints || a->lease_ttl_s != b->lease_ttl_s)
		return (false);
	for (i = 0; i < a->nendpoints; i++) {
		if (strcmp(a->endpoints[i], b->endpoints[i]) != 0)
			return (false);
	}
	return (SAME_STR(a->prefix, b->prefix) &&
	    SAME_STR(a->member, b->member) &&
	    SAME_STR(a->ca_file, b->ca_file) &&
	    SAME_STR(a->cert_file, b->cert_file) &&
	    SAME_STR(a->key_file, b->key_file) &&
	    SAME_STR(a->username, b->username) &&
	    SAME_STR(a->password_file, b->password_file));
#undef SAME_STR
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
	if (config_load_checked(d->opts->config_path, &cfg, &cause) == -1)
		goto rejected;
	leader = config_cluster_index(cfg, daemon_cluster_name(d, d->leader));
	if (leader == -1 || config_cluster_index(cfg,
	    daemon_cluster_name(d, 1 - d->leader)) == -1) {
		cause = xstrdup("the clusters were renamed; restart the daemon "
		    "to change them");
		config_free(cfg);
		goto rejected;
	}
	if (!daemon_coord_same(&cfg->coordination, &d->config->coordination)) {
		cause = xstrdup("the coordination section changed (other than "
		    "quorum); restart the daemon to change it");
		config_free(cfg);
		goto rejected;
	}
	if (metrics_reload_check(d->config, cfg, &cause) == -1) {
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
	d->events.config = &cfg->hooks;
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
	events_emit(&d->events, CCR_EVENT_CONFIG_RELOADED, LOG_LEVEL_NOTICE,
	    &field, 1, NULL,
	    "configuration reloaded from %s", d->opts->config_path);
	notify_ready();
	return;

rejected:
	events_emit(&d->events, CCR_EVENT_CONFIG_RELOADED, LOG_LEVEL_WARNING,
	    &field, 1, NULL,
	    "reload rejected, keeping the running configuration: %s", cause);
	free(cause);
	notify_ready();
}

/* Log a coordination event: who acts, etcd reachable or not. */
static void __attribute__((format(printf, 3, 4)))
daemon_coord_event(struct daemon *d, enum log_level level, const char *fmt,
    ...)
{
	struct log_field	 field;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	field.name = "CCR_STATE";
	field.value = fsm_state_name(d->fsm.state);
	events_emit(&d->events, CCR_EVENT_COORDINATION, level, &field, 1,
	    NULL, "%s", msg);
	free(msg);
}

/* The lease is revoked (or etcd did not answer): leave the loop. */
static void
daemon_resigned(void *arg)
{
	struct daemon	*d = arg;

	event_base_loopbreak(d->base);
}

/* SIGTERM or SIGINT: leave the loop; in-flight requests are abandoned. */
static void
daemon_stop(int signo, void *arg)
{
	struct daemon	*d = arg;

	log_notice("%s: stopping", strsignal(signo));
	notify_stopping();
	if (d->coord == NULL || d->resigning) {
		event_base_loopbreak(d->base);
		return;
	}
	/*
	 * Hand the role over now: stop sending, then revoke the lease so
	 * another watcher takes the actor key without waiting for its TTL.
	 */
	d->resigning = true;
	d->acting = false;
	action_stop(d->engine);
	daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination: %s resigns: "
	    "its lease is revoked for another watcher to act",
	    coord_member(d->coord));
	coord_resign(d->coord, daemon_resigned, d);
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
	touched = rec->phase > ACTION_PHASE_INDICES || rec->fenced > 0 ||
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
static int	daemon_adopt(struct daemon *, char **);

/* Load state.json: roles and the machine as they were before a restart. */
static int
daemon_restore(struct daemon *d, char **cause)
{
	char			*why;

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
	if (daemon_adopt(d, cause) == -1)
		return (-1);
	log_info("restored from %s: %s, leader %s%s%s", d->state.path,
	    fsm_state_name(d->fsm.state), daemon_cluster_name(d, d->leader),
	    d->restored.reason[0] != '\0' ? ": " : "", d->restored.reason);
	return (0);
}

/*
 * Take roles and the machine from d->state (the state file, or the record
 * another member wrote); what a resumed action needs lands in d->restored.
 */
static int
daemon_adopt(struct daemon *d, char **cause)
{
	struct fsm_saved	 saved;
	json_t			*j;
	char			*why;
	int			 leader;

	leader = config_cluster_index(d->config, d->state.leader);
	if (leader == -1 ||
	    config_cluster_index(d->config, d->state.follower) != 1 - leader) {
		xasprintf(cause, "%s names clusters the configuration does not "
		    "have", d->state.path);
		return (-1);
	}
	d->leader = leader;
	state_fsm(&d->state, &saved);
	j = state_action(&d->state);
	saved.action_touched = d->state.action != NULL &&
	    (j == NULL || daemon_record_touched(j));
	json_decref(j);
	if (!saved.action_touched && d->state.action != NULL) {
		/* Nothing was sent: decided afresh, not resumed. */
		state_set_action(&d->state, NULL);
	}
	if (fsm_restore(&d->fsm, &saved, monotime_ms(), &d->restored) == -1) {
		xasprintf(cause, "%s: inconsistent state machine record",
		    d->state.path);
		return (-1);
	}
	if (d->fsm.state == FSM_STATE_FAILED && d->state.failed != NULL) {
		j = state_failed(&d->state);
		if ((d->failed = action_record_from_json(j, &why)) == NULL) {
			log_warnx("the failed action's record is unusable, a "
			    "retry starts afresh: %s", why);
			free(why);
		}
		json_decref(j);
	}
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
	json_t			*j;
	char			*cause;

	if (d->state.action != NULL) {
		j = state_action(&d->state);
		rec = action_record_from_json(j, &cause);
		json_decref(j);
		if (rec == NULL || action_resume(d->engine, rec, &cause) == -1) {
			events_emit(&d->events, CCR_EVENT_ACTION_FAILED,
			    LOG_LEVEL_ERROR, NULL, 0, NULL,
			    "the recorded action cannot be resumed: %s",
			    cause);
			if (fsm_action_done(&d->fsm, &d->params,
			    d->fsm.action, FSM_RESULT_FAILED, cause,
			    monotime_ms(), &out) == 0)
				daemon_apply(d, &out);
			free(cause);
		} else
			log_notice("resuming the recorded %s",
			    fsm_action_name(rec->kind));
		action_record_free(rec);
	}
	if (d->restored.action != FSM_ACTION_NONE && !action_running(d->engine))
		daemon_start_action(d, &d->restored);
	daemon_poll_mode(d);
}

/*
 * This member became the actor, or stopped being it. Becoming it is a
 * restart without the process: the record in etcd (else the local copy,
 * the first time a set of watchers starts) gives roles and the machine,
 * and a recorded action is finished from where it stood.
 */
static void
daemon_coord_acting(bool acting, json_t *record, void *arg)
{
	struct daemon	*d = arg;
	char		*cause;

	if (!acting) {
		d->acting = false;
		action_stop(d->engine);
		daemon_coord_event(d, LOG_LEVEL_WARNING, "coordination: %s "
		    "stopped acting: no request, action or hook until it "
		    "holds the role again", coord_member(d->coord));
		daemon_publish(d);
		return;
	}
	if (record != NULL &&
	    state_load_json(&d->state, record, &cause) == -1) {
		log_warnx("the record in etcd is unusable, taking over from "
		    "the local state: %s", cause);
		free(cause);
	}
	if (daemon_adopt(d, &cause) == -1) {
		log_warnx("%s; the actor role is taken with the state as "
		    "it was", cause);
		free(cause);
	}
	poller_set_leader(d->poller, d->leader);
	d->acting = true;
	daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination: %s is the "
	    "actor: %s, leader %s%s%s", coord_member(d->coord),
	    fsm_state_name(d->fsm.state), daemon_cluster_name(d, d->leader),
	    d->state.action != NULL ? ", resuming the recorded action" : "",
	    record == NULL ? " (no record in etcd yet)" : "");
	daemon_save_state(d);
	daemon_resume(d);
	daemon_publish(d);
}

/* The actor wrote a newer record: follow its roles and state. */
static void
daemon_coord_record(json_t *record, const char *by, void *arg)
{
	struct daemon		*d = arg;
	struct log_field	 field;
	enum fsm_state		 was = d->fsm.state;
	int			 leader = d->leader;
	char			*cause;

	if (state_load_json(&d->state, record, &cause) == -1 ||
	    daemon_adopt(d, &cause) == -1) {
		log_warnx("the record %s wrote is not followed: %s", by,
		    cause);
		free(cause);
		return;
	}
	d->own = d->fsm;
	if (d->leader != leader) {
		poller_set_leader(d->poller, d->leader);
		log_notice("roles swapped by %s: leader %s, follower %s", by,
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	}
	if (d->fsm.state != was) {
		field.name = "CCR_STATE";
		field.value = fsm_state_name(d->fsm.state);
		events_emit(&d->events, CCR_EVENT_STATE_CHANGED,
		    LOG_LEVEL_NOTICE, &field, 1, NULL, "state %s -> %s by %s: "
		    "%s", fsm_state_name(was), fsm_state_name(d->fsm.state), by,
		    d->state.fsm.reason);
	}
	daemon_save_state(d);
	daemon_publish(d);
}

/* The actor: a command another member forwarded. */
static void
daemon_coord_command(const struct coord_command *cmd, void *arg)
{
	struct daemon		*d = arg;
	struct coord_command	 answer;
	enum fsm_command	 command;
	char			 source[CONFIG_MEMBER_MAX + 16];

	memset(&answer, 0, sizeof answer);
	if (fsm_command_from_name(cmd->command, &command) == -1) {
		snprintf(answer.message, sizeof answer.message,
		    "unknown command");
		coord_command_done(d->coord, &answer);
		return;
	}
	snprintf(source, sizeof source, "member %s", cmd->from);
	answer.accepted = daemon_execute(d, cmd->id, command, source,
	    answer.message, sizeof answer.message);
	coord_command_done(d->coord, &answer);
}

/* The forwarder: the actor's answer to a command given here. */
static void
daemon_coord_answered(const struct coord_command *cmd, void *arg)
{
	struct daemon		*d = arg;
	struct log_field	 field;
	enum fsm_command	 command;

	if (fsm_command_from_name(cmd->command, &command) == -1)
		return;
	daemon_last_command(d, cmd->id, command, cmd->accepted, cmd->message,
	    cmd->by[0] != '\0' ? cmd->by : NULL);
	field.name = "CCR_COMMAND";
	field.value = cmd->command;
	events_emit(&d->events, CCR_EVENT_CONTROL, cmd->accepted ?
	    LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, &field, 1, NULL,
	    "%s (%s) %s%s%s: %s", cmd->command, cmd->id,
	    cmd->accepted ? "accepted" : "rejected",
	    cmd->by[0] != '\0' ? " by " : "", cmd->by, cmd->message);
	daemon_publish(d);
}

/* etcd became reachable or unreachable. */
static void
daemon_coord_available(bool available, const char *why, void *arg)
{
	struct daemon	*d = arg;

	if (available)
		daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination "
		    "available again: etcd reachable");
	else
		daemon_coord_event(d, LOG_LEVEL_WARNING, "coordination "
		    "unavailable: %s; no new action starts", why);
	daemon_publish(d);
}

/* Join the other watchers through etcd, as the configuration says. */
static int
daemon_open_coord(struct daemon *d, char **cause)
{
	const struct ccr_coordination_config	*cc;
	struct coord_callbacks			 cb;
	char					*password = NULL;

	cc = &d->config->coordination;
	if (cc->password_file != NULL && config_read_secret(d->config,
	    cc->password_file, &password, cause) == -1)
		return (-1);
	cb.acting = daemon_coord_acting;
	cb.record = daemon_coord_record;
	cb.command = daemon_coord_command;
	cb.answered = daemon_coord_answered;
	cb.available = daemon_coord_available;
	cb.arg = d;
	d->coord = coord_create(d->base, d->http, cc, password,
	    d->config->request_timeout_ms, &cb);
	config_secret_free(password);
	d->events.member = coord_member(d->coord);
	d->events.may_run_hooks = daemon_may_act;
	d->events.arg = d;
	sender_set_barrier(d->sender, daemon_barrier, daemon_may_act);
	log_info("coordination: member %s of %s, quorum %d, lease %llu s",
	    cc->member, cc->prefix, cc->quorum,
	    (unsigned long long)cc->lease_ttl_s);
	return (0);
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
	if (d->watchdog != NULL)
		event_free(d->watchdog);
	metrics_free(d->metrics);
	if (d->coord != NULL)
		coord_free(d->coord);
	control_free(d->control);
	hook_runner_free(d->hooks);
	action_free(d->engine);
	action_record_free(d->failed);
	sender_free(d->sender);
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
	enum log_level			level;
	char				*cause = NULL;
	int				status = 1;

	memset(&d, 0, sizeof d);
	d.opts = opts;
	log_init("ccr-failoverd", opts->level);
	if (config_load_checked(opts->config_path, &d.config, &cause) == -1) {
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
	fsm_init(&d.fsm, monotime_ms());
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
	d.events.hooks = d.hooks;
	d.events.config = &d.config->hooks;
	if ((d.http = http_create(d.base, DAEMON_HTTP_CONNS, &cause)) == NULL)
		goto fail;
	if (daemon_open_clusters(&d, d.config, d.es, &d.poller, &cause) == -1)
		goto fail;
	poller_set_leader(d.poller, d.leader);
	daemon_readiness_start(&d);
	d.sender = sender_create(d.base, d.es, DAEMON_ACTION_TIMEOUT_MS,
	    daemon_persist, &d);
	d.engine = daemon_engine_create(&d);
	if (metrics_create(d.base, d.config, &d.metrics, &cause) == -1)
		goto fail;

	d.watchdog = notify_watchdog_start(d.base);

	events_emit(&d.events, CCR_EVENT_STARTED, LOG_LEVEL_INFO, NULL, 0, NULL,
	    "started %s: leader %s, follower %s, %zu indices%s",
	    PACKAGE_VERSION, daemon_cluster_name(&d, d.leader),
	    daemon_cluster_name(&d, 1 - d.leader), d.config->nindices,
	    d.config->dry_run ? ", dry run" : "");
	daemon_save_state(&d);
	/* With coordination, only the actor resumes, once it holds the role. */
	d.own = d.fsm;
	if (d.config->coordination.enabled) {
		if (daemon_open_coord(&d, &cause) == -1)
			goto fail;
	} else
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
