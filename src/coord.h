/*
 * Several watchers, one actor: this member's side of the coordination
 * through etcd (the v3 JSON gateway over the daemon's HTTP client, on its
 * loop). Under the configured prefix:
 *
 *   actor			the acting member's name, on its lease; created
 *				in a transaction only if absent
 *   members/<member>		each member's summary, on its lease
 *   record			the action record (state.json's content), written
 *				by the actor only, fenced on its revision and on
 *				the actor key
 *   commands/<member>/<id>	an operator command a member forwards to the
 *				actor, on the forwarder's lease; the actor
 *				replaces it with the outcome
 *
 * The member keeps its lease alive every sixth of the TTL and acts only
 * while it holds the actor key on that lease and a keepalive was
 * acknowledged within the last third of the TTL. Every callback runs from
 * the loop, never from inside a coord_* call.
 */
#ifndef CCR_COORD_H
#define CCR_COORD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "coord-parse.h"
#include "coord-quorum.h"

struct ccr_coordination_config;
struct event_base;
struct http;
struct coord;

struct coord_callbacks {
	/*
	 * This member became the actor, with the record as etcd holds it
	 * (borrowed; NULL: none yet), or it stopped being the actor.
	 */
	void	(*acting)(bool acting, json_t *record, void *arg);
	/* Another member's newer record (borrowed), and who wrote it. */
	void	(*record)(json_t *record, const char *by, void *arg);
	/* The actor: a command another member forwarded; answer it. */
	void	(*command)(const struct coord_command *, void *arg);
	/* The forwarder: its command's answer, or a made-up rejection. */
	void	(*answered)(const struct coord_command *, void *arg);
	/* etcd became reachable or unreachable (why: the error). */
	void	(*available)(bool available, const char *why, void *arg);
	void	*arg;
};

struct coord	*coord_create(struct event_base *, struct http *,
		     const struct ccr_coordination_config *, const char *,
		     uint64_t, const struct coord_callbacks *);
void		 coord_free(struct coord *);
void		 coord_publish(struct coord *, const struct coord_summary *);
bool		 coord_may_act(struct coord *);
bool		 coord_available(const struct coord *);
const char	*coord_actor(const struct coord *);
const char	*coord_member(const struct coord *);
const struct coord_view *coord_view(const struct coord *);
void		 coord_quorum(const struct coord *, bool, uint64_t,
		     struct coord_quorum *);
int		 coord_record_write(struct coord *, json_t *,
		     void (*)(bool, void *), void *);
int		 coord_forward(struct coord *, const char *, const char *,
		     char **);
void		 coord_command_done(struct coord *,
		     const struct coord_command *);
void		 coord_resign(struct coord *, void (*)(void *), void *);

#endif
