/*
 * The cluster model of essim: indices, shards, documents, sequence numbers,
 * follower metadata and cluster settings, with the preconditions and errors
 * of Elasticsearch 8.x. No I/O: every operation takes the time it needs as an
 * argument and answers with an HTTP status and a JSON body (the success body
 * or the Elasticsearch error envelope). Mutations are reported through the
 * journal hook so a caller can persist them.
 */
#ifndef ESSIM_MODEL_H
#define ESSIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define ES_VERSION		"8.17.3"
#define ES_UUID_LEN		22

/* What an operation in a shard's history does. */
enum sim_op_kind {
	ES_OP_INDEX,
	ES_OP_DELETE,
	ES_OP_NOOP		/* fills a sequence number, no document */
};

/* One operation in a shard's history, in sequence number order. */
struct sim_op {
	int64_t		 seq_no;
	int64_t		 version;
	enum sim_op_kind	 kind;
	char		*id;		/* NULL for a no-op */
	json_t		*source;	/* NULL unless ES_OP_INDEX */
};

/* What a shard follow task has seen and done. */
struct sim_follow_shard {
	int64_t		 leader_global_checkpoint;
	int64_t		 leader_max_seq_no;
	int64_t		 last_requested_seq_no;
	int		 outstanding_reads;
	uint64_t	 total_read_time_ms;
	uint64_t	 successful_reads;
	uint64_t	 failed_reads;
	uint64_t	 operations_read;
	uint64_t	 bytes_read;
	uint64_t	 successful_writes;
	uint64_t	 operations_written;
	uint64_t	 last_read_ms;
	json_t		*read_exceptions;	/* array, newest last */
	json_t		*fatal_exception;	/* NULL unless it stopped */
};

struct sim_shard {
	int		 id;
	int64_t		 max_seq_no;		/* -1 when empty */
	int64_t		 checkpoint;		/* every op up to here held */
	int64_t		 hold_from;		/* follower: ops not written */
	int64_t		 hold_to;		/* (-1: none) */
	char		 history_uuid[ES_UUID_LEN + 1];
	int64_t		 refreshed_seq_no;	/* searches see up to here */
	struct sim_op	*ops;
	size_t		 nops;
	size_t		 opsalloc;
	json_t		*docs;			/* id -> integer index in ops */
	json_t		*tombs;			/* deleted id -> seq_no */
	json_t		*leases;		/* lease id -> object */
	struct sim_follow_shard	 follow;
};

struct sim_index {
	char		*name;
	char		 uuid[ES_UUID_LEN + 1];
	int		 nshards;
	int		 nreplicas;
	uint64_t	 creation_date;		/* wall clock, ms */
	int		 open;
	int		 block_write;
	int		 block_read_only;
	int		 block_read;
	int		 block_metadata;

	int		 follower;		/* CCR metadata present */
	char		*remote;
	char		*leader_index;
	char		 leader_uuid[ES_UUID_LEN + 1];
	int		 tasks;			/* shard follow tasks exist */
	int		 restoring;		/* put-follow still copying */
	json_t		*follow_params;		/* explicit follow parameters */

	struct sim_shard	*shards;
};

typedef void (*sim_journal_fn)(void *, json_t *);

struct sim_cluster {
	char		*name;
	char		 uuid[ES_UUID_LEN + 1];
	char		 node_id[ES_UUID_LEN + 1];
	struct sim_index	**indices;		/* sorted by name */
	size_t		 nindices;
	json_t		*persistent;		/* flat key -> value */
	json_t		*transient;
	json_t		*auto_follow;		/* name -> pattern */
	json_t		*auto_follow_seen;	/* name -> {uuid: true} */
	uint64_t	 af_successful;
	uint64_t	 af_failed;
	uint64_t	 af_failed_remote;
	json_t		*af_errors;		/* recent errors */
	uint64_t	 write_generation;	/* bumps on writes */
	uint64_t	 follow_generation;	/* bumps when follow tasks,
						   followers or their state
						   change */
	sim_journal_fn	 journal;
	void		*journal_arg;
	char		*data_path;		/* shard_path in _stats */
};

/* Flags for sim_resolve(). */
#define ES_RESOLVE_OPEN		0x1	/* wildcards expand to open indices */
#define ES_RESOLVE_CLOSED	0x2	/* wildcards expand to closed indices */
#define ES_RESOLVE_NO_WILDCARD	0x4	/* destructive: names only */
#define ES_RESOLVE_IGNORE_MISSING 0x8

struct sim_cluster	*sim_cluster_new(const char *);
void			 sim_cluster_free(struct sim_cluster *);
struct sim_index		*sim_index_find(struct sim_cluster *, const char *);

int	 sim_error(json_t **, int, const char *, const char *, ...)
	    __attribute__((format(printf, 4, 5)));
json_t	*sim_cause(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 sim_error_cause(json_t **, int, json_t *);
int	 sim_index_not_found(json_t **, const char *);
int	 sim_index_closed(json_t **, struct sim_index *);

void	 sim_random_id(char *, size_t);
int	 sim_shard_for_id(const char *, int);
uint32_t sim_murmur3(const void *, size_t, uint32_t);
int	 sim_glob(const char *, const char *);
int	 sim_valid_index_name(const char *, json_t **);

int	 sim_resolve(struct sim_cluster *, const char *, int,
	    struct sim_index ***, size_t *, json_t **);

json_t	*sim_info(struct sim_cluster *);
int	 sim_health(struct sim_cluster *, const char *, const char *, json_t **);
int	 sim_create_index(struct sim_cluster *, const char *, json_t *,
	    uint64_t, json_t **);
int	 sim_delete_index(struct sim_cluster *, const char *, json_t **);
int	 sim_exists(struct sim_cluster *, const char *);
int	 sim_close(struct sim_cluster *, const char *, int, json_t **);
int	 sim_open(struct sim_cluster *, const char *, int, json_t **);
int	 sim_add_block(struct sim_cluster *, const char *, const char *,
	    json_t **);
int	 sim_clone(struct sim_cluster *, const char *, const char *, json_t *,
	    uint64_t, json_t **);
int	 sim_get_settings(struct sim_cluster *, const char *, const char *, int,
	    int, json_t **);
int	 sim_put_settings(struct sim_cluster *, const char *, json_t *,
	    json_t **);
int	 sim_index_doc(struct sim_cluster *, const char *, const char *,
	    json_t *, const char *, uint64_t, json_t **);
int	 sim_get_doc(struct sim_cluster *, const char *, const char *,
	    json_t **);
int	 sim_delete_doc(struct sim_cluster *, const char *, const char *,
	    const char *, json_t **);
int	 sim_search(struct sim_cluster *, const char *, const char *, json_t *,
	    int, int, int, json_t **);
int	 sim_refresh(struct sim_cluster *, const char *, json_t **);
int	 sim_stats(struct sim_cluster *, const char *, const char *, json_t **);
int	 sim_cat_indices(struct sim_cluster *, const char *, json_t **);

int	 sim_get_cluster_settings(struct sim_cluster *, int, json_t **);
int	 sim_put_cluster_settings(struct sim_cluster *, json_t *, int,
	    json_t **);
const char *sim_remote_setting(struct sim_cluster *, const char *,
	    const char *);
json_t	*sim_remote_aliases(struct sim_cluster *);
int	 sim_remote_address(struct sim_cluster *, const char *, char **);

int	 sim_follow_check(struct sim_cluster *, const char *, json_t *,
	    json_t **);
int	 sim_follow_create(struct sim_cluster *, const char *, json_t *,
	    json_t *, uint64_t, json_t **);
int	 sim_pause_follow(struct sim_cluster *, const char *, json_t **);
int	 sim_resume_check(struct sim_cluster *, const char *, json_t *,
	    json_t **);
int	 sim_resume_leader(struct sim_cluster *, const char *, json_t *,
	    json_t *, json_t **);
int	 sim_unfollow(struct sim_cluster *, const char *, json_t **,
	    json_t **);
void	 sim_restore_begin(struct sim_cluster *, struct sim_index *);
void	 sim_restore_end(struct sim_cluster *, struct sim_index *, int);
int	 sim_follow_info(struct sim_cluster *, const char *, json_t **);
int	 sim_follow_stats(struct sim_cluster *, const char *, uint64_t,
	    json_t **);
json_t	*sim_auto_follow_stats(struct sim_cluster *);
int	 sim_forget_follower(struct sim_cluster *, const char *, json_t *,
	    json_t **);

int	 sim_auto_follow_put(struct sim_cluster *, const char *, json_t *,
	    json_t **);
int	 sim_auto_follow_get(struct sim_cluster *, const char *, json_t **);
int	 sim_auto_follow_delete(struct sim_cluster *, const char *, json_t **);
int	 sim_auto_follow_activate(struct sim_cluster *, const char *, int,
	    json_t **);

int	 sim_auto_follow_run(struct sim_cluster *, const char *, json_t *,
	    uint64_t);
void	 sim_auto_follow_remote_failed(struct sim_cluster *, const char *,
	    json_t *, uint64_t);
json_t	*sim_leader_list(struct sim_cluster *);
json_t	*sim_leader_meta(struct sim_cluster *, const char *, int *);
json_t	*sim_changes(struct sim_cluster *, json_t *, uint64_t, int *);
int	 sim_apply_changes(struct sim_cluster *, struct sim_index *, int,
	    json_t *, uint64_t);
void	 sim_read_failed(struct sim_index *, int, json_t *, int);
void	 sim_refresh_all(struct sim_cluster *);

json_t	*sim_snapshot(struct sim_cluster *);
int	 sim_replay(struct sim_cluster *, json_t *, char **);

#endif
