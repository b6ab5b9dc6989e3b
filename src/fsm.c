/*
 * The failover state machine. Three inputs move it: a completed poll round
 * (fsm_observe), an operator command (fsm_command) and the action engine's
 * report (fsm_action_done). Each fills a struct fsm_output: the state change,
 * the action to start, the pending gate, events to log and a reason. Nothing
 * here does I/O, reads a clock, allocates or logs, so tests script any
 * sequence of rounds and times.
 *
 * A round has a monitoring half and an acting half, as in Redis Sentinel.
 * Monitoring keeps per-role streaks: consecutive rounds the leader failed to
 * answer (leader_failures) or answered (leader_ok), the follower failed
 * (follower_failures) or answered with a health other than red
 * (follower_healthy), both answered but the follower agreed the leader is
 * gone (link_failures: replication is cut though the leader lives), or the
 * leader failed and the follower agreed it is gone (agreements). Acting
 * turns them into transitions, and events fire only on edges, never every
 * round.
 *
 * States ("leader" and "follower" are the current roles):
 *
 *   REPLICATING		both clusters answer, replication healthy
 *   LEADER_SUSPECT	the leader missed at least one poll, not yet lost
 *   DEGRADED		the follower missed failure_threshold polls, or a
 *			follower index does not replicate (a fatal exception,
 *			paused, a plain index, missing), or the follower
 *			cannot reach a leader the daemon reaches for
 *			failure_threshold polls; the reason says which
 *   AWAITING_CONFIRMATION	an action waits in "pending" for confirm
 *   PROMOTING		the engine promotes the follower
 *   PROMOTED		the follower was promoted and is now the leader; the
 *			lost cluster is watched as the follower
 *   FAILING_BACK		the engine makes the old leader follow the new
 *			one
 *   SWITCHING_OVER	the engine reverses the roles of two healthy clusters
 *   FAILED		an action stopped part way; an operator must act
 *
 * Transitions on a poll round:
 *
 *   REPLICATING, LEADER_SUSPECT, DEGRADED: the state is DEGRADED while a
 *	degradation holds, else LEADER_SUSPECT while the leader fails, else
 *	REPLICATING. When the leader is lost (below) and the operator has not
 *	aborted this episode: held keeps the state and reports; a gate
 *	(confirm_promote, a degraded index, the anti-flap block) moves to
 *	AWAITING_CONFIRMATION with pending promote; otherwise PROMOTING.
 *   AWAITING_CONFIRMATION, pending promote: the leader answering, the
 *	follower reaching it (when agreement is required) or the follower down
 *	for failure_threshold polls cancels it, back to the state above. When
 *	no gate holds any more (the block ran out, the config changed) and not
 *	held, PROMOTING.
 *   AWAITING_CONFIRMATION, pending failback: a round where the old leader is
 *	unreachable or red cancels it, back to PROMOTED; with confirm_failback
 *	off, auto_failback on and not held, FAILING_BACK.
 *   PROMOTED: after recovery_threshold healthy rounds of the old leader,
 *	"leader back"; with auto_failback and not held, AWAITING_CONFIRMATION
 *	(confirm_failback) or FAILING_BACK.
 *   PROMOTING, FAILING_BACK, SWITCHING_OVER, FAILED: rounds only count.
 *
 * Transitions on the engine's report:
 *
 *   PROMOTING	done: PROMOTED, roles swap (swap_roles)
 *   FAILING_BACK	done: REPLICATING (roles swapped at promotion already)
 *   SWITCHING_OVER	done: REPLICATING, roles swap
 *   any of them	failed: FAILED; needs confirm (veto hook, divergent
 *			old leader): AWAITING_CONFIRMATION, the engine's gate
 *
 * After an automatic promotion or failback (one the machine decided, even if
 * an operator confirmed its gate) ends, no automatic promotion starts for
 * failover_block_ms unless confirm acknowledges the block: two clusters never
 * ping-pong. Commanded actions (promote, failback, switchover) arm no block.
 *
 * Commands (0 accepted, -1 rejected with the reason):
 *
 *   hold, resume	any state; held stops every automatic action and
 *			the entry into a gate, counting and status go on
 *   confirm		AWAITING_CONFIRMATION: start the pending action
 *			(held or not: the operator decides); also
 *			acknowledges (clears) the anti-flap block, alone when
 *			nothing is pending; rejected when neither exists
 *   abort		AWAITING_CONFIRMATION: drop the pending action, back
 *			where it came from; FAILED: give the action up, back to
 *			REPLICATING (promote, switchover) or PROMOTED
 *			(failback). Either way the episode is dismissed: no
 *			automatic decision on it until the leader (or the old
 *			leader) is seen to change. Running actions are past
 *			the point of no return: rejected.
 *   reset-identity	any state; the daemon re-pins the named cluster's
 *			cluster_uuid, the machine forgets the identity it saw
 *			change until the next round
 *   promote		forced failover from REPLICATING, LEADER_SUSPECT,
 *			DEGRADED when the follower answered the last poll,
 *			even when held or blocked; confirms a pending promote;
 *			retries a failed promotion from FAILED
 *   failback		PROMOTED when the old leader answered the last poll;
 *			confirms a pending failback; retries from FAILED
 *   switchover		REPLICATING when both clusters answered the last poll
 *			and every follower index replicates; confirms a pending
 *			switchover; retries from FAILED
 *
 * Leader lost: leader_failures has reached failure_threshold, the follower
 * answered this round, and either require_follower_agreement is off or the
 * follower agrees it cannot reach the leader and has agreed in each of the
 * last failure_threshold polls (agreements: one probe that failed while the
 * follower was busy must not turn a partition only the daemon sees into a
 * promotion). Agreement must hold against a blackholed leader, where
 * _remote/info's "connected" stays true: the probe through the follower
 * failing (probe_ok NO), or the remote connection down (remote_connected
 * NO), or reads failing (failed reads grew or read exceptions are present)
 * while the oldest read is staler than the stall bound (2 * poll_interval_ms
 * + request_timeout_ms; an idle follower's reads long-poll, so age alone
 * proves nothing). A probe that answered (probe_ok YES) overrides all of
 * it: the follower reaches the leader, the partition is the daemon's own,
 * no promotion. No evidence either way is no agreement.
 *
 * Only a follower that could know can agree. One that does not list the
 * leader's alias in _remote/info (a node without the remote_cluster_client
 * role, a wrong alias) cannot; nor one that refuses the daemon (401, 403)
 * or answers with another cluster's identity. A probe answered "not
 * connected" with an error other than the timeout (a security exception,
 * a missing index: something answered) is no agreement either, whatever
 * else says the link is down. And replication seen working vetoes
 * agreement outright: read counters that advanced between two samples
 * taken after the leader first failed the daemon, or a read sent since
 * then by a shard that has not failed one (reads into a blackhole hang,
 * reads of a dead leader fail, so neither looks like that).
 *
 * Refusals and identity: a cluster answering 401 or 403 is alive, never a
 * failure towards "leader lost"; one answering with a cluster_uuid other
 * than the pinned one is neither alive nor dead to the machine. Both make
 * the state DEGRADED with the reason ("credentials rejected", "privilege
 * missing: <action>", "identity changed") and stop every automatic action
 * on that cluster; promote needs a follower whose identity holds, failback
 * and switchover both clusters'.
 *
 * Quorum: with several watchers (obs->quorum.required), a lost leader also
 * needs coordination available and at least quorum.needed watchers, this
 * one included, whose fresh view is that the leader is unreachable. A
 * watcher that sees the leader down alone is cut off on its side; with etcd
 * unreachable nothing new starts. Either keeps the state as above and says
 * why; a pending promotion waits for the quorum before it starts.
 *
 * DEGRADED and a lost leader: an unreachable follower can neither agree nor
 * be promoted, so it never promotes. A cut link counts only while the daemon
 * reaches the leader, so a dying leader leaves that DEGRADED by the usual
 * path. A reachable follower with an index that does not replicate can be
 * promoted (its other indices are sound and the leader is gone), but that
 * index would come up stale or not at all: the promotion is gated for an
 * operator, never automatic.
 *
 * Restart: an action that had not sent a mutating request (a pre_promote
 * hook running, the daemon stopped between deciding and acting) is not
 * resumed: the machine goes back to where the action was decided, with
 * fresh counters, and decides again from what it sees.
 *
 * Tilt: a round that ends more than the stall bound after the previous one,
 * or before it (the clock went backwards), counts for nothing: counters
 * reset, tilt begins. Rounds are then counted but nothing is decided until
 * FSM_TILT_ROUNDS clean rounds have passed; the last of them acts again.
 * Commands and engine reports are honoured during tilt.
 */
#include "autoconf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fsm.h"
#include "observation.h"

enum fsm_agreement {
	FSM_AGREE_UNKNOWN,
	FSM_AGREE_YES,		/* the follower cannot reach the leader */
	FSM_AGREE_NO		/* the follower reaches the leader */
};

static const char *const fsm_state_names[FSM_STATE_MAX] = {
	"REPLICATING",
	"LEADER_SUSPECT",
	"AWAITING_CONFIRMATION",
	"PROMOTING",
	"PROMOTED",
	"FAILING_BACK",
	"SWITCHING_OVER",
	"DEGRADED",
	"FAILED"
};

static const char *const fsm_action_names[FSM_ACTION_MAX] = {
	"none", "promote", "failback", "switchover"
};

static const char *const fsm_command_names[FSM_COMMAND_MAX] = {
	"confirm", "abort", "hold", "resume", "promote", "failback",
	"switchover", "reset-identity"
};

static const char *const fsm_event_names[FSM_EVENT_MAX] = {
	"leader-suspect",
	"leader-lost",
	"leader-back",
	"gate-waiting",
	"degraded",
	"tilt-enter",
	"tilt-exit",
	"promotion-started",
	"promotion-finished",
	"failback-started",
	"failback-finished",
	"switchover-started",
	"switchover-finished",
	"action-failed"
};

/* Find name in a table of n names; -1 if absent. */
static int
fsm_lookup(const char *const *names, int n, const char *name)
{
	int	i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (i);
	}
	return (-1);
}

/* The name of a state, as the status and state files spell it. */
const char *
fsm_state_name(enum fsm_state s)
{
	if ((unsigned int)s >= FSM_STATE_MAX)
		return ("UNKNOWN");
	return (fsm_state_names[s]);
}

/* Parse a state name; -1 if unknown. */
int
fsm_state_from_name(const char *name, enum fsm_state *s)
{
	int	i;

	if ((i = fsm_lookup(fsm_state_names, FSM_STATE_MAX, name)) == -1)
		return (-1);
	*s = i;
	return (0);
}

/* The name of an action ("none" for FSM_ACTION_NONE). */
const char *
fsm_action_name(enum fsm_action a)
{
	if ((unsigned int)a >= FSM_ACTION_MAX)
		return ("unknown");
	return (fsm_action_names[a]);
}

/* Parse an action name; -1 if unknown. */
int
fsm_action_from_name(const char *name, enum fsm_action *a)
{
	int	i;

	if ((i = fsm_lookup(fsm_action_names, FSM_ACTION_MAX, name)) == -1)
		return (-1);
	*a = i;
	return (0);
}

/* The name of a command, as the control file spells it. */
const char *
fsm_command_name(enum fsm_command c)
{
	if ((unsigned int)c >= FSM_COMMAND_MAX)
		return ("unknown");
	return (fsm_command_names[c]);
}

/* Parse a command name; -1 if unknown. */
int
fsm_command_from_name(const char *name, enum fsm_command *c)
{
	int	i;

	if ((i = fsm_lookup(fsm_command_names, FSM_COMMAND_MAX, name)) == -1)
		return (-1);
	*c = i;
	return (0);
}

/* The name of an event, for log lines. */
const char *
fsm_event_name(enum fsm_event e)
{
	if ((unsigned int)e >= FSM_EVENT_MAX)
		return ("unknown");
	return (fsm_event_names[e]);
}

/* A threshold from the config; nonsense values count as 1. */
static unsigned int
fsm_threshold(int n)
{
	return (n < 1 ? 1 : (unsigned int)n);
}

/* a + b without wrapping round. */
static uint64_t
fsm_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

/* The gap between rounds beyond which the loop stalled or time jumped. */
static uint64_t
fsm_stall_ms(const struct fsm_params *p)
{
	return (fsm_add(fsm_add(p->poll_interval_ms, p->poll_interval_ms),
	    p->request_timeout_ms));
}

/* One more in a streak, stopping at the top. */
static void
fsm_count(unsigned int *n)
{
	if (*n < UINT_MAX)
		(*n)++;
}

/* The machine's parameters from a validated configuration. */
void
fsm_params_from_config(const struct ccr_config *conf, struct fsm_params *p)
{
	memset(p, 0, sizeof *p);
	p->failure_threshold = conf->failure_threshold;
	p->recovery_threshold = conf->recovery_threshold;
	p->require_follower_agreement = conf->require_follower_agreement;
	p->confirm_promote = conf->confirm_promote;
	p->confirm_failback = conf->confirm_failback;
	p->auto_failback = conf->auto_failback;
	p->poll_interval_ms = conf->poll_interval_ms;
	p->request_timeout_ms = conf->request_timeout_ms;
	p->failover_block_ms = (conf->failover_block_s > UINT64_MAX / 1000 ?
	    UINT64_MAX : conf->failover_block_s * 1000);
}

/* True while the anti-flap block forbids an automatic promotion. */
bool
fsm_blocked(const struct fsm *fsm, uint64_t now_ms)
{
	return (fsm->block_until_ms != 0 && now_ms < fsm->block_until_ms);
}

/* The state an action was decided in, where abort from FAILED returns. */
static enum fsm_state
fsm_action_origin(enum fsm_action a)
{
	return (a == FSM_ACTION_FAILBACK ? FSM_STATE_PROMOTED :
	    FSM_STATE_REPLICATING);
}

/* The state in which the engine runs an action. */
static enum fsm_state
fsm_action_state(enum fsm_action a)
{
	switch (a) {
	case FSM_ACTION_PROMOTE:
		return (FSM_STATE_PROMOTING);
	case FSM_ACTION_FAILBACK:
		return (FSM_STATE_FAILING_BACK);
	case FSM_ACTION_SWITCHOVER:
		return (FSM_STATE_SWITCHING_OVER);
	default:
		return (FSM_STATE_MAX);
	}
}

/* Set the reason unless this call already gave one (the first cause wins). */
static void __attribute__((format(printf, 2, 3)))
fsm_reason(struct fsm_output *out, const char *fmt, ...)
{
	va_list	ap;

	if (out->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
}

/* Record an event for the daemon to log. */
static void
fsm_event(struct fsm_output *out, enum fsm_event e)
{
	out->events |= FSM_EVENT_BIT(e);
}

/* The one place the state moves. */
static void
fsm_change_state(struct fsm *fsm, enum fsm_state s, uint64_t now_ms)
{
	if (fsm->state == s)
		return;
	fsm->state = s;
	fsm->state_since_ms = now_ms;
}

/* Start filling an output. */
static void
fsm_begin(const struct fsm *fsm, struct fsm_output *out)
{
	memset(out, 0, sizeof *out);
	out->old_state = fsm->state;
}

/*
 * Finish an output. A reason given is kept as the machine's last reason
 * unless it only explains a refusal: the status shows why the machine is
 * where it is, the refused operator gets the answer from the output.
 */
static void
fsm_end(struct fsm *fsm, struct fsm_output *out, bool refused)
{
	out->new_state = fsm->state;
	out->changed = (out->new_state != out->old_state);
	out->pending = fsm->pending;
	if (out->reason[0] != '\0' && !refused)
		memcpy(fsm->reason, out->reason, sizeof fsm->reason);
}

/* Forget the streaks and reported edges: roles swapped or time jumped. */
static void
fsm_reset_counters(struct fsm *fsm)
{
	fsm->leader_failures = fsm->leader_ok = 0;
	fsm->leader_failing_since_ms = 0;
	fsm->follower_failures = fsm->follower_healthy = 0;
	fsm->link_failures = fsm->agreements = 0;
	fsm->seen_leader = fsm->seen_follower = fsm->seen_index_fault = false;
	fsm->seen_leader_identity_changed = false;
	fsm->seen_follower_identity_changed = false;
	fsm->suspect = fsm->lost = fsm->back = fsm->degraded = false;
	fsm->withheld = false;
}

/* Hand an action to the engine. */
static void
fsm_start(struct fsm *fsm, enum fsm_action a, bool forced, bool confirmed,
    uint64_t now_ms, struct fsm_output *out)
{
	static const enum fsm_event started[FSM_ACTION_MAX] = {
		FSM_EVENT_MAX, FSM_EVENT_PROMOTION_STARTED,
		FSM_EVENT_FAILBACK_STARTED, FSM_EVENT_SWITCHOVER_STARTED
	};

	fsm->pending = FSM_ACTION_NONE;
	fsm->pending_engine = false;
	fsm->action = a;
	fsm->forced = forced;
	fsm->dismissed = false;
	fsm_change_state(fsm, fsm_action_state(a), now_ms);
	out->action = a;
	out->confirmed = confirmed;
	fsm_event(out, started[a]);
}

/* Hold an action for the operator's confirm. */
static void
fsm_gate(struct fsm *fsm, enum fsm_action a, enum fsm_state from, bool engine,
    uint64_t now_ms, struct fsm_output *out)
{
	fsm->pending = a;
	fsm->pending_from = from;
	fsm->pending_engine = engine;
	fsm_change_state(fsm, FSM_STATE_AWAITING_CONFIRMATION, now_ms);
	fsm_event(out, FSM_EVENT_GATE_WAITING);
}

/* Forget the pending action, and the engine's paused one behind it. */
static void
fsm_drop_pending(struct fsm *fsm)
{
	fsm->pending = FSM_ACTION_NONE;
	fsm->pending_engine = false;
	fsm->action = FSM_ACTION_NONE;
}

/*
 * Say which index pair i is and what is wrong with it: by its follower
 * index when the poller gave the name, else by its place in the
 * configuration.
 */
static void
fsm_index_reason(const struct observation *obs, size_t i, const char *what,
    const char *detail, char *buf, size_t len)
{
	size_t	n;

	if (obs->indices[i].name != NULL)
		snprintf(buf, len, "index %s", obs->indices[i].name);
	else
		snprintf(buf, len, "indices[%zu]", i);
	n = strlen(buf);
	snprintf(buf + n, len - n, " %s%s%s", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
}

/*
 * Why the follower cannot speak for the link at all, or NULL: it refuses
 * the daemon, is another cluster, or does not know the leader's alias.
 */
static const char *
fsm_follower_unfit(const struct observation *obs, char *buf, size_t len)
{
	if (obs->follower.identity_changed) {
		snprintf(buf, len, "identity changed: %s",
		    obs->follower.identity);
		return (buf);
	}
	if (obs->follower.denial != OBS_DENIAL_NONE) {
		snprintf(buf, len, "the follower refuses the daemon: %s",
		    obs->follower.denied);
		return (buf);
	}
	if (obs->link.remote_listed == TRI_NO) {
		snprintf(buf, len, "the follower does not list the leader's "
		    "alias in _remote/info (a node without the "
		    "remote_cluster_client role, or a wrong alias): it cannot "
		    "know whether the leader is gone");
		return (buf);
	}
	return (NULL);
}

/*
 * Whether replication is seen working since ref_ms: read counters that
 * advanced from a sample taken at or after it, or a clean read sent after.
 */
static bool
fsm_replicating(const struct obs_link *l, uint64_t ref_ms, char *why,
    size_t len)
{
	if (l->reads_advanced_after_ms != 0 &&
	    l->reads_advanced_after_ms >= ref_ms) {
		snprintf(why, len, "the follower still replicates: its read "
		    "counters advance");
		return (true);
	}
	if (l->clean_read_sent_ms != 0 && l->clean_read_sent_ms > ref_ms) {
		snprintf(why, len, "the follower still replicates: a read "
		    "sent %llu ms after the leader first failed has not failed",
		    (unsigned long long)(l->clean_read_sent_ms - ref_ms));
		return (true);
	}
	return (false);
}

/* Whether the follower agrees the leader is gone; why says on what grounds. */
static enum fsm_agreement
fsm_agreement(const struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs, char *why, size_t len)
{
	const struct obs_link	*l = &obs->link;
	char			 buf[FSM_REASON_LEN];
	uint64_t		 ref;

	if (fsm_follower_unfit(obs, buf, sizeof buf) != NULL) {
		snprintf(why, len, "%s", buf);
		return (FSM_AGREE_UNKNOWN);
	}
	/* Since the leader first failed, or over the last stall bound. */
	if (fsm->leader_failures > 0 && fsm->leader_failing_since_ms != 0)
		ref = fsm->leader_failing_since_ms;
	else
		ref = obs->now_ms > fsm_stall_ms(p) ?
		    obs->now_ms - fsm_stall_ms(p) : 0;
	if (fsm_replicating(l, ref, why, len))
		return (FSM_AGREE_NO);
	if (l->probe_ok == TRI_YES) {
		snprintf(why, len, "the follower still reaches the leader");
		return (FSM_AGREE_NO);
	}
	if (l->probe_rejected) {
		snprintf(why, len, "the follower's probe was answered with an "
		    "error, something answered: %s", l->probe_error);
		return (FSM_AGREE_UNKNOWN);
	}
	if (l->probe_ok == TRI_NO) {
		snprintf(why, len, "the follower's probe of the leader failed");
		return (FSM_AGREE_YES);
	}
	if (l->remote_connected == TRI_NO) {
		snprintf(why, len, "the follower's link to the leader is down");
		return (FSM_AGREE_YES);
	}
	if ((l->failed_reads_delta > 0 || l->read_exceptions > 0) &&
	    l->max_since_last_read_ms != UINT64_MAX &&
	    l->max_since_last_read_ms > fsm_stall_ms(p)) {
		snprintf(why, len, "the follower's reads fail, last read "
		    "%llu ms ago",
		    (unsigned long long)l->max_since_last_read_ms);
		return (FSM_AGREE_YES);
	}
	snprintf(why, len, "the follower has no evidence the leader is gone");
	return (FSM_AGREE_UNKNOWN);
}

/* Whether the follower agrees the leader is gone (for a member's summary). */
bool
fsm_follower_agrees(const struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs)
{
	char	why[FSM_REASON_LEN];

	return (obs->follower.reachable &&
	    fsm_agreement(fsm, p, obs, why, sizeof why) == FSM_AGREE_YES);
}

/* Why the watchers' quorum withholds a lost leader; NULL: it does not. */
static const char *
fsm_quorum_short(const struct observation *obs, char *buf, size_t len)
{
	const struct obs_quorum	*q = &obs->quorum;

	if (!q->required)
		return (NULL);
	if (!q->available)
		return ("coordination unavailable");
	if (q->down >= q->needed)
		return (NULL);
	snprintf(buf, len, "%u of %u watchers see the leader down, quorum %u",
	    q->down, q->fresh, q->needed);
	return (buf);
}

/*
 * Whether a follower index does not replicate: a fatal exception first,
 * else one known to be paused, a plain index or missing (an unanswered
 * _ccr/info proves nothing). buf, if given, says which and why.
 */
static bool
fsm_index_fault(const struct observation *obs, char *buf, size_t len)
{
	static const char *const follow[] = {
		[OBS_FOLLOW_PAUSED] = "paused",
		[OBS_FOLLOW_NOT_FOLLOWER] = "not a follower",
		[OBS_FOLLOW_MISSING] = "missing"
	};
	const struct obs_index	*ix;
	size_t			 i;

	for (i = 0; i < obs->nindices; i++) {
		ix = &obs->indices[i];
		if (ix->fatal) {
			if (buf != NULL)
				fsm_index_reason(obs, i, "fatal",
				    ix->fatal_reason, buf, len);
			return (true);
		}
	}
	for (i = 0; i < obs->nindices; i++) {
		ix = &obs->indices[i];
		if (ix->follow == OBS_FOLLOW_PAUSED ||
		    ix->follow == OBS_FOLLOW_NOT_FOLLOWER ||
		    ix->follow == OBS_FOLLOW_MISSING) {
			if (buf != NULL)
				fsm_index_reason(obs, i, follow[ix->follow],
				    NULL, buf, len);
			return (true);
		}
	}
	return (false);
}

/* Monitoring half: update the streaks from one round. */
static void
fsm_monitor(struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs)
{
	char	why[FSM_REASON_LEN];

	/*
	 * A leader refusing the daemon lives; one with another identity is
	 * not the leader: neither counts towards lost, nor as healthy.
	 */
	if (obs->leader.denial != OBS_DENIAL_NONE ||
	    obs->leader.identity_changed) {
		fsm->leader_failures = 0;
		fsm->leader_failing_since_ms = 0;
		fsm->leader_ok = 0;
	} else if (obs->leader.reachable) {
		fsm->leader_failures = 0;
		fsm->leader_failing_since_ms = 0;
		fsm_count(&fsm->leader_ok);
	} else {
		if (fsm->leader_failures == 0)
			fsm->leader_failing_since_ms = obs->now_ms;
		fsm_count(&fsm->leader_failures);
		fsm->leader_ok = 0;
	}
	if (obs->follower.reachable ||
	    obs->follower.denial != OBS_DENIAL_NONE)
		fsm->follower_failures = 0;
	else
		fsm_count(&fsm->follower_failures);
	if (obs->follower.reachable && !obs->follower.identity_changed &&
	    obs->follower.denial == OBS_DENIAL_NONE &&
	    (obs->follower.health == OBS_HEALTH_GREEN ||
	    obs->follower.health == OBS_HEALTH_YELLOW))
		fsm_count(&fsm->follower_healthy);
	else
		fsm->follower_healthy = 0;
	if (obs->leader.reachable && obs->follower.reachable &&
	    fsm_agreement(fsm, p, obs, why, sizeof why) == FSM_AGREE_YES)
		fsm_count(&fsm->link_failures);
	else
		fsm->link_failures = 0;
	if (!obs->leader.reachable && obs->follower.reachable &&
	    fsm_agreement(fsm, p, obs, why, sizeof why) == FSM_AGREE_YES)
		fsm_count(&fsm->agreements);
	else
		fsm->agreements = 0;
	fsm->seen_leader = obs->leader.reachable;
	fsm->seen_follower = obs->follower.reachable;
	fsm->seen_index_fault = fsm_index_fault(obs, NULL, 0);
	fsm->seen_leader_identity_changed = obs->leader.identity_changed;
	fsm->seen_follower_identity_changed = obs->follower.identity_changed;
}

/*
 * Why either cluster stops automatic actions though it answers: a refusal
 * or another identity behind its url. NULL when neither.
 */
static const char *
fsm_refusal(const struct observation *obs, char *buf, size_t len)
{
	if (obs->leader.identity_changed)
		snprintf(buf, len, "identity changed: %s",
		    obs->leader.identity);
	else if (obs->follower.identity_changed)
		snprintf(buf, len, "identity changed: %s",
		    obs->follower.identity);
	else if (obs->leader.denial != OBS_DENIAL_NONE)
		snprintf(buf, len, "the leader refuses the daemon: %s",
		    obs->leader.denied);
	else if (obs->follower.denial != OBS_DENIAL_NONE)
		snprintf(buf, len, "the follower refuses the daemon: %s",
		    obs->follower.denied);
	else
		return (NULL);
	return (buf);
}

/* Why an automatic promotion must wait for confirm, or NULL. */
static const char *
fsm_promote_gate(const struct fsm *fsm, const struct fsm_params *p,
    uint64_t now_ms, char *buf, size_t len)
{
	if (p->confirm_promote)
		return ("confirm_promote is set");
	if (fsm->seen_index_fault)
		return ("a follower index does not replicate");
	if (fsm_blocked(fsm, now_ms)) {
		snprintf(buf, len, "anti-flap block for %llu more s",
		    (unsigned long long)
		    ((fsm->block_until_ms - now_ms + 999) / 1000));
		return (buf);
	}
	return (NULL);
}

/* Acting half for REPLICATING, LEADER_SUSPECT and DEGRADED. */
static void
fsm_act_watch(struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs, struct fsm_output *out)
{
	uint64_t		 now = obs->now_ms;
	unsigned int		 ft = fsm_threshold(p->failure_threshold);
	char			 degraded[2 * FSM_REASON_LEN];
	char			 why[FSM_REASON_LEN], gate[64];
	const char		*gwhy = NULL, *outcome;
	enum fsm_state		 base;
	bool			 lost = false, lost_edge, degraded_edge;
	bool			 suspect_edge, withheld, withheld_edge;
	char			 qbuf[96];
	const char		*qwhy;

	degraded[0] = '\0';
	if (fsm->follower_failures >= ft) {
		snprintf(degraded, sizeof degraded, "follower cluster "
		    "unreachable for %u polls: %s", fsm->follower_failures,
		    obs->follower.error);
	} else if (fsm_refusal(obs, degraded, sizeof degraded) != NULL ||
	    (obs->follower.reachable &&
	    fsm_follower_unfit(obs, degraded, sizeof degraded) != NULL)) {
		/* degraded says why */
	} else if (!fsm_index_fault(obs, degraded, sizeof degraded) &&
	    fsm->link_failures >= ft) {
		fsm_agreement(fsm, p, obs, why, sizeof why);
		snprintf(degraded, sizeof degraded, "the follower cannot reach "
		    "the leader for %u polls: %s", fsm->link_failures, why);
	}
	degraded_edge = (degraded[0] != '\0' && !fsm->degraded);
	fsm->degraded = (degraded[0] != '\0');
	suspect_edge = (fsm->leader_failures > 0 && !fsm->suspect);
	fsm->suspect = (fsm->leader_failures > 0);
	if (obs->leader.reachable)
		fsm->dismissed = false;

	why[0] = '\0';
	if (fsm->leader_failures >= ft) {
		if (!obs->follower.reachable)
			snprintf(why, sizeof why,
			    "the follower is unreachable");
		else if (obs->follower.identity_changed ||
		    obs->follower.denial != OBS_DENIAL_NONE)
			fsm_follower_unfit(obs, why, sizeof why);
		else if (!p->require_follower_agreement) {
			snprintf(why, sizeof why, "no agreement required");
			lost = true;
		} else if (fsm_agreement(fsm, p, obs, why, sizeof why) ==
		    FSM_AGREE_YES) {
			if (fsm->agreements >= ft)
				lost = true;
			else
				snprintf(why, sizeof why, "the follower agrees "
				    "for %u polls of %u", fsm->agreements, ft);
		}
	}
	withheld = false;
	if (lost && (qwhy = fsm_quorum_short(obs, qbuf, sizeof qbuf)) !=
	    NULL) {
		snprintf(why, sizeof why, "%s", qwhy);
		lost = false;
		withheld = true;
	}
	withheld_edge = (withheld && !fsm->withheld);
	fsm->withheld = withheld;
	lost_edge = (lost && !fsm->lost);
	fsm->lost = lost;

	if (fsm->degraded)
		base = FSM_STATE_DEGRADED;
	else if (fsm->suspect)
		base = FSM_STATE_LEADER_SUSPECT;
	else
		base = FSM_STATE_REPLICATING;

	/* Reasons by weight: the decision, then the edges, then the state. */
	if (lost) {
		if (fsm->dismissed)
			outcome = "the operator aborted its promotion";
		else if (fsm->held)
			outcome = "held, no automatic promotion";
		else if ((gwhy = fsm_promote_gate(fsm, p, now, gate,
		    sizeof gate)) != NULL)
			outcome = "promotion waits for confirm";
		else
			outcome = "promoting";
		if (lost_edge || (!fsm->dismissed && !fsm->held))
			fsm_reason(out,
			    "leader lost after %u polls (%s): %s%s%s",
			    fsm->leader_failures, why, outcome,
			    gwhy != NULL ? ": " : "", gwhy != NULL ? gwhy : "");
	}
	if (degraded_edge)
		fsm_reason(out, "degraded: %s", degraded);
	if (suspect_edge)
		fsm_reason(out, "leader unreachable: %s", obs->leader.error);
	if ((!lost && fsm->leader_failures == ft) || withheld_edge)
		fsm_reason(out, "leader unreachable for %u polls, not lost: %s",
		    fsm->leader_failures, why);
	if (base != fsm->state) {
		if (base == FSM_STATE_DEGRADED)
			fsm_reason(out, "degraded: %s", degraded);
		else if (base == FSM_STATE_LEADER_SUSPECT)
			fsm_reason(out, "leader unreachable: %s",
			    obs->leader.error);
		else
			fsm_reason(out, "leader and follower answer");
	}

	if (lost_edge)
		fsm_event(out, FSM_EVENT_LEADER_LOST);
	if (degraded_edge)
		fsm_event(out, FSM_EVENT_DEGRADED);
	if (suspect_edge)
		fsm_event(out, FSM_EVENT_LEADER_SUSPECT);
	if (!lost || fsm->dismissed || fsm->held) {
		fsm_change_state(fsm, base, now);
		return;
	}
	if (gwhy != NULL) {
		fsm_gate(fsm, FSM_ACTION_PROMOTE, base, false, now, out);
		return;
	}
	fsm_start(fsm, FSM_ACTION_PROMOTE, false, false, now, out);
}

/* Acting half for AWAITING_CONFIRMATION. */
static void
fsm_act_gate(struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs, struct fsm_output *out)
{
	uint64_t	 now = obs->now_ms;
	char		 why[FSM_REASON_LEN], gate[64];
	const char	*cancel = NULL;

	switch (fsm->pending) {
	case FSM_ACTION_PROMOTE:
		if (obs->leader.reachable)
			cancel = "the leader answers again";
		else if (obs->leader.denial != OBS_DENIAL_NONE)
			cancel = "the leader answers again, refusing the "
			    "daemon";
		else if (fsm->follower_failures >=
		    fsm_threshold(p->failure_threshold))
			cancel = "the follower is unreachable";
		else if (p->require_follower_agreement &&
		    obs->follower.reachable &&
		    fsm_agreement(fsm, p, obs, why, sizeof why) == FSM_AGREE_NO)
			cancel = "the follower still reaches the leader";
		if (cancel != NULL) {
			fsm_reason(out, "pending promotion cancelled: %s",
			    cancel);
			fsm_drop_pending(fsm);
			fsm_change_state(fsm, fsm->pending_from, now);
			fsm_act_watch(fsm, p, obs, out);
			return;
		}
		if (!fsm->pending_engine && !fsm->held &&
		    fsm_promote_gate(fsm, p, now, gate, sizeof gate) == NULL &&
		    fsm_quorum_short(obs, why, sizeof why) == NULL) {
			fsm_reason(out, "promotion no longer gated");
			fsm_start(fsm, FSM_ACTION_PROMOTE, false, false, now,
			    out);
		}
		break;
	case FSM_ACTION_FAILBACK:
		if (fsm->follower_healthy == 0) {
			fsm_reason(out, "pending failback cancelled: the old "
			    "leader is unhealthy again");
			fsm_drop_pending(fsm);
			fsm->back = false;
			fsm->dismissed = false;
			fsm_change_state(fsm, FSM_STATE_PROMOTED, now);
			return;
		}
		if (!fsm->pending_engine && !fsm->held && p->auto_failback &&
		    !p->confirm_failback) {
			fsm_reason(out, "failback no longer gated");
			fsm_start(fsm, FSM_ACTION_FAILBACK, false, false, now,
			    out);
		}
		break;
	default:
		break;
	}
}

/* Acting half for PROMOTED: watch the old leader come back. */
static void
fsm_act_promoted(struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs, struct fsm_output *out)
{
	uint64_t	 now = obs->now_ms;
	const char	*outcome;
	bool		 back, edge;

	if (fsm->follower_healthy == 0)
		fsm->dismissed = false;
	back = (fsm->follower_healthy >= fsm_threshold(p->recovery_threshold));
	edge = (back && !fsm->back);
	fsm->back = back;
	if (!back)
		return;
	if (fsm->dismissed)
		outcome = "the operator aborted its failback";
	else if (!p->auto_failback)
		outcome = "auto_failback off, fail back by command";
	else if (fsm->held)
		outcome = "held, no automatic failback";
	else if (p->confirm_failback)
		outcome = "failback waits for confirm";
	else
		outcome = "failing back";
	if (edge) {
		fsm_event(out, FSM_EVENT_LEADER_BACK);
		fsm_reason(out, "old leader healthy for %u polls: %s",
		    fsm->follower_healthy, outcome);
	}
	if (fsm->dismissed || !p->auto_failback || fsm->held)
		return;
	if (p->confirm_failback) {
		fsm_gate(fsm, FSM_ACTION_FAILBACK, FSM_STATE_PROMOTED, false,
		    now, out);
		return;
	}
	fsm_reason(out, "old leader back: %s", outcome);
	fsm_start(fsm, FSM_ACTION_FAILBACK, false, false, now, out);
}

/* Whether a gate for action a can have been entered from state s. */
static bool
fsm_gate_origin_ok(enum fsm_action a, enum fsm_state s)
{
	switch (a) {
	case FSM_ACTION_PROMOTE:
		return (s == FSM_STATE_REPLICATING ||
		    s == FSM_STATE_LEADER_SUSPECT || s == FSM_STATE_DEGRADED);
	case FSM_ACTION_FAILBACK:
		return (s == FSM_STATE_PROMOTED);
	case FSM_ACTION_SWITCHOVER:
		return (s == FSM_STATE_REPLICATING);
	default:
		return (false);
	}
}

/* A fresh machine: REPLICATING, nothing pending, not held. */
void
fsm_init(struct fsm *fsm, uint64_t now_ms)
{
	memset(fsm, 0, sizeof *fsm);
	fsm->state = FSM_STATE_REPLICATING;
	fsm->state_since_ms = now_ms;
	fsm->pending = FSM_ACTION_NONE;
	fsm->pending_from = FSM_STATE_REPLICATING;
	fsm->action = FSM_ACTION_NONE;
}

/*
 * A machine as the state file left it. An action the engine was running is
 * handed out again so the engine resumes it. -1 if the record does not hold
 * together; the machine is then fresh and out->reason says why.
 */
int
fsm_restore(struct fsm *fsm, const struct fsm_saved *sv, uint64_t now_ms,
    struct fsm_output *out)
{
	enum fsm_state	 s = sv->state, from = sv->pending_from;
	const char	*bad = NULL;

	fsm_init(fsm, now_ms);
	fsm_begin(fsm, out);
	if ((unsigned int)s >= FSM_STATE_MAX)
		bad = "unknown state";
	else if ((unsigned int)sv->pending >= FSM_ACTION_MAX ||
	    (unsigned int)sv->action >= FSM_ACTION_MAX)
		bad = "unknown action";
	else if ((s == FSM_STATE_AWAITING_CONFIRMATION) !=
	    (sv->pending != FSM_ACTION_NONE))
		bad = "pending action and state disagree";
	else if (s == FSM_STATE_AWAITING_CONFIRMATION &&
	    !fsm_gate_origin_ok(sv->pending, from))
		bad = "pending action from an impossible state";
	else if (s == FSM_STATE_FAILED && sv->action == FSM_ACTION_NONE)
		bad = "failed state without its action";
	if (bad != NULL) {
		fsm_reason(out, "state record rejected: %s", bad);
		fsm_end(fsm, out, false);
		return (-1);
	}

	fsm->state = s;
	fsm->pending = sv->pending;
	fsm->pending_from = (sv->pending == FSM_ACTION_NONE ?
	    FSM_STATE_REPLICATING : from);
	fsm->pending_engine = (sv->pending != FSM_ACTION_NONE &&
	    sv->pending_engine);
	fsm->action = sv->action;
	fsm->forced = sv->forced;
	fsm->held = sv->held;
	fsm->dismissed = sv->dismissed;
	if (sv->block_left_ms != 0)
		fsm->block_until_ms = fsm_add(now_ms, sv->block_left_ms);
	memcpy(fsm->reason, sv->reason, sizeof fsm->reason);
	fsm->reason[sizeof fsm->reason - 1] = '\0';

	switch (s) {
	case FSM_STATE_PROMOTING:
		fsm->action = FSM_ACTION_PROMOTE;
		break;
	case FSM_STATE_FAILING_BACK:
		fsm->action = FSM_ACTION_FAILBACK;
		break;
	case FSM_STATE_SWITCHING_OVER:
		fsm->action = FSM_ACTION_SWITCHOVER;
		break;
	default:
		break;
	}
	out->old_state = s;
	if (fsm_action_state(fsm->action) == s && !sv->action_touched) {
		fsm_reason(out, "the %s had not touched a cluster before the "
		    "restart: deciding afresh", fsm_action_name(fsm->action));
		fsm->state = fsm_action_origin(fsm->action);
		fsm->action = FSM_ACTION_NONE;
		fsm->forced = false;
	} else if (fsm_action_state(fsm->action) == s) {
		out->action = fsm->action;
		out->confirmed = fsm->forced;
		fsm_reason(out, "resuming %s after a restart",
		    fsm_action_name(fsm->action));
	}
	fsm_end(fsm, out, false);
	return (0);
}

/* What the state file must keep of the machine. */
void
fsm_save(const struct fsm *fsm, uint64_t now_ms, struct fsm_saved *sv)
{
	memset(sv, 0, sizeof *sv);
	sv->state = fsm->state;
	sv->pending = fsm->pending;
	sv->pending_from = fsm->pending_from;
	sv->pending_engine = fsm->pending_engine;
	sv->action = (fsm->state == FSM_STATE_FAILED ||
	    fsm_action_state(fsm->action) == fsm->state ? fsm->action :
	    FSM_ACTION_NONE);
	sv->forced = fsm->forced;
	sv->held = fsm->held;
	sv->dismissed = fsm->dismissed;
	if (fsm_blocked(fsm, now_ms))
		sv->block_left_ms = fsm->block_until_ms - now_ms;
	memcpy(sv->reason, fsm->reason, sizeof sv->reason);
}

/* Feed one completed poll round. */
void
fsm_observe(struct fsm *fsm, const struct fsm_params *p,
    const struct observation *obs, struct fsm_output *out)
{
	uint64_t	now = obs->now_ms;

	fsm_begin(fsm, out);
	if (fsm->have_last && (now < fsm->last_ms ||
	    now - fsm->last_ms > fsm_stall_ms(p))) {
		if (now < fsm->last_ms)
			fsm_reason(out, "tilt: the clock went back %llu ms",
			    (unsigned long long)(fsm->last_ms - now));
		else
			fsm_reason(out, "tilt: %llu ms since the previous poll",
			    (unsigned long long)(now - fsm->last_ms));
		if (!fsm->tilt)
			fsm_event(out, FSM_EVENT_TILT_ENTER);
		fsm->tilt = true;
		fsm->tilt_clean = 0;
		fsm->last_ms = now;
		fsm_reset_counters(fsm);
		fsm_end(fsm, out, false);
		return;
	}
	fsm->have_last = true;
	fsm->last_ms = now;
	fsm_monitor(fsm, p, obs);
	if (fsm->tilt) {
		if (++fsm->tilt_clean < FSM_TILT_ROUNDS) {
			fsm_end(fsm, out, false);
			return;
		}
		fsm->tilt = false;
		fsm->tilt_clean = 0;
		fsm_event(out, FSM_EVENT_TILT_EXIT);
		fsm_reason(out, "tilt over after %u clean polls",
		    FSM_TILT_ROUNDS);
	}

	switch (fsm->state) {
	case FSM_STATE_REPLICATING:
	case FSM_STATE_LEADER_SUSPECT:
	case FSM_STATE_DEGRADED:
		fsm_act_watch(fsm, p, obs, out);
		break;
	case FSM_STATE_AWAITING_CONFIRMATION:
		fsm_act_gate(fsm, p, obs, out);
		break;
	case FSM_STATE_PROMOTED:
		fsm_act_promoted(fsm, p, obs, out);
		break;
	default:
		break;
	}
	fsm_end(fsm, out, false);
}

/* Start the pending action because the operator said so. */
static void
fsm_confirm_pending(struct fsm *fsm, bool forced, uint64_t now_ms,
    struct fsm_output *out)
{
	enum fsm_action	a = fsm->pending;

	fsm->block_until_ms = 0;
	if (fsm->pending_engine)
		forced = fsm->forced;
	fsm_reason(out, "%s confirmed", fsm_action_name(a));
	fsm_start(fsm, a, forced, true, now_ms, out);
}

/* Why a command does not apply in this state, or NULL when it does. */
static const char *
fsm_command_refusal(const struct fsm *fsm, enum fsm_command cmd)
{
	enum fsm_action	want;

	switch (cmd) {
	case FSM_COMMAND_PROMOTE:
		want = FSM_ACTION_PROMOTE;
		break;
	case FSM_COMMAND_FAILBACK:
		want = FSM_ACTION_FAILBACK;
		break;
	default:
		want = FSM_ACTION_SWITCHOVER;
		break;
	}
	if (fsm->seen_follower_identity_changed ||
	    (want != FSM_ACTION_PROMOTE && fsm->seen_leader_identity_changed))
		return ("identity changed: ccr-failoverctl reset-identity "
		    "NAME once the cluster behind the url is the right one");
	switch (fsm->state) {
	case FSM_STATE_AWAITING_CONFIRMATION:
		if (fsm->pending != want)
			return ("another action is pending: confirm or abort "
			    "it first");
		return (NULL);
	case FSM_STATE_FAILED:
		if (fsm->action != want)
			return ("a different action failed: retry it or "
			    "abort");
		return (NULL);
	case FSM_STATE_PROMOTING:
	case FSM_STATE_FAILING_BACK:
	case FSM_STATE_SWITCHING_OVER:
		return ("an action is running");
	case FSM_STATE_PROMOTED:
		if (want != FSM_ACTION_FAILBACK)
			return ("the follower is already promoted: fail back "
			    "first");
		if (!fsm->seen_follower)
			return ("the old leader did not answer the last poll");
		return (NULL);
	case FSM_STATE_REPLICATING:
	case FSM_STATE_LEADER_SUSPECT:
	case FSM_STATE_DEGRADED:
		if (want == FSM_ACTION_FAILBACK)
			return ("nothing to fail back: no promotion happened");
		if (!fsm->seen_follower)
			return ("the follower did not answer the last poll");
		if (want == FSM_ACTION_SWITCHOVER &&
		    (fsm->state != FSM_STATE_REPLICATING || !fsm->seen_leader ||
		    fsm->seen_index_fault))
			return ("a switchover needs REPLICATING with both "
			    "clusters answering");
		return (NULL);
	default:
		return ("impossible state");
	}
}

/*
 * Apply an operator command. 0 if accepted, -1 if rejected; out->reason says
 * what happened or why not.
 */
int
fsm_command(struct fsm *fsm, enum fsm_command cmd, uint64_t now_ms,
    struct fsm_output *out)
{
	const char	*refusal;
	enum fsm_action	 want;
	int		 rc = 0;

	fsm_begin(fsm, out);
	switch (cmd) {
	case FSM_COMMAND_HOLD:
		fsm->held = true;
		fsm_reason(out, "held: no automatic action");
		break;
	case FSM_COMMAND_RESUME:
		fsm->held = false;
		fsm_reason(out, "resumed: automatic actions allowed");
		break;
	case FSM_COMMAND_CONFIRM:
		if (fsm->state == FSM_STATE_AWAITING_CONFIRMATION)
			fsm_confirm_pending(fsm, false, now_ms, out);
		else if (fsm_blocked(fsm, now_ms)) {
			fsm->block_until_ms = 0;
			fsm_reason(out, "anti-flap block acknowledged");
		} else {
			fsm_reason(out, "nothing to confirm");
			rc = -1;
		}
		break;
	case FSM_COMMAND_ABORT:
		if (fsm->state == FSM_STATE_AWAITING_CONFIRMATION) {
			fsm_reason(out, "pending %s aborted",
			    fsm_action_name(fsm->pending));
			fsm_drop_pending(fsm);
			fsm->dismissed = true;
			fsm_change_state(fsm, fsm->pending_from, now_ms);
		} else if (fsm->state == FSM_STATE_FAILED) {
			fsm_reason(out, "failed %s given up",
			    fsm_action_name(fsm->action));
			fsm_change_state(fsm, fsm_action_origin(fsm->action),
			    now_ms);
			fsm->action = FSM_ACTION_NONE;
			fsm->dismissed = true;
		} else if (fsm_action_state(fsm->action) == fsm->state) {
			fsm_reason(out, "a running %s cannot be aborted",
			    fsm_action_name(fsm->action));
			rc = -1;
		} else {
			fsm_reason(out, "nothing to abort");
			rc = -1;
		}
		break;
	case FSM_COMMAND_RESET_IDENTITY:
		fsm->seen_leader_identity_changed = false;
		fsm->seen_follower_identity_changed = false;
		fsm_reason(out, "identity pin reset: the next answer is pinned");
		break;
	case FSM_COMMAND_PROMOTE:
	case FSM_COMMAND_FAILBACK:
	case FSM_COMMAND_SWITCHOVER:
		if ((refusal = fsm_command_refusal(fsm, cmd)) != NULL) {
			fsm_reason(out, "%s rejected: %s",
			    fsm_command_name(cmd), refusal);
			rc = -1;
			break;
		}
		if (fsm->state == FSM_STATE_AWAITING_CONFIRMATION) {
			fsm_confirm_pending(fsm, true, now_ms, out);
			break;
		}
		if (fsm->state == FSM_STATE_FAILED) {
			fsm_reason(out, "retrying %s",
			    fsm_action_name(fsm->action));
			fsm_start(fsm, fsm->action, fsm->forced, true, now_ms,
			    out);
			break;
		}
		want = (cmd == FSM_COMMAND_PROMOTE ? FSM_ACTION_PROMOTE :
		    cmd == FSM_COMMAND_FAILBACK ? FSM_ACTION_FAILBACK :
		    FSM_ACTION_SWITCHOVER);
		fsm_reason(out, "%s commanded", fsm_action_name(want));
		fsm_start(fsm, want, true, true, now_ms, out);
		break;
	default:
		fsm_reason(out, "unknown command");
		rc = -1;
		break;
	}
	fsm_end(fsm, out, rc == -1);
	return (rc);
}

/*
 * The engine's report on the running action. -1 (and no change) if that
 * action is not the one running: a stale or confused report.
 */
int
fsm_action_done(struct fsm *fsm, const struct fsm_params *p,
    enum fsm_action a, enum fsm_result result, const char *detail,
    uint64_t now_ms, struct fsm_output *out)
{
	static const enum fsm_event finished[FSM_ACTION_MAX] = {
		FSM_EVENT_MAX, FSM_EVENT_PROMOTION_FINISHED,
		FSM_EVENT_FAILBACK_FINISHED, FSM_EVENT_SWITCHOVER_FINISHED
	};

	fsm_begin(fsm, out);
	if (a == FSM_ACTION_NONE || (unsigned int)a >= FSM_ACTION_MAX ||
	    fsm->action != a || fsm_action_state(a) != fsm->state) {
		fsm_reason(out, "no %s is running", fsm_action_name(a));
		fsm_end(fsm, out, true);
		return (-1);
	}
	if (detail == NULL)
		detail = "";
	switch (result) {
	case FSM_RESULT_DONE:
		fsm_event(out, finished[a]);
		fsm_reason(out, "%s finished", fsm_action_name(a));
		if (a != FSM_ACTION_SWITCHOVER && !fsm->forced &&
		    p->failover_block_ms != 0)
			fsm->block_until_ms = fsm_add(now_ms,
			    p->failover_block_ms);
		if (a != FSM_ACTION_FAILBACK) {
			out->swap_roles = true;
			fsm_reset_counters(fsm);
		} else
			fsm->suspect = fsm->lost = fsm->back =
			    fsm->degraded = fsm->withheld = false;
		fsm->action = FSM_ACTION_NONE;
		fsm->forced = false;
		fsm_change_state(fsm, a == FSM_ACTION_PROMOTE ?
		    FSM_STATE_PROMOTED : FSM_STATE_REPLICATING, now_ms);
		break;
	case FSM_RESULT_NEEDS_CONFIRM:
		fsm_reason(out, "%s waits for confirm: %s",
		    fsm_action_name(a), detail);
		fsm_gate(fsm, a, fsm_action_origin(a), true, now_ms, out);
		break;
	default:
		fsm_event(out, FSM_EVENT_ACTION_FAILED);
		fsm_reason(out, "%s failed: %s", fsm_action_name(a), detail);
		fsm_change_state(fsm, FSM_STATE_FAILED, now_ms);
		break;
	}
	fsm_end(fsm, out, false);
	return (0);
}
