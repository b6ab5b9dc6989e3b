/*
 * Polling, in the shape of relayd's health checks: a timer fires every
 * poll_interval_ms, launches one round of requests on both clusters at
 * once and is re-armed right after launching. A round ends when every
 * answer is in, or at the next tick, when whatever is still unanswered is
 * cancelled and counts as a failure. Each round yields one struct
 * observation, handed to the round callback with a monotonic stamp.
 *
 * A round asks both clusters for _cluster/health; the follower also for
 * _remote/info and a summary of _ccr/stats (one request each, covering
 * every follower index: lag and fatal exceptions), per-shard
 * _ccr/stats for a slice of the indices that rotates from round to round
 * (the link evidence and the remembered sequence numbers: parsing every
 * shard of a thousand indices each second would cost more than the rest
 * of the daemon), and an active probe of the leader through the remote
 * connection: _resolve/cluster on 8.13 and later, a size-0 cross-cluster
 * search before (a _count cannot tell a skipped remote from an empty
 * index). GET / on both clusters gives the follower's version and each
 * cluster's cluster_uuid, pinned at first contact: a url that answers with
 * another uuid (DNS flipped, a load balancer re-pointed) is reported as an
 * identity change until the pin is reset.
 *
 * What the state machine weighs, beyond "answered": a 401 or 403 is a
 * live cluster refusing the daemon, never a failure to reach it; a
 * follower without the leader's alias in _remote/info (a node without the
 * remote_cluster_client role, a wrong alias) cannot speak for the link; a
 * _resolve/cluster "not connected" with an error other than the timeout
 * came from something that answered; and read counters that advance, or a
 * clean read sent recently, show replication working.
 *
 * _all/_ccr/info (which indices follow, paused or active) is half of a
 * round's bytes for a thousand indices and changes only when someone
 * pauses, resumes or unfollows, so its last answer is kept and read again
 * only when the stats summary disagrees with it (an active follower
 * missing from the summary, a paused or plain index in it, a new fatal
 * exception), when the summary failed, or every POLLER_INFO_EVERY rounds
 * (a paused follower turned into a plain index is the one change the
 * summary cannot show). A disagreement is resolved
 * within the same round: the info request goes out as soon as the
 * summary is in.
 *
 * While an action changes the clusters (poller_set_quiet), a round asks
 * only for both clusters' health: the CCR reads describe indices the
 * engine is turning over, nothing decides on them meanwhile, and on a
 * thousand followers they are the heaviest thing the cluster being
 * promoted is asked while it promotes. The first round after reads
 * everything again.
 *
 * Roles can swap: "leader" is whichever cluster poller_set_leader names,
 * and an index pair's name on cluster 0 is its leader_index, on cluster 1
 * its follower_index.
 *
 * _ccr/info leaves out a plain index and a missing one alike. A configured
 * follower index it stops listing is reported unknown for that round and
 * asked after in the next (the _settings of those names, missing ones
 * skipped), so a deleted index is reported missing from the start, never
 * first as a plain index, and a healthy round pays nothing for telling
 * them apart. Should that request fail, the index is reported a plain
 * one, as _ccr/info alone would say.
 */
#include "autoconf.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "es-parse.h"
#include "es.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "observation.h"
#include "poller.h"
#include "xmalloc.h"

enum poll_slot {
	POLL_LEADER_HEALTH,
	POLL_FOLLOWER_HEALTH,
	POLL_LEADER_ROOT,
	POLL_FOLLOWER_ROOT,
	POLL_REMOTE_INFO,
	POLL_CCR_SUMMARY,
	POLL_CCR_DETAIL,
	POLL_CCR_INFO,
	POLL_PROBE,
	POLL_FOLLOWER_EXISTS,
	POLL_SLOT_MAX
};

/* Slot names for debug lines, in enum poll_slot order. */
static const char *const poller_slot_names[POLL_SLOT_MAX] = {
	"leader health", "follower health", "leader root", "follower root",
	"remote info", "ccr stats summary", "ccr stats detail", "ccr info",
	"probe",
	"follower indices"
};

struct poller_slot {
	struct poller		*poller;
	enum poll_slot		 id;
	struct es_request	*req;		/* in flight, or NULL */
	bool			 sent;		/* this round */
	bool			 ok;		/* good answer, parsed */
	enum http_outcome	 outcome;
	uint64_t		 elapsed_ms;
	uint64_t		 answered_ms;	/* monotonic */
	char			 error[128];
};

/* A follower shard's read counters as last sampled. */
struct poller_sample {
	int			 shard_id;
	uint64_t		 failed_read_requests;
	uint64_t		 successful_read_requests;
	uint64_t		 operations_read;
	uint64_t		 read_exceptions;
	uint64_t		 seen_ms;	/* when its answer arrived */
};

struct poller_index {
	char			*name[CCR_CLUSTERS];	/* per cluster */
	struct poller_sample	*samples;
	size_t			 nsamples;
	bool			 prev_known;
	uint64_t		 prev_failed_reads;
	bool			 unlisted;	/* not in the last _ccr/info */
	bool			 asked;		/* existence, this round */
	bool			 checked;	/* existence answered since */
	bool			 missing;	/* as the follower last said */
	uint64_t		 read_exceptions;	/* last sampled */
	bool			 fatal;		/* in the last summary */
	char			*fatal_reason;	/* ... and why */
	enum obs_follow_status	 follow;	/* as _ccr/info last said */
	uint64_t		 since_last_read_ms;	/* last sampled */
};

/* Indices whose shards one round samples, at most. */
#define POLLER_DETAIL_MAX	32

/* Rounds between two reads of _ccr/info when nothing moved, at most. */
#define POLLER_INFO_EVERY	10

struct poller {
	struct event_base	*base;
	struct es_cluster	*clusters[CCR_CLUSTERS];
	uint64_t		 interval_ms;
	uint64_t		 timeout_ms;
	int			 leader;
	poller_round_cb		 cb;
	void			*arg;
	struct event		*timer;

	struct poller_index	*indices;
	size_t			 nindices;

	int			 version_major;	/* follower's; -1 unknown */
	int			 version_minor;

	/* Pinned cluster_uuid per cluster (config order); "" none yet. */
	char			 pinned[CCR_CLUSTERS][64];
	bool			 changed[CCR_CLUSTERS];
	char			 identity[CCR_CLUSTERS][320];

	/* The round in progress. */
	bool			 running;
	struct event		*report;	/* every answer is in */
	uint64_t		 round_started_ms;
	int			 outstanding;
	uint64_t		 round_requests;
	uint64_t		 round_bytes;
	uint64_t		 round_failures;
	struct poller_slot	 slots[POLL_SLOT_MAX];
	size_t			 exists_next;	/* unlisted index to ask first */
	struct es_health	 health[2];	/* 0 leader, 1 follower */
	struct es_remote	 remote;
	struct es_ccr_stats	 summary;
	struct es_ccr_stats	 detail;
	size_t			 detail_first;	/* slice sampled this round */
	size_t			 detail_count;
	size_t			 detail_next;
	bool			 info_known;	/* indices' follow is current */
	bool			 quiet;		/* health only: an action runs */
	uint64_t		 info_round;	/* round that read it */
	enum tri		 probe;
	bool			 probe_resolve;	/* else a search probe */
	bool			 probe_sent;	/* this round */
	bool			 probe_unlisted; /* the alias is unknown */
	bool			 probe_rejected;
	char			 probe_error[256];
	enum obs_denial		 denial[2];	/* 0 leader, 1 follower */
	char			 denied[2][160];

	struct observation	 obs;
	struct obs_index	*obs_indices;
	struct poller_counters	 counters;
};

static void	poller_exists(struct poller *, struct poller_slot *,
		    const struct es_result *);
static void	poller_tick(evutil_socket_t, short, void *);
static void	poller_report(evutil_socket_t, short, void *);
static void	poller_send_probe(struct poller *);
static void	poller_send_info(struct poller *);
static bool	poller_info_stale(const struct poller *);

/*
 * Create a poller for config over the two cluster clients (in config
 * order); it copies what it needs from config and borrows the clients.
 */
struct poller *
poller_create(struct event_base *base, const struct ccr_config *cfg,
    struct es_cluster *c0, struct es_cluster *c1, poller_round_cb cb,
    void *arg)
{
	struct poller	*p;
	size_t		 i;
	int		 s;

	p = xcalloc(1, sizeof *p);
	p->base = base;
	p->clusters[0] = c0;
	p->clusters[1] = c1;
	p->interval_ms = cfg->poll_interval_ms > 0 ? cfg->poll_interval_ms :
	    1000;
	/*
	 * A request still running at the next tick is cut without telling
	 * the cluster client, which then never moves off a hung node: keep
	 * every poll's own timeout inside the interval.
	 */
	p->timeout_ms = p->interval_ms - p->interval_ms / 10;
	if (cfg->request_timeout_ms > 0 &&
	    cfg->request_timeout_ms < p->timeout_ms)
		p->timeout_ms = cfg->request_timeout_ms;
	p->cb = cb;
	p->arg = arg;
	p->version_major = p->version_minor = -1;
	p->nindices = cfg->nindices;
	p->indices = xcalloc(p->nindices + 1, sizeof *p->indices);
	p->obs_indices = xcalloc(p->nindices + 1, sizeof *p->obs_indices);
	for (i = 0; i < p->nindices; i++) {
		p->indices[i].since_last_read_ms = UINT64_MAX;
		p->indices[i].name[0] = xstrdup(cfg->indices[i].leader_index);
		p->indices[i].name[1] =
		    xstrdup(cfg->indices[i].follower_index);
	}
	for (s = 0; s < POLL_SLOT_MAX; s++) {
		p->slots[s].poller = p;
		p->slots[s].id = s;
	}
	if ((p->timer = evtimer_new(base, poller_tick, p)) == NULL ||
	    (p->report = evtimer_new(base, poller_report, p)) == NULL)
		fatalx("poller: cannot create timer");
	return (p);
}

/* Drop the parsed answers of the current round; the info stays. */
static void
poller_round_clear(struct poller *p)
{
	es_ccr_stats_clear(&p->summary);
	es_ccr_stats_clear(&p->detail);
}

/* Forget what _ccr/info said: the next round reads it first thing. */
static void
poller_info_forget(struct poller *p)
{
	p->info_known = false;
}

/*
 * Keep what _ccr/info says of each configured follower index, and only
 * that: the parsed answer holds three names per follower of the cluster.
 */
static void
poller_info_keep(struct poller *p, const struct es_ccr_info *info)
{
	const struct es_follow_info	*fi;
	size_t				 i;

	for (i = 0; i < p->nindices; i++) {
		fi = es_ccr_info_find(info, p->indices[i].name[1 - p->leader]);
		if (fi == NULL)
			p->indices[i].follow = OBS_FOLLOW_NOT_FOLLOWER;
		else
			p->indices[i].follow = fi->active ? OBS_FOLLOW_ACTIVE :
			    OBS_FOLLOW_PAUSED;
	}
	p->info_known = true;
	p->info_round = p->counters.rounds;
}

/* Cancel what is in flight without reporting a round. */
static void
poller_cancel_all(struct poller *p)
{
	int	s;

	/* Last first: queued requests go before active ones free a slot. */
	for (s = POLL_SLOT_MAX - 1; s >= 0; s--) {
		if (p->slots[s].req != NULL) {
			es_cancel(p->slots[s].req);
			p->slots[s].req = NULL;
		}
	}
	p->outstanding = 0;
	evtimer_del(p->report);
}

/* Stop, cancel and free. */
void
poller_free(struct poller *p)
{
	size_t	i;

	if (p == NULL)
		return;
	poller_cancel_all(p);
	poller_round_clear(p);
	poller_info_forget(p);
	event_free(p->timer);
	event_free(p->report);
	for (i = 0; i < p->nindices; i++) {
		free(p->indices[i].name[0]);
		free(p->indices[i].name[1]);
		free(p->indices[i].fatal_reason);
		free(p->indices[i].samples);
	}
	free(p->indices);
	free(p->obs_indices);
	free(p);
}

/* The current leader: 0 or 1, in config order. */
int
poller_leader(const struct poller *p)
{
	return (p->leader);
}

/* What _ccr/info and the samples said of each index is no longer true. */
static void
poller_indices_forget(struct poller *p)
{
	size_t	i;

	poller_info_forget(p);
	for (i = 0; i < p->nindices; i++) {
		p->indices[i].unlisted = p->indices[i].checked = false;
		p->indices[i].prev_known = false;
		p->indices[i].read_exceptions = 0;
		free(p->indices[i].samples);
		p->indices[i].samples = NULL;
		p->indices[i].nsamples = 0;
		p->indices[i].fatal = false;
		p->indices[i].since_last_read_ms = UINT64_MAX;
	}
}

/*
 * Swap roles. The link evidence belongs to the old
 * follower, so they are forgotten, and a round in flight is dropped
 * unreported: its answers would be read under the wrong roles.
 */
void
poller_set_leader(struct poller *p, int leader)
{
	if (leader == p->leader || leader < 0 || leader >= CCR_CLUSTERS)
		return;
	if (p->running) {
		poller_cancel_all(p);
		poller_round_clear(p);
		p->running = false;
	}
	p->leader = leader;
	p->version_major = p->version_minor = -1;
	poller_indices_forget(p);
}

/*
 * Ask only for health (quiet) or for everything again. What the CCR reads
 * last said is forgotten either way: an action changed it.
 */
void
poller_set_quiet(struct poller *p, bool quiet)
{
	if (quiet == p->quiet)
		return;
	p->quiet = quiet;
	poller_indices_forget(p);
}

/* Request and byte counts. */
void
poller_counters(const struct poller *p, struct poller_counters *pc)
{
	*pc = p->counters;
}

/*
 * Pin cluster i's cluster_uuid (config order), or with NULL forget the pin
 * and any identity change seen: the next answer is pinned afresh.
 */
void
poller_set_identity(struct poller *p, int i, const char *uuid)
{
	char	copy[sizeof p->pinned[0]];

	if (i < 0 || i >= CCR_CLUSTERS)
		return;
	snprintf(copy, sizeof copy, "%s", uuid != NULL ? uuid : "");
	memcpy(p->pinned[i], copy, sizeof copy);
	p->changed[i] = false;
	p->identity[i][0] = '\0';
}

/* Cluster i's pinned cluster_uuid, or NULL before first contact. */
const char *
poller_identity(const struct poller *p, int i)
{
	if (i < 0 || i >= CCR_CLUSTERS || p->pinned[i][0] == '\0')
		return (NULL);
	return (p->pinned[i]);
}

/* Whether cluster i (config order) answered as another cluster. */
bool
poller_identity_changed(const struct poller *p, int i)
{
	return (i >= 0 && i < CCR_CLUSTERS && p->changed[i]);
}

/* Cluster which (config order) answered GET / with uuid. */
static void
poller_check_identity(struct poller *p, int which, const char *uuid)
{
	char	pinned[sizeof p->pinned[0]];

	if (*uuid == '\0')
		return;
	if (p->pinned[which][0] == '\0') {
		snprintf(p->pinned[which], sizeof p->pinned[which], "%s", uuid);
		log_info("poll: %s is cluster_uuid %s",
		    es_cluster_name(p->clusters[which]), uuid);
		return;
	}
	if (strcmp(p->pinned[which], uuid) == 0 || p->changed[which])
		return;
	/* Sticky: only the operator says the new cluster is the right one. */
	p->changed[which] = true;
	snprintf(pinned, sizeof pinned, "%s", p->pinned[which]);
	snprintf(p->identity[which], sizeof p->identity[which],
	    "%s answers as cluster_uuid %s, pinned %s",
	    es_cluster_node(p->clusters[which]), uuid, pinned);
}

/* Remember a failed request's reason, for status and logs. */
static void
poller_slot_fail(struct poller_slot *slot, const char *type,
    const char *reason)
{
	slot->ok = false;
	snprintf(slot->error, sizeof slot->error, "%s%s%s", type,
	    *reason != '\0' ? ": " : "", reason);
}

/* Fill a cluster's view from its health answer. */
static void
poller_health(struct poller *p, struct poller_slot *slot,
    const struct es_result *r, int which)
{
	char	*cause = NULL;

	if (es_parse_health(r->root, &p->health[which], &cause) != 0) {
		poller_slot_fail(slot, "bad health answer", cause);
		free(cause);
		return;
	}
	slot->ok = true;
}

/*
 * The probe's answer: did the follower reach the leader just now? A probe
 * that hangs is the blackhole case and an unknown remote a failed link:
 * both say no, and so does a search probe's 5xx, the way a search fails
 * when its remote does. _resolve/cluster reports a failed remote in a 200
 * answer: its 5xx is the follower's own trouble (overloaded, no master)
 * and says nothing, like anything else unanswered.
 */
static void
poller_probe(struct poller *p, struct poller_slot *slot,
    const struct es_result *r)
{
	const char		*alias;
	struct es_resolved	 rc;
	char			*cause = NULL;
	bool			 ok;

	alias = es_cluster_name(p->clusters[p->leader]);
	if (!r->ok) {
		poller_slot_fail(slot, *r->error_type != '\0' ?
		    r->error_type : "empty answer", r->reason);
		/* An unknown alias is the follower's ignorance, not a cut. */
		if (strcmp(r->error_type,
		    "no_such_remote_cluster_exception") == 0)
			p->probe_unlisted = true;
		else if (r->outcome == HTTP_TIMEOUT ||
		    (r->outcome == HTTP_DONE && r->status >= 500 &&
		    !p->probe_resolve &&
		    strcmp(r->error_type, "security_exception") != 0))
			p->probe = TRI_NO;
		return;
	}
	if (p->probe_resolve) {
		if (es_parse_resolve_cluster(r->root, alias, &rc,
		    &cause) != 0) {
			poller_slot_fail(slot, "bad resolve answer", cause);
			free(cause);
			return;
		}
		if (!rc.found)
			p->probe_unlisted = true;
		else if (rc.connected)
			p->probe = TRI_YES;
		else if (es_resolved_unreachable(&rc))
			p->probe = TRI_NO;
		else {
			p->probe_rejected = true;
			snprintf(p->probe_error, sizeof p->probe_error, "%s",
			    rc.error);
		}
	} else {
		if (es_parse_search_clusters(r->root, alias, &ok,
		    &cause) != 0) {
			poller_slot_fail(slot, "bad search answer", cause);
			free(cause);
			return;
		}
		p->probe = ok ? TRI_YES : TRI_NO;
	}
	slot->ok = true;
}

/*
 * A 401 or 403 from either cluster: it lives and refuses the daemon. The
 * first refusal of the round names the cluster's denial.
 */
static void
poller_denial(struct poller *p, const struct poller_slot *slot,
    const struct es_result *r)
{
	enum obs_denial	 d;
	char		 detail[160];
	int		 role;

	if (r->outcome != HTTP_DONE)
		return;
	if ((d = es_denial(r->status, r->reason, detail, sizeof detail)) ==
	    OBS_DENIAL_NONE)
		return;
	role = (slot->id == POLL_LEADER_HEALTH ||
	    slot->id == POLL_LEADER_ROOT) ? 0 : 1;
	if (p->denial[role] != OBS_DENIAL_NONE)
		return;
	p->denial[role] = d;
	snprintf(p->denied[role], sizeof p->denied[role], "%s", detail);
}

/* Parse one answer into the round's state. */
static void
poller_absorb(struct poller *p, struct poller_slot *slot,
    const struct es_result *r)
{
	struct es_ccr_info	 info;
	char			*cause = NULL, uuid[64];
	int			 major, minor, which;

	poller_denial(p, slot, r);
	if (slot->id == POLL_PROBE) {
		poller_probe(p, slot, r);
		return;
	}
	/* Named followers all paused: no tasks, nothing to sample. */
	if (slot->id == POLL_CCR_DETAIL && r->status == 404 &&
	    strcmp(r->error_type, "resource_not_found_exception") == 0) {
		slot->ok = true;
		return;
	}
	if (!r->ok || r->root == NULL) {
		poller_slot_fail(slot, *r->error_type != '\0' ?
		    r->error_type : "empty answer", r->reason);
		return;
	}
	if (slot->id == POLL_FOLLOWER_EXISTS) {
		poller_exists(p, slot, r);
		return;
	}
	switch (slot->id) {
	case POLL_LEADER_HEALTH:
		poller_health(p, slot, r, 0);
		return;
	case POLL_FOLLOWER_HEALTH:
		poller_health(p, slot, r, 1);
		return;
	case POLL_LEADER_ROOT:
	case POLL_FOLLOWER_ROOT:
		which = slot->id == POLL_LEADER_ROOT ? p->leader :
		    1 - p->leader;
		if (es_parse_cluster_uuid(r->root, uuid, sizeof uuid,
		    &cause) == 0)
			poller_check_identity(p, which, uuid);
		free(cause);
		cause = NULL;
		slot->ok = true;
		if (slot->id == POLL_FOLLOWER_ROOT) {
			if (es_parse_version(r->root, &major, &minor,
			    &cause) == 0) {
				p->version_major = major;
				p->version_minor = minor;
			} else
				slot->ok = false;
		}
		break;
	case POLL_REMOTE_INFO:
		if (es_parse_remote_info(r->root,
		    es_cluster_name(p->clusters[p->leader]), &p->remote,
		    &cause) == 0)
			slot->ok = true;
		break;
	case POLL_CCR_SUMMARY:
		if (es_parse_ccr_summary(r->root, &p->summary, &cause) == 0)
			slot->ok = true;
		break;
	case POLL_CCR_DETAIL:
		if (es_parse_ccr_reads(r->root, &p->detail, &cause) == 0)
			slot->ok = true;
		break;
	case POLL_CCR_INFO:
		poller_info_forget(p);
		memset(&info, 0, sizeof info);
		if (es_parse_ccr_info(r->root, &info, &cause) == 0) {
			slot->ok = true;
			poller_info_keep(p, &info);
		}
		es_ccr_info_clear(&info);
		break;
	default:
		break;
	}
	if (!slot->ok)
		poller_slot_fail(slot, "bad answer",
		    cause != NULL ? cause : "");
	free(cause);
}

/* Fill one side's obs_cluster from its health slot. */
static void
poller_fill_cluster(struct poller *p, struct obs_cluster *oc, int which)
{
	struct poller_slot	*slot;

	int			 c = which == 0 ? p->leader : 1 - p->leader;

	slot = &p->slots[which == 0 ? POLL_LEADER_HEALTH :
	    POLL_FOLLOWER_HEALTH];
	memset(oc, 0, sizeof *oc);
	oc->reachable = slot->ok;
	oc->health = slot->ok ? p->health[which].status : OBS_HEALTH_UNKNOWN;
	oc->latency_ms = slot->elapsed_ms;
	if (!slot->ok)
		snprintf(oc->error, sizeof oc->error, "%s",
		    slot->error[0] != '\0' ? slot->error : "not polled");
	oc->denial = p->denial[which];
	snprintf(oc->denied, sizeof oc->denied, "%s", p->denied[which]);
	oc->identity_changed = p->changed[c];
	snprintf(oc->identity, sizeof oc->identity, "%s", p->identity[c]);
}

/* Remember a follower index's shard counters from this round's stats. */
static void
poller_keep_samples(struct poller_index *pi, const struct es_index_stats *is,
    uint64_t now)
{
	size_t	i;

	pi->samples = xreallocarray(pi->samples, is->nshards + 1,
	    sizeof *pi->samples);
	pi->nsamples = is->nshards;
	for (i = 0; i < is->nshards; i++) {
		pi->samples[i].shard_id = is->shards[i].shard_id;
		pi->samples[i].failed_read_requests =
		    is->shards[i].failed_read_requests;
		pi->samples[i].successful_read_requests =
		    is->shards[i].successful_read_requests;
		pi->samples[i].operations_read = is->shards[i].operations_read;
		pi->samples[i].read_exceptions = is->shards[i].read_exceptions;
		pi->samples[i].seen_ms = now;
	}
}

/* Whether configured index i is in this round's sampled slice. */
static bool
poller_sampled(const struct poller *p, size_t i)
{
	return ((i + p->nindices - p->detail_first) % p->nindices <
	    p->detail_count);
}

/* The remembered sample of shard id, or NULL. */
static const struct poller_sample *
poller_prev_sample(const struct poller_index *pi, int id)
{
	size_t	i;

	if (!pi->prev_known)
		return (NULL);
	for (i = 0; i < pi->nsamples; i++) {
		if (pi->samples[i].shard_id == id)
			return (&pi->samples[i]);
	}
	return (NULL);
}

/*
 * Whether shard s, against its previous sample prev, shows replication
 * working: its read counters advanced (then *after is the earliest the
 * reads can have happened), or it has not failed a read since and its
 * last read was sent at *sent (answered at now).
 */
static void
poller_shard_working(const struct es_shard_stats *s,
    const struct poller_sample *prev, uint64_t now, struct obs_link *link)
{
	if (prev == NULL)
		return;
	if ((s->successful_read_requests > prev->successful_read_requests ||
	    s->operations_read > prev->operations_read) &&
	    prev->seen_ms > link->reads_advanced_after_ms)
		link->reads_advanced_after_ms = prev->seen_ms;
	if (s->failed_read_requests == prev->failed_read_requests &&
	    s->read_exceptions == 0 && prev->read_exceptions == 0 &&
	    s->since_last_read_ms != UINT64_MAX &&
	    s->since_last_read_ms < now &&
	    now - s->since_last_read_ms > link->clean_read_sent_ms)
		link->clean_read_sent_ms = now - s->since_last_read_ms;
}

/* Fold one sampled index's shards into the link evidence. */
static void
poller_sample(struct poller_index *pi, const struct es_index_stats *is,
    struct obs_link *link, bool *any, uint64_t now)
{
	const struct es_shard_stats	*s;
	uint64_t			 failed = 0;
	size_t				 j;

	pi->read_exceptions = 0;
	pi->since_last_read_ms = UINT64_MAX;
	for (j = 0; j < is->nshards; j++) {
		s = &is->shards[j];
		poller_shard_working(s, poller_prev_sample(pi, s->shard_id),
		    now, link);
		failed += s->failed_read_requests;
		pi->read_exceptions += s->read_exceptions;
		if (s->since_last_read_ms != UINT64_MAX &&
		    (pi->since_last_read_ms == UINT64_MAX ||
		    s->since_last_read_ms > pi->since_last_read_ms))
			pi->since_last_read_ms = s->since_last_read_ms;
		if (s->since_last_read_ms != UINT64_MAX &&
		    (!*any || s->since_last_read_ms >
		    link->max_since_last_read_ms)) {
			link->max_since_last_read_ms = s->since_last_read_ms;
			*any = true;
		}
	}
	link->read_exceptions += pi->read_exceptions;
	if (pi->prev_known && failed > pi->prev_failed_reads)
		link->failed_reads_delta += failed - pi->prev_failed_reads;
	pi->prev_known = true;
	pi->prev_failed_reads = failed;
	poller_keep_samples(pi, is, now);
}

/*
 * Keep an index's fatal reason across rounds, so that an observation
 * lends it (a thousand indices would each carry room for one).
 */
static void
poller_keep_reason(struct poller_index *pi, const char *reason)
{
	if (reason != NULL && pi->fatal_reason != NULL &&
	    strcmp(reason, pi->fatal_reason) == 0)
		return;
	free(pi->fatal_reason);
	pi->fatal_reason = reason != NULL ? xstrdup(reason) : NULL;
}

/*
 * Per-index facts, and the CCR part of the link evidence from the sampled
 * slice. A failed poll keeps each index's failed-read base, so growth
 * across it is not lost.
 */
static void
poller_fill_indices(struct poller *p)
{
	struct obs_link			*link = &p->obs.link;
	struct obs_index		*oi;
	struct poller_index		*pi;
	const struct es_index_stats	*is, *sum;
	const char			*name;
	int				 f = 1 - p->leader;
	bool				 any = false;
	size_t				 i;

	link->max_since_last_read_ms = UINT64_MAX;
	for (i = 0; i < p->nindices; i++) {
		pi = &p->indices[i];
		oi = &p->obs_indices[i];
		memset(oi, 0, sizeof *oi);
		oi->lag_ops = -1;
		name = pi->name[f];
		oi->name = name;

		oi->follow = p->info_known ? pi->follow : OBS_FOLLOW_UNKNOWN;

		/* Unknown keeps what the last answers said. */
		if (oi->follow == OBS_FOLLOW_ACTIVE ||
		    oi->follow == OBS_FOLLOW_PAUSED)
			pi->unlisted = pi->checked = false;
		else if (oi->follow == OBS_FOLLOW_NOT_FOLLOWER &&
		    !pi->unlisted) {
			pi->unlisted = true;
			oi->follow = OBS_FOLLOW_UNKNOWN;
		} else if (oi->follow == OBS_FOLLOW_NOT_FOLLOWER &&
		    pi->checked && pi->missing)
			oi->follow = OBS_FOLLOW_MISSING;

		if (p->slots[POLL_CCR_DETAIL].ok && poller_sampled(p, i)) {
			is = es_ccr_stats_find(&p->detail, name);
			if (is != NULL)
				poller_sample(pi, is, link, &any,
				    p->slots[POLL_CCR_DETAIL].answered_ms);
			else {
				pi->prev_known = false;
				pi->read_exceptions = 0;
				pi->since_last_read_ms = UINT64_MAX;
			}
		}
		oi->read_exceptions = pi->read_exceptions;
		oi->since_last_read_ms = pi->since_last_read_ms;

		sum = p->slots[POLL_CCR_SUMMARY].ok ?
		    es_ccr_stats_find(&p->summary, name) : NULL;
		if (sum != NULL) {
			oi->lag_ops = es_index_stats_lag(sum);
			oi->fatal = sum->fatal;
		} else if (p->slots[POLL_CCR_SUMMARY].ok)
			oi->read_exceptions = 0;
		if (p->slots[POLL_CCR_SUMMARY].ok) {
			pi->fatal = oi->fatal;
			poller_keep_reason(pi, sum != NULL && sum->fatal ?
			    sum->fatal_reason : NULL);
		}
		if (oi->fatal)
			oi->fatal_reason = pi->fatal_reason;
	}
}

/* Close the round: build the observation, report it, reset. */
static void
poller_round_end(struct poller *p)
{
	struct observation	*o = &p->obs;
	uint64_t		 now = monotime_ms();

	memset(o, 0, sizeof *o);
	o->now_ms = now;
	poller_fill_cluster(p, &o->leader, 0);
	poller_fill_cluster(p, &o->follower, 1);
	o->link.remote_connected = TRI_UNKNOWN;
	o->link.remote_listed = TRI_UNKNOWN;
	if (p->slots[POLL_REMOTE_INFO].ok) {
		o->link.remote_listed = p->remote.found ? TRI_YES : TRI_NO;
		if (p->remote.found)
			o->link.remote_connected = p->remote.connected ?
			    TRI_YES : TRI_NO;
	}
	if (p->probe_unlisted)
		o->link.remote_listed = TRI_NO;
	o->link.probe_ok = p->probe;
	o->link.probe_rejected = p->probe_rejected;
	snprintf(o->link.probe_error, sizeof o->link.probe_error, "%s",
	    p->probe_error);
	if (p->probe == TRI_NO && !o->follower.reachable &&
	    p->slots[POLL_PROBE].outcome == HTTP_TIMEOUT)
		o->link.probe_ok = TRI_UNKNOWN;
	poller_fill_indices(p);
	o->indices = p->obs_indices;
	o->nindices = p->nindices;
	if (!o->follower.reachable)
		p->version_major = p->version_minor = -1;

	p->counters.rounds++;
	p->counters.requests = p->round_requests;
	p->counters.bytes = p->round_bytes;
	p->counters.failures = p->round_failures;
	log_debug("poll: round %llu: %llu requests, %llu failed, %llu bytes",
	    (unsigned long long)p->counters.rounds,
	    (unsigned long long)p->round_requests,
	    (unsigned long long)p->round_failures,
	    (unsigned long long)p->round_bytes);
	p->running = false;
	metrics_poll_round(now - p->round_started_ms);
	/* The observation holds copies: the answers go before the report. */
	poller_round_clear(p);
	p->cb(o, p->arg);
}

/* One request of the round answered (or failed). */
static void
poller_done(const struct es_result *r, void *arg)
{
	struct poller_slot	*slot = arg;
	struct poller		*p = slot->poller;
	struct timeval		 now = { 0, 0 };

	slot->req = NULL;
	slot->outcome = r->outcome;
	slot->elapsed_ms = r->elapsed_ms;
	slot->answered_ms = monotime_ms();
	p->round_bytes += r->bytes;
	p->counters.total_bytes += r->bytes;
	poller_absorb(p, slot, r);
	if (!slot->ok) {
		p->round_failures++;
		log_debug("poll: %s failed after %llu ms: %s",
		    poller_slot_names[slot->id],
		    (unsigned long long)r->elapsed_ms, slot->error);
	}
	/* The probe's form depends on the version just learnt. */
	if (slot->id == POLL_FOLLOWER_ROOT && !p->probe_sent && !p->quiet)
		poller_send_probe(p);
	if (slot->id == POLL_CCR_SUMMARY && !p->slots[POLL_CCR_INFO].sent &&
	    (!slot->ok || poller_info_stale(p)))
		poller_send_info(p);
	/*
	 * Reported from the loop, once this answer's parsed tree is freed:
	 * the report writes status.json, and the two are the round's
	 * largest allocations.
	 */
	if (--p->outstanding == 0)
		evtimer_add(p->report, &now);
}

/* Every answer of the round is in: report it. */
static void
poller_report(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct poller	*p = arg;

	if (p->running && p->outstanding == 0)
		poller_round_end(p);
}

/* Send one request of the round to cluster (0 or 1, config order). */
static void
poller_send(struct poller *p, enum poll_slot id, int cluster,
    struct es_call *call)
{
	struct poller_slot	*slot = &p->slots[id];

	p->round_requests++;
	p->counters.total_requests++;
	p->outstanding++;
	slot->sent = true;
	log_debug("poll: %s %s %s", es_cluster_name(p->clusters[cluster]),
	    http_method_name(call->method), call->path);
	slot->req = es_send(p->clusters[cluster], call, p->timeout_ms,
	    poller_done, slot);
	es_call_clear(call);
}

/*
 * Send the active probe through the follower, in the form its version
 * supports; an unknown version gets the form every version has.
 */
static void
poller_send_probe(struct poller *p)
{
	struct es_call	 call;
	const char	*alias, *leader_index;
	char		*cause = NULL;
	int		 rc;

	if (p->nindices == 0)
		return;
	p->probe_sent = true;
	alias = es_cluster_name(p->clusters[p->leader]);
	leader_index = p->indices[0].name[p->leader];
	p->probe_resolve = p->version_major > 8 ||
	    (p->version_major == 8 && p->version_minor >= 13);
	if (p->probe_resolve)
		rc = es_call_resolve_cluster(&call, alias, leader_index,
		    p->version_major > 8 || p->version_minor >= 18 ?
		    p->timeout_ms : 0, &cause);
	else
		rc = es_call_probe_search(&call, alias, leader_index, &cause);
	if (rc != 0) {
		poller_slot_fail(&p->slots[POLL_PROBE], "probe", cause);
		free(cause);
		return;
	}
	poller_send(p, POLL_PROBE, 1 - p->leader, &call);
}

/* Ask the follower which indices follow, paused or active. */
static void
poller_send_info(struct poller *p)
{
	struct es_call	 call;
	char		*cause = NULL;

	if (es_call_ccr_info(&call, NULL, &cause) != 0) {
		poller_slot_fail(&p->slots[POLL_CCR_INFO], "ccr info", cause);
		free(cause);
		return;
	}
	poller_send(p, POLL_CCR_INFO, 1 - p->leader, &call);
}

/*
 * Whether this round's stats summary contradicts the kept _ccr/info about
 * a configured index: a follower Elasticsearch runs tasks for is active,
 * any other is paused or no follower at all, and a task that just failed
 * for good may have been paused or removed since.
 */
static bool
poller_info_stale(const struct poller *p)
{
	const struct es_index_stats	*is;
	size_t				 i;

	if (!p->info_known)
		return (true);
	for (i = 0; i < p->nindices; i++) {
		is = es_ccr_stats_find(&p->summary,
		    p->indices[i].name[1 - p->leader]);
		if ((p->indices[i].follow == OBS_FOLLOW_ACTIVE) != (is != NULL))
			return (true);
		if (is != NULL && is->fatal && !p->indices[i].fatal)
			return (true);
	}
	return (false);
}

/* Ask for per-shard stats of the next slice of follower indices. */
static void
poller_send_detail(struct poller *p)
{
	struct es_call	  call;
	const char	**names;
	char		 *cause = NULL;
	size_t		  n, i, used;
	int		  f = 1 - p->leader;

	p->detail_count = 0;
	if (p->nindices == 0)
		return;
	if (p->detail_next >= p->nindices)
		p->detail_next = 0;
	p->detail_first = p->detail_next;
	n = p->nindices - p->detail_first;
	if (n > POLLER_DETAIL_MAX)
		n = POLLER_DETAIL_MAX;
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = p->indices[p->detail_first + i].name[f];
	if (es_call_ccr_stats_list(&call, names, n, &used, &cause) != 0) {
		poller_slot_fail(&p->slots[POLL_CCR_DETAIL], "ccr stats",
		    cause);
		free(cause);
		free(names);
		return;
	}
	free(names);
	p->detail_count = used;
	p->detail_next = p->detail_first + used;
	poller_send(p, POLL_CCR_DETAIL, f, &call);
}

/*
 * The follower's good answer on which asked indices exist: the ones it
 * left out are missing. Unanswered, the indices keep what was said before.
 */
static void
poller_exists(struct poller *p, struct poller_slot *slot,
    const struct es_result *r)
{
	struct poller_index	*pi;
	char			*cause = NULL;
	size_t			 i;
	bool			 present;

	for (i = 0; i < p->nindices; i++) {
		pi = &p->indices[i];
		if (!pi->asked)
			continue;
		if (es_parse_index_present(r->root, pi->name[1 - p->leader],
		    &present, &cause) != 0) {
			poller_slot_fail(slot, "bad answer", cause);
			free(cause);
			return;
		}
		pi->checked = true;
		pi->missing = !present;
	}
	slot->ok = true;
}

/*
 * Ask the follower which of the indices _ccr/info did not list exist, from
 * where the last such request stopped when they do not fit in one.
 */
static void
poller_send_exists(struct poller *p)
{
	struct es_call	  call;
	const char	**names;
	size_t		 *which, n = 0, i, k, used;
	char		 *cause = NULL;
	int		  f = 1 - p->leader;

	for (i = 0; i < p->nindices; i++)
		p->indices[i].asked = false;
	names = xcalloc(p->nindices + 1, sizeof *names);
	which = xcalloc(p->nindices + 1, sizeof *which);
	for (k = 0; k < p->nindices; k++) {
		i = (p->exists_next + k) % p->nindices;
		if (p->indices[i].unlisted) {
			which[n] = i;
			names[n++] = p->indices[i].name[f];
		}
	}
	if (n > 0 && es_call_exists_list(&call, names, n, &used,
	    &cause) != 0) {
		poller_slot_fail(&p->slots[POLL_FOLLOWER_EXISTS],
		    "index settings", cause);
		free(cause);
	} else if (n > 0) {
		for (k = 0; k < used; k++)
			p->indices[which[k]].asked = true;
		p->exists_next = used < n ? which[used] : 0;
		poller_send(p, POLL_FOLLOWER_EXISTS, f, &call);
	}
	free(which);
	free(names);
}

/* Launch one round on both clusters. */
static void
poller_launch(struct poller *p)
{
	struct es_call	 call;
	int		 f = 1 - p->leader, s;
	bool		 known;

	for (s = 0; s < POLL_SLOT_MAX; s++) {
		p->slots[s].req = NULL;
		p->slots[s].sent = false;
		p->slots[s].ok = false;
		p->slots[s].outcome = HTTP_DONE;
		p->slots[s].elapsed_ms = 0;
		p->slots[s].answered_ms = 0;
		p->slots[s].error[0] = '\0';
	}
	memset(p->health, 0, sizeof p->health);
	memset(&p->remote, 0, sizeof p->remote);
	p->probe = TRI_UNKNOWN;
	p->probe_sent = p->probe_unlisted = p->probe_rejected = false;
	p->probe_error[0] = '\0';
	memset(p->denial, 0, sizeof p->denial);
	memset(p->denied, 0, sizeof p->denied);
	p->round_requests = p->round_bytes = p->round_failures = 0;
	p->running = true;
	p->round_started_ms = monotime_ms();
	p->outstanding = 0;

	es_call_health(&call);
	poller_send(p, POLL_LEADER_HEALTH, p->leader, &call);
	es_call_health(&call);
	poller_send(p, POLL_FOLLOWER_HEALTH, f, &call);
	if (p->quiet) {
		if (p->version_major < 0) {
			es_call_root(&call);
			poller_send(p, POLL_FOLLOWER_ROOT, f, &call);
		}
		return;
	}
	es_call_remote_info(&call);
	poller_send(p, POLL_REMOTE_INFO, f, &call);
	poller_send_exists(p);
	es_call_ccr_summary(&call);
	poller_send(p, POLL_CCR_SUMMARY, f, &call);
	poller_send_detail(p);
	if (!p->info_known ||
	    p->counters.rounds - p->info_round >= POLLER_INFO_EVERY)
		poller_send_info(p);

	es_call_root(&call);
	poller_send(p, POLL_LEADER_ROOT, p->leader, &call);
	known = p->version_major >= 0;
	es_call_root(&call);
	poller_send(p, POLL_FOLLOWER_ROOT, f, &call);
	if (known)
		poller_send_probe(p);
}

/* Count the unanswered requests of an unfinished round and close it. */
static void
poller_cut_round(struct poller *p)
{
	struct poller_slot	*slot;
	int			 s;

	for (s = POLL_SLOT_MAX - 1; s >= 0; s--) {
		slot = &p->slots[s];
		if (slot->req == NULL)
			continue;
		es_cancel(slot->req);
		slot->req = NULL;
		slot->ok = false;
		slot->outcome = HTTP_TIMEOUT;
		snprintf(slot->error, sizeof slot->error,
		    "no answer within the poll interval");
		if (s == POLL_PROBE)
			p->probe = TRI_NO;
		if (s == POLL_CCR_INFO)
			poller_info_forget(p);
		p->round_failures++;
		log_debug("poll: %s failed: %s", poller_slot_names[s],
		    slot->error);
	}
	p->outstanding = 0;
	evtimer_del(p->report);
	poller_round_end(p);
}

/* The interval timer: close the last round, launch the next, re-arm. */
static void
poller_tick(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct poller	*p = arg;
	struct timeval	 tv;

	if (p->running)
		poller_cut_round(p);
	poller_launch(p);
	tv.tv_sec = p->interval_ms / 1000;
	tv.tv_usec = (p->interval_ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
}

/* Start polling: the first round is launched from the loop at once. */
void
poller_start(struct poller *p)
{
	struct timeval	tv = { 0, 0 };

	evtimer_add(p->timer, &tv);
}
