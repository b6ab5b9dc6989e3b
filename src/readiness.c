/*
 * Readiness checks (see readiness.h). A pass sends, at once: GET / and
 * POST /_security/user/_has_privileges to each cluster, and GET
 * /_remote/info and GET /_all/_ccr/info to the current follower. When every
 * answer is in it builds the checks, in this order:
 *
 *   connect:<cluster>	GET / answered (over https: TLS verified)
 *   privileges:<cluster>	every privilege an action step may need there
 *   remote:<follower>	the follower lists the leader's alias
 *   follow:<index>	each follower index follows the expected leader
 *			index through that alias
 *
 * The pass also reads the leader's index uuids (GET /_settings), which the
 * daemon pins (readiness_index_uuid) so that a failback can tell the index
 * that led from one re-created since.
 *
 * Both clusters are asked for the privileges of both roles: after a
 * promotion the follower leads and the old leader is failed back, so each
 * may run every step. The table below says which step needs which
 * privilege (reference section 2.3), so a failed check names the steps
 * that would fail.
 */
#include "autoconf.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "es-parse.h"
#include "es.h"
#include "log.h"
#include "readiness.h"
#include "xmalloc.h"

/* Who needs what: cluster privileges (index false) and index ones. */
static const struct {
	const char	*privilege;
	bool		 index;
	const char	*steps;
} readiness_needs[] = {
	{ "monitor", false, "polling, record, lag wait" },
	{ "manage_ccr", false, "pause_follow, follow, auto-follow pause" },
	{ "manage", false, "remote registration (_cluster/settings)" },
	{ "monitor", true, "divergence check (_stats)" },
	{ "manage", true, "close, open, write_block, clone, delete" },
	{ "manage_follow_index", true, "unfollow, follow" },
	{ "write", true, "follow (the follower index)" },
	{ "read", true, "follow (read by the other cluster's follower)" }
};
#define READINESS_NEEDS	(sizeof readiness_needs / sizeof readiness_needs[0])

enum readiness_slot {
	READY_ROOT_0,
	READY_ROOT_1,
	READY_PRIV_0,
	READY_PRIV_1,
	READY_REMOTE,
	READY_INFO,
	READY_UUIDS,
	READY_SLOT_MAX
};

struct readiness_answer {
	struct readiness	*r;
	enum readiness_slot	 id;
	struct es_request	*req;
	bool			 answered;	/* any HTTP answer */
	bool			 ok;		/* 2xx, parsed */
	long			 status;
	char			 error[384];
};

struct readiness {
	struct event_base	*base;
	const struct ccr_config	*config;
	struct es_cluster	*clusters[CCR_CLUSTERS];
	int			 leader;
	readiness_cb		 cb;
	void			*arg;
	struct event		*timer;
	struct event		*report;	/* every answer is in */
	uint64_t		 interval_ms;

	bool			 running;
	int			 outstanding;
	struct readiness_answer	 answers[READY_SLOT_MAX];
	struct es_privileges	 privileges[CCR_CLUSTERS];
	struct es_remote	 remote;
	struct es_ccr_info	 info;
	struct es_index_uuids	 uuids;		/* the leader's */
};

static void	readiness_tick(evutil_socket_t, short, void *);
static void	readiness_report_cb(evutil_socket_t, short, void *);

/* A readiness checker over the two cluster clients (config order). */
struct readiness *
readiness_create(struct event_base *base, const struct ccr_config *cfg,
    struct es_cluster *c0, struct es_cluster *c1, readiness_cb cb,
    void *arg)
{
	struct readiness	*r;
	int			 s;

	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->config = cfg;
	r->clusters[0] = c0;
	r->clusters[1] = c1;
	r->cb = cb;
	r->arg = arg;
	for (s = 0; s < READY_SLOT_MAX; s++) {
		r->answers[s].r = r;
		r->answers[s].id = s;
	}
	if ((r->timer = evtimer_new(base, readiness_tick, r)) == NULL ||
	    (r->report = evtimer_new(base, readiness_report_cb, r)) == NULL)
		fatalx("readiness: cannot create timer");
	return (r);
}

/* Drop what a pass parsed. */
static void
readiness_clear(struct readiness *r)
{
	int	i;

	for (i = 0; i < CCR_CLUSTERS; i++)
		es_privileges_clear(&r->privileges[i]);
	es_ccr_info_clear(&r->info);
	memset(&r->remote, 0, sizeof r->remote);
	es_index_uuids_clear(&r->uuids);
}

/* Cancel a pass in flight, unreported. */
static void
readiness_cancel(struct readiness *r)
{
	int	s;

	for (s = READY_SLOT_MAX - 1; s >= 0; s--) {
		if (r->answers[s].req != NULL) {
			es_cancel(r->answers[s].req);
			r->answers[s].req = NULL;
		}
	}
	r->outstanding = 0;
	r->running = false;
	evtimer_del(r->report);
	readiness_clear(r);
}

void
readiness_free(struct readiness *r)
{
	if (r == NULL)
		return;
	readiness_cancel(r);
	event_free(r->timer);
	event_free(r->report);
	free(r);
}

/* The roles changed: a pass in flight asked the wrong follower. */
void
readiness_set_leader(struct readiness *r, int leader)
{
	if (leader == r->leader || leader < 0 || leader >= CCR_CLUSTERS)
		return;
	readiness_cancel(r);
	r->leader = leader;
}

/*
 * Set a check's verdict and detail. A pass keeps a check per configured
 * index until the next one, so each detail takes only the room it needs.
 */
static void __attribute__((format(printf, 3, 4)))
readiness_set(struct readiness_check *c, bool ok, const char *fmt, ...)
{
	va_list	ap;

	free(c->detail);
	c->ok = ok;
	va_start(ap, fmt);
	xvasprintf(&c->detail, fmt, ap);
	va_end(ap);
}

/* Free what a pass reported. */
void
readiness_checks_free(struct readiness_check *checks, size_t n)
{
	size_t	i;

	if (checks == NULL)
		return;
	for (i = 0; i < n; i++)
		free(checks[i].detail);
	free(checks);
}

/* Append "; " and text to a detail, quietly truncated. */
static void
readiness_append(char *buf, size_t len, const char *text)
{
	size_t	n = strlen(buf);

	if (n + 1 >= len)
		return;
	snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "", text);
}

/*
 * The privileges check of one cluster from its _has_privileges answer:
 * names are the configured index names on that cluster. c's detail is
 * replaced (NULL, or allocated).
 */
void
readiness_privileges(const struct es_privileges *pv,
    const char *const *names, size_t nnames, struct readiness_check *c)
{
	char	text[256], detail[1024];
	size_t	i, k;
	bool	ok = true;

	detail[0] = '\0';
	for (i = 0; i < READINESS_NEEDS; i++) {
		if (!readiness_needs[i].index) {
			if (es_privileges_granted(pv, NULL,
			    readiness_needs[i].privilege))
				continue;
			snprintf(text, sizeof text, "cluster privilege %s "
			    "missing (%s)", readiness_needs[i].privilege,
			    readiness_needs[i].steps);
			readiness_append(detail, sizeof detail, text);
			ok = false;
			continue;
		}
		for (k = 0; k < nnames; k++) {
			if (es_privileges_granted(pv, names[k],
			    readiness_needs[i].privilege))
				continue;
			snprintf(text, sizeof text, "index privilege %s on %s "
			    "missing (%s)", readiness_needs[i].privilege,
			    names[k], readiness_needs[i].steps);
			readiness_append(detail, sizeof detail, text);
			ok = false;
		}
	}
	if (ok)
		readiness_set(c, true, "every privilege the actions need is "
		    "granted");
	else
		readiness_set(c, false, "%s", detail);
}

/* The configured index names on cluster i, borrowed from the config. */
static const char **
readiness_names(const struct ccr_config *cfg, int i)
{
	const char	**names;
	size_t		  k;

	names = xcalloc(cfg->nindices + 1, sizeof *names);
	for (k = 0; k < cfg->nindices; k++)
		names[k] = i == 0 ? cfg->indices[k].leader_index :
		    cfg->indices[k].follower_index;
	return (names);
}

/* The detail of an answer that is not the one asked for. */
static void
readiness_failed(const struct readiness_answer *a, struct readiness_check *c)
{
	readiness_set(c, false, "%s", a->error);
}

/* Build the checks of a finished pass and report them. */
static void
readiness_report(struct readiness *r)
{
	const struct ccr_config		*cfg = r->config;
	struct readiness_check		*checks, *c;
	const struct readiness_answer	*a;
	const struct es_follow_info	*fi;
	const char			**names, *alias, *url;
	size_t				 n = 0, k;
	int				 i, f = 1 - r->leader;
	bool				 ready = true;

	checks = xcalloc(2 * CCR_CLUSTERS + 1 + cfg->nindices,
	    sizeof *checks);
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &checks[n++];
		a = &r->answers[READY_ROOT_0 + i];
		url = es_cluster_node(r->clusters[i]);
		snprintf(c->check, sizeof c->check, "connect:%s",
		    cfg->clusters[i].name);
		if (!a->answered)
			readiness_failed(a, c);
		else
			readiness_set(c, strncmp(url, "https://", 8) != 0 ||
			    !cfg->clusters[i].insecure, "%s answers%s",
			    url, strncmp(url, "https://", 8) == 0 ?
			    cfg->clusters[i].insecure ?
			    " (TLS NOT verified: insecure = true)" :
			    ", TLS verified" : "");
	}
	for (i = 0; i < CCR_CLUSTERS; i++) {
		c = &checks[n++];
		a = &r->answers[READY_PRIV_0 + i];
		snprintf(c->check, sizeof c->check, "privileges:%s",
		    cfg->clusters[i].name);
		if (!a->ok) {
			readiness_failed(a, c);
			continue;
		}
		names = readiness_names(cfg, i);
		readiness_privileges(&r->privileges[i], names, cfg->nindices,
		    c);
		free(names);
	}
	alias = cfg->clusters[r->leader].name;
	c = &checks[n++];
	snprintf(c->check, sizeof c->check, "remote:%s",
	    cfg->clusters[f].name);
	a = &r->answers[READY_REMOTE];
	if (!a->ok)
		readiness_failed(a, c);
	else if (!r->remote.found)
		readiness_set(c, false, "%s does not list remote %s in "
		    "_remote/info (no remote_cluster_client role, or a wrong "
		    "alias)", cfg->clusters[f].name, alias);
	else
		readiness_set(c, true, "%s knows remote %s (%s)",
		    cfg->clusters[f].name, alias,
		    r->remote.connected ? "connected" : "not connected now");
	for (k = 0; k < cfg->nindices; k++) {
		const char *fname = f == 0 ? cfg->indices[k].leader_index :
		    cfg->indices[k].follower_index;
		const char *lname = r->leader == 0 ?
		    cfg->indices[k].leader_index :
		    cfg->indices[k].follower_index;

		c = &checks[n++];
		snprintf(c->check, sizeof c->check, "follow:%s", fname);
		a = &r->answers[READY_INFO];
		if (!a->ok) {
			readiness_failed(a, c);
			continue;
		}
		fi = es_ccr_info_find(&r->info, fname);
		if (fi == NULL)
			readiness_set(c, false, "%s on %s is not a follower "
			    "index (or does not exist)", fname,
			    cfg->clusters[f].name);
		else if (strcmp(fi->remote_cluster, alias) != 0 ||
		    strcmp(fi->leader_index, lname) != 0)
			readiness_set(c, false, "%.100s follows %.100s:%.100s, "
			    "not %.100s:%.100s", fname, fi->remote_cluster,
			    fi->leader_index, alias, lname);
		else
			readiness_set(c, true, "follows %s:%s (%s)", alias,
			    lname, fi->active ? "active" : "paused");
	}
	for (k = 0; k < n; k++)
		ready = ready && checks[k].ok;
	r->running = false;
	/* Only the uuids are read during the callback; the rest goes now. */
	for (i = 0; i < CCR_CLUSTERS; i++)
		es_privileges_clear(&r->privileges[i]);
	es_ccr_info_clear(&r->info);
	r->cb(checks, n, ready, r->arg);
	readiness_clear(r);
}

/* One answer of the pass. */
static void
readiness_done(const struct es_result *res, void *arg)
{
	struct readiness_answer	*a = arg;
	struct readiness	*r = a->r;
	struct timeval		 now = { 0, 0 };
	char			*cause = NULL, denied[160];
	int			 i;

	a->req = NULL;
	a->answered = res->outcome == HTTP_DONE;
	a->status = res->status;
	if (!res->ok || res->root == NULL) {
		if (es_denial(res->status, res->reason, denied,
		    sizeof denied) != OBS_DENIAL_NONE)
			snprintf(a->error, sizeof a->error, "%s", denied);
		else if (res->outcome != HTTP_DONE)
			snprintf(a->error, sizeof a->error, "no answer from "
			    "%s: %s", res->node != NULL ? res->node : "?",
			    res->reason);
		else
			snprintf(a->error, sizeof a->error, "%ld %s: %s",
			    res->status, res->error_type, res->reason);
	} else {
		switch (a->id) {
		case READY_ROOT_0:
		case READY_ROOT_1:
			a->ok = true;
			break;
		case READY_PRIV_0:
		case READY_PRIV_1:
			i = a->id - READY_PRIV_0;
			a->ok = es_parse_has_privileges(res->root,
			    &r->privileges[i], &cause) == 0;
			break;
		case READY_REMOTE:
			a->ok = es_parse_remote_info(res->root,
			    r->config->clusters[r->leader].name, &r->remote,
			    &cause) == 0;
			break;
		case READY_INFO:
			a->ok = es_parse_ccr_info(res->root, &r->info,
			    &cause) == 0;
			break;
		case READY_UUIDS:
			a->ok = es_parse_index_uuids(res->root, &r->uuids,
			    &cause) == 0;
			break;
		default:
			break;
		}
		if (!a->ok)
			snprintf(a->error, sizeof a->error, "bad answer: %s",
			    cause != NULL ? cause : "");
		free(cause);
	}
	/*
	 * Reported from the loop, once this answer's parsed tree is freed:
	 * the report has the status file rewritten.
	 */
	if (--r->outstanding == 0)
		evtimer_add(r->report, &now);
}

/* Every answer of the pass is in. */
static void
readiness_report_cb(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct readiness	*r = arg;

	if (r->running && r->outstanding == 0)
		readiness_report(r);
}

/* Send one request of the pass. */
static void
readiness_send(struct readiness *r, enum readiness_slot id, int cluster,
    struct es_call *call)
{
	struct readiness_answer	*a = &r->answers[id];

	r->outstanding++;
	a->req = es_send(r->clusters[cluster], call,
	    r->config->request_timeout_ms, readiness_done, a);
	es_call_clear(call);
}

/*
 * The uuid of index on the current leader as the pass read it, or NULL;
 * valid during the pass's callback.
 */
const char *
readiness_index_uuid(const struct readiness *r, const char *index)
{
	return (es_index_uuids_find(&r->uuids, index));
}

/* Start one pass now, unless one is running. */
void
readiness_run(struct readiness *r)
{
	static const char *const cluster_privs[] = {
		"monitor", "manage_ccr", "manage"
	};
	static const char *const index_privs[] = {
		"monitor", "manage", "manage_follow_index", "write", "read"
	};
	struct es_call	  call;
	const char	**names;
	char		 *cause = NULL;
	int		  i, s, f = 1 - r->leader;

	if (r->running)
		return;
	for (s = 0; s < READY_SLOT_MAX; s++) {
		r->answers[s].answered = r->answers[s].ok = false;
		r->answers[s].status = 0;
		snprintf(r->answers[s].error, sizeof r->answers[s].error,
		    "not asked");
	}
	r->running = true;
	/* Answers come from the loop, never from es_send: count first. */
	r->outstanding = 1;
	for (i = 0; i < CCR_CLUSTERS; i++) {
		es_call_root(&call);
		readiness_send(r, READY_ROOT_0 + i, i, &call);
		names = readiness_names(r->config, i);
		if (es_call_has_privileges(&call, cluster_privs,
		    sizeof cluster_privs / sizeof cluster_privs[0], names,
		    r->config->nindices, index_privs,
		    sizeof index_privs / sizeof index_privs[0], &cause) == 0)
			readiness_send(r, READY_PRIV_0 + i, i, &call);
		else {
			snprintf(r->answers[READY_PRIV_0 + i].error,
			    sizeof r->answers[0].error, "%s", cause);
			free(cause);
			cause = NULL;
		}
		free(names);
	}
	es_call_remote_info(&call);
	readiness_send(r, READY_REMOTE, f, &call);
	es_call_follow_info_all(&call);
	readiness_send(r, READY_INFO, f, &call);
	es_call_index_uuids(&call);
	readiness_send(r, READY_UUIDS, r->leader, &call);
	if (--r->outstanding == 0)
		readiness_report(r);
}

/* The interval timer: a pass, then re-arm unless the interval is 0. */
static void
readiness_tick(__attribute__((unused)) evutil_socket_t fd,
    __attribute__((unused)) short what, void *arg)
{
	struct readiness	*r = arg;
	struct timeval		 tv;

	readiness_run(r);
	if (r->interval_ms == 0)
		return;
	tv.tv_sec = (time_t)(r->interval_ms / 1000);
	tv.tv_usec = (suseconds_t)(r->interval_ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

/* A pass now and then every interval_ms; 0: this pass only. */
void
readiness_start(struct readiness *r, uint64_t interval_ms)
{
	struct timeval	tv = { 0, 0 };

	r->interval_ms = interval_ms;
	evtimer_add(r->timer, &tv);
}

struct readiness_preflight {
	struct event_base	*base;
	FILE			*out;
	int			 status;
};

/* --preflight's report: each check on a line, then the verdict. */
static void
readiness_preflight_done(struct readiness_check *checks, size_t n,
    bool ready, void *arg)
{
	struct readiness_preflight	*p = arg;
	size_t				 i;

	for (i = 0; i < n; i++)
		fprintf(p->out, "%-4s %s: %s\n", checks[i].ok ? "ok" : "FAIL",
		    checks[i].check, checks[i].detail);
	fprintf(p->out, "%s\n", ready ? "ready" : "NOT READY");
	readiness_checks_free(checks, n);
	p->status = ready ? 0 : 1;
	event_base_loopbreak(p->base);
}

/*
 * Run the checks once for cfg, as the configured leader and follower, and
 * print them to out. 0 when every check passed, 1 otherwise.
 */
int
readiness_preflight(const struct ccr_config *cfg, FILE *out)
{
	struct readiness_preflight	 p;
	struct http			*http = NULL;
	struct es_cluster		*es[CCR_CLUSTERS] = { NULL, NULL };
	struct readiness		*r = NULL;
	const struct ccr_cluster_config	*cc;
	char				*cause = NULL, *password, *api_key;
	int				 i;

	memset(&p, 0, sizeof p);
	p.out = out;
	p.status = 1;
	if ((p.base = event_base_new()) == NULL) {
		fprintf(out, "FAIL libevent could not create an event base\n");
		return (1);
	}
	if ((http = http_create(p.base, 16, &cause)) == NULL)
		goto fail;
	for (i = 0; i < CCR_CLUSTERS; i++) {
		cc = &cfg->clusters[i];
		password = api_key = NULL;
		if (cc->password_file != NULL && config_read_secret(cfg,
		    cc->password_file, &password, &cause) == -1)
			goto fail;
		if (cc->api_key_file != NULL && config_read_secret(cfg,
		    cc->api_key_file, &api_key, &cause) == -1) {
			config_secret_free(password);
			goto fail;
		}
		es[i] = es_cluster_create(http, cc, password, api_key,
		    cfg->max_requests_per_cluster, &cause);
		config_secret_free(password);
		config_secret_free(api_key);
		if (es[i] == NULL)
			goto fail;
	}
	r = readiness_create(p.base, cfg, es[0], es[1],
	    readiness_preflight_done, &p);
	readiness_run(r);
	event_base_dispatch(p.base);
	goto out;
fail:
	fprintf(out, "FAIL %s\nNOT READY\n", cause);
	free(cause);
out:
	readiness_free(r);
	for (i = 0; i < CCR_CLUSTERS; i++)
		es_cluster_free(es[i]);
	http_free(http);
	event_base_free(p.base);
	return (p.status);
}
