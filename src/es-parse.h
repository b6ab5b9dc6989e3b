/*
 * Elasticsearch responses mapped to plain structs. Pure functions: a parsed
 * JSON document in, a struct out, no I/O and no logging. Anything malformed
 * or of an unexpected type is an error (-1 and a caller-freed cause).
 */
#ifndef CCR_ES_PARSE_H
#define CCR_ES_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observation.h"

#define ES_NAME_MAX	256	/* index names are at most 255 bytes */

/* The error envelope: {"error": {"type", "reason", ...}, "status"}. */
struct es_error {
	char	type[128];
	char	reason[512];
	int	status;			/* 0 when absent */
	bool	leases_failed;		/* failed_to_remove_retention_leases */
};

struct es_health {
	char		 cluster_name[ES_NAME_MAX];
	enum obs_health	 status;
	bool		 timed_out;
	int		 number_of_nodes;
};

/* One alias in _remote/info. */
struct es_remote {
	bool	found;
	bool	connected;
	char	mode[16];		/* "proxy", "sniff" */
};

/* One follower shard in _ccr/stats. */
struct es_shard_stats {
	int		 shard_id;
	int64_t		 leader_global_checkpoint;
	int64_t		 follower_global_checkpoint;
	int64_t		 leader_max_seq_no;	/* -1 when absent */
	int64_t		 follower_max_seq_no;	/* -1 when absent */
	uint64_t	 failed_read_requests;
	uint64_t	 successful_read_requests;
	uint64_t	 operations_read;
	uint64_t	 read_exceptions;	/* entries now */
	uint64_t	 since_last_read_ms;	/* UINT64_MAX: absent */
	bool		 fatal;
	char		 fatal_reason[224];
};

/* Names and reasons take the room they need: a poll keeps 1,000. */
struct es_index_stats {
	char			*index;
	int64_t			 total_lag;	/* -1 when absent */
	bool			 fatal;		/* some shard stopped */
	char			*fatal_reason;	/* NULL unless fatal */
	struct es_shard_stats	*shards;	/* none in a summary */
	size_t			 nshards;
};

struct es_ccr_stats {
	struct es_index_stats	*indices;	/* sorted by name */
	size_t			 nindices;
};

/* One entry of _ccr/info's follower_indices. */
struct es_follow_info {
	char	*follower_index;
	char	*remote_cluster;	/* "" when not answered */
	char	*leader_index;		/* "" when not answered */
	bool	 active;
};

struct es_ccr_info {
	struct es_follow_info	*indices;	/* sorted by name */
	size_t			 nindices;
};

/* A primary shard's sequence numbers from _stats?level=shards. */
struct es_shard_seq {
	int		 shard_id;
	int64_t		 max_seq_no;
	int64_t		 global_checkpoint;	/* -1 when absent */
};

struct es_index_seq {
	char			 index[ES_NAME_MAX];
	char			 uuid[64];	/* "" when not answered */
	struct es_shard_seq	*shards;	/* sorted by shard_id */
	size_t			 nshards;
};

struct es_shard_seqs {
	struct es_index_seq	*indices;
	size_t			 nindices;
};

/* One cluster of _resolve/cluster, or of a search's _clusters details. */
struct es_resolved {
	bool	found;
	bool	connected;
	bool	matching_indices;
	char	error[256];		/* "" when none */
};

/* One auto-follow pattern of GET /_ccr/auto_follow. */
struct es_auto_follow {
	char	name[ES_NAME_MAX];
	char	remote_cluster[ES_NAME_MAX];
	bool	active;
};

struct es_auto_follows {
	struct es_auto_follow	*patterns;
	size_t			 npatterns;
};

int	es_parse_error(const json_t *, struct es_error *, char **);
int	es_parse_health(const json_t *, struct es_health *, char **);
int	es_parse_version(const json_t *, int *, int *, char **);
int	es_parse_remote_info(const json_t *, const char *, struct es_remote *,
	    char **);
int	es_parse_ccr_stats(const json_t *, struct es_ccr_stats *, char **);
int	es_parse_ccr_summary(const json_t *, struct es_ccr_stats *, char **);
int	es_parse_ccr_reads(const json_t *, struct es_ccr_stats *, char **);
void	es_ccr_stats_clear(struct es_ccr_stats *);
const struct es_index_stats *es_ccr_stats_find(const struct es_ccr_stats *,
	    const char *);
int64_t	es_index_stats_lag(const struct es_index_stats *);
int	es_parse_ccr_info(const json_t *, struct es_ccr_info *, char **);
void	es_ccr_info_clear(struct es_ccr_info *);
const struct es_follow_info *es_ccr_info_find(const struct es_ccr_info *,
	    const char *);
int	es_parse_shard_seqs(const json_t *, struct es_shard_seqs *, char **);
void	es_shard_seqs_clear(struct es_shard_seqs *);
const struct es_index_seq *es_shard_seqs_find(const struct es_shard_seqs *,
	    const char *);
int	es_parse_resolve_cluster(const json_t *, const char *,
	    struct es_resolved *, char **);
int	es_parse_search_clusters(const json_t *, const char *, bool *,
	    char **);
/* PUT /<follower>/_ccr/follow's three booleans. */
struct es_follow_result {
	bool	follow_index_created;
	bool	follow_index_shards_acked;
	bool	index_following_started;
};

int	es_parse_acknowledged(const json_t *, bool *, char **);
int	es_parse_closed(const json_t *, const char *, bool *, char **);
int	es_parse_following(const json_t *, const char *, bool *, char **);
int	es_parse_index_present(const json_t *, const char *, bool *,
	    char **);
int	es_parse_follow_result(const json_t *, struct es_follow_result *,
	    char **);
int	es_parse_count(const json_t *, uint64_t *, char **);
int	es_parse_auto_follow(const json_t *, struct es_auto_follows *,
	    char **);
void	es_auto_follows_clear(struct es_auto_follows *);

/* Safety: identity, refusals, privileges. */
#define ES_PRIVILEGE_MAX	64	/* a privilege's name, with its NUL */

#define ES_PRIVILEGE_NAMES	32	/* distinct names in one answer */

/* What was asked and granted on one index, as bits of the names table. */
struct es_privilege {
	char		*index;		/* "" for the cluster privileges */
	uint32_t	 asked;
	uint32_t	 granted;
};

/*
 * Sorted by index: a pass over 1,000 indices looks up 6,000 privileges,
 * and an answer holds a handful of names for each of them.
 */
struct es_privileges {
	bool			 all;	/* has_all_requested */
	char			 names[ES_PRIVILEGE_NAMES][ES_PRIVILEGE_MAX];
	size_t			 nnames;
	struct es_privilege	*list;
	size_t			 n, cap;
};

int	es_parse_cluster_uuid(const json_t *, char *, size_t, char **);
enum obs_denial es_denial(long, const char *, char *, size_t);
bool	es_resolved_unreachable(const struct es_resolved *);
int	es_parse_has_privileges(const json_t *, struct es_privileges *,
	    char **);
bool	es_privileges_granted(const struct es_privileges *, const char *,
	    const char *);
void	es_privileges_clear(struct es_privileges *);
int64_t	es_docs_count(const json_t *, const char *);
const char *es_index_uuid(const json_t *, const char *);

/* GET /_settings of many indices, kept as sorted (index, uuid) pairs. */
struct es_index_uuid {
	char	*index;
	char	*uuid;
};

struct es_index_uuids {
	struct es_index_uuid	*list;
	size_t			 n;
};

int	es_parse_index_uuids(const json_t *, struct es_index_uuids *, char **);
const char *es_index_uuids_find(const struct es_index_uuids *, const char *);
void	es_index_uuids_clear(struct es_index_uuids *);
int	es_parse_recovery(const json_t *, const char *, bool *, uint64_t *,
	    uint64_t *, char **);

#endif
