/*
 * Event names and journal MESSAGE_IDs, and the one way an event leaves the
 * daemon: logged, written to the journal with its fields, and handed to the
 * hook configured for its kind.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "events.h"
#include "hook.h"
#include "log.h"

const struct ccr_event_info ccr_events[CCR_EVENT_MAX] = {
	{ "started",	"f26c2f1f322e49cd9dfc42eef54e3d10" },
	{ "state-changed",	"1de53ee432e349d99f6f298d04964ca7" },
	{ "leader-suspect",	"c0b2dd906ef34eeba12160f78be48894" },
	{ "leader-lost",	"d62a0f77500043aea65299ff2e542bdc" },
	{ "leader-back",	"3f2a5d1a00f74bf287c9d35dc6065b29" },
	{ "gate-waiting",	"aff77577525e4e5a8bfa1f0475b66502" },
	{ "promotion-started",	"986e0f8b13ea4c48bc29a3eded418259" },
	{ "promotion-finished",	"3188b1f9b11545b28c9222b9c2e86219" },
	{ "failback-started",	"96383156e127486aa5c05392030e22a9" },
	{ "failback-finished",	"7a755d5c949349eca00f1ea49a30701d" },
	{ "switchover-started",	"ff1d4fad967246c784c2371ababeadc7" },
	{ "switchover-finished",	"5dd512f58e8b45bcbc258999a02a5633" },
	{ "action-failed",	"b33445bc443a4020831b4f10e19b5501" },
	{ "divergence",	"926de4883dcd44868941ec7564787511" },
	{ "degraded",	"9a1b2b9a884c4a6c830fd7cf0c6e873f" },
	{ "tilt",	"4c7d4067d947443db64f169d36317e2c" },
	{ "control",	"721a6c61133b494696682d45c580527e" },
	{ "hook-finished",	"303c817895f140c38f316d58f330c466" },
	{ "config-reloaded",	"585e89243a6347f69b6f1da0d6d70bc5" },
};

/* The configured hook for an event kind, and its name; NULL when none. */
static const char *
events_hook(const struct ccr_hooks_config *c, enum ccr_event kind,
    const char **name)
{
	switch (kind) {
	case CCR_EVENT_STATE_CHANGED:
		*name = "on_state_change";
		return (c->on_state_change);
	case CCR_EVENT_PROMOTION_FINISHED:
		*name = "on_promote";
		return (c->on_promote);
	case CCR_EVENT_FAILBACK_FINISHED:
	case CCR_EVENT_SWITCHOVER_FINISHED:
		*name = "on_failback";
		return (c->on_failback);
	default:
		return (NULL);
	}
}

/*
 * Log an event with its MESSAGE_ID and fields; when hook is not NULL (what
 * the hook is told) and a hook is configured for the kind, run it.
 */
void
events_emit(const struct events *ev, enum ccr_event kind,
    enum log_level level,
    const struct log_field *fields, size_t nfields,
    const struct hook_request *hook, const char *fmt, ...)
{
	struct hook_request	 req;
	va_list			 ap;
	char			*msg, *cause;
	const char		*name = NULL, *path;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	log_event(level, ccr_events[kind].message_id, fields,
	    nfields, "%s", msg != NULL ? msg : ccr_events[kind].name);
	free(msg);
	if (hook == NULL || ev == NULL ||
	    (path = events_hook(ev->config, kind, &name)) == NULL)
		return;
	req = *hook;
	req.name = name;
	req.path = path;
	req.timeout_ms = ev->config->timeout_ms;
	req.event = ccr_events[kind].name;
	if (hook_run(ev->hooks, &req, events_hook_done, NULL, &cause) == -1) {
		log_warnx("%s not run: %s", name, cause);
		free(cause);
	}
}

/* A hook finished: its exit status belongs in the journal. */
void
events_hook_done(const struct hook_result *r, void *arg)
{
	struct log_field	 fields[2];
	char			 status[32];

	(void)arg;
	switch (r->outcome) {
	case HOOK_OUTCOME_EXITED:
		snprintf(status, sizeof status, "%d", r->exit_status);
		break;
	case HOOK_OUTCOME_SIGNALED:
		snprintf(status, sizeof status, "signal %d", r->signo);
		break;
	default:
		snprintf(status, sizeof status, "%s",
		    hook_outcome_name(r->outcome));
		break;
	}
	fields[0].name = "CCR_HOOK";
	fields[0].value = r->name;
	fields[1].name = "CCR_HOOK_STATUS";
	fields[1].value = status;
	events_emit(NULL, CCR_EVENT_HOOK_FINISHED, hook_result_succeeded(r) ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARNING, fields, 2, NULL,
	    "hook %s (%s) finished: %s after %llu ms%s%s", r->name, r->path,
	    status, (unsigned long long)r->duration_ms,
	    r->error != NULL ? ": " : "", r->error != NULL ? r->error : "");
}
