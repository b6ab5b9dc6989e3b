/*
 * The failback's checks on the old leader, before and after anything there
 * is replaced. The divergence guard compares its primaries' operations with
 * what the new leader had received when it was promoted (the promotion
 * record's checkpoints): an index that holds operations the new leader
 * never received, or that cannot be shown not to, is not deleted until the
 * operator confirms, and is then write-blocked and copied first; the copy
 * must start and hold every document before the delete. The old leader
 * must be shown to reach the new one through the remote just registered,
 * or nothing is deleted. A new follow is done when its restore is over.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action-int.h"
#include "events.h"
#include "log.h"
#include "xmalloc.h"

/*
 * The divergence guard: compare the old leader's operations with what the
 * new leader had received when it was promoted; anything unproven counts as
 * divergent, and such an index waits for the operator.
 */
static void
action_check_divergence(struct action_engine *e, size_t i,
    const struct es_shard_seqs *ss)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[e->rec->old_leader];
	const struct es_index_seq	*is;
	int64_t				*now = NULL, divergent;
	size_t				 nnow = 0;
	char				 count[32], *why;
	struct log_field		 f[] = {
		{ "CCR_INDEX", name },
		{ "CCR_CLUSTER", e->rec->clusters[e->rec->old_leader] },
		{ "CCR_DIVERGENT_OPERATIONS", count },
	};

	if (ss != NULL) {
		/* Not the index that led: someone re-created it. */
		if ((is = es_shard_seqs_find(ss, name)) == NULL &&
		    ss->nindices == 1)
			is = &ss->indices[0];
		if (is != NULL && ir->uuid != NULL && is->uuid[0] != '\0' &&
		    strcmp(is->uuid, ir->uuid) != 0) {
			xasprintf(&why, "its uuid %s is not the one pinned "
			    "while it led (%s): re-created since, left as it "
			    "is", is->uuid, ir->uuid);
			action_index_fail(e, i, "index_recreated", why);
			free(why);
			return;
		}
		/* The index checked is the one a DELETE may remove. */
		if (is != NULL && ir->uuid == NULL && is->uuid[0] != '\0')
			ir->uuid = xstrdup(is->uuid);
		now = action_primary_seqs(ss, name, &nnow);
	}
	divergent = step_divergent_operations(ir->follower_global_checkpoint,
	    ir->nshards, now, nnow);
	free(now);
	ir->divergent_operations = divergent;
	if (divergent == 0) {
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_DIVERGENCE, false));
		return;
	}
	if (ir->clone == NULL)
		ir->clone = action_record_clone_name(name);
	if (divergent > 0)
		snprintf(count, sizeof count, "%" PRId64, divergent);
	else
		snprintf(count, sizeof count, "unknown");
	events_emit(e->params.events, CCR_EVENT_DIVERGENCE,
	    LOG_LEVEL_WARNING, f, sizeof f / sizeof f[0], NULL,
	    "%s: index %s on %s holds %s operations the new leader never "
	    "received; kept until confirmed, then copied to %s",
	    fsm_action_name(e->rec->kind), name,
	    e->rec->clusters[e->rec->old_leader], count, ir->clone);
	action_index_advance(e, i, step_next(e->rec->kind, STEP_DIVERGENCE,
	    true));
}

/*
 * The divergence check's _stats for the indices in members, parsed once.
 * Alone, an index is judged on whatever came back (an unreadable answer
 * proves nothing, so it counts as divergent); in a list, one that is not
 * in the answer is asked about alone.
 */
void
action_answer_seqs(struct action_engine *e, const size_t *members,
    size_t n, const json_t *root)
{
	struct es_shard_seqs	 ss;
	char			*cause = NULL;
	bool			 parsed;
	size_t			 k, i;

	parsed = es_parse_shard_seqs(root, &ss, &cause) == 0;
	free(cause);
	for (k = 0; k < n; k++) {
		i = members[k];
		if (n > 1 && (!parsed || es_shard_seqs_find(&ss,
		    e->rec->indices[i].names[e->rec->old_leader]) == NULL)) {
			e->runs[i].solo = true;
			continue;
		}
		action_check_divergence(e, i, parsed ? &ss : NULL);
	}
	if (parsed)
		es_shard_seqs_clear(&ss);
}

/*
 * The old leader cannot be shown to reach the new one through the remote
 * just registered: following would fail, so its index is not deleted; it
 * waits for the operator with the reason.
 */
static void
action_index_unreachable(struct action_engine *e, size_t i, const char *why)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	struct log_field		 f[] = {
		{ "CCR_INDEX", ir->names[e->rec->old_leader] },
		{ "CCR_CLUSTER", e->rec->clusters[e->rec->old_leader] },
	};

	ir->unreachable = true;
	action_set_string(&ir->error_type, "remote_unreachable");
	action_set_string(&ir->error_reason, why);
	log_event(LOG_LEVEL_WARNING,
	    ccr_events[CCR_EVENT_DIVERGENCE].message_id, f,
	    sizeof f / sizeof f[0], "%s: index %s on %s is kept: %s cannot "
	    "reach %s through its remote: %s; nothing is deleted until "
	    "confirmed", fsm_action_name(e->rec->kind),
	    ir->names[e->rec->old_leader],
	    e->rec->clusters[e->rec->old_leader],
	    e->rec->clusters[e->rec->old_leader], e->rec->clusters[p], why);
	action_changed(e);
}

/*
 * What a DELETE that may have gone out left: nothing (it is done), the
 * index that was checked (send it again), or another one of that name,
 * created since by a client's write. That one holds writes nobody
 * checked, so it starts over at the fence and the divergence guard, which
 * knows nothing about it and keeps it until the operator confirms.
 * Without a pinned uuid, which one is there cannot be told: it is checked
 * again from the fence, with what the record knows.
 */
static bool
action_delete_verified(struct action_engine *e, size_t i,
    const struct es_result *a, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	const char			*name = ir->names[e->rec->old_leader];
	const char			*uuid;
	struct step_reply		 garbled;

	if (a->outcome != HTTP_DONE)
		return (false);
	if (a->status == 404 && r->error_type != NULL &&
	    strcmp(r->error_type, "index_not_found_exception") == 0) {
		action_index_advance(e, i, step_next(e->rec->kind,
		    STEP_DELETE, false));
		return (true);
	}
	if (a->status != 200)
		return (false);
	if (a->root == NULL || (uuid = es_index_uuid(a->root, name)) == NULL) {
		garbled = *r;
		garbled.error_type = "invalid_answer";
		garbled.reason = "no index uuid in the answer";
		action_index_retry(e, i, &garbled);
		return (true);
	}
	if (ir->uuid != NULL && strcmp(uuid, ir->uuid) == 0) {
		action_index_move(e, i, STEP_DELETE);
		return (true);
	}
	if (ir->uuid == NULL) {
		log_warnx("%s: %s on %s: no uuid was pinned, so whether the "
		    "delete went out cannot be told; checked again",
		    fsm_action_name(e->rec->kind), name,
		    e->rec->clusters[e->rec->old_leader]);
		action_index_move(e, i, STEP_FENCE);
		return (true);
	}
	log_warnx("%s: %s on %s was deleted and created again since (uuid "
	    "%s, not %s): a client's writes; checked as a new index",
	    fsm_action_name(e->rec->kind), name,
	    e->rec->clusters[e->rec->old_leader], uuid, ir->uuid);
	action_index_advance(e, i, STEP_FENCE);
	return (true);
}

/*
 * The answer of a step that waits or proves something on the old leader
 * (clone_started, clone_count, restore, reach_check); true when it was
 * handled here.
 */
bool
action_index_check(struct action_engine *e, size_t i, enum step step,
    const struct es_result *a, const struct step_reply *r)
{
	struct action_index_record	*ir = &e->rec->indices[i];
	int				 p = action_promoted(e->rec);
	const char			*name = ir->names[e->rec->old_leader];
	struct es_health		 h;
	struct es_resolved		 rc;
	int64_t				 src, copy;
	uint64_t			 copied, total;
	char				*cause = NULL, why[320];
	bool				 up;

	memset(&rc, 0, sizeof rc);
	switch (step) {
	case STEP_VERIFY_DELETE:
		return (action_delete_verified(e, i, a, r));
	case STEP_RESTORE:
		if (a->outcome != HTTP_DONE || a->status != 200 ||
		    a->root == NULL)
			return (false);
		if (es_parse_recovery(a->root, name, &up, &copied, &total,
		    &cause) != 0) {
			free(cause);
			return (false);
		}
		if (!up) {
			snprintf(why, sizeof why, "the follow's restore has "
			    "copied %llu%% (%llu of %llu bytes)",
			    (unsigned long long)(total > 0 ?
			    copied * 100 / total : 0),
			    (unsigned long long)copied,
			    (unsigned long long)total);
			action_index_wait(e, i, "restoring", why);
			return (true);
		}
		e->runs[i].restored = true;
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_CLONE_STARTED:
		if (a->outcome != HTTP_DONE || (a->status != 200 &&
		    a->status != 408))
			return (false);
		up = a->status == 200 && a->root != NULL &&
		    es_parse_health(a->root, &h, &cause) == 0 &&
		    !h.timed_out && (h.status == OBS_HEALTH_GREEN ||
		    h.status == OBS_HEALTH_YELLOW);
		free(cause);
		if (!up) {
			action_index_wait(e, i, "copy_starting",
			    "the copy's shards are not started yet");
			return (true);
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_CLONE_COUNT:
		if (a->outcome != HTTP_DONE || a->status != 200)
			return (false);
		src = es_docs_count(a->root, name);
		copy = es_docs_count(a->root, ir->clone);
		if (src < 0 || copy < 0 || src != copy) {
			snprintf(why, sizeof why, "the copy %s holds %lld of "
			    "%lld documents", ir->clone, (long long)copy,
			    (long long)src);
			action_index_wait(e, i, "copy_incomplete", why);
			return (true);
		}
		action_index_advance(e, i, step_next(e->rec->kind, step,
		    false));
		return (true);
	case STEP_REACH:
		if (a->outcome == HTTP_TIMEOUT) {
			action_index_unreachable(e, i, "its _resolve/cluster "
			    "did not answer in time");
			return (true);
		}
		if (a->outcome != HTTP_DONE)
			return (false);
		if (a->status == 200 && a->root != NULL &&
		    es_parse_resolve_cluster(a->root, e->rec->clusters[p], &rc,
		    &cause) == 0 && rc.found && rc.connected) {
			action_index_advance(e, i, step_next(e->rec->kind,
			    step, false));
			return (true);
		}
		free(cause);
		if (a->status == 200)
			snprintf(why, sizeof why, "not connected%s%s",
			    rc.error[0] != '\0' ? ": " : "", rc.error);
		else if (a->status < 500)
			snprintf(why, sizeof why, "%s",
			    r->reason != NULL ? r->reason : "refused");
		else
			return (false);
		action_index_unreachable(e, i, why);
		return (true);
	default:
		return (false);
	}
}
