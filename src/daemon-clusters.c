/*
 * The cluster clients and what runs over them beside the engine: the
 * poller, the readiness checks (kept for the status file, logged when a
 * verdict changes) and the fence of the old leader. They are built
 * together at start and at each reload.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-int.h"
#include "es.h"
#include "fence.h"
#include "log.h"
#include "poller.h"
#include "readiness.h"
#include "status.h"
#include "xmalloc.h"

/*
 * A readiness pass finished: pin what it read, keep it for the status
 * file, and tell the journal when readiness or any check's verdict changed.
 */
static void
daemon_readiness_done(struct readiness_check *checks, size_t n,
    bool ok, void *arg)
{
	struct daemon	*d = arg;
	char		 failed[1024];
	bool		 changed;
	size_t		 i;

	daemon_pin_index_uuids(d);
	changed = d->checks == NULL || d->nchecks != n || d->checks_ok != ok;
	for (i = 0; !changed && i < n; i++)
		changed = strcmp(d->checks[i].check, checks[i].check) != 0 ||
		    d->checks[i].ok != checks[i].ok;
	readiness_checks_free(d->checks, d->nchecks);
	free(d->checks_text);
	d->checks = checks;
	d->nchecks = n;
	d->checks_text = status_readiness_text(checks, n);
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
void
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
void
daemon_readiness_start(struct daemon *d)
{
	d->fence = fence_create(d->config, daemon_fence_done, d);
	d->readiness = readiness_create(d->base, d->config, d->es[0],
	    d->es[1], daemon_readiness_done, d);
	readiness_set_leader(d->readiness, d->leader);
	readiness_start(d->readiness, d->config->readiness_interval_s * 1000);
}

/* Tear down the poller and the cluster clients. */
void
daemon_close_clusters(struct daemon *d)
{
	int	i;

	readiness_free(d->readiness);
	d->readiness = NULL;
	fence_free(d->fence);
	d->fence = NULL;
	/* What the last round lent goes with the poller. */
	for (i = 0; d->seen_indices != NULL && d->config != NULL &&
	    (size_t)i < d->config->nindices; i++)
		d->seen_indices[i].fatal_reason = NULL;
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
int
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
