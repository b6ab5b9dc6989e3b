/*
 * The action engine as the daemon builds it: its limits, and its transport,
 * the sender's group commit (sender.c) with two additions: nothing goes to
 * a cluster whose url answers as another cluster, and before queued
 * requests leave the record they follow is written to state.json.
 */
#include "autoconf.h"

#include <stdbool.h>
#include <string.h>

#include "daemon-int.h"
#include "es.h"
#include "http.h"
#include "log.h"
#include "poller.h"
#include "sender.h"

#define DAEMON_RETRY_BASE_MS	200
#define DAEMON_RETRY_CAP_MS	5000
#define DAEMON_ACTION_IN_FLIGHT	256	/* recorded, not yet answered */

/* Before the engine's queued requests leave: save the record they follow. */
void
daemon_persist(void *arg)
{
	struct daemon	*d = arg;

	if (!d->action_dirty)
		return;
	d->action_dirty = false;
	if (action_running(d->engine)) {
		state_set_action(&d->state,
		    action_record_to_text(action_record(d->engine)));
		daemon_save_state(d);
	}
}

/*
 * The engine's send: through the sender, except to a cluster whose url
 * answers as another cluster, which no action may touch.
 */
static void *
daemon_send(void *ctx, int cluster, const struct es_call *call,
    es_done_cb done, void *done_arg)
{
	struct daemon	*d = ctx;

	if (poller_identity_changed(d->poller, cluster)) {
		log_warnx("not sent to %s, whose identity changed: %s %s",
		    daemon_cluster_name(d, cluster),
		    http_method_name(call->method), call->path);
		return (NULL);
	}
	return (d->transport.send(d->transport.ctx, cluster, call, done,
	    done_arg));
}

/* The engine's cancel: the sender's, in the sender's context. */
static void
daemon_cancel(void *ctx, void *handle)
{
	struct daemon	*d = ctx;

	d->transport.cancel(d->transport.ctx, handle);
}

/* A fresh engine for the configuration in force (it borrows it). */
struct action_engine *
daemon_engine_create(struct daemon *d)
{
	struct action_transport	transport;
	struct action_params	params;
	struct action_callbacks	callbacks;

	sender_transport(d->sender, &transport);
	d->transport = transport;
	transport.send = daemon_send;
	transport.cancel = daemon_cancel;
	transport.ctx = d;
	memset(&params, 0, sizeof params);
	/* The cluster clients bound what is on the wire; more wait there. */
	params.max_in_flight = DAEMON_ACTION_IN_FLIGHT;
	params.retry_base_ms = DAEMON_RETRY_BASE_MS;
	params.retry_cap_ms = DAEMON_RETRY_CAP_MS;
	params.max_attempts = 0;
	params.request_timeout_ms = DAEMON_ACTION_TIMEOUT_MS + 5000;
	params.switchover_timeout_ms = d->config->switchover_timeout_ms;
	params.lag_poll_ms = d->config->poll_interval_ms / 2;
	params.dry_run = d->config->dry_run;
	params.events = &d->events;
	callbacks.on_change = daemon_action_change;
	callbacks.on_finished = daemon_action_finished;
	callbacks.arg = d;
	return (action_create(d->base, d->config, &transport, &params,
	    &callbacks));
}
