/*
 * Logging. When systemd connected stderr to the journal (JOURNAL_STREAM names
 * stderr's device and inode) records are sent with sd_journal_sendv so that
 * MESSAGE_ID and the CCR_* fields can be queried; anywhere else a record is
 * one line on stderr with a wall-clock stamp and its fields as key=value.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* CODE_FILE and friends would always name log_emit: leave them out. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "xmalloc.h"

#define LOG_MAX_FIELDS	16

static const char	*log_ident = "ccr-failoverd";
static enum log_level	 log_level = LOG_LEVEL_INFO;
static int		 log_journal;

static const char *const log_level_names[LOG_LEVEL_MAX] = {
	"error", "warning", "notice", "info", "debug"
};
static const int log_level_priority[LOG_LEVEL_MAX] = {
	LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG
};

/* True when JOURNAL_STREAM names the file stderr is open on. */
static int
log_stderr_is_journal(void)
{
	const char		*env;
	struct stat		 st;
	unsigned long long	 dev, ino;

	if ((env = getenv("JOURNAL_STREAM")) == NULL)
		return (0);
	if (sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return (0);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

/* Choose the sink and threshold; call once at startup. */
void
log_init(const char *ident, enum log_level level)
{
	log_ident = ident;
	log_level = level;
	log_journal = log_stderr_is_journal();
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return (log_level);
}

int
log_uses_journal(void)
{
	return (log_journal);
}

const char *
log_level_name(enum log_level level)
{
	if (level >= LOG_LEVEL_MAX)
		return ("unknown");
	return (log_level_names[level]);
}

/* Parse a level name (also "err" and "warn"); -1 when unknown. */
int
log_level_from_name(const char *name, enum log_level *ret)
{
	enum log_level	l;

	for (l = 0; l < LOG_LEVEL_MAX; l++) {
		if (strcasecmp(name, log_level_names[l]) == 0) {
			*ret = l;
			return (0);
		}
	}
	if (strcasecmp(name, "err") == 0) {
		*ret = LOG_LEVEL_ERROR;
		return (0);
	}
	if (strcasecmp(name, "warn") == 0) {
		*ret = LOG_LEVEL_WARNING;
		return (0);
	}
	return (-1);
}

/* Emit one record to whichever sink is active. */
static void
log_emit(enum log_level level, const char *message_id,
    const struct log_field *fields, size_t nfields, const char *msg)
{
	struct iovec	 iov[LOG_MAX_FIELDS + 4];
	char		*parts[LOG_MAX_FIELDS + 4];
	size_t		 n = 0, i;
	struct timespec	 ts;
	struct tm	 tm;
	char		 stamp[32];

	if (nfields > LOG_MAX_FIELDS)
		nfields = LOG_MAX_FIELDS;
	if (log_journal) {
		xasprintf(&parts[n++], "MESSAGE=%s", msg);
		xasprintf(&parts[n++], "PRIORITY=%d",
		    log_level_priority[level]);
		xasprintf(&parts[n++], "SYSLOG_IDENTIFIER=%s", log_ident);
		if (message_id != NULL)
			xasprintf(&parts[n++], "MESSAGE_ID=%s", message_id);
		for (i = 0; i < nfields; i++)
			xasprintf(&parts[n++], "%s=%s", fields[i].name,
			    fields[i].value != NULL ? fields[i].value : "");
		for (i = 0; i < n; i++) {
			iov[i].iov_base = parts[i];
			iov[i].iov_len = strlen(parts[i]);
		}
		sd_journal_sendv(iov, (int)n);
		for (i = 0; i < n; i++)
			free(parts[i]);
		return;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s", stamp,
	    ts.tv_nsec / 1000000, log_ident, (long)getpid(),
	    log_level_names[level], msg);
	for (i = 0; i < nfields; i++)
		fprintf(stderr, " %s=%s", fields[i].name,
		    fields[i].value != NULL ? fields[i].value : "");
	fputc('\n', stderr);
	funlockfile(stderr);
}

/* Format and emit; errnum >= 0 appends strerror like warn(3). */
static void
log_vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char	*msg, *full;

	if (level > log_level)
		return;
	if (vasprintf(&msg, fmt, ap) == -1)
		return;
	if (errnum >= 0) {
		xasprintf(&full, "%s: %s", msg, strerror(errnum));
		free(msg);
		msg = full;
	}
	log_emit(level, NULL, NULL, 0, msg);
	free(msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARNING, -1, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_NOTICE, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, -1, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_ERROR, -1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_event(enum log_level level, const char *message_id,
    const struct log_field *fields, size_t nfields, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;
	int	 n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n == -1)
		return;
	log_emit(level, message_id, fields, nfields, msg);
	free(msg);
}
