/*
 * Fence the old leader (see fence.h): PUT /<i>/_block/write for every
 * configured index on that cluster, all at once through its client (which
 * bounds what is on the wire). An index that does not exist needs no
 * block. The pass reports once, when every answer is in.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "es.h"
#include "fence.h"
#include "log.h"
#include "xmalloc.h"

struct fence_call {
	struct fence		*fence;
	struct es_request	*req;
};

struct fence {
	const struct ccr_config	*config;
	fence_cb		 cb;
	void			*arg;
	struct fence_call	*calls;
	size_t			 ncalls;
	size_t			 outstanding;
	size_t			 blocked;
	char			 failed[512];	/* first failure */
};

struct fence *
fence_create(const struct ccr_config *config, fence_cb cb, void *arg)
{
	struct fence	*f;

	f = xcalloc(1, sizeof *f);
	f->config = config;
	f->cb = cb;
	f->arg = arg;
	return (f);
}

/* Cancel what is in flight, unreported. */
static void
fence_cancel(struct fence *f)
{
	size_t	i;

	for (i = 0; i < f->ncalls; i++) {
		if (f->calls[i].req != NULL)
			es_cancel(f->calls[i].req);
	}
	free(f->calls);
	f->calls = NULL;
	f->ncalls = f->outstanding = 0;
}

void
fence_free(struct fence *f)
{
	if (f == NULL)
		return;
	fence_cancel(f);
	free(f);
}

bool
fence_running(const struct fence *f)
{
	return (f->outstanding > 0);
}

/* One index's answer. */
static void
fence_done(const struct es_result *r, void *arg)
{
	struct fence_call	*c = arg;
	struct fence		*f = c->fence;
	bool			 ok;

	c->req = NULL;
	ok = r->ok || (r->status == 404 &&
	    strcmp(r->error_type, "index_not_found_exception") == 0);
	if (r->ok)
		f->blocked++;
	if (!ok && f->failed[0] == '\0')
		snprintf(f->failed, sizeof f->failed, "%s: %s",
		    *r->error_type != '\0' ? r->error_type : "no answer",
		    r->reason);
	if (--f->outstanding > 0)
		return;
	free(f->calls);
	f->calls = NULL;
	f->ncalls = 0;
	f->cb(f->failed[0] == '\0', f->blocked,
	    f->failed[0] != '\0' ? f->failed : NULL, f->arg);
}

/*
 * Block writes on cluster (config order) to every configured index name
 * it has. -1 when a pass is already running.
 */
int
fence_run(struct fence *f, struct es_cluster *es, int cluster)
{
	const struct ccr_config	*cfg = f->config;
	struct es_call		 call;
	const char		*name;
	char			*cause = NULL;
	size_t			 i;

	if (f->outstanding > 0 || cfg->nindices == 0)
		return (-1);
	f->calls = xcalloc(cfg->nindices, sizeof *f->calls);
	f->ncalls = cfg->nindices;
	f->blocked = 0;
	f->failed[0] = '\0';
	/* Answers come from the loop, never from es_send. */
	f->outstanding = cfg->nindices;
	for (i = 0; i < cfg->nindices; i++) {
		name = cluster == 0 ? cfg->indices[i].leader_index :
		    cfg->indices[i].follower_index;
		f->calls[i].fence = f;
		if (es_call_add_write_block(&call, name, &cause) != 0) {
			fatalx("fence: a configured index name is refused: %s",
			    cause);
		}
		f->calls[i].req = es_send(es, &call, cfg->request_timeout_ms,
		    fence_done, &f->calls[i]);
		es_call_clear(&call);
	}
	return (0);
}
