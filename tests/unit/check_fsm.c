/*
 * Unit tests for fsm.c: scripted poll rounds, commands and engine reports,
 * one test per transition and rule, and every command in every state. Time
 * is the script's own: each round is one poll interval after the last.
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "events.h"
#include "fsm.h"
#include "observation.h"

#define POLL_MS		1000
#define TIMEOUT_MS	2000
#define BLOCK_MS	20000

struct sim {
	struct fsm		fsm;
	struct fsm_params	p;
	struct observation	obs;
	struct obs_index	idx[2];
	struct fsm_output	out;
	uint64_t		now;
};

/* A machine with thresholds of 3, both clusters healthy and in sync. */
static void
sim_init(struct sim *s)
{
	size_t	i;

	memset(s, 0, sizeof *s);
	s->p.failure_threshold = 3;
	s->p.recovery_threshold = 3;
	s->p.require_follower_agreement = true;
	s->p.confirm_promote = false;
	s->p.confirm_failback = false;
	s->p.auto_failback = true;
	s->p.poll_interval_ms = POLL_MS;
	s->p.request_timeout_ms = TIMEOUT_MS;
	s->p.failover_block_ms = BLOCK_MS;
	s->now = 100000;
	fsm_init(&s->fsm, s->now);

	s->obs.leader.reachable = true;
	s->obs.leader.health = OBS_HEALTH_GREEN;
	s->obs.follower.reachable = true;
	s->obs.follower.health = OBS_HEALTH_GREEN;
	s->obs.link.remote_connected = TRI_YES;
	s->obs.link.probe_ok = TRI_YES;
	s->obs.link.max_since_last_read_ms = 500;
	for (i = 0; i < 2; i++) {
		s->idx[i].follow = OBS_FOLLOW_ACTIVE;
		s->idx[i].lag_ops = 0;
	}
	s->obs.indices = s->idx;
	s->obs.nindices = 2;
}

/* Set what the daemon sees of one cluster. */
static void
set_cluster(struct obs_cluster *c, bool up)
{
	c->reachable = up;
	c->health = up ? OBS_HEALTH_GREEN : OBS_HEALTH_UNKNOWN;
	snprintf(c->error, sizeof c->error, "%s",
	    up ? "" : "connection refused");
}

/* The leader dies: the daemon and the follower's probe both fail. */
static void
leader_dies(struct sim *s)
{
	set_cluster(&s->obs.leader, false);
	s->obs.link.probe_ok = TRI_NO;
	s->obs.link.remote_connected = TRI_NO;
}

/* The leader is healthy again, and so is the link. */
static void
leader_returns(struct sim *s)
{
	set_cluster(&s->obs.leader, true);
	s->obs.link.probe_ok = TRI_YES;
	s->obs.link.remote_connected = TRI_YES;
}

/* The roles swap, as the daemon does on out->swap_roles. */
static void
sim_swap(struct sim *s)
{
	struct obs_cluster	tmp = s->obs.leader;

	s->obs.leader = s->obs.follower;
	s->obs.follower = tmp;
}

/* One poll round, one interval after the previous; returns the new state. */
static enum fsm_state
round_(struct sim *s)
{
	s->now += POLL_MS;
	s->obs.now_ms = s->now;
	fsm_observe(&s->fsm, &s->p, &s->obs, &s->out);
	ck_assert_int_eq(s->out.new_state, s->fsm.state);
	return (s->fsm.state);
}

/* n rounds; fails if any of them starts an action. */
static enum fsm_state
rounds_quiet(struct sim *s, int n)
{
	while (n-- > 0) {
		round_(s);
		ck_assert_int_eq(s->out.action, FSM_ACTION_NONE);
	}
	return (s->fsm.state);
}

static int
cmd(struct sim *s, enum fsm_command c)
{
	return (fsm_command(&s->fsm, c, s->now, &s->out));
}

static int
done(struct sim *s, enum fsm_action a, enum fsm_result r)
{
	return (fsm_action_done(&s->fsm, &s->p, a, r, "index_x: boom",
	    s->now, &s->out));
}

static bool
has_event(const struct sim *s, enum fsm_event e)
{
	return ((s->out.events & FSM_EVENT_BIT(e)) != 0);
}

static bool
reason_has(const struct sim *s, const char *text)
{
	return (strstr(s->out.reason, text) != NULL);
}

/* Lose the leader with agreement: PROMOTING after three rounds. */
static void
to_promoting(struct sim *s)
{
	round_(s);
	leader_dies(s);
	rounds_quiet(s, 2);
	ck_assert_int_eq(round_(s), FSM_STATE_PROMOTING);
	ck_assert_int_eq(s->out.action, FSM_ACTION_PROMOTE);
}

/* Promote and report it done; the old leader stays down. */
static void
to_promoted(struct sim *s)
{
	to_promoting(s);
	ck_assert_int_eq(done(s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE), 0);
	ck_assert(s->out.swap_roles);
	sim_swap(s);
	s->obs.link.probe_ok = TRI_UNKNOWN;
	s->obs.link.remote_connected = TRI_UNKNOWN;
	ck_assert_int_eq(round_(s), FSM_STATE_PROMOTED);
}

/* The old leader (now the follower) answers healthy for n rounds. */
static void
old_leader_healthy(struct sim *s, int n)
{
	set_cluster(&s->obs.follower, true);
	while (n-- > 0)
		round_(s);
}

START_TEST(names_round_trip)
{
	enum fsm_state		st;
	enum fsm_action		a;
	enum fsm_command	c;
	enum fsm_event		e;
	int			i;

	for (i = 0; i < FSM_STATE_MAX; i++) {
		ck_assert_int_eq(fsm_state_from_name(fsm_state_name(i), &st),
		    0);
		ck_assert_int_eq(st, i);
	}
	for (i = 0; i < FSM_ACTION_MAX; i++) {
		ck_assert_int_eq(fsm_action_from_name(fsm_action_name(i), &a),
		    0);
		ck_assert_int_eq(a, i);
	}
	for (i = 0; i < FSM_COMMAND_MAX; i++) {
		ck_assert_int_eq(fsm_command_from_name(fsm_command_name(i),
		    &c), 0);
		ck_assert_int_eq(c, i);
	}
	ck_assert_str_eq(fsm_state_name(FSM_STATE_AWAITING_CONFIRMATION),
	    "AWAITING_CONFIRMATION");
	ck_assert_str_eq(fsm_command_name(FSM_COMMAND_SWITCHOVER),
	    "switchover");
	ck_assert_int_eq(fsm_state_from_name("replicating", &st), -1);
	ck_assert_int_eq(fsm_state_from_name(NULL, &st), -1);
	ck_assert_int_eq(fsm_command_from_name("reboot", &c), -1);
	ck_assert_str_eq(fsm_command_name(FSM_COMMAND_MAX), "unknown");
	ck_assert_int_eq(fsm_action_from_name("", &a), -1);
	ck_assert_str_eq(fsm_state_name(FSM_STATE_MAX), "UNKNOWN");
	for (e = 0; e < FSM_EVENT_MAX; e++) {
		ck_assert_str_ne(fsm_event_name(e), "unknown");
		ck_assert_int_lt(events_fsm_kind(e), CCR_EVENT_MAX);
	}
	ck_assert_int_eq(events_fsm_kind(FSM_EVENT_TILT_ENTER), CCR_EVENT_TILT);
	ck_assert_int_eq(events_fsm_kind(FSM_EVENT_LEADER_LOST),
	    CCR_EVENT_LEADER_LOST);
}
END_TEST

START_TEST(below_threshold_never_triggers)
{
	struct sim	s;
	int		i;

	sim_init(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	for (i = 0; i < 20; i++) {
		leader_dies(&s);
		ck_assert_int_eq(round_(&s), FSM_STATE_LEADER_SUSPECT);
		ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
		ck_assert(has_event(&s, FSM_EVENT_LEADER_SUSPECT));
		ck_assert(reason_has(&s, "connection refused"));
		ck_assert_int_eq(round_(&s), FSM_STATE_LEADER_SUSPECT);
		ck_assert_uint_eq(s.fsm.leader_failures, 2);
		ck_assert(!has_event(&s, FSM_EVENT_LEADER_SUSPECT));
		leader_returns(&s);
		ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
		ck_assert_uint_eq(s.fsm.leader_failures, 0);
		ck_assert_uint_eq(s.fsm.leader_ok, 1);
		ck_assert(s.out.changed);
	}
}
END_TEST

START_TEST(threshold_with_agreement_promotes)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(round_(&s), FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(!s.out.confirmed);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
	ck_assert(has_event(&s, FSM_EVENT_PROMOTION_STARTED));
	ck_assert(reason_has(&s, "leader lost after 3 polls"));
	ck_assert_int_eq(s.fsm.state_since_ms, s.now);
	ck_assert_str_eq(s.fsm.reason, s.out.reason);
	/* Rounds during the action change nothing. */
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTING);
}
END_TEST

/* Several watchers: the leader-lost decision needs the quorum. */
START_TEST(quorum_gates_leader_lost)
{
	struct sim	s;

	sim_init(&s);
	s.obs.quorum.required = true;
	s.obs.quorum.available = true;
	s.obs.quorum.needed = 2;
	s.obs.quorum.fresh = 3;
	round_(&s);
	leader_dies(&s);
	/* Alone in seeing the leader down: a partition on this side. */
	s.obs.quorum.down = 1;
	ck_assert_int_eq(rounds_quiet(&s, 6), FSM_STATE_LEADER_SUSPECT);
	ck_assert(!has_event(&s, FSM_EVENT_LEADER_LOST));
	ck_assert_ptr_nonnull(strstr(s.fsm.reason,
	    "1 of 3 watchers see the leader down, quorum 2"));
	/* A second watcher agrees: promote. */
	s.obs.quorum.down = 2;
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
}
END_TEST

/* The follower agrees only later: the status still says why not. */
START_TEST(quorum_withholds_late_agreement)
{
	struct sim	s;

	sim_init(&s);
	s.obs.quorum.required = true;
	s.obs.quorum.available = true;
	s.obs.quorum.needed = 2;
	s.obs.quorum.fresh = 3;
	s.obs.quorum.down = 1;
	round_(&s);
	set_cluster(&s.obs.leader, false);
	ck_assert_int_eq(rounds_quiet(&s, 4), FSM_STATE_LEADER_SUSPECT);
	ck_assert_ptr_nonnull(strstr(s.fsm.reason, "still reaches"));
	s.obs.link.probe_ok = TRI_NO;
	s.obs.link.remote_connected = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 4), FSM_STATE_LEADER_SUSPECT);
	ck_assert_ptr_nonnull(strstr(s.fsm.reason,
	    "1 of 3 watchers see the leader down, quorum 2"));
}
END_TEST

START_TEST(quorum_reason_at_threshold)
{
	struct sim	s;

	sim_init(&s);
	s.obs.quorum.required = true;
	s.obs.quorum.available = true;
	s.obs.quorum.needed = 2;
	s.obs.quorum.fresh = 3;
	s.obs.quorum.down = 1;
	round_(&s);
	leader_dies(&s);
	round_(&s);
	round_(&s);
	round_(&s);
	ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
	ck_assert(reason_has(&s, "1 of 3 watchers see the leader down, "
	    "quorum 2"));
}
END_TEST

/* etcd unreachable: no new action, even with every watcher agreeing. */
START_TEST(coordination_unavailable_never_promotes)
{
	struct sim	s;

	sim_init(&s);
	s.obs.quorum.required = true;
	s.obs.quorum.available = false;
	s.obs.quorum.needed = 1;
	s.obs.quorum.fresh = 1;
	s.obs.quorum.down = 1;
	round_(&s);
	leader_dies(&s);
	round_(&s);
	round_(&s);
	round_(&s);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_LEADER_SUSPECT);
	ck_assert(reason_has(&s, "coordination unavailable"));
	ck_assert_int_eq(rounds_quiet(&s, 4), FSM_STATE_LEADER_SUSPECT);
	s.obs.quorum.available = true;
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

/* A promotion pending for confirm waits for the quorum to start itself. */
START_TEST(quorum_holds_ungated_promotion)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_promote = true;
	s.obs.quorum.required = true;
	s.obs.quorum.available = true;
	s.obs.quorum.needed = 2;
	s.obs.quorum.fresh = 2;
	s.obs.quorum.down = 2;
	round_(&s);
	leader_dies(&s);
	round_(&s);
	round_(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	s.p.confirm_promote = false;
	s.obs.quorum.down = 1;
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_AWAITING_CONFIRMATION);
	s.obs.quorum.down = 2;
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

START_TEST(follower_reaching_leader_never_triggers)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.leader, false);
	s.obs.link.probe_ok = TRI_YES;
	ck_assert_int_eq(rounds_quiet(&s, 20), FSM_STATE_LEADER_SUSPECT);
	ck_assert(strstr(s.fsm.reason, "not lost: the follower still reaches "
	    "the leader") != NULL);
	/* A probe that answered beats every other sign. */
	s.obs.link.remote_connected = TRI_NO;
	s.obs.link.failed_reads_delta = 5;
	s.obs.link.max_since_last_read_ms = 60000;
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_LEADER_SUSPECT);
	leader_returns(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
}
END_TEST

/*
 * A partition only the daemon sees, where the follower's probe fails now
 * and then (the follower was busy): agreement must last failure_threshold
 * polls in a row, like the leader's failures.
 */
START_TEST(agreement_must_last)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.leader, false);
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_LEADER_SUSPECT);
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 1), FSM_STATE_LEADER_SUSPECT);
	s.obs.link.probe_ok = TRI_YES;
	ck_assert_int_eq(rounds_quiet(&s, 1), FSM_STATE_LEADER_SUSPECT);
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert_uint_eq(s.fsm.agreements, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert(reason_has(&s, "leader lost after 10 polls"));

	/* The follower agrees late: not lost at the threshold, says why. */
	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.leader, false);
	rounds_quiet(&s, 1);
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert(reason_has(&s, "leader unreachable for 3 polls, not lost: "
	    "the follower agrees for 2 polls of 3"));
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

/* Rounds until threshold with only the link facts given; true if promoted. */
static bool
lost_with_link(enum tri connected, enum tri probe, uint64_t failed,
    uint64_t exceptions, uint64_t since)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.leader, false);
	s.obs.link.remote_connected = connected;
	s.obs.link.probe_ok = probe;
	s.obs.link.failed_reads_delta = failed;
	s.obs.link.read_exceptions = exceptions;
	s.obs.link.max_since_last_read_ms = since;
	rounds_quiet(&s, 2);
	round_(&s);
	return (s.fsm.state == FSM_STATE_PROMOTING);
}

START_TEST(blackholed_leader_triggers)
{
	/* connected stays true, the probe fails. */
	ck_assert(lost_with_link(TRI_YES, TRI_NO, 0, 0, 500));
	/* The link is known down. */
	ck_assert(lost_with_link(TRI_NO, TRI_UNKNOWN, 0, 0, 500));
	/* No probe answer; reads fail and have aged past the stall bound. */
	ck_assert(lost_with_link(TRI_YES, TRI_UNKNOWN, 3, 0, 4001));
	ck_assert(lost_with_link(TRI_YES, TRI_UNKNOWN, 0, 2, 60000));
	/* Failing but fresh reads, or stale reads without failures: no. */
	ck_assert(!lost_with_link(TRI_YES, TRI_UNKNOWN, 3, 2, 4000));
	ck_assert(!lost_with_link(TRI_YES, TRI_UNKNOWN, 0, 0, 60000));
	/* Failures with an unknown age: no. */
	ck_assert(!lost_with_link(TRI_YES, TRI_UNKNOWN, 3, 2, UINT64_MAX));
}
END_TEST

START_TEST(unknown_agreement_no_promotion)
{
	struct sim	s;

	ck_assert(!lost_with_link(TRI_UNKNOWN, TRI_UNKNOWN, 0, 0,
	    UINT64_MAX));
	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.leader, false);
	s.obs.link.remote_connected = TRI_UNKNOWN;
	s.obs.link.probe_ok = TRI_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_LEADER_SUSPECT);
	ck_assert(strstr(s.fsm.reason, "no evidence") != NULL);
	/* Without the agreement rule the same rounds promote. */
	s.p.require_follower_agreement = false;
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
}
END_TEST

START_TEST(follower_down_is_degraded)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.follower, false);
	s.obs.link.remote_connected = TRI_UNKNOWN;
	s.obs.link.probe_ok = TRI_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_REPLICATING);
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert(has_event(&s, FSM_EVENT_DEGRADED));
	ck_assert(reason_has(&s, "follower cluster unreachable for 3 polls"));
	ck_assert(reason_has(&s, "connection refused"));
	ck_assert_uint_eq(s.fsm.follower_failures, 3);
	/* The leader dies too: still never a promotion, agreement or not. */
	set_cluster(&s.obs.leader, false);
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_DEGRADED);
	s.p.require_follower_agreement = false;
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_DEGRADED);
	ck_assert(!has_event(&s, FSM_EVENT_DEGRADED));
	/* Both back. */
	set_cluster(&s.obs.leader, true);
	set_cluster(&s.obs.follower, true);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert(reason_has(&s, "leader and follower answer"));
}
END_TEST

START_TEST(index_not_following_is_degraded)
{
	static const enum obs_follow_status bad[] = {
		OBS_FOLLOW_PAUSED, OBS_FOLLOW_NOT_FOLLOWER, OBS_FOLLOW_MISSING
	};
	static const char *const text[] = {
		"indices[0] paused", "indices[0] not a follower",
		"indices[0] missing"
	};
	struct sim	s;
	size_t		i;

	for (i = 0; i < 3; i++) {
		sim_init(&s);
		round_(&s);
		s.idx[0].follow = bad[i];
		ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
		ck_assert(has_event(&s, FSM_EVENT_DEGRADED));
		ck_assert(reason_has(&s, text[i]));
		ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
		/* A refusal or a second fault is no news for the status. */
		s.idx[1].fatal = true;
		round_(&s);
		ck_assert(!has_event(&s, FSM_EVENT_DEGRADED));
		ck_assert(strstr(s.fsm.reason, text[i]) != NULL);
		s.idx[1].fatal = false;
		s.idx[0].follow = OBS_FOLLOW_ACTIVE;
		ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	}
	/* _ccr/info unanswered proves nothing. */
	sim_init(&s);
	round_(&s);
	s.idx[0].follow = OBS_FOLLOW_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_REPLICATING);
	/* Leader lost meanwhile: gated like a fatal index. */
	s.idx[1].follow = OBS_FOLLOW_PAUSED;
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(reason_has(&s, "does not replicate"));
}
END_TEST

START_TEST(params_from_config)
{
	struct ccr_config	conf;
	struct fsm_params	p;

	memset(&conf, 0, sizeof conf);
	conf.failure_threshold = 4;
	conf.recovery_threshold = 5;
	conf.require_follower_agreement = true;
	conf.confirm_failback = true;
	conf.auto_failback = true;
	conf.poll_interval_ms = 1000;
	conf.request_timeout_ms = 2000;
	conf.failover_block_s = 3600;
	fsm_params_from_config(&conf, &p);
	ck_assert_int_eq(p.failure_threshold, 4);
	ck_assert_int_eq(p.recovery_threshold, 5);
	ck_assert(p.require_follower_agreement);
	ck_assert(!p.confirm_promote);
	ck_assert(p.confirm_failback);
	ck_assert(p.auto_failback);
	ck_assert_uint_eq(p.poll_interval_ms, 1000);
	ck_assert_uint_eq(p.request_timeout_ms, 2000);
	ck_assert_uint_eq(p.failover_block_ms, 3600000);
	conf.failover_block_s = UINT64_MAX / 10;
	fsm_params_from_config(&conf, &p);
	ck_assert_uint_eq(p.failover_block_ms, UINT64_MAX);
}
END_TEST

START_TEST(cut_link_is_degraded)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_REPLICATING);
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert(has_event(&s, FSM_EVENT_DEGRADED));
	ck_assert(reason_has(&s, "the follower cannot reach the leader for 3 "
	    "polls: the follower's probe of the leader failed"));
	ck_assert_uint_eq(s.fsm.link_failures, 3);
	s.obs.link.probe_ok = TRI_UNKNOWN;
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	/* Cut, then the leader dies: the normal, ungated promotion. */
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_DEGRADED);
	set_cluster(&s.obs.leader, false);
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert_uint_eq(s.fsm.link_failures, 0);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

START_TEST(fatal_exception_is_degraded)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	s.idx[1].fatal = true;
	s.idx[1].fatal_reason =
	    "illegal_state_exception: Unable to open any connections";
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert(has_event(&s, FSM_EVENT_DEGRADED));
	ck_assert(reason_has(&s, "indices[1] fatal: illegal_state_exception"));
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_DEGRADED);
	s.idx[1].fatal = false;
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	/* The poller names the follower index: so does the reason. */
	s.idx[1].name = "orders-copy";
	s.idx[1].fatal = true;
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert(reason_has(&s,
	    "index orders-copy fatal: illegal_state_exception"));
}
END_TEST

START_TEST(degraded_fatal_gates_promotion)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	s.idx[0].fatal = true;
	s.idx[0].fatal_reason = "history lost";
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	leader_dies(&s);
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_DEGRADED);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_PROMOTE);
	ck_assert(has_event(&s, FSM_EVENT_GATE_WAITING));
	ck_assert(reason_has(&s, "leader lost"));
	ck_assert(strstr(s.fsm.reason, "leader lost") != NULL);
	ck_assert_int_eq(rounds_quiet(&s, 5),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(s.out.confirmed);
}
END_TEST

START_TEST(confirm_promote_gate)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_promote = true;
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(has_event(&s, FSM_EVENT_GATE_WAITING));
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
	ck_assert_int_eq(s.out.pending, FSM_ACTION_PROMOTE);
	ck_assert(reason_has(&s, "confirm_promote"));
	ck_assert_int_eq(rounds_quiet(&s, 5),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_NONE);
	ck_assert(s.out.confirmed);
	ck_assert(has_event(&s, FSM_EVENT_PROMOTION_STARTED));
}
END_TEST

START_TEST(gate_abort_dismisses_episode)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_promote = true;
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_NONE);
	ck_assert(reason_has(&s, "pending promote aborted"));
	/* The same loss is not decided again... */
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_LEADER_SUSPECT);
	/* ...until the leader has been seen again. */
	leader_returns(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
}
END_TEST

START_TEST(gate_cancelled_by_evidence)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_promote = true;
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	/* The leader answers. */
	leader_returns(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_NONE);
	ck_assert(reason_has(&s, "cancelled: the leader answers again"));

	/* The follower reaches the leader after all. */
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	s.obs.link.probe_ok = TRI_YES;
	ck_assert_int_eq(round_(&s), FSM_STATE_LEADER_SUSPECT);
	ck_assert(reason_has(&s, "still reaches the leader"));

	/* The follower agrees again, for failure_threshold polls. */
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);

	/* The follower goes away. */
	set_cluster(&s.obs.follower, false);
	s.obs.link.probe_ok = TRI_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 2),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert_int_eq(s.fsm.pending, FSM_ACTION_NONE);

	/* Unknown agreement while waiting keeps the gate. */
	set_cluster(&s.obs.follower, true);
	s.obs.link.probe_ok = TRI_NO;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	s.obs.link.probe_ok = TRI_UNKNOWN;
	s.obs.link.remote_connected = TRI_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 5),
	    FSM_STATE_AWAITING_CONFIRMATION);
	/* The gate lifts when the config no longer asks for it. */
	s.p.confirm_promote = false;
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(!s.out.confirmed);
}
END_TEST

START_TEST(hold_blocks_automatic_not_forced)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_HOLD), 0);
	ck_assert(s.fsm.held);
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(rounds_quiet(&s, 1), FSM_STATE_LEADER_SUSPECT);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
	ck_assert(reason_has(&s, "held"));
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_LEADER_SUSPECT);
	/* Resume: the next round decides. */
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_RESUME), 0);
	ck_assert(!s.fsm.held);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_LEADER_SUSPECT);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);

	/* Forced promote works while held. */
	sim_init(&s);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_HOLD), 0);
	leader_dies(&s);
	rounds_quiet(&s, 5);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(s.out.confirmed);
	ck_assert(s.fsm.held);
}
END_TEST

START_TEST(hold_blocks_failback)
{
	struct sim	s;

	sim_init(&s);
	to_promoted(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_HOLD), 0);
	set_cluster(&s.obs.follower, true);
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_PROMOTED);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_BACK));
	ck_assert(reason_has(&s, "held"));
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_PROMOTED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_RESUME), 0);
	ck_assert_int_eq(round_(&s), FSM_STATE_FAILING_BACK);
	ck_assert_int_eq(s.out.action, FSM_ACTION_FAILBACK);
	ck_assert(!has_event(&s, FSM_EVENT_LEADER_BACK));
}
END_TEST

START_TEST(anti_flap_block)
{
	struct sim	s;

	sim_init(&s);
	to_promoted(&s);
	ck_assert(fsm_blocked(&s.fsm, s.now));
	/* Automatic failback. */
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	ck_assert_int_eq(done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert(!s.out.swap_roles);
	ck_assert(has_event(&s, FSM_EVENT_FAILBACK_FINISHED));
	ck_assert(fsm_blocked(&s.fsm, s.now));
	/* The roles stay swapped: the promoted side is the leader. */
	s.obs.link.probe_ok = TRI_YES;
	s.obs.link.remote_connected = TRI_YES;
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	/* Lost again inside the block: gated. */
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(reason_has(&s, "anti-flap block"));
	/* The block runs out (20 s): promotion goes on by itself. */
	while (fsm_blocked(&s.fsm, s.now + POLL_MS))
		ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert(!s.out.confirmed);
	ck_assert(reason_has(&s, "no longer gated"));
}
END_TEST

START_TEST(anti_flap_acknowledged_by_confirm)
{
	struct sim	s;

	sim_init(&s);
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE);
	ck_assert(fsm_blocked(&s.fsm, s.now));
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert(reason_has(&s, "anti-flap block acknowledged"));
	ck_assert(!fsm_blocked(&s.fsm, s.now));
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), -1);
	ck_assert(reason_has(&s, "nothing to confirm"));
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);

	/* Confirming the gate the block raised clears the block too. */
	sim_init(&s);
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert(!fsm_blocked(&s.fsm, s.now));
	/* A confirmed automatic promotion still arms the block. */
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE);
	ck_assert(fsm_blocked(&s.fsm, s.now));
}
END_TEST

START_TEST(forced_actions_arm_no_block)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert(!fsm_blocked(&s.fsm, s.now));
	sim_swap(&s);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), 0);
	ck_assert_int_eq(done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE), 0);
	ck_assert(!fsm_blocked(&s.fsm, s.now));
	/* Without a block length nothing is armed either. */
	sim_init(&s);
	s.p.failover_block_ms = 0;
	to_promoting(&s);
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE);
	ck_assert(!fsm_blocked(&s.fsm, s.now));
}
END_TEST

START_TEST(tilt_on_stall)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	s.now += 4000 - POLL_MS;
	round_(&s);
	ck_assert(!s.fsm.tilt);
	ck_assert_uint_eq(s.fsm.leader_ok, 2);
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_uint_eq(s.fsm.leader_failures, 2);
	/* The loop was stuck: 2 * 1000 + 2000 is the most a gap may be. */
	s.now += 4001 - POLL_MS;
	round_(&s);
	ck_assert(s.fsm.tilt);
	ck_assert(has_event(&s, FSM_EVENT_TILT_ENTER));
	ck_assert(reason_has(&s, "4001 ms since the previous poll"));
	ck_assert_uint_eq(s.fsm.leader_failures, 0);
	ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
	/* Clean rounds count but decide nothing until the third. */
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_LEADER_SUSPECT);
	ck_assert(s.fsm.tilt);
	ck_assert_uint_eq(s.fsm.leader_failures, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
	ck_assert(!s.fsm.tilt);
	ck_assert(has_event(&s, FSM_EVENT_TILT_EXIT));
	ck_assert(has_event(&s, FSM_EVENT_LEADER_LOST));
}
END_TEST

START_TEST(tilt_on_clock_going_back)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	round_(&s);
	s.now -= 5000;
	round_(&s);
	ck_assert(s.fsm.tilt);
	ck_assert(has_event(&s, FSM_EVENT_TILT_ENTER));
	ck_assert(reason_has(&s, "clock went back 4000 ms"));
	/* A second stall inside tilt restarts the count, no new event. */
	round_(&s);
	ck_assert_uint_eq(s.fsm.tilt_clean, 1);
	s.now += 10000;
	round_(&s);
	ck_assert(!has_event(&s, FSM_EVENT_TILT_ENTER));
	ck_assert_uint_eq(s.fsm.tilt_clean, 0);
	/* A state change waits for the end of tilt too. */
	s.idx[0].fatal = true;
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	ck_assert(has_event(&s, FSM_EVENT_TILT_EXIT));
	ck_assert(has_event(&s, FSM_EVENT_DEGRADED));
	ck_assert(!s.fsm.tilt);
}
END_TEST

START_TEST(tilt_still_takes_commands)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	s.now += 60000;
	round_(&s);
	ck_assert(s.fsm.tilt);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_SWITCHING_OVER);
	ck_assert_int_eq(done(&s, FSM_ACTION_SWITCHOVER, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
}
END_TEST

START_TEST(recovery_and_failback_gate)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_failback = true;
	to_promoted(&s);
	ck_assert_uint_eq(s.fsm.leader_failures, 0);
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);
	/* Reachable but red does not count. */
	set_cluster(&s.obs.follower, true);
	s.obs.follower.health = OBS_HEALTH_RED;
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);
	ck_assert_uint_eq(s.fsm.follower_healthy, 0);
	s.obs.follower.health = OBS_HEALTH_YELLOW;
	ck_assert_int_eq(rounds_quiet(&s, 2), FSM_STATE_PROMOTED);
	ck_assert(!has_event(&s, FSM_EVENT_LEADER_BACK));
	ck_assert_int_eq(round_(&s), FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_BACK));
	ck_assert(has_event(&s, FSM_EVENT_GATE_WAITING));
	ck_assert_int_eq(s.out.pending, FSM_ACTION_FAILBACK);
	ck_assert_int_eq(rounds_quiet(&s, 3),
	    FSM_STATE_AWAITING_CONFIRMATION);
	/* The old leader wobbles: the pending failback is cancelled. */
	set_cluster(&s.obs.follower, false);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTED);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_NONE);
	ck_assert(reason_has(&s, "pending failback cancelled"));
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_BACK));
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	ck_assert_int_eq(s.out.action, FSM_ACTION_FAILBACK);
	ck_assert(has_event(&s, FSM_EVENT_FAILBACK_STARTED));
	ck_assert_int_eq(done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert(!s.out.swap_roles);
}
END_TEST

START_TEST(failback_gate_abort_and_config)
{
	struct sim	s;

	sim_init(&s);
	s.p.confirm_failback = true;
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);
	/* Seen unhealthy then healthy again: a new episode. */
	set_cluster(&s.obs.follower, false);
	round_(&s);
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	/* The config drops the gate: failback goes on. */
	s.p.confirm_failback = false;
	ck_assert_int_eq(round_(&s), FSM_STATE_FAILING_BACK);
	ck_assert(!s.out.confirmed);
}
END_TEST

START_TEST(no_auto_failback)
{
	struct sim	s;

	sim_init(&s);
	s.p.auto_failback = false;
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert(has_event(&s, FSM_EVENT_LEADER_BACK));
	ck_assert(reason_has(&s, "auto_failback off"));
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	ck_assert_int_eq(s.out.action, FSM_ACTION_FAILBACK);
	ck_assert(s.out.confirmed);
}
END_TEST

START_TEST(promotion_swaps_roles)
{
	struct sim	s;

	sim_init(&s);
	to_promoting(&s);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert(s.out.swap_roles);
	ck_assert(has_event(&s, FSM_EVENT_PROMOTION_FINISHED));
	ck_assert_uint_eq(s.fsm.leader_failures, 0);
	ck_assert_uint_eq(s.fsm.follower_failures, 0);
	/* The new leader failing in PROMOTED decides nothing. */
	sim_swap(&s);
	set_cluster(&s.obs.leader, false);
	ck_assert_int_eq(rounds_quiet(&s, 10), FSM_STATE_PROMOTED);
	ck_assert_uint_eq(s.fsm.leader_failures, 10);
}
END_TEST

START_TEST(switchover_preconditions)
{
	struct sim	s;

	/* Nothing seen yet. */
	sim_init(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	/* Both up. */
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_SWITCHING_OVER);
	ck_assert_int_eq(s.out.action, FSM_ACTION_SWITCHOVER);
	ck_assert(has_event(&s, FSM_EVENT_SWITCHOVER_STARTED));
	ck_assert_int_eq(rounds_quiet(&s, 3), FSM_STATE_SWITCHING_OVER);
	ck_assert_int_eq(done(&s, FSM_ACTION_SWITCHOVER, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert(s.out.swap_roles);
	ck_assert(has_event(&s, FSM_EVENT_SWITCHOVER_FINISHED));
	ck_assert(!fsm_blocked(&s.fsm, s.now));
	/* Leader down. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
	ck_assert(reason_has(&s, "switchover rejected"));
	/* Follower down (still REPLICATING). */
	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.follower, false);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
	ck_assert(reason_has(&s, "follower did not answer"));
	/* A fatal follower index. */
	sim_init(&s);
	s.idx[1].fatal = true;
	round_(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
}
END_TEST

START_TEST(failure_and_recovery)
{
	struct sim	s;

	/* Promotion fails, is retried, fails again, is given up. */
	sim_init(&s);
	to_promoting(&s);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_FAILED), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILED);
	ck_assert(has_event(&s, FSM_EVENT_ACTION_FAILED));
	ck_assert(reason_has(&s, "promote failed: index_x: boom"));
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), -1);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), -1);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);
	ck_assert(reason_has(&s, "retrying promote"));
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert_int_eq(s.fsm.action, FSM_ACTION_NONE);
	/* Given up: the dead leader is not promoted again by itself. */
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_LEADER_SUSPECT);

	/* A retried automatic promotion is still automatic: block armed. */
	sim_init(&s);
	to_promoting(&s);
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert(fsm_blocked(&s.fsm, s.now));

	/* Failback fails; retry, then abort returns to PROMOTED. */
	sim_init(&s);
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_FAILED);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), -1);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);

	/* Switchover fails and is retried. */
	sim_init(&s);
	round_(&s);
	cmd(&s, FSM_COMMAND_SWITCHOVER);
	done(&s, FSM_ACTION_SWITCHOVER, FSM_RESULT_FAILED);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_SWITCHING_OVER);
	done(&s, FSM_ACTION_SWITCHOVER, FSM_RESULT_FAILED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
}
END_TEST

START_TEST(engine_gates)
{
	struct sim	s;

	/* The pre_promote hook vetoes: wait, no automatic retry. */
	sim_init(&s);
	to_promoting(&s);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE,
	    FSM_RESULT_NEEDS_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_PROMOTE);
	ck_assert(has_event(&s, FSM_EVENT_GATE_WAITING));
	ck_assert(reason_has(&s, "promote waits for confirm: index_x"));
	ck_assert_int_eq(rounds_quiet(&s, 5),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
	ck_assert(s.out.confirmed);

	/* Vetoed, then the leader answers: cancelled. */
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_NEEDS_CONFIRM);
	leader_returns(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
	ck_assert_int_eq(s.fsm.action, FSM_ACTION_NONE);
	ck_assert(!s.fsm.pending_engine);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_CONFIRM), -1);

	/* A divergent old leader holds the failback; abort keeps PROMOTED. */
	sim_init(&s);
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	ck_assert_int_eq(done(&s, FSM_ACTION_FAILBACK,
	    FSM_RESULT_NEEDS_CONFIRM), 0);
	ck_assert_int_eq(s.out.pending, FSM_ACTION_FAILBACK);
	ck_assert_int_eq(rounds_quiet(&s, 3),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_FAILING_BACK);
	ck_assert(s.out.confirmed);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_NEEDS_CONFIRM);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_PROMOTED);
}
END_TEST

START_TEST(stale_reports_rejected)
{
	struct sim	s;

	sim_init(&s);
	round_(&s);
	ck_assert_int_eq(done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_DONE), -1);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	ck_assert(!s.out.changed);
	ck_assert(reason_has(&s, "no promote is running"));
	ck_assert(strstr(s.fsm.reason, "running") == NULL);
	to_promoting(&s);
	ck_assert_int_eq(done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE), -1);
	ck_assert_int_eq(done(&s, FSM_ACTION_NONE, FSM_RESULT_DONE), -1);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTING);
}
END_TEST

START_TEST(restore_resumes_actions)
{
	static const struct {
		enum fsm_state	state;
		enum fsm_action	action;
	} cases[] = {
		{ FSM_STATE_PROMOTING, FSM_ACTION_PROMOTE },
		{ FSM_STATE_FAILING_BACK, FSM_ACTION_FAILBACK },
		{ FSM_STATE_SWITCHING_OVER, FSM_ACTION_SWITCHOVER },
		{ FSM_STATE_PROMOTED, FSM_ACTION_NONE },
		{ FSM_STATE_REPLICATING, FSM_ACTION_NONE }
	};
	struct fsm		f;
	struct fsm_saved	sv;
	struct fsm_output	out;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&sv, 0, sizeof sv);
		sv.state = cases[i].state;
		sv.action_touched = true;
		ck_assert_int_eq(fsm_restore(&f, &sv, 5000, &out), 0);
		ck_assert_int_eq(f.state, cases[i].state);
		ck_assert_int_eq(out.new_state, cases[i].state);
		ck_assert_int_eq(out.action, cases[i].action);
		ck_assert_int_eq(out.events, 0);
		ck_assert_int_eq(f.state_since_ms, 5000);
	}
}
END_TEST

START_TEST(save_restore_round_trip)
{
	struct sim		s;
	struct fsm		f;
	struct fsm_saved	sv;
	struct fsm_output	out;

	/* A gate raised by the block, held, saved mid-block. */
	sim_init(&s);
	to_promoted(&s);
	old_leader_healthy(&s, 3);
	done(&s, FSM_ACTION_FAILBACK, FSM_RESULT_DONE);
	cmd(&s, FSM_COMMAND_HOLD);
	cmd(&s, FSM_COMMAND_RESUME);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	cmd(&s, FSM_COMMAND_HOLD);
	fsm_save(&s.fsm, s.now, &sv);
	ck_assert_str_eq(fsm_state_name(sv.state), "AWAITING_CONFIRMATION");
	ck_assert_int_eq(sv.pending, FSM_ACTION_PROMOTE);
	ck_assert_int_eq(sv.pending_from, FSM_STATE_LEADER_SUSPECT);
	ck_assert(sv.held);
	ck_assert_uint_eq(sv.block_left_ms, s.fsm.block_until_ms - s.now);

	/* Restart on a clock that starts elsewhere. */
	ck_assert_int_eq(fsm_restore(&f, &sv, 7, &out), 0);
	ck_assert_int_eq(out.pending, FSM_ACTION_PROMOTE);
	ck_assert_int_eq(out.action, FSM_ACTION_NONE);
	ck_assert(f.held);
	ck_assert(fsm_blocked(&f, 7 + sv.block_left_ms - 1));
	ck_assert(!fsm_blocked(&f, 7 + sv.block_left_ms));
	ck_assert_str_eq(f.reason, s.fsm.reason);
	/* Empty counters after the restart do not cancel the gate. */
	s.fsm = f;
	s.now = 7;
	s.obs.link.probe_ok = TRI_UNKNOWN;
	s.obs.link.remote_connected = TRI_UNKNOWN;
	ck_assert_int_eq(rounds_quiet(&s, 3),
	    FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_LEADER_SUSPECT);

	/* A failed action keeps what failed across the restart. */
	sim_init(&s);
	to_promoting(&s);
	done(&s, FSM_ACTION_PROMOTE, FSM_RESULT_FAILED);
	fsm_save(&s.fsm, s.now, &sv);
	ck_assert_int_eq(sv.action, FSM_ACTION_PROMOTE);
	ck_assert_int_eq(sv.block_left_ms, 0);
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), 0);
	ck_assert_int_eq(out.action, FSM_ACTION_NONE);
	ck_assert_int_eq(fsm_command(&f, FSM_COMMAND_PROMOTE, 2, &out), 0);
	ck_assert_int_eq(out.action, FSM_ACTION_PROMOTE);

	/* A dismissed episode stays dismissed across the restart. */
	sim_init(&s);
	s.p.confirm_promote = true;
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_ABORT), 0);
	fsm_save(&s.fsm, s.now, &sv);
	ck_assert(sv.dismissed);
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), 0);
	s.fsm = f;
	s.now = 1;
	ck_assert_int_eq(rounds_quiet(&s, 5), FSM_STATE_LEADER_SUSPECT);
}
END_TEST

START_TEST(restore_rejects_nonsense)
{
	struct fsm		f;
	struct fsm_saved	sv;
	struct fsm_output	out;

	memset(&sv, 0, sizeof sv);
	sv.state = FSM_STATE_MAX;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);
	ck_assert_int_eq(f.state, FSM_STATE_REPLICATING);
	ck_assert(strstr(out.reason, "unknown state") != NULL);

	memset(&sv, 0, sizeof sv);
	sv.state = FSM_STATE_AWAITING_CONFIRMATION;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);
	sv.pending = FSM_ACTION_FAILBACK;
	sv.pending_from = FSM_STATE_REPLICATING;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);
	sv.pending_from = FSM_STATE_PROMOTED;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), 0);

	memset(&sv, 0, sizeof sv);
	sv.state = FSM_STATE_REPLICATING;
	sv.pending = FSM_ACTION_PROMOTE;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);

	memset(&sv, 0, sizeof sv);
	sv.state = FSM_STATE_FAILED;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);
	sv.action = FSM_ACTION_MAX;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), -1);
	sv.action = FSM_ACTION_FAILBACK;
	ck_assert_int_eq(fsm_restore(&f, &sv, 1, &out), 0);
	ck_assert_int_eq(f.action, FSM_ACTION_FAILBACK);
}
END_TEST

/* Bring a fresh machine into state st (block disabled). */
static void
sim_reach(struct sim *s, enum fsm_state st)
{
	sim_init(s);
	s->p.failover_block_ms = 0;
	switch (st) {
	case FSM_STATE_REPLICATING:
		round_(s);
		break;
	case FSM_STATE_LEADER_SUSPECT:
		round_(s);
		leader_dies(s);
		round_(s);
		break;
	case FSM_STATE_AWAITING_CONFIRMATION:
		s->p.confirm_promote = true;
		round_(s);
		leader_dies(s);
		rounds_quiet(s, 3);
		break;
	case FSM_STATE_PROMOTING:
		to_promoting(s);
		break;
	case FSM_STATE_PROMOTED:
		to_promoted(s);
		set_cluster(&s->obs.follower, true);
		round_(s);
		break;
	case FSM_STATE_FAILING_BACK:
		to_promoted(s);
		old_leader_healthy(s, 3);
		break;
	case FSM_STATE_SWITCHING_OVER:
		round_(s);
		ck_assert_int_eq(cmd(s, FSM_COMMAND_SWITCHOVER), 0);
		break;
	case FSM_STATE_DEGRADED:
		s->idx[0].fatal = true;
		round_(s);
		break;
	case FSM_STATE_FAILED:
		to_promoting(s);
		done(s, FSM_ACTION_PROMOTE, FSM_RESULT_FAILED);
		break;
	default:
		ck_abort();
	}
	ck_assert_int_eq(s->fsm.state, st);
}

/*
 * Every command in every state: the state after it, or -1 for rejected.
 * Columns: confirm, abort, hold, resume, promote, failback, switchover.
 */
/* Whether a rejected command left the machine as it was. */
static bool
same_fsm(const struct fsm *a, const struct fsm *b)
{
	return (a->state == b->state &&
	    a->state_since_ms == b->state_since_ms &&
	    a->pending == b->pending && a->action == b->action &&
	    a->held == b->held && a->dismissed == b->dismissed &&
	    a->forced == b->forced && a->block_until_ms == b->block_until_ms);
}

#define R	-1
static const int command_table[FSM_STATE_MAX][FSM_COMMAND_MAX] = {
	[FSM_STATE_REPLICATING] = { R, R, FSM_STATE_REPLICATING,
	    FSM_STATE_REPLICATING, FSM_STATE_PROMOTING, R,
	    FSM_STATE_SWITCHING_OVER,
	    FSM_STATE_REPLICATING },
	[FSM_STATE_LEADER_SUSPECT] = { R, R, FSM_STATE_LEADER_SUSPECT,
	    FSM_STATE_LEADER_SUSPECT, FSM_STATE_PROMOTING, R, R,
	    FSM_STATE_LEADER_SUSPECT },
	[FSM_STATE_AWAITING_CONFIRMATION] = { FSM_STATE_PROMOTING,
	    FSM_STATE_LEADER_SUSPECT, FSM_STATE_AWAITING_CONFIRMATION,
	    FSM_STATE_AWAITING_CONFIRMATION, FSM_STATE_PROMOTING, R, R,
	    FSM_STATE_AWAITING_CONFIRMATION },
	[FSM_STATE_PROMOTING] = { R, R, FSM_STATE_PROMOTING,
	    FSM_STATE_PROMOTING, R, R, R,
	    FSM_STATE_PROMOTING },
	[FSM_STATE_PROMOTED] = { R, R, FSM_STATE_PROMOTED,
	    FSM_STATE_PROMOTED, R, FSM_STATE_FAILING_BACK, R,
	    FSM_STATE_PROMOTED },
	[FSM_STATE_FAILING_BACK] = { R, R, FSM_STATE_FAILING_BACK,
	    FSM_STATE_FAILING_BACK, R, R, R,
	    FSM_STATE_FAILING_BACK },
	[FSM_STATE_SWITCHING_OVER] = { R, R, FSM_STATE_SWITCHING_OVER,
	    FSM_STATE_SWITCHING_OVER, R, R, R,
	    FSM_STATE_SWITCHING_OVER },
	[FSM_STATE_DEGRADED] = { R, R, FSM_STATE_DEGRADED,
	    FSM_STATE_DEGRADED, FSM_STATE_PROMOTING, R, R,
	    FSM_STATE_DEGRADED },
	[FSM_STATE_FAILED] = { R, FSM_STATE_REPLICATING, FSM_STATE_FAILED,
	    FSM_STATE_FAILED, FSM_STATE_PROMOTING, R, R,
	    FSM_STATE_FAILED },
};
#undef R

START_TEST(every_command_in_every_state)
{
	struct sim		s;
	struct fsm		before;
	enum fsm_state		st;
	enum fsm_command	c;
	int			want, rc;

	sim_reach(&s, FSM_STATE_REPLICATING);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_MAX), -1);
	ck_assert(reason_has(&s, "unknown command"));

	for (st = 0; st < FSM_STATE_MAX; st++) {
		for (c = 0; c < FSM_COMMAND_MAX; c++) {
			sim_reach(&s, st);
			before = s.fsm;
			want = command_table[st][c];
			rc = cmd(&s, c);
			ck_assert_msg(rc == (want == -1 ? -1 : 0),
			    "%s in %s: rc %d (%s)", fsm_command_name(c),
			    fsm_state_name(st), rc, s.out.reason);
			ck_assert(s.out.reason[0] != '\0');
			if (want == -1) {
				ck_assert(same_fsm(&before, &s.fsm));
				ck_assert_str_eq(before.reason, s.fsm.reason);
				ck_assert_int_eq(s.out.action,
				    FSM_ACTION_NONE);
				continue;
			}
			ck_assert_msg(s.fsm.state == (enum fsm_state)want,
			    "%s in %s gave %s", fsm_command_name(c),
			    fsm_state_name(st), fsm_state_name(s.fsm.state));
			ck_assert_int_eq(s.fsm.held, c == FSM_COMMAND_HOLD);
			if (s.fsm.state != st &&
			    s.fsm.state != FSM_STATE_LEADER_SUSPECT &&
			    s.fsm.state != FSM_STATE_REPLICATING)
				ck_assert_int_ne(s.out.action,
				    FSM_ACTION_NONE);
		}
	}
}
END_TEST

START_TEST(forced_promote_needs_follower)
{
	struct sim	s;

	/* DEGRADED because the follower is down: nothing to promote. */
	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.follower, false);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), -1);
	ck_assert(reason_has(&s, "follower did not answer"));
	/* PROMOTED with the old leader down: no failback. */
	sim_init(&s);
	to_promoted(&s);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), -1);
	ck_assert(reason_has(&s, "old leader did not answer"));
}
END_TEST

START_TEST(thresholds_below_one_count_as_one)
{
	struct sim	s;

	sim_init(&s);
	s.p.failure_threshold = 0;
	round_(&s);
	leader_dies(&s);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST


/* n rounds with the leader dead; none may start an action. */
static void
dead_rounds_quiet(struct sim *s, int n)
{
	while (n-- > 0) {
		round_(s);
		ck_assert_int_eq(s->out.action, FSM_ACTION_NONE);
		ck_assert_int_ne(s->fsm.state, FSM_STATE_PROMOTING);
		ck_assert_int_ne(s->fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	}
}

START_TEST(unlisted_remote_never_agrees)
{
	struct sim	s;

	/* A node without remote_cluster_client: _remote/info is {}. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	s.obs.link.remote_listed = TRI_NO;
	s.obs.link.remote_connected = TRI_UNKNOWN;
	s.obs.link.probe_ok = TRI_UNKNOWN;
	s.obs.link.failed_reads_delta = 5;
	s.obs.link.read_exceptions = 1;
	s.obs.link.max_since_last_read_ms = 60000;
	dead_rounds_quiet(&s, 10);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert(strstr(s.fsm.reason, "_remote/info") != NULL);
	ck_assert(strstr(s.fsm.reason, "remote_cluster_client") != NULL);
	/* The operator still may. */
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);
	ck_assert_int_eq(s.out.action, FSM_ACTION_PROMOTE);

	/* The same with agreement not required: degraded, never promoted
	 * by the machine's own judgement of the follower either. */
	sim_init(&s);
	round_(&s);
	s.obs.link.remote_listed = TRI_NO;
	ck_assert_int_eq(round_(&s), FSM_STATE_DEGRADED);
	s.obs.link.remote_listed = TRI_YES;
	ck_assert_int_eq(round_(&s), FSM_STATE_REPLICATING);
}
END_TEST

START_TEST(probe_error_is_not_agreement)
{
	struct sim	s;

	/* The remote rejected the follower's credentials: connected false
	 * with an error. The link being down otherwise proves nothing. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	s.obs.link.probe_ok = TRI_UNKNOWN;
	s.obs.link.probe_rejected = true;
	snprintf(s.obs.link.probe_error, sizeof s.obs.link.probe_error,
	    "security_exception: unable to authenticate user [ccr]");
	dead_rounds_quiet(&s, 10);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_LEADER_SUSPECT);
	ck_assert(strstr(s.fsm.reason, "something answered") != NULL);
	/* The timeout form is a real "no": promotion goes on. */
	s.obs.link.probe_rejected = false;
	s.obs.link.probe_ok = TRI_NO;
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

START_TEST(working_replication_vetoes_agreement)
{
	struct sim	s;
	uint64_t	first;

	/* Counters advancing between samples taken after the first failure. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	round_(&s);
	first = s.now;
	s.obs.link.reads_advanced_after_ms = first + 10;
	dead_rounds_quiet(&s, 8);
	ck_assert(strstr(s.fsm.reason, "still replicates") != NULL);
	s.obs.link.reads_advanced_after_ms = 0;
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);

	/* An advance from a sample taken before the failure is history. */
	sim_init(&s);
	round_(&s);
	s.obs.link.reads_advanced_after_ms = s.now - 500;
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);

	/* A clean read sent after the first failure: replication works. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	round_(&s);
	s.obs.link.clean_read_sent_ms = s.now + 1;
	dead_rounds_quiet(&s, 8);
	/* One sent before it (the read hanging in a blackhole) is not. */
	s.obs.link.clean_read_sent_ms = 1;
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);

	/* Working replication also vetoes a "cut link" degradation. */
	sim_init(&s);
	round_(&s);
	s.obs.link.probe_ok = TRI_NO;
	s.obs.link.clean_read_sent_ms = s.now;
	rounds_quiet(&s, 5);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
}
END_TEST

START_TEST(refusals_are_alive)
{
	struct sim	s;

	/* The leader answers 401: never lost, degraded with the reason. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	s.obs.leader.denial = OBS_DENIAL_CREDENTIALS;
	snprintf(s.obs.leader.denied, sizeof s.obs.leader.denied,
	    "credentials rejected");
	dead_rounds_quiet(&s, 10);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert_uint_eq(s.fsm.leader_failures, 0);
	ck_assert(strstr(s.fsm.reason, "credentials rejected") != NULL);

	/* The follower answers 403 on its stats: no agreement from it. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	s.obs.follower.denial = OBS_DENIAL_PRIVILEGE;
	snprintf(s.obs.follower.denied, sizeof s.obs.follower.denied,
	    "privilege missing: cluster:monitor/ccr/stats");
	dead_rounds_quiet(&s, 10);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert(strstr(s.fsm.reason,
	    "privilege missing: cluster:monitor/ccr/stats") != NULL);
	/* Even without agreement required. */
	s.p.require_follower_agreement = false;
	dead_rounds_quiet(&s, 5);

	/* A follower refusing everything is not "unreachable" either. */
	sim_init(&s);
	round_(&s);
	set_cluster(&s.obs.follower, false);
	s.obs.follower.denial = OBS_DENIAL_CREDENTIALS;
	snprintf(s.obs.follower.denied, sizeof s.obs.follower.denied,
	    "credentials rejected");
	rounds_quiet(&s, 5);
	ck_assert_uint_eq(s.fsm.follower_failures, 0);
	ck_assert(strstr(s.fsm.reason, "credentials rejected") != NULL);

	/* A pending promotion is cancelled by a leader that refuses us. */
	sim_init(&s);
	s.p.confirm_promote = true;
	round_(&s);
	leader_dies(&s);
	rounds_quiet(&s, 3);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	s.obs.leader.denial = OBS_DENIAL_CREDENTIALS;
	round_(&s);
	ck_assert_int_ne(s.fsm.state, FSM_STATE_AWAITING_CONFIRMATION);
	ck_assert_int_eq(s.fsm.pending, FSM_ACTION_NONE);
}
END_TEST

START_TEST(identity_change_stops_actions)
{
	struct sim	s;

	/* The follower url now answers as another cluster. */
	sim_init(&s);
	round_(&s);
	leader_dies(&s);
	s.obs.follower.identity_changed = true;
	snprintf(s.obs.follower.identity, sizeof s.obs.follower.identity,
	    "http://b answers as cluster_uuid X, pinned Y");
	dead_rounds_quiet(&s, 6);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert(strstr(s.fsm.reason, "identity changed") != NULL);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), -1);
	ck_assert(reason_has(&s, "reset-identity"));
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_RESET_IDENTITY), 0);
	ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_PROMOTE), 0);

	/* The leader url swapped: never lost, no failback to it either. */
	sim_init(&s);
	round_(&s);
	s.obs.leader.identity_changed = true;
	snprintf(s.obs.leader.identity, sizeof s.obs.leader.identity,
	    "http://a answers as cluster_uuid X, pinned Y");
	s.obs.link.probe_ok = TRI_NO;
	s.obs.link.remote_connected = TRI_NO;
	rounds_quiet(&s, 6);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_DEGRADED);
	ck_assert_uint_eq(s.fsm.leader_failures, 0);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_SWITCHOVER), -1);
	ck_assert(reason_has(&s, "identity changed"));

	sim_init(&s);
	to_promoted(&s);
	s.obs.follower.identity_changed = true;
	old_leader_healthy(&s, 6);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_PROMOTED);
	ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
	ck_assert_int_eq(cmd(&s, FSM_COMMAND_FAILBACK), -1);
}
END_TEST

START_TEST(restore_redecides_untouched_actions)
{
	static const struct {
		enum fsm_state	state;
		enum fsm_state	back;
	} cases[] = {
		{ FSM_STATE_PROMOTING, FSM_STATE_REPLICATING },
		{ FSM_STATE_FAILING_BACK, FSM_STATE_PROMOTED },
		{ FSM_STATE_SWITCHING_OVER, FSM_STATE_REPLICATING }
	};
	struct sim		s;
	struct fsm_saved	sv;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&sv, 0, sizeof sv);
		sv.state = cases[i].state;
		sv.forced = true;
		ck_assert_int_eq(fsm_restore(&s.fsm, &sv, 5000, &s.out), 0);
		ck_assert_int_eq(s.fsm.state, cases[i].back);
		ck_assert_int_eq(s.out.action, FSM_ACTION_NONE);
		ck_assert_int_eq(s.fsm.action, FSM_ACTION_NONE);
		ck_assert(reason_has(&s, "deciding afresh"));
	}

	/* Killed while pre_promote ran; the leader is back: nothing. */
	sim_init(&s);
	memset(&sv, 0, sizeof sv);
	sv.state = FSM_STATE_PROMOTING;
	ck_assert_int_eq(fsm_restore(&s.fsm, &sv, s.now, &s.out), 0);
	rounds_quiet(&s, 10);
	ck_assert_int_eq(s.fsm.state, FSM_STATE_REPLICATING);
	/* Still dead after the restart: decided again, from scratch. */
	sim_init(&s);
	ck_assert_int_eq(fsm_restore(&s.fsm, &sv, s.now, &s.out), 0);
	leader_dies(&s);
	rounds_quiet(&s, 2);
	ck_assert_int_eq(round_(&s), FSM_STATE_PROMOTING);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fsm");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, below_threshold_never_triggers);
	tcase_add_test(tc, threshold_with_agreement_promotes);
	tcase_add_test(tc, quorum_gates_leader_lost);
	tcase_add_test(tc, quorum_reason_at_threshold);
	tcase_add_test(tc, quorum_withholds_late_agreement);
	tcase_add_test(tc, coordination_unavailable_never_promotes);
	tcase_add_test(tc, quorum_holds_ungated_promotion);
	tcase_add_test(tc, follower_reaching_leader_never_triggers);
	tcase_add_test(tc, agreement_must_last);
	tcase_add_test(tc, blackholed_leader_triggers);
	tcase_add_test(tc, unknown_agreement_no_promotion);
	tcase_add_test(tc, follower_down_is_degraded);
	tcase_add_test(tc, fatal_exception_is_degraded);
	tcase_add_test(tc, cut_link_is_degraded);
	tcase_add_test(tc, index_not_following_is_degraded);
	tcase_add_test(tc, params_from_config);
	tcase_add_test(tc, degraded_fatal_gates_promotion);
	tcase_add_test(tc, confirm_promote_gate);
	tcase_add_test(tc, gate_abort_dismisses_episode);
	tcase_add_test(tc, gate_cancelled_by_evidence);
	tcase_add_test(tc, hold_blocks_automatic_not_forced);
	tcase_add_test(tc, hold_blocks_failback);
	tcase_add_test(tc, anti_flap_block);
	tcase_add_test(tc, anti_flap_acknowledged_by_confirm);
	tcase_add_test(tc, forced_actions_arm_no_block);
	tcase_add_test(tc, tilt_on_stall);
	tcase_add_test(tc, tilt_on_clock_going_back);
	tcase_add_test(tc, tilt_still_takes_commands);
	tcase_add_test(tc, recovery_and_failback_gate);
	tcase_add_test(tc, failback_gate_abort_and_config);
	tcase_add_test(tc, no_auto_failback);
	tcase_add_test(tc, promotion_swaps_roles);
	tcase_add_test(tc, switchover_preconditions);
	tcase_add_test(tc, failure_and_recovery);
	tcase_add_test(tc, engine_gates);
	tcase_add_test(tc, stale_reports_rejected);
	tcase_add_test(tc, restore_resumes_actions);
	tcase_add_test(tc, save_restore_round_trip);
	tcase_add_test(tc, restore_rejects_nonsense);
	tcase_add_test(tc, every_command_in_every_state);
	tcase_add_test(tc, forced_promote_needs_follower);
	tcase_add_test(tc, thresholds_below_one_count_as_one);
	tcase_add_test(tc, unlisted_remote_never_agrees);
	tcase_add_test(tc, probe_error_is_not_agreement);
	tcase_add_test(tc, working_replication_vetoes_agreement);
	tcase_add_test(tc, refusals_are_alive);
	tcase_add_test(tc, identity_change_stops_actions);
	tcase_add_test(tc, restore_redecides_untouched_actions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
