/*
 * The failover state machine: a pure function of observations, operator
 * commands, action results and time. It performs no I/O, reads no clock,
 * allocates nothing and logs nothing; the daemon feeds it and carries out
 * what each call's struct fsm_output asks for. fsm.c opens with the states,
 * the transitions and the follower agreement rule.
 */
#ifndef CCR_FSM_H
#define CCR_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


struct ccr_config;
struct observation;

enum fsm_state {
	FSM_STATE_REPLICATING,
	FSM_STATE_LEADER_SUSPECT,
	FSM_STATE_AWAITING_CONFIRMATION,
	FSM_STATE_PROMOTING,
	FSM_STATE_PROMOTED,
	FSM_STATE_FAILING_BACK,
	FSM_STATE_SWITCHING_OVER,
	FSM_STATE_DEGRADED,
	FSM_STATE_FAILED,
	FSM_STATE_MAX
};

/* What the action engine runs; also what a gate holds in "pending". */
enum fsm_action {
	FSM_ACTION_NONE,
	FSM_ACTION_PROMOTE,
	FSM_ACTION_FAILBACK,
	FSM_ACTION_SWITCHOVER,
	FSM_ACTION_MAX
};

/* Operator commands, named as in the control file. */
enum fsm_command {
	FSM_COMMAND_CONFIRM,
	FSM_COMMAND_ABORT,
	FSM_COMMAND_HOLD,
	FSM_COMMAND_RESUME,
	FSM_COMMAND_PROMOTE,
	FSM_COMMAND_FAILBACK,
	FSM_COMMAND_SWITCHOVER,
	FSM_COMMAND_RESET_IDENTITY,	/* the daemon re-pins; fsm notes it */
	FSM_COMMAND_MAX
};

/* How an action ended, as the action engine reports it. */
enum fsm_result {
	FSM_RESULT_DONE,
	FSM_RESULT_FAILED,		/* stopped; clusters need an operator */
	FSM_RESULT_NEEDS_CONFIRM,	/* paused (veto hook, divergence) */
	FSM_RESULT_MAX
};

/* Events for the daemon to log; fsm_output.events holds FSM_EVENT_BIT()s. */
enum fsm_event {
	FSM_EVENT_LEADER_SUSPECT,
	FSM_EVENT_LEADER_LOST,
	FSM_EVENT_LEADER_BACK,
	FSM_EVENT_GATE_WAITING,
	FSM_EVENT_DEGRADED,
	FSM_EVENT_TILT_ENTER,
	FSM_EVENT_TILT_EXIT,
	FSM_EVENT_PROMOTION_STARTED,
	FSM_EVENT_PROMOTION_FINISHED,
	FSM_EVENT_FAILBACK_STARTED,
	FSM_EVENT_FAILBACK_FINISHED,
	FSM_EVENT_SWITCHOVER_STARTED,
	FSM_EVENT_SWITCHOVER_FINISHED,
	FSM_EVENT_ACTION_FAILED,
	FSM_EVENT_MAX
};
#define FSM_EVENT_BIT(e)	(1U << (e))

/* Clean rounds that end a tilt. */
#define FSM_TILT_ROUNDS		3

#define FSM_REASON_LEN		384

/* The configuration the machine decides by (from struct ccr_config). */
struct fsm_params {
	int		 failure_threshold;	/* < 1 counts as 1 */
	int		 recovery_threshold;	/* < 1 counts as 1 */
	bool		 require_follower_agreement;
	bool		 confirm_promote;
	bool		 confirm_failback;
	bool		 auto_failback;
	uint64_t	 poll_interval_ms;
	uint64_t	 request_timeout_ms;
	uint64_t	 failover_block_ms;	/* 0: no anti-flap block */
};

/* What one call decided. */
struct fsm_output {
	enum fsm_state	 old_state;
	enum fsm_state	 new_state;
	bool		 changed;	/* new_state != old_state */
	enum fsm_action	 action;	/* start (or resume) this now */
	bool		 confirmed;	/* the operator approved the action */
	bool		 swap_roles;	/* leader and follower trade roles */
	enum fsm_action	 pending;	/* the gated action, after the call */
	unsigned int	 events;	/* FSM_EVENT_BIT() mask */
	char		 reason[FSM_REASON_LEN];
};

/* What the state file keeps across a restart. */
struct fsm_saved {
	enum fsm_state	 state;
	enum fsm_action	 pending;	/* AWAITING_CONFIRMATION only */
	enum fsm_state	 pending_from;	/* where abort returns */
	bool		 pending_engine; /* the engine raised the gate */
	enum fsm_action	 action;	/* FAILED: the action that failed */
	bool		 forced;	/* running action was commanded */
	bool		 held;
	bool		 dismissed;	/* operator aborted this episode */
	uint64_t	 block_left_ms;	/* anti-flap block still to run */
	char		 reason[FSM_REASON_LEN];
	/*
	 * Not kept by the machine: whether the running action has sent a
	 * mutating request (the engine's record says). One that has not is
	 * decided afresh after a restart instead of resumed.
	 */
	bool		 action_touched;
};

/*
 * The machine. Embed it; read the fields for the status file, but change
 * them only through the functions below.
 */
struct fsm {
	enum fsm_state	 state;
	uint64_t	 state_since_ms;
	enum fsm_action	 pending;
	enum fsm_state	 pending_from;
	bool		 pending_engine;
	enum fsm_action	 action;	/* running, or failed in FAILED */
	bool		 forced;
	bool		 held;
	bool		 dismissed;
	uint64_t	 block_until_ms; /* 0: no anti-flap block */

	bool		 tilt;
	unsigned int	 tilt_clean;
	bool		 have_last;
	uint64_t	 last_ms;	/* time of the previous round */

	/* Counters by current role, reset when roles swap or on tilt. */
	uint64_t	 leader_failing_since_ms; /* first failed round */
	unsigned int	 leader_failures;
	unsigned int	 leader_ok;
	unsigned int	 follower_failures;
	unsigned int	 link_failures;	/* leader up, follower cut off */
	unsigned int	 agreements;	/* leader down, follower agrees */
	unsigned int	 follower_healthy;

	/* The last round, for command preconditions (false: not seen). */
	bool		 seen_leader;
	bool		 seen_follower;
	bool		 seen_index_fault;
	bool		 seen_leader_identity_changed;
	bool		 seen_follower_identity_changed;

	/* Edges already reported. */
	bool		 suspect;
	bool		 lost;
	bool		 back;
	bool		 degraded;
	bool		 withheld;	/* lost, but the watchers' quorum is short */

	char		 reason[FSM_REASON_LEN];
};

const char	*fsm_state_name(enum fsm_state);
int		 fsm_state_from_name(const char *, enum fsm_state *);
const char	*fsm_action_name(enum fsm_action);
int		 fsm_action_from_name(const char *, enum fsm_action *);
const char	*fsm_command_name(enum fsm_command);
int		 fsm_command_from_name(const char *, enum fsm_command *);
const char	*fsm_event_name(enum fsm_event);

void		 fsm_params_from_config(const struct ccr_config *,
		     struct fsm_params *);
void		 fsm_init(struct fsm *, uint64_t);
int		 fsm_restore(struct fsm *, const struct fsm_saved *, uint64_t,
		     struct fsm_output *);
void		 fsm_save(const struct fsm *, uint64_t, struct fsm_saved *);
void		 fsm_observe(struct fsm *, const struct fsm_params *,
		     const struct observation *, struct fsm_output *);
int		 fsm_command(struct fsm *, enum fsm_command, uint64_t,
		     struct fsm_output *);
int		 fsm_action_done(struct fsm *, const struct fsm_params *,
		     enum fsm_action, enum fsm_result, const char *, uint64_t,
		     struct fsm_output *);
bool		 fsm_blocked(const struct fsm *, uint64_t);
bool		 fsm_follower_agrees(const struct fsm *,
		    const struct fsm_params *, const struct observation *);

#endif
