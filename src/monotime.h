/*
 * Milliseconds on the monotonic clock: what every timeout, duration and
 * state-machine timestamp of the daemon is measured in.
 */
#ifndef CCR_MONOTIME_H
#define CCR_MONOTIME_H

#include <stdint.h>

uint64_t	monotime_ms(void);

#endif
