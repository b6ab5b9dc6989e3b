/* Event names and journal MESSAGE_IDs; see events.h. */
#include "autoconf.h"

#include "events.h"

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
	{ "coordination",	"837a8e8ffc774e32ae40c0e0666990d8" },
};
