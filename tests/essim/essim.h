/*
 * essim's internal header: the server state shared by the HTTP front end
 * (rest.c), the outgoing client and replication (remote.c), fault injection
 * (fault.c) and persistence (journal.c). The model (model.h) knows nothing
 * of these.
 */
#ifndef ESSIM_ESSIM_H
#define ESSIM_ESSIM_H

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "model.h"

struct essim;
struct rest_ctx;

/* How an outgoing call ended. */
enum remote_outcome {
	REMOTE_OK,		/* an HTTP answer arrived (any status) */
	REMOTE_REFUSED,		/* connect refused or connection lost */
	REMOTE_TIMEOUT,		/* no answer within the timeout */
	REMOTE_NO_ALIAS,	/* the alias is not (or no longer) configured */
	REMOTE_OUTCOME_MAX
};

struct remote_result {
	enum remote_outcome	 outcome;
	int			 status;
	json_t			*body;		/* NULL when not JSON */
	const char		*alias;
	const char		*address;
	uint64_t		 elapsed_ms;
};

typedef void (*remote_cb)(void *, struct remote_result *);

/* Which requests a fault rule applies to. */
enum fault_from {
	FAULT_FROM_ANY,
	FAULT_FROM_CLIENTS,	/* everyone but the peer essim */
	FAULT_FROM_PEER,	/* only the peer essim (replication, probes) */
	FAULT_FROM_MAX
};

/* A fault rule on incoming requests. */
enum fault_action {
	FAULT_ERROR,
	FAULT_DELAY,
	FAULT_HANG,
	FAULT_MALFORMED,
	FAULT_DROP,
	FAULT_ACTION_MAX
};

struct fault {
	TAILQ_ENTRY(fault)	 entry;
	int			 id;
	enum fault_action	 action;
	enum fault_from		 from;
	char			*method;	/* NULL: any */
	char			*path;		/* prefix, or glob with '*' */
	int			 status;
	char			*type;
	char			*reason;
	char			*header;	/* header name, or NULL */
	char			*header_value;	/* substring it must hold */
	int			 delay_ms;
	int			 remaining;	/* -1: until cleared */
	int			 hits;
};
TAILQ_HEAD(fault_list, fault);

/* A cut of the outgoing link to a peer. */
enum link_cut {
	LINK_OK,
	LINK_REFUSE,
	LINK_HANG,
	LINK_CUT_MAX
};

struct essim_options {
	int		 transport_timeout_ms;
	int		 refresh_interval_ms;
	int		 tick_ms;
	int		 read_poll_ms;	/* read_poll_timeout when unset */
	FILE		*request_log;	/* one line per request, or NULL */
};

/* The header that marks requests from a peer essim (its "transport"). */
#define ESSIM_PEER_HEADER	"X-Essim-Peer"

struct hung {
	TAILQ_ENTRY(hung)	 entry;
	struct rest_ctx		*ctx;
};
TAILQ_HEAD(hung_list, hung);

struct parked;
TAILQ_HEAD(parked_list, parked);
TAILQ_HEAD(rest_ctx_list, rest_ctx);
struct remote;
TAILQ_HEAD(remote_list, remote);
struct restore;
TAILQ_HEAD(restore_list, restore);
typedef void (*restore_cb)(void *, int);

struct essim {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	char				*host;
	int				 port;
	struct sim_cluster		*cluster;
	struct essim_options		 opt;

	struct journal			*journal;

	struct fault_list		 faults;
	int				 fault_next_id;
	struct event			*refuse_timer;
	int				 refusing;
	struct hung_list		 hung;

	enum link_cut			 link_cut;
	char				*link_alias;	/* NULL: every remote */
	int				 link_remaining;

	struct parked_list		 parked;
	struct rest_ctx_list		 ctxs;
	uint64_t			 woken_generation;

	struct remote_list		 remotes;
	uint64_t			 orphan_next_ms;
	uint64_t			 follow_generation;
	uint64_t			 af_next_ms;
	struct event			*tick;
	struct event			*refresh;
	struct event			*reaper;
	struct evhttp_connection	**dead;
	size_t				 ndead;

	json_t				*knobs;		/* cluster knobs */
	json_t				*knobs_start;	/* from flags */
	json_t				*index_knobs;	/* name -> knobs */

	struct restore_list		 restores;
	json_t				*principals;	/* users, API keys */
	int				 tls;		/* HTTPS, TLS to peers */
};

uint64_t	 essim_now_ms(void);
uint64_t	 essim_wall_ms(void);

/* rest.c */
void		 rest_handle(struct evhttp_request *, void *);
void		 rest_wake_parked(struct essim *);
void		 rest_shutdown(struct essim *);
void		 rest_release_hung(struct essim *);
int		 rest_parked_count(struct essim *, int);

/* remote.c */
void		 remote_init(struct essim *);
void		 remote_sync(struct essim *);
void		 remote_shutdown(struct essim *);
void		 remote_call(struct essim *, const char *, enum evhttp_cmd_type,
		    const char *, json_t *, int, remote_cb, void *);
void		 remote_cut_in_flight(struct essim *, const char *,
		    enum link_cut);
json_t		*remote_info(struct essim *);
int		 remote_connected(struct essim *, const char *);
json_t		*remote_failure_cause(struct remote_result *, const char *);

/* fault.c */
void		 fault_init(struct essim *);
int		 fault_add(struct essim *, json_t *, json_t **);
json_t		*fault_list_json(struct essim *);
void		 fault_clear(struct essim *);
int		 fault_remove(struct essim *, int);
struct fault	*fault_match(struct essim *, const char *, const char *, int,
		    const struct evkeyvalq *);
void		 fault_used(struct essim *, struct fault *);
int		 fault_refuse(struct essim *, int);
void		 fault_accept(struct essim *);
void		 fault_drop_request(struct evhttp_request *);
int		 fault_link(struct essim *, json_t *, json_t **);
enum link_cut	 fault_link_use(struct essim *, const char *);

/* knobs.c */
void		 knob_init(struct essim *);
void		 knob_set_start(struct essim *, const char *, json_t *);
void		 knob_free(struct essim *);
int		 knob_put(struct essim *, const char *, json_t *, json_t **);
json_t		*knob_get(struct essim *);
void		 knob_reset(struct essim *, const char *);
json_t		*knob_value(struct essim *, const char *, const char *);
int		 knob_bool(struct essim *, const char *, int);
json_int_t	 knob_int(struct essim *, const char *, const char *,
		    json_int_t);
int		 knob_is(struct essim *, const char *, const char *);

/* restore.c */
int		 restore_wanted(struct essim *, const char *);
void		 restore_start(struct essim *, struct sim_index *, restore_cb,
		    void *);
void		 restore_free(struct restore *);
int		 restore_recovery(struct essim *, const char *, int, json_t **);
void		 restore_shutdown(struct essim *);

/* security.c */
void		 security_init(struct essim *);
void		 security_free(struct essim *);
int		 security_enabled(struct essim *);
int		 security_add(struct essim *, const char *, const char *);
int		 security_role(struct essim *, const char *, char **);
int		 security_load(struct essim *, const char *, char **);
json_t		*security_authenticate(struct essim *, const char *);
int		 security_authorize(struct essim *, json_t *, const char *,
		    char **, int, json_t **);
int		 security_has_privileges(struct essim *, json_t *, json_t *,
		    json_t **);

/* tls.c */
int		 tls_init(struct essim *, const char *, const char *, char **);
struct bufferevent *tls_client_bev(struct essim *);
void		 tls_free(void);

/* journal.c */
struct journal	*journal_open(const char *, struct sim_cluster *, char **);
void		 journal_close(struct journal *);

#endif
