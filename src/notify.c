/*
 * sd_notify(3) for the daemon: READY=1 once the first poll completed,
 * STATUS= a one-line summary (sent only when it changed, since the loop
 * offers it every poll), WATCHDOG=1 from the loop when WatchdogSec= is set,
 * RELOADING=1 around a reload and STOPPING=1 on the way out.
 *
 * RELOADING=1 carries MONOTONIC_USEC, which systemd 253 and later require to
 * match the reload to its READY=1; older versions ignore the field.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"
#include "xmalloc.h"

static int	 notify_enabled;
static uint64_t	 notify_watchdog_ms;
static char	*notify_last_status;
static int	 notify_failing;

/* Send one message; a failure is logged once, not on every watchdog ping. */
static int
notify_send(const char *msg)
{
	int	r;

	if (!notify_enabled)
		return (0);
	r = sd_notify(0, msg);
	if (r < 0) {
		if (!notify_failing)
			log_warnx("sd_notify: %s", strerror(-r));
		notify_failing = 1;
		return (-1);
	}
	notify_failing = 0;
	return (0);
}

/* Read NOTIFY_SOCKET and the watchdog settings; call at startup. */
void
notify_init(void)
{
	uint64_t	usec;

	notify_enabled = getenv("NOTIFY_SOCKET") != NULL;
	notify_failing = 0;
	free(notify_last_status);
	notify_last_status = NULL;

	notify_watchdog_ms = 0;
	if (notify_enabled && sd_watchdog_enabled(0, &usec) > 0) {
		/* Half the period, as sd_watchdog_enabled(3) advises. */
		notify_watchdog_ms = usec / 2000;
		if (notify_watchdog_ms == 0)
			notify_watchdog_ms = 1;
	}
}

/* How often the loop must call notify_watchdog, in ms; 0 when never. */
uint64_t
notify_watchdog_interval_ms(void)
{
	return (notify_watchdog_ms);
}

static void
notify_watchdog_cb(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	notify_watchdog();
}

/*
 * Ping the watchdog from the loop itself, so that a stuck loop stops the
 * pings; the caller frees the event. NULL when systemd asked for none.
 */
struct event *
notify_watchdog_start(struct event_base *base)
{
	struct event	*ev;
	struct timeval	 tv;

	if (notify_watchdog_ms == 0)
		return (NULL);
	ev = event_new(base, -1, EV_PERSIST, notify_watchdog_cb, NULL);
	tv.tv_sec = (time_t)(notify_watchdog_ms / 1000);
	tv.tv_usec = (suseconds_t)(notify_watchdog_ms % 1000) * 1000;
	event_add(ev, &tv);
	return (ev);
}

/* The daemon is up (or done reloading). */
void
notify_ready(void)
{
	notify_send("READY=1");
}

/* Offer a one-line summary; only a changed one is sent. */
void
notify_status(const char *status)
{
	char	*msg, *line, *p;

	if (!notify_enabled)
		return;
	line = xstrdup(status);
	if ((p = strpbrk(line, "\r\n")) != NULL)
		*p = '\0';
	if (notify_last_status != NULL &&
	    strcmp(notify_last_status, line) == 0) {
		free(line);
		return;
	}
	xasprintf(&msg, "STATUS=%s", line);
	if (notify_send(msg) == 0) {
		free(notify_last_status);
		notify_last_status = line;
	} else
		free(line);
	free(msg);
}

/* Tell the watchdog the loop is alive; nothing when it is not enabled. */
void
notify_watchdog(void)
{
	if (notify_watchdog_ms != 0)
		notify_send("WATCHDOG=1");
}

/* A reload starts; READY=1 (notify_ready) ends it. */
void
notify_reloading(void)
{
	struct timespec	 ts;
	char		*msg;

	if (!notify_enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	xasprintf(&msg, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
	notify_send(msg);
	free(msg);
}

/* The daemon is shutting down. */
void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}
