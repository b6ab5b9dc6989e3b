/*
 * ISO 8601 UTC formatting and parsing. Only the one form this project writes
 * is accepted back, with or without milliseconds, so a hand-edited or
 * damaged time is reported instead of being guessed at.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

/* Format ts as YYYY-MM-DDTHH:MM:SS.mmmZ into buf. */
void
isotime_format(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	char		stamp[24];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.19s.%03dZ", stamp,
	    (int)((ts->tv_nsec / 1000000) % 1000));
}

/* Parse what isotime_format writes (milliseconds optional); -1 if not. */
int
isotime_parse(const char *s, struct timespec *ts)
{
	struct tm	 tm;
	const char	*p;
	long		 ms = 0;
	int		 i;

	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (-1);
	if (*p == '.') {
		p++;
		for (i = 0; i < 3; i++, p++) {
			if (*p < '0' || *p > '9')
				return (-1);
			ms = ms * 10 + (*p - '0');
		}
	}
	if (strcmp(p, "Z") != 0)
		return (-1);
	ts->tv_sec = timegm(&tm);
	ts->tv_nsec = ms * 1000000;
	return (0);
}

/* A time as JSON text, or null when it is unset (zero). */
json_t *
isotime_json(const struct timespec *ts)
{
	char	buf[ISOTIME_LEN];

	if (ts->tv_sec == 0 && ts->tv_nsec == 0)
		return (json_null());
	isotime_format(ts, buf, sizeof buf);
	return (json_string(buf));
}
