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
 *
 * The parts it wires sit beside it, one concern each (daemon-int.h): the
 * cluster clients and their checks, the engine and its transport, identity
 * pins, resume, reload and coordination.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "action-record.h"
#include "coord.h"
#include "daemon-int.h"
#include "hook.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "notify.h"
#include "poller.h"
#include "readiness.h"
#include "sender.h"
#include "status.h"
#include "xmalloc.h"

#define DAEMON_HOOKS_RUNNING	4
#define DAEMON_HOOKS_QUEUED	64
#define DAEMON_HTTP_CONNS	64

static void	daemon_start_action(struct daemon *, const struct fsm_output *);

/* The configured name of cluster i (config order). */
const char *
daemon_cluster_name(const struct daemon *d, int i)
{
	return (d->config->clusters[i].name);
}

/* Write the durable part of the machine and the roles to state.json. */
void
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
bool
daemon_may_act(void *arg)
{
	struct daemon	*d = arg;

	return (d->coord == NULL || coord_may_act(d->coord));
}

/* Build and write status.json, then tell systemd the one-line summary. */
void
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
	v.readiness_text = d->checks_text;
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
void
daemon_poll_mode(struct daemon *d)
{
	poller_set_quiet(d->poller, action_running(d->engine) &&
	    d->fsm.state != FSM_STATE_AWAITING_CONFIRMATION);
}

/*
 * Make a state machine decision take effect: log it, swap roles, start the
 * action it asks for, run hooks, persist and publish.
 */
void
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
	/*
	 * Replicating again after an action, a gate or a degradation: the
	 * last pass may have seen a cluster down (the one at a promotion's
	 * role swap always does), and the next may be readiness_interval_s
	 * away.
	 */
	if (out->changed && out->new_state == FSM_STATE_REPLICATING &&
	    out->old_state != FSM_STATE_LEADER_SUSPECT)
		readiness_run(d->readiness);
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
		daemon_forget_deleted(d, action_record(d->engine));
		action_stop(d->engine);
		state_set_action(&d->state, NULL);
		daemon_save_state(d);
	}
	daemon_poll_mode(d);
	daemon_publish(d);
}

/* A poll round finished: remember what it saw and let the machine decide. */
void
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
void
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
bool
daemon_execute(struct daemon *d, const char *id, enum fsm_command command,
    const char *source, char *message, size_t len)
{
	struct fsm_output	 out;
	struct log_field	 fields[2];
	bool			 accepted;

	/*
	 * A promotion or switchover that failed after changing a cluster is
	 * only ever finished: given up, it would leave the roles saying one
	 * thing and the indices another, both sides of a pair writable.
	 */
	if (command == FSM_COMMAND_ABORT && d->fsm.state == FSM_STATE_FAILED &&
	    d->failed != NULL && d->failed->kind != FSM_ACTION_FAILBACK &&
	    action_record_changed(d->failed)) {
		memset(&out, 0, sizeof out);
		out.old_state = out.new_state = d->fsm.state;
		out.pending = d->fsm.pending;
		snprintf(out.reason, sizeof out.reason, "abort rejected: the "
		    "failed %s has changed the clusters; run it again to "
		    "finish it", fsm_action_name(d->failed->kind));
		accepted = false;
	} else
		accepted = fsm_command(&d->fsm, command, monotime_ms(),
		    &out) == 0;
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

/* The engine's record changed: it must reach the disk before what follows. */
void
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
void
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
	else if (result == FSM_RESULT_FAILED)
		daemon_forget_deleted(d, sum->record);
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

/* pre_promote vetoed the promotion: hold it for the operator. */
static void
daemon_veto_done(const struct action_record *rec, void *arg)
{
	struct daemon		*d = arg;
	struct fsm_output	 out;

	state_set_action(&d->state, NULL);
	if (fsm_action_done(&d->fsm, &d->params, rec->kind,
	    FSM_RESULT_NEEDS_CONFIRM, rec->error_reason, monotime_ms(),
	    &out) == 0)
		daemon_apply(d, &out);
	else
		daemon_save_state(d);
}

/*
 * Start an action now; a failure to start is the action's failure. A
 * promotion the operator has not confirmed lets pre_promote veto it.
 */
static void
daemon_launch(struct daemon *d, enum fsm_action kind, bool confirmed)
{
	struct action_record	*promotion = NULL;
	struct action_veto	 veto = { daemon_veto_done, d };
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
	    confirmed ? NULL : &veto, &cause) == -1) {
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

/*
 * Carry out the action a decision asked for; a confirm while the engine
 * waits on divergent indices releases them.
 */
static void
daemon_start_action(struct daemon *d, const struct fsm_output *out)
{
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
	daemon_launch(d, out->action, out->confirmed);
}

/*
 * After a restart: an action recorded in the state file is finished from
 * where it stood; one the state machine re-issues without a record (the
 * daemon stopped between deciding and starting) starts afresh.
 */
void
daemon_resume(struct daemon *d)
{
	daemon_resume_recorded(d);
	if (d->restored.action != FSM_ACTION_NONE && !action_running(d->engine))
		daemon_start_action(d, &d->restored);
	daemon_poll_mode(d);
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
	daemon_coord_resign(d);
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
	readiness_checks_free(d->checks, d->nchecks);
	free(d->checks_text);
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
