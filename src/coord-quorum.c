/*
 * Quorum over the members' summaries and the actor's lease check; see
 * coord-quorum.h.
 *
 * A summary is fresh while its key's revision changed within fresh_ms of
 * now: a member that stopped publishing (dead, cut from etcd) stops
 * counting before its lease even expires. This member's own view counts
 * from its current round, never from what it published. A member counts
 * toward the quorum once, however many keys claim its name.
 *
 * The lease check: an acknowledgement of a keepalive (or the grant) within
 * the last third of the TTL leaves etcd at least two thirds of the TTL
 * before it can expire the lease and let another member take the actor
 * key, which bounds how long a member that lost etcd keeps acting to well
 * under the moment another one may start.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "coord-quorum.h"
#include "xmalloc.h"

/* Start a listing: every member is absent until seen again. */
void
coord_view_begin(struct coord_view *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		v->members[i].present = false;
}

/* One member's summary at revision rev, listed at now_ms. */
void
coord_view_see(struct coord_view *v, const struct coord_summary *s,
    int64_t rev, uint64_t now_ms)
{
	struct coord_member	*m;
	size_t			 i;

	for (i = 0; i < v->n; i++) {
		m = &v->members[i];
		if (strcmp(m->summary.member, s->member) != 0)
			continue;
		if (m->mod_revision != rev)
			m->changed_ms = now_ms;
		m->mod_revision = rev;
		m->summary = *s;
		m->present = true;
		return;
	}
	v->members = xreallocarray(v->members, v->n + 1, sizeof *v->members);
	m = &v->members[v->n++];
	memset(m, 0, sizeof *m);
	m->summary = *s;
	m->mod_revision = rev;
	m->changed_ms = now_ms;
	m->present = true;
}

/* End a listing: members not seen in it are gone (their lease expired). */
void
coord_view_end(struct coord_view *v)
{
	size_t	i = 0;

	while (i < v->n) {
		if (v->members[i].present) {
			i++;
			continue;
		}
		memmove(&v->members[i], &v->members[i + 1],
		    (v->n - i - 1) * sizeof *v->members);
		v->n--;
	}
}

void
coord_view_clear(struct coord_view *v)
{
	free(v->members);
	v->members = NULL;
	v->n = 0;
}

/* How long ago a member's summary last changed. */
uint64_t
coord_view_age(const struct coord_member *m, uint64_t now_ms)
{
	return (now_ms > m->changed_ms ? now_ms - m->changed_ms : 0);
}

/*
 * How long a summary stays fresh: members publish once per poll round and
 * this member lists once per round, so two rounds and a request's time
 * pass between a change and its sighting at worst.
 */
uint64_t
coord_fresh_ms(uint64_t poll_interval_ms, uint64_t request_timeout_ms)
{
	return (2 * poll_interval_ms + request_timeout_ms);
}

/*
 * Count the fresh members and those seeing the leader down: self by its
 * own current view (self_down), the others by their fresh summaries.
 */
void
coord_quorum_count(const struct coord_view *v, const char *self,
    bool self_down, uint64_t now_ms, uint64_t fresh_ms,
    struct coord_quorum *q)
{
	const struct coord_member	*m;
	size_t				 i;

	q->fresh = 1;
	q->down = self_down ? 1 : 0;
	for (i = 0; i < v->n; i++) {
		m = &v->members[i];
		if (strcmp(m->summary.member, self) == 0 ||
		    coord_view_age(m, now_ms) > fresh_ms)
			continue;
		q->fresh++;
		if (!m->summary.leader_reachable)
			q->down++;
	}
}

/*
 * Whether a lease last acknowledged at ack_ms (0: never) is confirmed at
 * now_ms for a TTL of ttl_ms: the acknowledgement is within the last third.
 */
bool
coord_lease_confirmed(uint64_t ack_ms, uint64_t ttl_ms, uint64_t now_ms)
{
	if (ack_ms == 0 || now_ms < ack_ms)
		return (false);
	return (now_ms - ack_ms < ttl_ms / 3);
}
