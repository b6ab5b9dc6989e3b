/*
 * Several watchers through etcd, as the daemon sees them: each round every
 * member decides, only the actor acts; taking the actor role is a restart
 * without the process (the record in etcd gives roles and the machine);
 * the others follow the record it writes, and forward operator commands
 * to it. With coordination a request of the engine leaves only once the
 * record it follows is in etcd.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "coord.h"
#include "daemon-int.h"
#include "isotime.h"
#include "log.h"
#include "monotime.h"
#include "poller.h"
#include "sender.h"
#include "status.h"
#include "xmalloc.h"

/* Who acts and what each member sees, for the status; the caller frees. */
struct status_member *
daemon_coord_view(struct daemon *d, struct status_coordination *co)
{
	const struct coord_view		*v = coord_view(d->coord);
	struct status_member		*m;
	uint64_t			 now = monotime_ms();
	size_t				 i;

	m = xcalloc(v->n + 1, sizeof *m);
	for (i = 0; i < v->n; i++) {
		m[i].name = v->members[i].summary.member;
		m[i].leader_reachable = v->members[i].summary.leader_reachable;
		m[i].state = v->members[i].summary.state;
		m[i].age_ms = coord_view_age(&v->members[i], now);
	}
	memset(co, 0, sizeof *co);
	co->enabled = true;
	co->member = coord_member(d->coord);
	co->actor = coord_actor(d->coord);
	co->acting = d->acting;
	co->etcd_reachable = coord_available(d->coord);
	co->members = m;
	co->nmembers = v->n;
	return (m);
}

/*
 * A round with coordination: every member decides as a lone daemon would,
 * the actor with the quorum of fresh summaries and for real, the others in
 * a machine of their own (own) whose state only their summary shows; then
 * each publishes what it saw and decided.
 */
void
daemon_coord_round(struct daemon *d, const struct observation *obs)
{
	struct observation	 o = *obs;
	struct coord_quorum	 q;
	struct coord_summary	 sum;
	struct fsm_output	 out;
	struct timespec		 now;
	enum fsm_state		 decided;

	coord_quorum(d->coord, !obs->leader.reachable,
	    coord_fresh_ms(d->config->poll_interval_ms,
	    d->config->request_timeout_ms), &q);
	o.quorum.required = true;
	o.quorum.available = coord_available(d->coord);
	o.quorum.needed = (unsigned int)d->config->coordination.quorum;
	o.quorum.fresh = q.fresh;
	o.quorum.down = q.down;
	if (d->acting) {
		fsm_observe(&d->fsm, &d->params, &o, &out);
		daemon_apply(d, &out);
		d->own = d->fsm;
		decided = d->fsm.state;
	} else {
		fsm_observe(&d->own, &d->params, &o, &out);
		decided = d->own.state;
		/* It decides; the actor acts: follow the record again. */
		if (out.action != FSM_ACTION_NONE)
			d->own = d->fsm;
		daemon_publish(d);
	}
	memset(&sum, 0, sizeof sum);
	sum.leader_reachable = obs->leader.reachable;
	sum.follower_agrees = fsm_follower_agrees(d->acting ? &d->fsm :
	    &d->own, &d->params, obs);
	snprintf(sum.state, sizeof sum.state, "%s", fsm_state_name(decided));
	clock_gettime(CLOCK_REALTIME, &now);
	isotime_format(&now, sum.time, sizeof sum.time);
	coord_publish(d->coord, &sum);
}

/* A record write some queued requests wait for. */
struct daemon_ticket {
	struct daemon	*d;
	uint64_t	 ticket;
};

/* The record is in etcd: release the requests that waited for it. */
static void
daemon_record_done(bool ok, void *arg)
{
	struct daemon_ticket	*t = arg;
	struct daemon		*d = t->d;
	uint64_t		 ticket = t->ticket;

	free(t);
	if (ok && ticket != 0)
		sender_release(d->sender, ticket);
}

/* Write the state to etcd; requests up to ticket (0: none) wait for it. */
void
daemon_record_write(struct daemon *d, uint64_t ticket)
{
	struct daemon_ticket	*t;
	json_t			*doc;

	if ((doc = state_to_json(&d->state)) == NULL) {
		log_warnx("the record holds invalid text: not written to etcd");
		return;
	}
	t = xcalloc(1, sizeof *t);
	t->d = d;
	t->ticket = ticket;
	if (coord_record_write(d->coord, doc, daemon_record_done, t) == -1)
		free(t);
	json_decref(doc);
}

/*
 * The sender's barrier with coordination: a request leaves only once the
 * record it follows is in etcd, not only on disk, so that the member that
 * takes over knows it may have been sent.
 */
static void
daemon_barrier(uint64_t ticket, void *arg)
{
	struct daemon	*d = arg;

	if (d->acting)
		daemon_record_write(d, ticket);
}

/* Log a coordination event: who acts, etcd reachable or not. */
static void __attribute__((format(printf, 3, 4)))
daemon_coord_event(struct daemon *d, enum log_level level, const char *fmt,
    ...)
{
	struct log_field	 field;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	field.name = "CCR_STATE";
	field.value = fsm_state_name(d->fsm.state);
	events_emit(&d->events, CCR_EVENT_COORDINATION, level, &field, 1,
	    NULL, "%s", msg);
	free(msg);
}

/* The lease is revoked (or etcd did not answer): leave the loop. */
static void
daemon_resigned(void *arg)
{
	struct daemon	*d = arg;

	event_base_loopbreak(d->base);
}

/*
 * Stopping: hand the role over now. Stop sending, then revoke the lease so
 * another watcher takes the actor key without waiting for its TTL.
 */
void
daemon_coord_resign(struct daemon *d)
{
	d->resigning = true;
	d->acting = false;
	action_stop(d->engine);
	daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination: %s resigns: "
	    "its lease is revoked for another watcher to act",
	    coord_member(d->coord));
	coord_resign(d->coord, daemon_resigned, d);
}

/*
 * This member became the actor, or stopped being it. Becoming it is a
 * restart without the process: the record in etcd (else the local copy,
 * the first time a set of watchers starts) gives roles and the machine,
 * and a recorded action is finished from where it stood.
 */
static void
daemon_coord_acting(bool acting, json_t *record, void *arg)
{
	struct daemon	*d = arg;
	char		*cause;

	if (!acting) {
		d->acting = false;
		action_stop(d->engine);
		daemon_coord_event(d, LOG_LEVEL_WARNING, "coordination: %s "
		    "stopped acting: no request, action or hook until it "
		    "holds the role again", coord_member(d->coord));
		daemon_publish(d);
		return;
	}
	if (record != NULL &&
	    state_load_json(&d->state, record, &cause) == -1) {
		log_warnx("the record in etcd is unusable, taking over from "
		    "the local state: %s", cause);
		free(cause);
	}
	if (daemon_adopt(d, &cause) == -1) {
		log_warnx("%s; the actor role is taken with the state as "
		    "it was", cause);
		free(cause);
	}
	poller_set_leader(d->poller, d->leader);
	d->acting = true;
	daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination: %s is the "
	    "actor: %s, leader %s%s%s", coord_member(d->coord),
	    fsm_state_name(d->fsm.state), daemon_cluster_name(d, d->leader),
	    d->state.action != NULL ? ", resuming the recorded action" : "",
	    record == NULL ? " (no record in etcd yet)" : "");
	daemon_save_state(d);
	daemon_resume(d);
	daemon_publish(d);
}

/* The actor wrote a newer record: follow its roles and state. */
static void
daemon_coord_record(json_t *record, const char *by, void *arg)
{
	struct daemon		*d = arg;
	struct log_field	 field;
	enum fsm_state		 was = d->fsm.state;
	int			 leader = d->leader;
	char			*cause;

	if (state_load_json(&d->state, record, &cause) == -1 ||
	    daemon_adopt(d, &cause) == -1) {
		log_warnx("the record %s wrote is not followed: %s", by,
		    cause);
		free(cause);
		return;
	}
	d->own = d->fsm;
	if (d->leader != leader) {
		poller_set_leader(d->poller, d->leader);
		log_notice("roles swapped by %s: leader %s, follower %s", by,
		    daemon_cluster_name(d, d->leader),
		    daemon_cluster_name(d, 1 - d->leader));
	}
	if (d->fsm.state != was) {
		field.name = "CCR_STATE";
		field.value = fsm_state_name(d->fsm.state);
		events_emit(&d->events, CCR_EVENT_STATE_CHANGED,
		    LOG_LEVEL_NOTICE, &field, 1, NULL, "state %s -> %s by %s: "
		    "%s", fsm_state_name(was), fsm_state_name(d->fsm.state), by,
		    d->state.fsm.reason);
	}
	daemon_save_state(d);
	daemon_publish(d);
}

/* The actor: a command another member forwarded. */
static void
daemon_coord_command(const struct coord_command *cmd, void *arg)
{
	struct daemon		*d = arg;
	struct coord_command	 answer;
	enum fsm_command	 command;
	char			 source[CONFIG_MEMBER_MAX + 16];

	memset(&answer, 0, sizeof answer);
	if (fsm_command_from_name(cmd->command, &command) == -1) {
		snprintf(answer.message, sizeof answer.message,
		    "unknown command");
		coord_command_done(d->coord, &answer);
		return;
	}
	snprintf(source, sizeof source, "member %s", cmd->from);
	answer.accepted = daemon_execute(d, cmd->id, command, source,
	    answer.message, sizeof answer.message);
	coord_command_done(d->coord, &answer);
}

/* The forwarder: the actor's answer to a command given here. */
static void
daemon_coord_answered(const struct coord_command *cmd, void *arg)
{
	struct daemon		*d = arg;
	struct log_field	 field;
	enum fsm_command	 command;

	if (fsm_command_from_name(cmd->command, &command) == -1)
		return;
	daemon_last_command(d, cmd->id, command, cmd->accepted, cmd->message,
	    cmd->by[0] != '\0' ? cmd->by : NULL);
	field.name = "CCR_COMMAND";
	field.value = cmd->command;
	events_emit(&d->events, CCR_EVENT_CONTROL, cmd->accepted ?
	    LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING, &field, 1, NULL,
	    "%s (%s) %s%s%s: %s", cmd->command, cmd->id,
	    cmd->accepted ? "accepted" : "rejected",
	    cmd->by[0] != '\0' ? " by " : "", cmd->by, cmd->message);
	daemon_publish(d);
}

/* etcd became reachable or unreachable. */
static void
daemon_coord_available(bool available, const char *why, void *arg)
{
	struct daemon	*d = arg;

	if (available)
		daemon_coord_event(d, LOG_LEVEL_NOTICE, "coordination "
		    "available again: etcd reachable");
	else
		daemon_coord_event(d, LOG_LEVEL_WARNING, "coordination "
		    "unavailable: %s; no new action starts", why);
	daemon_publish(d);
}

/* Join the other watchers through etcd, as the configuration says. */
int
daemon_open_coord(struct daemon *d, char **cause)
{
	const struct ccr_coordination_config	*cc;
	struct coord_callbacks			 cb;
	char					*password = NULL;

	cc = &d->config->coordination;
	if (cc->password_file != NULL && config_read_secret(d->config,
	    cc->password_file, &password, cause) == -1)
		return (-1);
	cb.acting = daemon_coord_acting;
	cb.record = daemon_coord_record;
	cb.command = daemon_coord_command;
	cb.answered = daemon_coord_answered;
	cb.available = daemon_coord_available;
	cb.arg = d;
	d->coord = coord_create(d->base, d->http, cc, password,
	    d->config->request_timeout_ms, &cb);
	config_secret_free(password);
	d->events.member = coord_member(d->coord);
	d->events.may_run_hooks = daemon_may_act;
	d->events.arg = d;
	sender_set_barrier(d->sender, daemon_barrier, daemon_may_act);
	log_info("coordination: member %s of %s, quorum %d, lease %llu s",
	    cc->member, cc->prefix, cc->quorum,
	    (unsigned long long)cc->lease_ttl_s);
	return (0);
}
