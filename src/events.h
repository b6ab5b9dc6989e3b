/*
 * The events an operator may look for in the journal, each with a stable
 * MESSAGE_ID (explained in systemd/ccr-failoverd.catalog). Renaming or
 * renumbering one breaks operators' queries: only add.
 */
#ifndef CCR_EVENTS_H
#define CCR_EVENTS_H

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

#endif
