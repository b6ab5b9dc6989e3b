/*
 * <runtime_dir>/status.json: what the daemon sees and does, replaced
 * atomically every poll for ccr-failoverctl and monitoring. The daemon fills
 * a flat snapshot; every string in it is borrowed for the call. There is no
 * field for credentials, so none can reach the file.
 */
#ifndef CCR_STATUS_H
#define CCR_STATUS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "control-proto.h"
#include "observation.h"
#include "readiness.h"

#define STATUS_FILE	"status.json"

struct status_cluster {
	const char		*name;
	bool			 reachable;
	enum obs_health		 health;
	int			 consecutive_failures;
	const char		*last_error;	/* NULL: none */
};

struct status_index {
	const char		*leader;	/* index name on the leader */
	const char		*follower;	/* ... and on the follower */
	int64_t			 lag_ops;	/* -1: unknown */
	enum obs_follow_status	 follow;
	const char		*action_step;	/* NULL: none running or failed */
	const char		*error;		/* NULL: none */
};

/* The action in flight; kind NULL when there is none. */
struct status_action {
	const char		*kind;		/* promote, failback, ... */
	struct timespec		 started;	/* wall clock */
	size_t			 total;
	size_t			 done;
	size_t			 failed;
};

/* What the divergence guard found; fired false when it did not fire. */
struct status_divergence {
	bool			 fired;
	size_t			 indices;	/* with extra operations */
	uint64_t		 operations;	/* only the old leader has */
};

/* The last control command consumed; id NULL when there was none. */
struct status_command {
	const char		*id;
	enum fsm_command	 command;
	enum control_outcome	 outcome;
	const char		*message;	/* NULL: none */
	const char		*by;	/* the member that carried it out */
};

/* One watcher as this one last saw its summary. */
struct status_member {
	const char		*name;
	bool			 leader_reachable;
	const char		*state;
	uint64_t		 age_ms;
};

/* Several watchers through etcd; enabled false: a lone daemon. */
struct status_coordination {
	bool			 enabled;
	const char		*member;
	const char		*actor;		/* NULL: none known */
	bool			 acting;
	bool			 etcd_reachable;
	const struct status_member *members;
	size_t			 nmembers;
};

struct status_snapshot {
	const char		*state;		/* FSM state name */
	bool			 held;
	const char		*pending;	/* NULL, or the gated action */
	const char		*leader;	/* current roles */
	const char		*follower;
	struct status_cluster	 clusters[CCR_CLUSTERS];
	const struct status_index *indices;
	size_t			 nindices;
	struct timespec		 last_poll;	/* wall clock; 0: none yet */
	uint64_t		 poll_interval_ms;
	bool			 tilt;
	const char		*reason;	/* why; NULL: none */
	struct timespec		 since;		/* wall clock, state entered */
	struct status_action	 action;
	struct status_divergence divergence;
	struct status_command	 last_command;
	bool			 ready;		/* false before the first pass */
	const char		*fenced;	/* write-blocked old leader */
	const struct readiness_check *readiness;
	size_t			 nreadiness;
	const char		*readiness_text; /* rendered; NULL: render */
	struct status_coordination coordination;
};

struct fsm;
struct action_record;

/* What status.json is built from; everything is borrowed. */
struct status_view {
	const struct ccr_config		*config;
	const struct fsm		*fsm;
	int				 leader;	/* config index */
	const struct action_record	*action;	/* running or failed */
	bool				 polled;	/* seen* are filled */
	const struct obs_cluster	*seen;		/* by config index */
	const struct obs_index		*seen_indices;	/* config order */
	struct timespec			 last_poll;
	const struct status_command	*last_command;	/* NULL: none */
	bool				 ready;
	const struct readiness_check	*readiness;
	size_t				 nreadiness;
	const char			*readiness_text; /* of readiness, from
							    status_readiness_text;
							    NULL: render it */
	const char			*fenced;	/* NULL: none */
	const struct status_coordination *coordination;	/* NULL: alone */
};

const char	*status_health_name(enum obs_health);
const char	*status_follow_name(enum obs_follow_status);
int		 status_write(const struct status_snapshot *, const char *,
		     char **);
int		 status_publish(const struct status_view *, const char *,
		     char *, size_t, char **);
char		*status_readiness_text(const struct readiness_check *, size_t);

#endif
