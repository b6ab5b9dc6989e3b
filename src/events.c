/*
 * Event names and journal MESSAGE_IDs, and the one way an event leaves the
 * daemon: logged, written to the journal with its fields, and handed to the
 * hook configured for its kind.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action-record.h"
#include "config.h"
#include "events.h"
#include "fsm.h"
#include "hook.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

const struct ccr_event_info ccr_events[CCR_EVENT_MAX] = {
	{ "started",	"f26c2f1f322e49cd9dfc42eef54e3d10" },
	{ "state-changed",	"1de53ee432e349d99f6f298d04964ca7" },
	{ "leader-suspect",	"c0b2dd906ef34eeba12160f78be48894" },
	{ "leader-lost",	"d62a0f77500043aea65299ff2e542bdc" },
	{ "leader-back",	"3f2a5d1a00f74bf287c9d35dc6065b29" },
	{ "gate-waiting",	"aff77577525e4e5a8bfa1f0475b66502" },
	{ "promotion-started",	"986e0f8b13ea4c48bc29a3eded418259" },
	{ "promotion-finished",	"3188b1f9b11545b28c9222b9c2e86219" },
	{ "failback-started",	"96383156e127486aa5c05392030e22a9" },
	{ "failback-finished",	"7a755d5c949349eca00f1ea49a30701d" },
	{ "switchover-started",	"ff1d4fad967246c784c2371ababeadc7" },
	{ "switchover-finished",	"5dd512f58e8b45bcbc258999a02a5633" },
	{ "action-failed",	"b33445bc443a4020831b4f10e19b5501" },
	{ "divergence",	"926de4883dcd44868941ec7564787511" },
	{ "degraded",	"9a1b2b9a884c4a6c830fd7cf0c6e873f" },
	{ "tilt",	"4c7d4067d947443db64f169d36317e2c" },
	{ "control",	"721a6c61133b494696682d45c580527e" },
	{ "hook-finished",	"303c817895f140c38f316d58f330c466" },
	{ "config-reloaded",	"585e89243a6347f69b6f1da0d6d70bc5" },
	{ "coordination",	"837a8e8ffc774e32ae40c0e0666990d8" },
};

/* The configured hook for an event kind, and its name; NULL when none. */
static const char *
events_hook(const struct ccr_hooks_config *c, enum ccr_event kind,
    const char **name)
{
	switch (kind) {
	case CCR_EVENT_STATE_CHANGED:
		*name = "on_state_change";
		return (c->on_state_change);
	case CCR_EVENT_PROMOTION_FINISHED:
		*name = "on_promote";
		return (c->on_promote);
	case CCR_EVENT_FAILBACK_FINISHED:
	case CCR_EVENT_SWITCHOVER_FINISHED:
		*name = "on_failback";
		return (c->on_failback);
	default:
		return (NULL);
	}
}

/*
 * Log an event with its MESSAGE_ID and fields; when hook is not NULL (what
 * the hook is told) and a hook is configured for the kind, run it.
 */
void
events_emit(const struct events *ev, enum ccr_event kind,
    enum log_level level,
    const struct log_field *fields, size_t nfields,
    const struct hook_request *hook, const char *fmt, ...)
{
	struct hook_request	 req;
	va_list			 ap;
	char			*msg, *cause;
	const char		*name = NULL, *path;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	log_event(level, ccr_events[kind].message_id, fields,
	    nfields, "%s", msg != NULL ? msg : ccr_events[kind].name);
	free(msg);
	if (hook == NULL || ev == NULL ||
	    (path = events_hook(ev->config, kind, &name)) == NULL)
		return;
	if (ev->may_run_hooks != NULL && !ev->may_run_hooks(ev->arg)) {
		log_debug("%s not run: this watcher does not act", name);
		return;
	}
	req = *hook;
	req.name = name;
	req.path = path;
	req.timeout_ms = ev->config->timeout_ms;
	req.event = ccr_events[kind].name;
	if (hook_run(ev->hooks, &req, events_hook_done, NULL, &cause) == -1) {
		log_warnx("%s not run: %s", name, cause);
		free(cause);
	}
}

/* A hook finished: its exit status belongs in the journal. */
void
events_hook_done(const struct hook_result *r, void *arg)
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
	events_emit(NULL, CCR_EVENT_HOOK_FINISHED, hook_result_succeeded(r) ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARNING, fields, 2, NULL,
	    "hook %s (%s) finished: %s after %llu ms%s%s", r->name, r->path,
	    status, (unsigned long long)r->duration_ms,
	    r->error != NULL ? ": " : "", r->error != NULL ? r->error : "");
}

/* The journal kind each fsm event is logged as. */
static const enum ccr_event events_fsm_kinds[FSM_EVENT_MAX] = {
	[FSM_EVENT_LEADER_SUSPECT] = CCR_EVENT_LEADER_SUSPECT,
	[FSM_EVENT_LEADER_LOST] = CCR_EVENT_LEADER_LOST,
	[FSM_EVENT_LEADER_BACK] = CCR_EVENT_LEADER_BACK,
	[FSM_EVENT_GATE_WAITING] = CCR_EVENT_GATE_WAITING,
	[FSM_EVENT_DEGRADED] = CCR_EVENT_DEGRADED,
	[FSM_EVENT_TILT_ENTER] = CCR_EVENT_TILT,
	[FSM_EVENT_TILT_EXIT] = CCR_EVENT_TILT,
	[FSM_EVENT_PROMOTION_STARTED] = CCR_EVENT_PROMOTION_STARTED,
	[FSM_EVENT_PROMOTION_FINISHED] = CCR_EVENT_PROMOTION_FINISHED,
	[FSM_EVENT_FAILBACK_STARTED] = CCR_EVENT_FAILBACK_STARTED,
	[FSM_EVENT_FAILBACK_FINISHED] = CCR_EVENT_FAILBACK_FINISHED,
	[FSM_EVENT_SWITCHOVER_STARTED] = CCR_EVENT_SWITCHOVER_STARTED,
	[FSM_EVENT_SWITCHOVER_FINISHED] = CCR_EVENT_SWITCHOVER_FINISHED,
	[FSM_EVENT_ACTION_FAILED] = CCR_EVENT_ACTION_FAILED,
};

/* The journal event kind an fsm event is logged as. */
enum ccr_event
events_fsm_kind(int e)
{
	if ((unsigned int)e >= FSM_EVENT_MAX)
		return (CCR_EVENT_STATE_CHANGED);
	return (events_fsm_kinds[e]);
}

/*
 * The reason to print after an event's name: a reason that starts with that
 * name, or with its first part ("tilt: " for tilt-enter), would repeat it.
 */
static const char *
events_reason(const char *name, const char *reason)
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

/*
 * The events a state machine call reported. An action's start and end are
 * emitted when the engine really starts and ends, with its counts.
 */
void
events_fsm(const struct events *ev, const struct fsm_output *out,
    const char *leader, const char *follower)
{
	struct log_field	fields[2];
	enum fsm_event		e;
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
			continue;
		case FSM_EVENT_LEADER_LOST:
		case FSM_EVENT_DEGRADED:
			level = LOG_LEVEL_WARNING;
			break;
		default:
			level = LOG_LEVEL_NOTICE;
			break;
		}
		fields[0].name = "CCR_CLUSTER";
		fields[0].value = e == FSM_EVENT_DEGRADED ||
		    e == FSM_EVENT_LEADER_BACK ? follower : leader;
		fields[1].name = "CCR_STATE";
		fields[1].value = fsm_state_name(out->new_state);
		events_emit(ev, events_fsm_kind(e), level, fields, 2, NULL,
		    "%s: %s", fsm_event_name(e),
		    events_reason(fsm_event_name(e), out->reason));
	}
}

/* A state change, and its on_state_change hook. */
void
events_state_changed(const struct events *ev, const struct fsm_output *out,
    const char *leader, const char *follower)
{
	struct log_field	field;
	struct hook_request	hook;

	field.name = "CCR_STATE";
	field.value = fsm_state_name(out->new_state);
	memset(&hook, 0, sizeof hook);
	hook.leader = leader;
	hook.follower = follower;
	hook.state = fsm_state_name(out->new_state);
	hook.old_state = fsm_state_name(out->old_state);
	events_emit(ev, CCR_EVENT_STATE_CHANGED, LOG_LEVEL_NOTICE, &field, 1,
	    &hook, "state %s -> %s%s%s: %s", fsm_state_name(out->old_state),
	    fsm_state_name(out->new_state), ev->member != NULL ? " by " : "",
	    ev->member != NULL ? ev->member : "", out->reason);
}

/* Journal events per action kind: started, finished. */
static const enum ccr_event events_action[FSM_ACTION_MAX][2] = {
	[FSM_ACTION_PROMOTE] = {
	    CCR_EVENT_PROMOTION_STARTED, CCR_EVENT_PROMOTION_FINISHED },
	[FSM_ACTION_FAILBACK] = {
	    CCR_EVENT_FAILBACK_STARTED, CCR_EVENT_FAILBACK_FINISHED },
	[FSM_ACTION_SWITCHOVER] = {
	    CCR_EVENT_SWITCHOVER_STARTED, CCR_EVENT_SWITCHOVER_FINISHED },
};

/* The fsm's started event, once the engine has really started. */
void
events_action_started(const struct events *ev,
    const struct action_record *rec, bool dry_run)
{
	struct log_field	f[2];

	f[0].name = "CCR_CLUSTER";
	f[0].value = rec->clusters[1 - rec->old_leader];
	f[1].name = "CCR_OLD_LEADER";
	f[1].value = rec->clusters[rec->old_leader];
	events_emit(ev, events_action[rec->kind][0], LOG_LEVEL_NOTICE, f, 2,
	    NULL, "%s started: %s to lead, %s to follow, %zu indices%s",
	    fsm_action_name(rec->kind), f[0].value, f[1].value,
	    rec->nindices, dry_run ? " (dry run)" : "");
}

/*
 * The fsm's finished event with the engine's counts, counted in the
 * metrics too; its hook (on_promote, on_failback) runs when every index is
 * done. leader, follower and state
 * are the daemon's after the fsm took the result.
 */
void
events_action_ended(const struct events *ev, const struct action_summary *sum,
    const char *leader, const char *follower, const char *state)
{
	const struct action_record	*rec = sum->record;
	struct hook_request		 hook;
	const char			**names;
	char				 done[32], failed[32], lost[32];
	char				 outcome[64];
	size_t				 i;
	int				 p = 1 - rec->old_leader;
	enum ccr_event			 kind = events_action[rec->kind][1];
	bool				 ok;
	struct log_field		 f[] = {
		{ "CCR_CLUSTER", rec->clusters[p] },
		{ "CCR_OLD_LEADER", rec->clusters[rec->old_leader] },
		{ "CCR_DONE", done },
		{ "CCR_FAILED", failed },
		{ "CCR_LOST_OPERATIONS", lost },
		{ "CCR_ERROR_TYPE", rec->error_type },
	};

	metrics_action_finished(rec->kind, sum->done, sum->failed == 0 &&
	    rec->error_type == NULL, sum->lost_operations);
	snprintf(done, sizeof done, "%zu", sum->done);
	snprintf(failed, sizeof failed, "%zu", sum->failed);
	if (sum->lost_operations >= 0)
		snprintf(lost, sizeof lost, "%" PRId64, sum->lost_operations);
	else
		snprintf(lost, sizeof lost, "unknown");
	if (sum->done == 0 && sum->failed == 0 && rec->error_type != NULL) {
		/* Given up before any index was touched. */
		events_emit(ev, kind, LOG_LEVEL_WARNING, f, 6, NULL,
		    "%s gave up, nothing changed: %s: %s",
		    fsm_action_name(rec->kind), rec->error_type,
		    rec->error_reason != NULL ? rec->error_reason : "");
		return;
	}
	if (rec->kind == FSM_ACTION_FAILBACK)
		snprintf(outcome, sizeof outcome, "%zu divergent indices copied",
		    sum->divergent);
	else
		snprintf(outcome, sizeof outcome, "at least %s operations lost",
		    lost);
	names = xcalloc(rec->nindices, sizeof *names);
	for (i = 0; i < rec->nindices; i++)
		names[i] = rec->indices[i].names[p];
	memset(&hook, 0, sizeof hook);
	hook.old_leader = rec->clusters[rec->old_leader];
	hook.new_leader = rec->clusters[p];
	hook.leader = leader;
	hook.follower = follower;
	hook.state = state;
	hook.indices = names;
	hook.nindices = rec->nindices;
	if (rec->kind == FSM_ACTION_PROMOTE && sum->lost_operations >= 0) {
		hook.has_lost_operations = true;
		hook.lost_operations = (uint64_t)sum->lost_operations;
	}
	ok = sum->failed == 0 && rec->error_type == NULL;
	events_emit(ev, kind, ok ? LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, f,
	    rec->error_type != NULL ? 6 : 5, ok ? &hook : NULL,
	    "%s finished: %s leads; %zu indices done, %zu failed, %s%s%s",
	    fsm_action_name(rec->kind), rec->clusters[p], sum->done,
	    sum->failed, outcome, rec->error_reason != NULL ? "; " : "",
	    rec->error_reason != NULL ? rec->error_reason : "");
	free(names);
}
