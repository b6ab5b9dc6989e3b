/*
 * Operator control, the daemon's side. An operator (or ccr-failoverctl)
 * writes one command to <runtime_dir>/control; a timer looks for it once per
 * interval, claims it by renaming it so that a command is seen exactly once,
 * reads it and removes it. Commands arrive on the daemon's callback; garbage
 * is logged and dropped. A runtime directory or control file that anyone but
 * the daemon's user (or root) could have written is refused without being
 * read, and the refusal is logged once until the situation changes.
 *
 * Signals come in as libevent events, so handlers never do more than queue
 * work: SIGUSR1 is "confirm", SIGUSR2 is "hold", SIGHUP asks for a reload,
 * SIGTERM and SIGINT ask to stop. SIGPIPE is ignored.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control-proto.h"
#include "control.h"
#include "log.h"
#include "xmalloc.h"

#define CONTROL_FILE		CONTROL_PROTO_FILE
#define CONTROL_CLAIMED		"control.reading"
#define CONTROL_QUOTE_MAX	32	/* bytes of garbage shown in a log line */

static const int control_signals[] = {
	SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2
};
#define CONTROL_NSIGNALS (sizeof control_signals / sizeof control_signals[0])

static const char *const control_source_names[CONTROL_SOURCE_MAX] = {
	"file", "signal"
};

struct control {
	struct event_base	*base;
	char			*dir;
	char			*path;
	uint64_t		 interval_ms;
	struct control_callbacks cb;

	struct event		*timer;
	struct event		*signals[CONTROL_NSIGNALS];
	struct sigaction	 old_sigpipe;

	char			*refused;	/* the refusal last logged */
	int			 empty_seen;	/* an empty file seen once */
	dev_t			 empty_dev;
	ino_t			 empty_ino;
	unsigned int		 serial;	/* for made-up ids */
};

/* The source's name for logs and made-up ids. */
const char *
control_source_name(enum control_source source)
{
	if (source >= CONTROL_SOURCE_MAX)
		return ("unknown");
	return (control_source_names[source]);
}

/* The control file's full path, for messages and for the ctl's benefit. */
const char *
control_file_path(struct control *c)
{
	return (c->path);
}

/*
 * Fail unless st belongs to this user (or root) and nobody else may write
 * to it: otherwise another user could slip in a command.
 */
static int
control_check_owner(const struct stat *st, const char *path, char **cause)
{
	uid_t	euid = geteuid();

	if (st->st_uid != euid && st->st_uid != 0) {
		xasprintf(cause, "%s is owned by uid %lu, not %lu", path,
		    (unsigned long)st->st_uid, (unsigned long)euid);
		return (-1);
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s is writable by group or others (mode %04o)",
		    path, (unsigned int)(st->st_mode & 07777));
		return (-1);
	}
	return (0);
}

/* Open the runtime directory, refusing a symlink or an unsafe directory. */
static int
control_open_dir(struct control *c, char **cause)
{
	struct stat	st;
	int		dfd, error;

	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1) {
		error = errno;
		if (lstat(c->dir, &st) == 0 && S_ISLNK(st.st_mode))
			xasprintf(cause, "%s is a symbolic link", c->dir);
		else
			xasprintf(cause, "%s: %s", c->dir, strerror(error));
		return (-1);
	}
	if (fstat(dfd, &st) == -1) {
		xasprintf(cause, "%s: %s", c->dir, strerror(errno));
		close(dfd);
		return (-1);
	}
	if (control_check_owner(&st, c->dir, cause) == -1) {
		close(dfd);
		return (-1);
	}
	return (dfd);
}

/* Check what lstat or fstat said about the control file. */
static int
control_check_file(struct control *c, const struct stat *st, char **cause)
{
	if (S_ISLNK(st->st_mode)) {
		xasprintf(cause, "%s is a symbolic link", c->path);
		return (-1);
	}
	if (!S_ISREG(st->st_mode)) {
		xasprintf(cause, "%s is not a regular file", c->path);
		return (-1);
	}
	return (control_check_owner(st, c->path, cause));
}

/* Log a refusal unless it is the one already logged; takes cause. */
static void
control_refuse(struct control *c, char *cause)
{
	if (c->refused != NULL && strcmp(c->refused, cause) == 0) {
		free(cause);
		return;
	}
	log_warnx("control: refusing to read commands: %s", cause);
	free(c->refused);
	c->refused = cause;
}

/* The situation is fine again: a later refusal must be logged anew. */
static void
control_clear_refusal(struct control *c)
{
	free(c->refused);
	c->refused = NULL;
}

/* A short, printable rendering of an untrusted line for a log line. */
static char *
control_quote(const char *buf, size_t len)
{
	char	*out, *p;
	size_t	 i, n;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	n = len > CONTROL_QUOTE_MAX ? CONTROL_QUOTE_MAX : len;
	out = p = xmalloc(n * 4 + 4);
	for (i = 0; i < n; i++) {
		unsigned char	ch = (unsigned char)buf[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			*p++ = (char)ch;
		else
			p += sprintf(p, "\\x%02x", ch);
	}
	if (n < len) {
		memcpy(p, "...", 3);
		p += 3;
	}
	*p = '\0';
	return (out);
}

/* Hand a command to the daemon, making up an id when it came without. */
static void
control_deliver(struct control *c, struct control_request *req,
    enum control_source source)
{
	if (req->id[0] == '\0')
		snprintf(req->id, sizeof req->id, "%s-%ld-%u",
		    control_source_name(source), (long)getpid(), ++c->serial);
	log_debug("control: %s command %s from %s",
	    fsm_command_name(req->command), req->id,
	    control_source_name(source));
	c->cb.command(req, source, c->cb.arg);
}

/* A command raised by a signal. */
static void
control_deliver_signal(struct control *c, enum fsm_command command)
{
	struct control_request	req;

	memset(&req, 0, sizeof req);
	req.command = command;
	control_deliver(c, &req, CONTROL_SOURCE_SIGNAL);
}

/*
 * An empty file may be a shell's "echo confirm > control" caught between
 * creating the file and writing to it: leave it alone the first time.
 */
static int
control_wait_for_write(struct control *c, const struct stat *st)
{
	if (st->st_size != 0) {
		c->empty_seen = 0;
		return (0);
	}
	if (c->empty_seen && c->empty_dev == st->st_dev &&
	    c->empty_ino == st->st_ino) {
		c->empty_seen = 0;
		return (0);
	}
	c->empty_seen = 1;
	c->empty_dev = st->st_dev;
	c->empty_ino = st->st_ino;
	return (1);
}

/* Claim the control file by renaming it, read it and remove it. */
static ssize_t
control_claim(struct control *c, int dfd, char *buf, size_t size)
{
	struct stat	 st;
	char		*cause;
	ssize_t		 n;
	size_t		 have = 0;
	int		 fd;

	if (renameat(dfd, CONTROL_FILE, dfd, CONTROL_CLAIMED) == -1) {
		log_warn("control: rename %s", c->path);
		return (-1);
	}
	fd = openat(dfd, CONTROL_CLAIMED,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("control: open %s/%s", c->dir, CONTROL_CLAIMED);
		unlinkat(dfd, CONTROL_CLAIMED, 0);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		log_warn("control: fstat %s/%s", c->dir, CONTROL_CLAIMED);
		close(fd);
		unlinkat(dfd, CONTROL_CLAIMED, 0);
		return (-1);
	}
	if (control_check_file(c, &st, &cause) == -1) {
		log_warnx("control: ignored %s", cause);
		free(cause);
		close(fd);
		unlinkat(dfd, CONTROL_CLAIMED, 0);
		return (-1);
	}
	while (have < size) {
		n = read(fd, buf + have, size - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("control: read %s", c->path);
			close(fd);
			unlinkat(dfd, CONTROL_CLAIMED, 0);
			return (-1);
		}
		if (n == 0)
			break;
		have += n;
	}
	close(fd);
	if (unlinkat(dfd, CONTROL_CLAIMED, 0) == -1)
		log_warn("control: remove %s/%s", c->dir, CONTROL_CLAIMED);
	return ((ssize_t)have);
}

/* Look for a command now; the timer calls this once per interval. */
void
control_check(struct control *c)
{
	struct stat	 st;
	struct control_request	 req;
	char		 buf[CONTROL_PROTO_LINE_MAX + 1];
	char		*cause, *quoted;
	ssize_t		 len;
	int		 dfd;

	if ((dfd = control_open_dir(c, &cause)) == -1) {
		control_refuse(c, cause);
		return;
	}
	if (fstatat(dfd, CONTROL_FILE, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			control_clear_refusal(c);
		else {
			xasprintf(&cause, "%s: %s", c->path, strerror(errno));
			control_refuse(c, cause);
		}
		close(dfd);
		return;
	}
	if (control_check_file(c, &st, &cause) == -1) {
		control_refuse(c, cause);
		close(dfd);
		return;
	}
	control_clear_refusal(c);
	if (control_wait_for_write(c, &st)) {
		close(dfd);
		return;
	}
	len = control_claim(c, dfd, buf, sizeof buf);
	close(dfd);
	if (len == -1)
		return;

	if (control_proto_parse(buf, len, &req, &cause) == -1) {
		quoted = control_quote(buf, len);
		log_warnx("control: ignored \"%s\": %s", quoted, cause);
		free(quoted);
		free(cause);
		return;
	}
	control_deliver(c, &req, CONTROL_SOURCE_FILE);
}

/* The interval timer: look for a command. */
static void
control_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	control_check(arg);
}

/* Every signal lands here, on the loop, never in a real handler. */
static void
control_signal_cb(evutil_socket_t fd, short events, void *arg)
{
	struct control	*c = arg;
	int		 signo = (int)fd;

	(void)events;
	switch (signo) {
	case SIGUSR1:
		control_deliver_signal(c, FSM_COMMAND_CONFIRM);
		break;
	case SIGUSR2:
		control_deliver_signal(c, FSM_COMMAND_HOLD);
		break;
	case SIGHUP:
		log_debug("control: SIGHUP, reload");
		c->cb.reload(c->cb.arg);
		break;
	case SIGTERM:
	case SIGINT:
		log_debug("control: %s, stop", strsignal(signo));
		c->cb.stop(signo, c->cb.arg);
		break;
	}
}

/* Change how often the control file is looked for (after a reload). */
void
control_set_interval(struct control *c, uint64_t interval_ms)
{
	struct timeval	tv;

	if (interval_ms == 0)
		fatalx("control: zero interval");
	c->interval_ms = interval_ms;
	tv.tv_sec = interval_ms / 1000;
	tv.tv_usec = (interval_ms % 1000) * 1000;
	if (event_add(c->timer, &tv) == -1)
		fatalx("control: event_add");
}

/*
 * Discard a control file written before the daemon started: nobody is
 * waiting for its outcome any more, and a stale "promote" must not fire.
 */
static void
control_discard_stale(struct control *c, int dfd)
{
	if (unlinkat(dfd, CONTROL_FILE, 0) == 0)
		log_warnx("control: discarded %s written before start",
		    c->path);
	else if (errno != ENOENT)
		log_warn("control: remove %s", c->path);
	unlinkat(dfd, CONTROL_CLAIMED, 0);
}

/*
 * Watch <dir>/control every interval_ms and take over the signals. The
 * directory is created (0750) when missing and must be safe.
 */
struct control *
control_create(struct event_base *base, const char *dir, uint64_t interval_ms,
    const struct control_callbacks *cb, char **cause)
{
	struct control		*c;
	struct sigaction	 sa;
	size_t			 i;
	int			 dfd;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->dir = xstrdup(dir);
	xasprintf(&c->path, "%s/%s", dir, CONTROL_FILE);
	c->cb = *cb;
	if ((dfd = control_open_dir(c, cause)) == -1) {
		free(c->path);
		free(c->dir);
		free(c);
		return (NULL);
	}
	control_discard_stale(c, dfd);
	close(dfd);

	c->timer = event_new(base, -1, EV_PERSIST, control_timer_cb, c);
	if (c->timer == NULL)
		fatalx("control: event_new");
	control_set_interval(c, interval_ms);
	for (i = 0; i < CONTROL_NSIGNALS; i++) {
		c->signals[i] = evsignal_new(base, control_signals[i],
		    control_signal_cb, c);
		if (c->signals[i] == NULL || evsignal_add(c->signals[i],
		    NULL) == -1)
			fatalx("control: evsignal_add");
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, &c->old_sigpipe) == -1)
		fatal("control: sigaction");
	return (c);
}

/* Stop watching and give the signals back. */
void
control_free(struct control *c)
{
	size_t	i;

	if (c == NULL)
		return;
	sigaction(SIGPIPE, &c->old_sigpipe, NULL);
	for (i = 0; i < CONTROL_NSIGNALS; i++)
		event_free(c->signals[i]);
	event_free(c->timer);
	free(c->refused);
	free(c->path);
	free(c->dir);
	free(c);
}
