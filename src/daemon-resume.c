/*
 * The daemon's start from state.json (and, with several watchers, from the
 * record another member wrote): roles and the machine as they were, and the
 * recorded action finished from where it stood. An action that sent nothing
 * is decided afresh instead, so a restart never repeats what reached a
 * cluster nor resumes what never did.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <stdlib.h>

#include "action-record.h"
#include "daemon-int.h"
#include "log.h"
#include "monotime.h"
#include "step.h"
#include "xmalloc.h"

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

/* Load state.json: roles and the machine as they were before a restart. */
int
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
int
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
 * Finish the action recorded in the state file from where it stood; one
 * that cannot be taken up again is the action's failure.
 */
void
daemon_resume_recorded(struct daemon *d)
{
	struct action_record	*rec;
	struct fsm_output	 out;
	json_t			*j;
	char			*cause;

	if (d->state.action == NULL)
		return;
	j = state_action(&d->state);
	rec = action_record_from_json(j, &cause);
	json_decref(j);
	if (rec == NULL || action_resume(d->engine, rec, &cause) == -1) {
		events_emit(&d->events, CCR_EVENT_ACTION_FAILED,
		    LOG_LEVEL_ERROR, NULL, 0, NULL,
		    "the recorded action cannot be resumed: %s", cause);
		if (fsm_action_done(&d->fsm, &d->params, d->fsm.action,
		    FSM_RESULT_FAILED, cause, monotime_ms(), &out) == 0)
			daemon_apply(d, &out);
		free(cause);
	} else
		log_notice("resuming the recorded %s",
		    fsm_action_name(rec->kind));
	action_record_free(rec);
}
