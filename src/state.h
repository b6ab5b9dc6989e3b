/*
 * The daemon's persistent record, <state_dir>/state.json (mode 0600): the
 * current roles, the state machine's durable part, the action in flight and
 * the record of the last promotion, which the divergence guard needs at
 * failback. The action engine reports its record before each mutating
 * request and after each answer, and the daemon saves it here each time, so
 * a daemon restarted after a crash knows where every index stood and never
 * repeats a promotion. It also pins each cluster's cluster_uuid, by cluster
 * name, from the first contact until an operator resets it.
 *
 * Times here are wall clock (struct timespec from CLOCK_REALTIME): they must
 * mean the same thing after a restart or a reboot.
 */
#ifndef CCR_STATE_H
#define CCR_STATE_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "fsm.h"

#define STATE_FILE		"state.json"
#define STATE_FORMAT_VERSION	1

struct state {
	char			*path;
	char			*leader;	/* current roles */
	char			*follower;
	struct fsm_saved	 fsm;		/* block_left_ms unused here */
	struct timespec		 block_until;	/* anti-flap; 0: no block */
	char			*action;	/* engine record, JSON text */
	char			*promotion;	/* last promotion's, likewise */
	json_t			*identity;	/* {"<cluster>": "<uuid>"} */
	char			*failed;	/* the failed action's record,
						   for its retry; JSON text */
	char			*fenced;	/* old leader write-blocked */
	json_t			*index_uuids;	/* {"<cluster>": {"<index>":
						   "<uuid>"}}, pinned while
						   the cluster leads */
};

enum state_load_result {
	STATE_LOADED,
	STATE_MISSING,		/* no file: a first start */
	STATE_INVALID		/* unreadable, torn, garbage or too new */
};

void		 state_init(struct state *, const char *);
void		 state_clear(struct state *);
enum state_load_result state_load(struct state *, const char *, char **);
int		 state_save(const struct state *, char **);
json_t		*state_to_json(const struct state *);
int		 state_load_json(struct state *, json_t *, char **);

void		 state_set_roles(struct state *, const char *, const char *);
void		 state_set_action(struct state *, char *);
void		 state_set_promotion(struct state *, char *);
json_t		*state_action(const struct state *);
json_t		*state_promotion(const struct state *);
void		 state_set_failed(struct state *, char *);
json_t		*state_failed(const struct state *);
void		 state_set_fenced(struct state *, const char *);
const char	*state_index_uuid(const struct state *, const char *,
		     const char *);
void		 state_set_index_uuid(struct state *, const char *,
		     const char *, const char *);
void		 state_forget_index_uuid(struct state *, const char *,
		     const char *);
void		 state_forget_index_uuids(struct state *, const char *);
const char	*state_identity(const struct state *, const char *);
void		 state_set_identity(struct state *, const char *,
		     const char *);
void		 state_set_fsm(struct state *, const struct fsm_saved *);
void		 state_fsm(const struct state *, struct fsm_saved *);

#endif
