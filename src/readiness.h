/*
 * Readiness: whether a promotion and a failback would work if the disaster
 * came now. A pass asks both clusters what the actions will need (the
 * credentials' privileges, each follower index following the expected
 * leader index, the follower knowing the remote, TLS that verifies) and
 * yields a list of named checks. The daemon runs it at start, every
 * readiness_interval_s and after the roles swap; ccr-failoverd --preflight
 * runs it once.
 */
#ifndef CCR_READINESS_H
#define CCR_READINESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ccr_config;
struct es_cluster;
struct es_privileges;
struct event_base;
struct readiness;

struct readiness_check {
	char	 check[96];	/* "privileges:clusterA", "follow:logs-dr"... */
	bool	 ok;
	char	*detail;	/* never NULL */
};

/*
 * A pass finished: the callback owns the checks (never NULL) and frees
 * them with readiness_checks_free.
 */
typedef void (*readiness_cb)(struct readiness_check *, size_t, bool, void *);

struct readiness *readiness_create(struct event_base *,
		    const struct ccr_config *, struct es_cluster *,
		    struct es_cluster *, readiness_cb, void *);
void		 readiness_free(struct readiness *);
void		 readiness_set_leader(struct readiness *, int);
void		 readiness_run(struct readiness *);
void		 readiness_start(struct readiness *, uint64_t);
const char	*readiness_index_uuid(const struct readiness *, const char *);

void		 readiness_privileges(const struct es_privileges *,
		    const char *const *, size_t, struct readiness_check *);
int		 readiness_preflight(const struct ccr_config *, FILE *);
void		 readiness_checks_free(struct readiness_check *, size_t);

#endif
