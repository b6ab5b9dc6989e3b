/*
 * What one poll round saw, reduced to the facts the state machine decides on.
 * The poller fills it from HTTP answers; fsm.c reads it and nothing else, so
 * tests can script any situation without a network.
 *
 * "leader" and "follower" are the current roles: after a promotion the
 * promoted cluster is the leader and the lost one the follower.
 */
#ifndef CCR_OBSERVATION_H
#define CCR_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fact that may not be known: the request failed or was not made. */
enum tri {
	TRI_UNKNOWN,
	TRI_NO,
	TRI_YES
};

enum obs_health {
	OBS_HEALTH_UNKNOWN,	/* no valid answer */
	OBS_HEALTH_GREEN,
	OBS_HEALTH_YELLOW,
	OBS_HEALTH_RED
};

/*
 * A cluster that answers 401 or 403 is alive: it only refuses the daemon's
 * credentials (or one of their privileges). Never a failure to reach it.
 */
enum obs_denial {
	OBS_DENIAL_NONE,
	OBS_DENIAL_CREDENTIALS,	/* 401: "credentials rejected" */
	OBS_DENIAL_PRIVILEGE	/* 403: "privilege missing: <action>" */
};

/* The daemon's own view of one cluster this round. */
struct obs_cluster {
	bool		 reachable;	/* _cluster/health answered 200 + JSON */
	enum obs_health	 health;
	uint64_t	 latency_ms;
	char		 error[128];	/* why not reachable, for status/logs */
	enum obs_denial	 denial;	/* some request answered 401/403 */
	char		 denied[160];	/* what was refused, for the reason */
	bool		 identity_changed; /* another cluster_uuid answers */
	char		 identity[320];	/* pinned and seen uuids */
};

/*
 * The follower cluster's view of the leader. Each source has its weakness:
 * _remote/info's connected can stay true long after a link went silent; CCR
 * read failures only grow while a follower is active; the probe is direct
 * but costs a request. The state machine weighs them together.
 */
struct obs_link {
	enum tri	 remote_listed;		/* _remote/info names the alias */
	enum tri	 remote_connected;	/* _remote/info.<alias>.connected */
	enum tri	 probe_ok;		/* cross-cluster probe answered */
	bool		 probe_rejected;	/* answered "not connected" with
						   an error the remote (or the
						   follower) raised: security,
						   a missing index... */
	char		 probe_error[256];
	uint64_t	 failed_reads_delta;	/* growth of failed_read_requests */
	uint64_t	 read_exceptions;	/* entries in read_exceptions now */
	uint64_t	 max_since_last_read_ms; /* UINT64_MAX: unknown */
	/*
	 * Replication seen working, as monotonic times (0: not seen): the
	 * earliest moment after which some shard's read counters
	 * (successful_read_requests, operations_read) advanced, i.e. the
	 * time of the sample they advanced from; and the latest moment a
	 * shard without failed reads or read exceptions sent a read
	 * (time_since_last_read_millis counts from the send).
	 */
	uint64_t	 reads_advanced_after_ms;
	uint64_t	 clean_read_sent_ms;
};

enum obs_follow_status {
	OBS_FOLLOW_UNKNOWN,	/* _ccr/info not answered */
	OBS_FOLLOW_ACTIVE,
	OBS_FOLLOW_PAUSED,
	OBS_FOLLOW_NOT_FOLLOWER, /* exists, but is a plain index */
	OBS_FOLLOW_MISSING	/* no such index */
};

/* One configured index pair, as seen on the follower cluster. */
struct obs_index {
	const char		*name;		/* follower index; borrowed for
						   the round, NULL: unnamed */
	enum obs_follow_status	 follow;
	int64_t			 lag_ops;	/* sum over shards; -1 unknown */
	uint64_t		 read_exceptions;
	uint64_t		 since_last_read_ms; /* longest over shards, last
						   sampled; UINT64_MAX unknown */
	bool			 fatal;
	const char		*fatal_reason;	/* when fatal (may be NULL);
						   borrowed from the poller
						   until its next round */
};

/*
 * What the other watchers say, when several coordinate through etcd (the
 * daemon fills it; required false: a lone daemon, nothing to count).
 */
struct obs_quorum {
	bool			 required;
	bool			 available;	/* etcd answers, this one acts */
	unsigned int		 fresh;		/* fresh summaries, own too */
	unsigned int		 down;		/* of them, leader unreachable */
	unsigned int		 needed;	/* coordination.quorum */
};

struct observation {
	uint64_t		 now_ms;	/* CLOCK_MONOTONIC at round end */
	struct obs_cluster	 leader;
	struct obs_cluster	 follower;
	struct obs_link		 link;
	struct obs_index	*indices;	/* config order; borrowed */
	size_t			 nindices;
	struct obs_quorum	 quorum;
};

#endif
