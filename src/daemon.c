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
#include "metrics.h"
#include "monotime.h"
#include "notify.h"
#include "observation.h"
#include "poller.h"
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
	struct control		*control;
	struct hook_runner	*hooks;
	struct events		 events;	/* log, journal, hooks */
	struct event		*watchdog;
	struct metrics		*metrics;	/* NULL: not served */

	/* The engine's requests leave behind its saved record. */
	struct action_engine	*engine;
	struct sender		*sender;
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
		bool			 set;
	}			 last_command;

	bool			 ready;
	struct fsm_output	 restored;	/* what fsm_restore asked for */
};

static void	daemon_apply(struct daemon *, const struct fsm_output *);
static void	daemon_start_action(struct daemon *, const struct fsm_output *);

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
}

/* Build and write status.json, then tell systemd the one-line summary. */
static void
daemon_publish(struct daemon *d)
{
	struct status_view	 v;
	struct status_command	 cmd;
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
	if (d->last_command.set) {
		cmd.id = d->last_command.id;
		cmd.command = d->last_command.command;
		cmd.outcome = d->last_command.outcome;
		cmd.message = d->last_command.message[0] != '\0' ?
		    d->last_command.message : NULL;
		v.last_command = &cmd;
	}
	metrics_update(d->metrics, &v, monotime_ms());
	if (status_publish(&v, d->runtime_dir, line, sizeof line,
	    &cause) == -1) {
		log_warnx("cannot write status: %s", cause);
		free(cause);
	}
	notify_status(line);
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
		log_notice("roles swapped: leader %s, follower %s",
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	}
	if (out->changed)
		events_state_changed(&d->events, out,
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
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
	daemon_publish(d);
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

	accepted = fsm_command(&d->fsm, req->command, monotime_ms(),
	    &out) == 0;
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
	events_emit(&d->events, CCR_EVENT_CONTROL, accepted ?
	    LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, fields, 2, NULL,
	    "%s from %s (%s) %s: %s", fsm_command_name(req->command),
	    control_source_name(source), req->id,
	    accepted ? "accepted" : "rejected", out.reason);
	if (accepted)
		daemon_save_state(d);
	daemon_apply(d, &out);
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
		    action_record_to_json(action_record(d->engine)));
		daemon_save_state(d);
	}
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
	sender_schedule(d->sender);

	for (i = 0; i < rec->nindices; i++) {
		if (action_index_status(&rec->indices[i]) ==
		    ACTION_INDEX_AWAITING_CONFIRMATION)
			waiting++;
	}
	/* The engine reports, once; the fsm holds the gate. */
	if (waiting == 0 || (d->fsm.state == FSM_STATE_AWAITING_CONFIRMATION &&
	    d->fsm.pending_engine))
		return;
	snprintf(detail, sizeof detail, "%zu indices on %s hold operations the "
	    "new leader never received: confirm to copy them and continue",
	    waiting, rec->clusters[rec->old_leader]);
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
	if (sum->kind == FSM_ACTION_PROMOTE && sum->done > 0)
		state_set_promotion(&d->state,
		    action_record_to_json(sum->record));
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

	if (fsm_action_done(&d->fsm, &d->params, sum->kind, result, detail,
	    monotime_ms(), &out) == 0)
		daemon_apply(d, &out);
	else
		daemon_save_state(d);
	events_action_ended(&d->events, sum, daemon_cluster_name(d, d->leader),
	    daemon_cluster_name(d, 1 - d->leader), fsm_state_name(d->fsm.state));
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

	if (action_running(d->engine)) {
		if (out->confirmed && (n = action_confirm(d->engine)) > 0) {
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

/* Tear down the poller and the cluster clients. */
static void
daemon_close_clusters(struct daemon *d)
{
	int	i;

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
	return (0);
}

/* A fresh engine for the configuration in force (it borrows it). */
static struct action_engine *
daemon_engine_create(struct daemon *d)
{
	struct action_transport	transport;
	struct action_params	params;
	struct action_callbacks	callbacks;

	sender_transport(d->sender, &transport);
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
	leader = config_cluster_index(cfg, daemon_cluster_name(d, d->leader));
	if (leader == -1 || config_cluster_index(cfg,
	    daemon_cluster_name(d, 1 - d->leader)) == -1) {
		cause = xstrdup("the clusters were renamed; restart the daemon "
		    "to change them");
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

/* SIGTERM or SIGINT: leave the loop; in-flight requests are abandoned. */
static void
daemon_stop(int signo, void *arg)
{
	struct daemon	*d = arg;

	log_notice("%s: stopping", strsignal(signo));
	notify_stopping();
	event_base_loopbreak(d->base);
}

/* Load state.json: roles and the machine as they were before a restart. */
static int
daemon_restore(struct daemon *d, char **cause)
{
	struct fsm_saved	 saved;
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
	leader = config_cluster_index(d->config, d->state.leader);
	if (leader == -1 ||
	    config_cluster_index(d->config, d->state.follower) != 1 - leader) {
		xasprintf(cause, "%s names clusters the configuration does not "
		    "have", d->state.path);
		return (-1);
	}
	d->leader = leader;
	state_fsm(&d->state, &saved);
	if (fsm_restore(&d->fsm, &saved, monotime_ms(), &d->restored) == -1) {
		xasprintf(cause, "%s: inconsistent state machine record",
		    d->state.path);
		return (-1);
	}
	log_info("restored from %s: %s, leader %s", d->state.path,
	    fsm_state_name(d->fsm.state), daemon_cluster_name(d, d->leader));
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
	control_free(d->control);
	hook_runner_free(d->hooks);
	action_free(d->engine);
	action_record_free(d->failed);
	sender_free(d->sender);
	daemon_close_clusters(d);
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
