/*
 * What the daemon's files share: struct daemon, the one running instance,
 * and the functions each of them offers the others. Nothing outside the
 * daemon's files includes this; the rest of src/ sees daemon.h only.
 */
#ifndef CCR_DAEMON_INT_H
#define CCR_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "action.h"
#include "config.h"
#include "control-proto.h"
#include "control.h"
#include "daemon.h"
#include "events.h"
#include "fsm.h"
#include "observation.h"
#include "state.h"

#define DAEMON_ACTION_TIMEOUT_MS 30000	/* one action request */

struct coord;
struct es_cluster;
struct event;
struct event_base;
struct fence;
struct hook_runner;
struct http;
struct metrics;
struct poller;
struct readiness;
struct readiness_check;
struct sender;
struct status_coordination;
struct status_member;

struct daemon {
	struct event_base	*base;
	const struct daemon_options *opts;
	struct ccr_config	*config;
	char			*state_dir;
	char			*runtime_dir;
	char			*state_path;

	struct http		*http;
	struct es_cluster	*es[CCR_CLUSTERS];
	struct poller		*poller;
	struct readiness	*readiness;
	struct fence		*fence;
	struct control		*control;
	struct hook_runner	*hooks;
	struct events		 events;	/* log, journal, hooks */
	struct event		*watchdog;
	struct metrics		*metrics;	/* NULL: not served */

	/* The engine's requests leave behind its saved record. */
	struct action_engine	*engine;
	struct sender		*sender;
	struct action_transport	 transport;	/* the sender's */
	bool			 action_dirty;	/* engine record changed */
	struct action_record	*failed;	/* shown in status while FAILED */

	struct fsm		 fsm;
	struct fsm_params	 params;
	int			 leader;	/* config index of the leader */
	struct state		 state;

	/* The last round, kept for the status file. */
	bool			 polled;
	struct obs_cluster	 seen[CCR_CLUSTERS];	/* by config index */
	struct obs_index	*seen_indices;
	struct timespec		 last_poll;

	struct {
		char			 id[CONTROL_PROTO_ID_MAX];
		enum fsm_command	 command;
		enum control_outcome	 outcome;
		char			 message[FSM_REASON_LEN];
		char			 by[CONFIG_MEMBER_MAX + 1];
		bool			 set;
	}			 last_command;

	/*
	 * Several watchers (coord NULL: a lone daemon, which always acts).
	 * Only the actor steps the machine for real, sends, runs hooks; the
	 * others follow the record it writes to etcd.
	 */
	struct coord		*coord;
	struct fsm		 own;	/* what this member alone decides */
	bool			 acting;
	bool			 resigning;	/* stopping: lease revoked */

	bool			 ready;
	struct fsm_output	 restored;	/* what fsm_restore asked for */

	/* The last readiness pass; checks NULL before the first. */
	struct readiness_check	*checks;
	size_t			 nchecks;
	char			*checks_text;	/* as status.json has them */
	bool			 checks_ok;
};

/* daemon.c */
const char	*daemon_cluster_name(const struct daemon *, int);
void		 daemon_save_state(struct daemon *);
bool		 daemon_may_act(void *);
void		 daemon_publish(struct daemon *);
void		 daemon_poll_mode(struct daemon *);
void		 daemon_apply(struct daemon *, const struct fsm_output *);
void		 daemon_round(const struct observation *, void *);
void		 daemon_last_command(struct daemon *, const char *,
		     enum fsm_command, bool, const char *, const char *);
bool		 daemon_execute(struct daemon *, const char *, enum fsm_command,
		     const char *, char *, size_t);
void		 daemon_action_change(const struct action_record *, void *);
void		 daemon_action_finished(const struct action_summary *, void *);
void		 daemon_resume(struct daemon *);

/* daemon-clusters.c */
int		 daemon_open_clusters(struct daemon *, struct ccr_config *,
		     struct es_cluster **, struct poller **, char **);
void		 daemon_close_clusters(struct daemon *);
void		 daemon_readiness_start(struct daemon *);
void		 daemon_fence_check(struct daemon *, const struct observation *);

/* daemon-engine.c */
struct action_engine *daemon_engine_create(struct daemon *);
void		 daemon_persist(void *);

/* daemon-identity.c */
void		 daemon_keep_identity(struct daemon *);
void		 daemon_pin_index_uuids(struct daemon *);
void		 daemon_reset_identity_command(struct daemon *,
		     const struct control_request *, enum control_source);
void		 daemon_pinned_uuids(struct daemon *, struct action_record *);
void		 daemon_forget_deleted(struct daemon *,
		     const struct action_record *);

/* daemon-resume.c */
int		 daemon_restore(struct daemon *, char **);
int		 daemon_adopt(struct daemon *, char **);
void		 daemon_resume_recorded(struct daemon *);

/* daemon-reload.c */
void		 daemon_reload(void *);

/* daemon-coord.c */
int		 daemon_open_coord(struct daemon *, char **);
void		 daemon_coord_round(struct daemon *, const struct observation *);
struct status_member *daemon_coord_view(struct daemon *,
		     struct status_coordination *);
void		 daemon_coord_resign(struct daemon *);
void		 daemon_record_write(struct daemon *, uint64_t);

#endif
