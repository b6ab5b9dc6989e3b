/*
 * An action's persisted record: what the engine has done to every index
 * pair, enough to resume after a crash, and its JSON form in the state file.
 * Pure data: no I/O, no event loop.
 */
#ifndef CCR_ACTION_RECORD_H
#define CCR_ACTION_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "fsm.h"
#include "step.h"

#define ACTION_SHARDS_MAX	1024	/* index.number_of_shards limit */

/* What the whole action is doing; indices move on their own inside. */
enum action_phase {
	ACTION_PHASE_PRE_PROMOTE, /* promotion: the pre_promote hook's veto */
	ACTION_PHASE_LAG,	/* switchover: wait until every lag is 0 */
	ACTION_PHASE_REMOTE,	/* register the new leader on the old one */
	ACTION_PHASE_INDICES,	/* per-index steps */
	ACTION_PHASE_AUTO_FOLLOW, /* pause patterns following the old leader */
	ACTION_PHASE_UNFENCE,	/* a switchover given up: lift its blocks */
	ACTION_PHASE_FINISHED,
	ACTION_PHASE_MAX
};

enum action_index_status {
	ACTION_INDEX_RUNNING,
	ACTION_INDEX_AWAITING_CONFIRMATION,	/* divergent: action_confirm */
	ACTION_INDEX_DONE,
	ACTION_INDEX_FAILED,
	ACTION_INDEX_STATUS_MAX
};

/* One index pair's progress. Strings and arrays are owned by the record. */
struct action_index_record {
	char		*names[2];	/* its name on cluster 0 and 1 */
	enum step	 step;		/* next step, or DONE/FAILED */
	bool		 sent;		/* step was (maybe) sent: resend it */
	unsigned int	 attempts;	/* transient failures of this step */
	bool		 confirmed;	/* divergence released by operator */
	bool		 unreachable;	/* reach_check failed: held for the
					   operator, nothing deleted */
	enum step	 failed_step;	/* where it failed, or FAILED */
	char		*error_type;	/* last error, NULL if none */
	char		*error_reason;

	/*
	 * Per shard, from the follower's _ccr/stats before the pause. Only
	 * operations up to the follower's global checkpoint are surely on
	 * it: above lie holes that opening the promoted index fills with
	 * no-ops. Recorded once: a retry never overwrites them.
	 */
	int64_t		*leader_max_seq_no;
	int64_t		*follower_max_seq_no;
	int64_t		*follower_global_checkpoint;
	size_t		 nshards;
	int64_t		 lost_operations;	/* at least; -1: unknown */
	int64_t		 lost_operations_max;	/* at most known; -1 */
	int64_t		 divergent_operations;	/* -1: unproven or unknown */
	char		*clone;		/* the copy's name, fixed before it */
	char		*uuid;		/* failback: the old leader's index
					   uuid pinned while it led, NULL:
					   none */
};

/*
 * The engine's whole progress: enough to resume after a crash. Its JSON
 * form (action_record_to_json), version 1:
 *
 *   {"version": 1, "kind": "promote"|"failback"|"switchover",
 *    "old_leader": 0|1, "clusters": ["<name 0>", "<name 1>"],
 *    "started": "YYYY-MM-DDTHH:MM:SSZ",
 *    "phase": "pre_promote"|"lag"|"remote"|"indices"|"auto_follow"|
 *	"unfence"|"finished",
 *    "fenced": n, "unfenced": n,	(switchover: old leader's indices
 *					 write-blocked, and unblocked again)
 *    "error": {"type": "...", "reason": "..."},	(action-level, optional)
 *    "indices": [{
 *      "names": ["<on cluster 0>", "<on cluster 1>"],
 *      "step": "<step_name()>", "sent": bool, "attempts": n,
 *      "confirmed": bool, "unreachable": bool (optional),
 *      "failed_step": "<step>" (when "failed", or "open" to reopen it),
 *      "error": {"type": "...", "reason": "..."}	(optional),
 *      "shards": [{"leader_max_seq_no": n|null,
 *                  "follower_max_seq_no": n|null,
 *                  "follower_global_checkpoint": n|null}, ...],
 *      "lost_operations": n|-1, "lost_operations_max": n|-1,
 *      "divergent_operations": n|-1,
 *      "clone": "<copy's name>" (optional),
 *      "uuid": "<old leader's index uuid>" (optional)}]}
 */
struct action_record {
	enum fsm_action		 kind;
	int				 old_leader; /* ends as follower */
	char				*clusters[2]; /* cluster names */
	time_t				 started;    /* wall clock, display */
	enum action_phase		 phase;
	size_t				 fenced;	/* switchover: indices
							   write-blocked */
	size_t				 unfenced;	/* ... and lifted */
	char				*error_type; /* action-level failure */
	char				*error_reason;
	struct action_index_record	*indices;
	size_t				 nindices;
};

/* Given to on_finished; record is borrowed. */
struct action_summary {
	enum fsm_action		 kind;
	size_t				 done;
	size_t				 failed;
	int64_t				 lost_operations; /* -1: unknown */
	size_t				 divergent;	/* indices copied */
	const char			*error_type; /* action-level or NULL */
	const char			*error_reason;
	const struct action_record	*record;
};

struct ccr_config;
struct es_index_seq;
struct es_index_stats;

struct action_record	*action_record_new(enum fsm_action, int,
			     enum action_phase, const struct ccr_config *,
			     const struct action_record *, char **);
struct action_record	*action_record_copy(const struct action_record *,
			     char **);
char			*action_record_clone_name(const char *);
bool			 action_index_keep_shards(struct action_index_record *,
			     const struct es_index_stats *);
int64_t			*action_seqs_by_shard(const struct es_index_seq *,
			     size_t *);
void			 action_record_summary(const struct action_record *,
			     struct action_summary *);
bool			 action_record_changed(const struct action_record *);
const char		*action_phase_name(enum action_phase);
const char		*action_index_status_name(enum action_index_status);
enum action_index_status action_index_status(
			     const struct action_index_record *);

json_t			*action_record_to_json(const struct action_record *);
char			*action_record_to_text(const struct action_record *);
struct action_record	*action_record_from_json(const json_t *, char **);
void			 action_record_free(struct action_record *);
bool			 action_index_record_deleted(
			     const struct action_index_record *);
void			 action_index_record_forget(
			     struct action_index_record *);

#endif
