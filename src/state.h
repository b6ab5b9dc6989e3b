/*
 * The daemon's persistent record, <state_dir>/state.json (mode 0600): the
 * current roles and what the state machine was doing, and above all the
 * action in flight, step by step per index. Each step is recorded before its
 * request is sent and after its answer, so a daemon restarted after a crash
 * knows where every index stood and never repeats a promotion.
 *
 * Times here are wall clock (struct timespec from CLOCK_REALTIME): they must
 * mean the same thing after a restart or a reboot.
 */
#ifndef CCR_STATE_H
#define CCR_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STATE_FILE		"state.json"
#define STATE_FORMAT_VERSION	1

enum state_action_kind {
	STATE_ACTION_NONE,
	STATE_ACTION_PROMOTE,
	STATE_ACTION_FAILBACK,
	STATE_ACTION_SWITCHOVER,
	STATE_ACTION_MAX
};

/*
 * Every step of every action; state_steps() gives each kind's order. A
 * promotion goes recorded_seqnos .. open; a failback register_remote ..
 * follow; a switchover waits for zero lag, then does both.
 */
enum state_step {
	STATE_STEP_WAIT_IN_SYNC,
	STATE_STEP_RECORDED_SEQNOS,
	STATE_STEP_PAUSE_FOLLOW,
	STATE_STEP_CLOSE,
	STATE_STEP_UNFOLLOW,
	STATE_STEP_OPEN,
	STATE_STEP_REGISTER_REMOTE,
	STATE_STEP_DIVERGENCE_CHECK,
	STATE_STEP_CLONE_COPY,
	STATE_STEP_DELETE,
	STATE_STEP_FOLLOW,
	STATE_STEP_DONE,
	STATE_STEP_MAX
};

/*
 * Where an index stands within its step. An index whose last step succeeded
 * moves to STATE_STEP_DONE, so "step done, status done" means finished.
 */
enum state_step_status {
	STATE_STATUS_PENDING,	/* not sent yet */
	STATE_STATUS_RUNNING,	/* sent; no answer recorded */
	STATE_STATUS_DONE,
	STATE_STATUS_FAILED,
	STATE_STATUS_MAX
};

/* One index pair's progress through the action. */
struct state_index {
	char			*leader_index;	/* names in the roles the */
	char			*follower_index; /* action started with */
	enum state_step		 step;
	enum state_step_status	 status;
	int			 attempts;	/* sent for this step */
	char			*error_type;	/* ES error.type; NULL: none */
	char			*error_reason;
};

struct state_action {
	enum state_action_kind	 kind;		/* NONE: no action in flight */
	struct timespec		 started;
	char			*from;		/* cluster losing leadership */
	char			*to;		/* cluster gaining it */
	struct state_index	*indices;
	size_t			 nindices;
};

/* One shard of a follower index when it was promoted. */
struct state_shard {
	int			 shard;
	int64_t			 follower_max_seq_no;
	int64_t			 leader_max_seq_no; /* as the follower knew */
};

struct state_seqnos {
	char			*index;		/* the follower index */
	struct state_shard	*shards;
	size_t			 nshards;
};

/*
 * What the follower had received when it was promoted: the divergence guard
 * compares the old leader against it at failback. Kept until then.
 */
struct state_promotion {
	bool			 recorded;
	struct timespec		 at;
	char			*lost_leader;
	int64_t			 lost_operations;
	struct state_seqnos	*indices;
	size_t			 nindices;
};

struct state {
	char			*path;
	char			*leader;	/* current roles */
	char			*follower;
	char			*fsm_state;	/* state machine state name */
	bool			 held;
	enum state_action_kind	 pending;	/* gated action; NONE: none */
	struct timespec		 block_until;	/* anti-flap; 0: no block */
	bool			 block_acknowledged;
	struct state_action	 action;
	struct state_promotion	 promotion;
};

enum state_load_result {
	STATE_LOADED,
	STATE_MISSING,		/* no file: a first start */
	STATE_INVALID		/* unreadable, torn, garbage or too new */
};

const char	*state_action_kind_name(enum state_action_kind);
int		 state_action_kind_from_name(const char *,
		     enum state_action_kind *);
const char	*state_step_name(enum state_step);
int		 state_step_from_name(const char *, enum state_step *);
const char	*state_step_status_name(enum state_step_status);
int		 state_step_status_from_name(const char *,
		     enum state_step_status *);
const enum state_step *state_steps(enum state_action_kind, size_t *);
enum state_step	 state_step_next(enum state_action_kind, enum state_step);

void		 state_init(struct state *, const char *);
void		 state_clear(struct state *);
enum state_load_result state_load(struct state *, const char *, char **);
int		 state_save(const struct state *, char **);

void		 state_set_roles(struct state *, const char *, const char *);
void		 state_set_fsm_state(struct state *, const char *);

void		 state_action_begin(struct state *, enum state_action_kind,
		     const struct timespec *, const char *, const char *);
size_t		 state_action_add_index(struct state *, const char *,
		     const char *);
void		 state_action_end(struct state *);
void		 state_action_counts(const struct state_action *, size_t *,
		     size_t *);
void		 state_step_begin(struct state *, size_t, enum state_step);
void		 state_step_done(struct state *, size_t);
void		 state_step_failed(struct state *, size_t, const char *,
		     const char *);

void		 state_promotion_begin(struct state *,
		     const struct timespec *, const char *);
void		 state_promotion_add_shard(struct state *, const char *, int,
		     int64_t, int64_t);
void		 state_promotion_clear(struct state *);
struct state_seqnos *state_promotion_find(struct state *, const char *);

#endif
