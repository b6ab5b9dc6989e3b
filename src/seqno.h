/*
 * Arithmetic on sequence numbers and operation counts that came from an
 * Elasticsearch answer or a state file: any int64_t may arrive there, so a
 * difference or a sum saturates at INT64_MAX instead of overflowing.
 */
#ifndef CCR_SEQNO_H
#define CCR_SEQNO_H

#include <stdint.h>

/* a - b when a is ahead of b, else 0. */
static inline int64_t
seq_gap(int64_t a, int64_t b)
{
	uint64_t	d;

	if (a <= b)
		return (0);
	d = (uint64_t)a - (uint64_t)b;
	return (d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d);
}

/* total + n for two non-negative counts. */
static inline int64_t
seq_add(int64_t total, int64_t n)
{
	return (n > INT64_MAX - total ? INT64_MAX : total + n);
}

#endif
