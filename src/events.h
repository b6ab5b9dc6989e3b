/*
 * The events an operator may look for in the journal, each with a stable
 * MESSAGE_ID (explained in systemd/ccr-failoverd.catalog). Renaming or
 * renumbering one breaks operators' queries: only add.
 */
#ifndef CCR_EVENTS_H
#define CCR_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

enum ccr_event {
	CCR_EVENT_STARTED,
	CCR_EVENT_STATE_CHANGED,
	CCR_EVENT_LEADER_SUSPECT,
	CCR_EVENT_LEADER_LOST,
	CCR_EVENT_LEADER_BACK,
	CCR_EVENT_GATE_WAITING,
	CCR_EVENT_PROMOTION_STARTED,
	CCR_EVENT_PROMOTION_FINISHED,
	CCR_EVENT_FAILBACK_STARTED,
	CCR_EVENT_FAILBACK_FINISHED,
	CCR_EVENT_SWITCHOVER_STARTED,
	CCR_EVENT_SWITCHOVER_FINISHED,
	CCR_EVENT_ACTION_FAILED,
	CCR_EVENT_DIVERGENCE,
	CCR_EVENT_DEGRADED,
	CCR_EVENT_TILT,
	CCR_EVENT_CONTROL,
	CCR_EVENT_HOOK_FINISHED,
	CCR_EVENT_CONFIG_RELOADED,
	CCR_EVENT_COORDINATION,
	CCR_EVENT_MAX
};

struct ccr_event_info {
	const char	*name;		/* e.g. "leader-lost" */
	const char	*message_id;	/* 32 lower-case hex digits */
};

extern const struct ccr_event_info ccr_events[CCR_EVENT_MAX];

struct action_record;
struct action_summary;
struct fsm_output;
struct ccr_hooks_config;
struct hook_request;
struct hook_result;
struct hook_runner;

/*
 * Where events go besides the log: the hooks and which are configured.
 * With several watchers, member names this one in state changes (which
 * say who acted) and may_run_hooks is asked before each hook starts: only
 * the actor starts hooks.
 */
struct events {
	struct hook_runner		*hooks;
	const struct ccr_hooks_config	*config;
	const char			*member;	/* NULL: alone */
	bool				(*may_run_hooks)(void *);
	void				*arg;
};

void	events_emit(const struct events *, enum ccr_event, enum log_level,
	    const struct log_field *, size_t, const struct hook_request *,
	    const char *, ...) __attribute__((format(printf, 7, 8)));
void	events_hook_done(const struct hook_result *, void *);
enum ccr_event	events_fsm_kind(int);
void	events_fsm(const struct events *, const struct fsm_output *,
	    const char *, const char *);
void	events_state_changed(const struct events *, const struct fsm_output *,
	    const char *, const char *);
void	events_action_started(const struct events *,
	    const struct action_record *, bool);
void	events_action_ended(const struct events *,
	    const struct action_summary *, const char *, const char *,
	    const char *);

#endif
