/*
 * Wall-clock times as ISO 8601 UTC text ("2026-11-25T21:54:55.123Z"), the
 * form status.json and state.json use. Wall clock is for display and for
 * deadlines that must survive a restart; intervals use CLOCK_MONOTONIC.
 */
#ifndef CCR_ISOTIME_H
#define CCR_ISOTIME_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define ISOTIME_LEN	32	/* buffer size for isotime_format */

void	isotime_format(const struct timespec *, char *, size_t);
int	isotime_parse(const char *, struct timespec *);
json_t	*isotime_json(const struct timespec *);

#endif
