/*
 * Identity pins: the cluster_uuid each configured url answered with and
 * the uuids of the leader's indices are kept in state.json at first sight,
 * so that a url now answering as another cluster, or an index re-created
 * since, is never acted on. reset-identity forgets a cluster's pin on the
 * operator's word.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action-record.h"
#include "daemon-int.h"
#include "log.h"
#include "monotime.h"
#include "poller.h"
#include "readiness.h"
#include "xmalloc.h"

/* Keep the cluster_uuids the poller pinned in state.json. */
void
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
 * Pin the leader's index uuids at first sight: those the last readiness
 * pass read that state.json does not hold yet.
 */
void
daemon_pin_index_uuids(struct daemon *d)
{
	const char	*leader = daemon_cluster_name(d, d->leader);
	const char	*name, *uuid;
	bool		 pinned = false;
	size_t		 i;

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
}

/* reset-identity CLUSTER: forget that cluster's pinned cluster_uuid. */
void
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
 * Give a promotion record the uuids pinned for its old leader's indices
 * while that cluster led, so the failback refuses one re-created since.
 */
void
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

/*
 * A failback (or a switchover's) that ends short of its end, cancelled at
 * its gate or failed, may have deleted old-leader indices already, or sent
 * a DELETE whose outcome nobody read. What state.json holds of those (the
 * uuid pinned while they led, the promotion's checkpoints) may describe
 * indices that are gone: forgotten, so that a later failback meets
 * whatever a client's write has created under that name as divergent
 * (kept until confirmed, then copied), not as re-created and left for
 * good.
 */
void
daemon_forget_deleted(struct daemon *d, const struct action_record *rec)
{
	const struct action_index_record	*ir;
	struct action_record			*prom = NULL;
	json_t					*j;
	const char				*cluster;
	char					*cause = NULL;
	size_t					 i, k, n = 0;

	if (rec == NULL || rec->kind == FSM_ACTION_PROMOTE)
		return;
	if ((j = state_promotion(&d->state)) != NULL) {
		prom = action_record_from_json(j, &cause);
		json_decref(j);
		free(cause);
	}
	cluster = rec->clusters[rec->old_leader];
	for (i = 0; i < rec->nindices; i++) {
		ir = &rec->indices[i];
		if (!action_index_record_deleted(ir))
			continue;
		state_forget_index_uuid(&d->state, cluster,
		    ir->names[rec->old_leader]);
		for (k = 0; prom != NULL && k < prom->nindices; k++)
			if (strcmp(prom->indices[k].names[0],
			    ir->names[0]) == 0 &&
			    strcmp(prom->indices[k].names[1],
			    ir->names[1]) == 0)
				action_index_record_forget(&prom->indices[k]);
		n++;
	}
	if (n > 0 && prom != NULL)
		state_set_promotion(&d->state, action_record_to_text(prom));
	action_record_free(prom);
	if (n > 0) {
		log_info("%s: %zu indices of %s deleted, or maybe deleted, "
		    "before it stopped: whatever has their names there now is "
		    "met as unknown",
		    fsm_action_name(rec->kind), n, cluster);
		daemon_save_state(d);
	}
}
