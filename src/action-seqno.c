/*
 * What a promotion records of each follower before it stops following: the
 * record step's _ccr/stats give every shard's checkpoints and max_seq_no,
 * and with them the operations of the old leader that are lost. A failback
 * later compares the old leader's primaries with them (action-failback.c),
 * a switchover the followers' with the old leader's just before.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdlib.h>

#include "action-int.h"
#include "log.h"

/*
 * Keep the follower's per-shard view from parsed _ccr/stats (NULL when
 * they could not be read); a follower absent from them is paused.
 */
static void
action_record_stats(struct action_engine *e, size_t i,
    const struct es_ccr_stats *st)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[action_promoted(e->rec)];
	const struct es_index_stats	*is;
	bool				 kept = false;

	/* A retried promotion keeps what the first read saw. */
	if (ir->nshards > 0)
		return;
	if (st != NULL && (is = es_ccr_stats_find(st, name)) != NULL)
		kept = action_index_keep_shards(ir, is);
	if (!kept) {
		log_warnx("%s: %s: _ccr/stats without shards",
		    fsm_action_name(e->rec->kind), name);
		return;
	}
	if (ir->lost_operations > 0) {
		log_warnx("%s: %s: at least %" PRId64 " operations of the old "
		    "leader are lost (up to %" PRId64 " of those the follower "
		    "knew of: holes above its global checkpoint are filled "
		    "with no-ops)", fsm_action_name(e->rec->kind), name,
		    ir->lost_operations, ir->lost_operations_max);
	}
}

/*
 * The primaries' max_seq_no of one index in a _stats answer (the only
 * index, whatever its name, when just one is there), by shard number.
 */
int64_t *
action_primary_seqs(const struct es_shard_seqs *ss, const char *name,
    size_t *nshards)
{
	const struct es_index_seq	*is;

	*nshards = 0;
	if ((is = es_shard_seqs_find(ss, name)) == NULL && ss->nindices == 1)
		is = &ss->indices[0];
	return (is != NULL ? action_seqs_by_shard(is, nshards) : NULL);
}

/*
 * The record step's answer for the indices in members, parsed once: each
 * keeps its shards. The step moves on either way.
 */
void
action_answer_stats(struct action_engine *e, const size_t *members,
    size_t n, const json_t *root)
{
	struct es_ccr_stats	 st;
	char			*cause = NULL;
	bool			 parsed;
	size_t			 k;

	parsed = es_parse_ccr_stats(root, &st, &cause) == 0;
	free(cause);
	for (k = 0; k < n; k++)
		action_record_stats(e, members[k], parsed ? &st : NULL);
	if (parsed)
		es_ccr_stats_clear(&st);
}
