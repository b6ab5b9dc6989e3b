/*
 * The poll loop: every poll interval, both clusters at once, one struct
 * observation per round for the state machine.
 */
#ifndef CCR_POLLER_H
#define CCR_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ccr_config;
struct es_cluster;
struct event_base;
struct observation;
struct poller;

/* What a round cost, for the benchmark and the status file. */
struct poller_counters {
	uint64_t	 rounds;
	uint64_t	 requests;		/* sent in the last round */
	uint64_t	 bytes;			/* in and out, last round */
	uint64_t	 failures;		/* without a good answer */
	uint64_t	 total_requests;
	uint64_t	 total_bytes;
};

/*
 * The observation and its arrays are borrowed for the call. The callback
 * may change roles but must not free the poller.
 */
typedef void (*poller_round_cb)(const struct observation *, void *);

struct poller	*poller_create(struct event_base *, const struct ccr_config *,
		    struct es_cluster *, struct es_cluster *, poller_round_cb,
		    void *);
void		 poller_free(struct poller *);
void		 poller_start(struct poller *);
void		 poller_set_leader(struct poller *, int);
void		 poller_set_quiet(struct poller *, bool);
int		 poller_leader(const struct poller *);
void		 poller_counters(const struct poller *,
		    struct poller_counters *);
void		 poller_set_identity(struct poller *, int, const char *);
const char	*poller_identity(const struct poller *, int);
bool		 poller_identity_changed(const struct poller *, int);

#endif
