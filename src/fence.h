/*
 * Fencing the old leader: when it answers again after a promotion, a write
 * block on each of its former leader indices, before anything else, so
 * clients that were never redirected cannot write into a copy that the
 * failback will replace.
 */
#ifndef CCR_FENCE_H
#define CCR_FENCE_H

#include <stdbool.h>
#include <stddef.h>

struct ccr_config;
struct es_cluster;
struct fence;

/*
 * The pass ended: ok when every index is write-blocked (or does not
 * exist); detail says what failed otherwise.
 */
typedef void (*fence_cb)(bool, size_t, const char *, void *);

struct fence	*fence_create(const struct ccr_config *, fence_cb, void *);
void		 fence_free(struct fence *);
bool		 fence_running(const struct fence *);
int		 fence_run(struct fence *, struct es_cluster *, int);

#endif
