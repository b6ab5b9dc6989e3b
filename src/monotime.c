/* The monotonic clock in milliseconds; see monotime.h. */
#include "autoconf.h"

#include <time.h>

#include "monotime.h"

uint64_t
monotime_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
