/*
 * Elasticsearch cluster client: the nodes of one cluster behind a bounded
 * request queue, node failover, credentials, and one builder per endpoint
 * the daemon calls. Callbacks get the answer already parsed, run once from
 * the loop (never from inside es_request), may queue and cancel requests,
 * and must not free the cluster client.
 */
#ifndef CCR_ES_H
#define CCR_ES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct ccr_cluster_config;
struct ccr_config;
struct ccr_remote_config;
struct es_cluster;
struct es_request;

/* Longest path-and-query a builder emits: the request line stays < 4 KB. */
#define ES_PATH_MAX	4000

struct es_result {
	bool			 ok;		/* 2xx and JSON or empty body */
	long			 status;	/* 0: no HTTP answer */
	enum http_outcome	 outcome;
	json_t			*root;		/* borrowed, or NULL */
	const char		*error_type;	/* envelope type, or kind */
	const char		*reason;	/* readable, no secrets */
	bool			 leases_failed;	/* in the error envelope */
	const char		*node;		/* url of the node last tried */
	uint64_t		 elapsed_ms;
	size_t			 bytes;		/* sent and received */
	unsigned int		 attempts;	/* nodes tried */
};

typedef void (*es_done_cb)(const struct es_result *, void *);

/* An endpoint call, built and then sent (or only logged in a dry run). */
struct es_call {
	enum http_method	 method;
	char			*path;		/* escaped path and query */
	char			*body;		/* JSON or NULL */
};

struct es_cluster *es_cluster_create(struct http *,
		    const struct ccr_cluster_config *, const char *,
		    const char *, int, char **);
struct es_cluster *es_cluster_open(struct http *, const struct ccr_config *,
		    int, char **);
void		 es_cluster_free(struct es_cluster *);
const char	*es_cluster_name(const struct es_cluster *);
const char	*es_cluster_node(const struct es_cluster *);
size_t		 es_cluster_active(const struct es_cluster *);
size_t		 es_cluster_queued(const struct es_cluster *);

struct es_request *es_request(struct es_cluster *, enum http_method,
		    const char *, const char *, uint64_t, es_done_cb, void *);
struct es_request *es_send(struct es_cluster *, const struct es_call *,
		    uint64_t, es_done_cb, void *);
void		 es_cancel(struct es_request *);

void		 es_call_clear(struct es_call *);

/* Polling. */
void	es_call_root(struct es_call *);
void	es_call_health(struct es_call *);
void	es_call_remote_info(struct es_call *);
int	es_call_ccr_stats(struct es_call *, const char *, char **);
void	es_call_ccr_summary(struct es_call *);
int	es_call_ccr_stats_list(struct es_call *, const char *const *, size_t,
	    size_t *, char **);
int	es_call_record_stats_list(struct es_call *, const char *const *,
	    size_t, size_t *, char **);
int	es_call_ccr_info(struct es_call *, const char *, char **);
void	es_call_follow_info_all(struct es_call *);
int	es_call_ccr_info_list(struct es_call *, const char *const *, size_t,
	    size_t *, char **);
int	es_call_follow_info_list(struct es_call *, const char *const *,
	    size_t, size_t *, char **);
int	es_call_resolve_cluster(struct es_call *, const char *, const char *,
	    uint64_t, char **);
int	es_call_probe_search(struct es_call *, const char *, const char *,
	    char **);
int	es_call_count(struct es_call *, const char *, const char *, char **);
int	es_call_exists_list(struct es_call *, const char *const *, size_t,
	    size_t *, char **);

/* Actions. */
int	es_call_pause_follow(struct es_call *, const char *, char **);
int	es_call_resume_follow(struct es_call *, const char *, char **);
int	es_call_unfollow(struct es_call *, const char *, char **);
int	es_call_close(struct es_call *, const char *const *, size_t, size_t *,
	    char **);
int	es_call_open(struct es_call *, const char *const *, size_t, size_t *,
	    char **);
int	es_call_follow(struct es_call *, const char *, const char *,
	    const char *, char **);
int	es_call_remote_settings(struct es_call *, const char *,
	    const struct ccr_remote_config *, char **);
int	es_call_shard_stats(struct es_call *, const char *, char **);
int	es_call_shard_stats_list(struct es_call *, const char *const *,
	    size_t, size_t *, char **);
int	es_call_following_setting(struct es_call *, const char *, char **);
int	es_call_exists(struct es_call *, const char *, char **);
int	es_call_add_write_block(struct es_call *, const char *, char **);
int	es_call_add_write_block_list(struct es_call *, const char *const *,
	    size_t, size_t *, char **);
int	es_call_clone(struct es_call *, const char *, const char *, char **);
int	es_call_delete(struct es_call *, const char *, char **);
int	es_call_delete_list(struct es_call *, const char *const *, size_t,
	    size_t *, char **);
void	es_call_auto_follow_list(struct es_call *);
int	es_call_auto_follow_pause(struct es_call *, const char *, char **);
int	es_call_auto_follow_resume(struct es_call *, const char *, char **);

/* Safety. */
int	es_call_index_health(struct es_call *, const char *, uint64_t,
	    char **);
int	es_call_docs_count(struct es_call *, const char *, const char *,
	    char **);
int	es_call_remove_write_block(struct es_call *, const char *, char **);
void	es_call_index_uuids(struct es_call *);
int	es_call_index_uuid(struct es_call *, const char *, char **);
int	es_call_recovery(struct es_call *, const char *, char **);
int	es_call_recovery_list(struct es_call *, const char *const *, size_t,
	    size_t *, char **);
int	es_call_has_privileges(struct es_call *, const char *const *, size_t,
	    const char *const *, size_t, const char *const *, size_t,
	    char **);

#endif
