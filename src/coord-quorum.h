/*
 * The decisions coordination adds, as pure functions over plain values so
 * tests can script any set of watchers and times: which members' summaries
 * are fresh, how many of them (this member included) see the leader down,
 * and whether this member's lease is confirmed recently enough to act.
 * Freshness is measured on this member's monotonic clock, from when it last
 * saw a summary change, so clocks of other hosts never matter.
 */
#ifndef CCR_COORD_QUORUM_H
#define CCR_COORD_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coord-parse.h"

/* One member as this one last saw it. */
struct coord_member {
	struct coord_summary	 summary;
	int64_t			 mod_revision;	/* of its key in etcd */
	uint64_t		 changed_ms;	/* when the revision moved */
	bool			 present;	/* in the last listing */
};

/* Every member seen; members whose key vanished are dropped. */
struct coord_view {
	struct coord_member	*members;
	size_t			 n;
};

/* What the quorum count found. */
struct coord_quorum {
	unsigned int	 fresh;		/* fresh summaries, this member's too */
	unsigned int	 down;		/* of them, seeing the leader down */
};

void	coord_view_begin(struct coord_view *);
void	coord_view_see(struct coord_view *, const struct coord_summary *,
	    int64_t, uint64_t);
void	coord_view_end(struct coord_view *);
void	coord_view_clear(struct coord_view *);
uint64_t coord_view_age(const struct coord_member *, uint64_t);
void	coord_quorum_count(const struct coord_view *, const char *, bool,
	    uint64_t, uint64_t, struct coord_quorum *);
bool	coord_lease_confirmed(uint64_t, uint64_t, uint64_t);
uint64_t coord_fresh_ms(uint64_t, uint64_t);

#endif
